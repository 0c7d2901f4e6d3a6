"""Test-function families whose SmoothGrad and C-LIME explanations are known, one module each.

Every family is an immutable value object of dimension ``dim`` with vectorised
evaluation ``f(X)`` and exact gradient ``f.gradient(X)`` for ``X`` of shape (..., d);
``f.sympy()``, an exact SymPy expression (floats become exact Rationals);
``f.gradient_bound``, an upper bound on sup ||grad f||_2 (``None`` when unbounded);
and ``f.gaussian_moments(x0, cov)``: E f, E[grad f] and Cov(x, f(x)) under
x ~ N(x0, cov), by closed form where one exists and by quadrature or quasi-Monte
Carlo otherwise (the record says which). Families combine linearly: ``2 * f - g``
is a :class:`LinearCombination`.

=====================  ======================================================
:mod:`.base`           :class:`Function`, the protocol a family implements
:mod:`.polynomial`     :class:`Polynomial` (Isserlis moments)
:mod:`.rbf`            :class:`RBFMixture` (Gaussian products)
:mod:`.ridge`          :class:`RidgeFunction` g(w^T x + b), links in :mod:`verify.links`
:mod:`.network`        :class:`Network` (closed form for one hidden layer)
:mod:`.combination`    :class:`LinearCombination` (``2 * f - g``)
:mod:`.translated`     :class:`Translated` (f(. + t))
:mod:`.spec`           :func:`from_spec`, the inverse of ``f.to_spec()`` (JSON-able data)
=====================  ======================================================
"""

from .base import SPEC_VERSION, Function, as_function, checked_moments
from .combination import LinearCombination
from .network import Network
from .polynomial import Polynomial, gaussian_central_moment
from .rbf import RBFMixture
from .ridge import RidgeFunction
from .spec import from_spec
from .translated import Translated

__all__ = [
    "SPEC_VERSION",
    "Function",
    "LinearCombination",
    "Network",
    "Polynomial",
    "RBFMixture",
    "RidgeFunction",
    "Translated",
    "as_function",
    "checked_moments",
    "from_spec",
    "gaussian_central_moment",
]

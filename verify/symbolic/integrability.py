"""When is ``E[P(x) exp(c + b'x - x'Ax/2)]`` finite? Settled before it is computed.

Against N(mean, cov) the integrand is ``P(x) exp(-x'(cov^-1 + A)x/2 + linear)``, which is
integrable iff ``cov^-1 + A`` is positive definite, i.e. iff ``cov + cov A cov`` is (a
congruence by the SPD ``cov``; no inverse needed). The Gaussian-product formula the engine
uses is meaningless otherwise: for ``exp(x**2)`` under N(0, 1) it would return ``-I``.

:func:`settle` decides the condition three ways:

* numeric ``A`` and ``cov``: Sylvester's criterion on exact Rationals; a failure raises
  :class:`~verify.symbolic.errors.NotIntegrable` naming the condition;
* proved from the assumptions every proof states (cov SPD, positive symbols positive): when
  every principal minor of ``A`` is provably non-negative (``A`` PSD, so ``cov^-1 + A`` is
  SPD), or every leading minor of ``cov + cov A cov`` is provably positive;
* refused (:class:`~verify.symbolic.errors.NotIntegrable`) when a principal minor of
  ``cov + cov A cov`` is provably non-positive for every admissible parameter value;
* otherwise the condition is noted in the active :mod:`~verify.symbolic.trace` (a proof
  then lists it among its assumptions) or, outside a proof, issued as an
  :class:`~verify.symbolic.errors.IntegrabilityWarning`.
"""

from __future__ import annotations

import itertools
import warnings
from functools import lru_cache

import sympy as sp

from .errors import IntegrabilityWarning, NotIntegrable
from .trace import IntegrabilityCondition, active

__all__ = ["psd_proved", "settle"]


def psd_proved(A: sp.Matrix) -> bool:
    """True when every principal minor of the symmetric ``A`` is provably >= 0.

    A symmetric matrix is positive semidefinite iff all its principal minors (not only
    the leading ones) are non-negative.
    """
    d = A.shape[0]
    for size in range(1, d + 1):
        for idx in itertools.combinations(range(d), size):
            minor = sp.factor(A.extract(list(idx), list(idx)).det())
            if minor.is_nonnegative is not True:
                return False
    return True


@lru_cache(maxsize=1024)
def _proved(cond: IntegrabilityCondition) -> bool:
    """True when the condition holds under the stated assumptions; raise when it fails."""
    mat = cond.matrix
    d = mat.shape[0]
    if not mat.free_symbols:
        for k in range(1, d + 1):
            minor = mat[:k, :k].det()
            if not bool(minor > 0):
                raise NotIntegrable(cond.A, cond.cov, k, minor)
        return True
    if psd_proved(cond.A):
        return True
    if all(sp.factor(mat[:k, :k].det()).is_positive is True for k in range(1, d + 1)):
        return True
    _refuse_if_never(cond)
    return False


def _refuse_if_never(cond: IntegrabilityCondition) -> None:
    """Raise when a principal minor of ``cov + cov A cov`` is provably <= 0 everywhere.

    A positive definite matrix has every principal minor positive; one that is
    non-positive for every admissible parameter value means the expectation diverges for
    all of them, which is a refusal, never an assumption (a proof under it is vacuous).
    """
    mat = cond.matrix
    d = mat.shape[0]
    sizes = range(1, d + 1) if d <= 4 else (1,)  # all 2^d - 1 minors only while cheap
    for size in sizes:
        for idx in itertools.combinations(range(d), size):
            minor = sp.factor(mat.extract(list(idx), list(idx)).det())
            if minor.is_nonpositive is True:
                raise NotIntegrable(cond.A, cond.cov, size, minor, rows=idx)


def settle(A: sp.Matrix, cov: sp.Matrix) -> None:
    """Make sure ``E[... exp(-x'Ax/2 + ...)]`` under N(., cov) is finite, or say when it is.

    Parameters
    ----------
    A : sympy.Matrix
        Symmetric quadratic part of the exponent.
    cov : sympy.Matrix
        The covariance (SPD by the caller's assumption).

    Raises
    ------
    NotIntegrable
        Numeric ``A`` and ``cov`` for which the expectation is infinite.
    """
    if A.is_zero_matrix:
        return
    cond = IntegrabilityCondition(sp.ImmutableMatrix(A), sp.ImmutableMatrix(cov))
    if _proved(cond):
        return
    trace = active()
    if trace is not None:
        trace.add_condition(cond)
    else:
        warnings.warn(cond.text, IntegrabilityWarning, stacklevel=4)

"""The protocol every test-function family implements (:class:`Function`).

A new family subclasses :class:`Function`, sets ``dim`` and implements
:meth:`~Function.evaluate`, :meth:`~Function.evaluate_gradient` and
:meth:`~Function.sympy`; with a closed form for its Gaussian moments it also
implements :meth:`~Function.moments`, otherwise the engine integrates
numerically and says so. ``docs/architecture.md`` walks through an example.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from ..covariance import Covariance
from ..moments import GaussianMoments
from ..quadrature import numeric_moments
from ..validation import InputError, as_points, as_real, check_finite_output

__all__ = [
    "SPEC_VERSION",
    "Function",
    "as_function",
    "checked_moments",
    "default_symbols",
    "exact",
]

#: The version of the function spec format (:meth:`Function.to_spec`).
SPEC_VERSION = 1

#: The underscore hooks of 0.1 and their public names (a family still defining the old
#: one is refused at class creation with the new name).
_RENAMED = {
    "_value": "evaluate",
    "_gradient": "evaluate_gradient",
    "_moments": "moments",
    "_values_near": "values_near",
    "_mean_gradient_near": "mean_gradient_near",
}


def exact(value: float) -> sp.Rational:
    """The exact rational value of a float (no rounding to a short decimal)."""
    return sp.Rational(float(value))


def default_symbols(dim: int) -> tuple[sp.Symbol, ...]:
    """x1..xd, real: the symbols of :meth:`Function.sympy` by default."""
    return sp.symbols(f"x1:{dim + 1}", real=True)


class Function(ABC):
    """A scalar model f: R^d -> R with an exact gradient: the protocol every family implements.

    A family sets ``dim`` and implements, on already validated float arrays:

    * :meth:`evaluate` (f at the rows of X) and :meth:`evaluate_gradient`;
    * :meth:`sympy` (an exact expression: floats as exact Rationals);
    * :meth:`moments` (E f, E[grad f], Cov(x, f) under N(x0, cov)) when it has a
      closed form: the default integrates numerically and says so;
    * the facts :attr:`gradient_bound`, :attr:`absolutely_continuous`,
      :attr:`smooth`, :attr:`is_affine` where they differ from the defaults;
    * optionally the batched hot paths :meth:`values_near`,
      :meth:`mean_gradient_near`, their whitened forms :meth:`values_near_whitened` and
      :meth:`mean_gradient_near_whitened`, and :meth:`values_and_gradient_sums_near`.

    The base class validates shapes (``f(X)``, ``f.gradient(X)``,
    :meth:`gaussian_moments`) and supplies the algebra (``2 * f - g``).
    """

    dim: int

    #: The type ``2 * f - g`` builds; set by :mod:`verify.functions.combination`.
    combination_type: ClassVar[type[Function] | None] = None

    #: The family's name in specs (:meth:`to_spec`); a subclass that sets it is registered.
    family: ClassVar[str]
    #: The fields of the family's spec besides "family" and "version".
    spec_fields: ClassVar[tuple[str, ...]] = ()
    #: Every registered family by name (:func:`verify.functions.from_spec` reads it).
    spec_families: ClassVar[dict[str, type[Function]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "family" in cls.__dict__:
            Function.spec_families[cls.family] = cls
        # A family written for the old protocol would silently lose its hooks: refuse it.
        for old, new in _RENAMED.items():
            if old in cls.__dict__ and new not in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__}.{old} is the old name of {new}: rename the method to "
                    f"{new} (the public family protocol of verify.functions.base)"
                )

    # -- evaluation ----------------------------------------------------------
    def _check(self, X: Any) -> np.ndarray:
        # Complex or boolean input would be silently cast (the imaginary part dropped);
        # NaN is let through: f(nan) is nan, as for any numpy function.
        raw = np.asarray(X)
        if raw.dtype.kind in "bcUSV":
            raise InputError(
                f"{type(self).__name__} is evaluated at real numbers, got an array of "
                f"{raw.dtype}; pass a float array of shape (..., {self.dim})"
            )
        try:
            arr = np.asarray(raw, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"{type(self).__name__} is evaluated at a numeric array of shape "
                f"(..., {self.dim}), got {type(X).__name__} ({exc})"
            ) from None
        if arr.ndim == 0 or arr.shape[-1] != self.dim:
            raise InputError(
                f"{type(self).__name__} has dimension {self.dim}; expected an array of shape "
                f"(..., {self.dim}), got {arr.shape}"
            )
        return arr

    def __call__(self, X: Any) -> np.ndarray:
        """f evaluated at every row of X (shape (..., d)); returns shape (...)."""
        return self.evaluate(self._check(X))

    def gradient(self, X: Any) -> np.ndarray:
        """grad f at every row of X (shape (..., d)); returns shape (..., d)."""
        return self.evaluate_gradient(self._check(X))

    @abstractmethod
    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """f at every row of a validated float array X of shape (..., d); shape (...)."""

    @abstractmethod
    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        """grad f at every row of a validated float array X; shape (..., d)."""

    # -- batched evaluation around many points (the estimators' hot path) --------
    # X0 has shape (m, d) and the offsets z shape (k, n, d) with k in {1, m}
    # (k = 1: the same offsets around every point). Families whose first
    # operation is affine override these to skip building the (m, n, d) points.
    def values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        """f(x0_i + z_ij), shape (m, n)."""
        return self.evaluate(X0[:, None, :] + z)

    def mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(1/n) sum_j grad f(x0_i + z_ij), shape (m, d)."""
        return self.evaluate_gradient(X0[:, None, :] + z).mean(axis=1)

    # The reference estimators draw standard normals u and offsets z = L u (cov = L L^T).
    # Families whose first operation is affine, x -> W x, override these two to map u
    # through W L once (u @ (W L)^T) instead of building z: the same sample, rounded
    # differently (within round-off of the z route).
    def values_near_whitened(self, X0: np.ndarray, u: np.ndarray, cov: Covariance) -> np.ndarray:
        """f(x0_i + L u_ij), shape (m, n), for standard-normal u of shape (k, n, d)."""
        return self.values_near(X0, cov.colorize(u))

    def mean_gradient_near_whitened(
        self, X0: np.ndarray, u: np.ndarray, cov: Covariance
    ) -> np.ndarray:
        """(1/n) sum_j grad f(x0_i + L u_ij), shape (m, d)."""
        return self.mean_gradient_near(X0, cov.colorize(u))

    @property
    def maps_whitened_offsets(self) -> bool:
        """True when the family overrides the whitened hooks (it never builds z = L u)."""
        cls = type(self)
        return (
            cls.values_near_whitened is not Function.values_near_whitened
            or cls.mean_gradient_near_whitened is not Function.mean_gradient_near_whitened
        )

    def values_and_gradient_sums_near(
        self, X0: np.ndarray, z: np.ndarray, starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """f(x0_i + z_j), shape (m, n), and the sums of grad f over consecutive blocks of j.

        ``z`` has shape (n, d) (shared by the points); block b sums j in
        [starts[b], starts[b + 1]). Nested estimates at a grid of sample sizes use it.
        """
        points = X0[:, None, :] + z[None]
        return self.evaluate(points), np.add.reduceat(self.evaluate_gradient(points), starts, 1)

    # -- facts about f --------------------------------------------------------
    @property
    def gradient_bound(self) -> float | None:
        """An upper bound on sup_x ||grad f(x)||_2, or ``None`` if unbounded."""
        return None

    @property
    def absolutely_continuous(self) -> bool:
        """False when f has jumps: Stein's lemma (Theorem 1) does not apply."""
        return True

    @property
    def smooth(self) -> bool:
        """True when f is analytic, so that Gauss-Hermite quadrature converges fast."""
        return True

    @property
    def is_affine(self) -> bool:
        """True when f(x) = theta^T x + b exactly (then C-LIME_n = theta for n >= d + 1)."""
        return False

    @property
    def evaluation_width(self) -> int:
        """Floats f's evaluation near x0 holds per perturbed point at its peak, roughly.

        The default hooks build the points x0 + z and a gradient of the same shape:
        2 d. The estimators size their blocks of perturbed points by it (plus the
        offsets they hold themselves), so that memory stays bounded whatever n and m;
        families with wide intermediates (network layers, polynomial powers, RBF
        bumps) report more, ridge functions less.
        """
        return 2 * self.dim

    @abstractmethod
    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        """Exact SymPy expression in ``symbols`` (default x1..xd, real)."""

    # -- Gaussian moments -----------------------------------------------------
    def gaussian_moments(self, x0: Any, cov: Any) -> GaussianMoments:
        """E f, E[grad f] and Cov(x, f(x)) for x ~ N(x0, cov) at each row of x0.

        Parameters
        ----------
        x0 : array_like, shape (d,) or (m, d)
        cov : array_like, shape (d, d), or Covariance
            Symmetric positive definite.

        Returns
        -------
        GaussianMoments
            Arrays with a leading axis of length m (1 for a single point).

        Raises
        ------
        InputError
            For bad points or covariances, a covariance too small for double precision
            (:meth:`verify.covariance.Covariance.check_resolution`), or moments that
            overflow (the same message as the estimators give for an overflowing f).
        """
        X0, _ = as_points(x0, self.dim)
        cov = Covariance.of(cov, self.dim)
        cov.check_resolution(X0)
        return checked_moments(self.moments(X0, cov))

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        """E f, E[grad f] and Cov(x, f) at validated points X0 (m, d) under ``cov``.

        ``cov`` is a :class:`~verify.covariance.Covariance` (validated and factorised
        once; ``cov.matrix`` is Sigma, ``np.asarray(cov)`` too); families convert a raw
        array with ``Covariance.of(cov, self.dim)``. Families with a closed form override
        this; the default integrates by quadrature or randomised QMC and reports the
        method and its error.
        """
        return numeric_moments(self, X0, Covariance.of(cov, self.dim).cholesky)

    # -- functions as data --------------------------------------------------------
    def to_spec(self) -> dict[str, Any]:
        """The function as JSON-able data: ``{"family", "version", <fields>}``.

        :func:`verify.functions.from_spec` rebuilds it with the same parameters to the
        last bit, through ``json.dumps``/``json.loads`` too. A family implements
        :meth:`spec_values` (its fields) and :meth:`from_spec_fields`.
        """
        return {"family": self._family_name(), "version": SPEC_VERSION, **self.spec_values()}

    def spec_values(self) -> dict[str, Any]:
        """The family's spec fields as plain lists, floats, ints and strings."""
        raise NotImplementedError(
            f"{type(self).__name__} has no spec: set the class attributes family and "
            "spec_fields and implement spec_values and from_spec_fields"
        )

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> Function:
        """The function of a spec's fields (validated by :func:`verify.functions.from_spec`)."""
        raise NotImplementedError(f"{cls.__name__} cannot be built from a spec")

    def _family_name(self) -> str:
        # A subclass of a family is not that family: it would be rebuilt as its parent.
        if "family" not in type(self).__dict__:
            raise NotImplementedError(
                f"{type(self).__name__} has no spec of its own: set the class attributes "
                "family and spec_fields and implement spec_values and from_spec_fields"
            )
        return type(self).family

    # -- algebra ----------------------------------------------------------------
    def _combine(self, terms: list[tuple[float, Function]]) -> Function:
        combination = Function.combination_type
        assert combination is not None, "verify.functions.combination registers it on import"
        return combination(terms)

    def __mul__(self, c: float) -> Function:
        if not np.isscalar(c):
            return NotImplemented
        return self._combine([(as_real(c, "the coefficient of a Function"), self)])

    __rmul__ = __mul__

    def __neg__(self) -> Function:
        return self * -1.0

    def __add__(self, other: Function) -> Function:
        if not isinstance(other, Function):
            return NotImplemented
        return self._combine([(1.0, self), (1.0, other)])

    def __sub__(self, other: Function) -> Function:
        if not isinstance(other, Function):
            return NotImplemented
        return self._combine([(1.0, self), (-1.0, other)])


def as_function(f: Any) -> Function:
    """Return ``f`` if it is a :class:`Function`; otherwise raise a helpful InputError."""
    if not isinstance(f, Function):
        raise InputError(
            f"f must be a verify.functions.Function (Polynomial, RBFMixture, RidgeFunction, "
            f"Network or a combination), got {type(f).__name__}; the engine needs f's exact "
            "gradient and Gaussian moments, which a plain callable does not provide"
        )
    return f


def checked_moments(moments: GaussianMoments) -> GaussianMoments:
    """``moments`` if every figure is finite; else the estimators' overflow message."""
    values = np.concatenate(
        [np.ravel(moments.mean), np.ravel(moments.smoothgrad), np.ravel(moments.covariance)]
    )
    check_finite_output(values, "the Gaussian moments of f", "(E f, E[grad f], Cov(x, f))")
    return moments

"""The covariance of the Gaussian perturbations, validated and factorised once.

:class:`Covariance` is what the engine passes around instead of a raw (d, d) array
(modelled on :class:`scipy.stats.Covariance`): it is checked once (finite, square,
symmetric within :data:`SYMMETRY_RTOL`, positive definite), factorised once, and
carries what the closed forms, the estimators and the bounds need of it:

=========================  ==================================================================
``matrix``, ``dim``        Sigma itself (read-only) and d
``cholesky``               the lower factor L, Sigma = L L^T
``whiten(z)``              L^{-1} z (along the last axis): N(0, Sigma) -> N(0, I)
``colorize(u)``            L u (along the last axis): N(0, I) -> N(0, Sigma)
``eigenvalues``            ascending; ``condition_number`` = largest / smallest
``sqrt``                   the symmetric square root Sigma^{1/2}
``solve(b)``, ``inverse``  Sigma^{-1} b and Sigma^{-1}, by the Cholesky factor
``log_det``                log det Sigma
``scaled(c)``              c Sigma, its factors scaled (not recomputed)
``check_resolution(x0)``   the refusal of a covariance too small for double precision
=========================  ==================================================================

Build one with ``Covariance(matrix)``, :meth:`Covariance.from_diagonal`,
:meth:`Covariance.from_cholesky` or :meth:`Covariance.from_eigendecomposition`;
:meth:`Covariance.of` passes a :class:`Covariance` through and converts anything else,
so every public entry point of the engine accepts either, converting a raw array once.
This module is the one place that refuses a covariance; each message names the problem
and the fix. ``np.asarray(cov)`` gives the matrix, so families written against raw arrays
keep working.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
from scipy.linalg import cho_solve, solve_triangular

from .refusals import RESOLUTION, InputError, as_array, as_real, as_vector

__all__ = ["SYMMETRY_RTOL", "Covariance"]

#: A matrix is accepted as symmetric when max |S - S^T| <= SYMMETRY_RTOL * max |S|; it is
#: then replaced by (S + S^T) / 2.
SYMMETRY_RTOL = 1e-10

_RESOLUTION_FIX = (
    "use a larger covariance, or rescale the features so that x0 and the noise are of "
    "comparable size"
)


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


def _square(value: Any, dim: int | None, name: str) -> np.ndarray:
    """A finite square float matrix of the expected size (a copy)."""
    arr = as_array(value, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise InputError(
            f"{name} must be a square (d, d) matrix, got shape {arr.shape}; "
            "for isotropic noise pass sigma**2 * np.eye(d), for per-feature noise "
            "np.diag(variances)"
        )
    _check_dim(arr.shape[0], dim, name, arr.shape)
    return arr


def _check_dim(size: int, dim: int | None, name: str, shape: tuple[int, ...]) -> None:
    if dim is not None and size != dim:
        raise InputError(f"{name} has shape {shape} but the function has dimension {dim}")


def _symmetrised(arr: np.ndarray, name: str) -> np.ndarray:
    scale = max(float(np.max(np.abs(arr))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(arr - arr.T)))
    if asym > SYMMETRY_RTOL * scale:
        raise InputError(
            f"{name} is not symmetric (max |cov - cov.T| = {asym:.3g}); "
            "symmetrise it with (cov + cov.T) / 2 if the asymmetry is rounding"
        )
    return (arr + arr.T) / 2


def _cholesky(matrix: np.ndarray, name: str) -> np.ndarray:
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        lam = float(np.linalg.eigvalsh(matrix)[0])
        raise InputError(
            f"{name} is not positive definite (smallest eigenvalue {lam:.3g}); pass a "
            "covariance (not a standard deviation, precision or Cholesky factor), or add "
            "a small multiple of the identity"
        ) from None


class Covariance:
    """A symmetric positive definite matrix Sigma, validated and factorised once.

    Parameters
    ----------
    matrix : array_like, shape (d, d)
        Finite, symmetric within :data:`SYMMETRY_RTOL` (then symmetrised), positive
        definite.
    dim : int, optional
        The dimension d the caller expects (a function's).
    name : str
        How messages name the matrix (``"cov"``, ``"metric"``, ...).

    Raises
    ------
    InputError
        For a matrix that is not numeric, not finite, not square, of the wrong size,
        not symmetric or not positive definite; the message says how to fix it.

    Examples
    --------
    >>> cov = Covariance([[2.0, 0.5], [0.5, 1.0]])
    >>> z = cov.colorize(np.random.default_rng(0).standard_normal((1000, 2)))
    >>> bool(np.allclose(cov.whiten(z) @ cov.cholesky.T, z))
    True
    """

    def __init__(self, matrix: Any, dim: int | None = None, name: str = "cov"):
        arr = _symmetrised(_square(matrix, dim, name), name)
        self._set(arr, name, _cholesky(arr, name))

    def _set(
        self,
        matrix: np.ndarray,
        name: str,
        chol: np.ndarray | None = None,
        eigenvalues: np.ndarray | None = None,
    ) -> None:
        self._matrix = _readonly(matrix)
        self.name = name
        if chol is not None:
            self.__dict__["cholesky"] = _readonly(chol)
        if eigenvalues is not None:
            self.__dict__["eigenvalues"] = _readonly(eigenvalues)

    @classmethod
    def _derived(
        cls,
        matrix: np.ndarray,
        name: str,
        chol: np.ndarray | None = None,
        eigenvalues: np.ndarray | None = None,
    ) -> Covariance:
        """A covariance the engine computed (symmetric by construction): no re-validation;
        its factor is computed on first use (a non positive definite one is refused then)."""
        out = cls.__new__(cls)
        out._set(matrix, name, chol, eigenvalues)
        return out

    # -- construction ---------------------------------------------------------------
    @classmethod
    def of(cls, value: Any, dim: int | None = None, name: str = "cov") -> Covariance:
        """``value`` if it is a :class:`Covariance` (of dimension ``dim``), else one built
        from it: the conversion every public entry point makes, once."""
        if isinstance(value, Covariance):
            _check_dim(value.dim, dim, name, value.matrix.shape)
            return value
        return cls(value, dim, name)

    @classmethod
    def from_diagonal(cls, variances: Any, name: str = "cov") -> Covariance:
        """diag(variances): independent features; factors without a factorisation."""
        v = as_vector(variances, "variances")
        if np.any(v <= 0) or not np.all(np.isfinite(v * v)):
            raise InputError(
                f"variances must be positive finite numbers (the diagonal of {name}), got "
                f"smallest {float(np.min(v)):.3g}; a zero variance is no perturbation"
            )
        out = cls.__new__(cls)
        out._set(np.diag(v), name, np.diag(np.sqrt(v)), np.sort(v))
        return out

    @classmethod
    def from_cholesky(cls, factor: Any, name: str = "cov") -> Covariance:
        """L L^T for a lower-triangular L with a positive diagonal (L is kept as the factor)."""
        L = _square(factor, None, "the Cholesky factor")
        if np.any(np.triu(L, 1) != 0):
            raise InputError(
                "the Cholesky factor must be lower triangular (numpy's convention); for an "
                "upper factor U (scipy's default) pass U.T"
            )
        if np.any(np.diag(L) <= 0):
            raise InputError(
                "the Cholesky factor must have a positive diagonal (got "
                f"{float(np.min(np.diag(L))):.3g}); flip the sign of that column, or pass "
                "the covariance itself if the factor is singular"
            )
        matrix = L @ L.T
        if not np.all(np.isfinite(matrix)):
            raise InputError("L L^T overflows: rescale the Cholesky factor")
        out = cls.__new__(cls)
        out._set((matrix + matrix.T) / 2, name, L)
        return out

    @classmethod
    def from_eigendecomposition(cls, eigendecomposition: Any, name: str = "cov") -> Covariance:
        """Q diag(lambda) Q^T from ``(eigenvalues, eigenvectors)`` (columns of Q orthonormal)."""
        try:
            values, vectors = eigendecomposition
        except (TypeError, ValueError):
            raise InputError(
                "pass the eigendecomposition as a pair (eigenvalues, eigenvectors), as "
                "np.linalg.eigh returns it"
            ) from None
        lam = as_vector(values, "eigenvalues")
        Q = _square(vectors, lam.size, "eigenvectors")
        if np.any(lam <= 0):
            raise InputError(
                f"eigenvalues must be positive (got {float(np.min(lam)):.3g}): {name} must be "
                "positive definite; add a small multiple of the identity"
            )
        drift = float(np.max(np.abs(Q.T @ Q - np.eye(lam.size))))
        if drift > 1e-8:
            raise InputError(
                f"the eigenvectors are not orthonormal (max |Q^T Q - I| = {drift:.3g}); pass "
                "the columns of an orthogonal matrix, as np.linalg.eigh returns them"
            )
        matrix = (Q * lam) @ Q.T
        matrix = (matrix + matrix.T) / 2
        out = cls.__new__(cls)
        out._set(matrix, name, _cholesky(matrix, name), np.sort(lam))
        return out

    # -- the matrix and its factors ----------------------------------------------------
    @property
    def matrix(self) -> np.ndarray:
        """Sigma, shape (d, d), symmetric, read-only."""
        return self._matrix

    @property
    def dim(self) -> int:
        return self._matrix.shape[0]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self._matrix if dtype is None else self._matrix.astype(dtype)
        return np.array(out) if copy else out

    def __repr__(self) -> str:
        return f"Covariance(d={self.dim}, condition_number={self.condition_number:.3g})"

    @cached_property
    def cholesky(self) -> np.ndarray:
        """The lower Cholesky factor L (Sigma = L L^T), read-only."""
        return _readonly(_cholesky(self._matrix, self.name))

    @cached_property
    def cholesky_inverse(self) -> np.ndarray:
        """L^{-1}, lower triangular (Sigma^{-1} = L^{-T} L^{-1}), read-only."""
        return _readonly(solve_triangular(self.cholesky, np.eye(self.dim), lower=True))

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """The eigenvalues of Sigma, ascending, read-only."""
        return _readonly(np.linalg.eigvalsh(self._matrix))

    @cached_property
    def _eigh(self) -> tuple[np.ndarray, np.ndarray]:
        return np.linalg.eigh(self._matrix)

    @property
    def eigenvectors(self) -> np.ndarray:
        """Orthonormal eigenvectors (columns), in the order of ascending eigenvalues."""
        return self._eigh[1]

    @property
    def condition_number(self) -> float:
        """lambda_max / lambda_min."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @property
    def smallest_std(self) -> float:
        """sqrt(lambda_min): the smallest standard deviation of N(0, Sigma) in any direction."""
        return float(np.sqrt(max(float(self.eigenvalues[0]), 0.0)))

    @property
    def largest_std(self) -> float:
        """sqrt(lambda_max)."""
        return float(np.sqrt(float(self.eigenvalues[-1])))

    @cached_property
    def sqrt(self) -> np.ndarray:
        """The symmetric square root Sigma^{1/2} = Q diag(sqrt(lambda)) Q^T, read-only."""
        lam, Q = self._eigh
        root = (Q * np.sqrt(np.clip(lam, 0.0, None))) @ Q.T
        return _readonly((root + root.T) / 2)

    @cached_property
    def inverse(self) -> np.ndarray:
        """Sigma^{-1} (by the Cholesky factor, symmetrised), read-only."""
        inv = cho_solve((self.cholesky, True), np.eye(self.dim))
        return _readonly((inv + inv.T) / 2)

    @property
    def log_det(self) -> float:
        """log det Sigma = 2 sum log L_ii."""
        return float(2 * np.sum(np.log(np.diag(self.cholesky))))

    # -- maps ------------------------------------------------------------------------
    def whiten(self, z: Any) -> np.ndarray:
        """L^{-1} z along the last axis (shape (..., d)): N(0, Sigma) offsets to N(0, I)."""
        z = np.asarray(z, dtype=float)
        flat = solve_triangular(self.cholesky, z.reshape(-1, self.dim).T, lower=True)
        return flat.T.reshape(z.shape)

    def colorize(self, u: Any) -> np.ndarray:
        """L u along the last axis (shape (..., d)): N(0, I) draws to N(0, Sigma) offsets."""
        return np.asarray(u, dtype=float) @ self.cholesky.T

    def solve(self, b: Any) -> np.ndarray:
        """Sigma^{-1} b for b of shape (d,) or (d, k), by the Cholesky factor."""
        return cho_solve((self.cholesky, True), np.asarray(b, dtype=float))

    def scaled(self, c: float) -> Covariance:
        """c Sigma for c > 0; the factor and eigenvalues are scaled, not recomputed."""
        c = as_real(c, "the scale of a covariance", "a positive finite number")
        matrix = c * self._matrix
        chol = np.sqrt(c) * self.cholesky
        representable = np.all(np.isfinite(matrix)) and np.all(np.diag(matrix) > 0)
        if c <= 0 or not representable or not np.all(np.diag(chol) > 0):
            raise InputError(
                f"{c!r} * {self.name} is not a covariance in double precision (the scale "
                "must be positive, and the product neither overflow nor underflow)"
            )
        eig = c * self.__dict__["eigenvalues"] if "eigenvalues" in self.__dict__ else None
        return Covariance._derived(matrix, self.name, chol, eig)

    # -- the refusal of a covariance too small for double precision -----------------------
    def check_resolution(
        self, points: np.ndarray, name: str | None = None, fix: str = _RESOLUTION_FIX
    ) -> None:
        """Refuse a covariance too small for the explanation to be computed in double precision.

        The rule: every standard deviation of N(0, cov) (the square root of each
        eigenvalue) must be at least ``RESOLUTION`` (1e-12) times the data's scale
        s = max(1, max |x0|).

        Why: C-LIME is Sigma^-1 Cov(x, f(x)), a difference quotient with step sigma (and
        SmoothGrad equals it, Theorem 1). Rounding x0 + z and f(x0 + z) costs the slope an
        absolute error of about eps (s |grad f| + |f|) / sigma_min (eps = 2.2e-16): at the
        threshold 2e-4 of s |grad f| + |f|, three or four significant digits left for a
        model that is not flat next to its size, and below it the digits vanish fast
        (1e-300 I gave C-LIME_n ~ 1e133, and a closed-form C-LIME of 0). The floor 1 in
        s stands for the scale of the model's own offsets (biases, centres), which are
        rounded as well. The rule cannot see |f| / |grad f|: a saturated sigmoid loses
        digits earlier, in proportion, still within the bound above.

        Parameters
        ----------
        points : ndarray, shape (m, d)
            The validated points x0.
        name, fix : str
            How the message names the matrix (default: its own name) and the remedy.
        """
        scale = max(1.0, float(np.max(np.abs(points), initial=0.0)))
        smallest = self.smallest_std
        if smallest < RESOLUTION * scale:
            raise InputError(
                f"{name or self.name} is too small to perturb x0 in double precision: its "
                f"smallest standard deviation {smallest:.3g} is below {RESOLUTION:g} times the "
                f"data's scale {scale:.3g} (max(1, |x0|)), so x0 + z and f(x0 + z) differ from "
                f"x0 and f(x0) by little more than rounding and the explanation would be "
                f"rounding noise; {fix}"
            )

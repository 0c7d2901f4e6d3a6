"""Input checking shared by the whole engine.

Every public entry point funnels covariances, points and model outputs through
these helpers, so a bad input fails early with a message that names the
problem *and* the fix instead of surfacing later as a NaN or a LinAlgError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "InputError",
    "as_covariance",
    "as_generator",
    "as_kernel_width",
    "as_points",
    "as_ridge",
    "as_sample_size",
    "check_finite_output",
    "cholesky",
]


class InputError(ValueError):
    """A user-supplied argument is malformed; the message says how to fix it."""


def _as_float_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)  # a copy: callers' arrays are never touched
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric array-like, got {type(value).__name__}") from exc
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InputError(f"{name} contains {bad} NaN or infinite value(s); pass finite numbers")
    return arr


def as_covariance(cov: Any, dim: int | None = None, name: str = "cov") -> np.ndarray:
    """Validate a covariance matrix and return it as a float64 copy.

    Parameters
    ----------
    cov : array_like, shape (d, d)
        Symmetric positive definite matrix.
    dim : int, optional
        Expected dimension d.
    name : str
        Argument name used in error messages.

    Raises
    ------
    InputError
        If ``cov`` is not a finite, square, symmetric positive definite matrix of
        the expected size.
    """
    arr = _as_float_array(cov, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(
            f"{name} must be a square (d, d) matrix, got shape {arr.shape}; "
            "for isotropic noise pass sigma**2 * np.eye(d), for per-feature noise "
            "np.diag(variances)"
        )
    if dim is not None and arr.shape[0] != dim:
        raise InputError(f"{name} has shape {arr.shape} but the function has dimension {dim}")
    scale = max(float(np.max(np.abs(arr))), np.finfo(float).tiny)
    asym = float(np.max(np.abs(arr - arr.T)))
    if asym > 1e-10 * scale:
        raise InputError(
            f"{name} is not symmetric (max |cov - cov.T| = {asym:.3g}); "
            "symmetrise it with (cov + cov.T) / 2 if the asymmetry is rounding"
        )
    arr = (arr + arr.T) / 2
    try:
        np.linalg.cholesky(arr)
    except np.linalg.LinAlgError:
        lam = float(np.linalg.eigvalsh(arr)[0])
        raise InputError(
            f"{name} is not positive definite (smallest eigenvalue {lam:.3g}); pass a "
            "covariance (not a standard deviation, precision or Cholesky factor), or add "
            "a small multiple of the identity"
        ) from None
    return arr


def cholesky(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of an already validated covariance."""
    return np.linalg.cholesky(cov)


def as_points(x0: Any, dim: int, name: str = "x0") -> tuple[np.ndarray, bool]:
    """Return points as an (m, d) float64 copy and whether the input was one point.

    Raises
    ------
    InputError
        If the last axis is not of length ``dim`` or values are not finite.
    """
    arr = _as_float_array(x0, name)
    if arr.ndim == 1 and arr.shape[0] == dim:
        return arr[None, :], True
    if arr.ndim == 2 and arr.shape[1] == dim:
        return arr, False
    raise InputError(
        f"{name} must have shape ({dim},) for one point or (m, {dim}) for m points, got {arr.shape}"
    )


def check_finite_output(values: np.ndarray, what: str = "the model") -> None:
    """Refuse NaN or infinite model outputs with a count and a hint."""
    finite = np.isfinite(values)
    if not np.all(finite):
        bad = int(values.size - np.count_nonzero(finite))
        raise InputError(
            f"{what} returned {bad} non-finite value(s) out of {values.size} on the "
            "perturbed points; check for overflow (e.g. exp of a large argument) or use "
            "a smaller covariance"
        )


def as_ridge(ridge: Any, name: str = "ridge") -> float:
    """A ridge penalty lambda >= 0 (the mean-loss convention of docs/math.md, Lemma 6)."""
    try:
        lam = float(ridge)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a non-negative finite number, got {ridge!r}") from None
    if not np.isfinite(lam) or lam < 0:
        raise InputError(f"{name} must be a non-negative finite number, got {ridge!r}")
    return lam


def as_kernel_width(kernel_width: Any) -> float:
    """A Gaussian kernel width kw > 0 (weights exp(-d^2 / (2 kw^2)))."""
    try:
        kw = float(kernel_width)
    except (TypeError, ValueError):
        raise InputError(
            f"kernel_width must be a positive finite number, got {kernel_width!r}"
        ) from None
    if not np.isfinite(kw) or kw <= 0:
        raise InputError(f"kernel_width must be a positive finite number, got {kernel_width!r}")
    return kw


def as_sample_size(n: Any) -> int:
    """The number of perturbations: a positive int."""
    if not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n (the number of perturbations) must be a positive int, got {n!r}")
    return int(n)


def as_generator(seed: Any) -> np.random.Generator:
    """A numpy Generator from a non-negative int seed, a Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (not isinstance(seed, int | np.integer) or seed < 0):
        raise InputError(f"seed must be a non-negative int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)

"""Input checking shared by the whole engine.

Every public entry point funnels covariances, points and model outputs through
these helpers, so a bad input fails early with a message that names the
problem *and* the fix instead of surfacing later as a NaN or a LinAlgError.

The classes of bad input and where each is caught:

* wrong type (strings, complex or boolean numbers, ``None``): every argument;
* shape: :func:`as_points`, :func:`as_covariance`, :func:`as_vector`;
* NaN and infinity: every numeric argument, and the model's outputs
  (:func:`check_finite_output`: an overflowing model is refused, never returned);
* not symmetric positive definite: :class:`verify.covariance.Covariance` (and
  :func:`as_covariance`, which returns its matrix);
* a covariance too small for double precision:
  :meth:`verify.covariance.Covariance.check_resolution`;
* counts and seeds (``n=True`` or ``n=2.0`` are not counts): :func:`as_count`,
  :func:`as_sample_size`, :func:`as_generator`;
* penalties and widths: :func:`as_ridge`, :func:`as_kernel_width`.

The error type and the plain array checks (``InputError``, ``as_array``, ``as_real``,
``as_vector``, ``RESOLUTION``) are defined in :mod:`verify.refusals`, below the covariance
object that both modules use; this module is their public home.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .covariance import Covariance
from .refusals import RESOLUTION, InputError, as_array, as_real, as_vector, describe

__all__ = [
    "RESOLUTION",
    "InputError",
    "as_array",
    "as_count",
    "as_covariance",
    "as_flag",
    "as_generator",
    "as_kernel_width",
    "as_points",
    "as_real",
    "as_ridge",
    "as_sample_size",
    "as_vector",
    "check_finite_output",
    "check_resolution",
    "cholesky",
    "explainer_inputs",
]


def as_covariance(cov: Any, dim: int | None = None, name: str = "cov") -> np.ndarray:
    """Validate a covariance matrix and return it as a float64 copy.

    The refusals live in :class:`verify.covariance.Covariance`, which the engine passes
    around instead (validated and factorised once); this returns its matrix, symmetrised.

    Parameters
    ----------
    cov : array_like, shape (d, d) or Covariance
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
    return np.array(Covariance.of(cov, dim, name).matrix)


def check_resolution(
    cov: Any,
    points: np.ndarray,
    name: str = "cov",
    fix: str = "use a larger covariance, or rescale the features so that x0 and the noise "
    "are of comparable size",
) -> None:
    """Refuse a covariance too small for the explanation to be computed in double precision.

    Every standard deviation of N(0, cov) must be at least ``RESOLUTION`` (1e-12) times
    the data's scale max(1, max |x0|); the rule and its reasons are documented at
    :meth:`verify.covariance.Covariance.check_resolution`, which owns it.
    """
    Covariance.of(cov, name=name).check_resolution(points, name, fix)


def cholesky(cov: Any) -> np.ndarray:
    """Lower Cholesky factor of a covariance (:attr:`verify.covariance.Covariance.cholesky`)."""
    return np.array(Covariance.of(cov).cholesky)


def as_points(x0: Any, dim: int, name: str = "x0") -> tuple[np.ndarray, bool]:
    """Return points as an (m, d) float64 copy and whether the input was one point.

    m = 0 (no points) is allowed: every result then has a leading axis of length 0.

    Raises
    ------
    InputError
        If the last axis is not of length ``dim`` or values are not finite real numbers.
    """
    arr = as_array(x0, name)
    if arr.ndim == 1 and arr.shape[0] == dim:
        return arr[None, :], True
    if arr.ndim == 2 and arr.shape[1] == dim:
        return arr, False
    raise InputError(
        f"{name} must have shape ({dim},) for one point or (m, {dim}) for m points, got {arr.shape}"
    )


def check_finite_output(
    values: np.ndarray, what: str = "the model", where: str = "on the perturbed points"
) -> None:
    """Refuse NaN or infinite model outputs (or moments) with a count and a hint.

    The estimators (on f's values) and the closed forms (on f's Gaussian moments) give
    the same message, so an overflowing model is refused the same way by both.
    """
    finite = np.isfinite(values)
    if not np.all(finite):
        bad = int(values.size - np.count_nonzero(finite))
        raise InputError(
            f"{what} returned {bad} non-finite value(s) out of {values.size} {where}: "
            "f overflows under N(x0, cov); use a smaller covariance or a model that stays "
            "finite there (e.g. no exp of a large argument)"
        )


def as_ridge(ridge: Any, name: str = "ridge") -> float:
    """A ridge penalty lambda >= 0 (the mean-loss convention of docs/math.md, Lemma 6)."""
    requirement = "a non-negative finite number"
    lam = as_real(ridge, name, requirement)
    if lam < 0:
        raise InputError(f"{name} must be {requirement}, got {ridge!r}")
    return lam


def as_kernel_width(kernel_width: Any) -> float:
    """A Gaussian kernel width kw > 0 (weights exp(-d^2 / (2 kw^2))) whose square is finite."""
    requirement = "a positive finite number"
    kw = as_real(kernel_width, "kernel_width", requirement)
    if kw <= 0:
        raise InputError(f"kernel_width must be {requirement}, got {kernel_width!r}")
    if not np.isfinite(kw * kw):
        raise InputError(
            f"kernel_width={kernel_width!r} is so wide that kw**2 overflows: the weights "
            "are all 1; pass kernel_width=None for no kernel"
        )
    if kw * kw < np.finfo(float).tiny:
        raise InputError(
            f"kernel_width={kernel_width!r} is so narrow that kw**2 underflows: every "
            "perturbation but the nearest gets weight 0; widen kernel_width"
        )
    return kw


def as_count(value: Any, name: str, minimum: int = 1) -> int:
    """An int >= ``minimum``; booleans and floats (even 2.0) are refused, not rounded."""
    requirement = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        whole = isinstance(value, float | np.floating) and float(value).is_integer()
        hint = f"; pass int({name.split()[0]}) if {value!r} is meant" if whole else ""
        raise InputError(f"{name} must be {requirement}, got {describe(value)}{hint}")
    if value < minimum:
        raise InputError(f"{name} must be {requirement}, got {value!r}")
    return int(value)


def as_sample_size(n: Any, name: str = "n (the number of perturbations)") -> int:
    """The number of perturbations: a positive int (not a bool, not a float such as 2.0)."""
    return as_count(n, name)


def as_flag(value: Any, name: str) -> bool:
    """A bool (numpy's too): a string such as "no" is refused, not read as True."""
    if not isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def as_generator(seed: Any) -> np.random.Generator:
    """A numpy Generator from a non-negative int seed, a Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer) or seed < 0
    ):
        raise InputError(
            f"seed must be a non-negative int or a numpy Generator, got {describe(seed)}"
        )
    return np.random.default_rng(seed)


def explainer_inputs(
    f: Any, x0: Any, cov: Any, n: Any, seed: Any
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The arguments of an explainer ``explain(f, x0, cov, n, seed)``, checked and converted.

    What the conformance battery's ``check_input_validation`` asks of an explainer, in
    one call: x0 a finite vector of shape (d,) with d = ``f.dim``, cov a finite
    symmetric positive definite (d, d) matrix, n a positive int, seed a non-negative
    int. Returns float64 copies of x0 and cov and plain ints::

        from verify.validation import explainer_inputs

        def explain(f, x0, cov, n, seed):
            x0, cov, n, seed = explainer_inputs(f, x0, cov, n, seed)
            ...

    Raises
    ------
    InputError
        (a ValueError) naming the argument, what it is and what it should be.
    """
    dim = getattr(f, "dim", None)
    if dim is None:
        raise InputError(f"f must be a verify.functions.Function (it has no .dim), got {f!r}")
    points, single = as_points(x0, int(dim))
    if not single:
        raise InputError(f"x0 must have shape ({dim},) for one point, got {np.shape(x0)}")
    count = as_sample_size(n)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {describe(seed)}")
    return points[0], as_covariance(cov, int(dim)), count, int(seed)

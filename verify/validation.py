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
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

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

#: Smallest perturbation standard deviation, relative to the data's scale, that the
#: engine accepts (see :func:`check_resolution`).
RESOLUTION = 1e-12


class InputError(ValueError):
    """A user-supplied argument is malformed; the message says how to fix it."""


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def as_array(value: Any, name: str, *, copy: bool = True) -> np.ndarray:
    """A finite real float64 array (a copy unless ``copy=False`` and it is already one).

    Raises
    ------
    InputError
        For strings, ``None``, booleans, complex numbers, ragged lists, NaN or infinity.
    """
    if isinstance(value, str | bytes) or value is None:
        raise InputError(f"{name} must be a numeric array, got {_describe(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise InputError(f"{name} must be a rectangular numeric array: {exc}") from None
    if raw.dtype.kind in "USV":
        raise InputError(f"{name} must be a numeric array, got {raw.dtype} values")
    if raw.dtype.kind == "b":
        raise InputError(
            f"{name} is a boolean array; pass numbers (np.asarray({name}, float) if the "
            "booleans are 0/1 features)"
        )
    if raw.dtype.kind == "c":
        raise InputError(
            f"{name} has complex values; pass real numbers (take .real if the imaginary "
            "parts are rounding)"
        )
    try:
        # A copy by default: callers' arrays are never touched.
        arr = np.array(raw, dtype=float) if copy else np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} must be numeric array-like, got {type(value).__name__} ({exc})"
        ) from None
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InputError(f"{name} contains {bad} NaN or infinite value(s); pass finite numbers")
    return arr


def as_vector(value: Any, name: str, dim: int | None = None) -> np.ndarray:
    """A finite float vector of shape (d,); (1, d) or (d, 1) is flattened, a matrix refused."""
    arr = as_array(value, name)
    if sum(size > 1 for size in arr.shape) > 1 or arr.size == 0:
        raise InputError(f"{name} must be a non-empty vector of shape (d,), got shape {arr.shape}")
    arr = arr.reshape(-1)
    if dim is not None and arr.shape != (dim,):
        raise InputError(f"{name} must have shape ({dim},), got {np.shape(value)}")
    return arr


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
    from .covariance import Covariance  # the covariance module builds on this one

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
    from .covariance import Covariance

    Covariance.of(cov, name=name).check_resolution(points, name, fix)


def cholesky(cov: Any) -> np.ndarray:
    """Lower Cholesky factor of a covariance (:attr:`verify.covariance.Covariance.cholesky`)."""
    from .covariance import Covariance

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


def as_real(value: Any, name: str, requirement: str = "a finite number") -> float:
    """A finite real scalar: ints and floats (numpy's too), not booleans, strings or arrays."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be {requirement}, got {_describe(value)}")
    number = float(value)
    if not np.isfinite(number):
        raise InputError(f"{name} must be {requirement}, got {value!r}")
    return number


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
        raise InputError(f"{name} must be {requirement}, got {_describe(value)}{hint}")
    if value < minimum:
        raise InputError(f"{name} must be {requirement}, got {value!r}")
    return int(value)


def as_sample_size(n: Any, name: str = "n (the number of perturbations)") -> int:
    """The number of perturbations: a positive int (not a bool, not a float such as 2.0)."""
    return as_count(n, name)


def as_flag(value: Any, name: str) -> bool:
    """A bool (numpy's too): a string such as "no" is refused, not read as True."""
    if not isinstance(value, bool | np.bool_):
        raise InputError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def as_generator(seed: Any) -> np.random.Generator:
    """A numpy Generator from a non-negative int seed, a Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer) or seed < 0
    ):
        raise InputError(
            f"seed must be a non-negative int or a numpy Generator, got {_describe(seed)}"
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
        raise InputError(f"seed must be a non-negative int, got {_describe(seed)}")
    return points[0], as_covariance(cov, int(dim)), count, int(seed)

"""The engine's bottom layer of input checks: the error type and the plain array checks.

:mod:`verify.validation` (the public home of every input check) and
:mod:`verify.covariance` both build on these; keeping them apart lets the covariance
object sit between the two without an import circle.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["RESOLUTION", "InputError", "as_array", "as_real", "as_vector", "describe"]

#: Smallest perturbation standard deviation, relative to the data's scale, that the
#: engine accepts (see :func:`check_resolution`).
RESOLUTION = 1e-12


class InputError(ValueError):
    """A user-supplied argument is malformed; the message says how to fix it."""


def describe(value: Any) -> str:
    """A value and its type, for messages."""
    return f"{value!r} ({type(value).__name__})"


def as_array(value: Any, name: str, *, copy: bool = True) -> np.ndarray:
    """A finite real float64 array (a copy unless ``copy=False`` and it is already one).

    Raises
    ------
    InputError
        For strings, ``None``, booleans, complex numbers, ragged lists, NaN or infinity.
    """
    if isinstance(value, str | bytes) or value is None:
        raise InputError(f"{name} must be a numeric array, got {describe(value)}")
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


def as_real(value: Any, name: str, requirement: str = "a finite number") -> float:
    """A finite real scalar: ints and floats (numpy's too), not booleans, strings or arrays."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be {requirement}, got {describe(value)}")
    number = float(value)
    if not np.isfinite(number):
        raise InputError(f"{name} must be {requirement}, got {value!r}")
    return number

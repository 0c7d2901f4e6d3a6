"""The record every attribution target returns, and the handling of batches of points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..functions import Function, as_function
from ..validation import InputError, as_array

__all__ = ["EXACT_METHODS", "Attribution", "as_batch", "check_finite", "combine_methods"]

#: Methods that are exact (closed form or exact enumeration; floating-point rounding only).
EXACT_METHODS = ("closed form", "exact enumeration", "closed form + exact enumeration")


@dataclass(frozen=True)
class Attribution:
    """Attributions at a batch of points, with how they were computed.

    Attributes
    ----------
    values : ndarray, shape (..., d)
        One attribution per feature (the leading shape is that of the points).
    method : str
        ``"closed form"`` or ``"exact enumeration"`` (exact up to rounding), or the
        numeric rule used (e.g. ``"gauss-legendre (numeric)"``, ``"gauss-hermite 1-D"``).
    error : ndarray, shape (..., d)
        Absolute error estimate of each value: zero when exact.
    value : ndarray, shape (...)
        f(x) (v(N) of the game), the quantity being explained.
    reference_value : ndarray, shape (...), or None
        f at the reference (v(∅) of the game; the mean of f over a background): completeness
        and efficiency say Σ values = value − reference_value. ``None`` for targets without
        a reference (Gradient × Input).
    """

    values: np.ndarray
    method: str
    error: np.ndarray = field(default=None)  # type: ignore[assignment]
    value: np.ndarray = field(default=None)  # type: ignore[assignment]
    reference_value: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.error is None:
            object.__setattr__(self, "error", np.zeros_like(self.values))

    @property
    def exact(self) -> bool:
        """True when every value is exact (closed form or exact enumeration)."""
        return self.method in EXACT_METHODS

    @property
    def gap(self) -> np.ndarray:
        """Σ values − (value − reference_value): zero for efficient (complete) targets."""
        if self.reference_value is None:
            raise InputError("this target has no reference value, so no efficiency gap")
        return np.sum(self.values, axis=-1) - (self.value - self.reference_value)


def combine_methods(methods: list[str]) -> str:
    """One method label for a sum of parts (exact only if every part is)."""
    unique = list(dict.fromkeys(methods))
    if all(m in EXACT_METHODS for m in unique):
        exact = [m for m in unique if m != "closed form + exact enumeration"]
        if "closed form + exact enumeration" in unique or len(set(exact)) > 1:
            return "closed form + exact enumeration"
        return exact[0]
    return " + ".join(m for m in unique if m not in EXACT_METHODS) or unique[0]


def as_batch(f: Any, x: Any, name: str = "x") -> tuple[Function, np.ndarray, tuple[int, ...]]:
    """f as a Function, the points as an (m, d) float array, and their leading shape.

    Raises
    ------
    InputError
        For a non-Function f, non-finite or non-numeric points, or a last axis of the
        wrong length.
    """
    f = as_function(f)
    X = as_array(x, name)
    if X.ndim == 0 or X.shape[-1] != f.dim:
        raise InputError(
            f"{name} must have shape (..., {f.dim}) (f has dimension {f.dim}), got {X.shape}"
        )
    lead = X.shape[:-1]
    return f, X.reshape(-1, f.dim), lead


def check_finite(values: np.ndarray, what: str) -> None:
    """Refuse non-finite values of f (overflow) with a count and the fix."""
    finite = np.isfinite(values)
    if not np.all(finite):
        bad = int(values.size - np.count_nonzero(finite))
        raise InputError(
            f"{what}: {bad} of {values.size} value(s) are not finite (f overflows between x and "
            "the reference); use points and references where f stays finite, or a model "
            "without exp of a large argument"
        )

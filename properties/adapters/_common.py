"""Input validation shared by the adapters (the clients themselves validate little)."""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.validation import InputError, as_covariance, as_points

__all__ = ["validated"]


def validated(
    f: Any, x0: Any, cov: Any, n: Any, seed: Any
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Check (x0, cov, n, seed) against f and return float64 copies and ints."""
    dim = getattr(f, "dim", None)
    if dim is None:
        raise InputError("f must be a verify.functions.Function (it has no .dim)")
    X0, single = as_points(x0, dim)
    if not single:
        raise InputError(f"x0 must have shape ({dim},) for one point, got {np.shape(x0)}")
    cov = as_covariance(cov, dim)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n (number of perturbations) must be a positive int, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    return X0[0], cov, int(n), int(seed)

"""Small helpers shared by the check modules: argument checking and estimator types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from verify import closed_form, estimators
from verify.functions import Function
from verify.validation import InputError, as_covariance, as_points

__all__ = [
    "ClosedForm",
    "Estimator",
    "check_false_alarm",
    "check_inputs",
    "check_n",
    "default_clime",
    "default_closed_clime",
    "default_closed_smoothgrad",
    "default_smoothgrad",
    "exact_scale",
]

# An empirical explainer with the signature of verify.estimators.smoothgrad /
# clime: (f, x0, cov, n, seed, **keywords) -> (d,) or (m, d).
Estimator = Callable[..., np.ndarray]
# A closed form with the signature of verify.closed_form.smoothgrad / clime.
ClosedForm = Callable[..., np.ndarray]

default_smoothgrad: Estimator = estimators.smoothgrad
default_clime: Estimator = estimators.clime
default_closed_smoothgrad: ClosedForm = closed_form.smoothgrad
default_closed_clime: ClosedForm = closed_form.clime


def check_inputs(f: Any, x0: Any, cov: Any) -> tuple[Function, np.ndarray, np.ndarray]:
    """Validate (f, x0, cov) for one point; return f, x0 (d,), cov (d, d) as float copies."""
    if not isinstance(f, Function):
        raise InputError(
            "f must be a verify.functions.Function (Polynomial, RBFMixture, RidgeFunction, "
            f"Network or a combination); got {type(f).__name__}. Wrap your model in one, or use "
            "the conformance battery for black-box explainers"
        )
    X0, single = as_points(x0, f.dim)
    if not single:
        raise InputError(f"checks take one point x0 of shape ({f.dim},), got {np.shape(x0)}")
    return f, X0[0], as_covariance(cov, f.dim)


def check_n(n: Any, minimum: int, what: str) -> int:
    if not isinstance(n, int | np.integer) or n < minimum:
        raise InputError(f"n must be an int >= {minimum} for {what}, got {n!r}")
    return int(n)


def check_false_alarm(false_alarm: float) -> float:
    fa = float(false_alarm)
    if not 0 < fa < 0.5:
        raise InputError(
            f"false_alarm must be in (0, 0.5), got {false_alarm!r}; the default 1e-6 is "
            "the probability that a correct input is reported falsified"
        )
    return fa


def exact_scale(*arrays: np.ndarray) -> float:
    """Magnitude used to scale round-off tolerances of exact identities."""
    return float(max([1.0] + [float(np.max(np.abs(a))) for a in arrays if np.size(a)]))

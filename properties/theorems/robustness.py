"""Theorem 2 (robustness): the sharp Lipschitz constant holds; the published one is false.

* :func:`check_theorem2_sharp` -- exact closed-form SmoothGrad and C-LIME at
  two points satisfy ||E(x) - E(y)|| <= sqrt(2/pi) G / sqrt(lambda_min) ||x - y||
  and the non-linear modulus 2 G TV(N(x, Sigma), N(y, Sigma)) (docs/math.md#theorem-2).
* :func:`check_theorem2_published` -- the paper's G / (2 sigma) on one case.

The search for counterexamples to the published constant lives in
:mod:`properties.theorems.theorem2_search`.

G is ``f.gradient_bound``, an upper bound on sup ||grad f||: a counterexample
found with an upper bound is a counterexample for the true supremum too.
All figures are exact (closed forms), so these checks spend no false-alarm
budget; the only allowance is round-off plus the engine's quadrature error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify import bounds, closed_form
from verify.validation import InputError

from .. import strategies as S
from .inputs import ClosedForm, check_inputs, default_closed_clime, default_closed_smoothgrad
from .records import FALSIFIED, NOT_APPLICABLE, VERIFIED, CheckResult, StatementProperty

__all__ = [
    "check_theorem2_published",
    "check_theorem2_sharp",
    "published_ratio",
]

#: Relative round-off allowance of the exact comparisons.
RTOL = 1e-9


def _differences(
    f: Any, x: np.ndarray, y: np.ndarray, cov: np.ndarray, closed: ClosedForm, default: ClosedForm
) -> tuple[float, float]:
    """||E(x) - E(y)|| and its error allowance (round-off + engine quadrature error)."""
    pair = np.stack([x, y])
    values = np.asarray(closed(f, pair, cov), float)
    allowance = RTOL * float(np.max(np.abs(values)) + 1e-300)
    if closed is default:
        truth = closed_form.ground_truth(f, pair, cov)
        errors = (
            truth.moments.smoothgrad_error
            if default is default_closed_smoothgrad
            else (truth.clime_error)
        )
        allowance += float(np.linalg.norm(errors[0]) + np.linalg.norm(errors[1]))
    return float(np.linalg.norm(values[0] - values[1])), allowance


def check_theorem2_sharp(
    f: Any,
    x: Any,
    y: Any,
    cov: Any,
    *,
    gradient_bound: float | None = None,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check the corrected Theorem 2 on one pair: the sharp constant for any SPD ``cov``.

    Parameters
    ----------
    f : verify.functions.Function
    x, y : array_like, shape (d,)
    cov : array_like, shape (d, d)
    gradient_bound : float, optional
        G >= sup ||grad f|| (default ``f.gradient_bound``; "not_applicable" if
        neither is known).
    closed_smoothgrad, closed_clime : callable
        Exact explanations under test (default: the engine's).

    Returns
    -------
    CheckResult
        Statement "theorem2_sharp"; ``observed["ratio"]`` is
        max ||Delta E|| / (L ||x - y||) over SmoothGrad and C-LIME (<= 1).
    """
    f, x, cov = check_inputs(f, x, cov)
    _, y, _ = check_inputs(f, y, cov)
    G = f.gradient_bound if gradient_bound is None else float(gradient_bound)
    if G is None:
        return CheckResult(
            "theorem2_sharp",
            NOT_APPLICABLE,
            message=f"{f!r} has no finite gradient bound; pass gradient_bound=",
        )
    dist = float(np.linalg.norm(x - y))
    if dist == 0:
        raise InputError("x and y coincide; Theorem 2 compares two distinct points")
    # G = 0 (a constant f, e.g. a zero coefficient) makes both bounds 0.
    L = bounds.lipschitz_sharp(G, cov) if G > 0 else 0.0
    modulus = bounds.smoothgrad_difference_bound(G, x, y, cov) if G > 0 else 0.0
    observed: dict[str, Any] = {"distance": dist, "gradient_bound": G}
    failures = []
    ratio = 0.0
    for name, closed, default in (
        ("smoothgrad", closed_smoothgrad, default_closed_smoothgrad),
        ("clime", closed_clime, default_closed_clime),
    ):
        diff, allowance = _differences(f, x, y, cov, closed, default)
        observed[f"{name}_difference"] = diff
        ratio = max(ratio, diff / (L * dist) if L > 0 else 0.0)
        if diff > min(L * dist, modulus) * (1 + RTOL) + allowance:
            failures.append(
                f"||{name}(x) - {name}(y)|| = {diff:.6g} exceeds "
                f"min(L ||x - y||, 2 G TV) = {min(L * dist, modulus):.6g}"
            )
    observed["ratio"] = ratio
    return CheckResult(
        "theorem2_sharp",
        FALSIFIED if failures else VERIFIED,
        observed=observed,
        bound={"lipschitz_sharp": L, "lipschitz_times_distance": L * dist, "tv_modulus": modulus},
        counterexample={"f": f.to_spec(), "x": x, "y": y, "cov": cov, "ratio": ratio}
        if failures
        else None,
        message="; ".join(failures)
        or f"||Delta E|| / (L ||x - y||) = {ratio:.4f} <= 1 with L = {L:.4g}",
    )


def published_ratio(
    f: Any,
    x: Any,
    y: Any,
    sigma: float,
    *,
    gradient_bound: float | None = None,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
) -> tuple[float, float]:
    """(||SG(x) - SG(y)|| / (G ||x - y|| / (2 sigma)), error allowance on that ratio)."""
    f, x, cov = check_inputs(f, x, np.eye(np.size(x)) * float(sigma) ** 2)
    G = f.gradient_bound if gradient_bound is None else float(gradient_bound)
    if G is None:
        raise InputError(f"{f!r} has no finite gradient bound; pass gradient_bound=")
    _, y, _ = check_inputs(f, y, cov)
    dist = float(np.linalg.norm(x - y))
    if dist == 0:
        raise InputError("x and y coincide; Theorem 2 compares two distinct points")
    diff, allowance = _differences(f, x, y, cov, closed_smoothgrad, default_closed_smoothgrad)
    if G == 0:  # a constant function: SG is identically 0 and the bound holds trivially
        return (0.0, 0.0) if diff <= allowance else (np.inf, 0.0)
    published = bounds.lipschitz_published(G, sigma) * dist
    if published == 0:  # G * ||x - y|| underflowed: as for a constant function
        return (0.0, 0.0) if diff <= allowance else (np.inf, 0.0)
    return diff / published, allowance / published


def check_theorem2_published(
    f: Any,
    x: Any,
    y: Any,
    sigma: float,
    *,
    gradient_bound: float | None = None,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
) -> CheckResult:
    """Check Theorem 2 **as published** (L = G / (2 sigma), Sigma = sigma^2 I) on one pair.

    "falsified" means this pair is a counterexample: the published constant is
    exceeded by more than round-off. The sharp ratio (<= 1 always) is reported
    alongside.
    """
    ratio, allowance = published_ratio(
        f, x, y, sigma, gradient_bound=gradient_bound, closed_smoothgrad=closed_smoothgrad
    )
    G = f.gradient_bound if gradient_bound is None else float(gradient_bound)
    sharp_over_published = 2 * bounds.SQRT_2_OVER_PI  # sqrt(2/pi) G/sigma over G/(2 sigma)
    counter = ratio > 1 + allowance + RTOL
    case = {
        "f": f.to_spec(),
        "sigma": float(sigma),
        "x": np.asarray(x, float),
        "y": np.asarray(y, float),
        "ratio": ratio,
        "gradient_bound": G,
    }
    return CheckResult(
        "theorem2_published",
        FALSIFIED if counter else VERIFIED,
        observed={"ratio": ratio, "sharp_ratio": ratio / sharp_over_published},
        bound={
            "lipschitz_published": G / (2 * sigma),
            "lipschitz_sharp": bounds.SQRT_2_OVER_PI * G / sigma,
            "largest_possible_ratio": sharp_over_published,
            "allowance": allowance,
        },
        counterexample=case if counter else None,
        message=(
            f"counterexample: ||SG(x) - SG(y)|| is {ratio:.4f} times the published bound "
            f"G ||x - y|| / (2 sigma) (the sharp constant allows up to {sharp_over_published:.4f})"
        )
        if counter
        else f"the published bound holds on this pair (ratio {ratio:.4f})",
    )


#: The sharp constant on generated functions and pairs (registered in the catalogue).
THEOREM2_SHARP = StatementProperty(
    S.sharp_cases,
    lambda c, seed: check_theorem2_sharp(c[0], c[1], c[2], c[3]),
    lambda c: f"d={c[1].size}, {type(c[0]).__name__}",
)

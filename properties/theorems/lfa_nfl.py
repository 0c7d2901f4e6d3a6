"""The quantitative no-free-lunch statement: exact excess losses against sampling.

An explanation fitted on Z1 = N(x0, S1) is used on Z2 = N(x0, S2). Exactly
(docs/math.md#nfl_quantitative):

* C-LIME (squared loss, intercept): L2(g1) - L2(g2) = (E2 f - E1 f)^2 + dw' S2 dw;
* SmoothGrad (gradient matching): E2||grad f - SG1||^2 - E2||grad f - SG2||^2 = ||SG1 - SG2||^2.

:func:`excess_losses` computes both from the families' closed-form moments;
:func:`check_nfl_quantitative` compares them with Monte Carlo averages of the defining
differences over Z2 (a CLT band with an independent pilot for its standard error, false
alarm 1e-6 in total) and computes Han et al.'s d(f, G) on a box by linear programming
(f = k x^2 on [-R, R]: k^2 R^4 / 4). :func:`no_free_lunch_curve` is the experiment: both
excess losses across neighbourhood widths, exact and sampled with error bars.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.special import ndtr

from verify.functions import Function, LinearCombination, Network, RidgeFunction, Translated
from verify.statistics import normal_quantile, split_budget
from verify.validation import InputError

from .bands import MIN_EFFECTIVE_COUNT, band, child_rngs, effective_count, pilot_standard_error
from .lfa_cases import NFLCase, nfl_cases
from .records import FALSIFIED, VERIFIED, CheckResult, StatementProperty

_KINKED = ("relu", "abs", "elu", "step")

__all__ = [
    "NFL_QUANTITATIVE",
    "box_distance",
    "check_nfl_quantitative",
    "excess_losses",
    "kink_visits",
    "no_free_lunch_curve",
    "sampled_excess_losses",
]


def _fit(f: Function, x0: np.ndarray, cov: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(E f, C-LIME slope S^-1 Cov(x, f), SmoothGrad) under N(x0, cov), closed form."""
    m = f.gaussian_moments(x0, cov)
    slope = np.linalg.solve(cov, np.asarray(m.covariance, float).reshape(-1))
    return (
        float(np.asarray(m.mean).reshape(-1)[0]),
        slope,
        np.asarray(m.smoothgrad, float).reshape(-1),
    )


def excess_losses(f: Function, x0: Any, cov1: Any, cov2: Any) -> dict[str, float]:
    """Both exact excess losses of the Z1 explanation on Z2 (closed-form moments)."""
    x0, cov1, cov2 = (np.asarray(a, float) for a in (x0, cov1, cov2))
    a1, w1, sg1 = _fit(f, x0, cov1)
    a2, w2, sg2 = _fit(f, x0, cov2)
    dw = w1 - w2
    return {
        "squared": (a2 - a1) ** 2 + float(dw @ cov2 @ dw),
        "gradient_matching": float(np.sum((sg1 - sg2) ** 2)),
    }


def sampled_excess_losses(
    f: Function, x0: Any, cov1: Any, cov2: Any, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Per-draw differences (n, 2) over z ~ Z2: (f - g1)^2 - (f - g2)^2 and the gradient one.

    g1, g2 are the exact population fits; their averages estimate :func:`excess_losses`.
    """
    x0, cov1, cov2 = (np.asarray(a, float) for a in (x0, cov1, cov2))
    a1, w1, sg1 = _fit(f, x0, cov1)
    a2, w2, sg2 = _fit(f, x0, cov2)
    z = x0 + rng.standard_normal((n, x0.size)) @ np.linalg.cholesky(cov2).T
    fz, gz = f(z), f.gradient(z)
    g1, g2 = a1 + (z - x0) @ w1, a2 + (z - x0) @ w2
    squared = (fz - g1) ** 2 - (fz - g2) ** 2
    matching = np.sum((gz - sg1) ** 2, axis=1) - np.sum((gz - sg2) ** 2, axis=1)
    return np.stack([squared, matching], axis=1)


def kink_visits(f: Function, x0: np.ndarray, cov: np.ndarray, n: int) -> float:
    """The fewest expected draws of n from N(x0, cov) on the far side of one of f's kinks
    (ReLU-type units and kinked ridge links; inf for f without kinks)."""
    if isinstance(f, LinearCombination):
        return min((kink_visits(g, x0, cov, n) for _, g in f.terms), default=np.inf)
    if isinstance(f, Translated):
        return kink_visits(f.f, x0 + f.shift, cov, n)
    if isinstance(f, RidgeFunction) and f.link.name in _KINKED:
        W, c = f.w[None, :], np.array([f.b])
    elif isinstance(f, Network) and f.activation.name in _KINKED:
        W, c = f.weights[0], f.biases[0]
    else:
        return np.inf
    mean, sd = W @ x0 + c, np.sqrt(np.einsum("ij,jk,ik->i", W, cov, W))
    with np.errstate(divide="ignore", invalid="ignore"):
        far = np.where(sd > 0, ndtr(-np.abs(mean) / sd), 0.0)
    far = far[far > 0]
    return float(n * far.min()) if far.size else np.inf


def box_distance(k: float, R: float, points: int = 401) -> float:
    """Han et al.'s d(f, G) = min_(g affine) max_(|x| <= R) (k x^2 - g(x))^2 by linear
    programming on a grid holding -R, 0 and R (the equioscillation points)."""
    grid = np.linspace(-R, R, points)
    y = k * grid**2
    # variables (a, c, t): minimise t subject to |y - a - c x| <= t on the grid
    ones = np.ones_like(grid)
    A = np.concatenate([np.stack([-ones, -grid, -ones], 1), np.stack([ones, grid, -ones], 1)])
    rhs = np.concatenate([-y, y])
    res = linprog([0, 0, 1], A_ub=A, b_ub=rhs, bounds=[(None, None)] * 3, method="highs")
    if not res.success:
        raise RuntimeError(f"the minimax linear programme failed: {res.message}")
    return float(res.x[2]) ** 2


def _box_assertion(seed: int) -> tuple[float, float, bool]:
    """d(f, G) on the box for f = k x^2 on [-R, R] (k and R from the seed), the claimed
    k^2 R^4 / 4, and whether they agree (deterministic, to 1e-8 relative)."""
    k, R = 0.5 + np.random.default_rng(seed).uniform(0, 2, 2)
    box, claimed = box_distance(k, R), k**2 * R**4 / 4
    return box, claimed, bool(abs(box - claimed) <= 1e-8 * claimed)


def check_nfl_quantitative(
    f: Function,
    x0: Any,
    cov1: Any,
    cov2: Any,
    *,
    n: int = 20_000,
    n_pilot: int = 20_000,
    seed: int = 0,
    false_alarm: float = 1e-6,
    exact: Callable[..., dict] = excess_losses,
) -> CheckResult:
    """The exact excess losses against Monte Carlo over Z2, and d(f, G) on a box.

    Two stochastic assertions (squared loss, gradient matching) and the unseen-mass bound of
    the gradient-matching variance (for f with a gradient bound) share ``false_alarm``; a
    component whose pilot has fewer than ``MIN_EFFECTIVE_COUNT`` effective draws is not
    asserted (said in ``bound``). The box assertion (f = k x^2 on [-R, R], k and R from the
    seed) is deterministic.
    """
    x0 = np.asarray(x0, float)
    alpha = split_budget(false_alarm, 3)
    rng_pilot, rng = child_rngs(seed, 2)
    truth = exact(f, x0, cov1, cov2)
    expected = np.array([truth["squared"], truth["gradient_matching"]])
    pilot = sampled_excess_losses(f, x0, cov1, cov2, n_pilot, rng_pilot)
    # The gradient difference D_gm = (SG2 - SG1)'(2 grad f - SG1 - SG2) has range at most
    # 2 ||SG1 - SG2|| 2G <= 8 G^2 when ||grad f|| <= G (then ||SG_k|| <= G too): a region the
    # pilot never visited (a far kink) adds at most its unseen-mass bound to the variance
    # (pilot_standard_error's range_bound, confidence 1 - alpha). Not sized by the truth.
    bound = f.gradient_bound
    gm_range = None if bound is None else 8 * bound**2
    se = np.concatenate(
        [
            pilot_standard_error(pilot[:, :1], n),
            pilot_standard_error(pilot[:, 1:], n, range_bound=gm_range, alpha=alpha),
        ]
    )
    estimate = sampled_excess_losses(f, x0, cov1, cov2, n, rng).mean(axis=0)
    # The pilot-sample rule (properties.theorems.bands): a component whose variance rests on
    # fewer than MIN_EFFECTIVE_COUNT pilot draws (a kink many standard deviations away) gets
    # no band; an exactly affine f has no residual and every band is exact.
    counts = [effective_count(pilot[:, [j]] - pilot[:, j].mean()) for j in range(2)]
    # A kink whose far side the pilot expects to visit fewer than MIN_EFFECTIVE_COUNT times
    # can carry the squared difference's mean unseen (its range is not bounded): no band.
    visits = kink_visits(f, x0, np.asarray(cov2, float), n_pilot)
    counts[0] = min(counts[0], visits)
    asserted = [f.is_affine or c >= MIN_EFFECTIVE_COUNT for c in counts]
    keep = np.flatnonzero(asserted)
    result = (
        band(estimate[keep], expected[keep], se[keep], alpha, n_pilot - 1) if keep.size else None
    )
    box, claimed, box_ok = _box_assertion(seed)
    failures = (
        [] if result is None or result.ok else ["excess loss outside its Monte Carlo band"]
    ) + ([] if box_ok else ["d(f, G) on the box differs from k^2 R^4 / 4"])
    names = np.array(["squared", "gradient_matching"])
    return CheckResult(
        "nfl_quantitative",
        FALSIFIED if failures else VERIFIED,
        observed={"sampled": estimate, "box_distance": box},
        bound={
            "exact": expected,
            "band": None if result is None else result.summary(),
            "asserted": names[keep].tolist(),
            "pilot_effective_counts": counts,
            "box_claimed": claimed,
        },
        false_alarm=false_alarm,
        assertions=3,
        seed=seed,
        counterexample={"f": f.to_spec(), "x0": x0, "cov1": cov1, "cov2": cov2, "seed": seed}
        if failures
        else None,
        message="; ".join(failures)
        or f"excess losses {np.round(expected, 6).tolist()}: {', '.join(names[keep]) or 'none'} "
        f"within their Monte Carlo bands (the others rest on too few draws); d(k x^2, G) on "
        f"[-R, R] = k^2 R^4/4 = {claimed:.6g}",
    )


def no_free_lunch_curve(
    f: Function,
    x0: Any,
    widths: Sequence[float],
    *,
    reference_width: float,
    n: int = 20_000,
    seed: int = 0,
    confidence: float = 0.99,
) -> dict[str, Any]:
    """The no-free-lunch experiment: both excess losses across neighbourhood widths.

    The explanation is fitted on Z1 = N(x0, reference_width^2 I) and used on
    Z2 = N(x0, s^2 I) for each s in ``widths``.

    Returns
    -------
    dict
        ``widths``, ``reference_width``, ``n``, ``seed``, ``confidence`` and, for
        ``"squared"`` (C-LIME) and ``"gradient_matching"`` (SmoothGrad), lists ``exact``,
        ``sampled`` (the Monte Carlo mean over n draws of Z2) and ``half_width`` (the
        two-sided normal-approximation interval at ``confidence``, from the draws' own
        standard deviation): plain floats, one per width.
    """
    x0 = np.asarray(x0, float)
    if not 0 < confidence < 1 or reference_width <= 0 or min(widths, default=1) <= 0:
        raise InputError("widths and reference_width must be positive and confidence in (0, 1)")
    d = f.dim
    z = normal_quantile(1 - confidence)
    out: dict[str, Any] = {
        "widths": [float(s) for s in widths],
        "reference_width": float(reference_width),
        "n": int(n),
        "seed": int(seed),
        "confidence": float(confidence),
    }
    series = {
        k: {"exact": [], "sampled": [], "half_width": []} for k in ("squared", "gradient_matching")
    }
    cov1 = reference_width**2 * np.eye(d)
    for s, rng in zip(widths, child_rngs(seed, len(widths)), strict=True):
        cov2 = s**2 * np.eye(d)
        exact = excess_losses(f, x0, cov1, cov2)
        draws = sampled_excess_losses(f, x0, cov1, cov2, n, rng)
        for j, key in enumerate(series):
            series[key]["exact"].append(float(exact[key]))
            series[key]["sampled"].append(float(draws[:, j].mean()))
            series[key]["half_width"].append(float(z * draws[:, j].std(ddof=1) / np.sqrt(n)))
    out.update(series)
    return out


def _check(case: NFLCase, seed: int) -> CheckResult:
    return check_nfl_quantitative(
        case.f, case.x0, case.cov1, case.cov2, n=4000, n_pilot=4000, seed=case.seed
    )


#: The exact excess losses on generated functions, centres and pairs of covariances.
NFL_QUANTITATIVE = StatementProperty(
    nfl_cases,
    _check,
    lambda c: f"d={c.f.dim}, {type(c.f).__name__}",
    examples_scale=0.5,
)

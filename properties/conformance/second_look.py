"""Exact identities, call by call where they hold, in expectation where they need not.

Translation, scale, linearity and the single-index identity hold call by call for
an explainer whose noise is a fixed, scale- and translation-equivariant function of
(seed, n, cov) and whose estimate is linear in f: the same seed then means the same
offsets on both sides. Many correct explainers are not of that kind: numpy's
``multivariate_normal`` (an SVD factor, which rotates within near-equal eigenvalues
when cov is rescaled), an eigen square root, noise seeded per instance (unbiased and
reproducible, other offsets at another x0), a zeroth-order (Stein) SmoothGrad (not a
multiple of w for a single-index f). For them each identity holds in expectation.

So :func:`judge_identity` tests the identity at each size and seed; where it fails,
unless the explainer declares ``exact=True`` (or is deterministic: no seeds to average
over), it takes a second look: the mean over R adjacent seeds of the difference of the
two sides, at the failing size (at least 64 draws), must be zero within t standard
errors plus the precision floor (:func:`.tolerances.mean_error_test`, false alarm
``alpha``). Pairing the two sides at each seed keeps the look sharp: noise shared by
both sides cancels, so a precision loss or a bias of the explainer (a centre rounded
in float32, a factor c^2 where c belongs) still fails, while independent noise on the
two sides only widens the band.

Translation and scale equivariance compare one problem with itself in other
coordinates, so for them the second look asks for equality in distribution: besides
the mean, the spread of each side over the seeds must match the other's (an F test on
the ratio of the two sample variances, each floored by the precision tolerance; for
paired sides the ratio is less dispersed than F(R - 1, R - 1), so the test keeps its
false alarm). Precision lost on one side (a fit on raw coordinates far from the origin)
adds spread there and fails, even when it averages out; independent noise does not.
The look runs at n >= 256 there, so the replicate means are close to normal (the F
test is sensitive to tails).

A second look is for explainers whose two sides see other noise. When they see the
same noise -- the difference of the sides varies across seeds at most a tenth as much
as a side itself (a correlation above 0.995) -- the identity should hold call by call,
and the failure is arithmetic (float32 rounding in a float64 explainer, a tiny
non-linearity): the first look's verdict stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from scipy import stats

from .common import adjacent, fmt, tolerance
from .runner import Settings
from .search import Finding
from .tolerances import mean_error_test

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["Trial", "judge_identity", "may_look_again", "second_look_n"]

#: What ``exact=True`` promises (the tag's full meaning; see :class:`.explainer.Explainer`).
EXACT_PROMISE = (
    "the noise is a fixed function of (seed, n, cov) -- the same offsets for the same "
    "seed, n and cov whatever x0 and f -- scale-equivariant (c^2 cov gives c times the "
    "offsets), and the estimate is linear in f and exact on affine f; the affine, "
    "small-sigma, single-index, linearity, translation and scale identities then hold "
    "call by call and are tested call by call only"
)


class Trial(NamedTuple):
    """The two sides of an identity at one size and seed, and how to talk about them."""

    lhs: np.ndarray
    rhs: np.ndarray
    scale: float
    what: str
    cause: str
    case: Any  # the problem whose distance and condition set the tolerance


def may_look_again(explainer: Explainer) -> bool:
    """Whether a failed identity gets a second look in expectation."""
    return explainer.stochastic and not explainer.exact


def second_look_n(n: int) -> int:
    """At least 64 draws (replicate means near normal), n's residue mod 16 kept."""
    return n if n >= 64 else n + 16 * -(-(64 - n) // 16)


def _difference(trial: Trial) -> tuple[float, float]:
    return float(np.max(np.abs(trial.lhs - trial.rhs))), float(trial.scale)


def judge_identity(
    explainer: Explainer,
    case: Any,
    pair: Callable[[int, int, int], Trial],
    sizes: Sequence[int],
    alpha: float,
    s: Settings,
    *,
    in_distribution: bool = False,
    in_expectation: bool = True,
) -> dict[str, Any]:
    """Test ``pair(n, seed, i)`` (the i-th size) call by call, then in expectation.

    ``in_distribution``: the two sides are one problem in two coordinate systems, so the
    second look also compares their spreads (module docstring). ``in_expectation=False``:
    no second look (an identity that every correct noise construction keeps call by call).

    Returns the figures of a pass: ``worst`` (largest difference / tolerance),
    ``exact`` (False when only the second look passed). Raises :class:`Finding`.
    """
    worst = 0.0
    for i, (n, k) in enumerate(zip(sizes, adjacent(case.seed, len(sizes)), strict=True)):
        trial = pair(n, k, i)
        diff, scale = _difference(trial)
        tol = tolerance(explainer, trial.case, max(scale, 1e-300))
        if diff <= tol:
            worst = max(worst, diff / tol)
            continue
        first = (
            f"{trial.what}: observed {fmt(trial.lhs)}, expected {fmt(trial.rhs)} (max "
            f"difference {diff:.3g}, tolerance {tol:.3g}, explainer seed {k}, exact identity)"
        )
        figures = {
            "observed": trial.lhs,
            "expected": trial.rhs,
            "difference": diff,
            "tolerance": tol,
            "n": n,
        }
        if not (in_expectation and may_look_again(explainer)):
            declared = " (declared exact=True)" if explainer.exact else ""
            raise Finding(first + declared, trial.cause, figures)
        floor = np.full(trial.lhs.shape, tol)
        look = _paired_look(pair, case, n, i, floor, alpha, s, in_distribution)
        if look["shared_noise"]:
            raise Finding(
                f"{first}; the two sides share their noise (over {s.replicates} adjacent seeds "
                f"at n = {look['n']} their difference varies {look['spread_ratio']:.2g} times "
                "as much as a side), so the identity should hold call by call: an arithmetic "
                "error, not another noise construction",
                trial.cause,
                {**figures, "second_look": look},
            )
        if look["ok"]:
            return {"worst": look["worst"], "exact": False, "unbiased_in_expectation": True}
        if not look["mean_ok"]:
            second = (
                f"the mean difference of the two sides over {s.replicates} adjacent seeds at "
                f"n = {look['n']} is {fmt(look['mean'])}, not 0 (tolerance "
                f"{fmt(look['tolerance'])}, false alarm {alpha:.2g})"
            )
        else:
            second = (
                f"the two sides are not alike in distribution: over {s.replicates} adjacent "
                f"seeds at n = {look['n']} their standard deviations are "
                f"{fmt(look['spread_lhs'])} and {fmt(look['spread_rhs'])} (ratio of variances "
                f"up to {look['variance_ratio']:.3g} > F threshold {look['f_threshold']:.3g}, "
                f"false alarm {alpha:.2g})"
            )
        raise Finding(
            f"{first}; and in expectation (second look) {second}: the identity fails call "
            "by call and on average",
            trial.cause,
            {**figures, "second_look": look},
        )
    return {"worst": worst, "exact": True}


def _paired_look(
    pair: Callable[[int, int, int], Trial],
    case: Any,
    n: int,
    i: int,
    floor: np.ndarray,
    alpha: float,
    s: Settings,
    in_distribution: bool,
) -> dict[str, Any]:
    n2 = max(second_look_n(n), 256) if in_distribution else second_look_n(n)
    seeds = adjacent(case.seed, s.replicates)
    trials = [pair(n2, k, i) for k in seeds]
    lhs = np.array([t.lhs for t in trials])
    rhs = np.array([t.rhs for t in trials])
    share = alpha / 2 if in_distribution else alpha
    res = mean_error_test(lhs - rhs, np.zeros_like(floor), floor, share)
    look = {**res, "n": n2, "seeds": [seeds[0], seeds[-1]], "mean_ok": res["ok"]}
    look.update(_shared_noise(lhs, rhs))
    if in_distribution:
        look.update(_spread_test(lhs, rhs, floor, share))
        look["ok"] = bool(res["ok"] and look["spread_ok"])
        look["worst"] = max(res["worst"], look["spread_worst"])
    return look


def _shared_noise(lhs: np.ndarray, rhs: np.ndarray) -> dict[str, Any]:
    """Do both sides see the same noise? sd(lhs - rhs) <= sd(rhs) / 10 in every component
    whose side varies at all (and at least one does)."""
    side = rhs.std(axis=0, ddof=1)
    diff = (lhs - rhs).std(axis=0, ddof=1)
    varies = side > 0
    ratio = float(np.max(diff[varies] / side[varies])) if np.any(varies) else float("inf")
    return {"shared_noise": bool(ratio <= 0.1), "spread_ratio": ratio}


def _spread_test(
    lhs: np.ndarray, rhs: np.ndarray, floor: np.ndarray, alpha: float
) -> dict[str, Any]:
    """Two-sided F test, component-wise (Bonferroni), of var(lhs) = var(rhs) up to floor^2."""
    R, m = lhs.shape
    v1, v2 = lhs.var(axis=0, ddof=1), rhs.var(axis=0, ddof=1)
    ratio = np.maximum(v1 / (v2 + floor**2), v2 / (v1 + floor**2))
    q = float(stats.f.isf(alpha / (2 * m), R - 1, R - 1))
    return {
        "spread_ok": bool(np.all(ratio <= q)),
        "spread_lhs": np.sqrt(v1),
        "spread_rhs": np.sqrt(v2),
        "variance_ratio": float(np.max(ratio)),
        "f_threshold": q,
        "spread_worst": float(np.max(ratio) / q),
    }

"""Are the outputs at neighbouring seeds as unrelated as at far-apart seeds?

The statistical checks average replicates over blocks of adjacent seeds, so the battery
tests, rather than assumes, that neighbouring seeds give independent noise. Under the
null hypothesis "outputs at distinct seeds are i.i.d." every statistic below has the
same law for a pair of adjacent seeds as for a pair of unrelated ones, so an exact
Mann-Whitney rank test compares them with no assumption on the explainer's error law.

The probe is separable, f(x) = sum_j sin(a (x_j - c) + b), at x0 = c (1, ..., 1) under
isotropic noise: component j of the explanation is a function of feature j's noise
alone, the same function for every j. So a stream shared between feature j + k of seed
s and feature j of seed s + 1 (per-feature generators seeded seed + j) makes those two
components equal, and the phase b in {0, pi / 2} makes every gradient even or odd in
the noise: noise reused with its sign flipped at the next seed (antithetic pairing
across calls) makes the outputs equal (even) or mirror images (odd).

For every shift k in -(d - 1) .. d - 1 (component j + k of the first output against
component j of the second) and both parities of the first seed (pairs (s, s + 1) with s
even and with s odd), two statistics, each tested one-sided ("adjacent pairs smaller"):

* the size of the difference ||E(s)[.+k] - E(s + 1)[.]||: small when the streams overlap;
* the size of the sum around the pooled median, ||E(s)[.+k] + E(s + 1)[.] - median||:
  small when the second is the mirror image of the first (anti-correlated streams).
  Centring by the median of all 2m sums (adjacent and unrelated pooled) keeps the 2m
  values exchangeable, so the test stays exact.

Bonferroni over the 4 (2d - 1) tests keeps the false alarm of the check within its
budget.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from scipy import stats

from properties.determinism import derived_rng
from properties.strategies import battery as SB
from verify.functions import RidgeFunction

from .common import case_options
from .runner import CheckSkipped, Settings, call_explainer
from .search import Finding, search

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["pairs_needed", "seed_independence_not_applicable", "stream_tests"]


def seed_independence_not_applicable(explainer: Explainer) -> str | None:
    """Why the seed-independence check does not apply (None if it does)."""
    if not explainer.stochastic:
        return "a deterministic explainer (stochastic=False) has no seeds to correlate"
    return None


def pairs_needed(alpha: float) -> int:
    """m >= 32 pairs, and more if needed for the most extreme one-sided rank pattern to have
    p <= alpha / 1000: overlapping streams then fail by a wide margin."""
    m = 32
    while 1 / math.comb(2 * m, m) > alpha / 1000:
        m += 1
    return m


def _slices(d: int, k: int) -> tuple[slice, slice]:
    """Component j + k of the first output against component j of the second."""
    return (slice(k, d), slice(0, d - k)) if k >= 0 else (slice(0, d + k), slice(-k, d))


def _rank_p(adjacent: np.ndarray, unrelated: np.ndarray) -> float:
    if np.all(adjacent == 0) and np.all(unrelated == 0):  # no randomness at all
        return 1.0
    return float(stats.mannwhitneyu(adjacent, unrelated, alternative="less", method="exact").pvalue)


def stream_tests(
    first: np.ndarray, second: np.ndarray, far: tuple[np.ndarray, np.ndarray], alpha: float
) -> dict[str, Any]:
    """The rank tests of one parity: adjacent pairs (first[i], second[i]) against the
    unrelated pairs far = (far_first[i], far_second[i]); shapes (m, d).

    Returns the smallest p-value with its statistic ("difference" or "sum") and shift,
    the median sizes behind it, and ``ok`` (every p above alpha).
    """
    d = first.shape[1]
    worst = {"p_value": 1.0}
    for k in range(-(d - 1), d):
        a, b = _slices(d, k)
        for statistic in ("difference", "sum"):
            sign = -1.0 if statistic == "difference" else 1.0
            adj = first[:, a] + sign * second[:, b]
            unr = far[0][:, a] + sign * far[1][:, b]
            if statistic == "sum":  # centred by the pooled median: still exchangeable
                centre = np.median(np.concatenate([adj, unr]), axis=0)
                adj, unr = adj - centre, unr - centre
            sizes_a, sizes_u = np.linalg.norm(adj, axis=1), np.linalg.norm(unr, axis=1)
            p = _rank_p(sizes_a, sizes_u)
            if p < worst["p_value"]:
                worst = {
                    "p_value": p,
                    "statistic": statistic,
                    "shift": k,
                    "median_adjacent": float(np.median(sizes_a)),
                    "median_unrelated": float(np.median(sizes_u)),
                }
    return {**worst, "ok": worst["p_value"] > alpha, "tests": 2 * (2 * d - 1)}


@st.composite
def _separable_probes(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    """sum_j sin(a (x_j - c) + b) at x0 = c (1, ..., 1), isotropic noise, b in {0, pi/2}."""
    case = draw(SB.cases(**{**options, "structure": "isotropic", "far": False}))
    sigma = float(np.sqrt(case.cov[0, 0]))
    a = draw(st.floats(1.0, 1.5)) / sigma
    b = draw(st.sampled_from((0.0, math.pi / 2)))
    c = draw(st.floats(-1.0, 1.0)) * sigma
    d = case.d
    terms = [RidgeFunction(a * np.eye(d)[j], b - a * c, "sin") for j in range(d)]
    f = terms[0]
    for term in terms[1:]:
        f = f + term
    x0 = np.full(d, c)
    extras = {"phase": "even" if b == 0 else "odd"}
    return SB.Case(f, x0, case.cov, case.n, case.seed, "separable sine", 0.0, extras)


def check_seed_independence(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Outputs at adjacent seeds s, s + 1 are as unrelated as at far-apart seeds.

    A block of 2m + 1 adjacent seeds gives m pairs (s, s + 1) with s even and m with s
    odd; 2m far-apart seeds give m unrelated pairs. On the separable probe (module
    docstring), exact one-sided rank tests of the differences (overlapping streams), of
    the centred sums (anti-correlated streams) and of both at every shift of the
    components (per-feature streams seeded seed + j), Bonferroni over all of them and both
    parities. With n from 128 to 512, streams that share all but one draw differ by about
    n^-1/2 of an independent pair's difference: the most extreme rank pattern.
    """
    name = "check_seed_independence"
    reason = seed_independence_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    s = settings or Settings()
    options = case_options(explainer, s, n_range=(128, 512), min_dim=max(2, s.min_dim))
    options["max_dim"] = max(options["max_dim"], options["min_dim"])
    strategy = _separable_probes(options)

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        d = case.d
        per_test = alpha / (2 * 2 * (2 * d - 1))
        m = pairs_needed(per_test)
        block = [case.seed + i for i in range(2 * m + 1)]
        rng = derived_rng(case.seed, 2 * m)
        low, high = (2**30, 2**31 - 1) if case.seed < 2**30 else (0, 2**30 - 2**13)
        unrelated = [int(v) for v in rng.choice(high - low, size=2 * m, replace=False) + low]

        def out(sd: int) -> np.ndarray:
            return call_explainer(explainer, case.f, case.x0, case.cov, case.n, sd, name)

        near = np.array([out(k) for k in block])
        far = np.array([out(k) for k in unrelated])
        far_pairs = (far[0::2], far[1::2])
        results = {}
        for parity, start in (("even", case.seed % 2), ("odd", 1 - case.seed % 2)):
            firsts = near[start : start + 2 * m : 2]
            seconds = near[start + 1 : start + 2 * m + 1 : 2]
            results[parity] = stream_tests(firsts[:m], seconds[:m], far_pairs, per_test)
        worst_parity = min(results, key=lambda p: results[p]["p_value"])
        res = results[worst_parity]
        if not res["ok"]:
            raise _finding(res, worst_parity, m, per_test, case.extras["phase"], block, unrelated)
        return {"worst": per_test / max(res["p_value"], 1e-300), "pairs": m}

    # 4m + 1 calls per problem: one problem fewer than the other statistical checks.
    examples = max(1, s.statistical_examples - 1)
    return search(
        name, seed, s, strategy, judge, examples=examples, shrink_calls=s.statistical_shrink_calls
    )


def _finding(
    res: dict[str, Any],
    parity: str,
    m: int,
    per_test: float,
    phase: str,
    block: list[int],
    unrelated: list[int],
) -> Finding:
    k, statistic = res["shift"], res["statistic"]
    where = (
        "the same components"
        if k == 0
        else f"component j + {k} of seed s against component j of seed s + 1"
        if k > 0
        else f"component j of seed s against component j + {-k} of seed s + 1"
    )
    kind = "correlated" if statistic == "difference" else "anti-correlated"
    what = (
        f"the outputs at adjacent seeds (s, s + 1, s {parity}) are {kind} ({where}): the "
        f"{statistic}s of adjacent pairs have median size {res['median_adjacent']:.3g}, of "
        f"unrelated pairs {res['median_unrelated']:.3g} on a probe whose gradients are {phase} "
        f"in the noise (exact one-sided rank test over "
        f"{m} + {m} pairs, p = {res['p_value']:.2g} < {per_test:.2g}): replicates at "
        "neighbouring seeds are not independent"
    )
    if statistic == "sum":
        hint = (
            "antithetic pairing across calls (seed s + 1 reusing -z of seed s); pair draws "
            "within a call instead"
        )
    elif k != 0:
        hint = (
            "per-feature noise streams shifted across neighbouring seeds (one generator per "
            "feature seeded seed + j: feature j + 1 of seed s is feature j of seed s + 1); "
            "draw all features from one generator derived from the seed alone"
        )
    else:
        hint = (
            "noise streams that overlap between neighbouring seeds: per-draw generators "
            "seeded with seed + i, a noise bank sliced at offset seed, or a stream advanced "
            "by seed draws; derive each call's generator from the seed alone "
            "(np.random.default_rng(seed))"
            + (
                "; on this even probe also antithetic pairing across calls (seed s + 1 "
                "reusing -z of seed s)"
                if phase == "even"
                else ""
            )
        )
    figures = {**res, "parity": parity, "adjacent_seeds": block[:4], "unrelated": unrelated[:4]}
    return Finding(what, hint, figures)

"""Checks of how calls relate: their order, their history, their neighbouring seeds.

* :func:`check_repeated_calls`: an answer depends only on the call's arguments,
  not on the calls made before it (the same f at other points, other functions,
  other seeds, in any order, and an equal f given as a new object);
* :func:`check_seed_independence`: the outputs at neighbouring seeds are as
  independent as at unrelated seeds (tested, not assumed: the statistical checks
  average replicates over blocks of adjacent seeds).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from verify.functions import Translated

from .common import case_options, fmt, resolve, tolerance
from .explainer import Explainer
from .runner import CheckSkipped, Settings, call_explainer
from .search import Finding, search
from .tolerances import adjacent_seed_test

__all__ = ["check_repeated_calls", "check_seed_independence", "seed_independence_not_applicable"]


def seed_independence_not_applicable(explainer: Explainer) -> str | None:
    """Why :func:`check_seed_independence` does not apply (None if it does)."""
    if not explainer.stochastic:
        return "a deterministic explainer (stochastic=False) has no seeds to correlate"
    return None


@st.composite
def _call_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**options))
    direction = draw(st.sampled_from((1.0, -1.0))) * np.eye(case.d)[0]
    step = draw(st.floats(0.5, 3.0)) * float(np.sqrt(np.linalg.eigvalsh(case.cov)[-1]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = float(np.sqrt(np.linalg.eigvalsh(case.cov)[-1]))
    g = SB.local_function(rng, case.d, scale, "sine")
    g = Translated(g, -case.x0) if case.distance else g
    extras = {"other_point": case.x0 + step * direction, "g": g}
    return SB.Case(case.f, case.x0, case.cov, case.n, case.seed, case.family, case.distance, extras)


def check_repeated_calls(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The same call gives the same answer whatever was called before it.

    Seven calls in a fixed, mixed order: f at x0, f at another point x1, another
    function g, f at x1 again but given as a new, equal object (1.0 * f), f at x0
    again, as a new object, and g again. Equal calls must agree to the working
    precision. Catches a cache keyed on f (or on the seed) but not on the point,
    state carried from one call to the next, and noise that depends on call order.
    """
    name = "check_repeated_calls"
    s = resolve(settings)
    strategy = _call_cases(case_options(explainer, s))

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        f, x0, x1, g = case.f, case.x0, case.extras["other_point"], case.extras["g"]
        k = case.seed

        def run(fn: Any, x: np.ndarray, sd: int) -> np.ndarray:
            return call_explainer(explainer, fn, x, case.cov, case.n, sd, name)

        a1 = run(f, x0, k)
        b1 = run(f, x1, k)
        g1 = run(g, x0, k + 1)
        b2 = run(1.0 * f, x1, k)
        a2 = run(f, x0, k)
        a3 = run(1.0 * f, x0, k)
        g2 = run(g, x0, k + 1)
        worst = 0.0
        pairs = (
            ("f at x1 (first call there)", b1, "f at x1 given as a new, equal object", b2),
            ("f at x0 (first call)", a1, "f at x0 again, after other calls", a2),
            ("f at x0 (first call)", a1, "f at x0 given as a new, equal object", a3),
            ("g at x0", g1, "g at x0 again", g2),
        )
        for first_label, first, second_label, second in pairs:
            scale = max(float(np.max(np.abs(first))), float(np.max(np.abs(second))), 1e-12)
            tol = tolerance(explainer, case, scale)
            diff = float(np.max(np.abs(first - second)))
            worst = max(worst, diff / tol)
            if diff > tol:
                echoes = float(np.max(np.abs(b1 - a1))) <= tol and first is b1
                raise Finding(
                    f"{first_label} gave {fmt(first)} but {second_label} gave {fmt(second)} "
                    f"(same arguments and seed; max difference {diff:.3g} > tolerance {tol:.3g})"
                    + (
                        f"; the first answer at x1 repeats the answer at x0 {fmt(a1)}"
                        if echoes
                        else ""
                    ),
                    "a cache keyed on f (or on the seed) but not on the point x0"
                    if echoes
                    else "state carried from one call to the next: a cache with an incomplete "
                    "key (f, seed, x0, cov and n all matter), a generator shared across calls, "
                    "or noise that depends on the order of the calls",
                    {"first": first, "second": second, "difference": diff, "tolerance": tol},
                )
        return {"worst": worst}

    return search(name, seed, s, strategy, judge, examples=s.examples)


def _pairs_needed(alpha: float) -> int:
    """m >= 32 pairs, and more if needed for the most extreme rank pattern to have
    p <= alpha / 1000: overlapping streams then fail by a wide margin, even when a few
    unrelated pairs happen to land close together."""
    m = 32
    while 2 / math.comb(2 * m, m) > alpha / 1000:
        m += 1
    return m


def check_seed_independence(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Outputs at adjacent seeds s, s + 1 are as far apart as at unrelated seeds.

    For m disjoint pairs of adjacent seeds and m pairs of unrelated seeds (far
    apart, all distinct), the sizes of the differences E(s) - E(s') are 2m
    i.i.d. values when the outputs at distinct seeds are i.i.d.; the exact
    two-sided Mann-Whitney test (distribution-free, see :mod:`.tolerances`)
    keeps the false alarm within the budget. Noise streams shared or shifted
    between neighbouring seeds make the adjacent differences small (or large,
    for antithetic pairs across seeds) and fail: with n from 128 to 512, streams
    that share all but one draw differ by about n^-1/2 of an independent pair's
    difference.
    """
    name = "check_seed_independence"
    reason = seed_independence_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    s = resolve(settings)
    options = case_options(explainer, s, n_range=(128, 512))
    strategy = SB.cases(**options)

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        m = _pairs_needed(alpha)
        block = list(range(case.seed, case.seed + 2 * m))
        rng = np.random.default_rng([case.seed, 2 * m])
        low, high = (2**30, 2**31 - 1) if case.seed < 2**30 else (0, 2**30 - 2**13)
        unrelated = [int(v) for v in rng.choice(high - low, size=2 * m, replace=False) + low]

        def out(sd: int) -> np.ndarray:
            return call_explainer(explainer, case.f, case.x0, case.cov, case.n, sd, name)

        adjacent = np.array([out(block[2 * i]) - out(block[2 * i + 1]) for i in range(m)])
        far = np.array([out(unrelated[2 * i]) - out(unrelated[2 * i + 1]) for i in range(m)])
        res = adjacent_seed_test(adjacent, far, alpha)
        if not res["ok"]:
            closer = res["ratio"] < 1
            raise Finding(
                "the outputs at adjacent seeds (s, s + 1) differ by a median "
                f"{res['median_adjacent']:.3g}, at unrelated seeds by "
                f"{res['median_unrelated']:.3g} "
                f"(ratio {res['ratio']:.3g}; exact two-sided rank test over {m} + {m} pairs, "
                f"p = {res['p_value']:.2g} < {alpha:.2g}): replicates at neighbouring seeds are "
                + ("correlated" if closer else "anti-correlated"),
                "noise streams that overlap between neighbouring seeds: per-draw generators "
                "seeded with seed + i, a noise bank sliced at offset seed, or a stream advanced "
                "by seed draws; derive each call's generator from the seed alone "
                "(np.random.default_rng(seed))"
                if closer
                else "antithetic pairing across calls (seed s + 1 reusing -z of seed s); pair "
                "draws within a call instead",
                {**res, "adjacent_seeds": block[:4], "unrelated_seeds": unrelated[:4]},
            )
        return {"worst": res["worst"]}

    # 4m >= 128 calls per problem: one problem fewer than the other statistical checks.
    examples = max(1, s.statistical_examples - 1)
    return search(
        name, seed, s, strategy, judge, examples=examples, shrink_calls=s.shrink_calls // 4
    )

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

from properties.strategies import battery as SB

from .calls_machine import run_call_machine
from .common import case_options, resolve
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


def check_repeated_calls(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """What callers do across calls: a state machine of interleaved calls (:mod:`.calls_machine`).

    A sigma sweep, a rotated covariance, other points, n and seeds, a second model of
    the same family and shape (the same repr) with other weights, an equal model as a new
    object, repeats, and the caller writing into the answers it holds. A repeated call
    must give its first answer; a call that differs in f, x0, cov or n (or the seed, if
    stochastic) must not give an earlier call's answer bit for bit; no answer the caller
    holds may change. Catches caches keyed without cov, on the model's repr or without
    the point, a cache that returns its own array (corrupted by the caller's in-place
    normalisation), reused output buffers, and state carried from call to call.
    """
    name = "check_repeated_calls"
    s = resolve(settings)
    return run_call_machine(explainer, name, seed, s, case_options(explainer, s))


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

"""The rate check: the error shrinks at least as fast as n^{-1/2}, up to the battery's large n.

MSE(n2) n2 <= F MSE(n1) n1 with n1 drawn near ``n_rate[0]`` and n2 the largest prime
not above ``n_rate[1]`` (65,521 by default: a multiple of no power-of-two chunk, so a
last partial chunk or block dropped shows). The replicates at n2 must differ from one
another for a stochastic explainer (a noise cache or generator that switches on above
some n and ignores the seed gives equal replicates, whose small spread would otherwise
pass). The rate is a property of n, not of d: problems have d <= 3, which keeps the
calls at n2 cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from properties.strategies import battery as SB

from .checks_statistical import _deterministic_convergence, precision_floor, statistical_options
from .common import adjacent, replicates, resolve
from .rates import rate_test, refuse_repeats, squared_errors
from .runner import Settings
from .search import search
from .targets import expected_explanation

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["check_rate", "large_n2"]


def large_n2(s: Settings) -> int:
    """The rate check's larger n: the largest prime not above ``n_rate[1]``."""
    lo, hi = s.n_rate
    primes = SB.primes_between(max(2, (lo + hi) // 2), hi)
    return primes[-1] if primes else hi


def check_rate(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The error shrinks at least as fast as n^{-1/2}: MSE(n2) n2 <= F MSE(n1) n1.

    n1 is drawn near ``n_rate[0]`` (odd, even, prime), n2 is the largest prime not
    above ``n_rate[1]`` (65,521 by default: the battery's large n, on a cheap sine ridge
    function, d <= 3). MSE over R/2 replicates at n2 and 4R at n1 (adjacent seeds),
    summed over the components; F is the upper alpha quantile of F(R/2, 4R), the least
    favourable (rank-one) case. The replicates at n2 must not repeat one another. A
    faster explainer (QMC) passes with room to spare; one whose n is silently capped
    or whose error is dominated by a bias fails. The figures state the power: the
    largest cap on n caught with probability >= 0.99 (:mod:`.power`).
    """
    name = "check_rate"
    s = resolve(settings)
    n1, n2 = s.n_rate[0], large_n2(s)
    options = statistical_options(
        explainer, s, structure="isotropic", families=("sine",), far=False
    )
    options["max_dim"] = max(min(options["max_dim"], 3), options["min_dim"])
    options["n_range"] = (n1, 2 * n1 - 1)
    strategy = SB.cases(**options)

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        if not explainer.stochastic:
            return _deterministic_convergence(
                explainer, name, case, s, "the error does not shrink with n", n2
            )
        lo = case.n
        counts = {lo: 4 * s.replicates, n2: max(s.replicates // 2, 8)}
        mse, variances = {}, {}
        for n, count in counts.items():
            seeds = adjacent(case.seed + (0 if n == lo else count), count)
            target, _ = expected_explanation(explainer, case.f, case.x0, case.covariance, n)
            outs = replicates(explainer, case.f, case.x0, case.cov, n, seeds, name)
            if n == n2:
                refuse_repeats(
                    outs,
                    n,
                    "the seed is ignored at large n: a noise cache or a second generator that "
                    "switches on above some n (keyed on n alone), or a precomputed noise bank",
                )
            mse[n], variances[n] = squared_errors(outs, target)
        target, terr = expected_explanation(explainer, case.f, case.x0, case.covariance, n2)
        floor2 = float(np.sum(precision_floor(explainer, case, target, terr) ** 2)) * case.d
        return rate_test(
            mse,
            variances,
            counts,
            lo,
            n2,
            floor2,
            alpha,
            "n silently capped (a maximum sample or batch size, however large), samples "
            "reused across the n draws, or a bias that dominates the error",
        )

    examples = max(1, s.statistical_examples - 1)  # each reaches n2 = 2**16: kept to two
    return search(
        name, seed, s, strategy, judge, examples=examples, shrink_calls=s.statistical_shrink_calls
    )

"""Coalition checks, part 3: sampling estimators in expectation, their rate, antithetic
pairs and binary LIME's kernel.

A sampling estimator is judged by its own spread, estimated from R replicates at adjacent
seeds (:func:`.tolerances.mean_error_test`: Student t, Bonferroni over the components, false
alarm <= the check's budget split over its problems), exactly as C-LIME is: an unbiased
estimator (permutation Shapley, sampled Banzhaf) and a consistent one (a regression:
KernelSHAP, binary LIME, whose O(1/n) bias is far below the O(n^-1/2) band at the drawn n)
both pass; a plateau fails.

* :func:`check_coalition_convergence`: the mean over R seeds at n from n_convergence / 4 to
  n_convergence / 2 is the target (RBF mixtures and sine ridges, d <= 5);
* :func:`check_coalition_rate`: MSE(n2) n2 <= F MSE(n1) n1 (F the upper alpha quantile of
  F(R/2, 4R)), n1 near 48 and n2 the largest prime <= n_rate[1] / 16 (4,093 in ``ci``: every
  sample costs d + 1 or more evaluations of f), and the replicates at n2 all distinct; d = 4
  (at d <= 2 antithetic pairs and penalty fits are exact; at d = 3 only 3 antithetic pairs
  exist and two replicates with equal counts of each, equal bit for bit, are a few per cent
  likely; at d = 4, 12 pairs, far less); an antithetic explainer is judged at n2 - 1 (even:
  every permutation paired);
* :func:`check_antithetic_pairs` (``antithetic=True``): on games with at most pairwise
  interactions (quadratic f) every even n, one pair included, is exact call by call;
* :func:`check_lime_kernel` (``lime_binary``): the declared kernel convention and distance
  space, on pairwise-interaction f with |x_j - b_j| / w drawn away from 1 (so exp(-D^2/w^2),
  exp(-D^2/(2 w^2)), binary and input-space distances all give different targets); a failure
  names the convention the answer matches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from verify import attribution as A
from verify.functions import Polynomial, Translated

from .checks_coalitions import (
    CoalitionCase,
    case_options,
    coalition_cases,
    coalition_tolerance,
    exact_at_n,
    exact_judge,
    judge_each,
    seeded_case,
    seeded_extreme,
    target_of,
    value_scale,
)
from .common import adjacent, fmt, resolve
from .power import bias_power
from .rates import rate_test, refuse_repeats, squared_errors
from .runner import CheckSkipped, Settings, call_explainer
from .search import Finding, search
from .tolerances import mean_error_test

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "antithetic_not_applicable",
    "check_antithetic_pairs",
    "check_coalition_convergence",
    "check_coalition_rate",
    "check_lime_kernel",
    "expectation_judge",
    "sampling_not_applicable",
    "statistical_options",
]


def expectation_judge(
    explainer: Explainer,
    name: str,
    case: CoalitionCase,
    alpha: float,
    s: Settings,
    stat: Callable[[np.ndarray], np.ndarray],
    expected: np.ndarray,
    experr: np.ndarray,
    what: str,
    hint: Callable[[np.ndarray], str],
) -> dict[str, Any]:
    """``stat(output)`` equals ``expected``: call by call to the exact tolerance for a
    deterministic explainer, in mean over R adjacent seeds (false alarm ``alpha``) else."""
    expected = np.asarray(expected, dtype=float)
    scale = value_scale(np.abs(expected), case, case.f)
    floor = 6 * np.asarray(experr, dtype=float) + coalition_tolerance(explainer, case, scale)
    if not explainer.stochastic:
        value = stat(
            call_explainer(explainer, case.f, case.x, case.reference, case.n, case.seed, name)
        )
        err = np.abs(value - expected)
        if np.any(err > floor):
            raise Finding(
                f"{what}: returned {fmt(value)}, expected {fmt(expected)} (tolerance {fmt(floor)})",
                hint(value),
                {"observed": value, "expected": expected},
            )
        return {"worst": float(np.max(err / floor))}
    seeds = adjacent(case.seed, s.replicates)
    outs = np.array(
        [
            stat(call_explainer(explainer, case.f, case.x, case.reference, case.n, k, name))
            for k in seeds
        ]
    )
    res = mean_error_test(outs, expected, floor, alpha)
    if not res["ok"]:
        raise Finding(
            f"{what}: the mean over {len(seeds)} adjacent seeds at n = {case.n} is "
            f"{fmt(res['mean'])}, expected {fmt(expected)} (tolerance {fmt(res['tolerance'])} = "
            f"{res['t']:.3g} x replicate standard error + precision, false alarm {alpha:.2g})",
            hint(res["mean"]),
            {**res, "n": case.n, "seeds": [seeds[0], seeds[-1]]},
        )
    power = {"relative_bias": bias_power(res), "n": case.n, "replicates": len(seeds)}
    return {"worst": res["worst"], "power": power}


def sampling_not_applicable(explainer: Explainer) -> str | None:
    if not explainer.stochastic:
        return (
            "a deterministic explainer (stochastic=False) is an exact enumerator, judged "
            "call by call by check_coalition_exactness"
        )
    return None


def statistical_options(explainer: Explainer, s: Settings, **overrides: Any) -> dict[str, Any]:
    """Problems of the checks in expectation: d <= 4, n from n_convergence / 8 to / 4 (250 to
    500 in ``ci``: each sample costs d + 1 or more evaluations of f per row), at most 3 rows,
    RBF mixtures and sine ridges (every feature interacts)."""
    lo = max(32, s.n_convergence // 8)
    options = {
        "n_range": (lo, 2 * lo),
        "max_dim": max(min(s.max_dim, 4), s.min_dim),
        "max_rows": 3,
        "families": ("rbf", "sine"),
        **overrides,
    }
    return case_options(explainer, s, **options)


def check_coalition_convergence(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """No bias: the mean over R adjacent seeds is the target within t standard errors."""
    name = "check_coalition_convergence"
    s = resolve(settings)
    options = statistical_options(explainer, s)
    strategy = coalition_cases(**options)
    # One product problem at every seed (d >= 3): there Shapley gives 1/d of the gain to
    # each feature and Banzhaf 2^(1-d); on RBF and sine games they can be close.
    extreme = coalition_cases(
        **{**options, "families": ("product",), "min_dim": 3, "max_dim": max(3, options["max_dim"])}
    )
    hint = (
        "the estimate converges to something else: other coalition weights (Banzhaf's for "
        "Shapley or the reverse), coalitions drawn from another law than the weights assume, "
        "a regression without its constraints or kernel, or the background's mean row"
    )

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        target, terr = target_of(explainer, case)
        return expectation_judge(
            explainer,
            name,
            case,
            alpha,
            s,
            lambda out: out,
            target,
            terr,
            "biased estimate",
            lambda _: hint,
        )

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
        extreme=extreme,
    )


def rate_n2(s: Settings) -> int:
    """The rate check's larger n: the largest prime not above n_rate[1] / 16 (>= 8 n_rate[0])."""
    hi = max(8 * s.n_rate[0], s.n_rate[1] // 16)
    return SB.primes_between(hi // 2, hi)[-1]


def _mean_squared_errors(
    explainer: Explainer, name: str, case: CoalitionCase, counts: dict[int, int], n2: int
) -> tuple[dict[int, float], dict[int, np.ndarray]]:
    """MSE (summed over features) and per-feature mean squared errors at each n, over
    ``counts[n]`` adjacent seeds (disjoint blocks for the two n); the replicates at n2 must
    all differ."""
    mse, variances = {}, {}
    for n, count in counts.items():
        target, _ = target_of(explainer, case, n=n)
        seeds = adjacent(case.seed + (0 if n == case.n else 4 * counts[case.n]), count)
        outs = np.array(
            [call_explainer(explainer, case.f, case.x, case.reference, n, k, name) for k in seeds]
        )
        if n == n2:
            refuse_repeats(
                outs,
                n2,
                "one permutation or coalition reused for all n samples (few distinct answers "
                "then exist), or the seed ignored at large n (a cache or a second generator "
                "keyed on n)",
                exempt=lambda outs=outs: all(exact_at_n(explainer, case, o, n2) for o in outs),
            )
        mse[n], variances[n] = squared_errors(outs, target)
    return mse, variances


def check_coalition_rate(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The error shrinks at least as fast as n^-1/2 between n1 ~ 48 and a prime n2."""
    name = "check_coalition_rate"
    s = resolve(settings)
    n1, n2 = s.n_rate[0], rate_n2(s)
    if getattr(explainer, "antithetic", False):
        # At odd n one permutation is unpaired: its variance, O(n^-2) but per permutation
        # far above a pair's, can exceed the pairs' O(n^-1) at the n2 reachable. Even n2.
        n2 -= 1
    options = statistical_options(
        explainer,
        s,
        n_range=(n1, 2 * n1 - 1),
        references=("baseline",),
        min_dim=4,
        max_dim=4,
        far=False,
        families=("sine",),  # cheap to evaluate: the calls at n2 cost (d + 1) n2 values each
    )
    strategy = coalition_cases(**options)

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        counts = {case.n: 4 * s.replicates, n2: max(s.replicates // 2, 8)}
        mse, variances = _mean_squared_errors(explainer, name, case, counts, n2)
        target, terr = target_of(explainer, case, n=n2)
        floor = coalition_tolerance(explainer, case, value_scale(np.abs(target), case, case.f))
        return rate_test(
            mse,
            variances,
            counts,
            case.n,
            n2,
            case.d * (floor + 6 * float(np.max(terr))) ** 2,
            alpha,
            "samples that do not accumulate: one permutation or coalition reused for all n "
            "samples, n silently capped, or a bias that dominates the error",
        )

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=max(1, s.statistical_examples - 1),
        shrink_calls=s.statistical_shrink_calls,
    )


def antithetic_not_applicable(explainer: Explainer) -> str | None:
    if not explainer.antithetic:
        return "not declared antithetic (antithetic=False)"
    return None


def _quadratic(rng: np.random.Generator, d: int, scale: float) -> Polynomial:
    """A quadratic polynomial in u = x - c with every pairwise term (coefficients of size
    1 / scale^degree): its game has at most pairwise interactions."""
    terms: dict[tuple[int, ...], float] = {}
    for i in range(d):
        for j in range(i, d):
            e = [0] * d
            e[i] += 1
            e[j] += 1
            terms[tuple(e)] = float(rng.uniform(-1.0, 1.0)) / scale**2
        terms[tuple(int(k == i) for k in range(d))] = float(rng.uniform(-1.0, 1.0)) / scale
    return Polynomial(terms)


def _pairwise(rng: np.random.Generator, d: int, scale: float) -> Polynomial:
    """sum_i a_i u_i + sum_{i<j} c_ij u_i u_j with |c_ij| scale^2 in [0.8, 1.2]: strong
    interactions (the additive part is the same under every kernel; interactions are not)."""
    terms: dict[tuple[int, ...], float] = {}
    for i in range(d):
        terms[tuple(int(k == i) for k in range(d))] = float(rng.uniform(-1.0, 1.0)) / scale
        for j in range(i + 1, d):
            size = rng.uniform(0.8, 1.2) * rng.choice([-1.0, 1.0])
            terms[tuple(int(k in (i, j)) for k in range(d))] = float(size) / scale**2
    return Polynomial(terms)


@st.composite
def _pairwise_cases(draw: st.DrawFn, options: dict[str, Any], n_exact: int) -> CoalitionCase:
    case = draw(coalition_cases(**{**options, "n_range": (1, 1)}))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return _quadratic_case(case, rng, 2 * SB.draw_size(draw, 1, n_exact // 2))


def _quadratic_case(case: CoalitionCase, rng: np.random.Generator, n: int) -> CoalitionCase:
    """The case with a quadratic f (:func:`_quadratic`) and an even n."""
    g = _quadratic(rng, case.d, case.scale)
    c = case.offset * case.scale
    f = Translated(g, np.full(case.d, -c)) if c else g
    return CoalitionCase(
        f, case.x, case.reference, n, case.seed, "quadratic", case.scale, case.offset
    )


def check_antithetic_pairs(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Permutations in reversed pairs: exact at every even n on games with at most pairwise
    interactions (a pair's two marginal contributions average to a_i + sum_j c_ij / 2)."""
    name = "check_antithetic_pairs"
    s = resolve(settings)
    strategy = _pairwise_cases(case_options(explainer, s), s.n_exact)
    hint = (
        "permutations not paired with their reverses (independent draws), a pair split "
        "across calls or seeds, or an odd permutation left unpaired at even n"
    )

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        return exact_judge(
            explainer, name, case, "antithetic pairs not exact on a pairwise game", hint
        )

    # One weighted-background problem at every seed (unequal weights, moved with the seed).
    case = seeded_case(seed, name, **case_options(explainer, s))
    rng = np.random.default_rng([seed, case.d, case.n])
    extreme = seeded_extreme(_quadratic_case(case, rng, 2 * max(1, case.n // 2)))
    return search(name, seed, s, strategy, judge_each(judge), examples=s.examples, extreme=extreme)


def _lime_alternatives(case: CoalitionCase, width: float) -> dict[str, np.ndarray]:
    """The targets of the other kernel conventions on this problem (engine), by label."""
    kernels: dict[str, Any] = {
        "kernel='uniform'": A.UniformKernel(),
        "kernel='cosine'": A.CosineKernel(width),
    }
    for conv, label in (("lfa", "lfa"), ("captum", "captum' (or 'lime")):
        for space in ("binary", "input"):
            kernels[f"kernel='{label}', space='{space}'"] = A.ExponentialKernel(width, space, conv)
    return {
        k: A.lime_binary(case.f, case.x, case.reference, kern).values for k, kern in kernels.items()
    }


@st.composite
def _kernel_cases(draw: st.DrawFn, options: dict[str, Any], width: float) -> CoalitionCase:
    """A multilinear f (every pair interacting strongly) at x = b + w r, |r_j| in [0.35, 0.7] or
    [1.3, 1.6]: input-space rates r_j^2 / k differ from the binary ones 1 / k."""
    case = draw(
        coalition_cases(
            **{
                **options,
                "min_dim": max(2, options["min_dim"]),
                "references": ("baseline",),
                "far": False,
            }
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    far = rng.random(case.d) < 0.5
    r = np.where(far, rng.uniform(1.3, 1.6, case.d), rng.uniform(0.35, 0.7, case.d))
    x = case.reference.point + width * r * rng.choice([-1.0, 1.0], case.d)
    g = _pairwise(rng, case.d, width)
    f = Translated(g, -case.reference.point)
    return CoalitionCase(f, x, case.reference, case.n, case.seed, "quadratic", width, 0.0)


def check_lime_kernel(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The declared kernel convention and distance space: the answer (exact, or its mean over
    R seeds) is the weighted Banzhaf value of the declared kernel, not another's."""
    name = "check_lime_kernel"
    if explainer.kind != "lime_binary":
        raise CheckSkipped(f"{name}: binary LIME only")
    s = resolve(settings)
    width = explainer.kernel_width or 1.0
    options = statistical_options(explainer, s, log_scale=(0.0, 0.0))
    if not explainer.stochastic:
        options["n_range"] = (1, s.n_exact)
    strategy = _kernel_cases(options, width)

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        target, terr = target_of(explainer, case)
        others = _lime_alternatives(case, width)

        def hint(observed: np.ndarray) -> str:
            gaps = {k: float(np.linalg.norm(observed - v)) for k, v in others.items()}
            best = min(gaps.values())
            if best < np.linalg.norm(observed - target):
                near = " or ".join(
                    f"{k}'s ({fmt(others[k])})"
                    for k in sorted(gaps, key=gaps.get)
                    if gaps[k] <= 2 * best
                )
                return (
                    f"of the kernel conventions the answer is nearest to the target of "
                    f"{near}, not the declared one's: declare that convention or fix the "
                    "kernel"
                )
            return "a kernel other than the declared one, a fit without intercept, or a ridge"

        return expectation_judge(
            explainer,
            name,
            case,
            alpha,
            s,
            lambda out: out,
            target,
            terr,
            "not the declared kernel's target",
            hint,
        )

    examples = s.statistical_examples + 1
    return search(
        name, seed, s, strategy, judge, examples=examples, shrink_calls=s.statistical_shrink_calls
    )

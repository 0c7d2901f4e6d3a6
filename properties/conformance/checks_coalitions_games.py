"""Coalition checks, part 2: what the game means. Background semantics, efficiency, axioms.

* :func:`check_background_semantics`: with Background rows the value of a coalition is the
  weighted mean of f's *outputs* over the rows, not f at the mean row (an explainer that
  imputes the mean row and declares ``value="interventional"`` fails, and the message says
  its answer matches the mean row's); a ``value="baseline"`` explainer must refuse rows.
* :func:`check_efficiency` (``shapley``): ``efficiency="exact"``: sum phi = f(x) - v(empty)
  at every call; ``"penalty"``: the mean violation over R seeds is the declared penalty's,
  gap(n) = gap_inf / (1 + (W / n) d^2 / (2 Var_P |S|)), growing with n / W
  (:func:`verify.attribution.kernel_shap_penalised`).
* :func:`check_null_and_symmetric_players`: f = g + g o swap on d - 1 features, x and the
  reference equal on the swapped pair: the unused feature and the difference of the pair
  are judged against the target (0 for every method but the cosine kernel's null player).

Deterministic explainers are judged call by call to the exact tolerance; stochastic ones in
expectation (:func:`.checks_coalitions_stats.expectation_judge`, false alarm within the
check's budget).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from properties.theorems.lfa_cases import reindex
from verify import attribution as A
from verify.functions import Polynomial, Translated

from .checks_coalitions import (
    CoalitionCase,
    case_options,
    coalition_cases,
    coalition_tolerance,
    judge_each,
    seeded_case,
    seeded_extreme,
    target_of,
    value_scale,
)
from .checks_coalitions_stats import expectation_judge, statistical_options
from .common import fmt, resolve
from .runner import CheckTimeout, Settings, call_explainer, guarded
from .search import Finding, search

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "check_background_semantics",
    "check_efficiency",
    "check_null_and_symmetric_players",
    "efficiency_not_applicable",
]

_REFUSALS = (ValueError, TypeError, NotImplementedError)


def _refuse_rows(explainer: Explainer, name: str, case: CoalitionCase) -> dict[str, Any]:
    try:
        out = guarded(explainer, case.f, case.x, case.reference, case.n, case.seed)
    except CheckTimeout:
        raise
    except _REFUSALS:
        return {}
    raise Finding(
        f"declared value='baseline' but given Background rows it returned "
        f"{fmt(np.asarray(out, dtype=float).ravel())} instead of refusing them",
        "an explainer taking one point silently reducing the rows to one (their mean, the "
        "first row): raise ValueError for Background, or declare value='interventional' if "
        "it averages f over the rows",
    )


def check_background_semantics(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Background rows: the mean of f over the rows (interventional), not f at the mean row;
    refused by an explainer that declares ``value="baseline"``."""
    name = "check_background_semantics"
    s = resolve(settings)
    options = statistical_options(
        explainer, s, references=("background",), families=("rbf",), far=False
    )
    strategy = coalition_cases(**options)
    if explainer.value == "baseline":

        def refuse(case: CoalitionCase, alpha: float) -> dict[str, Any]:
            return _refuse_rows(explainer, name, case)

        figures = search(name, seed, s, strategy, refuse, examples=2)
        return {**figures, "refused": "Background rows, as declared (value='baseline')"}

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        target, terr = target_of(explainer, case)
        rows = case.reference
        mean_row = A.Baseline(rows.weights @ rows.rows)
        imputed, _ = explainer.target(case.f, case.x, mean_row, case.n)

        def hint(observed: np.ndarray) -> str:
            if np.linalg.norm(observed - imputed) < np.linalg.norm(observed - target):
                return (
                    f"the answer is nearer f at the mean row ({fmt(imputed)}): mean imputation "
                    "(f(x_S, mean of the rows)) is not the interventional value (the mean of "
                    "f(x_S, B_r) over the rows); evaluate every row and average the outputs"
                )
            return "rows weighted wrongly (their weights ignored?), or one row used"

        return expectation_judge(
            explainer,
            name,
            case,
            alpha,
            s,
            lambda out: out,
            target,
            terr,
            "wrong value with Background rows",
            hint,
        )

    # One weighted-background problem at every seed (unequal weights, moved with the seed):
    # rows averaged equally, or the mean row, are met whatever Hypothesis draws.
    extreme = seeded_extreme(seeded_case(seed, name, **options))
    return search(
        name,
        seed,
        s,
        strategy,
        judge_each(judge),
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
        extreme=extreme,
    )


def efficiency_not_applicable(explainer: Explainer) -> str | None:
    if explainer.efficiency == "none":
        return "declared efficiency='none' (the values need not sum to f(x) - v(empty))"
    return None


def check_efficiency(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """sum phi = f(x) - v(empty): at every call (``efficiency="exact"``), or, for a penalty
    weight W, the mean violation over R seeds is the declared one (it grows with n / W)."""
    name = "check_efficiency"
    s = resolve(settings)
    exact = explainer.efficiency == "exact"
    # A penalty moves the sum only where proper coalitions have several sizes: d >= 3.
    options = (
        case_options(explainer, s)
        if exact
        else statistical_options(explainer, s, min_dim=3, max_dim=max(3, min(s.max_dim, 4)))
    )
    strategy = coalition_cases(**options)

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        truth = A.shapley_values(case.f, case.x, case.reference)
        gap = float(truth.value) - float(truth.reference_value)
        if exact:
            return _exact_efficiency(explainer, name, case, gap, truth)
        target, terr = target_of(explainer, case)
        share = float(np.sum(target)) - gap
        what = (
            f"efficiency violation not the declared penalty's (W = {explainer.penalty:g}, "
            f"n / W = {case.n / explainer.penalty:.3g}: expected sum phi - (f(x) - v(empty)) = "
            f"{share:.3g})"
        )
        hint = (
            "another penalty weight than declared (captum's KernelShap: 1e6), the empty and "
            "full coalitions not in the fit at all (declare efficiency='none'), or a constraint "
            "enforced exactly (declare efficiency='exact')"
        )
        return expectation_judge(
            explainer,
            name,
            case,
            alpha,
            s,
            lambda out: np.array([np.sum(out)]),
            np.array([np.sum(target)]),
            np.array([np.sum(terr)]),
            what,
            lambda _: hint,
        )

    # One product problem at every seed (d >= 3): the unanimity game, whose proper coalitions
    # are all worth v(empty), so a fit that loses the constraint loses the whole gain.
    product = coalition_cases(
        **{**options, "families": ("product",), "min_dim": 3, "max_dim": max(3, options["max_dim"])}
    )
    # And one weighted-background problem made from the seed alone (unequal weights): a sum
    # to f(x) minus the rows' unweighted mean is met at every seed.
    extreme = seeded_extreme(seeded_case(seed, name, **options), product)
    if exact:
        return search(
            name, seed, s, strategy, judge_each(judge), examples=s.examples, extreme=extreme
        )
    return search(
        name,
        seed,
        s,
        strategy,
        judge_each(judge),
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
        extreme=extreme,
    )


def _exact_efficiency(
    explainer: Explainer, name: str, case: CoalitionCase, gap: float, truth: Any
) -> dict[str, Any]:
    out = call_explainer(explainer, case.f, case.x, case.reference, case.n, case.seed, name)
    scale = value_scale(np.abs(truth.values), case, case.f)
    tol = coalition_tolerance(explainer, case, scale) * case.d + 6 * float(np.sum(truth.error))
    violation = float(np.sum(out)) - gap
    if abs(violation) > tol:
        raise Finding(
            f"declared efficiency='exact' but sum phi = {np.sum(out):.6g} and f(x) - v(empty) = "
            f"{gap:.6g} (violation {violation:.3g}, tolerance {tol:.3g})",
            "the empty and full coalitions weighted finitely (a penalty: declare "
            "efficiency='penalty' with its weight), left out of a regression (declare "
            "efficiency='none'), or values sampled feature by feature rather than along "
            "permutations",
            {"sum": float(np.sum(out)), "gap": gap, "violation": violation, "tolerance": tol},
        )
    return {"worst": abs(violation) / tol}


@st.composite
def _symmetric_cases(draw: st.DrawFn, options: dict[str, Any]) -> CoalitionCase:
    """f = g + g o swap(0, 1) with g on the first d - 1 features; x_0 = x_1 and the
    reference equal on features 0 and 1; feature d - 1 is a null player."""
    case = draw(
        coalition_cases(
            **{
                **options,
                "min_dim": max(3, options["min_dim"]),
                "max_dim": max(3, options["max_dim"]),
            }
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    d, k = case.d, case.d - 1
    x = case.x.copy()
    x[1] = x[0]
    ref = case.reference
    if isinstance(ref, A.Baseline):
        point = ref.point.copy()
        point[1] = point[0]
        ref = A.Baseline(point)
    else:
        rows = ref.rows.copy()
        rows[:, 1] = rows[:, 0]
        ref = A.Background(rows, ref.weights)
    if case.family == "product":  # prod_{j < d - 1} (x_j - p_j): symmetric as it stands
        p = ref.point if isinstance(ref, A.Baseline) else ref.rows[0]
        mono = Polynomial({(1,) * k + (0,): 1.0 / case.scale**k})
        f = Translated(mono, -p)
        return CoalitionCase(f, x, ref, case.n, case.seed, "product", case.scale, case.offset)
    g = SB.local_function(rng, k, case.scale, case.family)
    swap = [1, 0, *range(2, k)]
    sym = reindex(g, list(range(k)), d) + reindex(g, swap, d)
    c = case.offset * case.scale
    f = Translated(sym, np.full(d, -c)) if c else sym
    return CoalitionCase(f, x, ref, case.n, case.seed, case.family, case.scale, case.offset)


def check_null_and_symmetric_players(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """A feature f ignores gets its target (0 but for the cosine kernel), two symmetric
    features get equal values: call by call if deterministic, in expectation otherwise."""
    name = "check_null_and_symmetric_players"
    s = resolve(settings)
    options = statistical_options(explainer, s)
    if not explainer.stochastic:
        options["n_range"] = (1, s.n_exact)
    strategy = _symmetric_cases(options)

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        target, terr = target_of(explainer, case)
        d = case.d

        def stat(out: np.ndarray) -> np.ndarray:
            return np.array([out[d - 1], out[0] - out[1]])

        hint = (
            "a null player credited (an unconstrained regression moves every value by gap / d; "
            "a kernel that is not a product, such as the cosine one, declared as one), or "
            "features treated asymmetrically (a fixed feature order instead of random "
            "permutations, weights by position)"
        )
        return expectation_judge(
            explainer,
            name,
            case,
            alpha,
            s,
            stat,
            stat(target),
            np.array([terr[d - 1], terr[0] + terr[1]]),
            f"null player x{d - 1} / symmetric pair (x0, x1): [value of x{d - 1}, "
            "value of x0 - value of x1]",
            lambda _: hint,
        )

    examples = s.examples if not explainer.stochastic else s.statistical_examples
    # One product problem at every seed: a regression without its constraints credits the
    # null player with the whole missed gain / d there.
    # (d >= 4: at d = 3 a pairwise game moves no size-correlated mass, t = 0.)
    extreme = _symmetric_cases(
        {**options, "families": ("product",), "min_dim": 4, "max_dim": max(4, options["max_dim"])}
    )
    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=examples,
        shrink_calls=s.statistical_shrink_calls,
        extreme=extreme,
    )

"""Coalition checks, part 5: offset and scale.

:func:`check_offset_and_scale`: the same call on (f(. - c), x + c, reference + c) with a
common offset of 10^4 feature scales, and on 10^-12 f (divided back), gives the same answer;
one feature lies 0.05 scales from the reference, where a relative closeness test at the
offset (np.isclose) says "equal". Besides the drawn problems, one seeded problem
(:func:`.checks_coalitions.seeded_case`, made :func:`near`) at every seed. Not statistical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from verify.attribution import Background, Baseline
from verify.functions import Translated

from .checks_coalitions import (
    CoalitionCase,
    case_options,
    coalition_cases,
    judge_each,
    seeded_case,
    seeded_extreme,
    shifted,
    target_of,
    value_scale,
)
from .common import fmt, resolve
from .runner import Settings, call_explainer
from .search import Finding, search
from .tolerances import exact_tolerance

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["check_offset_and_scale", "near"]

_SEEDS32 = st.integers(0, 2**32 - 1)


@st.composite
def _near_cases(draw: st.DrawFn, options: dict[str, Any]) -> CoalitionCase:
    """A drawn case made :func:`near`."""
    case = draw(coalition_cases(**options))
    return near(case, np.random.default_rng(draw(_SEEDS32)))


def near(case: CoalitionCase, rng: np.random.Generator) -> CoalitionCase:
    """The case with its first feature 0.05 scales from the reference's (every row's), no
    offset: at an offset of 10^4 scales np.isclose(x_0, b_0) (rtol 1e-5) holds, though
    x_0 != b_0."""
    ref = case.reference
    x = case.x.copy()
    if isinstance(ref, Baseline):
        x[0] = ref.point[0] + 0.05 * case.scale * rng.choice([-1.0, 1.0])
        return CoalitionCase(case.f, x, ref, case.n, case.seed, case.family, case.scale, 0.0)
    rows = ref.rows.copy()
    rows[:, 0] = x[0] + 0.05 * case.scale * rng.uniform(-1.0, 1.0, rows.shape[0])
    return CoalitionCase(
        case.f, x, Background(rows, ref.weights), case.n, case.seed, case.family, case.scale, 0.0
    )


def check_offset_and_scale(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Same seed, same answer on (f(. - c), x + c, reference + c), c a common offset of 10^4
    feature scales (10^3 in float32), and on 10^-12 f (times 10^12); one feature lies 0.05
    scales from the reference, where a relative closeness test at the offset (np.isclose)
    says "equal". The offset is not tried
    on the cosine kernel (it measures angles from the origin: not translation invariant)."""
    name = "check_offset_and_scale"
    s = resolve(settings)
    options = case_options(explainer, s, far=False, n_range=(8, s.n_exact))
    strategy = _near_cases(options)
    case = seeded_case(seed, name, **options)
    extreme = seeded_extreme(near(case, np.random.default_rng([seed, case.d])))
    far = SB.FAR[explainer.precision]
    # The cosine kernel measures angles from the origin: not translation invariant.
    cosine = explainer.kind == "lime_binary" and explainer.kernel == "cosine"

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        c = np.full(case.d, far * case.scale)
        base = call_explainer(explainer, case.f, case.x, case.reference, case.n, case.seed, name)
        tiny = (
            call_explainer(
                explainer, 1e-12 * case.f, case.x, case.reference, case.n, case.seed, name
            )
            * 1e12
        )
        pairs = [("f scaled by 1e-12", tiny)]
        if not cosine:
            moved = call_explainer(
                explainer,
                Translated(case.f, -c),
                case.x + c,
                shifted(case.reference, c),
                case.n,
                case.seed,
                name,
            )
            pairs.insert(0, (f"a common offset {far:g} scales", moved))
        target, _ = target_of(explainer, case)
        value = value_scale(np.concatenate([base, target]), case, case.f)
        tol = exact_tolerance(explainer.exact_rtol, explainer.eps, value, far)
        worst = 0.0
        for label, out in pairs:
            err = float(np.max(np.abs(out - base)))
            worst = max(worst, err / tol)
            if err > tol:
                raise Finding(
                    f"with {label} the same seed gave {fmt(out)} instead of {fmt(base)} (max "
                    f"difference {err:.3g}, tolerance {tol:.3g})",
                    "an absolute threshold: features pruned when np.allclose(x_i, b_i) "
                    "(relative to |b| at an offset), values zeroed below an absolute 1e-10, an "
                    "absolute jitter or epsilon, or rounding from x - b computed in float32",
                    {"base": base, "transformed": out, "difference": err, "tolerance": tol},
                )
        return {"worst": worst}

    return search(name, seed, s, strategy, judge_each(judge), examples=s.examples, extreme=extreme)

"""Coalition checks, part 1: the drawn problems, exactness, additive recovery.

Every coalition check (``shapley``, ``banzhaf``, ``lime_binary`` kinds) searches drawn
:class:`CoalitionCase` problems (:func:`coalition_cases`): d, n, a Baseline or weighted
Background rows, a function of one of the battery's families built around a common offset
c (x, the baseline and every row sit at c + scale u with |u_j| <= 1.5, f = g(. - c)), the
feature scale 10^-2 to 10^2 and c up to 10^4 scales (10^3 for float32). The target is the
engine's (:meth:`Explainer.target`, from :mod:`verify.attribution`), never re-derived here.

* :func:`check_coalition_exactness`: a deterministic (exact) explainer equals the closed form
  to the tolerance of its declared precision, at every n;
* :func:`check_additive_recovery`: f = sum_i g_i(x_i) has zero variance for every method:
  every call, every seed and n, gives g_i(x_i) - E_ref g_i exactly;
* :func:`.checks_coalitions_units.check_offset_and_scale`: the same call on (f(. - c),
  x + c, reference + c) with a common offset of 10^4 scales, and on 10^-12 f (divided
  back), gives the same answer.

Each check judges, besides Hypothesis' drawn problems, one problem made from its seed alone
(:func:`seeded_case`: weighted Background rows with unequal weights, d, n and the rows
moved with the seed) at every seed, so a mistake that shows on weighted rows is met at
every seed whatever Hypothesis draws (its version included).

None is statistical: each compares values that are equal in exact arithmetic.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from properties.strategies.matrices import bounded_floats
from properties.theorems.lfa_cases import reindex
from verify.attribution import Background, Baseline
from verify.functions import Function, Polynomial, Translated

from .common import fmt, resolve
from .runner import CheckSkipped, Settings, call_explainer
from .search import Finding, search
from .tolerances import exact_tolerance, precision_pattern

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "CoalitionCase",
    "SeededCases",
    "check_additive_recovery",
    "check_coalition_exactness",
    "coalition_cases",
    "coalition_tolerance",
    "exact_at_n",
    "exact_judge",
    "judge_each",
    "seeded_case",
    "seeded_extreme",
    "shifted",
    "target_of",
    "value_scale",
]

#: The coalition checks' largest d (2^8 coalitions per exact target).
MAX_DIM = 8
_SEEDS32 = st.integers(0, 2**32 - 1)


@dataclass(frozen=True)
class CoalitionCase:
    """One drawn problem: explain ``f`` at ``x`` against ``reference`` with n samples.

    ``scale`` is the size of the features (x - c, reference - c), ``offset`` = |c| / scale
    the common offset in those units (the rounding an explainer cannot avoid grows with it).
    """

    f: Function
    x: np.ndarray
    reference: Baseline | Background
    n: int
    seed: int
    family: str
    scale: float = 1.0
    offset: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def d(self) -> int:
        return int(self.x.size)

    def key(self) -> str:
        ref = self.reference
        parts = (ref.point,) if isinstance(ref, Baseline) else (ref.rows, ref.weights)
        return SB.fingerprint((self.f, self.x, *parts, self.n, self.seed, self.extras))

    def describe(self) -> str:
        ref = self.reference
        where = (
            f"Baseline {np.round(ref.point, 4).tolist()}"
            if isinstance(ref, Baseline)
            else f"Background of {ref.rows.shape[0]} weighted rows"
        )
        extras = "".join(f", {k}={v!r}" for k, v in self.extras.items() if k != "also")
        return (
            f"d={self.d}, n={self.n}, x={np.round(self.x, 4).tolist()}, {where}, feature scale "
            f"{self.scale:.3g}, common offset {self.offset:.3g} scales, f = {self.family} "
            f"{self.f!r}, explainer seed {self.seed}{extras}"
        )


def shifted(reference: Baseline | Background, c: np.ndarray) -> Baseline | Background:
    """The reference moved by c."""
    if isinstance(reference, Baseline):
        return Baseline(reference.point + c)
    return Background(reference.rows + c, reference.weights)


def _reference(
    draw: st.DrawFn,
    rng: np.random.Generator,
    kinds: tuple,
    d: int,
    c: float,
    scale: float,
    max_rows: int,
) -> Baseline | Background:
    kind = draw(st.sampled_from(kinds))
    if kind == "baseline":
        return Baseline(c + scale * rng.uniform(-1.5, 1.5, d))
    m = draw(st.integers(2, max_rows))
    rows = c + scale * rng.uniform(-1.5, 1.5, (m, d))
    return Background(rows, rng.uniform(0.2, 1.0, m))


def _additive(rng: np.random.Generator, d: int, scale: float, family: str) -> Function:
    """sum_i g_i(x_i), one-feature parts of the family (a zero-variance game)."""
    f = None
    for i in range(d):
        part = reindex(SB.local_function(rng, 1, scale, family), [i], d)
        f = part if f is None else f + part
    assert f is not None
    return f


@st.composite
def coalition_cases(
    draw: st.DrawFn,
    *,
    min_dim: int = 1,
    max_dim: int = MAX_DIM,
    n_range: tuple[int, int] = (1, 512),
    families: tuple[str, ...] = ("rbf", "sine", "cubic", "probit"),
    references: tuple[str, ...] = ("baseline", "background"),
    far: bool = True,
    precision: str = "float64",
    max_rows: int = 4,
    additive: bool = False,
    log_scale: tuple[float, float] = (-2.0, 2.0),
) -> CoalitionCase:
    """A problem built, not filtered; shrinks to d = min_dim, the smallest n, a baseline, the
    first family, feature scale 1, no offset, explainer seed 0. Families: the battery's
    (:func:`properties.strategies.battery.local_function`) and ``"product"``
    (:func:`_product`, every feature interacting with all the others)."""
    d = draw(SB.dimensions(max_dim, min_dim))
    n = SB.draw_size(draw, *n_range)
    seed = draw(SB.explainer_seeds())
    family = draw(st.sampled_from(families))
    lo, hi = log_scale
    scale = float(10.0 ** (draw(bounded_floats(lo, hi)) if hi > lo else lo))
    offset = SB.draw_distance(draw, SB.FAR[precision]) if far else 0.0
    rng = np.random.default_rng(draw(_SEEDS32))
    c = offset * scale
    if family == "product":
        reference = _reference(draw, rng, references, d, c, scale, max_rows)
        f, x = _product(rng, reference, scale)
        return CoalitionCase(f, x, reference, n, seed, family, scale, offset)
    g = _additive(rng, d, scale, family) if additive else SB.local_function(rng, d, scale, family)
    x = c + scale * rng.uniform(-1.5, 1.5, d)
    reference = _reference(draw, rng, references, d, c, scale, max_rows)
    f = Translated(g, np.full(d, -c)) if c else g
    return CoalitionCase(f, x, reference, n, seed, family, scale, offset)


def _product(
    rng: np.random.Generator, reference: Baseline | Background, scale: float
) -> tuple[Function, np.ndarray]:
    """a prod_j (x_j - p_j) / scale, p the baseline (the first row), |x_j - p_j| from 0.5 to
    1.5 scales: under a baseline the unanimity game of all d features (v(S) = 0 but for
    S = N), where Shapley (1/d each) and Banzhaf (2^(1-d)) differ most and a regression
    without its constraints misses the whole gain."""
    p = reference.point if isinstance(reference, Baseline) else reference.rows[0]
    d = p.size
    x = p + scale * rng.uniform(0.5, 1.5, d) * rng.choice([-1.0, 1.0], d)
    a = float(rng.uniform(0.8, 1.2) * rng.choice([-1.0, 1.0]))
    return Translated(Polynomial({(1,) * d: a / scale**d}), -p), x


def seeded_case(
    seed: int,
    salt: str,
    *,
    min_dim: int = 1,
    max_dim: int = MAX_DIM,
    n_range: tuple[int, int] = (1, 512),
    families: tuple[str, ...] = ("rbf", "sine", "cubic", "probit"),
    references: tuple[str, ...] = ("baseline", "background"),
    max_rows: int = 4,
    additive: bool = False,
    log_scale: tuple[float, float] = (-2.0, 2.0),
    **_: Any,
) -> CoalitionCase:
    """One problem made from the check's ``seed`` alone (numpy's generator keyed on the seed
    and ``salt``), not drawn by Hypothesis: judged at every seed, it is the same whatever
    Hypothesis version or search path ran before. d >= 2 and 2 to ``max_rows`` rows (at
    least 2) with unequal weights (a ratio of 20 between the largest and the smallest, so an
    explainer that averages the rows equally, or imputes the mean row, is off by a share of
    f's spread over the rows) when the options allow Background rows, else a Baseline; no
    offset; d, n, the rows, x, f and the explainer seed move with the seed."""
    rng = np.random.default_rng([seed, zlib.crc32(salt.encode())])
    lo_d = min(max(2, min_dim), max_dim)
    d = int(rng.integers(lo_d, max_dim + 1))
    lo_n, hi_n = n_range
    n = int(np.clip(round(lo_n * (hi_n / lo_n) ** rng.uniform()), lo_n, hi_n))
    explainer_seed = int(rng.integers(0, 2**31 - 1 - SB.SEED_SPAN))
    choices = [f for f in families if f != "product"] or ["rbf"]
    family = str(choices[int(rng.integers(len(choices)))])
    scale = (
        float(10.0 ** rng.uniform(*log_scale))
        if log_scale[1] > log_scale[0]
        else 10 ** log_scale[0]
    )
    g = _additive(rng, d, scale, family) if additive else SB.local_function(rng, d, scale, family)
    x = scale * rng.uniform(-1.5, 1.5, d)
    if "background" in references:
        m = int(rng.integers(2, max(2, max_rows) + 1))
        weights = rng.permutation(np.geomspace(1.0, 20.0, m))
        reference: Baseline | Background = Background(
            scale * rng.uniform(-1.5, 1.5, (m, d)), weights
        )
    else:
        reference = Baseline(scale * rng.uniform(-1.5, 1.5, d))
    return CoalitionCase(g, x, reference, n, explainer_seed, family, scale, 0.0)


@dataclass(frozen=True)
class SeededCases:
    """Problems judged together as the one extreme problem of a search: a drawn one (if the
    check has its own extreme) and the check's :func:`seeded_case`."""

    cases: tuple[CoalitionCase, ...]

    @property
    def d(self) -> int:
        return max(c.d for c in self.cases)

    @property
    def n(self) -> int:
        return self.cases[-1].n

    def key(self) -> str:
        return SB.fingerprint(tuple(c.key() for c in self.cases))

    def describe(self) -> str:
        return "; and with it ".join(c.describe() for c in self.cases)


def seeded_extreme(
    case: CoalitionCase, drawn: st.SearchStrategy[CoalitionCase] | None = None
) -> st.SearchStrategy[SeededCases]:
    """``search``'s extreme: the seeded case, after the check's own drawn extreme if any."""
    if drawn is None:
        return st.just(SeededCases((case,)))
    return drawn.map(lambda first: SeededCases((first, case)))


def judge_each(
    judge: Callable[[CoalitionCase, float], dict[str, Any]],
) -> Callable[[CoalitionCase | SeededCases, float], dict[str, Any]]:
    """A judge of CoalitionCase that also judges SeededCases, each of its k cases at alpha / k
    (the false alarm of the extreme problem stays within its share); a failure names which."""

    def each(problem: CoalitionCase | SeededCases, alpha: float) -> dict[str, Any]:
        if isinstance(problem, CoalitionCase):
            return judge(problem, alpha)
        worst: dict[str, Any] = {"worst": 0.0}
        k = len(problem.cases)
        for i, case in enumerate(problem.cases):
            try:
                figures = judge(case, alpha / k) or {}
            except Finding as exc:
                label = f"on problem {i + 1} of the {k} judged together at every seed"
                raise Finding(f"{exc.what} ({label})", exc.hint, exc.figures) from None
            if float(figures.get("worst", 0.0)) >= float(worst.get("worst", 0.0)):
                worst = figures
        return worst

    return each


def coalition_tolerance(explainer: Explainer, case: CoalitionCase, scale: float) -> float:
    """The tolerance of an exact identity between outputs of size ``scale`` on ``case``:
    the declared precision's rtol plus 16 eps (1 + offset) (the rounding of x - c)."""
    return exact_tolerance(explainer.exact_rtol, explainer.eps, scale, case.offset)


def target_of(
    explainer: Explainer, case: CoalitionCase, f: Function | None = None, n: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The engine's target for the explainer's kind and tags."""
    f = case.f if f is None else f
    return explainer.target(f, case.x, case.reference, case.n if n is None else n)


def exact_at_n(explainer: Explainer, case: CoalitionCase, out: np.ndarray, n: int) -> bool:
    """Whether ``out`` is the target at ``n`` to rounding: a sampler that enumerates every
    coalition once its budget allows (shap's KernelExplainer at n >= 2^d - 2) is exact there,
    and the same answer at every seed is then correct, not a seed ignored."""
    target, err = target_of(explainer, case, n=n)
    tol = coalition_tolerance(explainer, case, value_scale(np.abs(target), case, case.f))
    return bool(np.all(np.abs(np.asarray(out, float) - target) <= tol + 6 * err))


def value_scale(target: np.ndarray, case: CoalitionCase, f: Function) -> float:
    """The size of the game: |f(x)|, |target| and f at the reference (round-off scales so)."""
    ref = case.reference
    rows = ref.point[None] if isinstance(ref, Baseline) else ref.rows
    values = np.abs(np.concatenate([[float(f(case.x))], np.asarray(f(rows)).ravel(), target]))
    return max(float(np.max(values)), 1e-300)


def exact_judge(
    explainer: Explainer,
    name: str,
    case: CoalitionCase,
    what: str,
    hint: str,
    f: Function | None = None,
) -> dict[str, Any]:
    """One call against the target: equal within the exact tolerance, or a Finding."""
    f = case.f if f is None else f
    target, terr = target_of(explainer, case, f)
    out = call_explainer(explainer, f, case.x, case.reference, case.n, case.seed, name)
    scale = value_scale(target, case, f)
    tol = coalition_tolerance(explainer, case, scale) + 6 * float(np.max(terr))
    err = float(np.max(np.abs(out - target)))
    if err > tol:
        rel = err / scale
        pattern = precision_pattern(rel, explainer.precision)
        raise Finding(
            f"{what}: returned {fmt(out)}, expected {fmt(target)} (max error {err:.3g}, "
            f"tolerance {tol:.3g}, relative {rel:.3g})",
            hint if pattern is None else f"{hint}; or, if it computes in float32, {pattern}",
            {"observed": out, "expected": target, "error": err, "tolerance": tol},
        )
    return {"worst": err / tol}


def check_coalition_exactness(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """A deterministic explainer is an exact enumerator: it equals the closed form (engine)
    to its precision's tolerance on every drawn problem and n (it may ignore n)."""
    name = "check_coalition_exactness"
    if explainer.stochastic:
        raise CheckSkipped(
            f"{name}: a sampling estimator (stochastic=True) is judged in expectation by "
            "check_coalition_convergence and check_coalition_rate"
        )
    s = resolve(settings)
    strategy = coalition_cases(**case_options(explainer, s))
    hint = _EXACT_HINT[explainer.kind]

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        return exact_judge(explainer, name, case, "not the exact value", hint)

    extreme = seeded_extreme(seeded_case(seed, name, **case_options(explainer, s)))
    return search(name, seed, s, strategy, judge_each(judge), examples=s.examples, extreme=extreme)


_EXACT_HINT = {
    "shapley": "other coalition weights (Banzhaf's 2^(1-d) instead of |S|! (d-|S|-1)! / d!), "
    "the mean row of the background in place of the mean of f over the rows, a sign, or a "
    "sampled rather than enumerated value (declare stochastic=True)",
    "banzhaf": "other coalition weights (Shapley's instead of 2^(1-d)), the mean row of the "
    "background in place of the mean of f over the rows, or a sign",
    "lime_binary": "another kernel than the declared one (exp(-D^2/w^2) vs exp(-D^2/(2 w^2)); "
    "D^2 in binary masks vs input space), a fit without intercept, or a ridge",
}


def case_options(explainer: Explainer, s: Settings, **overrides: Any) -> dict[str, Any]:
    """Options of :func:`coalition_cases` for this explainer (its references, precision, d)."""
    references = ("baseline",) if explainer.value == "baseline" else ("baseline", "background")
    options: dict[str, Any] = {
        "min_dim": min(s.min_dim, MAX_DIM),
        "max_dim": min(s.max_dim, MAX_DIM),
        "n_range": (1, s.n_exact),
        "references": references,
        "precision": explainer.precision,
    }
    if explainer.kind == "lime_binary" and explainer.space == "input":
        # |x_j - b_j| <= 1.5 w: kernel rates (x_j - b_j)^2 / (k w^2) <= 2.25, no weight
        # underflows and a sampled design keeps an effective sample size.
        options["log_scale"] = (float(np.log10(explainer.kernel_width / 2)),) * 2
    options.update(overrides)
    return options


def check_additive_recovery(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """f = sum_i g_i(x_i): every method's value is g_i(x_i) - E_ref g_i(B_i), with zero
    variance, so every call (every seed, every n from 16 (d + 1), a full-rank design for a
    regression) returns it to the exact tolerance."""
    name = "check_additive_recovery"
    s = resolve(settings)
    options = case_options(explainer, s, additive=True)
    strategy = _additive_cases(options, s.n_exact)
    hint = (
        "a sign flipped or a feature's value misplaced (each feature's value is its own "
        "part's change), samples not combined as marginal contributions (an estimator with "
        "variance on a zero-variance game), the mean row of the background used, or a "
        "ridge / kernel shrinkage of the fit"
    )

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        return exact_judge(explainer, name, case, "an additive f not recovered exactly", hint)

    # One weighted-background problem at every seed (unequal weights, moved with the seed).
    case = seeded_case(seed, name, **options)
    case = replace(case, n=max(case.n, 16 * (case.d + 1)))
    extreme = seeded_extreme(case)
    return search(name, seed, s, strategy, judge_each(judge), examples=s.examples, extreme=extreme)


@st.composite
def _additive_cases(draw: st.DrawFn, options: dict[str, Any], n_exact: int) -> CoalitionCase:
    case = draw(coalition_cases(**{**options, "n_range": (1, 1)}))
    lo = 16 * (case.d + 1)
    n = SB.draw_size(draw, lo, max(lo, n_exact))
    return CoalitionCase(
        case.f, case.x, case.reference, n, case.seed, case.family, case.scale, case.offset
    )

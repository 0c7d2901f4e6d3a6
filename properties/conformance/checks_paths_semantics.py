"""Baseline semantics of the path kinds: translation, antisymmetry, homogeneity, step links.

Identities between two calls of the explainer that hold exactly for every n (each rule's
nodes do not depend on x or b), judged within
:func:`.attribution_problems.attribution_tolerance` at the larger of the two problems'
offsets (false-alarm rate 0 for a correct explainer):

* translation equivariance: E_f(x; b) = E_{f∘τ}(x − c; b − c), (f∘τ)(y) = f(y + c), for IG
  and occlusion (every reference row moves by c);
* antisymmetry of symmetric rules: IG(x; b) = −IG(b; x);
* homogeneity: for a bias-free ReLU network f(t y) = t f(y) (t > 0), ∇f is constant on
  the ray, so IG from 0 equals G×I, x ⊙ ∇f(x), for every rule without a node at u = 0;
* step links: completeness Σ IG = f(x) − f(b) = ±1 across a jump. This fails for every IG
  of the almost-everywhere gradient (autograd; the engine's finding ``ig_step_function``,
  docs/math.md#ig-and-step-functions), the reference designs included: declare it in
  ``expected_failed_checks`` (:data:`STEP_LINK_REASON`). Only an IG built from differences
  of f along the path passes it.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from verify.attribution import Background, Baseline, gradient_x_input
from verify.functions import Network, RidgeFunction, Translated

from .attribution_contract import background_extreme, call_attribution, problem_options
from .attribution_problems import AttributionProblem, attribution_problems, attribution_tolerance
from .checks_paths import compare
from .checks_paths_rules import NODE_AT_ZERO, SYMMETRIC
from .common import resolve
from .runner import Settings
from .search import Finding, search

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "STEP_LINK_REASON",
    "antisymmetry_not_applicable",
    "check_antisymmetry",
    "check_homogeneity",
    "check_reference_translation",
    "check_step_completeness",
    "homogeneity_not_applicable",
]

#: Why every gradient-based IG is expected to fail :func:`check_step_completeness`.
STEP_LINK_REASON = (
    "ig_step_function: the IG of the almost-everywhere gradient (autograd) of a step link is "
    "0 across the jump, so completeness fails (docs/math.md#ig-and-step-functions)"
)


def _moved(reference: Any, c: np.ndarray) -> Any:
    if isinstance(reference, Baseline):
        return Baseline(reference.point - c)
    return Background(reference.rows - c, reference.weights)


def check_reference_translation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E_f(x; b) = E_{f∘τ}(x − c; b − c) with (f∘τ)(y) = f(y + c), c up to 10^3 scales
    (random baselines and background rows, random offsets of the problem itself)."""
    name = "check_reference_translation"
    s = resolve(settings)
    options = problem_options(explainer, s)
    strategy = attribution_problems(**options)

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        rng = np.random.default_rng(p.seed)
        u = rng.normal(size=p.d)
        c = p.scale * 10.0 ** rng.uniform(-1, 3) * u / np.linalg.norm(u)
        first = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)[0]
        moved = _moved(p.reference, c)
        second = call_attribution(explainer, Translated(p.f, c), p.x - c, moved, p.n, p.seed, name)
        far = max(float(np.max(np.abs(p.x))), float(np.max(np.abs(p.x - c)))) / p.scale
        return compare(
            explainer,
            p,
            second[0],
            first,
            f"after translating x, the reference and f by c = {np.round(c, 3).tolist()}",
            "the path or the replaced values anchored at a fixed point (the origin): a zero "
            "baseline, x ⊙ ∇f instead of (x − b) ⊙ ∇f, or the reference not used",
            distance=far,
        )

    extreme = background_extreme(explainer, options)
    return search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)


def antisymmetry_not_applicable(explainer: Explainer) -> str | None:
    if explainer.rule not in SYMMETRIC:
        return (
            f"{explainer.rule} is not symmetric about u = 1/2 (its mirror image is the other "
            "one-sided rule), so IG(x; b) = −IG(b; x) holds only in the limit"
        )
    return None


def check_antisymmetry(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Symmetric rules (middle, trapezoid, Gauss–Legendre): IG(x; b) = −IG(b; x) exactly."""
    name = "check_antisymmetry"
    s = resolve(settings)
    strategy = attribution_problems(**problem_options(explainer, s))

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        b = p.rows[0]
        forward = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)[0]
        swapped = call_attribution(explainer, p.f, b, Baseline(p.x), p.n, p.seed, name)[0]
        return compare(
            explainer,
            p,
            -swapped,
            forward,
            "IG(x; b) against −IG(b; x)",
            "an asymmetric rule (left or right Riemann) declared symmetric, nodes shifted off "
            "their symmetric places, or a path that depends on more than its two ends",
        )

    return search(name, seed, s, strategy, judge, examples=s.examples)


def homogeneity_not_applicable(explainer: Explainer) -> str | None:
    if explainer.rule in NODE_AT_ZERO:
        return (
            f"{explainer.rule} evaluates the gradient at u = 0, the origin, where every unit "
            "of a bias-free ReLU network has its kink (the value there is a convention)"
        )
    return None


@st.composite
def _relu_problems(draw: st.DrawFn, *, max_dim: int, n_range: tuple[int, int]) -> Any:
    """A bias-free ReLU network (1 or 2 hidden layers of 2..6 units), x, n, seed."""
    d = draw(SB.dimensions(max_dim, 1))
    n = SB.draw_size(draw, *n_range)
    scale = float(10.0 ** draw(st.integers(-3, 3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    widths = [d] + [int(rng.integers(2, 7)) for _ in range(int(rng.integers(1, 3)))] + [1]
    weights = [rng.normal(size=(o, i)) / scale for i, o in itertools.pairwise(widths)]
    f = Network(weights, [np.zeros(o) for o in widths[1:]], "relu", "identity")
    x = scale * rng.uniform(-1, 1, size=d)
    return AttributionProblem(
        f, x, Baseline(np.zeros(d)), n, draw(SB.explainer_seeds()), "relu", 0.0, scale
    )


def check_homogeneity(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Bias-free ReLU networks, baseline 0: IG = G×I = x ⊙ ∇f(x) for every n (rules without
    a node at u = 0), the engine's G×I as the target."""
    name = "check_homogeneity"
    s = resolve(settings)
    n_range = problem_options(explainer, s)["n_range"]
    strategy = _relu_problems(max_dim=s.max_dim, n_range=n_range)

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        expected = gradient_x_input(p.f, p.x).values
        observed = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)[0]
        return compare(
            explainer,
            p,
            observed,
            expected,
            "IG from the origin of a bias-free ReLU network against x ⊙ ∇f(x)",
            "the gradient taken at the baseline only, the (x − b) factor missing, or nodes "
            "outside (0, 1]",
        )

    return search(name, seed, s, strategy, judge, examples=s.examples)


def check_step_completeness(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Step link f = 1[wᵀy + c > 0] with x and b on opposite sides of the jump: Σ IG must be
    f(x) − f(b) = ±1. Every gradient-based IG returns 0 here: an expected failure
    (:data:`STEP_LINK_REASON`), kept in the battery so that the finding stays visible."""
    name = "check_step_completeness"
    s = resolve(settings)
    strategy = attribution_problems(**problem_options(explainer, s, families=("sine",)))

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        b = p.rows[0]
        w = p.f.f.w if isinstance(p.f, Translated) else p.f.w
        f = RidgeFunction(w, -float(w @ (p.x + b)) / 2, "step")  # the jump halfway from b to x
        observed = call_attribution(explainer, f, p.x, p.reference, p.n, p.seed, name)[0]
        gain = float(f(p.x[None, :])[0] - f(b[None, :])[0])
        total = float(np.sum(observed))
        tol = attribution_tolerance(explainer.precision, max(1.0, float(np.max(np.abs(observed)))))
        if abs(total - gain) > tol:
            raise Finding(
                f"Σ IG = {total:.6g} but f(x) − f(b) = {gain:.6g} across the jump of a step link "
                f"(tolerance {tol:.3g})",
                "the IG of the a.e. gradient (autograd) of a step function is 0: expected for "
                f"every gradient-based IG ({STEP_LINK_REASON})",
                {"sum": total, "gain": gain},
            )
        return {"worst": abs(total - gain) / tol}

    return search(name, seed, s, strategy, judge, examples=s.examples)

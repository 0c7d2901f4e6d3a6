"""Checks of the path kinds against their exact targets: IG, Gradient × Input, occlusion.

Every check is a seeded search (:mod:`.search`) over drawn problems
(:func:`.attribution_problems.attribution_problems`: d, n, offsets up to 10^4 feature
scales, feature scales 10^-3 to 10^3, families) and compares each feature with the
engine's target (``explainer.target``, :mod:`verify.attribution`) or with what the declared
quadrature rule must return (:mod:`.checks_paths_rules`). None is statistical: each is an
exact identity within :func:`.attribution_problems.attribution_tolerance` (plus the
engine's own error bar), so a correct explainer never fails one (false-alarm rate 0); the
rate check compares error ratios whose asymptotic values are known, with a margin (see
:func:`check_rule_rate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from .attribution_contract import (
    background_extreme,
    call_attribution,
    contract_of,
    problem_options,
)
from .attribution_problems import AttributionProblem, attribution_problems, attribution_tolerance
from .attribution_problems import problem_scale as _scale
from .checks_paths_rules import (
    RATE,
    exact_degree,
    gauss_legendre_gap,
    intervals,
    path_integrand,
    quadratic_error,
)
from .common import fmt, resolve
from .runner import CheckSkipped, Settings
from .search import Finding, search
from .tolerances import precision_pattern

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "check_affine_recovery",
    "check_completeness",
    "check_exactness",
    "check_rule_rate",
    "check_rule_signature",
    "exactness_not_applicable",
    "rate_not_applicable",
]

_PATH_HINT = (
    "the (x − b) factor missing, the baseline ignored (a zero baseline: captum's default), a "
    "sign flipped, or weights that do not sum to 1"
)


def compare(
    explainer: Explainer,
    p: AttributionProblem,
    observed: np.ndarray,
    expected: np.ndarray,
    what: str,
    hint: str,
    error: Any = 0.0,
    distance: float | None = None,
) -> dict[str, Any]:
    """Per feature: |observed − expected| <= tolerance by precision + the target's error."""
    scale = _scale(p, expected, observed)
    dist = p.distance if distance is None else distance
    tol = attribution_tolerance(explainer.precision, scale, dist) + np.asarray(error, float)
    diff = np.abs(observed - expected)
    worst = float(np.max(diff / tol))
    if worst > 1.0:
        bad = np.flatnonzero(diff > tol).tolist()
        relative = float(np.max(diff) / max(scale, 1e-300))
        pattern = precision_pattern(relative, explainer.precision)
        raise Finding(
            f"{what}: observed {fmt(observed)}, expected {fmt(expected)} (features {bad} off; "
            f"max difference {float(np.max(diff)):.3g} > tolerance {float(np.max(tol)):.3g}, "
            f"{explainer.precision})",
            hint if pattern is None else f"{pattern}; or {hint}",
            {"observed": observed, "expected": expected, "tolerance": tol, "features": bad},
        )
    return {"worst": worst}


def _call(explainer: Explainer, p: AttributionProblem, name: str, **change: Any) -> np.ndarray:
    f, x, ref, n = (change.get(k, getattr(p, k)) for k in ("f", "x", "reference", "n"))
    return call_attribution(explainer, f, x, ref, n, p.seed, name)[0]


def _target(explainer: Explainer, p: AttributionProblem) -> tuple[np.ndarray, np.ndarray]:
    value, error = explainer.target(p.f, p.x, p.reference, p.n)
    return np.asarray(value, float).reshape(-1), np.asarray(error, float).reshape(-1)


def _n_range(explainer: Explainer, s: Settings) -> tuple[int, int]:
    contract = contract_of(explainer)
    return (contract.min_n, max(contract.min_n, s.n_exact)) if contract.uses_n else (1, 1)


def check_affine_recovery(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Zero-variance recovery: for affine f = wᵀx + c every path kind is exact at every n:
    IG and occlusion give w ⊙ (x − b) (the mean of the rows for a background), G×I w ⊙ x;
    random baselines, offsets and scales, n from the least allowed to ``n_exact``."""
    name = "check_affine_recovery"
    s = resolve(settings)
    options = problem_options(explainer, s, families=("poly1",), n_range=_n_range(explainer, s))
    strategy = attribution_problems(**options)

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        expected, error = _target(explainer, p)
        observed = _call(explainer, p, name)
        return compare(explainer, p, observed, expected, "on an affine f", _PATH_HINT, error)

    extreme = background_extreme(explainer, options)
    return search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)


def exactness_not_applicable(explainer: Explainer) -> str | None:
    if getattr(explainer, "rule", None) in ("riemann_left", "riemann_right"):
        return (
            "a left or right Riemann rule is exact on affine f only (check_affine_recovery); "
            "its error elsewhere is pinned by check_rule_signature"
        )
    return None


def check_exactness(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Per feature, the explainer equals the engine's closed form where it must be exact.

    G×I and occlusion: on every family (RBF mixtures, sine and probit ridges, cubics) and
    every reference the kind accepts. IG: on polynomials of the declared rule's exactness
    degree at n (Gauss–Legendre: degree 2n, n = 1..4; midpoint and trapezoid: degree 2).
    """
    name = "check_exactness"
    s = resolve(settings)
    rule = getattr(explainer, "rule", None)
    if rule is None:
        options = problem_options(explainer, s, n_range=_n_range(explainer, s))
    elif rule == "gausslegendre":
        options = problem_options(explainer, s, n_range=(1, 4), degree=lambda n: 2 * n)
    else:
        options = problem_options(
            explainer, s, n_range=_n_range(explainer, s), degree=lambda n: exact_degree(rule, n)
        )
    hint = (
        "another method computed: G×I declared IG (or IG declared G×I), the gradient taken at "
        "x only or at the baseline only, an occlusion that keeps one feature instead of "
        f"removing it, a rule other than the declared one; or {_PATH_HINT}"
    )

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        expected, error = _target(explainer, p)
        observed = _call(explainer, p, name)
        return compare(explainer, p, observed, expected, f"on {p.family}", hint, error)

    extreme = background_extreme(explainer, options)
    return search(name, seed, s, strategy_of(options), judge, examples=s.examples, extreme=extreme)


def strategy_of(options: dict[str, Any]) -> Any:
    return attribution_problems(**options)


def check_rule_signature(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The declared rule's error where it is known exactly (:mod:`.checks_paths_rules`).

    Riemann rules on cubic f (quadratic integrand): output = IG + the Euler–Maclaurin error
    of the rule with its m intervals. Gauss–Legendre with n = 1..4 nodes on f of degree
    2n + 1: output = IG − c e_n. So "left Riemann declared Gauss–Legendre", left declared
    right, midpoint declared trapezoid and a rule run with n ± 1 steps all fail.
    """
    name = "check_rule_signature"
    s = resolve(settings)
    rule = explainer.rule
    if rule == "gausslegendre":
        options = problem_options(explainer, s, n_range=(1, 4), degree=lambda n: 2 * n + 1)
    else:
        options = problem_options(explainer, s, n_range=_n_range(explainer, s), degree=lambda n: 3)
    hint = (
        "another rule or another number of steps than declared: left Riemann declared "
        "Gauss–Legendre, left declared right, midpoint declared trapezoid, n + 1 nodes for "
        "n, or trapezoid weights that do not sum to 1 (captum's riemann_trapezoid)"
    )

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        exact, error = _target(explainer, p)
        b = p.rows[0]
        if rule == "gausslegendre":
            predicted = exact - gauss_legendre_gap(p.f, p.x, b, p.n)
        else:
            g = path_integrand(p.f, p.x, b, np.array([0.0, 0.5, 1.0]))
            predicted = exact + quadratic_error(rule, p.n, g)
        observed = _call(explainer, p, name)
        what = f"{rule} with n = {p.n} on a polynomial of degree {p.family[4:]}"
        return compare(explainer, p, observed, predicted, what, hint, error)

    return search(name, seed, s, strategy_of(options), judge, examples=s.examples)


def rate_not_applicable(explainer: Explainer) -> str | None:
    if explainer.rule not in RATE:
        return (
            "Gauss–Legendre converges faster than any power of n on smooth f: its signature is "
            "its exactness degree (check_exactness, check_rule_signature)"
        )
    return None


#: Smallest observed order accepted, below the declared p: the next Euler–Maclaurin term is
#: O(a / m) relative (a = the path's length in units of f's features, <= 20 here) and
#: m >= 128, so the observed order of a correct rule is p ± 0.1.
_RATE_MARGIN = 0.35


def check_rule_rate(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Riemann rules: on smooth f (RBF mixtures, sine and probit ridges) the error against
    the engine's IG falls as m^-p (p = 1 left/right, 2 middle/trapezoid): the observed order
    log(e(m) / e(2m)) / log 2 is at least p − 0.35, m = 128..512 intervals. A problem whose
    error at m is within 100 tolerances of rounding is not judged (counted in figures)."""
    name = "check_rule_rate"
    s = resolve(settings)
    rule, p_declared = explainer.rule, RATE.get(explainer.rule, 0)
    if rule not in RATE:
        raise CheckSkipped(f"{name}: {rate_not_applicable(explainer)}")
    options = problem_options(explainer, s, families=("rbf", "sine", "probit"), n_range=(128, 512))
    unjudged = {"count": 0}

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        exact, error = _target(explainer, p)
        m1 = intervals(rule, p.n)
        n2 = p.n + m1  # twice the intervals
        e1 = float(np.linalg.norm(_call(explainer, p, name) - exact))
        e2 = float(np.linalg.norm(_call(explainer, p, name, n=n2) - exact))
        floor = attribution_tolerance(explainer.precision, _scale(p, exact), p.distance)
        floor += float(np.max(error))
        if e1 <= 100 * floor:
            unjudged["count"] += 1
            return {}
        order = float(np.log2(e1 / max(e2, 1e-300)))
        margin = p_declared - _RATE_MARGIN
        if order < margin:
            raise Finding(
                f"{rule} declared (error ~ m^-{p_declared}) but the error fell from {e1:.3g} at "
                f"n = {p.n} to {e2:.3g} at n = {n2} (observed order {order:.3g} < {margin:.3g})",
                "a slower rule than declared: left or right Riemann declared middle or "
                "trapezoid, trapezoid weights that do not sum to 1 (captum's "
                "riemann_trapezoid), or a floor from float32 arithmetic",
                {"errors": [e1, e2], "n": [p.n, n2], "order": order, "declared": p_declared},
            )
        return {"worst": max(0.0, (p_declared - order) / _RATE_MARGIN), "order": order}

    figures = search(name, seed, s, strategy_of(options), judge, examples=s.examples)
    return {**figures, "unjudged": unjudged["count"]}


def check_completeness(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Σ IG − (f(x) − f(b)) equals the rule's error, and a returned delta equals it.

    On f where the rule is exact (degree <= its exactness degree at n) the gap is 0; on
    cubic f a Riemann rule's gap is Σ of its Euler–Maclaurin error; on RBF mixtures and
    ridges only the delta is judged (delta = Σ IG − (f(x) − f(b)) recomputed from the
    output, captum's ``return_convergence_delta`` convention).
    """
    name = "check_completeness"
    s = resolve(settings)
    rule = explainer.rule
    others = ("poly3", "rbf", "sine") if rule != "gausslegendre" else ("rbf", "sine")
    exact = problem_options(explainer, s, n_range=(2, 4), degree=lambda n: exact_degree(rule, n))
    strategy = st.one_of(
        strategy_of(exact), strategy_of({**exact, "degree": None, "families": others})
    )

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        b = p.rows[0]
        observed, delta = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)
        gap = float(np.sum(observed) - (p.f(p.x[None, :])[0] - p.f(b[None, :])[0]))
        tol = attribution_tolerance(explainer.precision, _scale(p, observed) * p.d, p.distance)
        figures: dict[str, Any] = {"gap": gap, "worst": 0.0}
        if p.family.startswith("poly"):
            g = path_integrand(p.f, p.x, b, np.array([0.0, 0.5, 1.0]))
            error = quadratic_error(rule, p.n, g) if p.family == "poly3" else 0.0
            expected = float(np.sum(error))
            if abs(gap - expected) > tol:
                raise Finding(
                    f"Σ IG − (f(x) − f(b)) = {gap:.6g}, expected {expected:.6g} (the {rule} "
                    f"rule's error at n = {p.n} on {p.family}; tolerance {tol:.3g})",
                    f"{_PATH_HINT}; or another rule than declared",
                    {**figures, "expected": expected},
                )
            figures["worst"] = abs(gap - expected) / tol
        if delta is not None and abs(delta - gap) > tol:
            raise Finding(
                f"the returned convergence delta {delta:.6g} differs from Σ attributions − "
                f"(f(x) − f(b)) = {gap:.6g} recomputed (tolerance {tol:.3g})",
                "the delta's sign flipped (f(x) − f(b) − Σ), its absolute value returned, or "
                "the delta of another call (other n, other baseline) returned",
                {**figures, "delta": delta},
            )
        return figures

    return search(name, seed, s, strategy, judge, examples=s.examples)

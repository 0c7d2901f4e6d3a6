"""Statistical checks against the closed form, with false alarm <= ``Settings.false_alarm``.

The explainer's spread is estimated from R replicates at *adjacent* seeds (their
independence is itself checked by ``check_seed_independence``), so a
faster-than-Monte-Carlo explainer (quasi-Monte Carlo, antithetic or control
variates) is judged by its own, smaller spread and passes as long as it is
unbiased and converges at least as fast as n^{-1/2}. Each check searches drawn
problems; one problem's assertions share ``alpha = false_alarm / examples``,
split (Bonferroni) over every component tested.

Deterministic explainers (``stochastic=False``) have no spread to estimate;
their convergence is judged by the decay of the error between two sample
sizes instead (:func:`_deterministic_convergence`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from verify.functions import RidgeFunction, Translated

from . import problems as P
from .common import (
    adjacent,
    case_options,
    diagnose_ratios,
    fmt,
    replicates,
    resolve,
    tolerance,
)
from .power import bias_power
from .runner import Settings, call_explainer, guarded
from .search import Finding, search
from .targets import expected_explanation
from .tolerances import mean_error_test

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "axis_sines",
    "check_anisotropic_covariance",
    "check_convergence",
    "check_correlated_covariance",
    "check_sign_and_scale",
    "precision_floor",
    "statistical_options",
]

_BIAS_HINT = (
    "the explanation converges to something else (a plateau, not zero error): a ridge "
    "penalty that does not vanish with n (declare ridge_lambda / ridge_alpha), a kernel that "
    "is not declared or not the declared one (kernel_width: exp(-d^2 / (2 kw^2))), noise that "
    "is not Gaussian (uniform?), the wrong noise covariance (variance passed as standard "
    "deviation?), or samples around the wrong centre"
)


def precision_floor(
    explainer: Explainer, case: SB.Case, target: np.ndarray, terr: np.ndarray
) -> Any:
    """Slack for what is not sampling error: 6 x the target's own error bound, and the
    working precision (:func:`.common.tolerance`) at the size of the target."""
    return 6 * terr + tolerance(explainer, case, 1.0) * np.abs(target).max()


def _bias_test(
    explainer: Explainer,
    name: str,
    case: SB.Case,
    alpha: float,
    s: Settings,
    what: str,
    hint: str,
) -> dict[str, Any]:
    """Mean error over R adjacent seeds at case.n is within t * se of zero, every component.

    ``case.extras["also"]`` may hold more functions judged on the same x0, cov, n and
    seeds: their components join the same assertion (Bonferroni over all of them).
    """
    functions = [case.f, *case.extras.get("also", ())]
    if not explainer.stochastic:
        # One path has no spread to average over rare events: an RBF bump far narrower
        # than the noise is missed by every point at small n, whose error then looks
        # small by luck. The deterministic rule judges the bounded sine probes only.
        probes = [f for f in functions if _is_sine_ridge(f)] or functions
        for f in probes:
            _deterministic_convergence(explainer, name, _with(case, f), s, hint)
        return {"worst": 0.0}
    seeds = adjacent(case.seed, s.replicates)
    outs, targets, floors = [], [], []
    for f in functions:
        outs.append(replicates(explainer, f, case.x0, case.cov, case.n, seeds, name))
        target, terr = expected_explanation(explainer, f, case.x0, case.covariance, case.n)
        targets.append(target)
        floors.append(precision_floor(explainer, case, target, terr))
    res = mean_error_test(
        np.concatenate(outs, axis=1), np.concatenate(targets), np.concatenate(floors), alpha
    )
    if not res["ok"]:
        d = case.d
        k = int(np.argmax(np.abs(res["mean"] - res["truth"]) / res["tolerance"])) // d
        sl = slice(k * d, (k + 1) * d)
        mean, target = res["mean"][sl], res["truth"][sl]
        rel_bias = np.linalg.norm(mean - target) / max(np.linalg.norm(target), 1e-300)
        raise Finding(
            f"{what}: for f = {functions[k]!r} the mean explanation over {len(seeds)} adjacent "
            f"seeds at n = {case.n} is {fmt(mean)}, expected {fmt(target)} (tolerance "
            f"{fmt(res['tolerance'][sl])} = {res['t']:.3g} x replicate standard error + "
            f"precision, false alarm {alpha:.2g}); relative bias {rel_bias:.3g}",
            diagnose_ratios(mean, target, np.sqrt(np.diag(case.cov)), hint),
            {**res, "n": case.n, "seeds": [seeds[0], seeds[-1]]},
        )
    power = {"relative_bias": bias_power(res), "n": case.n, "replicates": len(seeds)}
    return {"worst": res["worst"], "power": power}


def _with(case: SB.Case, f: Any) -> SB.Case:
    return case.replace(f=f, extras={})


def _is_sine_ridge(f: Any) -> bool:
    return isinstance(f, RidgeFunction) and getattr(f.link, "name", f.link) == "sin"


def _deterministic_convergence(
    explainer: Explainer,
    name: str,
    case: SB.Case,
    s: Settings,
    hint: str,
    n_large: int | None = None,
) -> dict[str, Any]:
    """No spread to estimate: require the error to fall at least like n^{-1/2}.

    ||e(n2)|| <= 2 max_k ||e(k n1)|| sqrt(k n1 / n2) + precision over k = 1, 2, 4
    (n1 < n2 = ``n_rate``): one lucky small error does not set the bar, and a
    plateau (bias) does not fall and fails. Not a statistical statement.
    """
    n1, n2 = s.n_rate[0], n_large or s.n_rate[1]
    ladder = (n1, 2 * n1, 4 * n1)
    errs = {}
    for n in (*ladder, n2):
        out = call_explainer(explainer, case.f, case.x0, case.cov, n, case.seed, name)
        target, terr = expected_explanation(explainer, case.f, case.x0, case.covariance, n)
        floor = float(
            np.linalg.norm(precision_floor(explainer, case, target, terr) * np.ones_like(target))
        )
        errs[n] = (float(np.linalg.norm(out - target)), floor)
    reference = max(errs[n][0] * np.sqrt(n / n2) for n in ladder)
    bound = 2 * reference + errs[n2][1]
    figures = {"errors": {str(k): v[0] for k, v in errs.items()}, "bound": bound}
    if errs[n2][0] > bound:
        small = ", ".join(f"{errs[n][0]:.3g}" for n in ladder)
        raise Finding(
            f"deterministic explainer: ||error|| = {small} at n = {', '.join(map(str, ladder))} "
            f"and {errs[n2][0]:.3g} at n = {n2}, expected <= {bound:.3g} (at least n^-1/2 "
            f"decay, factor 2 slack); judged on {case.f!r}",
            hint,
            figures,
        )
    return {"worst": errs[n2][0] / max(bound, 1e-300)}


def statistical_options(explainer: Explainer, s: Settings, **overrides: Any) -> dict[str, Any]:
    """Problems of a statistical check: n up to n_convergence, RBF mixtures and sine ridges."""
    options = {"n_range": (64, s.n_convergence), "families": ("rbf", "sine"), **overrides}
    return case_options(explainer, s, **options)


@st.composite
def _law_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    """An RBF mixture (large explanation: a shrinkage shows), a sine ridge with sigma |w|
    from 1.5 to 2, where E[cos(m + s Z)] is far from its value under any other noise law of
    the same variance (uniform: by 40 % or more), and axis-aligned sines with sigma |a_j| =
    2.5 (:func:`axis_sines`: a wrong law on one axis), on one point, covariance, n and seed
    block."""
    case = draw(SB.cases(**{**options, "families": ("rbf",)}))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sigma = float(np.sqrt(case.cov[0, 0]))
    w = rng.normal(size=case.d)
    w *= rng.uniform(1.5, 2.0) / (sigma * np.linalg.norm(w))
    ridge = RidgeFunction(w, float(rng.uniform(-0.8, 0.8) - w @ case.x0), "sin")
    axes = axis_sines(rng, case.x0, sigma, 2.5)
    return case.replace(family="rbf", extras={"also": (ridge, axes)})


def axis_sines(rng: np.random.Generator, x0: np.ndarray, sigma: float, size: float) -> Any:
    """sum_j sin(a_j (x_j - x0_j) + b_j) with sigma |a_j| = ``size``: one axis-aligned sine per
    feature, so component j of the explanation, a_j cos(b_j) exp(-size^2 / 2), sees only
    feature j's noise law (an approximation to the normal on one axis shows there)."""
    d = len(x0)
    a = size / sigma * np.where(rng.permutation(d) % 2 == 0, 1.0, -1.0)
    b = rng.uniform(-0.6, 0.6, size=d)  # cos(b) >= 0.8: no component near zero
    terms = [
        RidgeFunction(a[j] * np.eye(d)[j], float(b[j] - a[j] * x0[j]), "sin") for j in range(d)
    ]
    f = terms[0]
    for term in terms[1:]:
        f = f + term
    return f


def check_convergence(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """No bias: at a drawn n the mean error over R adjacent seeds is within t se of zero.

    Isotropic noise, n from n_convergence / 2 to n_convergence, an RBF mixture and a
    sine ridge function (whose expected gradient depends on the whole noise law,
    not only its covariance) judged together, compared
    with the closed form the explainer's tags imply (SmoothGrad, or C-LIME with
    the declared kernel and ridge). A plateau (a constant bias) fails; an
    unbiased explainer, however fast, passes.
    """
    name = "check_convergence"
    s = resolve(settings)
    options = statistical_options(explainer, s, structure="isotropic")
    options["n_range"] = (s.n_convergence // 2, s.n_convergence)
    strategy = _law_cases(options)

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        return _bias_test(explainer, name, case, alpha, s, "biased estimate", _BIAS_HINT)

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
    )


@st.composite
def _probe_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    """sin(w^T x + b) with w = s cov^{-1/2} u (u a unit vector, s from 1 to 1.5).

    Its explanation is w cos(m) exp(-w^T C w / 2) under noise of covariance C, and
    w^T cov w = s^2 exactly, so noise of any other covariance in the direction u
    (correlations dropped, a transposed factor, one variance for all) moves the
    exponent by a factor: a large, certain bias in every dimension.
    """
    case = draw(SB.cases(**{**options, "families": ("sine",)}))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    eig, vec = np.linalg.eigh(case.cov)
    u = rng.normal(size=case.d)
    w = (vec / np.sqrt(eig)) @ (vec.T @ u) * rng.uniform(1.0, 1.5) / np.linalg.norm(u)
    f = RidgeFunction(w, float(rng.uniform(-0.8, 0.8) - w @ case.x0), "sin")
    return case.replace(f=f, family="sine", extras={})


def _structure_check(
    explainer: Explainer, seed: int, settings: Settings | None, structure: str, name: str
) -> dict[str, Any]:
    s = resolve(settings)
    label = {"diagonal": "an anisotropic diagonal", "full": "a correlated"}[structure]
    options = statistical_options(
        explainer,
        s,
        structure=structure,
        min_dim=max(2, s.min_dim),
        min_condition=4.0,
        mixed=True,
    )
    options["max_dim"] = max(options["max_dim"], options["min_dim"])
    strategy = _probe_cases(options)
    if not explainer.supports(structure):

        def refuse(case: SB.Case, alpha: float) -> dict[str, Any]:
            try:
                out = guarded(explainer, case.f, case.x0, case.cov, case.n, case.seed)
            except (ValueError, TypeError, NotImplementedError):
                return {}
            raise Finding(
                f"declared covariance={explainer.covariance!r} but given {label} covariance "
                f"{fmt(case.cov)} it returned {fmt(np.asarray(out, dtype=float).ravel())} "
                "instead of refusing it",
                "an explainer silently ignoring the off-diagonal or per-feature part of cov; "
                "raise ValueError for covariances you do not support, or declare covariance="
                f"{structure!r} if you do",
                {"covariance": case.cov},
            )

        figures = search(name, seed, s, strategy, refuse, examples=2)
        return {**figures, "refused": f"{label} covariance, as declared"}
    hint = (
        "the noise is not drawn with the covariance's factor: z = L u with cov = L L^T "
        "(Cholesky), not sqrt(diag(cov)) * u, u @ L, cov @ u or sigma * u (in every dimension)"
    )

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        return _bias_test(
            explainer, name, case, alpha, s, f"wrong answer under {label} covariance", hint
        )

    # A correlated covariance gets four more problems than the other structures: mistakes
    # that appear only from some dimension on (d >= 4) must be met at every seed. And one
    # problem is always at the largest condition number the precision allows: mistakes
    # along the smallest axis (a jitter added to cov, eigenvalues floored) show there.
    extra = 4 if structure == "full" else 0
    largest = SB.MAX_CONDITION[explainer.precision]
    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=s.statistical_examples + extra,
        shrink_calls=s.statistical_shrink_calls,
        extreme=_probe_cases({**options, "min_condition": largest}),
    )


def check_anisotropic_covariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Diagonal cov with unequal variances: unbiased if declared, refused (ValueError) if not."""
    return _structure_check(explainer, seed, settings, "diagonal", "check_anisotropic_covariance")


def check_correlated_covariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Full cov (condition 4 and up, every pair correlated, d from 2 to 8): unbiased if
    declared, refused (ValueError) if not. The probe is a sine ridge whose direction makes
    any other noise covariance visible (:func:`_probe_cases`)."""
    return _structure_check(explainer, seed, settings, "full", "check_correlated_covariance")


@st.composite
def _separable_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**options))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cov, x0 = case.cov, case.x0
    if np.all(np.abs(np.log(np.diag(cov))) < 2 * np.log(3)):
        # Every std within a factor 3 of 1: a coefficient left in standardised units, or
        # a variance passed as a std, would be off by that factor only. Rescale the
        # problem (in sigma it is the same) so that every std is 4 or 1/4 times as large.
        k = 4.0 if draw(st.booleans()) else 0.25
        cov, x0 = k * k * cov, k * x0
    stds = np.sqrt(np.diag(cov))
    c = P.mixed_signs(rng, case.d) / stds**3
    f = P.separable_cubic(c)
    f = Translated(f, -x0) if case.distance else f
    return SB.Case(f, x0, cov, case.n, case.seed, "cubic", case.distance, {"c": c})


def check_sign_and_scale(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Per-feature sign and scale on f = sum_j c_j (x_j - x0_j)^3.

    There the explanation is 3 c_j cov'_jj feature by feature (mixed signs,
    unequal scales when the explainer supports anisotropic noise), so a wrong
    sign, |grad f|, the variance passed as a standard deviation or a
    per-feature scaling shows up as a recognisable ratio observed / expected.
    """
    name = "check_sign_and_scale"
    s = resolve(settings)
    structure = "diagonal" if explainer.supports("diagonal") else "isotropic"
    strategy = _separable_cases(statistical_options(explainer, s, structure=structure))

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        return _bias_test(
            explainer,
            name,
            case,
            alpha,
            s,
            "per-feature sign or scale error",
            "a per-feature sign or scale error",
        )

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
    )

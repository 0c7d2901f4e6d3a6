"""Checks of identities that hold exactly for every n and seed.

With the seed shared between calls the explainer sees the same noise, and
SmoothGrad and least-squares C-LIME (with intercept, optional kernel and
ridge) satisfy these identities exactly, sample by sample; so do the unbiased
estimators of other forms (importance weights, Sigma^-1 times a sample
covariance), since each is linear in f and equivariant:

* single-index f = g(w^T x + b): every gradient is a multiple of w;
* linearity (Proposition 2): E(a f + b g) = a E(f) + b E(g);
* translation: E(f(. - t), x0 + t) = E(f, x0), t up to far from the origin;
* scale: E(f(. / c), c x0, c^2 cov) = E(f, x0, cov) / c (raw input units).

Each check draws its problems (:mod:`properties.strategies.battery`) and tests
n, n + 1 and a prime n per problem. Tolerances are the working precision plus
the rounding the problem's conditioning costs (:func:`.tolerances.exact_tolerance`);
the affine and small-sigma identities live in :mod:`.checks_affine`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from properties.strategies import unit_vectors
from verify.functions import Function, RBFMixture, RidgeFunction, Translated

from . import problems as P
from .checks_affine import exact_cause, sizes
from .common import (
    adjacent,
    case_options,
    diagnose_ratios,
    fmt,
    replicates,
    resolve,
    summand_scale,
    tolerance,
)
from .power import bias_power
from .runner import CheckSkipped, Settings, call_explainer
from .search import Finding, search
from .second_look import Trial, judge_identity
from .targets import expected_explanation
from .tolerances import mean_error_test

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "check_linearity",
    "check_proportionality_single_index",
    "check_scale_equivariance",
    "check_translation_equivariance",
    "scale_equivariance_not_applicable",
]


_LINEARITY_HINT = (
    "the explanation is not linear in f: absolute values (|grad f|, Saliency's abs=True), a "
    "normalisation of the output, feature selection (lime's feature_selection='auto'), or "
    "noise that depends on f"
)
_TRANSLATION_HINT = (
    "the noise is not centred at x0: samples drawn around a fixed centre (the origin or the "
    "training mean; lime's sample_around_instance=False), or a surrogate without intercept"
)


def _scale_cause(scaled: np.ndarray, base: np.ndarray) -> str:
    invariant = np.allclose(scaled, base, rtol=0.05, atol=1e-3 * np.max(np.abs(base)))
    if invariant:
        return (
            "the explanation does not change when the inputs are rescaled, so it is not in "
            "units of output per input: discretised features (lime's discretize_continuous="
            "True), attributions in output units (w * x, captum Lime's baseline masks) or "
            "standardised coefficients not divided by the feature scale"
        )
    return (
        "the explanation is not in raw input units: a per-feature scaling (standardised "
        "coefficients not divided by scaler.scale_), a width fixed in input units that should "
        "be declared (kernel_width, units='raw'), or a constant in input units (a jitter, a "
        "clipping bound)"
    )


def scale_equivariance_not_applicable(explainer: Explainer) -> str | None:
    """Why :func:`check_scale_equivariance` does not apply (None if it does)."""
    if explainer.units == "raw" and (explainer.kernel_width is not None or explainer.has_ridge):
        return (
            "a kernel width or ridge in raw input units is not scale-free (tested against its "
            "closed form by check_convergence)"
        )
    return None


def _scale(case: SB.Case) -> float:
    return case.covariance.largest_std


@st.composite
def _single_index_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**{**options, "families": ("sine",)}))
    d = case.d
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # At least two negative entries (and a positive one from d = 3 on): a single flipped
    # sign never looks like |grad f| (in d = 1 the two cannot be told apart).
    signs = np.where(np.arange(d) < max(2, min(d - 1, (d + 2) // 2)), -1.0, 1.0)
    w = rng.permutation(signs) * rng.uniform(0.4, 1.0, size=d) / _scale(case)
    f = RidgeFunction(w, float(0.3 - w @ case.x0), "sin")  # kappa = cos(0.3) e^{-v/2} > 0
    return case.replace(f=f, family="sine", extras={"w": w})


def check_proportionality_single_index(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """For f = sin(w^T x + b) the explanation is kappa w (direction and sign of w).

    Gradient explainers: exactly, at any n and under any covariance. Perturbation
    explainers: in expectation under isotropic noise (the components orthogonal
    to w have mean zero by symmetry and the component along w matches the closed
    form), over R adjacent seeds. Catches a sign flipped on one feature and
    per-feature scaling mistakes.
    """
    name = "check_proportionality_single_index"
    s = resolve(settings)
    gradient = explainer.kind == "gradient"
    options = case_options(explainer, s)
    if not gradient:
        options.update(structure="isotropic", n_range=(64, s.n_convergence))
    strategy = _single_index_cases(options)

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        w, f, d = case.extras["w"], case.f, case.d
        target, terr = expected_explanation(explainer, f, case.x0, case.covariance, case.n)
        unit = w / np.linalg.norm(w)
        if gradient:

            def pair(n: int, k: int, i: int) -> Trial:
                out = call_explainer(explainer, f, case.x0, case.cov, n, k, name)
                along = (out @ unit) * unit
                ortho = out - along
                return Trial(
                    ortho,
                    np.zeros(d),
                    max(float(np.linalg.norm(out)), float(np.linalg.norm(target))),
                    f"for f = sin(w^T x + b) every gradient is a multiple of w = {fmt(w)}, but "
                    f"the explanation at n = {n} is {fmt(out)}: its component orthogonal to w "
                    "should vanish",
                    exact_cause(explainer, case, out, along, _single_index_cause(out, w)),
                    case,
                )

            return judge_identity(explainer, case, pair, sizes(case.n), alpha, s)
        basis = np.linalg.svd(np.eye(d) - np.outer(unit, unit))[0][:, : d - 1]
        rotation = np.column_stack([unit, basis])  # along w, then an orthonormal basis of w-perp
        outs = replicates(
            explainer, f, case.x0, case.cov, case.n, adjacent(case.seed, s.replicates), name
        )
        floor = tolerance(explainer, case, float(np.abs(target).max())) + np.abs(rotation.T) @ terr
        res = mean_error_test(outs @ rotation, target @ rotation, floor, alpha)
        if not res["ok"]:
            raise Finding(
                f"for f = sin(w^T x + b), w = {fmt(w)}, the mean explanation over "
                f"{s.replicates} seeds at n = {case.n} is {fmt(outs.mean(axis=0))}, expected "
                f"{fmt(target)} = kappa w; in the basis (w, w-perp): observed {fmt(res['mean'])}, "
                f"expected {fmt(res['truth'])}, tolerance {fmt(res['tolerance'])}, false alarm "
                f"{alpha:.2g}",
                diagnose_ratios(
                    outs.mean(axis=0),
                    target,
                    np.sqrt(np.diag(case.cov)),
                    "a per-feature sign or scale error",
                ),
                res,
            )
        power = {"relative_bias": bias_power(res), "n": case.n, "replicates": s.replicates}
        return {"worst": res["worst"], "power": power}

    examples = s.examples if gradient else s.statistical_examples
    shrink = s.shrink_calls if gradient else s.statistical_shrink_calls
    return search(name, seed, s, strategy, judge, examples=examples, shrink_calls=shrink)


def _single_index_cause(out: np.ndarray, w: np.ndarray) -> str:
    """Read the mistake off out_j / w_j, which is one common kappa when nothing is wrong."""
    ratio = out / w
    generic = "a per-feature sign or scale error (a mirrored axis, a per-feature factor)"
    if len(w) == 1 and ratio[0] < 0:
        return (
            "the sign of feature(s) [0] is flipped, or absolute values (|grad f|, e.g. captum "
            f"Saliency's default abs=True): in d = 1 the two look alike; more generally: {generic}"
        )
    if np.ptp(np.abs(ratio)) <= 1e-6 * np.max(np.abs(ratio)):
        if np.all(out >= 0):
            return (
                "absolute values: the explanation is |grad f| (e.g. captum Saliency's default "
                "abs=True; pass abs=False)"
            )
        flipped = np.flatnonzero(ratio < 0).tolist()  # kappa > 0 by the choice of b
        return f"the sign of feature(s) {flipped} is flipped; more generally: {generic}"
    return generic


@st.composite
def _pair_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**options))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    g = SB.local_function(rng, case.d, _scale(case), draw(st.sampled_from(SB.FAMILIES)))
    g = Translated(g, -case.x0) if case.distance else g
    a, b = (draw(st.sampled_from((-1.0, 1.0))) * 10 ** draw(st.floats(-1.0, 1.0)) for _ in range(2))
    extras = {"g": g, "a": a, "b": b}
    return case.replace(extras=extras)


def check_linearity(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E(a f + b g) = a E(f) + b E(g) with the seed shared (Proposition 2), call by call.

    It holds call by call for every explainer whose noise does not depend on f (a function
    of the seed, n, cov and even x0: numpy's multivariate_normal, an eigen root, noise
    seeded per instance, Stein's identity all satisfy it), so there is no second look in
    expectation: a non-linearity (absolute values, a normalisation, feature selection)
    fails even where it would average out.
    """
    name = "check_linearity"
    s = resolve(settings)
    strategy = _pair_cases(case_options(explainer, s))

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        f, g, a, b = case.f, case.extras["g"], case.extras["a"], case.extras["b"]

        def pair(n: int, k: int, i: int) -> Trial:
            ef = call_explainer(explainer, f, case.x0, case.cov, n, k, name)
            eg = call_explainer(explainer, g, case.x0, case.cov, n, k, name)
            both = call_explainer(explainer, a * f + b * g, case.x0, case.cov, n, k, name)
            combined = a * ef + b * eg
            return Trial(
                both,
                combined,
                float(abs(a) * np.max(np.abs(ef)) + abs(b) * np.max(np.abs(eg))),
                f"E({a:.3g} f + {b:.3g} g) at n = {n} with a shared seed, against "
                f"{a:.3g} E(f) + {b:.3g} E(g)",
                exact_cause(explainer, case, both, combined, _LINEARITY_HINT),
                case,
            )

        return judge_identity(explainer, case, pair, sizes(case.n), alpha, s, in_expectation=False)

    return search(name, seed, s, strategy, judge, examples=s.examples)


@st.composite
def _shift_cases(draw: st.DrawFn, options: dict[str, Any], far: float) -> SB.Case:
    case = draw(SB.cases(**options))
    t = draw(SB.distances(far)) * _scale(case) * draw(unit_vectors(case.d))
    if not np.any(t):
        t = _scale(case) * np.eye(case.d)[0]
    extras = {"t": t}
    return case.replace(extras=extras)


def check_translation_equivariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E(f(. - t), x0 + t) = E(f, x0) with the seed shared: the noise is centred at x0.

    t is drawn (from 0.1 sigma to far), and every problem is also moved to the
    farthest point the declared precision is held to (10^4 sigma_max in float64,
    10^3 in float32), so this is where precision lost on large coordinates shows.
    """
    name = "check_translation_equivariance"
    s = resolve(settings)
    strategy = _shift_cases(case_options(explainer, s), SB.FAR[explainer.precision])

    far = SB.FAR[explainer.precision]

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        drawn = case.extras["t"]
        # The drawn shift, and the farthest point the declared precision is held to.
        farthest = far * _scale(case) * drawn / np.linalg.norm(drawn)
        shifts = (drawn, farthest, drawn)

        def pair(n: int, k: int, i: int) -> Trial:
            t = shifts[i]
            distance = float(np.linalg.norm(case.x0 + t)) / _scale(case) + case.distance
            probe = case.replace(distance=distance, extras={})
            base = call_explainer(explainer, case.f, case.x0, case.cov, n, k, name)
            out = call_explainer(
                explainer, Translated(case.f, -t), case.x0 + t, case.cov, n, k, name
            )
            return Trial(
                out,
                base,
                summand_scale(case, base),
                f"E(f(. - t), x0 + t) at n = {n} with |t| = {np.linalg.norm(t):.3g} "
                f"({np.linalg.norm(t) / _scale(case):.3g} sigma) and a shared seed, against "
                "E(f, x0)",
                exact_cause(explainer, probe, out, base, _TRANSLATION_HINT),
                probe,
            )

        return judge_identity(explainer, case, pair, sizes(case.n), alpha, s, in_distribution=True)

    return search(name, seed, s, strategy, judge, examples=s.examples)


def _scaled(f: Function, c: float) -> Function:
    """x -> f(x / c) for the battery's families."""
    if isinstance(f, Translated):
        return Translated(_scaled(f.f, c), f.shift * c)
    if isinstance(f, RBFMixture):
        return P.scaled_rbf(f, c)
    if isinstance(f, RidgeFunction):
        return RidgeFunction(f.w / c, f.b, f.link)
    raise TypeError(f"no scaled form for {type(f).__name__}")


@st.composite
def _factor_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**options))
    log_c = draw(st.floats(-3.0, 3.0))
    extras = {"c": float(10.0**log_c) if log_c else 3.0}
    return case.replace(extras=extras)


def check_scale_equivariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E(f(. / c), c x0, c^2 cov) = E(f, x0, cov) / c: the explanation is in raw input units.

    c is drawn from 10^-3 to 10^3. Not applicable to a raw-unit kernel or ridge (a
    fixed width in input units is not scale-free); those are covered by the
    closed-form checks.
    """
    name = "check_scale_equivariance"
    reason = scale_equivariance_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    s = resolve(settings)
    strategy = _factor_cases(case_options(explainer, s, families=("rbf", "sine", "probit")))

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        c = case.extras["c"]

        def pair(n: int, k: int, i: int) -> Trial:
            base = call_explainer(explainer, case.f, case.x0, case.cov, n, k, name)
            scaled = call_explainer(
                explainer, _scaled(case.f, c), c * case.x0, c**2 * case.cov, n, k, name
            )
            return Trial(
                c * scaled,
                base,
                summand_scale(case, base),
                f"rescaling the inputs by c = {c:.4g} should divide the explanation by c: "
                f"c * E(f(./c), c x0, c^2 cov) against E(f, x0, cov) at n = {n}",
                exact_cause(explainer, case, c * scaled, base, _scale_cause(scaled, base)),
                case,
            )

        return judge_identity(explainer, case, pair, sizes(case.n), alpha, s, in_distribution=True)

    return search(name, seed, s, strategy, judge, examples=s.examples)

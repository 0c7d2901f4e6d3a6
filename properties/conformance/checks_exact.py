"""Checks of identities that hold exactly for every n and seed.

With the seed shared between calls the explainer sees the same noise, and
SmoothGrad and least-squares C-LIME (with intercept, optional kernel and
ridge) satisfy these identities exactly, sample by sample:

* affine f = w^T x + b: every SmoothGrad sample is w, and least squares with
  an intercept fits an affine f exactly, so the explanation is w;
* single-index f = g(w^T x + b): every gradient is a multiple of w;
* linearity (Proposition 2): E(a f + b g) = a E(f) + b E(g);
* translation: E(f(. - t), x0 + t) = E(f, x0);
* scale: E(f(. / c), c x0, c^2 cov) = E(f, x0, cov) / c (raw input units);
* small noise: SmoothGrad -> grad f(x0) with an explicit bound.

Tolerances are the working precision (``Explainer.exact_rtol``), except
where a declared ridge makes the identity hold only in expectation (then the
replicate test of :mod:`.tolerances` is used).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import problems as P
from .common import diagnose_ratios, fail, fmt, replicates, resolve
from .explainer import Explainer
from .runner import CheckSkipped, Settings, call_explainer
from .targets import expected_explanation
from .tolerances import mean_error_test

__all__ = [
    "check_linearity",
    "check_proportionality_affine",
    "check_proportionality_single_index",
    "check_scale_equivariance",
    "check_small_sigma_limit",
    "check_translation_equivariance",
    "scale_equivariance_not_applicable",
    "small_sigma_not_applicable",
]

_EXACT_SEEDS = 3


def scale_equivariance_not_applicable(explainer: Explainer) -> str | None:
    """Why :func:`check_scale_equivariance` does not apply (None if it does)."""
    if explainer.units == "raw" and (explainer.kernel_width is not None or explainer.has_ridge):
        return (
            "a kernel width or ridge in raw input units is not scale-free (tested against its "
            "closed form by check_convergence)"
        )
    return None


def small_sigma_not_applicable(explainer: Explainer) -> str | None:
    """Why :func:`check_small_sigma_limit` does not apply (None if it does).

    A perturbation explainer's small-sigma fit is ill-conditioned numerically; its
    closed form is tested by check_convergence.
    """
    if explainer.kind != "gradient":
        return "applies to gradient explainers (kind='gradient')"
    return None


def check_proportionality_affine(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """An affine f = w^T x + b is explained by w exactly, at any n (here n = ``n_exact``).

    With a declared ridge the explanation is the ridge-shrunk (Sigma' + lambda P)^{-1}
    Sigma' w, tested in expectation over replicates. Catches a missing intercept,
    an O(1/n) bias, an undeclared ridge, and outputs not in raw input units.
    """
    name = "check_proportionality_affine"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    w = P.mixed_signs(rng, d)
    f = P.affine(w, float(rng.uniform(1.0, 2.0)))
    x0 = 1.5 * rng.normal(size=d)
    cov = P.covariance(rng, d, explainer.covariance)
    stds = np.sqrt(np.diag(cov))
    hint = (
        "a surrogate fitted without intercept, an O(1/n) bias (an off-by-one in the "
        "average, an undeclared sklearn Ridge(alpha)), or explanations not in raw input units "
        "(discretised features; w * x0 attributions, as from baseline masking)"
    )
    if not explainer.has_ridge:
        n = s.n_exact
        seeds = P.explainer_seeds(rng, _EXACT_SEEDS)
        outs = replicates(explainer, f, x0, cov, n, seeds, name)
        tol = explainer.exact_rtol * np.linalg.norm(w)
        errs = np.linalg.norm(outs - w, axis=1)
        worst = int(np.argmax(errs))
        if errs[worst] > tol:
            observed = outs[worst]
            cause = diagnose_ratios(observed, w, stds, hint)
            if np.allclose(observed, w * x0, rtol=0.05, atol=0.01 * np.linalg.norm(w)):
                cause = "attributions w * x0 in output units (baseline masking, input x gradient)"
            raise fail(
                name,
                f"for affine f with slope w = {fmt(w)} the explanation at n = {n} is "
                f"{fmt(observed)} (explainer seed {seeds[worst]}); ||error|| = {errs[worst]:.3g} "
                f"> tolerance {tol:.3g} (exact identity, working precision)",
                seed,
                cause,
                {"w": w, "observed": observed, "error": errs[worst], "tolerance": tol, "n": n},
            )
        return {"max_error": float(errs.max()), "tolerance": float(tol), "n": n}
    n = 8 * s.n_exact
    seeds = P.explainer_seeds(rng, s.replicates)
    outs = replicates(explainer, f, x0, cov, n, seeds, name)
    target, terr = expected_explanation(explainer, f, x0, cov, n)
    floor = explainer.exact_rtol * np.abs(target) + terr
    res = mean_error_test(outs, target, floor, s.false_alarm)
    if not res["ok"]:
        raise fail(
            name,
            f"for affine f with slope w = {fmt(w)} and the declared ridge, the mean explanation "
            f"over {len(seeds)} seeds at n = {n} is {fmt(res['mean'])}, expected {fmt(target)} "
            f"(tolerance {fmt(res['tolerance'])}, false alarm {s.false_alarm:g})",
            seed,
            diagnose_ratios(
                res["mean"],
                target,
                stds,
                "the declared ridge is not the one used: "
                "check ridge_alpha / ridge_lambda / units, or " + hint,
            ),
            res,
        )
    return {"worst": res["worst"], "n": n, "replicates": len(seeds)}


def check_proportionality_single_index(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """For f = sin(w^T x + b) the explanation is kappa w (direction and sign of w).

    Gradient explainers: exactly, at any n. Perturbation explainers: in
    expectation under isotropic noise (the components orthogonal to w have mean
    zero by symmetry and the component along w matches the closed form), tested
    over replicates. Catches a sign flipped on one feature and per-feature
    scaling mistakes.
    """
    name = "check_proportionality_single_index"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    # More negative than positive entries: a single flipped sign never looks like |grad f|.
    signs = np.where(np.arange(d) < min(d - 1, (d + 2) // 2), -1.0, 1.0)
    w = rng.permutation(signs) * rng.uniform(0.4, 1.0, size=d)
    x0 = P.point(rng, d)
    f = P.sine_ridge(w, float(0.3 - w @ x0))  # w^T x0 + b = 0.3: kappa = cos(0.3) e^{-v/2} > 0
    cov = P.covariance(rng, d, "isotropic")
    target, terr = expected_explanation(explainer, f, x0, cov, s.n_convergence)
    unit = w / np.linalg.norm(w)
    basis = np.linalg.svd(np.eye(d) - np.outer(unit, unit))[0][:, : d - 1]
    rotation = np.column_stack([unit, basis])  # along w, then an orthonormal basis of w-perp
    hint = diagnose_ratios
    if explainer.kind == "gradient":
        seeds = P.explainer_seeds(rng, _EXACT_SEEDS)
        outs = replicates(explainer, f, x0, cov, s.n_exact, seeds, name)
        for out, k in zip(outs, seeds, strict=True):
            along = float(out @ unit)
            ortho = float(np.linalg.norm(out - along * unit))
            tol = explainer.exact_rtol * max(np.linalg.norm(out), np.linalg.norm(target))
            if ortho > tol:
                raise fail(
                    name,
                    f"for f = sin(w^T x + b) every gradient is a multiple of w = {fmt(w)}, but "
                    f"the explanation is {fmt(out)} (explainer seed {k}): component orthogonal "
                    f"to w {ortho:.3g} (tolerance {tol:.3g}, exact identity)",
                    seed,
                    _single_index_cause(out, w),
                    {"w": w, "observed": out, "orthogonal": ortho, "along": along},
                )
        return {"n": s.n_exact, "seeds": seeds}
    seeds = P.explainer_seeds(rng, s.replicates)
    outs = replicates(explainer, f, x0, cov, s.n_convergence, seeds, name)
    res = mean_error_test(
        outs @ rotation,
        target @ rotation,
        explainer.exact_rtol * np.abs(target).max() + np.abs(rotation.T) @ terr,
        s.false_alarm,
    )
    if not res["ok"]:
        raise fail(
            name,
            f"for f = sin(w^T x + b), w = {fmt(w)}, the mean explanation over {len(seeds)} seeds "
            f"at n = {s.n_convergence} is {fmt(outs.mean(axis=0))}, expected {fmt(target)} = "
            f"kappa w; in the basis (w, w-perp): observed {fmt(res['mean'])}, expected "
            f"{fmt(res['truth'])}, tolerance {fmt(res['tolerance'])}, false alarm "
            f"{s.false_alarm:g}",
            seed,
            hint(
                outs.mean(axis=0),
                target,
                np.sqrt(np.diag(cov)),
                "a per-feature sign or scale error",
            ),
            res,
        )
    return {"worst": res["worst"], "replicates": len(seeds)}


def _single_index_cause(out: np.ndarray, w: np.ndarray) -> str:
    """Read the mistake off out_j / w_j, which is one common kappa when nothing is wrong."""
    ratio = out / w
    generic = "a per-feature sign or scale error (a mirrored axis, a per-feature factor)"
    if np.ptp(np.abs(ratio)) <= 1e-6 * np.max(np.abs(ratio)):
        if np.all(out >= 0):
            return (
                "absolute values: the explanation is |grad f| (e.g. captum Saliency's default "
                "abs=True; pass abs=False)"
            )
        majority = np.sign(np.median(ratio))
        flipped = np.flatnonzero(np.sign(ratio) != majority).tolist()
        return f"the sign of feature(s) {flipped} is flipped; more generally: {generic}"
    return generic


def _exact_pair(
    explainer: Explainer,
    name: str,
    seed: int,
    left: tuple[Any, ...],
    right_value: np.ndarray,
    right_label: str,
    scale: float,
    what: str,
    hint: str,
) -> float:
    out = call_explainer(explainer, *left, name)
    diff = float(np.max(np.abs(out - right_value)))
    tol = explainer.exact_rtol * scale
    if diff > tol:
        raise fail(
            name,
            f"{what}: observed {fmt(out)}, expected {right_label} {fmt(right_value)} (max "
            f"difference {diff:.3g}, tolerance {tol:.3g}, explainer seed {left[-1]})",
            seed,
            hint,
            {"observed": out, "expected": right_value, "difference": diff, "tolerance": tol},
        )
    return diff / tol


def check_linearity(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E(a f + b g) = a E(f) + b E(g) with the seed shared (Proposition 2)."""
    name = "check_linearity"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f, g = P.rbf(rng, d), P.cubic(rng, d)
    a, b = rng.choice([-1, 1], size=2) * rng.uniform(0.5, 2.0, size=2)
    x0 = P.point(rng, d)
    cov = P.covariance(rng, d, explainer.covariance)
    n = 4 * s.n_exact
    worst = 0.0
    for k in P.explainer_seeds(rng, _EXACT_SEEDS):
        ef = call_explainer(explainer, f, x0, cov, n, k, name)
        eg = call_explainer(explainer, g, x0, cov, n, k, name)
        combo = a * ef + b * eg
        scale = abs(a) * np.max(np.abs(ef)) + abs(b) * np.max(np.abs(eg))
        worst = max(
            worst,
            _exact_pair(
                explainer,
                name,
                seed,
                (a * f + b * g, x0, cov, n, k),
                combo,
                f"{a:.3g} E(f) + {b:.3g} E(g) =",
                scale,
                f"E({a:.3g} f + {b:.3g} g) with a shared seed",
                "the explanation is not linear in f: absolute values (|grad f|, Saliency's "
                "abs=True), a normalisation of the output, feature selection (lime's "
                "feature_selection='auto'), or noise that depends on f",
            ),
        )
    return {"worst_relative": worst, "n": n}


def check_translation_equivariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E(f(. - t), x0 + t) = E(f, x0) with the seed shared: the noise is centred at x0."""
    name = "check_translation_equivariance"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    x0 = P.point(rng, d)
    t = rng.normal(size=d)
    t *= 1.5 / np.linalg.norm(t)
    cov = P.covariance(rng, d, explainer.covariance)
    n = 4 * s.n_exact
    worst = 0.0
    for k in P.explainer_seeds(rng, _EXACT_SEEDS):
        base = call_explainer(explainer, f, x0, cov, n, k, name)
        worst = max(
            worst,
            _exact_pair(
                explainer,
                name,
                seed,
                (P.shifted_rbf(f, t), x0 + t, cov, n, k),
                base,
                "E(f, x0) =",
                max(float(np.max(np.abs(base))), 1e-3) * (1 + np.linalg.norm(x0 + t)),
                f"E(f(. - t), x0 + t) with t = {fmt(t)} and a shared seed",
                "the noise is not centred at x0: samples drawn around a fixed centre (the "
                "origin or the training mean; lime's sample_around_instance=False), or a "
                "surrogate without intercept",
            ),
        )
    return {"worst_relative": worst, "n": n}


def check_scale_equivariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """E(f(. / c), c x0, c^2 cov) = E(f, x0, cov) / c: the explanation is in raw input units.

    Not applicable to a raw-unit kernel or ridge (a fixed width in input units
    is not scale-free); those are covered by the closed-form checks.
    """
    name = "check_scale_equivariance"
    reason = scale_equivariance_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    x0 = P.point(rng, d)
    cov = P.covariance(rng, d, explainer.covariance)
    c = 3.0
    n = 4 * s.n_exact
    worst = 0.0
    for k in P.explainer_seeds(rng, _EXACT_SEEDS):
        base = call_explainer(explainer, f, x0, cov, n, k, name)
        scaled = call_explainer(explainer, P.scaled_rbf(f, c), c * x0, c**2 * cov, n, k, name)
        diff = float(np.max(np.abs(c * scaled - base)))
        tol = explainer.exact_rtol * max(float(np.max(np.abs(base))), 1e-3)
        if diff > tol:
            invariant = np.allclose(scaled, base, rtol=0.05, atol=1e-3 * np.max(np.abs(base)))
            cause = (
                "the explanation does not change when the inputs are rescaled, so it is not in "
                "units of output per input: discretised features (lime's "
                "discretize_continuous=True), attributions in output units (w * x, captum Lime's "
                "baseline masks) or standardised coefficients not divided by the feature scale"
                if invariant
                else "the explanation is not in raw input units: a per-feature scaling "
                "(standardised coefficients not divided by scaler.scale_) or a width fixed in "
                "input units that should be declared (kernel_width, units='raw')"
            )
            raise fail(
                name,
                f"rescaling the inputs by c = {c:g} should divide the explanation by c: "
                f"c * E(f(./c), c x0, c^2 cov) = {fmt(c * scaled)} vs E(f, x0, cov) = "
                f"{fmt(base)} (max difference {diff:.3g}, tolerance {tol:.3g}, explainer seed {k})",
                seed,
                cause,
                {"scaled_times_c": c * scaled, "base": base, "difference": diff, "tolerance": tol},
            )
        worst = max(worst, diff / tol)
    return {"worst_relative": worst, "c": c, "n": n}


def check_small_sigma_limit(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """SmoothGrad under sigma^2 I tends to grad f(x0) as sigma -> 0 (gradient explainers).

    Bound: ||SG_n - grad f(x0)|| <= H max_i ||z_i|| with H >= sup ||Hess f||, and
    by Gaussian norm concentration max_i ||z_i|| <= sigma (sqrt(d) + sqrt(2 ln(n k / delta)))
    for all n samples of all k calls with probability >= 1 - delta, delta = false_alarm.
    """
    name = "check_small_sigma_limit"
    reason = small_sigma_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    x0 = P.point(rng, d)
    grad = f.gradient(x0)
    sigma = 1e-4
    cov = sigma**2 * np.eye(d)
    n = 4 * s.n_exact
    seeds = P.explainer_seeds(rng, _EXACT_SEEDS)
    radius = sigma * (np.sqrt(d) + np.sqrt(2 * np.log(n * len(seeds) / s.false_alarm)))
    tol = P.hessian_bound(f) * radius + explainer.exact_rtol * np.linalg.norm(grad)
    for k in seeds:
        out = call_explainer(explainer, f, x0, cov, n, k, name)
        err = float(np.linalg.norm(out - grad))
        if err > tol:
            raise fail(
                name,
                f"with noise sigma = {sigma:g} the explanation {fmt(out)} should equal grad f(x0) "
                f"= {fmt(grad)} within {tol:.3g} (||error|| = {err:.3g}, explainer seed {k}, "
                f"false alarm {s.false_alarm:g})",
                seed,
                diagnose_ratios(
                    out,
                    grad,
                    np.full(d, sigma),
                    "the noise is not scaled by the covariance (unit-variance noise, or its "
                    "Cholesky factor ignored), samples drawn around the wrong centre, or a "
                    "sign/scale error",
                ),
                {"observed": out, "gradient": grad, "error": err, "tolerance": tol},
            )
    return {"tolerance": tol, "sigma": sigma, "n": n}

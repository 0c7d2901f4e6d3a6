"""Checks of the gradient-side LFA statements against independent quadrature.

=========================  =============================================================
lfa_gradient_matching      the IG and Gradient x Input rows of Table 1: the mean LFA
                           gradient over the neighbourhood (adaptive quadrature) is the
                           engine's target, and it minimises the quadrature of the loss
ig_completeness            sum IG = f(x) - f(b); each IG_i against quadrature
ig_step_function           a step link: a.e.-gradient IG = 0 while f(x) - f(b) = +-1
ig_bshap_multilinear       multilinear f: IG = brute-force baseline Shapley sum
lfa_recovery               affine f: every row returns w, w (.) (x - b) or w (.) x
=========================  =============================================================

Every comparison is deterministic (quadrature error estimates and round-off tolerances,
no false alarms). The targets under test are arguments (defaulting to
:mod:`verify.attribution` and :mod:`verify.closed_form`), so a test can inject a broken one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import quad

from verify import attribution as A
from verify import closed_form
from verify.functions import Function, Polynomial, RidgeFunction

from .lfa_cases import (
    AffineCase,
    affine_cases,
    multilinear_cases,
    path_cases,
    step_cases,
)
from .lfa_oracles import brute_shapley, hybrid_game, path_integral, path_kinks
from .records import FALSIFIED, NOT_APPLICABLE, VERIFIED, CheckResult, StatementProperty

__all__ = [
    "IG_BSHAP_MULTILINEAR",
    "IG_COMPLETENESS",
    "IG_STEP_FUNCTION",
    "LFA_GRADIENT_MATCHING",
    "LFA_RECOVERY",
    "check_ig_bshap_multilinear",
    "check_ig_completeness",
    "check_ig_step_function",
    "check_lfa_gradient_matching",
    "check_lfa_recovery",
]

_RTOL = 1e-8
Target = Callable[..., Any]


def _scale(*arrays) -> float:
    return float(max([1.0] + [float(np.max(np.abs(np.asarray(a, float)))) for a in arrays]))


def _result(statement, gaps, tols, observed, seed, case, message_ok, message_bad) -> CheckResult:
    failures = [k for k in gaps if not gaps[k] <= tols[k]]
    return CheckResult(
        statement,
        FALSIFIED if failures else VERIFIED,
        observed={**observed, "gaps": gaps},
        bound={"tolerances": tols},
        seed=seed,
        counterexample=case if failures else None,
        message=f"{message_bad}: {', '.join(failures)}" if failures else message_ok,
    )


def _case(f: Function, **points) -> dict:
    return {"f": f.to_spec(), **{k: np.asarray(v, float) for k, v in points.items()}}


def _gxi_rows(
    f: Function,
    x: np.ndarray,
    scale: float,
    integrated_gradients: Target,
    gradient_x_input: Target,
    gaps: dict[str, float],
    tols: dict[str, float],
) -> np.ndarray:
    """The GxI row's gaps and tolerances (into ``gaps``, ``tols``): the mean of
    x (.) grad f(alpha x) over alpha ~ U(a, 1) against IG(x; a x) / (1 - a) for a = 1/2,
    9/10, and the a -> 1 limit against Gradient x Input; returns the engine's GxI."""
    d = f.dim
    ray = path_kinks(f, x, np.zeros(d))
    for a in (0.5, 0.9):
        m, er = path_integral(lambda t: x * f.gradient(t * x), ray, d, lo=a, hi=1.0)
        m, er = m / (1 - a), er / (1 - a)
        target = integrated_gradients(f, x, a * x)
        name = f"GxI row, a={a}: E_alpha[LFA gradient] vs IG(x; a x)/(1 - a)"
        gaps[name] = float(np.max(np.abs(target.values / (1 - a) - m)))
        tols[name] = float(np.max(10 * er + target.error / (1 - a))) + _RTOL * scale
    h = 1e-6
    grid = 1 - h * np.linspace(0, 1, 9)
    values = np.array([x * f.gradient(t * x) for t in grid])
    gxi = gradient_x_input(f, x).values
    near = integrated_gradients(f, x, (1 - h) * x)
    name = "GxI row: a -> 1 limit vs engine Gradient x Input"
    gaps[name] = float(np.max(np.abs(near.values / h - gxi)))
    spread = float(np.max(np.abs(values - values[0])))
    tols[name] = spread + float(np.max(near.error)) / h + 1e-6 * scale
    return gxi


def check_lfa_gradient_matching(
    f: Function,
    x: Any,
    b: Any,
    *,
    seed: int = 0,
    integrated_gradients: Target = A.integrated_gradients,
    gradient_x_input: Target = A.gradient_x_input,
) -> CheckResult:
    """The IG and Gradient x Input rows of Table 1 as gradient matching.

    * IG row: a(u) = grad_xi f(b + xi (.) (x - b)) at xi = u 1, i.e. (x - b) (.) grad f(b +
      u (x - b)); its mean over u ~ U(0, 1) by adaptive quadrature (split at the path's
      kinks) must be the engine's IG, and the quadrature of the loss Q(w) = int ||a - w||^2
      must grow by exactly ||e||^2 at w = IG + e (the minimiser, for a random e).
    * GxI row: the mean of x (.) grad f(alpha x) over alpha ~ U(a, 1) (quadrature) must be
      the engine's IG(x; a x) / (1 - a) for a = 1/2, 9/10; at a = 1 - 1e-6 it must be
      within the path's variation of the engine's Gradient x Input.

    The SmoothGrad row's LFA gradient is grad f(x0 + xi) itself (checked with Theorem 1).
    """
    x, b = np.asarray(x, float), np.asarray(b, float)
    if not f.absolutely_continuous:
        return CheckResult(
            "lfa_gradient_matching",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} is not absolutely continuous (see ig_step_function)",
        )
    d, delta = f.dim, x - b

    def lfa_ig(u: float) -> np.ndarray:
        return delta * f.gradient(b + u * delta)

    kinks = path_kinks(f, x, b)
    mean, err = path_integral(lfa_ig, kinks, d)
    ig = integrated_gradients(f, x, b)
    scale = _scale(mean, ig.values, f(x), f(b))
    gaps = {"IG row: E_u[LFA gradient] vs engine IG": float(np.max(np.abs(ig.values - mean)))}
    tols = {
        "IG row: E_u[LFA gradient] vs engine IG": float(np.max(10 * err + ig.error)) + _RTOL * scale
    }
    e = np.random.default_rng(seed).standard_normal(d)
    e *= scale / max(np.linalg.norm(e), 1e-300) * 0.5

    def loss(w: np.ndarray) -> tuple[float, float]:
        total, error = 0.0, 0.0
        for lo, hi in zip([0.0, *kinks], [*kinks, 1.0], strict=True):
            v, er = quad(
                lambda u: float(np.sum((lfa_ig(u) - w) ** 2)), lo, hi, epsabs=1e-13, limit=200
            )
            total, error = total + v, error + er
        return total, error

    (q0, e0), (q1, e1) = loss(ig.values), loss(ig.values + e)
    gaps["IG row: Q(IG + e) - Q(IG) - ||e||^2"] = abs(q1 - q0 - float(e @ e))
    tols["IG row: Q(IG + e) - Q(IG) - ||e||^2"] = 10 * (e0 + e1) + _RTOL * scale**2 * 10
    gxi = _gxi_rows(f, x, scale, integrated_gradients, gradient_x_input, gaps, tols)
    return _result(
        "lfa_gradient_matching",
        gaps,
        tols,
        {"ig": ig.values, "gxi": gxi},
        seed,
        _case(f, x=x, b=b),
        "the IG and GxI rows are gradient matching (quadrature agrees)",
        "the LFA objective and the engine's target differ",
    )


def check_ig_completeness(
    f: Function,
    x: Any,
    b: Any,
    *,
    seed: int = 0,
    integrated_gradients: Target = A.integrated_gradients,
) -> CheckResult:
    """sum IG = f(x) - f(b) (to round-off) and each IG_i = quadrature of its path integral."""
    x, b = np.asarray(x, float), np.asarray(b, float)
    if not f.absolutely_continuous:
        return CheckResult(
            "ig_completeness",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} is not absolutely continuous (see ig_step_function)",
        )
    ig = integrated_gradients(f, x, b)
    delta = x - b
    mean, err = path_integral(
        lambda u: delta * f.gradient(b + u * delta), path_kinks(f, x, b), f.dim
    )
    gain = float(f(x) - f(b))
    scale = _scale(ig.values, f(x), f(b))
    gaps = {
        "sum IG - (f(x) - f(b))": abs(float(np.sum(ig.values)) - gain),
        "IG_i vs quadrature": float(np.max(np.abs(ig.values - mean))),
    }
    tols = {
        "sum IG - (f(x) - f(b))": float(np.sum(ig.error)) + _RTOL * scale * f.dim,
        "IG_i vs quadrature": float(np.max(10 * err + ig.error)) + _RTOL * scale,
    }
    return _result(
        "ig_completeness",
        gaps,
        tols,
        {"ig": ig.values, "gain": gain},
        seed,
        _case(f, x=x, b=b),
        f"complete: sum IG = {float(np.sum(ig.values)):.6g} = f(x) - f(b)",
        "not complete",
    )


def check_ig_step_function(
    f: Function,
    x: Any,
    b: Any,
    *,
    seed: int = 0,
    integrated_gradients: Target = A.integrated_gradients,
) -> CheckResult:
    """Demonstrate the boundary of completeness on a step ridge function.

    Verified (the stretched claim fails) when f jumps between b and x (|f(x) - f(b)| = 1)
    while the IG of the almost-everywhere gradient is 0: the engine's, and the quadrature
    of the a.e. gradient along the path. Not applicable without a jump on the path.
    """
    x, b = np.asarray(x, float), np.asarray(b, float)
    if not (isinstance(f, RidgeFunction) and f.link.name == "step"):
        return CheckResult(
            "ig_step_function",
            NOT_APPLICABLE,
            seed=seed,
            message=f"needs a step ridge function, got {f!r}",
        )
    gain = float(f(x) - f(b))
    if abs(gain) != 1.0:
        return CheckResult(
            "ig_step_function",
            NOT_APPLICABLE,
            seed=seed,
            message="x and b lie on the same side of the jump: nothing to show",
        )
    ig = integrated_gradients(f, x, b).values
    delta = x - b
    mean, _ = path_integral(lambda u: delta * f.gradient(b + u * delta), path_kinks(f, x, b), f.dim)
    shown = abs(float(np.sum(ig))) <= 1e-12 and abs(float(np.sum(mean))) <= 1e-12
    return CheckResult(
        "ig_step_function",
        VERIFIED if shown else FALSIFIED,
        observed={"ig": ig, "ig_quadrature": mean, "gain": gain},
        bound={"tolerance": 1e-12},
        seed=seed,
        counterexample=_case(f, x=x, b=b),
        message=f"completeness fails as predicted: sum IG = {float(np.sum(ig)):.3g} (a.e. "
        f"gradient) while f(x) - f(b) = {gain:+.0f}"
        if shown
        else "the IG of the a.e. gradient is not 0 (a smoothed or distributional gradient?)",
    )


def _multilinear(f: Function) -> bool:
    return isinstance(f, Polynomial) and all(max(a, default=0) <= 1 for a in f.coefficients)


def check_ig_bshap_multilinear(
    f: Function,
    x: Any,
    b: Any,
    *,
    seed: int = 0,
    integrated_gradients: Target = A.integrated_gradients,
    shapley_values: Target = A.shapley_values,
) -> CheckResult:
    """Multilinear f: the engine's IG and Shapley values equal the brute-force Shapley sum."""
    x, b = np.asarray(x, float), np.asarray(b, float)
    if not _multilinear(f):
        return CheckResult(
            "ig_bshap_multilinear",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} is not a multilinear polynomial",
        )
    brute = brute_shapley(hybrid_game(f, x, A.Baseline(b)), f.dim)
    ig = integrated_gradients(f, x, b).values
    phi = shapley_values(f, x, b).values
    scale = _scale(brute, ig, f(x), f(b))
    gaps = {
        "IG vs brute Shapley": float(np.max(np.abs(ig - brute))),
        "engine Shapley vs brute Shapley": float(np.max(np.abs(phi - brute))),
    }
    tols = dict.fromkeys(gaps, 1e-9 * scale)
    return _result(
        "ig_bshap_multilinear",
        gaps,
        tols,
        {"ig": ig, "brute_shapley": brute},
        seed,
        _case(f, x=x, b=b),
        "IG = baseline Shapley",
        "IG and baseline Shapley differ",
    )


def check_lfa_recovery(
    case: AffineCase,
    *,
    seed: int = 0,
    targets: dict[str, Target] | None = None,
) -> CheckResult:
    """Affine f = w'x + c: every row returns f's coefficients in its coordinates.

    ``targets`` may replace any of the engine's functions (keys: ``clime``, ``smoothgrad``,
    ``integrated_gradients``, ``gradient_x_input``, ``occlusion``, ``lime_binary``,
    ``kernel_shap_limit``, ``shapley_values``).
    """
    t = {
        "clime": closed_form.clime,
        "smoothgrad": closed_form.smoothgrad,
        "integrated_gradients": A.integrated_gradients,
        "gradient_x_input": A.gradient_x_input,
        "occlusion": A.occlusion,
        "lime_binary": A.lime_binary,
        "kernel_shap_limit": A.kernel_shap_limit,
        "shapley_values": A.shapley_values,
        **(targets or {}),
    }
    f, w, x, b = case.f, case.w, case.x, case.b
    d = f.dim
    wd = w * (x - b)
    background = A.Background(case.rows)
    wr = w * (x - case.rows.mean(axis=0))
    rows = {
        "C-LIME": (t["clime"](f, x, case.cov), w),
        "SmoothGrad": (t["smoothgrad"](f, x, case.cov), w),
        "IG": (t["integrated_gradients"](f, x, b).values, wd),
        "GxI": (t["gradient_x_input"](f, x).values, w * x),
        "occlusion": (t["occlusion"](f, x, b).values, wd),
        "LIME uniform": (t["lime_binary"](f, x, b).values, wd),
        "LIME exponential (lfa)": (
            t["lime_binary"](f, x, A.Baseline(b), A.ExponentialKernel()).values,
            wd,
        ),
        "LIME cosine": (t["lime_binary"](f, x, A.Baseline(b), A.CosineKernel()).values, wd),
        "KernelSHAP": (t["kernel_shap_limit"](f, x, b).values, wd),
        "Shapley, background rows": (t["shapley_values"](f, x, background).values, wr),
    }
    if d >= 3:
        rows["KernelSHAP unconstrained"] = (
            t["kernel_shap_limit"](f, x, b, constrained=False).values,
            wd,
        )
    scale = _scale(w, x, b, case.rows) ** 2 * np.linalg.cond(case.cov)
    gaps = {
        k: float(np.max(np.abs(np.asarray(v, float) - truth))) for k, (v, truth) in rows.items()
    }
    tols = dict.fromkeys(gaps, 1e-9 * scale)
    return _result(
        "lfa_recovery",
        gaps,
        tols,
        {"w": w},
        seed,
        {"f": f.to_spec(), "x": x, "b": b, "cov": case.cov, "rows": case.rows},
        f"all {len(rows)} rows recover f",
        "not recovered",
    )


#: Gradient matching on generated functions of every family (registered in the catalogue).
LFA_GRADIENT_MATCHING = StatementProperty(
    path_cases,
    lambda c, seed: check_lfa_gradient_matching(c.f, c.x, c.b, seed=seed),
    lambda c: f"d={c.f.dim}, {type(c.f).__name__}",
    examples_scale=0.5,
)
#: IG completeness on generated functions of every family.
IG_COMPLETENESS = StatementProperty(
    path_cases,
    lambda c, seed: check_ig_completeness(c.f, c.x, c.b, seed=seed),
    lambda c: f"d={c.f.dim}, {type(c.f).__name__}",
)
#: Completeness stretched to step links: a verified check demonstrates its failure.
IG_STEP_FUNCTION = StatementProperty(
    step_cases,
    lambda c, seed: check_ig_step_function(c.f, c.x, c.b, seed=seed),
    lambda c: f"d={c.f.dim}",
)
#: IG = baseline Shapley on generated multilinear polynomials.
IG_BSHAP_MULTILINEAR = StatementProperty(
    multilinear_cases,
    lambda c, seed: check_ig_bshap_multilinear(c.f, c.x, c.b, seed=seed),
    lambda c: f"d={c.f.dim}",
)
#: Recovery on generated affine functions, points, baselines, covariances and rows.
LFA_RECOVERY = StatementProperty(
    affine_cases,
    lambda c, seed: check_lfa_recovery(c, seed=seed),
    lambda c: f"d={c.f.dim}",
)

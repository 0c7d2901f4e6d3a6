"""Checks of the coalition-side LFA statements against brute-force sums over coalitions.

=========================  =============================================================
additive_agreement         f = sum f_i(x_i): every method = f_i(x_i) - E_ref f_i
kernelshap_shapley         KKT solve of the constrained Shapley-kernel fit = Shapley sum
                           = engine; unconstrained lstsq = engine = Shapley + t 1
lime_binary_banzhaf        least squares over all masks with each kernel's weights = engine;
                           product kernels: = weighted Banzhaf sum at p = 1/(1 + e^-c)
shapley_axioms             efficiency (against v(∅) computed independently), null player,
                           symmetry, linearity; the conditional value of f = x1 (rho x2 / 2)
=========================  =============================================================

Coalition values come from f at the hybrid points (:mod:`.lfa_oracles`), never from the
engine. All comparisons are exact to round-off (and the engine's stated error bars for links
without a Gaussian closed form): no false alarms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import expit

from verify import attribution as A
from verify.functions import LinearCombination, Polynomial

from .lfa_cases import GameCase, additive_cases, axiom_cases, game_cases, reindex
from .lfa_oracles import (
    brute_banzhaf,
    brute_least_squares,
    brute_shapley,
    brute_weighted_banzhaf,
    constrained_shapley_kernel_fit,
    hybrid_game,
    shapley_kernel,
)
from .records import FALSIFIED, VERIFIED, CheckResult, StatementProperty

__all__ = [
    "ADDITIVE_AGREEMENT",
    "KERNELSHAP_SHAPLEY",
    "LIME_BINARY_BANZHAF",
    "SHAPLEY_AXIOMS",
    "check_additive_agreement",
    "check_kernelshap_shapley",
    "check_lime_binary_banzhaf",
    "check_shapley_axioms",
]

Target = Callable[..., Any]
_RTOL = 1e-9


def _engine(targets: dict | None) -> dict[str, Target]:
    return {
        "integrated_gradients": A.integrated_gradients,
        "occlusion": A.occlusion,
        "shapley_values": A.shapley_values,
        "banzhaf_values": A.banzhaf_values,
        "lime_binary": A.lime_binary,
        "kernel_shap_limit": A.kernel_shap_limit,
        **(targets or {}),
    }


def _scale(*arrays) -> float:
    return float(max([1.0] + [float(np.max(np.abs(np.asarray(a, float)))) for a in arrays]))


def _verdict(statement, gaps, tols, observed, case: GameCase, ok: str, bad: str) -> CheckResult:
    failures = [k for k in gaps if not gaps[k] <= tols[k]]
    return CheckResult(
        statement,
        FALSIFIED if failures else VERIFIED,
        observed={**observed, "gaps": gaps},
        bound={"tolerances": tols},
        seed=case.seed,
        counterexample={"f": case.f.to_spec(), "x": case.x, "reference": repr(case.reference)}
        if failures
        else None,
        message=f"{bad}: {', '.join(failures)}" if failures else ok,
    )


def _reference_rows(reference) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(reference, A.Baseline):
        return reference.point[None, :], np.ones(1)
    return reference.rows, reference.weights


def check_additive_agreement(case: GameCase, *, targets: dict | None = None) -> CheckResult:
    """Every method returns f_i(x_i) - sum_r w_r f_i(B_ri) on an additive f (Baseline or rows)."""
    t, f, x, ref = _engine(targets), case.f, case.x, case.reference
    rows, weights = _reference_rows(ref)
    truth = np.array([float(p(x)) - float(p(rows) @ weights) for p in case.parts])
    d = f.dim
    methods = {
        "IG": t["integrated_gradients"](f, x, ref),
        "occlusion": t["occlusion"](f, x, ref),
        "Shapley": t["shapley_values"](f, x, ref),
        "Banzhaf": t["banzhaf_values"](f, x, ref),
        "binary LIME, uniform": t["lime_binary"](f, x, ref),
        "binary LIME, product kernel": t["lime_binary"](
            f, x, ref, A.ProductKernel(np.linspace(-1, 2, d))
        ),
        "binary LIME, exponential (binary, captum)": t["lime_binary"](
            f, x, ref, A.ExponentialKernel(0.8, "binary", "captum")
        ),
        "KernelSHAP": t["kernel_shap_limit"](f, x, ref),
    }
    if isinstance(ref, A.Baseline):
        methods["binary LIME, cosine"] = t["lime_binary"](f, x, ref, A.CosineKernel())
    if d >= 3:
        methods["KernelSHAP unconstrained"] = t["kernel_shap_limit"](f, x, ref, constrained=False)
    scale = _scale(truth, f(x), *(m.values for m in methods.values()))
    gaps = {k: float(np.max(np.abs(m.values - truth))) for k, m in methods.items()}
    tols = {k: float(np.max(m.error)) + _RTOL * scale * 2**d for k, m in methods.items()}
    return _verdict(
        "additive_agreement",
        gaps,
        tols,
        {"truth": truth},
        case,
        f"all {len(methods)} methods = f_i(x_i) - E f_i",
        "methods disagree",
    )


def check_kernelshap_shapley(case: GameCase, *, targets: dict | None = None) -> CheckResult:
    """KernelSHAP's two limits by least squares over all coalitions (numpy) against the engine."""
    t, f, x, ref = _engine(targets), case.f, case.x, case.reference
    d = f.dim
    game = hybrid_game(f, x, ref)
    phi = brute_shapley(game, d)
    checks = {
        "constrained fit (KKT) vs Shapley sum": (constrained_shapley_kernel_fit(game, d), phi),
        "engine constrained vs Shapley sum": (t["kernel_shap_limit"](f, x, ref).values, phi),
        "engine Shapley vs Shapley sum": (t["shapley_values"](f, x, ref).values, phi),
    }
    if d >= 3:
        fit = brute_least_squares(game, d, lambda z: shapley_kernel(sum(z), d), proper=True)
        shift = fit - phi
        checks["unconstrained: fit - Shapley is t 1"] = (shift, np.full(d, shift.mean()))
        checks["engine unconstrained vs lstsq"] = (
            t["kernel_shap_limit"](f, x, ref, constrained=False).values,
            fit,
        )
    scale = _scale(phi, list(game.values()))
    gaps = {k: float(np.max(np.abs(np.asarray(v) - w))) for k, (v, w) in checks.items()}
    tols = dict.fromkeys(gaps, 1e-8 * scale * 2**d)
    return _verdict(
        "kernelshap_shapley",
        gaps,
        tols,
        {"shapley": phi},
        case,
        "KernelSHAP's limits match least squares over all coalitions",
        "mismatch",
    )


def _kernel_weights(kernel, x: np.ndarray, ref) -> tuple[Callable, np.ndarray | None]:
    """Independent weights pi(z) of a kernel and, for product kernels, the rates c_i."""
    d = x.size
    if isinstance(kernel, A.UniformKernel):
        c = np.zeros(d)
    elif isinstance(kernel, A.ProductKernel):
        c = np.broadcast_to(kernel.c, (d,)).astype(float)
    elif isinstance(kernel, A.ExponentialKernel):
        k = {"lfa": 1.0, "captum": 2.0}[kernel.convention] * kernel.width**2
        c = np.full(d, 1 / k) if kernel.space == "binary" else (x - ref.point) ** 2 / k
    else:  # the cosine kernel, as torch computes it (norms' product floored at 1e-8)
        b = ref.point

        def cosine(z):
            h = np.where(np.array(z, bool), x, b)
            cos = float(x @ h) / max(float(np.linalg.norm(x) * np.linalg.norm(h)), 1e-8)
            return float(np.exp(-((1 - cos) ** 2) / (2 * kernel.width**2)))

        return cosine, None
    return (lambda z: float(np.exp(-np.sum(c * (1 - np.array(z)))))), c


def check_lime_binary_banzhaf(
    case: GameCase, kernel: Any, *, targets: dict | None = None
) -> CheckResult:
    """Binary LIME for a declared kernel: least squares over all masks = engine; for product
    kernels also = the weighted Banzhaf sum with p_i = 1/(1 + e^-c_i); uniform = Banzhaf."""
    t, f, x, ref = _engine(targets), case.f, case.x, case.reference
    d = f.dim
    game = hybrid_game(f, x, ref)
    weight, rates = _kernel_weights(kernel, x, ref)
    fit = brute_least_squares(game, d, weight)
    checks = {
        "engine vs least squares over all masks": (t["lime_binary"](f, x, ref, kernel).values, fit)
    }
    if rates is not None:
        checks["least squares vs weighted Banzhaf"] = (
            fit,
            brute_weighted_banzhaf(game, d, expit(rates)),
        )
    if isinstance(kernel, A.UniformKernel):
        checks["engine Banzhaf vs Banzhaf sum"] = (
            t["banzhaf_values"](f, x, ref).values,
            brute_banzhaf(game, d),
        )
    scale = _scale(fit, list(game.values()))
    gaps = {k: float(np.max(np.abs(np.asarray(v) - w))) for k, (v, w) in checks.items()}
    tols = dict.fromkeys(gaps, 1e-8 * scale * 2**d)
    return _verdict(
        "lime_binary_banzhaf",
        gaps,
        tols,
        {"fit": fit, "kernel": repr(kernel)},
        case,
        f"binary LIME with {kernel!r} matches",
        "mismatch",
    )


def _lime_kernel(case: GameCase):
    rng = np.random.default_rng(case.seed)
    kernels = [
        A.UniformKernel(),
        A.ProductKernel(rng.uniform(-2, 2, case.f.dim)),
        A.ExponentialKernel(rng.uniform(0.5, 2), "binary", str(rng.choice(["lfa", "captum"]))),
    ]
    if isinstance(case.reference, A.Baseline):
        kernels += [
            A.ExponentialKernel(rng.uniform(0.5, 2), "input", str(rng.choice(["lfa", "captum"]))),
            A.CosineKernel(rng.uniform(0.5, 2)),
        ]
    return kernels[int(rng.integers(len(kernels)))]


def _empty_value(f, ref) -> tuple[float, float]:
    """v(∅) independently: f(b), the weighted mean over rows, or the family's Gaussian mean."""
    if isinstance(ref, A.GaussianBackground):
        m = f.gaussian_moments(ref.mean, ref.cov)
        return float(np.asarray(m.mean).reshape(-1)[0]), float(
            np.asarray(m.mean_error).reshape(-1)[0]
        )
    rows, weights = _reference_rows(ref)
    return float(f(rows) @ weights), 0.0


def _swap(ref, d: int):
    P = np.arange(d)
    P[[0, 1]] = [1, 0]
    if isinstance(ref, A.Baseline):
        b = ref.point.copy()
        b[1] = b[0]
        return A.Baseline(b)
    if isinstance(ref, A.Background):
        return A.Background(np.concatenate([ref.rows, ref.rows[:, P]]), np.tile(ref.weights, 2))
    cov = ref.cov.matrix
    mean = ref.mean.copy()
    mean[1] = mean[0]
    return A.GaussianBackground(mean, (cov + cov[np.ix_(P, P)]) / 2, ref.value)


def check_shapley_axioms(case: GameCase, *, targets: dict | None = None) -> CheckResult:
    """Efficiency, null player (f ignores its last coordinate), symmetry, linearity; and the
    conditional Gaussian value of f = x1 in d = 2: phi_2 = rho x2 / 2 (mean 0, unit variances)."""
    t, f, x, ref = _engine(targets), case.f, case.x, case.reference
    d = f.dim
    phi = t["shapley_values"](f, x, ref)
    empty, empty_err = _empty_value(f, ref)
    gaps, tols = {}, {}
    scale = _scale(phi.values, f(x), empty)
    err = float(np.max(phi.error)) + _RTOL * scale * 2**d

    def add(name, gap, tol=err):
        gaps[name], tols[name] = float(gap), float(tol)

    add(
        "efficiency: sum phi = f(x) - v(empty)",
        abs(phi.values.sum() - (float(f(x)) - empty)),
        err * d + empty_err,
    )
    correlated = (
        isinstance(ref, A.GaussianBackground) and ref.value == "conditional" and not ref.independent
    )
    if not correlated:  # the conditional value of a correlated background credits unused features
        add("null player: phi_last = 0", abs(phi.values[-1]))
        add("null player (Banzhaf): beta_last = 0", abs(t["banzhaf_values"](f, x, ref).values[-1]))
    perm = [1, 0, *range(2, d)]
    sym = LinearCombination([(1.0, f), (1.0, reindex(f, perm, d))])
    xs = x.copy()
    xs[1] = xs[0]
    phs = t["shapley_values"](sym, xs, _swap(ref, d))
    add(
        "symmetry: phi_1 = phi_2 for f + f o swap",
        abs(phs.values[0] - phs.values[1]),
        float(np.max(phs.error)) * 2 + _RTOL * _scale(phs.values) * 2**d,
    )
    other = reindex(Polynomial({(1, 1): 1.0, (2, 0): -0.5}), [0, 1], d)
    mix = t["shapley_values"](LinearCombination([(2.0, f), (-1.5, other)]), x, ref)
    lin = 2.0 * phi.values - 1.5 * t["shapley_values"](other, x, ref).values
    add(
        "linearity: phi(2 f - 1.5 g) = 2 phi(f) - 1.5 phi(g)",
        np.max(np.abs(mix.values - lin)),
        3 * err + float(np.max(mix.error)),
    )
    rho = float(np.tanh(x[0]))  # a correlation in (-1, 1) from the case
    cond = A.GaussianBackground(np.zeros(2), [[1.0, rho], [rho, 1.0]], "conditional")
    x2 = x[:2]
    phi2 = t["shapley_values"](Polynomial({(1, 0): 1.0}), x2, cond).values[1]
    add("conditional value of f = x1: phi_2 = rho x2 / 2", abs(phi2 - rho * x2[1] / 2))
    return _verdict(
        "shapley_axioms",
        gaps,
        tols,
        {"phi": phi.values, "v_empty": empty},
        case,
        "efficiency, null player, symmetry, linearity and the conditional value hold",
        "an axiom fails",
    )


#: Additive agreement on generated additive functions, points and references.
ADDITIVE_AGREEMENT = StatementProperty(
    additive_cases,
    lambda c, seed: check_additive_agreement(c),
    lambda c: f"d={c.f.dim}, {type(c.reference).__name__}",
)
#: KernelSHAP's limits on generated functions (every family), points and references.
KERNELSHAP_SHAPLEY = StatementProperty(
    game_cases,
    lambda c, seed: check_kernelshap_shapley(c),
    lambda c: f"d={c.f.dim}, {type(c.f).__name__}, {type(c.reference).__name__}",
)
#: Binary LIME's target for a kernel drawn from the case (every convention, cosine included).
LIME_BINARY_BANZHAF = StatementProperty(
    game_cases,
    lambda c, seed: check_lime_binary_banzhaf(c, _lime_kernel(c)),
    lambda c: f"d={c.f.dim}, {type(_lime_kernel(c)).__name__}",
)
#: The axioms, with Gaussian backgrounds of both value functions.
SHAPLEY_AXIOMS = StatementProperty(
    axiom_cases,
    lambda c, seed: check_shapley_axioms(c),
    lambda c: (
        f"d={c.f.dim}, {type(c.reference).__name__}"
        + (f" ({c.reference.value})" if isinstance(c.reference, A.GaussianBackground) else "")
    ),
)

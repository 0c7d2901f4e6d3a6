"""Exact coalition targets: Shapley, Banzhaf, binary LIME, KernelSHAP's limits, occlusion.

Every function takes f (a :class:`verify.functions.Function`), points x of shape (..., d)
and a reference (:class:`Baseline`, :class:`Background`, :class:`GaussianBackground`, or a
plain vector meaning a baseline), plays the game v(S) = f(x_S, reference elsewhere)
(:mod:`.coalitions`) and returns an :class:`Attribution` with values of shape (..., d),
``value`` = f(x) = v(N) and ``reference_value`` = v(∅).

Exact means closed form or exact enumeration (never Monte Carlo): product games
(polynomials; RBF bumps with diagonal precision) under a baseline, background rows or an
independent Gaussian are solved in polynomial time for any d; other games are enumerated
over all 2^d coalitions up to d = 16 and refused beyond. The derivations are in
docs/math.md, "Local function approximation: exact targets".
"""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np
from scipy.special import expit

from ..functions import as_function
from ..validation import InputError, as_flag
from .coalitions import all_masks, check_enumerable, coalition_values
from .games import GamePart, TableGame, build_game
from .kernels import LimeKernel, as_kernel
from .products import ProductGame
from .references import Reference, as_reference
from .result import Attribution, as_batch, combine_methods
from .tables import (
    least_squares_operator,
    shapley_matrix,
    size_matrix,
    table_extension_gradient,
    weighted_least_squares,
)

__all__ = [
    "banzhaf_values",
    "kernel_shap_limit",
    "kernel_shap_penalised",
    "lime_binary",
    "occlusion",
    "shapley_values",
]

_POINTS_PER_CHUNK = 16


def shapley_values(f: Any, x: Any, reference: Any) -> Attribution:
    """Shapley values φ_i = Σ_{S∌i} |S|! (d − |S| − 1)! / d! (v(S ∪ i) − v(S)).

    Baseline reference: baseline Shapley (captum's ``KernelShap``/``ShapleyValues``
    target); Background rows: the interventional value (shap's ``KernelExplainer``);
    GaussianBackground: interventional or conditional as declared. Efficient:
    Σ φ = f(x) − v(∅).
    """
    return _solve(f, x, reference, "exact Shapley values", _shapley)


def banzhaf_values(f: Any, x: Any, reference: Any) -> Attribution:
    """Banzhaf values φ_i = 2^{1−d} Σ_{S∌i} (v(S ∪ i) − v(S)) (not efficient)."""
    return _solve(f, x, reference, "exact Banzhaf values", _banzhaf)


def lime_binary(f: Any, x: Any, reference: Any, kernel: LimeKernel | None = None) -> Attribution:
    """The population target of LIME on binary masks for a declared kernel convention.

    The slopes β of the weighted least-squares fit with intercept of v(z) on z over all
    2^d masks z (z_i = 1: feature i at x) with weights π(z) (:mod:`.kernels`). For a
    product kernel π(z) = exp(−Σ c_i (1 − z_i)) this is the weighted Banzhaf value with
    p_i = 1 / (1 + e^{−c_i}) (uniform kernel: the Banzhaf value), computed in closed form;
    a non-product kernel (the cosine one) is fitted over the enumerated masks (d <= 16).
    """
    kernel = as_kernel(kernel)

    def part_target(part: GamePart, X: np.ndarray, ref: Reference) -> np.ndarray:
        if kernel.product:
            rates = kernel.rates(X, ref)
            return _extension_gradient(part, expit(rates), expit(-rates))
        check_enumerable(X.shape[1], "binary LIME with a non-product kernel")
        masks = all_masks(X.shape[1])
        table = part.values if isinstance(part, TableGame) else part.table(masks)
        return weighted_least_squares(table, kernel.weights(X, ref, masks))

    def l1(part: TableGame, X: np.ndarray, ref: Reference) -> np.ndarray:
        if kernel.product:
            return np.full(X.shape, 2.0)
        masks = all_masks(X.shape[1])
        return np.abs(least_squares_operator(kernel.weights(X, ref, masks))).sum(axis=-1)

    return _solve(f, x, reference, "binary LIME", part_target, l1)


def kernel_shap_limit(f: Any, x: Any, reference: Any, constrained: bool = True) -> Attribution:
    """What KernelSHAP converges to: the Shapley-kernel weighted least-squares fit.

    The Shapley kernel weighs a coalition of size s, 0 < s < d, by
    (d − 1) / (C(d, s) s (d − s)). ``constrained=True``: v(∅) and v(N) are fitted exactly
    (the infinite kernel weight of ∅ and N); the fit is the Shapley value (Lundberg & Lee
    2017). ``constrained=False``: ∅ and N are left out and the intercept is free (a sampler
    that rarely draws them, e.g. uniform masks with n ≪ 2^d); the fit is

        φ_i + t,   t = Cov_P(|S|, v(S)) / Var_P(|S|) − (v(N) − v(∅)) / d,

    P the Shapley-kernel law on the proper coalitions, so every coordinate moves by
    gap / d, gap = Σ_i (φ_i + t) − (v(N) − v(∅)) (docs/math.md, "KernelSHAP's limits").
    Needs d >= 3 (for d <= 2 all proper coalitions have one size and the fit is singular).
    """
    constrained = as_flag(constrained, "constrained")
    if constrained:
        return _solve(f, x, reference, "the KernelSHAP limit", _shapley)
    _shapley_kernel_law(as_function(f).dim)  # refuse d < 3 before any work

    def part_target(part: GamePart, X: np.ndarray, ref: Reference) -> np.ndarray:
        _, per_coalition, var_s = _shapley_kernel_law(X.shape[1])
        d = X.shape[1]
        sizes = np.arange(d + 1)
        profile = _size_profile(part)  # (m, d + 1): e_s = Σ_{|S|=s} v(S)
        mean_v = profile @ per_coalition
        mean_sv = profile @ (per_coalition * sizes)
        gain = profile[:, d] - profile[:, 0]
        t = (mean_sv - (d / 2) * mean_v) / var_s - gain / d
        return _shapley(part, X, ref) + t[:, None]

    def l1(part: TableGame, X: np.ndarray, ref: Reference) -> np.ndarray:
        law, _, var_s = _shapley_kernel_law(X.shape[1])
        d = X.shape[1]
        return 2.0 + law @ np.abs(np.arange(d + 1) - d / 2) / var_s + 2.0 / d

    return _solve(f, x, reference, "the KernelSHAP limit", part_target, l1)


def kernel_shap_penalised(f: Any, x: Any, reference: Any, weight: float) -> Attribution:
    """The population fit of KernelSHAP whose ∅ and N carry a finite weight.

    ``weight`` = W / n: the weight W given to each of ∅ and N beside n coalitions drawn
    from the Shapley-kernel law P (captum's ``KernelShap``: W = 1e6). The fit stays on the
    line φ + t 1 through the Shapley value and the unconstrained limit β∞
    (:func:`kernel_shap_limit`, ``constrained=False``):

        β = φ + ρ (β∞ − φ),   ρ = 1 / (1 + weight d² / (2 Var_P |S|)),

    so the efficiency gap is gap∞ ρ: 0 as weight → ∞ (the constrained fit), growing with
    n / W (docs/math.md, "KernelSHAP's limits"). For d <= 2 every proper coalition has one
    size and the fit is the Shapley value whatever the weight.
    """
    weight = float(weight)
    if not np.isfinite(weight) or weight < 0:
        raise InputError(f"weight = W / n must be finite and >= 0, got {weight!r}")
    exact = shapley_values(f, x, reference)
    d = np.shape(exact.values)[-1]
    if d < 3:
        return exact
    _, _, var_s = _shapley_kernel_law(d)
    rho = 1.0 / (1.0 + weight * d * d / (2.0 * var_s))
    limit = kernel_shap_limit(f, x, reference, constrained=False)
    values = exact.values + rho * (limit.values - exact.values)
    error = np.asarray(exact.error) + rho * np.asarray(limit.error)
    return Attribution(
        values,
        f"KernelSHAP, penalty weight W/n = {weight:.3g}",
        error,
        exact.value,
        exact.reference_value,
    )


def _shapley_kernel_law(d: int) -> tuple[np.ndarray, np.ndarray, float]:
    """P(|S| = s) ∝ 1/(s (d − s)) on 0 < s < d, P per coalition, and Var_P(|S|)."""
    if d < 3:
        raise InputError(
            f"the unconstrained Shapley-kernel regression is singular for d = {d}: every "
            "coalition other than the empty and the full one has the same size; use "
            "constrained=True"
        )
    sizes = np.arange(d + 1)
    law = np.zeros(d + 1)
    law[1:d] = 1.0 / (sizes[1:d] * (d - sizes[1:d]))
    law /= law.sum()
    per_coalition = law / np.array([comb(d, s) for s in sizes], dtype=float)
    return law, per_coalition, float(law @ sizes**2 - (d / 2) ** 2)


def occlusion(f: Any, x: Any, reference: Any) -> Attribution:
    """f(x) − v(N ∖ {i}): the output change when feature i alone goes to the reference.

    Any d (d + 2 coalitions per point). With a Baseline this is captum's ``Occlusion`` with
    one-feature windows (and ``FeatureAblation``); ``reference_value`` is v(∅).
    """
    f, X, lead = as_batch(f, x)
    ref = as_reference(reference, f.dim)
    d = f.dim
    masks = np.concatenate([np.ones((1, d), bool), ~np.eye(d, dtype=bool), np.zeros((1, d), bool)])
    values, errors, method = coalition_values(f, X, ref, masks)
    attributions = values[:, :1] - values[:, 1 : d + 1]
    error = errors[:, :1] + errors[:, 1 : d + 1]
    return Attribution(
        attributions.reshape(*lead, d),
        method,
        error.reshape(*lead, d),
        values[:, 0].reshape(lead),
        values[:, -1].reshape(lead),
    )


# -- the machinery --------------------------------------------------------------------
def _solve(f: Any, x: Any, reference: Any, what: str, target, l1=None) -> Attribution:
    """Apply a linear ``target(part, X, ref)`` to every part of the game and sum.

    Errors (non-zero only for Gaussian values of links without a closed form) are bounded
    by ``l1(part, X, ref)`` (Σ_S |coefficient of v(S)|, per feature; 2 by default, exact
    for Shapley and every weighted Banzhaf value) times the largest value error.
    """
    f, X, lead = as_batch(f, x)
    ref = as_reference(reference, f.dim)
    d = f.dim
    values, errors = np.zeros((X.shape[0], d)), np.zeros((X.shape[0], d))
    empty = np.zeros(X.shape[0])
    methods: list[str] = []
    for start in range(0, X.shape[0], _POINTS_PER_CHUNK):
        sl = slice(start, start + _POINTS_PER_CHUNK)
        for part in build_game(f, X[sl], ref, what):
            values[sl] += target(part, X[sl], ref)
            empty[sl] += _empty_value(part)
            if isinstance(part, ProductGame):
                methods.append("closed form")
                continue
            methods.append(part.method)
            if np.any(part.errors):
                factor = 2.0 if l1 is None else l1(part, X[sl], ref)
                errors[sl] += factor * np.max(part.errors, axis=1)[:, None]
    method = combine_methods(methods) if methods else "closed form"
    return Attribution(
        values.reshape(*lead, d),
        method,
        errors.reshape(*lead, d),
        f(X).reshape(lead),
        empty.reshape(lead),
    )


def _empty_value(part: GamePart) -> np.ndarray:
    return part.empty_value() if isinstance(part, ProductGame) else part.values[:, 0]


def _size_profile(part: GamePart) -> np.ndarray:
    if isinstance(part, ProductGame):
        return part.size_profile()
    return part.values @ size_matrix(part.dim)


def _shapley(part: GamePart, X: np.ndarray, ref: Reference) -> np.ndarray:
    if isinstance(part, ProductGame):
        return part.shapley()
    return part.values @ shapley_matrix(part.dim)


def _banzhaf(part: GamePart, X: np.ndarray, ref: Reference) -> np.ndarray:
    half = np.full(X.shape, 0.5)
    return _extension_gradient(part, half, half)


def _extension_gradient(part: GamePart, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    if isinstance(part, ProductGame):
        return part.extension_gradient(p, q)
    return table_extension_gradient(part.values, p, q)

"""A second catalogue of broken explainers: realistic mistakes that hide outside a fixed exam.

Each is wrong only somewhere a user's explainer goes and a fixed battery did not
(d >= 4, odd n, n above 4,000, far from the origin, integer inputs, a call after
another call, neighbouring seeds, float32 arithmetic). Each entry is
(explainer, the check that targets the mistake, a phrase its failure message must
contain); every explainer declares what a correct implementation would declare.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from properties.conformance import Explainer
from verify import estimators
from verify.validation import as_covariance


def _setup(f: Any, x0: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(x0, dtype=float), as_covariance(cov, f.dim)


def correlations_ignored_in_high_d(f, x0, cov, n, seed):
    """A 'fast path' from d >= 4 on: per-feature standard deviations, correlations dropped."""
    x0, cov = _setup(f, x0, cov)
    u = np.random.default_rng(seed).standard_normal((n, f.dim))
    if f.dim >= 4:
        z = u * np.sqrt(np.diag(cov))
    else:
        z = u @ np.linalg.cholesky(cov).T
    return f.gradient(x0 + z).mean(axis=0)


def antithetic_odd_n(f, x0, cov, n, seed):
    """Antithetic pairs (z, -z) for n // 2 draws; an odd n loses its unpaired draw, still / n."""
    x0, cov = _setup(f, x0, cov)
    half = estimators.draw_noise(cov, max(n // 2, 1), seed)[: n // 2]
    z = np.concatenate([half, -half])
    return f.gradient(x0 + z).sum(axis=0) / n


def capped_at_5000(f, x0, cov, n, seed):
    """n silently capped at 5,000 (a memory guard), above anything a fixed exam asked for."""
    return estimators.smoothgrad(f, x0, cov, min(n, 5000), seed)


_CACHE: dict[tuple[int, int, int], np.ndarray] = {}


def cache_keyed_on_f(f, x0, cov, n, seed):
    """Memoised on (model, n, seed): the point is not part of the key."""
    key = (id(f), n, seed)
    if key not in _CACHE:
        _CACHE[key] = estimators.smoothgrad(f, x0, cov, n, seed)
    return _CACHE[key].copy()


def seed_plus_i(f, x0, cov, n, seed):
    """One generator per draw, seeded seed + i: seeds s and s + 1 share n - 1 of their draws."""
    x0, cov = _setup(f, x0, cov)
    u = np.array([np.random.default_rng(seed + i).standard_normal(f.dim) for i in range(n)])
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


_BANK = np.random.default_rng(20261128).standard_normal((1 << 16, 8))


def noise_bank(f, x0, cov, n, seed):
    """A precomputed noise bank sliced at offset seed (wrapping): neighbouring seeds overlap."""
    x0, cov = _setup(f, x0, cov)
    rows = (seed + np.arange(n)) % len(_BANK)
    if f.dim > _BANK.shape[1]:
        raise ValueError("the bank holds 8 features")
    u = _BANK[rows, : f.dim]
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def uncentred_normal_equations_float32(f, x0, cov, n, seed):
    """C-LIME by the normal equations on the raw design [x, 1], in float32, no centring."""
    x0, cov = _setup(f, x0, cov)
    a = x0 + estimators.draw_noise(cov, n, seed)
    design = np.column_stack([a, np.ones(n)]).astype(np.float32)
    y = f(a).astype(np.float32)
    beta = np.linalg.solve(design.T @ design, design.T @ y)
    return beta[: f.dim].astype(np.float64)


def integer_truncation(f, x0, cov, n, seed):
    """The output array is made like x0: integer inputs truncate the explanation."""
    out = np.zeros_like(np.asarray(x0))
    out[:] = estimators.smoothgrad(f, np.asarray(x0, dtype=float), cov, n, seed)
    return out


def undeclared_float32(f, x0, cov, n, seed):
    """SmoothGrad in float32 (a torch model's default) while declaring float64."""
    x0, cov = _setup(f, x0, cov)
    z = estimators.draw_noise(cov, n, seed).astype(np.float32)
    points = (x0.astype(np.float32) + z).astype(np.float64)
    return f.gradient(points).astype(np.float32).mean(axis=0, dtype=np.float32).astype(float)


def transposed_cholesky(f, x0, cov, n, seed):
    """z = u L instead of u L^T: the noise covariance is L^T L, not cov."""
    x0, cov = _setup(f, x0, cov)
    u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return f.gradient(x0 + u @ np.linalg.cholesky(cov)).mean(axis=0)


def kernel_without_sqrt(f, x0, cov, n, seed):
    """Kernel LIME with weights exp(-d^2 / kw^2): lime's kernel without its square root."""
    x0, cov = _setup(f, x0, cov)
    z = estimators.draw_noise(cov, n, seed)
    pi = np.exp(-np.sum(z * z, axis=1) / 1.5**2)
    w = pi / pi.sum()
    zc = z - w @ z
    y = f(x0 + z)
    yc = y - w @ y
    return np.linalg.solve((zc * w[:, None]).T @ zc, (zc * w[:, None]).T @ yc)


def alpha_as_lambda(f, x0, cov, n, seed):
    """Declares sklearn's Ridge(alpha=1) but penalises the mean loss with lambda = alpha."""
    return estimators.clime(f, x0, cov, n, seed, ridge=1.0)


def last_batch_dropped(f, x0, cov, n, seed):
    """Gradients in batches of 8; the last partial batch is dropped, the sum still / n."""
    x0, cov = _setup(f, x0, cov)
    z = estimators.draw_noise(cov, n, seed)
    total = np.zeros(f.dim)
    for start in range(0, n - n % 8, 8):
        total += f.gradient(x0 + z[start : start + 8]).sum(axis=0)
    return total / n


def unit_jitter(f, x0, cov, n, seed):
    """Noise drawn with cov + I: a unit 'stability' jitter in input units, smoothing too much."""
    x0, cov = _setup(f, x0, cov)
    return estimators.smoothgrad(f, x0, cov + np.eye(f.dim), n, seed)


def _grad(fn, **tags) -> Explainer:
    return Explainer(fn, **{"kind": "gradient", "covariance": "full", "stochastic": True, **tags})


def _pert(fn, **tags) -> Explainer:
    base = {"kind": "perturbation", "covariance": "full", "stochastic": True}
    return Explainer(fn, **{**base, **tags})


# (explainer, the check that targets the mistake, phrase in its failure message)
CATALOGUE: list[tuple[Explainer, str, str]] = [
    (_grad(correlations_ignored_in_high_d), "check_correlated_covariance", "Cholesky"),
    (_grad(antithetic_odd_n), "check_proportionality_affine", "odd n"),
    (_grad(capped_at_5000), "check_rate", "n silently capped"),
    (_grad(cache_keyed_on_f), "check_repeated_calls", "cache keyed on f"),
    (_grad(seed_plus_i), "check_seed_independence", "neighbouring seeds"),
    (_grad(noise_bank), "check_seed_independence", "neighbouring seeds"),
    (
        _pert(uncentred_normal_equations_float32, precision="float32"),
        "check_translation_equivariance",
        "far from the origin",
    ),
    (_grad(integer_truncation), "check_output_contract", "integer inputs truncate"),
    (_grad(undeclared_float32), "check_translation_equivariance", "precision='float32'"),
    (_grad(transposed_cholesky), "check_correlated_covariance", "Cholesky"),
    (_pert(kernel_without_sqrt, kernel_width=1.5), "check_convergence", "kernel"),
    (_pert(alpha_as_lambda, ridge_alpha=1.0), "check_proportionality_affine", "declared ridge"),
    (_grad(last_batch_dropped), "check_proportionality_affine", "O(1/n) bias"),
    (_grad(unit_jitter), "check_lipschitz_bound", "smoothed more than declared"),
]

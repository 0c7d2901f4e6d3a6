"""A second catalogue of broken explainers: realistic mistakes that hide outside a fixed exam.

Each is wrong only somewhere a user's explainer goes and a fixed battery did not
(d >= 4, odd n, n above 4,000, far from the origin, integer inputs, a call after
another call, neighbouring seeds, float32 arithmetic). Each entry is
(explainer, the check that targets the mistake, a phrase its failure message must
contain); every explainer declares what a correct implementation would declare.
"""

from __future__ import annotations

import pickle
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


# -- What callers do: state across calls, large n, processes, seeds, laws (issue 19) --------
_CACHES: dict[str, dict] = {"cov": {}, "repr": {}, "own": {}}
_BUFFERS: dict[int, np.ndarray] = {}


def _weights(f) -> bytes:
    """The model with all its parameters, as bytes (a key that does tell models apart)."""
    return pickle.dumps(f)


def cache_without_cov(f, x0, cov, n, seed):
    """Memoised on (model, point, n, seed): cov is not in the key (a sigma sweep is stale)."""
    key = (_weights(f), np.asarray(x0, dtype=float).tobytes(), n, seed)
    if key not in _CACHES["cov"]:
        _CACHES["cov"][key] = estimators.smoothgrad(f, x0, cov, n, seed)
    return _CACHES["cov"][key].copy()


def cache_on_repr(f, x0, cov, n, seed):
    """Memoised on repr(model): two models of one family and shape share their entries."""
    x0, cov = np.asarray(x0, dtype=float), np.asarray(cov, dtype=float)
    key = (repr(f), x0.tobytes(), cov.tobytes(), n, seed)
    if key not in _CACHES["repr"]:
        _CACHES["repr"][key] = estimators.smoothgrad(f, x0, cov, n, seed)
    return _CACHES["repr"][key].copy()


def cache_returns_own_array(f, x0, cov, n, seed):
    """A complete cache key, but the cached array itself is returned (no copy)."""
    x0, cov = np.asarray(x0, dtype=float), np.asarray(cov, dtype=float)
    key = (_weights(f), x0.tobytes(), cov.tobytes(), n, seed)
    if key not in _CACHES["own"]:
        _CACHES["own"][key] = estimators.smoothgrad(f, x0, cov, n, seed)
    return _CACHES["own"][key]


def output_buffer_reused(f, x0, cov, n, seed):
    """One preallocated output array per dimension, filled and returned by every call."""
    out = _BUFFERS.setdefault(f.dim, np.zeros(f.dim))
    out[:] = estimators.smoothgrad(f, x0, cov, n, seed)
    return out


def last_chunk_dropped(f, x0, cov, n, seed):
    """Chunks of 4,096 draws; the last partial chunk is dropped, the sum still divided by n."""
    x0, cov = _setup(f, x0, cov)
    z = estimators.draw_noise(cov, n, seed)
    full = n - n % 4096 if n >= 4096 else n
    return f.gradient(x0 + z[:full]).sum(axis=0) / n


def sobol_blocks_above_4096(f, x0, cov, n, seed):
    """Scrambled Sobol in whole blocks of 4,096 points above n = 4,096: the rest is dropped."""
    from verify.quadrature import sobol_normals

    x0, cov = _setup(f, x0, cov)
    used = n if n <= 4096 else n - n % 4096
    z = sobol_normals(f.dim, used, seed) @ np.linalg.cholesky(cov).T
    return f.gradient(x0 + z).mean(axis=0)


_NOISE_CACHE: dict[tuple[int, int], np.ndarray] = {}


def noise_cache_above_20000(f, x0, cov, n, seed):
    """Above n = 20,000 the unit noise comes from a cache keyed on (n, d): the seed is lost."""
    x0, cov = _setup(f, x0, cov)
    if n > 20000:
        u = _NOISE_CACHE.setdefault(
            (n, f.dim), np.random.default_rng(n).standard_normal((n, f.dim))
        )
    else:
        u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def global_rng_above_30000(f, x0, cov, n, seed):
    """Above n = 30,000 a 'fast path' draws from numpy's global generator."""
    x0, cov = _setup(f, x0, cov)
    if n > 30000:
        u = np.random.standard_normal((n, f.dim))  # noqa: NPY002
    else:
        u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def hash_seeded(f, x0, cov, n, seed):
    """The generator is seeded with hash(("smoothgrad", seed)): other noise in each process."""
    return estimators.smoothgrad(f, x0, cov, n, hash(("smoothgrad", seed)) % 2**32)


def per_feature_streams(f, x0, cov, n, seed):
    """One generator per feature, seeded seed + j: feature j + 1 of seed s is feature j of s + 1."""
    x0, cov = _setup(f, x0, cov)
    u = np.column_stack([np.random.default_rng(seed + j).standard_normal(n) for j in range(f.dim)])
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def antithetic_across_seeds(f, x0, cov, n, seed):
    """Variance reduction across calls: an odd seed reuses the noise of seed - 1, negated."""
    x0, cov = _setup(f, x0, cov)
    u = np.random.default_rng(seed - seed % 2).standard_normal((n, f.dim))
    u = -u if seed % 2 else u
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def logistic_first_axis(f, x0, cov, n, seed):
    """A 'fast normal' on the first axis: a logistic of unit variance (right mean and variance)."""
    x0, cov = _setup(f, x0, cov)
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((n, f.dim))
    p = rng.uniform(1e-12, 1 - 1e-12, size=n)
    u[:, 0] = np.log(p / (1 - p)) * np.sqrt(3) / np.pi
    return f.gradient(x0 + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def cholesky_jitter(f, x0, cov, n, seed):
    """A 'stabilising' jitter: noise of cov + 1e-6 (trace(cov) / d) I (the smallest axis grows)."""
    x0, cov = _setup(f, x0, cov)
    jitter = 1e-6 * np.trace(cov) / f.dim
    return estimators.smoothgrad(f, x0, cov + jitter * np.eye(f.dim), n, seed)


def eigenvalues_floored(f, x0, cov, n, seed):
    """An eigen square root with eigenvalues floored at 1e-5 of the largest ('for stability')."""
    x0, cov = _setup(f, x0, cov)
    lam, vec = np.linalg.eigh(cov)
    lam = np.maximum(lam, 1e-5 * lam[-1])
    u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return f.gradient(x0 + (u * np.sqrt(lam)) @ vec.T).mean(axis=0)


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

# The mistakes of issue 19: what callers do, large n, processes, seeds, one-axis laws.
CALLERS: list[tuple[Explainer, str, str]] = [
    (_grad(cache_without_cov), "check_repeated_calls", "forgets cov"),
    (_grad(cache_on_repr), "check_repeated_calls", "repr"),
    (_grad(cache_returns_own_array), "check_repeated_calls", "returns its own (cached) array"),
    (_grad(output_buffer_reused), "check_repeated_calls", "keeps and reuses"),
    (_grad(last_chunk_dropped), "check_proportionality_affine", "last partial batch dropped"),
    (_grad(sobol_blocks_above_4096), "check_seed_sensitivity", "n is not the number of draws"),
    (_grad(noise_cache_above_20000), "check_seed_sensitivity", "switches on above some n"),
    (_grad(global_rng_above_30000), "check_seed_reproducibility", "switches on above some n"),
    (_grad(hash_seeded), "check_process_replay", "PYTHONHASHSEED"),
    (_grad(per_feature_streams), "check_seed_independence", "per-feature noise streams"),
    (_grad(antithetic_across_seeds), "check_seed_independence", "antithetic"),
    (_grad(logistic_first_axis), "check_convergence", "not Gaussian"),
    (_grad(cholesky_jitter), "check_correlated_covariance", "factor"),
    (_grad(eigenvalues_floored), "check_correlated_covariance", "factor"),
]

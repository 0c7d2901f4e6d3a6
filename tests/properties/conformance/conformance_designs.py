"""Correct but unusual explainers: each must pass the battery (no false alarm).

They differ from the references (properties/conformance/references.py) in how they draw
or use the noise, so identities that hold call by call for the references hold for them
only in expectation (numpy's multivariate_normal, an eigen square root, noise seeded per
instance, stratification along a principal axis, Stein's identity), or they reach the
answer another way (sklearn's LinearRegression with kernel weights, torch float64
autograd, chunked streaming, Latin hypercube and scrambled Halton points). Every
``explain`` is a module-level function, so each pickles and replays in another
interpreter.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from scipy import stats
from scipy.linalg import cho_factor, cho_solve
from scipy.stats import qmc

from properties.conformance import Explainer
from verify.validation import InputError, as_covariance, as_points


def _checked(f: Any, x0: Any, cov: Any, n: Any) -> tuple[np.ndarray, np.ndarray, int]:
    points, single = as_points(x0, f.dim)
    if not single:
        raise InputError(f"x0 must have shape ({f.dim},)")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n must be a positive int, got {n!r}")
    return points[0], as_covariance(cov, f.dim), int(n)


def _mean_gradient(f: Any, x0: np.ndarray, z: np.ndarray) -> np.ndarray:
    return f.gradient(x0 + z).mean(axis=0)


def mvn_smoothgrad(f, x0, cov, n, seed):
    """numpy's one-liner: rng.multivariate_normal(x0, cov, n) (an SVD factor)."""
    x0, cov, n = _checked(f, x0, cov, n)
    points = np.random.default_rng(seed).multivariate_normal(x0, cov, n)
    return f.gradient(points).mean(axis=0)


def eigen_root_smoothgrad(f, x0, cov, n, seed):
    """z = u S with S = V diag(sqrt(lambda)) V^T, the symmetric square root (eigh)."""
    x0, cov, n = _checked(f, x0, cov, n)
    lam, vec = np.linalg.eigh(cov)
    root = (vec * np.sqrt(np.maximum(lam, 0.0))) @ vec.T
    u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return _mean_gradient(f, x0, u @ root)


def per_instance_smoothgrad(f, x0, cov, n, seed):
    """Noise seeded per instance: the generator mixes the seed with a digest of x0."""
    x0, cov, n = _checked(f, x0, cov, n)
    instance = zlib.crc32(np.ascontiguousarray(x0, dtype=float).tobytes())
    u = np.random.default_rng([seed, instance]).standard_normal((n, f.dim))
    return _mean_gradient(f, x0, u @ np.linalg.cholesky(cov).T)


def stein_smoothgrad(f, x0, cov, n, seed):
    """Zeroth order (Stein's identity): mean of (f(x0 + z) - f(x0 - z)) / 2 Sigma^-1 z."""
    x0, cov, n = _checked(f, x0, cov, n)
    z = np.random.default_rng(seed).standard_normal((n, f.dim)) @ np.linalg.cholesky(cov).T
    weights = (f(x0 + z) - f(x0 - z)) / 2
    return cho_solve(cho_factor(cov), z.T @ weights / n)


def principal_axis_smoothgrad(f, x0, cov, n, seed):
    """Stratified along the first principal axis (one draw per 1/n quantile), normal
    elsewhere, through the eigen decomposition."""
    x0, cov, n = _checked(f, x0, cov, n)
    rng = np.random.default_rng(seed)
    lam, vec = np.linalg.eigh(cov)
    u = rng.standard_normal((n, f.dim))
    u[:, -1] = stats.norm.ppf((rng.permutation(n) + rng.uniform(size=n)) / n)
    return _mean_gradient(f, x0, (u * np.sqrt(np.maximum(lam, 0.0))) @ vec.T)


def chunked_smoothgrad(f, x0, cov, n, seed):
    """Gradients in chunks of 4,096 draws from one generator, the last chunk partial."""
    x0, cov, n = _checked(f, x0, cov, n)
    rng = np.random.default_rng(seed)
    chol_t = np.linalg.cholesky(cov).T
    total = np.zeros(f.dim)
    for start in range(0, n, 4096):
        z = rng.standard_normal((min(4096, n - start), f.dim)) @ chol_t
        total += f.gradient(x0 + z).sum(axis=0)
    return total / n


def latin_hypercube_smoothgrad(f, x0, cov, n, seed):
    """Latin hypercube points mapped through the normal quantile (scipy.stats.qmc)."""
    x0, cov, n = _checked(f, x0, cov, n)
    points = qmc.LatinHypercube(d=f.dim, seed=np.random.default_rng(seed)).random(n)
    u = stats.norm.ppf(np.clip(points, 1e-300, 1 - 1e-16))
    return _mean_gradient(f, x0, u @ np.linalg.cholesky(cov).T)


def halton_smoothgrad(f, x0, cov, n, seed):
    """Scrambled Halton points (randomised QMC, any n) through the normal quantile."""
    x0, cov, n = _checked(f, x0, cov, n)
    points = qmc.Halton(d=f.dim, scramble=True, seed=np.random.default_rng(seed)).random(n)
    u = stats.norm.ppf(np.clip(points, 1e-300, 1 - 1e-16))
    return _mean_gradient(f, x0, u @ np.linalg.cholesky(cov).T)


KERNEL_WIDTH = 1.5


def sklearn_kernel_clime(f, x0, cov, n, seed):
    """C-LIME with a Gaussian kernel by sklearn's LinearRegression(sample_weight=pi)."""
    from sklearn.linear_model import LinearRegression

    x0, cov, n = _checked(f, x0, cov, n)
    if n < f.dim + 2:
        raise InputError(f"a fit needs n >= d + 2 = {f.dim + 2}, got {n}")
    z = np.random.default_rng(seed).standard_normal((n, f.dim)) @ np.linalg.cholesky(cov).T
    log_pi = -np.sum(z * z, axis=1) / (2 * KERNEL_WIDTH**2)
    pi = np.exp(log_pi - log_pi.max())
    model = LinearRegression().fit(x0 + z, f(x0 + z), sample_weight=pi)
    return np.asarray(model.coef_, dtype=float)


def torch_float64_smoothgrad(f, x0, cov, n, seed):
    """SmoothGrad in torch float64: torch's generator, f's exact gradient through autograd."""
    import torch

    x0, cov, n = _checked(f, x0, cov, n)
    gen = torch.Generator().manual_seed(int(seed))
    chol = torch.from_numpy(np.linalg.cholesky(cov))
    u = torch.randn((n, f.dim), generator=gen, dtype=torch.float64)
    points = (torch.from_numpy(x0) + u @ chol.T).requires_grad_(True)
    grad = torch.from_numpy(f.gradient(points.detach().numpy()))
    values = (points * grad).sum()  # d values / d points = the numpy gradient, row by row
    (g,) = torch.autograd.grad(values, points)
    return g.mean(dim=0).numpy()


def _grad(fn: Any, **tags: Any) -> Explainer:
    base = {"kind": "gradient", "covariance": "full", "stochastic": True, "name": fn.__name__}
    return Explainer(fn, **{**base, **tags})


def designs(torch: bool = True) -> list[Explainer]:
    """The correct designs (torch's only when asked and installed)."""
    out = [
        _grad(mvn_smoothgrad),
        _grad(eigen_root_smoothgrad),
        _grad(per_instance_smoothgrad),
        _grad(stein_smoothgrad, exact=False),
        _grad(principal_axis_smoothgrad),
        _grad(chunked_smoothgrad),
        _grad(latin_hypercube_smoothgrad),
        _grad(halton_smoothgrad),
        Explainer(
            sklearn_kernel_clime,
            kind="perturbation",
            covariance="full",
            stochastic=True,
            kernel_width=KERNEL_WIDTH,
            name="sklearn_kernel_clime",
        ),
    ]
    if torch:
        try:
            import torch as _torch  # noqa: F401
        except ImportError:
            return out
        out.append(_grad(torch_float64_smoothgrad))
    return out

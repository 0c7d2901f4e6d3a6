"""Numeric Gaussian expectations for functions with no closed form.

Two routes, each reporting its own error estimate:

* tensor Gauss-Hermite quadrature (smooth f, d <= 3): exact for polynomials up to degree
  2*order - 1; error estimated by comparing ``order`` with ``order // 2``;
* randomised quasi-Monte Carlo (scrambled Sobol, independent replicates): the
  error bar is the standard error across replicates.

Both evaluate on x = x0 + L t with cov = L L^T, vectorised over points and
nodes, chunked to bound memory. ``chol`` is the lower factor L, or a
:class:`~verify.covariance.Covariance` (whose factor is used: nothing is factorised here).
"""

from __future__ import annotations

import itertools
import warnings
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import qmc

from .covariance import Covariance
from .moments import GaussianMoments
from .validation import as_count

# ``f`` below is any object with the family protocol's ``f(X)`` and ``f.gradient(X)``
# (verify.functions.base.Function); typed loosely so the families can build on this module.
Function = Any

__all__ = ["numeric_moments", "qmc_moments", "sobol_normals", "tensor_gauss_hermite_moments"]

_MAX_CHUNK_VALUES = 4_000_000  # points x nodes x d held in memory at once


def _factor(chol: np.ndarray | Covariance) -> np.ndarray:
    return chol.cholesky if isinstance(chol, Covariance) else np.asarray(chol, dtype=float)


def _moments_on_nodes(
    f: Function, X0: np.ndarray, chol: np.ndarray | Covariance, t: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted sums of f, grad f and z*f over standard-normal nodes t (Q, d)."""
    m, d = X0.shape
    z = t @ _factor(chol).T  # (Q, d): offsets shared by every point
    chunk = max(1, _MAX_CHUNK_VALUES // max(1, t.shape[0] * d))
    mean = np.empty(m)
    grad = np.empty((m, d))
    cov = np.empty((m, d))
    for start in range(0, m, chunk):
        pts = X0[start : start + chunk, None, :] + z  # (c, Q, d)
        values = f(pts)
        mu = values @ w
        mean[start : start + chunk] = mu
        grad[start : start + chunk] = np.einsum("cqd,q->cd", f.gradient(pts), w)
        # E[z f] = E[z (f - E f)]: centring cuts the quadrature/QMC variance.
        cov[start : start + chunk] = ((values - mu[:, None]) * w) @ z
    return mean, grad, cov


@lru_cache(maxsize=16)
def _hermite_grid(order: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    # Cached (read-only): the nodes cost an eigenvalue problem of size ``order``.
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    weights = weights / np.sqrt(2 * np.pi)
    t = np.array(list(itertools.product(nodes, repeat=d)))
    w = np.prod(np.array(list(itertools.product(weights, repeat=d))), axis=1)
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w


def tensor_gauss_hermite_moments(
    f: Function, X0: np.ndarray, chol: np.ndarray | Covariance, order: int = 48
) -> GaussianMoments:
    """Moments by tensor Gauss-Hermite quadrature; error = |Q(order) - Q(order//2)|."""
    order = as_count(order, "order (nodes per axis)", minimum=2)
    d = X0.shape[1]
    fine = _moments_on_nodes(f, X0, chol, *_hermite_grid(order, d))
    coarse = _moments_on_nodes(f, X0, chol, *_hermite_grid(order // 2, d))
    errors = [np.abs(a - b) for a, b in zip(fine, coarse, strict=True)]
    return GaussianMoments(*fine, f"gauss-hermite tensor (order {order})", *errors)


def sobol_normals(d: int, n: int, seed: int | np.random.Generator) -> np.ndarray:
    """n scrambled-Sobol points mapped to N(0, I_d): shape (n, d).

    The scrambling is drawn from ``seed`` (an int, or a Generator whose state
    advances, so successive calls give independent replicates). Any n is
    accepted; powers of two keep Sobol's balance properties.
    """
    d, n = as_count(d, "d"), as_count(n, "n (the number of points)")
    if not isinstance(seed, np.random.Generator):
        seed = as_count(seed, "seed", minimum=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance needs n = 2^m; still unbiased
        u = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    return ndtri(np.clip(u, 1e-16, 1 - 1e-16))


def qmc_moments(
    f: Function,
    X0: np.ndarray,
    chol: np.ndarray | Covariance,
    log2_points: int = 12,
    replicates: int = 16,
    seed: int = 0,
) -> GaussianMoments:
    """Moments by randomised QMC: mean over scrambled-Sobol replicates, with standard errors."""
    log2_points = as_count(log2_points, "log2_points")
    # Two replicates at least: the error bar is their standard error.
    replicates = as_count(replicates, "replicates", minimum=2)
    d = X0.shape[1]
    rng = np.random.default_rng(as_count(seed, "seed", minimum=0))
    estimates = []
    for _ in range(replicates):
        t = sobol_normals(d, 2**log2_points, rng)
        w = np.full(t.shape[0], 1.0 / t.shape[0])
        estimates.append(_moments_on_nodes(f, X0, chol, t, w))
    stacked = [np.stack(parts) for parts in zip(*estimates, strict=True)]
    means = [s.mean(axis=0) for s in stacked]
    errors = [s.std(axis=0, ddof=1) / np.sqrt(replicates) for s in stacked]
    label = f"qmc (scrambled Sobol, {replicates} x 2^{log2_points} points, seed {seed})"
    return GaussianMoments(*means, label, *errors)


def numeric_moments(f: Function, X0: np.ndarray, chol: np.ndarray | Covariance) -> GaussianMoments:
    """Tensor quadrature for smooth f in d <= 3, randomised QMC otherwise.

    Gauss-Hermite converges slowly across kinks (relu, elu) and its two-order
    error estimate is then unreliable; QMC's replicate error bar stays honest.
    """
    d = X0.shape[1]
    if not f.smooth or d > 3:
        return qmc_moments(f, X0, chol)
    if d <= 2:
        return tensor_gauss_hermite_moments(f, X0, chol, order=64)
    return tensor_gauss_hermite_moments(f, X0, chol, order=32)

"""Asymptotic variances of the empirical explanations (docs/math.md, Theorem 3).

* :func:`sandwich_variance`: the population sandwich variance of C-LIME,
  V = Sigma^{-1} E[r^2 z z^T] Sigma^{-1} with r = f(x0 + z) - E f - w*^T z, so
  that n E||C-LIME_n - C-LIME||^2 -> tr V; E f and w* are exact (closed form or
  quadrature), the expectation is by randomised QMC with an error bar.
* :func:`clime_influence`: the per-sample influence values of the empirical
  (ridge, kernel-weighted) C-LIME on a given sample, whose covariance over n is
  the sandwich variance estimated from that sample.

(SmoothGrad needs no such machinery: n E||SG_n - SG||^2 = tr Cov(grad f) exactly.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import closed_form
from .functions import Function
from .quadrature import sobol_normals
from .validation import as_points

__all__ = ["clime_influence", "sandwich_variance"]


def sandwich_variance(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    *,
    log2_points: int = 12,
    replicates: int = 8,
    seed: int = 0,
) -> tuple[np.ndarray, float]:
    """V = Sigma^{-1} E[r^2 z z^T] Sigma^{-1}, r = f(x0 + z) - E f - w*^T z.

    Parameters
    ----------
    f : Function
    x0 : ndarray, shape (d,)
    cov : ndarray, shape (d, d)
    log2_points : int
        2^log2_points scrambled-Sobol points per replicate.
    replicates : int
        Independent scramblings (their spread gives the error bar).
    seed : int

    Returns
    -------
    V : ndarray, shape (d, d)
    tr_v_error : float
        Standard error of tr V across the QMC replicates.
    """
    d = f.dim
    truth = closed_form.ground_truth(f, x0, cov)
    mean, w_star = float(truth.moments.mean[0]), truth.clime[0]
    chol = np.linalg.cholesky(cov)
    cov_inv = np.linalg.inv(cov)
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(replicates):
        z = sobol_normals(d, 2**log2_points, rng) @ chol.T
        r = f(x0 + z) - mean - z @ w_star
        meat = (z * (r * r)[:, None]).T @ z / len(z)
        estimates.append(cov_inv @ meat @ cov_inv)
    stack = np.array(estimates)
    traces = np.trace(stack, axis1=1, axis2=2)
    V = stack.mean(axis=0)
    return (V + V.T) / 2, float(traces.std(ddof=1) / np.sqrt(replicates))


def clime_influence(
    f: Function,
    x0: Any,
    z: np.ndarray,
    *,
    ridge: float = 0.0,
    kernel_width: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Slope and per-sample influence values of (ridge, kernel) C-LIME on offsets z.

    The estimating equation sum_i pi_i (z~_i r_i(w) - lambda w) = 0 (z~ the
    weighted-centred offsets, r the residual) gives the influence
    psi_i = (A + lambda I)^{-1} (pi_i / mean pi) (z~_i r_i - lambda w), whose
    covariance over n is the sandwich variance of the slope.

    Parameters
    ----------
    f : Function
    x0 : array_like, shape (d,) or (m, d)
        One point, or m points sharing the offsets.
    z : ndarray, shape (n, d)
        The perturbation offsets.
    ridge : float
        Mean-loss lambda.
    kernel_width : float, optional
        Gaussian kernel weights exp(-||z||^2 / (2 kw^2)).

    Returns
    -------
    slope : ndarray, shape (d,) or (m, d)
    psi : ndarray, shape (n, d) or (m, n, d)
    """
    X0, single = as_points(x0, f.dim)
    n, d = z.shape
    y = f(X0[:, None, :] + z[None])  # (m, n)
    pi = np.ones(n) if kernel_width is None else np.exp(-np.sum(z * z, 1) / (2 * kernel_width**2))
    p = pi / pi.sum()
    zc = z - p @ z
    yc = y - (y @ p)[:, None]
    A = (zc * p[:, None]).T @ zc + ridge * np.eye(d)
    w = np.linalg.solve(A, (zc * p[:, None]).T @ yc.T).T  # (m, d)
    r = yc - w @ zc.T  # (m, n)
    scores = (pi / pi.mean())[None, :, None] * (zc[None] * r[..., None] - ridge * w[:, None, :])
    psi = np.linalg.solve(A, scores.reshape(-1, d).T).T.reshape(scores.shape)
    return (w[0], psi[0]) if single else (w, psi)

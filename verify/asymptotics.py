"""Asymptotic variances of the empirical explanations (docs/math.md, Theorem 3).

* :func:`sandwich_variance`: the population sandwich variance of C-LIME,
  V = Sigma^{-1} E[r^2 z z^T] Sigma^{-1} with r = f(x0 + z) - E f - w*^T z, so
  that n E||C-LIME_n - C-LIME||^2 -> tr V; E f and w* are exact (closed form or
  quadrature), the expectation is by randomised QMC with an error bar.
* :func:`clime_influence`: the per-sample influence values of the empirical
  (ridge, kernel-weighted) C-LIME on a given sample, whose covariance over n is
  the sandwich variance estimated from that sample.
* :func:`clt_trace_terms`: tr Cov(grad f) and tr V at one point, the constants of
  the report's convergence figure (n E||SG_n - SG||^2 and n E||C-LIME_n - C-LIME||^2).
* :func:`shared_sample_terms`: the same traces at many points from one shared sample,
  with tr Cov(grad f - psi) (the limit of n E||SG_n - C-LIME_n||^2 on shared samples)
  and the CLT constants of the robustness metric (:func:`robustness_constant`): the
  replication's theory curves.

(SmoothGrad needs no such machinery: n E||SG_n - SG||^2 = tr Cov(grad f) exactly.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import closed_form
from .covariance import Covariance
from .functions import Function
from .quadrature import sobol_normals
from .validation import as_points

__all__ = [
    "clime_influence",
    "clt_trace_terms",
    "robustness_constant",
    "sandwich_variance",
    "shared_sample_terms",
]


def sandwich_variance(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray | Covariance,
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
    cov : ndarray, shape (d, d), or Covariance
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
    cov = Covariance.of(cov, d)
    truth = closed_form.ground_truth(f, x0, cov)
    mean, w_star = float(truth.moments.mean[0]), truth.clime[0]
    cov_inv = cov.inverse
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(replicates):
        z = cov.colorize(sobol_normals(d, 2**log2_points, rng))
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


def clt_trace_terms(
    f: Function, x0: np.ndarray, cov: Any, *, n: int, seed: int
) -> tuple[float, float]:
    """tr Cov(grad f) (SmoothGrad's n E||SG_n - SG||^2) and tr V (C-LIME's, as n -> inf).

    tr Cov(grad f) is estimated from n draws z = L u (u standard normal from ``seed``),
    tr V by :func:`sandwich_variance` at the same seed.

    Parameters
    ----------
    f : Function
    x0 : ndarray, shape (d,)
    cov : array_like, shape (d, d), or Covariance
    n : int
        Monte Carlo draws for tr Cov(grad f).
    seed : int
    """
    cov = Covariance.of(cov, f.dim)
    z = cov.colorize(np.random.default_rng(seed).standard_normal((n, x0.size)))
    tr_sg = float(np.sum(np.var(f.gradient(x0 + z), axis=0)))
    V, _ = sandwich_variance(f, x0, cov, seed=seed)
    return tr_sg, float(np.trace(V))


def robustness_constant(
    C: np.ndarray, neighbours: int, rng: np.random.Generator, draws: int = 500
) -> float:
    """E max_j ||xi_0 - xi_j||, xi_0..xi_K iid N(0, C) (K = ``neighbours``), by simulation.

    The CLT constant of the robustness metric (the largest change of an estimate over
    K neighbours) at n = 1: it shrinks as 1/sqrt(n). ``C`` is a sample covariance
    (positive semi-definite, possibly singular), hence its symmetric root by eigh.
    """
    eigval, eigvec = np.linalg.eigh((C + C.T) / 2)
    root = eigvec * np.sqrt(np.clip(eigval, 0.0, None))
    xi = rng.standard_normal((draws, neighbours + 1, C.shape[0])) @ root.T
    return float(np.mean(np.linalg.norm(xi[:, :1] - xi[:, 1:], axis=-1).max(axis=-1)))


def shared_sample_terms(
    f: Function,
    X: np.ndarray,
    z: np.ndarray,
    neighbours: int,
    rng: np.random.Generator,
    draws: int = 500,
) -> dict[str, np.ndarray]:
    """CLT variance terms at every point of X from one sample of offsets z (shared).

    Returns arrays of shape (m,):

    * ``"cov"``: tr Cov(grad f), n E||SG_n - SG||^2 exactly (docs/math.md#proposition-1);
    * ``"v"``: tr V, V the covariance of C-LIME's influence values psi
      (:func:`clime_influence`): n E||C-LIME_n - C-LIME||^2 -> tr V (Theorem 3);
    * ``"diff"``: tr Cov(grad f - psi), the limit of n E||SG_n - C-LIME_n||^2 when both
      use the same perturbations;
    * ``"rob_sg"``, ``"rob_cl"``: :func:`robustness_constant` of the two Gaussian limits,
      ``draws`` simulations each from ``rng`` (point by point, SmoothGrad first).
    """
    m, d = X.shape
    samples = z.shape[0]
    per_point = {k: np.empty(m) for k in ("cov", "v", "diff", "rob_sg", "rob_cl")}
    chunk = max(1, 2_000_000 // (samples * d))
    for lo in range(0, m, chunk):
        grads = f.gradient(X[lo : lo + chunk, None, :] + z[None])  # (c, M, d)
        # C-LIME's influence values on this sample: their covariance is the sandwich V.
        _, influence = clime_influence(f, X[lo : lo + chunk], z)  # (c, M, d)
        for j in range(grads.shape[0]):
            i = lo + j
            C = np.atleast_2d(np.cov(grads[j], rowvar=False))
            V = np.atleast_2d(np.cov(influence[j], rowvar=False))
            D = np.atleast_2d(np.cov(grads[j] - influence[j], rowvar=False))
            per_point["cov"][i] = np.trace(C)
            per_point["v"][i] = np.trace(V)
            per_point["diff"][i] = np.trace(D)
            per_point["rob_sg"][i] = robustness_constant(C, neighbours, rng, draws)
            per_point["rob_cl"][i] = robustness_constant(V, neighbours, rng, draws)
    return per_point

"""The theory on the replication's axes: CLT variance terms at every test point.

* tr Cov(grad f): n E||SG_n - SG||^2 exactly (docs/math.md, Proposition 1);
* tr V, C-LIME's sandwich variance: n E||C-LIME_n - C-LIME||^2 -> tr V (Theorem 3);
* tr Cov(grad f - Sigma^-1 z r): the limit of n E||SG_n - C-LIME_n||^2 on shared samples;
* the CLT constants of the robustness metric (max over neighbours), by simulation.

:func:`theory_curves` turns them into the predicted curves of every figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.asymptotics import clime_influence
from verify.functions import Function

from .groups import floats

__all__ = ["theory_curves", "theory_terms"]


def _robustness_constant(C: np.ndarray, K: int, rng: np.random.Generator, draws: int) -> float:
    """E max_j ||xi_0 - xi_j||, xi_0..xi_K iid N(0, C): the CLT robustness at n = 1."""
    eigval, eigvec = np.linalg.eigh((C + C.T) / 2)
    root = eigvec * np.sqrt(np.clip(eigval, 0.0, None))
    xi = rng.standard_normal((draws, K + 1, C.shape[0])) @ root.T
    return float(np.mean(np.linalg.norm(xi[:, :1] - xi[:, 1:], axis=-1).max(axis=-1)))


def _summarise_terms(per_point: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, float]:
    t = {k: v[idx] for k, v in per_point.items()}
    return {
        # mean_i sqrt(tr_i): E||e_i|| <= sqrt(tr_i / n) point by point, so
        # mean_i sqrt(tr_i / n) bounds the plotted mean distance (Jensen).
        "mean_root_trace_cov_grad": float(np.mean(np.sqrt(t["cov"]))),
        "mean_root_trace_sandwich": float(np.mean(np.sqrt(t["v"]))),
        "mean_root_trace_sum": float(np.mean(np.sqrt(t["cov"] + t["v"]))),
        "mean_root_trace_shared_difference": float(np.mean(np.sqrt(t["diff"]))),
        "trace_cov_grad": float(np.mean(t["cov"])),
        "trace_sandwich": float(np.mean(t["v"])),
        "trace_shared_difference": float(np.mean(t["diff"])),
        "robustness_constant_sg": float(np.mean(t["rob_sg"])),
        "robustness_constant_clime": float(np.mean(t["rob_cl"])),
        "points": int(idx.size),
    }


def theory_terms(
    f: Function,
    X: np.ndarray,
    sigma: float,
    samples: int,
    neighbours_count: int,
    rng: np.random.Generator,
    subset: np.ndarray | None = None,
) -> dict[str, Any]:
    """Monte Carlo variance terms at every point of X, summarised over them.

    * tr Cov(grad f): n E||SG_n - SG||^2 exactly (docs/math.md#proposition-1);
    * tr V, V = Sigma^-1 E[z z^T r^2] Sigma^-1 with r the population residual:
      C-LIME's sandwich variance, n E||C-LIME_n - C-LIME||^2 -> tr V (section 5);
    * tr Cov(grad f - Sigma^-1 z r): the limit of n E||SG_n - C-LIME_n||^2 when both
      use the same perturbations;
    * the CLT constants of the robustness metric (max over neighbours), by
      simulation from the Gaussian limits of the two estimators.

    ``subset`` (indices into X) adds the same summary over those points only
    (key ``"subset"``), for comparisons made on the ground-truth points.
    """
    m, d = X.shape
    z = sigma * rng.standard_normal((samples, d))
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
            per_point["rob_sg"][i] = _robustness_constant(C, neighbours_count, rng, 500)
            per_point["rob_cl"][i] = _robustness_constant(V, neighbours_count, rng, 500)
    out: dict[str, Any] = _summarise_terms(per_point, np.arange(m))
    out["samples"] = samples
    if subset is not None:
        out["subset"] = _summarise_terms(per_point, np.asarray(subset))
    return out


def theory_curves(terms: dict[str, float], grid: tuple[int, ...]) -> dict[str, list]:
    """The CLT predictions of every curve (means over points), from :func:`theory_terms`."""
    root_n = np.sqrt(np.asarray(grid, dtype=float))
    return {
        "smoothgrad_rmse": floats(terms["mean_root_trace_cov_grad"] / root_n),
        "clime_rmse": floats(terms["mean_root_trace_sandwich"] / root_n),
        "equivalence": floats(terms["mean_root_trace_sum"] / root_n),
        "equivalence_shared": floats(terms["mean_root_trace_shared_difference"] / root_n),
        "robustness_sg": floats(terms["robustness_constant_sg"] / root_n),
        "robustness_clime": floats(terms["robustness_constant_clime"] / root_n),
    }

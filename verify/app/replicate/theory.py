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

from verify.asymptotics import shared_sample_terms
from verify.functions import Function

from .groups import floats

__all__ = ["theory_curves", "theory_terms"]


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
    # The mathematics lives in the engine (verify.asymptotics); this module summarises it.
    per_point = shared_sample_terms(f, X, z, neighbours_count, rng)
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

"""The saturation claim's setting, swept: SmoothGrad's robustness curve at more sigmas.

"SmoothGrad saturates by about 200 perturbations" holds at sigma = 0.01 and fails at
sigma = 0.1 on the same model: the claim depends on the setting. The boundary is
shown by measuring SmoothGrad's robustness metric (Figure 3's SmoothGrad curve, the
same independent-noise design) at the extra sigmas of
``ReplicationSettings.saturation_sigmas``, on a seeded subset of ``Sizes.sweep_points``
test points (SmoothGrad alone: no C-LIME, theory or truth), next to the sigmas the
full configurations already measured. :func:`verify.app.replicate.claims.saturation_sweep`
judges every sigma; :func:`verify.app.replicate.plots.saturation_figure` draws it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from verify.functions import Function

from .estimates import check_grid, nested_estimates
from .groups import summarise

__all__ = ["robustness_curve", "sweep_points"]


def sweep_points(m: int, count: int | None, rng: np.random.Generator) -> np.ndarray:
    """Indices of the test points the extra sigmas are measured on (all if ``count`` is None)."""
    if count is None or count >= m:
        return np.arange(m)
    return np.sort(rng.choice(m, count, replace=False))


def robustness_curve(
    f: Function,
    X: np.ndarray,
    nbrs: np.ndarray,
    sigma: float,
    grid: tuple[int, ...],
    groups: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """SmoothGrad's robustness metric alone, grouped as
    :func:`~verify.app.replicate.experiments.explanation_curves` groups it.

    Every explanation (a test point's and each neighbour's) gets its own
    perturbations; points of one group share them. Returns a configuration entry
    marked ``sweep_only`` with ``robustness_sg`` (mean, se, group means), the group
    sizes and the number of points.
    """
    start = time.perf_counter()
    m, K, d = nbrs.shape
    grid_arr = check_grid(grid)
    n_max = int(grid_arr[-1])
    cov = sigma**2 * np.eye(d)
    parts = np.array_split(np.arange(m), min(groups, m))
    sg = np.empty((grid_arr.size, m, K + 1, d))
    for idx in parts:
        for slot in range(K + 1):
            pts = X[idx] if slot == 0 else nbrs[idx, slot - 1]
            z = sigma * rng.standard_normal((n_max, d))
            sg[:, idx, slot] = nested_estimates(f, pts, cov, z, grid_arr)[0]
    values = np.linalg.norm(sg[:, :, :1] - sg[:, :, 1:], axis=-1).max(axis=-1)
    return {
        "sigma": sigma,
        "sweep_only": True,
        "points": int(m),
        "group_sizes": [int(p.size) for p in parts],
        "robustness_sg": summarise(values, parts),
        "elapsed_seconds": time.perf_counter() - start,
    }

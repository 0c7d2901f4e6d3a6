"""The replication's vectorised experiment against a per-point loop (issue 7's speed target).

Run with ``python -m pytest benchmarks/test_bench_replicate.py``. The benchmark
times :func:`verify.app.replicate.experiments.explanation_curves` (nested samples,
noise shared within groups of points, one model pass per group and neighbour
slot) and, in the same run, the straightforward implementation: for every test
point, every neighbour and every n of the grid, separate calls to
:func:`verify.estimators.smoothgrad` and :func:`verify.estimators.clime`.
``extra_info`` records both times and their ratio. Nothing here asserts a time.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from verify import estimators
from verify.app.replicate.experiments import explanation_curves, neighbours, single_threaded_blas
from verify.app.replicate.sweep import robustness_curve
from verify.functions import Network

POINTS, NEIGHBOURS, SIGMA = 48, 10, 0.1  # 4 groups of 12, as the simulated run
GRID = (10, 20, 50, 100, 200, 500, 1000, 2000)


def _clime(f, x, cov, n, seed):
    if n <= x.size:  # C-LIME needs n >= d + 1; the vectorised version gives NaN too
        return np.full(x.size, np.nan)
    return estimators.clime(f, x, cov, n, seed=seed)


def _loop(f, X, nbrs, grid, seed):
    """Figures 2 and 3 the obvious way: one estimator call per point, slot and n."""
    rng_seed = seed
    d = X.shape[1]
    cov = SIGMA**2 * np.eye(d)
    eq, rob_sg, rob_cl = [], [], []
    for n in grid:
        e, rs, rc = [], [], []
        for i in range(X.shape[0]):
            sg = [estimators.smoothgrad(f, X[i], cov, n, seed=rng_seed)]
            cl = [_clime(f, X[i], cov, n, rng_seed + 1)]
            rng_seed += 2
            for x in nbrs[i]:
                sg.append(estimators.smoothgrad(f, x, cov, n, seed=rng_seed))
                cl.append(_clime(f, x, cov, n, rng_seed))
                rng_seed += 1
            e.append(np.linalg.norm(sg[0] - cl[0]))
            rs.append(max(np.linalg.norm(sg[0] - s) for s in sg[1:]))
            rc.append(max(np.linalg.norm(cl[0] - c) for c in cl[1:]))
        eq.append(np.mean(e))
        rob_sg.append(np.mean(rs))
        rob_cl.append(np.mean(rc))
    return eq, rob_sg, rob_cl


@pytest.mark.parametrize("dim", [2, 30])
def test_vectorised_experiment_vs_loop(benchmark, dim):
    f = Network.random(dim, (10, 10), "elu", "sigmoid", seed=0)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(POINTS, dim))
    nbrs = neighbours(X, 0.01, NEIGHBOURS, rng)
    with single_threaded_blas():
        benchmark(lambda: explanation_curves(f, X, nbrs, SIGMA, GRID, 4, np.random.default_rng(2)))
        vectorised = benchmark.stats.stats.min
        start = time.perf_counter()
        _loop(f, X, nbrs, GRID, seed=3)
        loop = time.perf_counter() - start
    benchmark.extra_info.update(
        {
            "points": POINTS,
            "neighbours": NEIGHBOURS,
            "dim": dim,
            "grid": list(GRID),
            "vectorised_seconds": vectorised,
            "loop_seconds": loop,
            "speedup_vs_loop": loop / vectorised,
        }
    )


@pytest.mark.parametrize("dim", [2, 30])
def test_saturation_sweep_point_vs_full_configuration(benchmark, dim):
    """What one extra sigma of the saturation sweep costs: SmoothGrad's robustness curve
    alone (:func:`verify.app.replicate.sweep.robustness_curve`) against the full Figures 2-3
    experiment on the same points, measured in the same run. ``extra_info`` has the ratio."""
    f = Network.random(dim, (10, 10), "elu", "sigmoid", seed=0)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(POINTS, dim))
    nbrs = neighbours(X, 0.01, NEIGHBOURS, rng)
    with single_threaded_blas():
        benchmark(lambda: robustness_curve(f, X, nbrs, SIGMA, GRID, 4, np.random.default_rng(2)))
        alone = benchmark.stats.stats.min
        start = time.perf_counter()
        explanation_curves(f, X, nbrs, SIGMA, GRID, 4, np.random.default_rng(2))
        full = time.perf_counter() - start
    benchmark.extra_info.update(
        {
            "points": POINTS,
            "dim": dim,
            "sweep_point_seconds": alone,
            "full_configuration_seconds": full,
            "fraction_of_full": alone / full,
        }
    )

"""Cost of the coalition battery (the default ``ci`` sizes) on numpy reference designs.

Run with ``python -m pytest benchmarks/test_bench_coalition_battery.py``. ``extra_info``
records the wall and CPU seconds of the whole battery (median over rounds), the seconds per
check, the explainer calls and the time spent inside them, and the ratio of the battery to
the naive route (the same calls with the same arguments made directly: what any battery
asking those questions must pay). A second benchmark measures the vectorised permutation
Shapley of :mod:`properties.conformance.coalition_references` against the naive loop (one
call of f per hybrid point), in the same run, on the same problem. Nothing asserts a time.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

import numpy as np
from battery_recorder import Recorder

from properties.conformance import Explainer, check_explainer
from properties.conformance import coalition_references as R
from properties.strategies.battery import local_function
from verify.attribution import Background, Baseline


def _measure(benchmark: Any, explainer: Explainer, rounds: int) -> None:
    recorder = Recorder(explainer)
    walls: list[float] = []
    cpus: list[float] = []
    per_check: dict[str, list[float]] = {}

    def run() -> list[Any]:
        recorder.calls.clear()
        recorder.seconds = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = check_explainer(recorder.explainer, on_fail=None, seed=len(walls))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        for r in results:
            per_check.setdefault(r.name, []).append(r.duration)
        return results

    results = benchmark.pedantic(run, rounds=rounds, iterations=1)
    naive = recorder.replay()
    benchmark.extra_info.update(
        {
            "median_seconds": statistics.median(walls),
            "median_cpu_seconds": statistics.median(cpus),
            "explainer_calls": len(recorder.calls),
            "seconds_in_explainer": recorder.seconds,
            "naive_route_seconds": naive,
            "battery_over_naive_route": walls[-1] / max(naive, 1e-9),
            "per_check_median": {k: statistics.median(v) for k, v in per_check.items()},
            "failed": [r.name for r in results if r.status == "failed"],
        }
    )


def test_battery_on_numpy_permutation_shapley(benchmark):
    e = Explainer(
        R.permutation_shapley,
        kind="shapley",
        value="interventional",
        efficiency="exact",
        stochastic=True,
        name="permutation_shapley",
    )
    _measure(benchmark, e, rounds=5)


def test_battery_on_numpy_exact_banzhaf(benchmark):
    e = Explainer(
        R.exact_banzhaf, kind="banzhaf", value="interventional", stochastic=False, name="exact"
    )
    _measure(benchmark, e, rounds=3)


def naive_permutation_shapley(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """The textbook loop: one call of f per hybrid point and background row."""
    x = np.asarray(x, dtype=float)
    d = x.size
    rows, weights = (
        (reference.point[None], np.ones(1))
        if isinstance(reference, Baseline)
        else (reference.rows, reference.weights)
    )
    rng = np.random.default_rng(seed)
    out = np.zeros(d)
    for _ in range(n):
        perm = np.argsort(rng.random(d))
        mask = np.zeros(d, bool)
        before = sum(w * float(f(row)) for w, row in zip(weights, rows, strict=True))
        for j in perm:
            mask[j] = True
            after = sum(
                w * float(f(np.where(mask, x, row))) for w, row in zip(weights, rows, strict=True)
            )
            out[j] += after - before
            before = after
    return out / n


def test_vectorised_permutation_shapley_against_the_loop(benchmark):
    """d = 6, 3 background rows, n = 200 permutations: the same permutations both ways
    (the same generator calls), so the answers agree to rounding (recorded)."""
    rng = np.random.default_rng(0)
    d, n = 6, 200
    f = local_function(rng, d, 1.0, "rbf")
    x, ref = rng.uniform(-1.5, 1.5, d), Background(rng.uniform(-1.5, 1.5, (3, d)))
    start = time.process_time()
    slow = naive_permutation_shapley(f, x, ref, n, 1)
    naive = time.process_time() - start
    fast = benchmark.pedantic(lambda: R.permutation_shapley(f, x, ref, n, 1), rounds=5)
    start = time.process_time()
    R.permutation_shapley(f, x, ref, n, 1)
    cpu = time.process_time() - start
    benchmark.extra_info.update(
        {
            "loop_cpu_seconds": naive,
            "vectorised_cpu_seconds": cpu,
            "loop_over_vectorised": naive / max(cpu, 1e-9),
            "max_difference": float(np.max(np.abs(fast - slow))),
        }
    )

"""``verify run --workers 2`` against a serial run, as a ratio measured in the same session.

Run with ``python -m pytest benchmarks/test_bench_workers.py`` (several minutes: each
round is a whole ``verify run`` four times). Each round runs the README's command
(every section, the default ``ci`` profile and seed, the report rendered) serially and
with two workers, each as shipped (one BLAS thread per process, :mod:`verify.app.threads`)
and with BLAS left free to start a thread per core (the naive route: what both did
before). The rounds interleave the four, so a neighbour's load falls on all of them
alike; ``extra_info`` keeps every wall and CPU time and the median ratios.

The issue's goal on two cores: two workers take at most 0.7 of the serial wall
time. Nothing here asserts a time (other processes share the machine); read the
ratios, and the number of cores and the load they were measured under.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from verify.app import executors, workers
from verify.app.run import run_tasks
from verify.app.tasks import build_tasks

ROUNDS = int(os.environ.get("VERIFY_BENCH_ROUNDS", "2"))


def _run(workers_count: int, limit: bool = True) -> tuple[float, float]:
    """One whole `verify run` into a fresh folder: (wall seconds, CPU seconds incl. workers)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    saved = workers.limit_threads, executors.single_threaded
    if not limit:  # forked workers inherit the no-ops
        workers.limit_threads = lambda: "none"
        executors.single_threaded = contextlib.nullcontext
    try:
        before, start = os.times(), time.perf_counter()
        results = run_tasks(
            build_tasks(),
            output=folder / "run",
            run_id="bench",
            seed=0,
            profile="ci",
            command="verify run",
            workers=workers_count,
        )
        wall, after = time.perf_counter() - start, os.times()
    finally:
        workers.limit_threads, executors.single_threaded = saved
        shutil.rmtree(folder, ignore_errors=True)
    assert all(t["status"] == "ok" for t in results["tasks"]), results["tasks"]
    cpu = sum(after[i] - before[i] for i in range(4))  # user, system, children's both
    return wall, cpu


@pytest.mark.skipif(os.cpu_count() is None or os.cpu_count() < 2, reason="needs two cores")
def test_two_workers_against_serial(benchmark: Any) -> None:
    names = ("serial", "workers2", "serial_free_blas", "workers2_free_blas")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}

    def setup() -> None:  # not timed by the benchmark: the serial run and the naive routes
        times["serial"].append(_run(1))
        times["serial_free_blas"].append(_run(1, limit=False))
        times["workers2_free_blas"].append(_run(2, limit=False))

    def two_workers() -> None:
        times["workers2"].append(_run(2))

    benchmark.pedantic(two_workers, setup=setup, rounds=ROUNDS, iterations=1)
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average_at_end": list(os.getloadavg()),
        "wall_cpu_seconds": times,
    }
    for top, bottom in (
        ("workers2", "serial"),
        ("workers2_free_blas", "serial_free_blas"),
        ("serial", "serial_free_blas"),
        ("workers2", "workers2_free_blas"),
    ):
        ratios = [a[0] / b[0] for a, b in zip(times[top], times[bottom], strict=True)]
        info[f"{top}_over_{bottom}_wall"] = ratios
        info[f"median_{top}_over_{bottom}_wall"] = statistics.median(ratios)
    benchmark.extra_info.update(info)

"""Cost of the path kinds' batteries (the default ``ci`` sizes), numpy reference designs.

Run with ``python -m pytest benchmarks/test_bench_paths_battery.py``. The Gauss–Legendre
and trapezoid Integrated Gradients, Gradient × Input and occlusion of
:mod:`properties.conformance.attribution_references`. ``extra_info`` records the wall and
CPU seconds of the whole battery, the seconds per check, the number of explainer calls,
the time inside them, and the ratio of the battery to the naive route (the same calls
made directly). Nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from battery_recorder import Recorder

from properties.conformance import check_explainer
from properties.conformance.attribution_references import reference_explainers
from properties.conformance.kinds.integrated_gradients import EXPECTED_FAILURES

_DESIGNS = {e.name: e for e in reference_explainers()}


@pytest.mark.parametrize(
    "name", ["ig_gausslegendre", "ig_riemann_trapezoid", "gradient_x_input", "occlusion"]
)
def test_path_battery(benchmark, name):
    explainer = _DESIGNS[name]
    expected = EXPECTED_FAILURES if explainer.kind == "integrated_gradients" else None
    recorder = Recorder(explainer)
    totals: list[float] = []
    cpu: list[float] = []
    per_check: dict[str, list[float]] = {}

    def run() -> list[Any]:
        recorder.calls.clear()
        recorder.seconds = 0.0
        start, start_cpu = time.perf_counter(), time.process_time()
        results = check_explainer(
            recorder.explainer, expected_failed_checks=expected, on_fail=None, seed=len(totals)
        )
        totals.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        for r in results:
            per_check.setdefault(r.name, []).append(r.duration)
        return results

    results = benchmark.pedantic(run, rounds=5, iterations=1)
    naive = recorder.replay()
    benchmark.extra_info.update(
        {
            "median_seconds": statistics.median(totals),
            "median_cpu_seconds": statistics.median(cpu),
            "explainer_calls": len(recorder.calls),
            "seconds_in_explainer": recorder.seconds,
            "naive_route_seconds": naive,
            "battery_over_naive_route": totals[-1] / max(naive, 1e-9),
            "per_check_median": {k: statistics.median(v) for k, v in per_check.items()},
            "statuses": {r.name: r.status for r in results},
        }
    )

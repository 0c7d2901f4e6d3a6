"""Cost of the whole conformance battery (the default ``ci`` sizes).

Run with ``python -m pytest benchmarks/test_bench_battery.py``. Three explainers:
a plain numpy SmoothGrad (the fast case), the reference SmoothGrad of
:mod:`verify.estimators`, and captum's SmoothGrad (skipped without captum).
``extra_info`` records the seconds per check, the number of explainer calls and
the time spent inside them, and the ratio of the battery to the naive route: the
same calls, with the same arguments, made directly (what any battery asking those
questions must pay). Nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

import numpy as np
import pytest

from properties.conformance import Explainer, check_explainer
from properties.conformance.references import smoothgrad
from verify.validation import as_covariance, as_points, as_sample_size


def numpy_smoothgrad(f: Any, x0: Any, cov: Any, n: Any, seed: int) -> np.ndarray:
    """SmoothGrad in a few lines of numpy, validating its inputs."""
    points, single = as_points(x0, f.dim)
    if not single:
        raise ValueError(f"x0 must have shape ({f.dim},)")
    chol = np.linalg.cholesky(as_covariance(cov, f.dim))
    z = np.random.default_rng(seed).standard_normal((as_sample_size(n), f.dim)) @ chol.T
    return f.gradient(points[0] + z).mean(axis=0)


class Recorder:
    """Wraps an explainer: records every call's arguments and the seconds spent inside."""

    def __init__(self, explainer: Explainer):
        self.inner = explainer
        self.calls: list[tuple[Any, ...]] = []
        self.seconds = 0.0
        self.explainer = Explainer(self, **{**explainer.tags})

    def __call__(self, f: Any, x0: Any, cov: Any, n: Any, seed: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.inner(f, x0, cov, n, seed)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls.append((f, x0, cov, n, seed))

    def replay(self) -> float:
        """The naive route: the same calls, made directly; seconds."""
        start = time.perf_counter()
        for args in self.calls:
            try:
                self.inner(*args)
            except (ValueError, TypeError):
                pass  # the bad inputs of check_input_validation
        return time.perf_counter() - start


def _battery(explainer: Explainer, seed: int = 0) -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_explainer(explainer, on_fail=None, seed=seed)


def _measure(benchmark: Any, explainer: Explainer, rounds: int) -> None:
    recorder = Recorder(explainer)
    totals: list[float] = []
    per_check: dict[str, list[float]] = {}

    cpu: list[float] = []

    def run() -> list[Any]:
        recorder.calls.clear()
        recorder.seconds = 0.0
        start, start_cpu = time.perf_counter(), time.process_time()
        results = _battery(recorder.explainer, seed=len(totals))
        totals.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        for r in results:
            per_check.setdefault(r.name, []).append(r.duration)
        return results

    results = benchmark.pedantic(run, rounds=rounds, iterations=1)
    naive = recorder.replay()
    battery = totals[-1]
    benchmark.extra_info.update(
        {
            "median_seconds": statistics.median(totals),
            "median_cpu_seconds": statistics.median(cpu),
            "explainer_calls": len(recorder.calls),
            "seconds_in_explainer": recorder.seconds,
            "naive_route_seconds": naive,
            "battery_over_naive_route": battery / max(naive, 1e-9),
            "per_check_median": {k: statistics.median(v) for k, v in per_check.items()},
            "failed": [r.name for r in results if r.status == "failed"],
        }
    )


def test_battery_on_a_fast_numpy_explainer(benchmark):
    e = Explainer(
        numpy_smoothgrad, kind="gradient", covariance="full", stochastic=True, name="numpy"
    )
    _measure(benchmark, e, rounds=5)


def test_battery_on_the_reference_smoothgrad(benchmark):
    _measure(benchmark, smoothgrad(), rounds=3)


def test_battery_on_captum_smoothgrad(benchmark):
    pytest.importorskip(
        "captum", reason="captum is not installed: pip install 'xai-verify[captum]'"
    )
    from properties.adapters import captum_smoothgrad

    _measure(benchmark, captum_smoothgrad(), rounds=1)


def test_captum_copies_side_by_side_against_one_copy(benchmark):
    """One captum SmoothGrad call at n = 65,521 (the rate check's n2): the adapter's 256
    copies side by side in one input row (NoiseTunnel pays per sample, n / 256 of them)
    against the same call with one copy and n NoiseTunnel samples, measured in the same
    run; both are plain Monte Carlo over exactly n draws, the same draws (torch fills the
    noise in the same order), so they agree to float32 rounding (recorded)."""
    pytest.importorskip(
        "captum", reason="captum is not installed: pip install 'xai-verify[captum]'"
    )
    from properties.adapters import captum_smoothgrad
    from verify.functions import RidgeFunction

    f = RidgeFunction(np.array([0.8, -0.5, 0.3]), 0.2, "sin")
    x0, cov, n = np.zeros(3), np.diag([1.0, 0.5, 2.0]), 65521
    stacked = captum_smoothgrad()
    one_copy = captum_smoothgrad(batch_size=n)  # a fixed batch size: no copies (one row)

    def timed(e: Explainer) -> tuple[float, np.ndarray]:
        start = time.process_time()
        out = e(f, x0, cov, n, 0)
        return time.process_time() - start, out

    naive, naive_out = timed(one_copy)
    out = benchmark.pedantic(lambda: stacked(f, x0, cov, n, 0), rounds=3, iterations=1)
    cpu, _ = timed(stacked)
    truth = f.gaussian_moments(x0, cov).smoothgrad[0]
    benchmark.extra_info.update(
        {
            "one_copy_cpu_seconds": naive,
            "copies_cpu_seconds": cpu,
            "one_copy_over_copies": naive / max(cpu, 1e-9),
            "error_copies": float(np.linalg.norm(out - truth)),
            "error_one_copy": float(np.linalg.norm(naive_out - truth)),
            # torch fills the noise in the same order either way: the same n draws.
            "max_difference_of_the_two_routes": float(np.max(np.abs(out - naive_out))),
        }
    )

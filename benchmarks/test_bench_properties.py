"""Cost of one call of each property check (and of the Theorem 2 search).

Run with ``python -m pytest benchmarks/test_bench_properties.py``. Each check
runs on one fixed d = 3 problem with its default sizes; ``extra_info``
records the status, the number of stochastic assertions and the false-alarm
budget, so that a user can budget a property test. Nothing here asserts a time.
"""

from __future__ import annotations

import pytest

from properties.examples import COV, PROBIT, SMOOTH, STEP, X0
from properties.theorems import (
    check_kernel_lime,
    check_lemma6,
    check_proposition1,
    check_proposition2,
    check_proposition3,
    check_stein_step_function,
    check_theorem1,
    check_theorem2_sharp,
    check_theorem3,
    search_theorem2_counterexample,
)

F = SMOOTH

CHECKS = {
    "theorem1": lambda: check_theorem1(F, X0, COV),
    "stein_step_function": lambda: check_stein_step_function(STEP, X0, COV),
    "theorem2_sharp": lambda: check_theorem2_sharp(F, X0, X0 + 0.05, COV),
    "proposition1": lambda: check_proposition1(F, X0, COV, n=400),
    "theorem3": lambda: check_theorem3(F, X0, COV),
    "proposition2": lambda: check_proposition2(F, PROBIT, X0, COV),
    "proposition3": lambda: check_proposition3(PROBIT, X0, COV),
    "lemma6": lambda: check_lemma6(F, X0, COV),
    "kernel_lime": lambda: check_kernel_lime(F, X0, COV),
    "theorem2_search": lambda: search_theorem2_counterexample(max_examples=200, seed=0),
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_bench_check(benchmark, name):
    result = benchmark.pedantic(CHECKS[name], rounds=3, iterations=1)
    benchmark.extra_info["status"] = result.status
    benchmark.extra_info["assertions"] = result.assertions
    benchmark.extra_info["false_alarm"] = result.false_alarm

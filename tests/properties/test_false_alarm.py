"""The false-alarm experiment: every stochastic check, on correct inputs, over >= 2,000 seeds.

Each check is run once per seed on a problem drawn from the seeded numpy
generators of :mod:`verify.random` (family, dimension 1-3, condition number
1-1e3 and point vary with the seed) with the reference estimators. Each run
has a false-alarm budget of 1e-6, so with 2,000 seeds per check a correct
suite fails with probability <= 6 x 2,000 x 1e-6 = 1.2e-2 in total, and the
expected number of failures is far below one: zero is required.

Marked slow (about 25 minutes on a shared 2-core machine). Run with
``pytest -m slow tests/properties/test_false_alarm.py``; ``XAI_FALSE_ALARM_SEEDS``
changes the number of seeds, ``XAI_FALSE_ALARM_REPORT`` names a JSON file for
the figures (default ``reports/property_false_alarm.json``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from properties.theorems import (
    CheckResult,
    check_kernel_lime,
    check_lemma6,
    check_proposition1,
    check_stein_step_function,
    check_theorem1,
    check_theorem3,
)
from verify.functions import RidgeFunction
from verify.random import random_covariance, random_function, random_ridge

SEEDS = int(os.environ.get("XAI_FALSE_ALARM_SEEDS", "2000"))
REPORT = Path(
    os.environ.get(
        "XAI_FALSE_ALARM_REPORT",
        Path(__file__).resolve().parents[2] / "reports" / "property_false_alarm.json",
    )
)
ALL_FAMILIES = ("polynomial", "rbf", "ridge", "network", "combination")
BOUNDED_FAMILIES = ("rbf", "ridge", "network")
BOUNDED_LINKS = ("identity", "probit", "logistic", "tanh", "softplus", "sin", "relu", "elu", "abs")


def _problem(seed: int, families=ALL_FAMILIES, bounded: bool = False):
    rng = np.random.default_rng([20261123, seed])
    d = int(rng.integers(1, 4))
    family = families[seed % len(families)]
    if bounded and family == "ridge":
        f = random_ridge(rng, d, str(rng.choice(BOUNDED_LINKS)))
    else:
        f = random_function(rng, d, family)
    condition = float(10 ** rng.uniform(0, 3))
    cov = random_covariance(rng, d, condition=condition, scale=float(rng.uniform(0.1, 2.0)))
    x0 = rng.normal(size=d)
    return f, x0, cov, rng


def _theorem1(seed: int) -> CheckResult:
    f, x0, cov, _ = _problem(seed)
    return check_theorem1(f, x0, cov, n=1000, seed=seed)


def _stein(seed: int) -> CheckResult:
    _, _, cov, rng = _problem(seed)
    d = cov.shape[0]
    f = RidgeFunction(rng.normal(size=d), float(rng.normal(scale=0.3)), "step")
    # Within half a standard deviation of the boundary so the demonstration is not empty.
    s = float(np.sqrt(f.w @ cov @ f.w))
    x0 = (rng.uniform(-0.5, 0.5) * s - f.b) * f.w / (f.w @ f.w)
    return check_stein_step_function(f, x0, cov, n=20000, seed=seed)


def _proposition1(seed: int) -> CheckResult:
    f, x0, cov, rng = _problem(seed, BOUNDED_FAMILIES, bounded=True)
    delta = float(rng.choice([0.05, 0.1, 0.3]))
    return check_proposition1(f, x0, cov, n=400, delta=delta, repetitions=200, seed=seed)


def _theorem3(seed: int) -> CheckResult:
    f, x0, cov, _ = _problem(seed, ("rbf", "ridge", "network", "combination"))
    return check_theorem3(f, x0, cov, n_grid=(200, 800), repetitions=100, trends=False, seed=seed)


def _lemma6(seed: int) -> CheckResult:
    f, x0, cov, rng = _problem(seed)
    return check_lemma6(f, x0, cov, ridge=float(10 ** rng.uniform(-3, 1)), n=1000, seed=seed)


def _kernel_lime(seed: int) -> CheckResult:
    f, x0, cov, rng = _problem(seed, ("rbf", "ridge", "network", "combination"))
    kw = float(10 ** rng.uniform(-0.5, 0.7))
    return check_kernel_lime(f, x0, cov, kernel_width=kw, n=2000, seed=seed)


CHECKS: dict[str, Callable[[int], CheckResult]] = {
    "theorem1": _theorem1,
    "stein_step_function": _stein,
    "proposition1": _proposition1,
    "theorem3": _theorem3,
    "lemma6": _lemma6,
    "kernel_lime": _kernel_lime,
}


def _record(name: str, figures: dict) -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data[name] = figures
    REPORT.write_text(json.dumps(data, indent=2, sort_keys=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHECKS))
def test_no_false_alarm_over_many_seeds(name):
    start = time.perf_counter()
    statuses: dict[str, int] = {}
    failures = []
    budget = assertions = 0.0
    not_asserted = 0  # the pilot-sample rule: C-LIME bands skipped, the rest asserted
    for seed in range(SEEDS):
        result = CHECKS[name](seed)
        statuses[result.status] = statuses.get(result.status, 0) + 1
        not_asserted += result.bound.get("clime_band_asserted") is False
        budget = max(budget, result.false_alarm)
        assertions += result.assertions
        if result.falsified:
            failures.append({"seed": seed, "message": result.message})
    figures = {
        "seeds": SEEDS,
        "statuses": statuses,
        "clime_band_not_asserted": not_asserted,
        "failures": len(failures),
        "failed_seeds": failures[:20],
        "false_alarm_per_run": budget,
        "assertions": int(assertions),
        "expected_false_alarms_at_most": SEEDS * budget,
        "seconds": round(time.perf_counter() - start, 1),
    }
    _record(name, figures)
    print(f"\n{name}: {json.dumps(figures)}")
    assert statuses.get("verified", 0) >= 0.9 * SEEDS, "too many runs were not applicable"
    assert not failures, f"{len(failures)} false alarms in {SEEDS} seeds: {failures[:5]}"


def test_false_alarm_problems_are_reproducible():
    # The experiment's problems are a function of the seed alone (no global state).
    f1, x1, c1, _ = _problem(7)
    f2, x2, c2, _ = _problem(7)
    assert repr(f1) == repr(f2)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(c1, c2)

"""Tests that would see a broken battery: each kills a deliberate mutation of the battery.

* the exact-identity tolerance made 10x looser: a 3e-7 relative non-linearity must fail;
* the shrink, its budget spent, reporting a problem the explainer passes: the reported
  minimal problem is re-judged and must fail;
* the seed-independence rank tests made one-sided the wrong way or the test of sums
  dropped: overlapping, shifted and antithetic streams must each fail, and the exact
  tests must keep their level under the null;
* the Bonferroni correction dropped from the bias test: its false alarm over m = 16
  components must stay at the stated alpha (without it, about 1 - (1 - alpha)^16).
"""

from __future__ import annotations

import numpy as np
import pytest

from properties.conformance import Explainer, Settings, check_explainer
from properties.conformance.common import tolerance
from properties.conformance.runner import CheckFailure
from properties.conformance.search import Finding, search
from properties.conformance.seed_streams import stream_tests
from properties.conformance.tolerances import mean_error_test
from properties.strategies import battery as SB
from verify import estimators
from verify.functions import Function


def _nonlinear_3e7(f, x0, cov, n, seed):
    """SmoothGrad, 3e-7 larger (relative) when f is a linear combination of models."""
    out = estimators.smoothgrad(f, x0, cov, n, seed)
    combined = type(f) is Function.combination_type
    return out * (1 + 3e-7) if combined else out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_3e_7_relative_non_linearity_fails_linearity(seed):
    # 10x looser exact tolerances (1e-6) pass it at every seed; the battery's (1e-7) do not.
    e = Explainer(_nonlinear_3e7, kind="gradient", covariance="full", stochastic=True)
    (r,) = check_explainer(e, on_fail=None, seed=seed, checks=["check_linearity"])
    assert r.status == "failed" and "not linear in f" in r.message, r.message


@pytest.mark.parametrize("seed", [0, 1])
def test_a_3e_7_relative_change_under_translation_fails_when_the_noise_is_shared(seed):
    # Far from the origin, 3e-7 larger: the second look sees both sides share their noise
    # (an arithmetic error, not another noise construction) and keeps the failure.
    def explain(f, x0, cov, n, seed):
        out = estimators.smoothgrad(f, x0, cov, n, seed)
        return out * (1 + 3e-7) if np.abs(x0).max() > 1.0 else out

    e = Explainer(explain, kind="gradient", covariance="full", stochastic=True)
    (r,) = check_explainer(e, on_fail=None, seed=seed, checks=["check_translation_equivariance"])
    assert r.status == "failed" and "share their noise" in r.message, r.message


@pytest.mark.parametrize(("distance", "condition"), [(0.0, 1.0), (1e4, 1e6)])
def test_the_exact_tolerance_is_below_3e_7_at_both_ends_of_the_space(distance, condition):
    # At the origin with cond 1 and at the farthest point with the largest condition the
    # float64 battery draws: a 3e-7 relative error is beyond tolerance at both.
    e = Explainer(_nonlinear_3e7, kind="gradient", covariance="full", stochastic=True)
    case = SB.Case(None, np.zeros(2), np.diag([1.0, 1.0 / condition]), 1, 0, "rbf", distance)
    assert abs(case.condition - condition) < 1e-6 * condition
    assert tolerance(e, case, 1.0) < 3e-7


def _budget_run(shrink_calls, examples=6):
    """A search whose failing region needs many shrinking steps (d >= 4, n >= 11, x0 far);
    returns the failure and every problem judged, by description."""
    judged = {}

    def fails(case):
        return case.d >= 4 and case.n >= 11 and case.distance >= 1.0

    def judge(case, alpha):
        judged[case.describe()] = case
        if fails(case):
            raise Finding("wrong", "the mistake", {"d": case.d})
        return {}

    s = Settings(examples=examples, shrink_calls=shrink_calls)
    strategy = SB.cases(n_range=(1, 400), min_dim=1)
    try:
        search("check_budget", 11, s, strategy, judge, examples=examples)
    except CheckFailure as exc:
        return exc, judged, fails
    return None, judged, fails


@pytest.mark.parametrize("budget", [24, 6])  # the ci budgets of exact and statistical checks
def test_the_reported_minimal_problem_fails_when_judged_again(budget):
    failure, judged, fails = None, {}, None
    for examples in (6, 12, 24):  # until the search meets the failing region
        failure, judged, fails = _budget_run(budget, examples)
        if failure is not None:
            break
    assert failure is not None
    reported = judged[failure.figures["problem"]]
    assert fails(reported), failure.figures["problem"]  # re-judged: it fails


def test_the_shrink_budget_is_spent_and_the_search_still_ends_on_a_failing_problem():
    failure, judged, fails = _budget_run(2, 24)
    assert failure is not None and "2 shrinking step(s)" in str(failure)
    assert fails(judged[failure.figures["problem"]])


# -- seed independence: both tails and every shift are tested --------------------------


def _streams(rng, m=32, d=3):
    mu = np.array([0.3, -0.2, 0.5])[:d]
    first = mu + rng.normal(size=(m, d))
    far = (mu + rng.normal(size=(m, d)), mu + rng.normal(size=(m, d)))
    return mu, first, far


def test_overlapping_streams_fail_on_the_differences():
    _, first, far = _streams(np.random.default_rng(0))
    second = first + 1e-3 * np.random.default_rng(1).normal(size=first.shape)
    res = stream_tests(first, second, far, 1e-8)
    assert not res["ok"] and res["statistic"] == "difference" and res["shift"] == 0


def test_anti_correlated_streams_fail_on_the_sums():
    # The mirror image around the mean (antithetic pairing across seeds on an odd probe):
    # the differences are *larger* than unrelated ones; only the sums can see it.
    mu, first, far = _streams(np.random.default_rng(2))
    res = stream_tests(first, 2 * mu - first, far, 1e-8)
    assert not res["ok"] and res["statistic"] == "sum", res


@pytest.mark.parametrize("shift", [1, -1, 2])
def test_per_feature_streams_shifted_across_seeds_fail_at_their_shift(shift):
    mu, first, far = _streams(np.random.default_rng(3), d=3)
    second = mu + np.random.default_rng(4).normal(size=first.shape)
    if shift > 0:
        second[:, : 3 - shift] = first[:, shift:]
    else:
        second[:, -shift:] = first[:, : 3 + shift]
    res = stream_tests(first, second, far, 1e-8)
    assert not res["ok"] and res["shift"] == shift, res


def test_the_stream_tests_keep_their_level_under_the_null():
    # i.i.d. outputs at every seed: every one of the 2 (2d - 1) exact tests has level alpha.
    rng = np.random.default_rng(5)
    trials, alpha, d = 120, 0.05, 2
    rejected = 0
    for _ in range(trials):
        mu, first, far = _streams(rng, m=10, d=d)
        second = mu + rng.normal(size=first.shape)
        res = stream_tests(first, second, far, alpha / (2 * (2 * d - 1)))
        rejected += not res["ok"]
    # Bonferroni over the 6 tests: at most alpha (binomial 99.9 % band around it).
    assert rejected / trials <= alpha + 3.1 * np.sqrt(alpha * (1 - alpha) / trials)


# -- the bias test's Bonferroni split over components ------------------------------------


def test_the_bias_test_keeps_its_stated_false_alarm_over_16_components():
    rng = np.random.default_rng(6)
    trials, R, m, alpha = 2000, 30, 16, 0.05
    truth = rng.normal(size=m)
    rejected = 0
    for _ in range(trials):
        outs = truth + rng.normal(size=(R, m)) * rng.uniform(0.5, 2.0, size=m)
        rejected += not mean_error_test(outs, truth, np.zeros(m), alpha)["ok"]
    rate = rejected / trials
    # Bonferroni is conservative: at most alpha (a 99.9 % binomial band), and not far below
    # it (independent components): without the split the rate would be about 0.56.
    band = 3.1 * np.sqrt(alpha * (1 - alpha) / trials)
    assert 0.5 * alpha <= rate <= alpha + band, rate

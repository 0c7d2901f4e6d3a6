"""What a verified Theorem 1 could have seen: the stated power, measured by injecting biases.

``check_theorem1`` states in ``bound["power"]`` the smallest relative bias of each
estimator it catches with probability >= 0.99; a property run states the smallest over
its judged problems (the run then falsifies such a bias with at least that probability)
and how many problems alone catch a 3 % bias. Here each statement is measured: scaled
estimators at the stated figure fail (nearly) always, far below it they mostly pass;
the 3 %-biased SmoothGrad fails every run whose stated figure is below 3 %; the
``resolution`` option sizes n to reach a stated figure.
"""

from __future__ import annotations

import numpy as np
import pytest

from properties import suite
from properties.profiles import PROFILES
from properties.theorems import check_theorem1
from properties.theorems.equivalence import THEOREM1, _property_check
from properties.theorems.records import StatementProperty
from verify import estimators
from verify.functions import Polynomial, RidgeFunction

COV = np.array([[1.0, 0.3], [0.3, 0.6]])
X0 = np.array([0.2, -0.4])
#: Problems with a visible explanation: a smooth ridge, a cubic, a logistic ridge.
PROBLEMS = {
    "softplus": RidgeFunction(np.array([1.0, -0.7]), 0.1, "softplus"),
    "cubic": Polynomial({(3, 0): 0.5, (1, 1): -1.0, (0, 1): 2.0}),
    "sigmoid": RidgeFunction(np.array([2.0, 1.0]), -0.2, "sigmoid"),
}


def scaled(estimator, factor):
    def explain(f, x0, cov, n, rng):
        return factor * np.asarray(estimator(f, x0, cov, n, rng))

    return explain


@pytest.mark.parametrize(
    "name, which",
    [
        ("softplus", "smoothgrad"),
        ("cubic", "clime"),
        pytest.param("cubic", "smoothgrad", marks=pytest.mark.slow),
        pytest.param("sigmoid", "smoothgrad", marks=pytest.mark.slow),
        pytest.param("softplus", "clime", marks=pytest.mark.slow),
        pytest.param("sigmoid", "clime", marks=pytest.mark.slow),
    ],
)
def test_a_bias_at_the_stated_figure_is_caught_and_far_below_it_is_not(name, which):
    f = PROBLEMS[name]
    stated = check_theorem1(f, X0, COV, n=1000, seed=0).bound["power"][which]
    assert stated is not None and 0 < stated < 1
    reference = estimators.smoothgrad if which == "smoothgrad" else estimators.clime
    key = "smoothgrad_estimator" if which == "smoothgrad" else "clime_estimator"

    def falsified(factor: float, seeds: range) -> int:
        return sum(
            check_theorem1(f, X0, COV, n=1000, seed=s, **{key: scaled(reference, factor)}).status
            == "falsified"
            for s in seeds
        )

    seeds = range(1, 21)
    # At the stated figure, each direction: P(caught) >= 0.99, so at most one miss in 20
    # is the worst the statement allows with probability 0.98.
    assert falsified(1 + stated, seeds) >= 19
    assert falsified(1 - stated, seeds) >= 19
    # A tenth of it hides in the band: the figure is not a vacuous overstatement.
    assert falsified(1 + stated / 10, seeds) <= 2


def _property_with(estimator) -> StatementProperty:
    return StatementProperty(
        THEOREM1.strategy,
        lambda case, seed: check_theorem1(
            case.f, case.x0, case.cov, n=1000, seed=case.seed, smoothgrad_estimator=estimator
        ),
        THEOREM1.label,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_run_falsifies_a_bias_at_its_stated_power(seed):
    """The run's stated figure is a guarantee about the whole run: a SmoothGrad scaled by
    1 + (the stated figure) is falsified (w.p. >= 0.99; here every run)."""
    examples = PROFILES["ci"].property_examples
    clean = suite._run_hypothesis(THEOREM1, seed, examples)
    stated = clean["power"]["smoothgrad"]["relative_bias"]
    assert clean["status"] == "verified" and stated is not None
    biased = suite._run_hypothesis(
        _property_with(scaled(estimators.smoothgrad, 1 + stated)), seed, examples
    )
    assert biased["status"] == "falsified"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thorough_runs_falsify_a_three_percent_bias(seed):
    """The issue's goal: at ``thorough`` a SmoothGrad biased by 3 % is falsified w.p.
    >= 0.99 (the stated figure is at most 3 %), and injecting it shows it."""
    out = suite.run_property("theorem1", seed=seed, profile="thorough")
    assert out["status"] == "verified"
    assert out["power"]["smoothgrad"]["relative_bias"] <= 0.03
    row = PROFILES["thorough"]
    sized = StatementProperty(
        THEOREM1.strategy,
        lambda case, s: check_theorem1(
            case.f,
            case.x0,
            case.cov,
            n=1000,
            seed=case.seed,
            resolution=row.property_resolution,
            smoothgrad_estimator=scaled(estimators.smoothgrad, 1.03),
        ),
        THEOREM1.label,
    )
    assert suite._run_hypothesis(sized, seed, row.property_examples)["status"] == "falsified"


def test_the_run_record_states_its_power_and_counts_problems():
    out = suite.run_property("theorem1", seed=0, profile="dev")
    power = out["power"]
    for which in ("smoothgrad", "clime"):
        p = power[which]
        assert p["problems"] == out["judged"]
        assert sum(p["caught"].values()) >= 0 and p["caught"]["0.01"] <= p["caught"]["0.03"]
        assert p["caught"]["0.03"] <= p["caught"]["0.1"] <= p["problems"]
    assert power["n"] == [1000, 1000]  # dev and ci keep the check's own n


def test_resolution_raises_n_until_the_stated_figure_is_reached():
    f = PROBLEMS["softplus"]
    plain = check_theorem1(f, X0, COV, n=1000, seed=0).bound["power"]
    assert plain["smoothgrad"] > 0.03  # n = 1000 does not reach it here
    sized = check_theorem1(f, X0, COV, n=1000, seed=0, resolution=0.03).bound["power"]
    assert sized["n"] > 1000 and sized["resolution"] == 0.03
    assert sized["smoothgrad"] <= 0.03 and sized["clime"] <= 0.03
    # Never lowered, never above n_max (then the figure says what was reached).
    capped = check_theorem1(f, X0, COV, n=1000, seed=0, resolution=1e-4, n_max=4000)
    assert capped.bound["power"]["n"] == 4000 and capped.bound["power"]["smoothgrad"] > 1e-4
    lax = check_theorem1(f, X0, COV, n=1000, seed=0, resolution=0.9).bound["power"]
    assert lax["n"] == 1000


def test_thorough_sizes_the_property_check_and_dev_does_not():
    case = suite.statement_property("theorem1")
    assert case.check_at_profile is not None
    assert PROFILES["thorough"].property_resolution == 0.03
    assert PROFILES["ci"].property_resolution is None
    f = PROBLEMS["softplus"]

    class Case:
        pass

    c = Case()
    c.f, c.x0, c.cov, c.seed = f, X0, COV, 0
    assert THEOREM1.check_at_profile(c, 0, PROFILES["thorough"]).bound["power"]["n"] > 1000
    assert _property_check(c, 0).bound["power"]["n"] == 1000


def test_a_large_n_sum_is_not_a_false_alarm():
    """Round-off of a mean of n terms grows with n: at n = 362,087 a constant gradient
    component summed in blocks is off by 5e-12, which the fixed 1e-12 floor called a
    bias (found by the thorough profile's sizing)."""
    f = Polynomial({(0, 0, 2): 2.0, (0, 1, 0): 1.3955752227280414})
    r = check_theorem1(f, np.zeros(3), np.eye(3), n=362087, seed=0)
    assert r.status == "verified", r.message


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"resolution": -0.1}, "resolution must be a positive relative bias"),
        ({"resolution": float("nan")}, "resolution must be a positive relative bias"),
        ({"resolution": "3 %"}, "resolution must be a positive relative bias"),
        ({"resolution": 0.03, "n_max": 10}, "n_max must be an int >= n = 1000"),
        ({"resolution": 0.03, "n_max": 2.0**20}, "n_max must be an int"),
    ],
)
def test_bad_sizing_arguments_are_refused_with_the_fix(bad, match):
    from verify.validation import InputError

    with pytest.raises(InputError, match=match):
        check_theorem1(PROBLEMS["softplus"], X0, COV, n=1000, seed=0, **bad)


def test_the_run_summary_counts_blind_problems_as_blind():
    """A problem whose explanation is zero shows no relative bias (None): it never counts
    as catching one, and a median that lands on such problems is None, not inf."""
    seen = {"smoothgrad": [0.02, None, None], "clime": [None], "n": [1000, 4000, 2000]}
    out = suite._power_summary(seen)
    assert out["smoothgrad"] == {
        "problems": 3,
        "relative_bias": 0.02,
        "median": None,
        "caught": {"0.01": 0, "0.03": 1, "0.1": 1},
    }
    assert out["clime"]["relative_bias"] is None and out["n"] == [1000, 4000]
    assert suite._power_summary({"smoothgrad": [0.5, 0.02, None]})["smoothgrad"]["median"] == 0.5
    assert suite._power_summary({"n": [1000]}) is None  # a check that states no power

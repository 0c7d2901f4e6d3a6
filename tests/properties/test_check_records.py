"""The result records, the pytest wrapper, and bad input to the checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from properties.theorems import (
    STATEMENTS,
    CheckResult,
    StatementViolation,
    check_kernel_lime,
    check_lemma6,
    check_proposition1,
    check_proposition2,
    check_proposition3,
    check_theorem1,
    check_theorem2_sharp,
    check_theorem3,
    require,
    single_index_slope,
    sklearn_available,
)
from verify import closed_form, estimators
from verify.functions import Polynomial, RidgeFunction, Translated
from verify.validation import InputError

F = RidgeFunction([1.0, -0.5], 0.2, "sin")
X0 = np.array([0.1, 0.4])
COV = np.array([[0.6, 0.1], [0.1, 0.3]])


def test_records_are_json_data():
    result = check_theorem1(F, X0, COV, n=500, seed=3)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["statement"] == "theorem1" and data["status"] == "verified"
    assert data["seed"] == 3 and data["false_alarm"] == 1e-6 and data["assertions"] == 5
    assert "theorem1" in str(result) and "verified" in str(result)


def test_require_raises_with_the_figures():
    result = CheckResult(
        "lemma6",
        "falsified",
        observed={"gap": 1.0},
        counterexample={"x0": np.zeros(2)},
        message="boom",
    )
    with pytest.raises(StatementViolation, match="lemma6") as info:
        require(result)
    assert "gap" in str(info.value) and "counterexample" in str(info.value)
    assert info.value.result is result
    assert require(result, "falsified") is result


def test_record_fields_are_validated():
    with pytest.raises(ValueError, match="unknown statement"):
        CheckResult("theorem9", "verified")
    with pytest.raises(ValueError, match="unknown status"):
        CheckResult("theorem1", "probably")
    assert len(STATEMENTS) == 20  # the paper's 10 and the 10 LFA statements of issue 21


def test_checks_are_reproducible_given_the_seed():
    a = check_theorem1(F, X0, COV, n=500, seed=11)
    b = check_theorem1(F, X0, COV, n=500, seed=11)
    np.testing.assert_array_equal(a.observed["smoothgrad_n"], b.observed["smoothgrad_n"])
    c = check_theorem1(F, X0, COV, n=500, seed=12)
    assert not np.array_equal(a.observed["smoothgrad_n"], c.observed["smoothgrad_n"])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: check_theorem1(lambda x: x, X0, COV), "verify.functions.Function"),
        (lambda: check_theorem1(F, np.zeros(3), COV), "x0"),
        (lambda: check_theorem1(F, np.zeros((2, 2)), COV), "one point"),
        (lambda: check_theorem1(F, X0, np.diag([1.0, -1.0])), "positive definite"),
        (lambda: check_theorem1(F, X0, COV, n=5), "n must be an int"),
        (lambda: check_theorem1(F, X0, COV, false_alarm=0.7), "false_alarm"),
        (lambda: check_proposition1(F, X0, COV, n=100, epsilon=0.1), "exactly one"),
        (lambda: check_proposition1(F, X0, COV), "exactly one"),
        (lambda: check_theorem2_sharp(F, X0, X0, COV), "coincide"),
        (lambda: check_lemma6(F, X0, COV, ridge=-1.0), "ridge"),
        (lambda: check_kernel_lime(F, X0, COV, kernel_width=0.0), "kernel_width"),
        (lambda: check_theorem3(F, X0, COV, n_grid=(5,)), "n must be"),
        (lambda: Translated(F, [1.0, 2.0, 3.0]), "shift"),
    ],
)
def test_bad_input_names_the_problem(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_checks_without_a_gradient_bound_are_not_applicable():
    cubic = Polynomial({(3, 0): 1.0, (0, 1): 1.0})
    assert check_proposition1(cubic, X0, COV, n=100).status == "not_applicable"
    assert check_theorem2_sharp(cubic, X0, X0 + 0.1, COV).status == "not_applicable"
    result = check_theorem2_sharp(cubic, X0, X0 + 0.1, COV, gradient_bound=1e6)
    assert result.verified  # an explicit bound makes it applicable
    assert check_proposition3(cubic, X0, COV).status == "not_applicable"


def test_single_index_slope_against_monte_carlo():
    rng = np.random.default_rng(0)
    s = 0.3 + 0.8 * rng.standard_normal(400_000)
    derivatives = {
        "probit": lambda t: np.exp(-t * t / 2) / np.sqrt(2 * np.pi),
        "sin": np.cos,
        "exp": np.exp,
        "tanh": lambda t: 1 / np.cosh(t) ** 2,
        "elu": lambda t: np.where(t > 0, 1.0, np.exp(np.minimum(t, 0))),
        "relu": lambda t: (t > 0).astype(float),
    }
    for link, g in derivatives.items():
        values = g(s)
        k = single_index_slope(link, 0.3, 0.64)
        # 6 standard errors: a false alarm below 1e-8 per link.
        assert abs(k - values.mean()) <= 6 * values.std() / np.sqrt(s.size), link


def test_translated_function_moves_the_explanation():
    shift = np.array([0.5, -1.0])
    moved = Translated(F, shift)
    np.testing.assert_allclose(moved(X0), F(X0 + shift))
    np.testing.assert_allclose(
        closed_form.smoothgrad(moved, X0, COV), closed_form.smoothgrad(F, X0 + shift, COV)
    )
    z = estimators.draw_noise(COV, 50, 0)
    np.testing.assert_allclose(
        estimators.clime(moved, X0 - shift, COV, None, noise=z),
        estimators.clime(F, X0, COV, None, noise=z),
        rtol=1e-10,
    )


def test_proposition2_uses_the_merged_polynomial_route():
    f = Polynomial({(2, 0): 1.0, (1, 1): -2.0})
    g = Polynomial({(0, 3): 0.5, (1, 0): 1.0})
    result = require(check_proposition2(f, g, X0, COV))
    assert "smoothgrad_merged_polynomial" in result.observed["gaps"]


def test_lemma6_reports_the_sklearn_comparison():
    result = require(check_lemma6(F, X0, COV, ridge=0.2, n=500))
    if sklearn_available():
        assert "sklearn_ridge_alpha=lambda*n" in result.observed["gaps"]
    else:
        assert result.observed["sklearn"].startswith("skipped")


def test_lemma6_sklearn_mapping():
    if not sklearn_available():
        pytest.skip("scikit-learn is not installed: pip install scikit-learn (or '.[lime]')")
    from sklearn.linear_model import Ridge

    # alpha = lambda n reproduces the mean-loss estimator; alpha = lambda does not.
    z = estimators.draw_noise(COV, 400, 5)
    a = X0 + z
    ours = estimators.clime(F, X0, COV, None, ridge=0.3, noise=z)
    np.testing.assert_allclose(Ridge(alpha=0.3 * 400).fit(a, F(a)).coef_, ours, rtol=1e-8)
    assert not np.allclose(Ridge(alpha=0.3).fit(a, F(a)).coef_, ours, rtol=1e-3)


def test_theorem3_reports_the_published_formula_next_to_measurements():
    result = require(check_theorem3(F, X0, COV, n_grid=(100, 400), repetitions=50, seed=1))
    published = result.observed["published_trends"]
    measured = result.observed["measured_trends"]
    # The published threshold does not move with sigma for small sigma (the 1/sigma^2 term
    # does not bind) but blows up as ||x|| grows; the measured sample size does the opposite.
    assert published["sigma/10"] == pytest.approx(1.0)
    assert published["|x|*10"] > 10
    assert measured["|x| x 10 or / 10"] == 1.0
    assert measured["sigma/10 (tr V ratio: n needed scales with tr V)"] < 1
    assert any("dimensionally inconsistent" in note for note in result.bound["notes"])
    assert -0.8 < result.observed["loglog_slope"] < -0.2


def test_tiny_and_zero_spreads_give_finite_tolerances():
    # Found by the thorough profile: a subnormal-scale gradient spread made the pilot's
    # kurtosis 0/0 and every tolerance NaN.
    f = RidgeFunction([2.152322450861381e-134, 1.0], 0.0, "identity")
    require(check_theorem1(f, np.zeros(2), np.eye(2), n=200))
    g = Polynomial({(0,): 5.5e-85})
    require(check_lemma6(g, np.zeros(1), np.eye(1), n=200))

"""The statement checks see errors in the exact answers, not only in the estimators.

The engine is made wrong in the way its own cross-checks cannot see: every exact
figure (E f, E[grad f], Cov(x, f), hence C-LIME, ridge and kernel C-LIME) 20 %
too large, consistently, so that Stein's identity still holds between the
gradient route and the covariance route. The checks compare the exact answer
with an independent pilot of the reference estimator (bands whose floors hold
only the truth's stated error and round-off, never its distance to the pilot),
so the properties of theorem1, proposition1, theorem3, lemma6 and kernel_lime
come out falsified. With the correct engine the same calls are verified
(test_suite.py, test_broken_inputs.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_mutations import scale_exact_answers

from properties import suite
from properties.examples import COV, SMOOTH, X0
from properties.theorems import (
    check_kernel_lime,
    check_lemma6,
    check_proposition1,
    check_theorem1,
    check_theorem3,
)
from verify import closed_form

SEEDS = (0, 1, 2)
PROPERTIES = ("theorem1", "proposition1", "theorem3", "lemma6", "kernel_lime")

FIXED = {
    "theorem1": lambda s: check_theorem1(SMOOTH, X0, COV, n=1000, seed=s),
    "proposition1": lambda s: check_proposition1(SMOOTH, X0, COV, n=200, seed=s),
    "theorem3": lambda s: check_theorem3(
        SMOOTH, X0, COV, n_grid=(200, 800), repetitions=100, trends=False, seed=s
    ),
    "lemma6": lambda s: check_lemma6(SMOOTH, X0, COV, ridge=0.1, n=1000, seed=s),
    "kernel_lime": lambda s: check_kernel_lime(SMOOTH, X0, COV, kernel_width=1.0, seed=s),
}


def test_the_mutation_keeps_steins_identity(monkeypatch):
    """The error is invisible to the engine's own route-against-route comparison."""
    right = closed_form.ground_truth(SMOOTH, X0, COV)
    scale_exact_answers(monkeypatch)
    wrong = closed_form.ground_truth(SMOOTH, X0, COV)
    np.testing.assert_allclose(wrong.moments.smoothgrad, 1.2 * right.moments.smoothgrad)
    np.testing.assert_allclose(wrong.clime, 1.2 * right.clime)
    np.testing.assert_allclose(wrong.moments.covariance, wrong.moments.smoothgrad @ COV)


@pytest.mark.parametrize("statement", PROPERTIES)
def test_checks_see_a_wrong_exact_answer(statement, monkeypatch):
    for seed in SEEDS:
        assert FIXED[statement](seed).verified, (statement, seed)
    scale_exact_answers(monkeypatch)
    for seed in SEEDS:
        result = FIXED[statement](seed)
        assert result.falsified, (statement, seed, result.message)
        assert "exact" in result.message  # the pilot comparison names the exact answer


@pytest.mark.parametrize("statement", PROPERTIES)
def test_properties_see_a_wrong_exact_answer(statement, monkeypatch):
    """Through the suite, on generated inputs, as `verify run` judges it (seed 0, dev)."""
    scale_exact_answers(monkeypatch)
    out = suite.run_property(statement, seed=0, profile="dev")
    assert out["status"] == "falsified", out["message"]
    assert out["counterexample"] is not None


@pytest.mark.slow
@pytest.mark.parametrize("statement", PROPERTIES)
def test_properties_see_a_wrong_exact_answer_at_every_seed(statement, monkeypatch):
    scale_exact_answers(monkeypatch)
    for seed in range(1, 6):
        assert suite.run_property(statement, seed=seed, profile="dev")["status"] == "falsified"


def test_floors_hold_only_the_stated_truth_error():
    """A closed-form truth has no error estimate: the SmoothGrad band is t * SE exactly."""
    result = check_theorem1(SMOOTH, X0, COV, n=1000, seed=0)
    assert result.observed["truth_method"] == "closed form"
    band = result.bound["smoothgrad_band"]
    pilot = result.bound["truth_against_pilot_smoothgrad"]
    # The pilot's SE at n_pilot is sqrt(n / n_pilot) of the estimator's: the tolerances
    # scale exactly so when no floor (beyond round-off) is added.
    ratio = np.asarray(pilot["tolerance"]) / np.asarray(band["tolerance"])
    expected = np.sqrt(1000 / 20000) * pilot["quantile"] / band["quantile"]
    np.testing.assert_allclose(ratio, expected, rtol=1e-6)

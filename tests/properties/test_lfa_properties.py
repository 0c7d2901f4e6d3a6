"""The LFA statements' properties: they hold on correct targets, bite on broken ones, and run
through properties.suite as `verify run` runs them."""

from __future__ import annotations

import numpy as np
import pytest
from lfa_breaks import LFA_CASES

from properties import suite
from properties.theorems import lfa_coalitions as C
from properties.theorems import lfa_nfl as N
from properties.theorems import lfa_paths as P
from properties.theorems.lfa_cases import AffineCase, GameCase, reindex
from verify import attribution as A
from verify.functions import LinearCombination, Network, Polynomial, RBFMixture, RidgeFunction

CUBIC = Polynomial({(3, 0): 0.5, (1, 1): -1.0, (0, 2): 2.0, (0, 0): 0.3})
RELU_NET = Network(
    [np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.3]]), np.array([1.0, -0.5, 2.0])],
    [np.array([0.1, -0.2, 0.3]), np.array([0.05])],
    "relu",
)
BUMP = RBFMixture([1.5], [[0.2, -0.4]], [[2.0, 0.5], [0.5, 1.0]])
X, B = np.array([1.2, -0.7]), np.array([-0.4, 0.9])


def _scaled(target, factor):
    def broken(*args, **kwargs):
        out = target(*args, **kwargs)
        return A.Attribution(
            out.values * factor, out.method, out.error, out.value, out.reference_value
        )

    return broken


# -- correct targets hold ----------------------------------------------------------------------


@pytest.mark.parametrize("f", [CUBIC, RELU_NET, BUMP, RidgeFunction([1.0, -0.5], 0.2, "tanh")])
def test_gradient_statements_hold_on_every_family(f):
    assert P.check_lfa_gradient_matching(f, X, B).status == "verified"
    assert P.check_ig_completeness(f, X, B).status == "verified"


def test_the_step_link_shows_the_boundary_and_same_side_is_not_applicable():
    step = RidgeFunction([1.0, 1.0], 0.0, "step")
    assert P.check_ig_step_function(step, X + 1, -X - 1).status == "verified"
    assert P.check_ig_step_function(step, X + 1, X + 2).status == "not_applicable"
    assert P.check_ig_completeness(step, X, B).status == "not_applicable"


def test_recovery_and_multilinear_hold():
    f = Polynomial({(1, 0, 0): 1.0, (0, 1, 0): -2.0, (0, 0, 1): 0.5, (0, 0, 0): 1.0})
    case = AffineCase(
        f,
        np.array([1.0, -2.0, 0.5]),
        np.array([0.3, 1, 2]),
        np.array([1, -1, 0.0]),
        np.diag([1.0, 2.0, 0.5]),
        np.array([[0.0, 1, 2], [1, 1, 1]]),
    )
    assert P.check_lfa_recovery(case).status == "verified"
    ml = Polynomial({(1, 1, 0): 2.0, (1, 1, 1): -1.0, (0, 0, 1): 0.5})
    assert P.check_ig_bshap_multilinear(ml, [1.0, 2, -1], [0.5, 0, 1]).status == "verified"
    assert P.check_ig_bshap_multilinear(CUBIC, X, B).status == "not_applicable"


def _game(f, ref):
    return GameCase(f, np.array([1.0, -0.5, 2.0]), ref, seed=3)


ROWS = A.Background(np.array([[0.0, 1, -1], [2, 0, 0.5]]), [0.3, 0.7])


@pytest.mark.parametrize("ref", [A.Baseline([0.5, 0.5, -1.0]), ROWS])
def test_coalition_statements_hold(ref):
    f = LinearCombination([(1.0, reindex(CUBIC, [0, 1], 3)), (0.5, reindex(BUMP, [1, 2], 3))])
    assert C.check_kernelshap_shapley(_game(f, ref)).status == "verified"
    for kernel in (
        A.UniformKernel(),
        A.ProductKernel([0.3, -1.0, 2.0]),
        A.ExponentialKernel(1.0, "binary", "lfa"),
    ):
        assert C.check_lime_binary_banzhaf(_game(f, ref), kernel).status == "verified"
    parts = (
        reindex(Polynomial({(2,): 1.0}), [0], 3),
        reindex(RidgeFunction([2.0], 0.1, "sin"), [1], 3),
        reindex(RBFMixture([1.0], [[0.5]], [[3.0]]), [2], 3),
    )
    additive = GameCase(
        LinearCombination([(1.0, p) for p in parts]), np.array([1.0, -0.5, 2.0]), ref, parts
    )
    assert C.check_additive_agreement(additive).status == "verified"


@pytest.mark.parametrize(
    "ref",
    [
        A.Baseline([0.5, 0.5, -1.0]),
        ROWS,
        A.GaussianBackground([0.1, 0.2, 0.0], [[1.0, 0.5, 0.3], [0.5, 2.0, 0.2], [0.3, 0.2, 1.0]]),
        A.GaussianBackground(
            [0.1, 0.2, 0.0], [[1.0, 0.5, 0.3], [0.5, 2.0, 0.2], [0.3, 0.2, 1.0]], "conditional"
        ),
    ],
)
def test_the_axioms_hold_for_every_reference(ref):
    f = reindex(CUBIC, [0, 1], 3)  # the last coordinate is unused: a null player
    result = C.check_shapley_axioms(_game(f, ref))
    assert result.status == "verified", result.message
    correlated = isinstance(ref, A.GaussianBackground) and ref.value == "conditional"
    assert ("null player: phi_last = 0" in result.observed["gaps"]) == (not correlated)


def test_nfl_quantitative_holds_and_its_box_is_exact():
    result = N.check_nfl_quantitative(
        CUBIC, [0.3, -0.2], np.eye(2) * 0.5, np.diag([2.0, 0.3]), seed=1
    )
    assert result.status == "verified" and result.bound["asserted"] == [
        "squared",
        "gradient_matching",
    ]
    assert result.false_alarm == 1e-6
    assert N.box_distance(1.0, 2.0) == pytest.approx(4.0, rel=1e-9)


# -- every check bites: the broken inputs are rows of test_broken_inputs' table (lfa_breaks.py);
# here, that a failed axiom is named in the message --------------------------------------------


def test_a_failed_axiom_is_named():
    by_defect = {defect: run for check, defect, run in LFA_CASES if check == "shapley_axioms"}
    out = by_defect["Banzhaf values as Shapley values (efficiency fails)"](0, True)
    assert out.status == "falsified" and "efficiency" in out.message
    out = by_defect["the conditional value computed as the interventional one"](0, True)
    assert out.status == "falsified" and out.message.endswith("phi_2 = rho x2 / 2")


# -- the experiment and the suite ------------------------------------------------------------------


def test_no_free_lunch_curve_is_plain_data_and_matches_x_squared():
    f = Polynomial({(2,): 1.0})
    out = N.no_free_lunch_curve(f, [0.0], [0.25, 1.0, 2.0], reference_width=0.5, n=20_000, seed=4)
    assert set(out) == {
        "widths",
        "reference_width",
        "n",
        "seed",
        "confidence",
        "squared",
        "gradient_matching",
    }
    exact = out["squared"]["exact"]
    assert exact == pytest.approx([(s**2 - 0.25) ** 2 for s in out["widths"]], rel=1e-12)
    for got, want, half in zip(
        out["squared"]["sampled"], exact, out["squared"]["half_width"], strict=True
    ):
        assert abs(got - want) <= 5 * half + 1e-15  # 5 half-widths at 99 %: ~13 sd, fixed seed
    assert all(isinstance(v, float) for v in out["squared"]["sampled"])
    with pytest.raises(Exception, match="positive"):
        N.no_free_lunch_curve(f, [0.0], [1.0], reference_width=0.0)


@pytest.mark.parametrize(
    "statement",
    [
        "lfa_gradient_matching",
        "ig_completeness",
        "ig_step_function",
        "ig_bshap_multilinear",
        "additive_agreement",
        "lfa_recovery",
        "kernelshap_shapley",
        "lime_binary_banzhaf",
        "shapley_axioms",
        "nfl_quantitative",
    ],
)
def test_registered_properties_run_through_the_suite(statement):
    out = suite.run_property(statement, seed=7, profile="dev")
    want = "falsified" if statement == "ig_step_function" else "verified"  # a shown failure
    assert out["status"] == want, out["message"]
    assert out["judged"] >= 2


def test_restrict_fixes_the_features_given():
    f = reindex(BUMP, [0, 2], 3)
    g = A.restrict(f, [1], [0.7])
    z = np.array([[0.3, -0.1], [1.0, 2.0]])
    np.testing.assert_allclose(g(z), f(np.insert(z, 1, 0.7, axis=1)), rtol=1e-13)


def test_restricting_a_bump_with_subnormal_precision_stays_finite():
    """Found by the shapley_axioms property: a precision block of subnormal entries was
    inverted relative to itself (1 / 5e-323 = inf) and the restriction's weight became NaN."""
    f = RBFMixture([1.0], np.zeros((1, 2)), [[[5.4e-323, 5.25e-162], [5.25e-162, 0.5]]])
    g = A.restrict(f, [1], [0.7])
    z = np.array([[0.0], [3.0]])
    assert np.all(np.isfinite(g(z)))
    np.testing.assert_allclose(g(z), f(np.insert(z, 1, 0.7, axis=1)), rtol=1e-13)

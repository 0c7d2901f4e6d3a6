"""Bad input to the engine is refused with an InputError naming the problem and the fix.

Every public entry point of the engine (families, closed forms, estimators,
links, quadrature) was tried with the same classes of bad input: shape, NaN and
infinity, wrong type (strings, booleans, complex numbers, None), non-SPD
covariances, counts and seeds, kernel widths and ridges. Each row below was
accepted silently or failed with an unrelated exception before.
"""

from __future__ import annotations

import numpy as np
import pytest

from verify import closed_form as C
from verify import estimators as E
from verify import functions as F
from verify.links import gauss_hermite_expectation, get_link
from verify.quadrature import qmc_moments, sobol_normals
from verify.validation import InputError

f2 = F.RidgeFunction([1.0, 0.5], 0.2, "logistic")
X, COV = np.zeros(2), np.eye(2)

BAD_INPUT = {
    # -- families ----------------------------------------------------------------
    "polynomial list": (lambda: F.Polynomial([((1, 0), 1.0)]), "mapping"),
    "polynomial key not a tuple": (lambda: F.Polynomial({2: 1.0}), "tuple of exponents"),
    "polynomial string coefficient": (lambda: F.Polynomial({(1, 0): "a"}), "real number"),
    "polynomial complex coefficient": (lambda: F.Polynomial({(1, 0): 1j}), "real number"),
    "ridge w a matrix": (lambda: F.RidgeFunction([[1, 2], [3, 4]]), r"shape \(d,\)"),
    "ridge w a string": (lambda: F.RidgeFunction("ab"), "numeric array"),
    "ridge b an array": (lambda: F.RidgeFunction([1.0], [1.0, 2.0]), "b must be a finite"),
    "ridge b None": (lambda: F.RidgeFunction([1.0], None), "b must be a finite"),
    "ridge link a list": (lambda: F.RidgeFunction([1.0], 0.0, []), "unknown link"),
    "rbf centers 3-D": (lambda: F.RBFMixture([1.0], np.zeros((1, 1, 2)), np.eye(2)), "centers"),
    "rbf weights a string": (lambda: F.RBFMixture("a", [[0, 0]], np.eye(2)), "weights"),
    "network d = 0": (lambda: F.Network.random(0), "dim must be a positive int"),
    "network empty layer": (lambda: F.Network.random(2, (0,)), "hidden width"),
    "network d = 2.5": (lambda: F.Network.random(2.5), "dim must be a positive int"),
    "network seed -1": (lambda: F.Network.random(2, seed=-1), "seed"),
    "network string weights": (lambda: F.Network(["a", "b"], [0, 0]), "layer 0 weights"),
    "translated plain callable": (lambda: F.Translated(lambda x: x, [0.0]), "Function"),
    "combination plain callable": (lambda: F.LinearCombination([(1.0, abs)]), "Function"),
    "combination NaN coefficient": (lambda: F.LinearCombination([(np.nan, f2)]), "finite"),
    "f * NaN": (lambda: f2 * np.nan, "finite number"),
    "f * True": (lambda: f2 * True, "finite number"),
    "f at complex points": (lambda: f2(np.array([1j, 0])), "real numbers"),
    "f at strings": (lambda: f2("ab"), "real numbers"),
    # -- points and covariances ------------------------------------------------------
    "x0 complex": (lambda: C.smoothgrad(f2, np.array([1j, 0]), COV), "complex"),
    "x0 boolean": (lambda: C.smoothgrad(f2, np.array([True, False]), COV), "boolean"),
    "x0 strings": (lambda: E.smoothgrad(f2, ["1", "2"], COV, 10), "numeric array"),
    "cov complex": (lambda: C.clime(f2, X, COV * (1 + 1j)), "complex"),
    "cov None": (lambda: E.clime(f2, X, None, 10), "numeric array"),
    "cov 0 x 0": (lambda: E.draw_noise(np.zeros((0, 0)), 5), "square"),
    # -- counts, seeds, flags ---------------------------------------------------------
    "n True": (lambda: E.smoothgrad(f2, X, COV, True), "positive int, got True"),
    "n 2.0": (lambda: E.clime(f2, X, COV, 2.0, ridge=1.0), r"positive int, got 2\.0"),
    "n numpy bool": (lambda: E.smoothgrad(f2, X, COV, np.bool_(True)), "positive int"),
    "n 2.0 beside noise": (
        lambda: E.smoothgrad(f2, X, COV, 2.0, noise=np.zeros((2, 2))),
        "positive int",
    ),
    "clime n True": (lambda: E.clime(f2, X, COV, True), "positive int, got True"),
    "draw_noise n True": (lambda: E.draw_noise(COV, True), "positive int"),
    "draw_noise m 2.5": (lambda: E.draw_noise(COV, 5, 0, m=2.5), r"m must be an int >= 0"),
    "draw_noise m -1": (lambda: E.draw_noise(COV, 5, 0, m=-1), r"m must be an int >= 0"),
    "seed True": (lambda: E.smoothgrad(f2, X, COV, 10, seed=True), "seed"),
    "shared_noise a string": (
        lambda: E.smoothgrad(f2, X, COV, 10, shared_noise="no"),
        "shared_noise must be True or False",
    ),
    "return_intercept a string": (
        lambda: E.clime(f2, X, COV, 10, return_intercept="yes"),
        "return_intercept",
    ),
    "noise strings": (lambda: E.smoothgrad(f2, X, COV, None, noise="a"), "numeric array"),
    "noise without samples": (
        lambda: E.smoothgrad(f2, X, COV, None, noise=np.zeros((0, 2))),
        "n >= 1",
    ),
    "noise 1-D": (lambda: E.clime(f2, X, COV, None, noise=np.zeros(2)), "noise must have"),
    # -- ridges and kernel widths -------------------------------------------------------
    "ridge True": (lambda: C.clime(f2, X, COV, ridge=True), "ridge must be"),
    "ridge a string": (lambda: E.clime(f2, X, COV, 10, ridge="0.1"), "ridge must be"),
    "kernel width True": (lambda: C.clime(f2, X, COV, kernel_width=True), "kernel_width"),
    "kernel width a string": (lambda: E.clime(f2, X, COV, 10, kernel_width="1"), "kernel_width"),
    "kernel width 1e200": (lambda: C.clime(f2, X, COV, kernel_width=1e200), "overflows"),
    "kernel width 1e-200": (lambda: C.clime(f2, X, COV, kernel_width=1e-200), "underflows"),
    "batched a string": (lambda: C.ground_truth(f2, X, COV, batched="no"), "batched"),
    "sklearn alpha NaN": (lambda: E.ridge_from_sklearn_alpha(np.nan, n=10), "alpha"),
    "sklearn alpha < 0": (lambda: E.ridge_from_sklearn_alpha(-1.0, n=10), "alpha"),
    "sklearn weights < 0": (
        lambda: E.ridge_from_sklearn_alpha(1.0, weights=[-1.0, 0.5]),
        "non-negative",
    ),
    "sklearn weights all 0": (lambda: E.ridge_from_sklearn_alpha(1.0, weights=[0.0]), "sum"),
    # -- links and quadrature ----------------------------------------------------------
    "link unhashable": (lambda: get_link([]), "unknown link"),
    "quadrature order 0": (
        lambda: gauss_hermite_expectation(np.sin, np.zeros(1), np.ones(1), order=0),
        "order",
    ),
    "sobol n 2.0": (lambda: sobol_normals(2, 2.0, 0), "n"),
    "qmc one replicate": (
        lambda: qmc_moments(f2, np.zeros((1, 2)), np.eye(2), replicates=1),
        "replicates",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_with_a_fix(case):
    call, message = BAD_INPUT[case]
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.parametrize(
    ("exponents", "named"),
    [
        ((1.5, 0), r"term \(1\.5, 0\): the exponent of x1 is 1\.5.*\(1, 0\) or \(2, 0\)"),
        ((0, -1), r"term \(0, -1\): the exponent of x2 is -1, not a non-negative integer"),
        ((True, 0), r"the exponent of x1 is True, not a non-negative integer"),
        ((np.nan, 1), r"the exponent of x1 is nan"),
        ((np.inf, 1), r"the exponent of x1 is inf"),
        (("2", 0), r"the exponent of x1 is '2'"),
    ],
)
def test_polynomial_exponents_are_whole_non_negative_numbers(exponents, named):
    """{(1.5, 0): 1.0} used to become x1 silently (int(1.5) == 1)."""
    with pytest.raises(InputError, match=named):
        F.Polynomial({exponents: 1.0})


def test_whole_float_exponents_are_the_integers_they_equal():
    p = F.Polynomial({(2.0, np.int64(1)): 3.0})
    assert p.coefficients == {(2, 1): 3.0}
    assert p(np.array([2.0, 5.0])) == pytest.approx(60.0)


def test_a_vector_in_disguise_is_still_a_vector():
    """(1, d) and (d, 1) are flattened as before; only a true matrix is refused."""
    assert F.RidgeFunction([[1.0, 2.0]]).dim == 2
    assert F.Translated(f2, [[1.0], [2.0]]).shift.shape == (2,)

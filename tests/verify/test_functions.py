"""The test-function families: values, gradients, SymPy forms, bounds, algebra."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from verify import functions as F
from verify.random import RIDGE_LINKS, random_function, random_network
from verify.validation import InputError

FAMILIES = [
    "polynomial",
    "rbf",
    "ridge",
    "network",
    "deep_network",
    "sigmoid_network",
    "combination",
]


def _central_difference(f: F.Function, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grads = []
    for j in range(f.dim):
        e = np.zeros(f.dim)
        e[j] = h
        grads.append((f(X + e) - f(X - e)) / (2 * h))
    return np.stack(grads, axis=-1)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("dim", [1, 3])
def test_gradient_matches_finite_differences(family, dim, rng):
    for _ in range(5):
        f = random_function(rng, dim, family)
        X = rng.normal(size=(7, dim))
        np.testing.assert_allclose(f.gradient(X), _central_difference(f, X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("link", RIDGE_LINKS)
def test_every_ridge_link_gradient(link, rng):
    f = F.RidgeFunction(rng.normal(size=3), 0.3, link)
    X = rng.normal(size=(20, 3))
    np.testing.assert_allclose(f.gradient(X), _central_difference(f, X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_batched_shapes(family, rng):
    f = random_function(rng, 2, family)
    X = rng.normal(size=(4, 5, 2))
    assert f(X).shape == (4, 5)
    assert f.gradient(X).shape == (4, 5, 2)
    assert f(X[0, 0]).shape == ()
    np.testing.assert_allclose(f(X)[1, 2], f(X[1, 2]))


@pytest.mark.parametrize(
    "family", ["polynomial", "rbf", "ridge", "network", "sigmoid_network", "combination"]
)
def test_sympy_expression_agrees_numerically(family, rng):
    f = random_function(rng, 2, family)
    xs = sp.symbols("x1:3", real=True)
    expr = f.sympy(xs)
    value = sp.lambdify(xs, expr, "numpy")
    grad = sp.lambdify(xs, [sp.diff(expr, x) for x in xs], "numpy")
    X = rng.normal(size=(6, 2))
    np.testing.assert_allclose([value(*x) for x in X], f(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([grad(*x) for x in X], f.gradient(X), rtol=1e-8, atol=1e-10)


def test_sympy_expression_of_a_deep_elu_network(rng):
    # Nested Piecewise: compare values only (differentiating it symbolically is slow).
    f = random_network(rng, 2, hidden=(3, 3), activation="elu", output="sigmoid")
    xs = sp.symbols("x1:3", real=True)
    expr = f.sympy(xs)
    for x in rng.normal(size=(4, 2)):
        value = float(expr.subs(dict(zip(xs, map(sp.Float, x), strict=True))).evalf(30))
        assert value == pytest.approx(float(f(x)), rel=1e-12)


def test_sympy_coefficients_are_exact():
    f = F.Polynomial({(1, 0): 0.1})
    coeff = f.sympy().as_coefficients_dict()
    (value,) = coeff.values()
    assert isinstance(value, sp.Rational) and value == sp.Rational(0.1)


@pytest.mark.parametrize("family", ["rbf", "ridge", "network", "deep_network", "sigmoid_network"])
def test_gradient_bound_bounds_the_gradient(family, rng):
    for _ in range(5):
        f = random_function(rng, 3, family)
        bound = f.gradient_bound
        if bound is None:  # exp link: unbounded gradient
            continue
        X = rng.normal(scale=3.0, size=(2000, 3))
        assert np.max(np.linalg.norm(f.gradient(X), axis=-1)) <= bound * (1 + 1e-12)


def test_gradient_bound_is_attained_for_abs_ridge():
    f = F.RidgeFunction([3.0, 4.0], 0.0, "abs")
    assert f.gradient_bound == pytest.approx(5.0)
    assert np.linalg.norm(f.gradient(np.array([1.0, 1.0]))) == pytest.approx(5.0)


def test_unbounded_gradients_report_none():
    assert F.Polynomial({(2,): 1.0}).gradient_bound is None
    assert F.RidgeFunction([1.0], 0.0, "exp").gradient_bound is None
    assert F.RidgeFunction([1.0], 0.0, "step").gradient_bound is None
    assert F.Polynomial({(1, 0): 3.0, (0, 1): 4.0, (0, 0): 1.0}).gradient_bound == pytest.approx(
        5.0
    )


def test_step_function_is_flagged_not_absolutely_continuous():
    step = F.RidgeFunction([1.0, 0.0], 0.0, "step")
    assert not step.absolutely_continuous
    assert not (step + F.Polynomial({(1, 0): 1.0})).absolutely_continuous
    assert F.RidgeFunction([1.0], 0.0, "relu").absolutely_continuous


def test_linear_combination_algebra(rng):
    f, g = random_function(rng, 2, "ridge"), random_function(rng, 2, "rbf")
    h = 2.0 * f - g * 0.5 + (-f)
    X = rng.normal(size=(5, 2))
    np.testing.assert_allclose(h(X), f(X) - 0.5 * g(X), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        h.gradient(X), f.gradient(X) - 0.5 * g.gradient(X), rtol=1e-12, atol=1e-14
    )
    assert len(h.terms) == 3  # nested combinations are flattened


def test_network_matches_manual_forward_pass(rng):
    net = random_network(rng, 3, hidden=(4, 5), activation="tanh", output="sigmoid")
    x = rng.normal(size=3)
    h = np.tanh(net.weights[0] @ x + net.biases[0])
    h = np.tanh(net.weights[1] @ h + net.biases[1])
    out = net.weights[2][0] @ h + net.biases[2][0]
    assert net(x) == pytest.approx(1 / (1 + np.exp(-out)))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: F.Polynomial({}), "at least one term"),
        (lambda: F.Polynomial({(1, 0): 1.0, (1,): 2.0}), "same non-zero length"),
        (lambda: F.Polynomial({(-1,): 1.0}), "non-negative"),
        (lambda: F.Polynomial({(1,): np.nan}), "not finite"),
        (lambda: F.RBFMixture([1.0], [[0.0, 0.0]], [[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (lambda: F.RBFMixture([1.0], [[0.0, 0.0]], -np.eye(2)), "positive semi-definite"),
        (lambda: F.RBFMixture([1.0, 2.0], [[0.0, 0.0]], np.eye(2)), "weights has 2 entries"),
        (lambda: F.RidgeFunction([1.0], 0.0, "softsign"), "unknown link"),
        (lambda: F.RidgeFunction([np.inf], 0.0), "finite"),
        (lambda: F.Network([np.ones((2, 3))], [np.zeros(2)]), "at least one hidden layer"),
        (
            lambda: F.Network([np.ones((2, 3)), np.ones((1, 4))], [np.zeros(2), [0.0]]),
            "expects 4 inputs",
        ),
        (
            lambda: F.Network([np.ones((2, 3)), np.ones(2)], [np.zeros(2), [0.0]], "gelu"),
            "unknown activation",
        ),
        (lambda: F.Polynomial({(1,): 1.0}) + F.Polynomial({(1, 1): 1.0}), "different dimensions"),
    ],
)
def test_bad_construction_names_the_problem(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_input_dimension_is_refused(rng):
    f = random_function(rng, 3, "ridge")
    with pytest.raises(InputError, match=r"dimension 3.*\(\.\.\., 3\)"):
        f(np.zeros((4, 2)))
    with pytest.raises(InputError):
        f.gradient(np.float64(1.0))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("shared", [True, False])
def test_batched_hooks_match_pointwise_evaluation(family, shared, rng):
    """The estimators' fast paths equal f and grad f evaluated at the built points."""
    f = random_function(rng, 3, family)
    X0 = rng.normal(size=(4, 3))
    z = rng.normal(size=(1 if shared else 4, 7, 3))
    points = X0[:, None, :] + z
    np.testing.assert_allclose(f.values_near(X0, z), f(points), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        f.mean_gradient_near(X0, z), f.gradient(points).mean(axis=1), rtol=1e-10, atol=1e-14
    )


def test_plain_callables_are_refused_with_a_reason():
    with pytest.raises(InputError, match=r"exact\s+gradient"):
        F.as_function(lambda x: x)

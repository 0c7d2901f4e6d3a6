"""restrict(f, S, x_S) is f with S fixed, and stays in f's family."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.strategies.families import functions
from properties.strategies.matrices import points
from verify.attribution import restrict
from verify.functions import (
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
    Translated,
)
from verify.validation import InputError


def _full_point(d, S, x_S, z):
    free = [j for j in range(d) if j not in set(S)]
    y = np.empty((*np.shape(z)[:-1], d))
    y[..., list(S)] = x_S
    y[..., free] = z
    return y


def _assert_restriction(f, S, x_S, z):
    g = restrict(f, S, x_S)
    assert g.dim == f.dim - len(S)
    y = _full_point(f.dim, S, x_S, z)
    expected = f(y)
    scale = 1.0 + np.max(np.abs(expected))
    assert np.max(np.abs(g(z) - expected)) <= 1e-11 * scale
    return g


@st.composite
def restriction_problems(draw):
    d = draw(st.integers(2, 3))
    f = draw(functions(d))
    S = draw(st.lists(st.integers(0, d - 1), min_size=1, max_size=d - 1, unique=True))
    x_S = draw(points(len(S), bound=2.0))
    z = np.stack([draw(points(d - len(S), bound=2.0)) for _ in range(3)])
    return f, S, x_S, z


@given(restriction_problems())
def test_restriction_agrees_with_f_for_every_family(problem):
    f, S, x_S, z = problem
    g = _assert_restriction(f, S, x_S, z)
    assert type(g) is type(f)


def test_each_family_maps_to_itself_with_indices_in_any_order():
    rng = np.random.default_rng(0)
    d = 4
    A = rng.normal(size=(d, d))
    rank_two = A[:2].T @ A[:2]  # singular: the pseudo-inverse branch
    models = [
        Polynomial({(1, 2, 0, 1): 1.5, (0, 0, 3, 0): -2.0, (0, 0, 0, 0): 0.5}),
        RBFMixture([1.0, -0.7], rng.normal(size=(2, d)), np.stack([A @ A.T / d, rank_two])),
        RidgeFunction(rng.normal(size=d), 0.4, "softplus"),
        Network.random(d, (5, 3), "tanh", output="sigmoid", seed=2),
        Network.random(d, (4,), "sigmoid", seed=3),
        2.0 * RidgeFunction(rng.normal(size=d), 0.0, "relu") - Polynomial({(1, 0, 0, 1): 1.0}),
        Translated(RBFMixture([1.0], rng.normal(size=d), np.eye(d)), rng.normal(size=d)),
    ]
    z = rng.normal(size=(5, 2))
    for f in models:
        g = _assert_restriction(f, [3, 1], [0.7, -1.2], z)
        assert type(g) is type(f)
        h = restrict(f, np.array([False, True, False, True]), [-1.2, 0.7])
        assert np.allclose(h(z), g(z), rtol=1e-13, atol=1e-13)
    lc = restrict(models[5], [0], [1.0])
    assert isinstance(lc, LinearCombination)


def test_rbf_restriction_completes_the_square():
    # f = exp(-1/2 [(x1 - 1)^2 + 2 rho (x1 - 1) x2 + x2^2]) at x1 = 3: centre of x2 moves to
    # -rho * 2 and the weight to exp(-1/2 (1 - rho^2) 4).
    rho = 0.5
    f = RBFMixture([1.0], [1.0, 0.0], [[1.0, rho], [rho, 1.0]])
    g = restrict(f, [0], [3.0])
    assert g.centers[0, 0] == pytest.approx(-2 * rho)
    assert g.weights[0] == pytest.approx(np.exp(-0.5 * (1 - rho**2) * 4))


def test_network_restriction_absorbs_inputs_in_the_first_bias():
    f = Network([np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([1.0, 1.0])], [np.zeros(2), 0.0])
    g = restrict(f, [1], [3.0])
    assert g.biases[0].tolist() == [6.0, -3.0]
    assert g.weights[0].tolist() == [[1.0], [0.5]]


@pytest.mark.parametrize(
    ("S", "x_S", "match"),
    [
        ([0, 0], [1.0, 1.0], "must not repeat"),
        ([3], [1.0], "lie in 0..2"),
        ([-1], [1.0], "lie in 0..2"),
        ([0, 1, 2], [1.0, 1.0, 1.0], "at least one free feature"),
        ([0], [1.0, 2.0], "x_S has 2 value"),
        ([0], [np.nan], "NaN"),
        ([0.5], [1.0], "int feature indices"),
        (np.array([True, False]), [1.0], r"shape \(3,\)"),
        ("0", [1.0], "feature indices or a boolean mask"),
    ],
)
def test_restrict_refuses_bad_coalitions(S, x_S, match):
    f = Polynomial({(1, 1, 1): 1.0})
    with pytest.raises(InputError, match=match):
        restrict(f, S, x_S)


def test_restrict_refuses_unknown_families():
    class Cube(Polynomial):
        pass

    assert isinstance(restrict(Cube({(3, 0): 1.0}), [0], [1.0]), Polynomial)  # subclass dispatch
    with pytest.raises(InputError, match=r"must be a verify\.functions\.Function"):
        restrict(lambda x: x, [0], [1.0])

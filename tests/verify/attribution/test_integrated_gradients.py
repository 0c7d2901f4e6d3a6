"""Integrated Gradients and Gradient x Input against adaptive quadrature and mpmath."""

from __future__ import annotations

import attribution_oracles as oracle
import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import erf

from properties.strategies.families import BOUNDED_LINKS, functions, polynomials
from properties.strategies.matrices import points
from verify.attribution import (
    Background,
    gradient_x_input,
    integrated_gradients,
    shapley_values,
)
from verify.attribution.ig_rbf import bump_integrals
from verify.attribution.ig_ridge import secant_slopes
from verify.functions import Network, Polynomial, RBFMixture, RidgeFunction
from verify.links import get_link

RNG = np.random.default_rng(20260301)
D = 3
X0, B0 = RNG.normal(size=D), RNG.normal(size=D)


def _close(actual, expected, rtol):
    scale = 1.0 + np.max(np.abs(expected))
    assert np.max(np.abs(np.asarray(actual) - expected)) <= rtol * scale, (actual, expected)


def _models():
    A = RNG.normal(size=(D, D))
    u = RNG.normal(size=D)
    out = {
        "polynomial": Polynomial({(3, 1, 0): 0.5, (0, 2, 2): -1.0, (1, 0, 1): 2.0, (0, 0, 0): 1.0}),
        "rbf": RBFMixture(
            [1.5, -0.8], RNG.normal(size=(2, D)), np.stack([A @ A.T / D + 0.1, np.outer(u, u)])
        ),
        "net-relu-deep": Network.random(D, (6, 5), "relu", seed=4),
        "net-relu-sigmoid-out": Network.random(D, (6, 5), "relu", output="sigmoid", seed=5),
        "net-elu-one-layer": Network.random(D, (7,), "elu", seed=6),
        "net-softplus-one-layer": Network.random(D, (7,), "softplus", seed=7),
    }
    for link in (*BOUNDED_LINKS, "exp"):
        out[f"ridge-{link}"] = RidgeFunction(RNG.normal(size=D), 0.3, link)
    return out


MODELS = _models()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_integrated_gradients_equal_adaptive_quadrature(name):
    f = MODELS[name]
    result = integrated_gradients(f, X0, B0)
    assert result.exact
    kinks = None
    if not f.smooth:
        kinks = oracle.kinks(oracle.sign_pattern(f, X0, B0)) or None
    _close(result.values, oracle.integrated_gradients(f, X0, B0, kinks), 1e-10)
    assert abs(result.gap) <= 1e-12 * (1 + abs(result.value))  # completeness


def test_smooth_deep_network_is_numeric_with_an_honest_error_bar():
    f = Network.random(D, (6, 5), "tanh", output="sigmoid", seed=8)
    result = integrated_gradients(f, X0, B0, tol=1e-12)
    assert not result.exact and result.method.startswith("gauss-legendre (numeric")
    truth = oracle.integrated_gradients(f, X0, B0)
    assert np.all(np.abs(result.values - truth) <= result.error + 1e-13)
    elu = Network.random(D, (6, 5), "elu", seed=9)  # kinks of the second layer inside pieces
    result = integrated_gradients(elu, X0, B0, tol=1e-9)
    kinks = oracle.kinks(oracle.sign_pattern(elu, X0, B0))
    truth = oracle.integrated_gradients(elu, X0, B0, kinks)
    assert np.all(np.abs(result.values - truth) <= 1e-7)


def test_step_link_integrates_its_zero_derivative_and_breaks_completeness():
    f = RidgeFunction([1.0, 1.0, 0.0], 0.0, "step")
    result = integrated_gradients(f, [1.0, 1.0, 0.0], [-1.0, -1.0, 0.0])
    assert np.all(result.values == 0.0)
    assert result.gap == pytest.approx(-1.0)  # sum 0, f(x) - f(b) = 1


def test_background_averages_over_rows_with_weights():
    f = MODELS["rbf"]
    rows = RNG.normal(size=(3, D))
    weights = np.array([0.2, 0.5, 0.3])
    result = integrated_gradients(f, X0, Background(rows, weights))
    pairs = zip(weights, rows, strict=True)
    expected = sum(w * oracle.integrated_gradients(f, X0, r) for w, r in pairs)
    _close(result.values, expected, 1e-10)
    assert result.reference_value == pytest.approx(weights @ f(rows))


def test_vectorised_over_points_of_any_leading_shape():
    f = MODELS["net-relu-deep"]
    X = RNG.normal(size=(2, 3, D))
    batch = integrated_gradients(f, X, B0)
    assert batch.values.shape == (2, 3, D) and batch.value.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            single = integrated_gradients(f, X[i, j], B0).values
            _close(batch.values[i, j], single, 1e-14)


@st.composite
def smooth_problems(draw):
    f = draw(functions(D, families=("polynomial", "rbf", "ridge", "network", "combination")))
    return f, draw(points(D, bound=2.0)), draw(points(D, bound=2.0))


@given(smooth_problems())
def test_completeness_for_absolutely_continuous_families(problem):
    f, x, b = problem
    result = integrated_gradients(f, x, b)
    scale = 1.0 + abs(float(f(x))) + abs(float(f(b))) + float(np.sum(np.abs(result.values)))
    assert abs(result.gap) <= max(1e-10 * scale, float(np.sum(result.error)))


@st.composite
def multilinear(draw):
    p = draw(polynomials(D, max_degree=3, max_terms=5))
    # Cap every exponent at 1: a multilinear polynomial.
    terms = {}
    for alpha, c in p.coefficients.items():
        key = tuple(min(a, 1) for a in alpha)
        terms[key] = terms.get(key, 0.0) + c
    return Polynomial(terms), draw(points(D, bound=2.0)), draw(points(D, bound=2.0))


@given(multilinear())
def test_integrated_gradients_equal_baseline_shapley_for_multilinear_f(problem):
    f, x, b = problem
    ig = integrated_gradients(f, x, b).values
    _close(ig, oracle.shapley(oracle.game_baseline(f, x, b), D), 1e-12)


def test_beyond_multilinear_ig_and_baseline_shapley_differ():
    f = Polynomial({(2, 1, 0): 1.0})  # x1^2 x2 from 0 to (1, 1): IG (2/3, 1/3), Shapley (1/2, 1/2)
    x, b = np.array([1.0, 1.0, 0.0]), np.zeros(3)
    assert integrated_gradients(f, x, b).values[:2] == pytest.approx([2 / 3, 1 / 3])
    assert shapley_values(f, x, b).values[:2] == pytest.approx([0.5, 0.5])


def test_gradient_x_input():
    f = MODELS["net-elu-one-layer"]
    result = gradient_x_input(f, X0)
    assert result.exact and result.reference_value is None
    _close(result.values, X0 * f.gradient(X0), 1e-15)


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    """The tests below raise mpmath's global precision: give it back (the engine's
    certificates in a later test of the same worker must not see 600 digits)."""
    saved = mp.mp.prec
    yield
    mp.mp.prec = saved


# -- the closed forms' building blocks against high-precision arithmetic ------------------
def _mp_bump_integrals(a, b, g):
    mp.mp.dps = 600
    a, b, g = mp.mpf(a), mp.mpf(b), mp.mpf(g)
    t0, t1 = b / mp.sqrt(2 * a), (a + b) / mp.sqrt(2 * a)
    I0 = mp.sqrt(mp.pi / (2 * a)) * mp.e ** (-(g - b * b / a) / 2) * (mp.erf(t1) - mp.erf(t0))
    I1 = (-b / a) * I0 + (mp.e ** (-g / 2) - mp.e ** (-(a + 2 * b + g) / 2)) / a
    return I0, I1


def _worst_bump_error(n: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    alpha = 10 ** rng.uniform(-12, 5, n)
    gamma = 10 ** rng.uniform(-3, 3, n)
    beta = rng.uniform(-1, 1, n) * np.sqrt(alpha * gamma)
    I0, I1 = bump_integrals(alpha, beta, gamma)
    worst = 0.0
    for k in range(n):
        m0, m1 = _mp_bump_integrals(alpha[k], beta[k], gamma[k])
        worst = max(worst, float(abs((I0[k] - m0) / m0)), float(abs((I1[k] - m1) / m1)))
    return worst


def test_bump_integrals_are_accurate_in_every_regime():
    # Rounding of q itself (|q| <= 1e3, relative 1e-16) costs up to ~1e-13 relative.
    assert _worst_bump_error(100, seed=1) <= 2e-13


@pytest.mark.slow
def test_bump_integrals_are_accurate_in_every_regime_many_draws():
    assert _worst_bump_error(5000, seed=2) <= 2e-13


def test_bump_integrals_check_bites():
    # The textbook erf form without the regime split loses digits where the centre is far
    # behind the segment (a difference of two nearly equal erf values).
    a, b, g = 1e-10, 1.5e-4, 300.0
    t0, t1 = b / np.sqrt(2 * a), (a + b) / np.sqrt(2 * a)
    naive = np.sqrt(np.pi / (2 * a)) * np.exp(-(g - b * b / a) / 2) * (erf(t1) - erf(t0))
    m0, _ = _mp_bump_integrals(a, b, g)
    assert float(abs((naive - m0) / m0)) > 1e-3
    assert float(abs((bump_integrals(a, b, g)[0] - m0) / m0)) <= 1e-14


def test_bump_integrals_equal_direct_quadrature_on_moderate_cases():
    mp.mp.dps = 30
    for a, b, g in [(0.0, 0.0, 1.0), (0.5, -0.2, 0.3), (30.0, -10.0, 4.0), (2.0, 3.0, 5.0)]:
        I0, I1 = bump_integrals(np.array([a]), np.array([b]), np.array([g]))

        def e(u, a=a, b=b, g=g):
            return mp.e ** (-(a * u * u + 2 * b * u + g) / 2)

        assert I0[0] == pytest.approx(float(mp.quad(e, [0, 1])), rel=1e-14)
        assert I1[0] == pytest.approx(float(mp.quad(lambda u, e=e: u * e(u), [0, 1])), rel=1e-14)


@pytest.mark.parametrize("link", ["sin", "exp", "tanh", "logistic", "probit", "softplus", "elu"])
def test_secant_slopes_on_short_and_long_intervals(link):
    g = get_link(link)
    s0 = np.array([0.3, 0.3, -0.7, 2.0, -1e-3, 0.3])
    s1 = s0 + np.array([1e-9, 5e-3, 1.4, -3.0, 2e-3, 0.0])
    mp.mp.dps = 40
    expr = {
        "sin": mp.sin,
        "exp": mp.exp,
        "tanh": mp.tanh,
        "logistic": lambda s: 1 / (1 + mp.exp(-s)),
        "probit": lambda s: mp.ncdf(s),
        "softplus": lambda s: mp.log(1 + mp.exp(s)),
        "elu": lambda s: s if s > 0 else mp.exp(s) - 1,
    }[link]
    for k, slope in enumerate(secant_slopes(g, s0, s1)):
        a, b = mp.mpf(s0[k]), mp.mpf(s1[k])
        truth = mp.diff(expr, a) if a == b else (expr(b) - expr(a)) / (b - a)
        assert abs(slope - float(truth)) <= 1e-13 * (1 + abs(float(truth)))

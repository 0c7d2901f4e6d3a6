"""Exact Gaussian expectations: known moments and closed forms, and bad input."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from verify.symbolic import (
    Phi,
    UnsupportedExpression,
    covariance_vector,
    expected_gradient,
    gaussian_expectation,
    phi,
    second_moment_matrix,
    stein_side,
    symbolic_covariance,
    symbolic_mean,
)
from verify.symbolic.moments import MomentTable, padd, pmul, pmul_monom

X = sp.symbols("x1 x2 x3", real=True)
MU3 = symbolic_mean(3)
S3 = symbolic_covariance(3)


def _zero(e) -> bool:
    return sp.simplify(sp.expand(e)) == 0


# -- polynomial moments (docs/math.md#polynomials) ----------------------------------------


@pytest.mark.parametrize("i,j", [(0, 0), (0, 1), (1, 2)])
def test_second_moment(i, j):
    got = gaussian_expectation(X[i] * X[j], X, MU3, S3)
    assert sp.expand(got - (S3[i, j] + MU3[i] * MU3[j])) == 0


def test_third_moment_mixed():
    i, j, k = 0, 1, 2
    m, S = MU3, S3
    want = m[i] * m[j] * m[k] + m[i] * S[j, k] + m[j] * S[i, k] + m[k] * S[i, j]
    assert sp.expand(gaussian_expectation(X[0] * X[1] * X[2], X, m, S) - want) == 0


def test_fourth_moment_diagonal():
    m, s = MU3[0], S3[0, 0]
    want = m**4 + 6 * m**2 * s + 3 * s**2
    assert sp.expand(gaussian_expectation(X[0] ** 4, X, MU3, S3) - want) == 0


def test_isserlis_four_distinct():
    z = sp.Matrix(X)
    zero = sp.zeros(3, 1)
    S = S3
    # E[z1 z2 z3 z1] = S11 S23 + 2 S12 S13 (three pairings)
    got = gaussian_expectation(X[0] ** 2 * X[1] * X[2], X, zero, S)
    assert sp.expand(got - (S[0, 0] * S[1, 2] + 2 * S[0, 1] * S[0, 2])) == 0
    # odd central moments vanish
    assert gaussian_expectation(X[0] ** 2 * X[1], X, zero, S) == 0
    del z


def test_moments_match_mgf_derivatives():
    """Independent route: differentiate the MGF exp(t'mu + t'S t/2) symbolically."""
    d = 2
    t = sp.symbols("t1 t2")
    m, S = symbolic_mean(d), symbolic_covariance(d)
    tv = sp.Matrix(t)
    mgf = sp.exp((tv.T * m)[0] + (tv.T * S * tv)[0] / 2)
    table = MomentTable(d)
    for beta in itertools.product(range(4), repeat=d):
        if sum(beta) > 4:
            continue
        deriv = mgf
        for ti, b in zip(t, beta, strict=True):
            if b:
                deriv = sp.diff(deriv, ti, b)
        want = deriv.subs({t[0]: 0, t[1]: 0})
        got = table.evaluate(table.raw(beta), m, S)
        assert sp.expand(got - want) == 0, beta


def test_moments_match_sympy_stats_independent():
    """Independent route: sympy.stats on independent normals (small, fast case)."""
    from sympy.stats import E, Normal

    m1, m2 = sp.symbols("m1 m2", real=True)
    v1, v2 = sp.symbols("v1 v2", positive=True)
    A, B = Normal("A", m1, sp.sqrt(v1)), Normal("B", m2, sp.sqrt(v2))
    poly = lambda a, b: a**3 * b - 2 * a * b**2 + b  # noqa: E731
    want = E(poly(A, B))
    got = gaussian_expectation(poly(X[0], X[1]), X[:2], [m1, m2], sp.diag(v1, v2))
    assert sp.expand(sp.simplify(want) - got) == 0


def test_packed_arithmetic_against_sympy():
    T = MomentTable(2)
    p, q = T.raw((2, 1)), T.raw((1, 2))
    m, S = symbolic_mean(2), symbolic_covariance(2)
    ev = lambda r: sp.expand(T.evaluate(r, m, S))  # noqa: E731
    assert ev(pmul(p, q)) == sp.expand(ev(p) * ev(q))
    assert ev(padd(p, q, -3)) == sp.expand(ev(p) - 3 * ev(q))
    assert ev(pmul_monom(p, T.s_key(1, 0), 2)) == sp.expand(2 * S[0, 1] * ev(p))
    assert padd(p, p, -1) == {}


def test_float_parameters_become_the_binary_fractions_they_hold():
    """0.1 is 3602879701896397 / 2**55, not 1/10: the engine works on what was written."""
    got = gaussian_expectation(X[0] ** 2 * X[1], X[:2], [0.5, -1], [[0.25, 0.1], [0.1, 2]])
    assert got.is_Rational
    tenth = sp.Rational(3602879701896397, 2**55)
    assert sp.Rational(0.1) == tenth
    assert (
        got
        == sp.Rational(1, 2) ** 2 * (-1) + sp.Rational(1, 4) * (-1) + 2 * sp.Rational(1, 2) * tenth
    )


# -- exponentials, trig, probit ----------------------------------------------------


def test_exp_linear_is_mgf():
    w = sp.Matrix(sp.symbols("w1:4", real=True))
    got = gaussian_expectation(sp.exp((w.T * sp.Matrix(X))[0]), X, MU3, S3)
    want = sp.exp((w.T * MU3)[0] + (w.T * S3 * w)[0] / 2)
    assert _zero(got / want - 1)


def test_exp_quadratic_gaussian_product_1d():
    x = X[0]
    m = sp.Symbol("m", real=True)
    s, p = sp.symbols("s p", positive=True)
    got = gaussian_expectation(x * sp.exp(-p * x**2 / 2), [x], [m], [[s]])
    # direct integration as an independent route
    dens = sp.exp(-((x - m) ** 2) / (2 * s)) / sp.sqrt(2 * sp.pi * s)
    want = sp.integrate(x * sp.exp(-p * x**2 / 2) * dens, (x, -sp.oo, sp.oo), conds="none")
    assert _zero(got - want)


def test_characteristic_function_sin_cos():
    m = sp.Symbol("m", real=True)
    s = sp.Symbol("s", positive=True)
    x = X[0]
    assert _zero(gaussian_expectation(sp.sin(x), [x], [m], [[s]]) - sp.sin(m) * sp.exp(-s / 2))
    assert _zero(gaussian_expectation(sp.cos(x), [x], [m], [[s]]) - sp.cos(m) * sp.exp(-s / 2))
    # product to sum: sin^2 = (1 - cos 2x)/2
    want = (1 - sp.cos(2 * m) * sp.exp(-2 * s)) / 2
    assert _zero(gaussian_expectation(sp.sin(x) ** 2, [x], [m], [[s]]) - want)


def test_probit_closed_forms():
    x = X[0]
    m = sp.Symbol("m", real=True)
    v = sp.Symbol("v", positive=True)
    r = sp.sqrt(1 + v)
    assert gaussian_expectation(Phi(x), [x], [m], [[v]]) == Phi(m / r)
    got = gaussian_expectation((x - m) * Phi(x), [x], [m], [[v]])
    assert _zero(got - v * phi(m / r) / r)
    # erf is accepted through erf(u) = 2 Phi(sqrt(2) u) - 1
    got = gaussian_expectation(sp.erf(x), [x], [0], [[1]])
    assert got == 0


def test_expected_gradient_and_stein_side_agree_numeric_cov():
    cov = sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])
    f = sp.sin(X[0] - 2 * X[1]) + X[0] ** 3 * X[1]
    sg = expected_gradient(f, X[:2], [1, -1], cov)
    st = stein_side(f, X[:2], [1, -1], cov)
    assert all(_zero(e) for e in sg - st)


def test_covariance_vector_and_second_moment():
    m, S = symbolic_mean(2), symbolic_covariance(2)
    assert sp.expand(second_moment_matrix(X[:2], m, S) - (S + m * m.T)) == sp.zeros(2, 2)
    c = covariance_vector(X[0] + 3 * X[1], X[:2], m, S)
    assert sp.expand(c - S * sp.Matrix([1, 3])) == sp.zeros(2, 1)


# -- bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr,culprit",
    [
        (sp.Abs(X[0]), sp.Abs(X[0])),
        (1 / (1 + X[0] ** 2), 1 / (1 + X[0] ** 2)),
        (sp.exp(X[0] ** 3), sp.exp(X[0] ** 3)),
        (sp.sin(X[0] ** 2), sp.sin(X[0] ** 2)),
        (Phi(X[0]) ** 2, Phi(X[0]) ** 2),
        (X[0] ** 2 * Phi(X[0]), X[0] ** 2 * Phi(X[0])),
        (sp.sqrt(X[0]), sp.sqrt(X[0])),
    ],
)
def test_unsupported_expression_names_subexpression(expr, culprit):
    with pytest.raises(UnsupportedExpression) as info:
        gaussian_expectation(sp.Integer(3) + expr, [X[0]], [0], [[1]])
    assert info.value.subexpr == culprit
    assert str(culprit) in str(info.value)


def test_non_symmetric_covariance_refused_with_fix():
    with pytest.raises(ValueError, match="not symmetric") as info:
        gaussian_expectation(X[0], X[:2], [0, 0], [[1, 0.5], [0.2, 1]])
    assert "(C + C.T)/2" in str(info.value)
    a = sp.Symbol("a")
    with pytest.raises(ValueError, match="not symmetric"):
        gaussian_expectation(X[0], X[:2], [0, 0], [[1, a], [2 * a, 1]])


def test_not_positive_definite_refused():
    with pytest.raises(ValueError, match="not positive definite"):
        gaussian_expectation(X[0], X[:2], [0, 0], [[1, 2], [2, 1]])
    with pytest.raises(ValueError, match="not positive definite"):
        gaussian_expectation(X[0], X[:1], [0], [[0]])


def test_shape_mismatch_refused():
    with pytest.raises(ValueError, match="shape"):
        gaussian_expectation(X[0], X[:2], [0, 0, 0], None)
    with pytest.raises(ValueError, match="shape"):
        gaussian_expectation(X[0], X[:2], None, sp.eye(3))
    with pytest.raises(ValueError, match="not a sympy Symbol"):
        gaussian_expectation(X[0], [X[0], 2], None, None)

"""Numeric cross-checks of exact symbolic results.

(a) Monte Carlo. Each comparison is a z-test of a sample mean against the exact
value with the sample standard deviation (as scipy's ``check_sample_mean``):
``|mean - exact| <= z * sd / sqrt(n)``. The per-assertion false-alarm probability
is ``ALPHA / N_MC_ASSERTIONS`` so that, by the union bound, the whole module
raises a false alarm with probability <= ALPHA = 1e-6 (normal approximation
of the sample mean; n = 200 000 and every integrand has finite fourth
moments). The seed is fixed, so the run is deterministic.

(b) The numeric ground-truth engine (``verify.closed_form``), at ``rtol=1e-9``:
both are exact formulas, evaluated in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from verify.symbolic import (
    Phi,
    covariance_vector,
    expected_gradient,
    gaussian_expectation,
    stein_side,
    to_numeric,
)

ALPHA = 1e-6
N_MC = 200_000
X1, X2 = sp.symbols("x1 x2", real=True)
XS = (X1, X2)
MEAN = [sp.Rational(1, 2), sp.Rational(-1, 3)]
COV = sp.Matrix([[1, sp.Rational(2, 5)], [sp.Rational(2, 5), sp.Rational(1, 2)]])

# f, gradient available in closed form for the MC sampler
MC_CASES = {
    "polynomial": X1**3 * X2 - 2 * X1 * X2**2 + X2,
    "sin ridge": sp.sin(2 * X1 - X2 + sp.Rational(1, 4)),
    "probit ridge": Phi(X1 + 3 * X2 - 1),
    "rbf": 2 * sp.exp(-((X1 - 1) ** 2) - (X1 - 1) * X2 / 2 - X2**2),
    "exp-quadratic times poly": (1 + X1) * sp.exp(-(X1**2) / 4 + X2 / 2),
}
# per case: E f (1), E[grad f] (2), E[x f] (2)
N_MC_ASSERTIONS = 5 * len(MC_CASES)
Z = float(stats.norm.isf(ALPHA / N_MC_ASSERTIONS / 2))


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    rng = np.random.default_rng(20261123)
    mean = np.array([float(v) for v in MEAN])
    cov = np.array(COV.tolist(), dtype=float)
    return rng.multivariate_normal(mean, cov, size=N_MC)


def _assert_mc(values: np.ndarray, exact: float, what: str) -> None:
    sd = values.std(ddof=1)
    tol = Z * sd / np.sqrt(values.size) + 1e-12
    err = abs(values.mean() - exact)
    assert err <= tol, (
        f"{what}: MC mean {values.mean():.6g} vs exact {exact:.6g}, "
        f"|err| {err:.3g} > tol {tol:.3g} (z={Z:.2f}, n={values.size})"
    )


@pytest.mark.parametrize("name", list(MC_CASES))
def test_monte_carlo_agrees_with_exact(name, samples):
    f = MC_CASES[name]
    grad = [sp.diff(f, x) for x in XS]
    exact_f = float(to_numeric(gaussian_expectation(f, XS, MEAN, COV), [])())
    exact_g = np.asarray(to_numeric(expected_gradient(f, XS, MEAN, COV), [])(), dtype=float).ravel()
    exact_xf = [float(to_numeric(gaussian_expectation(x * f, XS, MEAN, COV), [])()) for x in XS]
    fv = to_numeric(f, XS)
    gv = [to_numeric(g, XS) for g in grad]
    a, b = samples[:, 0], samples[:, 1]
    vals = np.broadcast_to(np.asarray(fv(a, b), dtype=float), a.shape)
    _assert_mc(vals, exact_f, f"{name}: E f")
    for i in range(2):
        gi = np.broadcast_to(np.asarray(gv[i](a, b), dtype=float), a.shape)
        _assert_mc(gi, exact_g[i], f"{name}: E[d f/dx{i + 1}]")
        _assert_mc(samples[:, i] * vals, exact_xf[i], f"{name}: E[x{i + 1} f]")


def test_monte_carlo_check_bites(samples):
    """The z-test rejects an exact value shifted by 50 Monte Carlo standard errors."""
    f = MC_CASES["sin ridge"]
    vals = np.asarray(to_numeric(f, XS)(samples[:, 0], samples[:, 1]), dtype=float)
    exact = float(to_numeric(gaussian_expectation(f, XS, MEAN, COV), [])())
    shift = 50 * vals.std() / np.sqrt(vals.size)
    with pytest.raises(AssertionError, match="MC mean"):
        _assert_mc(vals, exact + shift, "shifted")


def test_symbolic_parameters_lambdified_once():
    """A fully symbolic result, lambdified with cse, evaluated at several points."""
    w, b, m = sp.symbols("w b m", real=True)
    s = sp.Symbol("s", positive=True)
    x = X1
    e = gaussian_expectation(x * Phi(w * x + b), [x], [m], [[s]])
    fn = to_numeric(e, [w, b, m, s])
    rng = np.random.default_rng(7)
    for _ in range(5):
        wv, bv, mv = rng.uniform(-2, 2, 3)
        sv = rng.uniform(0.2, 2)
        # 1-D Gauss-Hermite (probabilists') as an independent route
        t, wt = np.polynomial.hermite_e.hermegauss(120)
        xs = mv + np.sqrt(sv) * t
        quad = np.sum(wt * xs * stats.norm.cdf(wv * xs + bv)) / np.sqrt(2 * np.pi)
        assert fn(wv, bv, mv, sv) == pytest.approx(quad, rel=1e-10, abs=1e-12)


# -- (b) against the numeric ground-truth engine ---------------------------------------


@pytest.fixture(scope="module")
def engine():
    """The numeric ground-truth modules; the tests skip (with the reason) if absent."""
    cf = pytest.importorskip("verify.closed_form", reason="ground-truth engine missing")
    fn = pytest.importorskip("verify.functions", reason="ground-truth engine missing")
    return cf, fn


X0_NUM = np.array([0.5, -1.0 / 3.0])
COV_NUM = np.array([[1.0, 0.4], [0.4, 0.5]])
W = [sp.Rational(3, 4), sp.Rational(-1, 2)]
B = sp.Rational(1, 10)


def _poly_case(functions):
    coeffs = {(2, 0): 1.0, (1, 1): -3.0, (3, 1): 0.5, (0, 2): 2.0, (0, 0): -1.0}
    expr = sum(sp.nsimplify(c, rational=True) * X1**i * X2**j for (i, j), c in coeffs.items())
    return functions.Polynomial(coeffs), expr


def _rbf_case(functions):
    weights = [1.5, -0.5]
    centers = [[0.0, 1.0], [1.0, -1.0]]
    precs = [[[2.0, 0.5], [0.5, 1.0]], [[1.0, 0.0], [0.0, 0.0]]]
    expr = 0
    x = sp.Matrix(XS)
    for a, c, P in zip(weights, centers, precs, strict=True):
        u = x - sp.Matrix([sp.nsimplify(v, rational=True) for v in c])
        Pm = sp.Matrix(P).applyfunc(lambda v: sp.nsimplify(v, rational=True))
        expr += sp.nsimplify(a, rational=True) * sp.exp(-(u.T * Pm * u)[0] / 2)
    return functions.RBFMixture(weights, centers, precs), expr


def _ridge_case(functions, link):
    s = W[0] * X1 + W[1] * X2 + B
    g = {"identity": lambda u: u, "probit": Phi, "sin": sp.sin, "exp": sp.exp}[link]
    return functions.RidgeFunction([float(v) for v in W], b=float(B), link=link), g(s)


CASES = {
    "polynomial": _poly_case,
    "rbf mixture": _rbf_case,
    **{
        f"ridge {k}": (lambda fn, k=k: _ridge_case(fn, k))
        for k in ("identity", "probit", "sin", "exp")
    },
}


def _num(expr) -> np.ndarray:
    return np.asarray(to_numeric(expr, [])(), dtype=float).ravel()


@pytest.mark.parametrize("name", list(CASES))
def test_against_closed_form_engine(name, engine):
    closed_form, functions = engine
    f_num, expr = CASES[name](functions)
    mean = [sp.nsimplify(v, rational=True) for v in (sp.Rational(1, 2), sp.Rational(-1, 3))]
    cov = COV
    np.testing.assert_allclose(
        float(_num(gaussian_expectation(expr, XS, mean, cov))[0]),
        closed_form.expectation(f_num, X0_NUM, COV_NUM),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _num(expected_gradient(expr, XS, mean, cov)),
        closed_form.smoothgrad(f_num, X0_NUM, COV_NUM),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _num(covariance_vector(expr, XS, mean, cov)),
        closed_form.covariance(f_num, X0_NUM, COV_NUM),
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _num(stein_side(expr, XS, mean, cov)),
        closed_form.clime(f_num, X0_NUM, COV_NUM),
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("name", ["polynomial", "ridge sin", "rbf mixture"])
def test_ridge_and_kernel_clime_against_closed_form(name, engine):
    """Lemma 6 and §8(d) numerically: exact symbolic moments, solved at the boundary."""
    closed_form, functions = engine
    f_num, expr = CASES[name](functions)
    mean = sp.Matrix([sp.Rational(1, 2), sp.Rational(-1, 3)])
    lam = sp.Rational(3, 10)
    covv = covariance_vector(expr, XS, mean, COV)
    w_ridge = (COV + lam * sp.eye(2)).LUsolve(covv)
    np.testing.assert_allclose(
        _num(w_ridge), closed_form.clime(f_num, X0_NUM, COV_NUM, ridge=0.3), rtol=1e-9, atol=1e-12
    )
    # kernel LIME: solve the weighted normal equations built from exact weighted moments
    kw = sp.Rational(6, 5)
    pi = sp.exp(-((X1 - mean[0]) ** 2 + (X2 - mean[1]) ** 2) / (2 * kw**2))
    feats = [sp.S.One, X1, X2]
    G = sp.Matrix(3, 3, lambda i, j: gaussian_expectation(pi * feats[i] * feats[j], XS, mean, COV))
    r = sp.Matrix([gaussian_expectation(pi * feats[i] * expr, XS, mean, COV) for i in range(3)])
    Gn = np.asarray(to_numeric(G, [])(), dtype=float)
    rn = np.asarray(to_numeric(r, [])(), dtype=float).ravel()
    coef = np.linalg.solve(Gn, rn)
    np.testing.assert_allclose(
        coef[1:], closed_form.clime(f_num, X0_NUM, COV_NUM, kernel_width=1.2), rtol=1e-8, atol=1e-12
    )

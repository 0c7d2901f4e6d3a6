"""Every closed form against an independent route.

Routes, per family:
* Stein's identity between the family's gradient moments (E[grad f]) and its
  covariance moments (Cov(x, f), computed without Stein): exact agreement;
* tensor Gauss-Hermite quadrature of f, grad f and z f (d <= 3): a different
  algorithm altogether;
* Monte Carlo in higher dimension, with a tolerance from the sample's own
  standard error at a false-alarm probability of 1e-6 per assertion;
* the explicit formulas of docs/math.md (closed forms used by the engine), typed in again here.
Covariances include non-diagonal, ill-conditioned ones (condition number up to 1e4).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import trapezoid
from scipy.special import expit, ndtr

from verify import closed_form, functions
from verify.quadrature import qmc_moments, tensor_gauss_hermite_moments
from verify.random import (
    RIDGE_LINKS,
    random_covariance,
    random_function,
    random_network,
    random_ridge,
)
from verify.statistics import within_standard_errors

EXACT_FAMILIES = ["polynomial", "rbf", "ridge", "network", "combination"]
CONDITIONS = [1.0, 30.0, 1e4]
SMOOTH_LINKS = ["identity", "probit", "logistic", "sin", "exp", "tanh", "softplus"]


def _stein_side(truth: closed_form.GroundTruth) -> np.ndarray:
    return truth.clime


@pytest.mark.parametrize("family", EXACT_FAMILIES)
@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("dim", [1, 2, 5])
def test_stein_identity_between_independent_routes(family, condition, dim, rng):
    """E[grad f] (gradient moments) == Sigma^{-1} Cov(x, f) (covariance moments)."""
    for _ in range(4):
        f = random_function(rng, dim, family)
        cov = random_covariance(rng, dim, condition=condition, scale=float(rng.uniform(0.1, 2.0)))
        X0 = rng.normal(size=(3, dim))
        truth = closed_form.ground_truth(f, X0, cov)
        assert truth.method == "closed form" or "gauss-hermite 1-D" in truth.method
        sg = truth.moments.smoothgrad
        # The Stein side solves with Sigma: relative accuracy degrades like cond * eps.
        scale = np.max(np.abs(sg)) + np.max(np.abs(truth.moments.covariance))
        np.testing.assert_allclose(truth.clime, sg, atol=1e-11 * condition * max(scale, 1.0))
        # The covariance route itself: Cov = Sigma E[grad f] (no solve involved).
        np.testing.assert_allclose(truth.moments.covariance, sg @ cov, atol=1e-11 * max(scale, 1.0))


SMOOTH_MAKERS = {
    "polynomial": lambda rng, d: random_function(rng, d, "polynomial"),
    "rbf": lambda rng, d: random_function(rng, d, "rbf"),
    "ridge": lambda rng, d: random_ridge(rng, d, str(rng.choice(SMOOTH_LINKS))),
    "network": lambda rng, d: random_network(rng, d, activation="tanh"),
    "combination": lambda rng, d: (
        0.7 * random_ridge(rng, d, "probit") - random_function(rng, d, "rbf")
    ),
}


@pytest.mark.parametrize("family", sorted(SMOOTH_MAKERS))
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_closed_forms_agree_with_tensor_quadrature(family, dim, rng):
    """Smooth members only: across a kink (relu, elu, abs) Gauss-Hermite converges slowly;
    the kinked links are checked against dense 1-D integration and Monte Carlo below."""
    order = {1: 120, 2: 60, 3: 30}[dim]
    for _ in range(3):
        f = SMOOTH_MAKERS[family](rng, dim)
        cov = random_covariance(rng, dim, condition=20.0, scale=0.3)
        X0 = rng.normal(size=(2, dim))
        exact = closed_form.ground_truth(f, X0, cov).moments
        quad = tensor_gauss_hermite_moments(f, X0, np.linalg.cholesky(cov), order=order)
        # 1-D quadrature inside "exact" (tanh, logistic) and the tensor rule both report
        # error estimates; the two routes must agree within their sum.
        for a, b, ea, eb in (
            (exact.mean, quad.mean, exact.mean_error, quad.mean_error),
            (exact.smoothgrad, quad.smoothgrad, exact.smoothgrad_error, quad.smoothgrad_error),
            (exact.covariance, quad.covariance, exact.covariance_error, quad.covariance_error),
        ):
            tol = 1e-10 * (1 + np.abs(a)) + ea + eb
            assert np.all(np.abs(a - b) <= tol), (f, np.max(np.abs(a - b) - tol))


@pytest.mark.parametrize("family", EXACT_FAMILIES)
def test_closed_forms_agree_with_monte_carlo_in_dimension_6(family, rng):
    """High-dimensional check: 2e5 samples, tolerance z(1e-6 / components) * standard error."""
    dim, n = 6, 200_000
    f = random_function(rng, dim, family)
    cov = random_covariance(rng, dim, condition=100.0, scale=0.5)
    x0 = rng.normal(size=dim)
    exact = closed_form.ground_truth(f, x0, cov).moments
    a = x0 + rng.standard_normal((n, dim)) @ np.linalg.cholesky(cov).T
    grads = f.gradient(a)
    ok, worst = within_standard_errors(
        grads.mean(axis=0), exact.smoothgrad[0], grads.std(axis=0, ddof=1) / np.sqrt(n)
    )
    assert ok, f"E[grad f] off by {worst:.2f} tolerances"
    zf = (a - x0) * (f(a) - f(a).mean())[:, None]
    ok, worst = within_standard_errors(
        zf.mean(axis=0), exact.covariance[0], zf.std(axis=0, ddof=1) / np.sqrt(n)
    )
    assert ok, f"Cov(x, f) off by {worst:.2f} tolerances"


# -- docs/math.md formulas typed in again -----------------------------------------------


def test_quadratic_smoothgrad_is_H_x_plus_g(rng):
    H = random_covariance(rng, 3) - 0.5 * np.eye(3)
    g = rng.normal(size=3)
    coeffs = {}
    for i in range(3):
        e = [0, 0, 0]
        e[i] = 1
        coeffs[tuple(e)] = g[i]
        for j in range(3):
            e2 = [0, 0, 0]
            e2[i] += 1
            e2[j] += 1
            coeffs[tuple(e2)] = coeffs.get(tuple(e2), 0.0) + 0.5 * H[i, j]
    f = functions.Polynomial(coeffs)
    cov = random_covariance(rng, 3, condition=50.0)
    x0 = rng.normal(size=3)
    np.testing.assert_allclose(closed_form.smoothgrad(f, x0, cov), H @ x0 + g, atol=1e-12)
    np.testing.assert_allclose(closed_form.covariance(f, x0, cov), cov @ (H @ x0 + g), atol=1e-12)


def test_cubic_smoothgrad(rng):
    c = rng.normal(size=3)
    f = functions.Polynomial({tuple(3 * int(i == j) for i in range(3)): c[j] for j in range(3)})
    cov = random_covariance(rng, 3, condition=10.0)
    x0 = rng.normal(size=3)
    np.testing.assert_allclose(
        closed_form.smoothgrad(f, x0, cov), 3 * c * (x0**2 + np.diag(cov)), rtol=1e-12
    )


def test_fourth_moment():
    f = functions.Polynomial({(4,): 1.0})
    x, s = 0.7, 0.3
    assert closed_form.expectation(f, [x], [[s]]) == pytest.approx(x**4 + 6 * x**2 * s + 3 * s**2)


@pytest.mark.parametrize("link", ["probit", "sin", "exp", "identity"])
def test_single_index_table_of_math_section_6(link, rng):
    w, b = rng.normal(size=3), 0.2
    cov = random_covariance(rng, 3, condition=30.0, scale=0.5)
    x0 = rng.normal(size=3)
    m, v = x0 @ w + b, w @ cov @ w
    table = {
        "identity": (m, 1.0),
        "probit": (
            ndtr(m / np.sqrt(1 + v)),
            np.exp(-m * m / (2 * (1 + v))) / np.sqrt(2 * np.pi * (1 + v)),
        ),
        "sin": (np.sin(m) * np.exp(-v / 2), np.cos(m) * np.exp(-v / 2)),
        "exp": (np.exp(m + v / 2), np.exp(m + v / 2)),
    }
    mean, k = table[link]
    f = functions.RidgeFunction(w, b, link)
    assert closed_form.expectation(f, x0, cov) == pytest.approx(mean, rel=1e-12)
    np.testing.assert_allclose(closed_form.smoothgrad(f, x0, cov), k * w, rtol=1e-12)
    np.testing.assert_allclose(closed_form.covariance(f, x0, cov), k * cov @ w, rtol=1e-10)


def test_logistic_k_by_quadrature_not_the_probit_approximation():
    f = functions.RidgeFunction([1.0], 0.5, "logistic")
    # Dense trapezoid on a wide grid: an independent route to E sigma'(s).
    s = np.linspace(-40, 40, 400_001)
    m, v = 0.5 + 0.3, 4.0
    dens = np.exp(-((s - m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)
    k = trapezoid(expit(s) * (1 - expit(s)) * dens, s)
    assert closed_form.smoothgrad(f, [0.3], [[4.0]])[0] == pytest.approx(k, rel=1e-9)
    approx = np.exp(-(m**2) / (2 * (8 / np.pi + v))) / np.sqrt(2 * np.pi * (8 / np.pi + v))
    assert abs(approx - k) > 1e-4  # the Phi(s sqrt(pi/8)) shortcut is not exact


def test_rbf_with_singular_precision_matches_formula(rng):
    """Rank-1 precision: B = A (I + Sigma A)^{-1}, c = det(I + Sigma A)^{-1/2}.

    docs/math.md#gaussian-rbf-mixtures.
    """
    u = rng.normal(size=2)
    A = np.outer(u, u)
    f = functions.RBFMixture([1.5], [[0.3, -0.2]], A[None])
    cov = random_covariance(rng, 2, condition=100.0)
    x0 = rng.normal(size=2)
    M = np.eye(2) + cov @ A
    B = A @ np.linalg.inv(M)
    e = 1.5 / np.sqrt(np.linalg.det(M)) * np.exp(-0.5 * (x0 - [0.3, -0.2]) @ B @ (x0 - [0.3, -0.2]))
    assert closed_form.expectation(f, x0, cov) == pytest.approx(e, rel=1e-12)
    np.testing.assert_allclose(
        closed_form.smoothgrad(f, x0, cov), -e * B @ (x0 - [0.3, -0.2]), rtol=1e-10
    )


@pytest.mark.parametrize("link", RIDGE_LINKS)
def test_every_link_closed_form_matches_dense_integration(link, rng):
    """mean, slope and stein moments of each link vs adaptive quadrature split at the kink."""
    from scipy.integrate import quad

    from verify.links import get_link

    g = get_link(link)
    for m, v in [(0.3, 0.5), (-1.2, 2.0), (2.0, 0.1)]:
        sd = np.sqrt(v)

        def integral(h, m=m, v=v, sd=sd):
            dens = lambda s: np.exp(-((s - m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)  # noqa: E731
            lo, hi = m - 12 * sd, m + 12 * sd
            pieces = [(lo, 0.0), (0.0, hi)] if lo < 0 < hi else [(lo, hi)]
            return sum(
                quad(lambda s: h(s) * dens(s), a, b, epsabs=1e-13, epsrel=1e-11)[0]
                for a, b in pieces
            )

        M, V = np.array([m]), np.array([v])
        assert g.mean(M, V)[0] == pytest.approx(integral(g.value), rel=1e-8, abs=1e-10)
        assert g.slope(M, V)[0] == pytest.approx(integral(g.derivative), rel=1e-8, abs=1e-10)
        assert g.stein(M, V)[0] == pytest.approx(
            integral(lambda s, m=m: (s - m) * g.value(s)), rel=1e-8, abs=1e-10
        )


# -- Stein's boundary ---------------------------------------------------------------


def test_step_function_breaks_theorem_1():
    """1[a_1 > 0] has a.e. gradient 0 but C-LIME phi(x/s)/s.

    docs/math.md#steins-identity-and-step-functions.
    """
    sigma, x = 0.8, 0.3
    f = functions.RidgeFunction([1.0, 0.0], 0.0, "step")
    cov = sigma**2 * np.eye(2)
    sg = closed_form.smoothgrad(f, [x, -1.0], cov)
    cl = closed_form.clime(f, [x, -1.0], cov)
    np.testing.assert_array_equal(sg, 0.0)
    expected = np.exp(-0.5 * (x / sigma) ** 2) / np.sqrt(2 * np.pi) / sigma
    np.testing.assert_allclose(cl, [expected, 0.0], rtol=1e-12, atol=1e-15)


# -- ridge C-LIME and kernel LIME -----------------------------------------------------


def _weighted_population_least_squares(f, x0, cov, kernel_width, ridge, order=60):
    """Population (weighted, ridge) least squares with intercept by 2-D quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    t = np.stack(np.meshgrid(nodes, nodes, indexing="ij"), axis=-1).reshape(-1, 2)
    w = np.outer(weights, weights).ravel() / (2 * np.pi)
    a = x0 + t @ np.linalg.cholesky(cov).T
    if kernel_width is not None:
        w = w * np.exp(-np.sum((a - x0) ** 2, axis=1) / (2 * kernel_width**2))
    w = w / w.sum()
    design = np.column_stack([a, np.ones(len(a))])
    gram = design.T @ (design * w[:, None])
    gram[:2, :2] += ridge * np.eye(2)  # intercept not penalised
    rhs = design.T @ (w * f(a))
    return np.linalg.solve(gram, rhs)[:2]


@pytest.mark.parametrize("kernel_width", [None, 0.7, 3.0])
@pytest.mark.parametrize("ridge", [0.0, 0.05, 1.0])
def test_ridge_and_kernel_clime_against_population_least_squares(kernel_width, ridge, rng):
    for family in ("polynomial", "rbf"):
        f = random_function(rng, 2, family)
        cov = random_covariance(rng, 2, condition=8.0, scale=0.4)
        x0 = rng.normal(size=2)
        expected = _weighted_population_least_squares(f, x0, cov, kernel_width, ridge)
        got = closed_form.clime(f, x0, cov, ridge=ridge, kernel_width=kernel_width)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


def test_isotropic_ridge_clime_is_shrunk_smoothgrad(rng):
    f = random_function(rng, 3, "rbf")
    sigma2, lam = 0.3, 0.2
    x0 = rng.normal(size=3)
    np.testing.assert_allclose(
        closed_form.clime(f, x0, sigma2 * np.eye(3), ridge=lam),
        sigma2 / (sigma2 + lam) * closed_form.smoothgrad(f, x0, sigma2 * np.eye(3)),
        rtol=1e-12,
    )


def test_kernel_covariance_formula(rng):
    cov = random_covariance(rng, 4, condition=1e3)
    kw = 0.9
    expected = np.linalg.inv(np.linalg.inv(cov) + np.eye(4) / kw**2)
    np.testing.assert_allclose(
        closed_form.kernel_covariance(cov, kw), expected, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_array_equal(closed_form.kernel_covariance(cov, None), cov)


# -- numeric fallbacks report honest error bars -----------------------------------------


def test_qmc_error_bar_covers_the_exact_value(rng):
    """On a closed-form family, QMC's reported standard error covers the exact answer."""
    f = random_function(rng, 5, "network")
    cov = random_covariance(rng, 5, condition=10.0, scale=0.5)
    X0 = rng.normal(size=(4, 5))
    exact = closed_form.ground_truth(f, X0, cov).moments
    qmc = qmc_moments(f, X0, np.linalg.cholesky(cov), seed=3)
    assert "qmc" in qmc.method
    # 16 replicates: a t-quantile would be wider; z(1e-6) with a 1.5 safety factor covers it.
    for a, b, se in (
        (exact.smoothgrad, qmc.smoothgrad, qmc.smoothgrad_error),
        (exact.covariance, qmc.covariance, qmc.covariance_error),
    ):
        ok, worst = within_standard_errors(b, a, 1.5 * se)
        assert ok, worst
    assert np.max(qmc.smoothgrad_error) < 1e-3


def test_deep_networks_fall_back_and_say_so(rng):
    smooth = random_network(rng, 2, hidden=(4, 3), activation="tanh", output="sigmoid")
    x0, cov = rng.normal(size=2), 0.2 * np.eye(2)
    truth = closed_form.ground_truth(smooth, x0, cov)
    assert truth.method.startswith("gauss-hermite tensor")
    # The reported error covers the distance to a far more accurate rule.
    reference = tensor_gauss_hermite_moments(smooth, x0[None], np.linalg.cholesky(cov), order=200)
    gap = np.abs(truth.moments.smoothgrad - reference.smoothgrad)
    assert np.all(gap <= truth.moments.smoothgrad_error + 1e-14)
    assert np.all(truth.moments.smoothgrad_error < 1e-4)
    kinked = random_function(rng, 2, "deep_network")  # elu: quadrature would be unreliable
    assert closed_form.ground_truth(kinked, np.zeros(2), 0.2 * np.eye(2)).method.startswith("qmc")
    f5 = random_function(rng, 5, "sigmoid_network")
    truth5 = closed_form.ground_truth(f5, rng.normal(size=5), 0.2 * np.eye(5))
    assert truth5.method.startswith("qmc")
    assert np.all(truth5.clime_error > 0)


def test_leading_shape_follows_x0(rng):
    f = random_function(rng, 3, "ridge")
    cov = np.eye(3)
    assert closed_form.smoothgrad(f, np.zeros(3), cov).shape == (3,)
    assert closed_form.clime(f, np.zeros((4, 3)), cov).shape == (4, 3)
    assert isinstance(closed_form.expectation(f, np.zeros(3), cov), float)
    assert closed_form.expectation(f, np.zeros((4, 3)), cov).shape == (4,)


@pytest.mark.parametrize(
    ("cov", "message"),
    [
        (np.array([[1.0, 0.5], [0.0, 1.0]]), "not symmetric"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "not positive definite"),
        (np.eye(3), "function has dimension 2"),
        (np.array([1.0, 1.0]), "square"),
        (np.array([[np.nan, 0.0], [0.0, 1.0]]), "NaN"),
    ],
)
def test_bad_covariances_are_refused_with_a_fix(cov, message):
    f = functions.RidgeFunction([1.0, 1.0], 0.0, "probit")
    with pytest.raises(ValueError, match=message):
        closed_form.smoothgrad(f, np.zeros(2), cov)


def test_bad_arguments_are_refused():
    f = functions.RidgeFunction([1.0, 1.0], 0.0, "probit")
    with pytest.raises(ValueError, match="ridge"):
        closed_form.clime(f, np.zeros(2), np.eye(2), ridge=-1.0)
    with pytest.raises(ValueError, match="kernel_width"):
        closed_form.clime(f, np.zeros(2), np.eye(2), kernel_width=0.0)
    with pytest.raises(ValueError, match="shape"):
        closed_form.clime(f, np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match=r"verify\.functions\.Function"):
        closed_form.smoothgrad(lambda x: x, np.zeros(2), np.eye(2))


@pytest.mark.parametrize("link", ["relu", "elu", "abs", "probit", "sin", "exp", "identity"])
@pytest.mark.parametrize("m", [0.7, -0.7, 3.0])
def test_closed_form_links_keep_steins_identity_at_tiny_variances(link, m):
    """stein(m, v) = v slope(m, v) (Stein's lemma) to 1e-12 even at v = 1e-20 m^2.

    The closed forms are written in centred form where a raw difference would cancel:
    the ELU's E[s^2; s > 0] - m E[s; s > 0] lost every digit at v = 1e-16 m^2.
    """
    from verify.links import get_link

    g = get_link(link)
    for ratio in (1e-4, 1e-10, 1e-16, 1e-20):
        M, V = np.array([m]), np.array([ratio * m * m])
        np.testing.assert_allclose(g.stein(M, V) / V, g.slope(M, V), rtol=1e-12, atol=1e-300)

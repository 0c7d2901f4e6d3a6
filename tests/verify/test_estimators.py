"""The reference estimators: exact algebra, convergence rate and constant, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from verify import closed_form, estimators, functions
from verify.links import gauss_hermite_expectation
from verify.random import random_covariance, random_function
from verify.statistics import normal_quantile
from verify.validation import InputError

FAMILIES = ["polynomial", "rbf", "ridge", "network", "combination"]


def _lstsq_with_intercept(a: np.ndarray, y: np.ndarray, weights=None, ridge: float = 0.0):
    """Textbook route: weighted least squares on [a, 1] with a ridge block on the slope."""
    n, d = a.shape
    w = np.full(n, 1.0 / n) if weights is None else weights / weights.sum()
    design = np.column_stack([a, np.ones(n)]) * np.sqrt(w)[:, None]
    target = y * np.sqrt(w)
    if ridge:
        penalty = np.zeros((d, d + 1))
        penalty[:, :d] = np.sqrt(ridge) * np.eye(d)
        design = np.vstack([design, penalty])
        target = np.concatenate([target, np.zeros(d)])
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    return coef[:d], coef[d]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("condition", [1.0, 1e4])
@pytest.mark.parametrize(
    ("kernel_width", "ridge"), [(None, 0.0), (None, 0.3), (0.8, 0.0), (0.8, 0.05)]
)
def test_clime_is_least_squares_with_intercept(family, condition, kernel_width, ridge, rng):
    d, n = 3, 60
    f = random_function(rng, d, family)
    cov = random_covariance(rng, d, condition=condition, scale=0.5)
    x0 = rng.normal(size=d)
    noise = estimators.draw_noise(cov, n, seed=rng)
    slope, intercept = estimators.clime(
        f,
        x0,
        cov,
        None,
        noise=noise,
        ridge=ridge,
        kernel_width=kernel_width,
        return_intercept=True,
    )
    a = x0 + noise
    weights = None if kernel_width is None else np.exp(-np.sum(noise**2, 1) / (2 * kernel_width**2))
    expected_slope, expected_intercept = _lstsq_with_intercept(a, f(a), weights, ridge)
    scale = np.max(np.abs(expected_slope)) + 1.0
    np.testing.assert_allclose(slope, expected_slope, atol=1e-8 * condition * scale)
    assert intercept == pytest.approx(expected_intercept, abs=1e-7 * condition * scale)


def test_sklearn_ridge_alpha_maps_to_mean_loss_lambda(rng):
    linear_model = pytest.importorskip(
        "sklearn.linear_model", reason="scikit-learn not installed: pip install scikit-learn"
    )
    d, n, alpha, kw = 3, 80, 1.0, 1.2
    f = random_function(rng, d, "rbf")
    cov = random_covariance(rng, d, condition=5.0)
    x0 = rng.normal(size=d)
    noise = estimators.draw_noise(cov, n, seed=1)
    pi = np.exp(-np.sum(noise**2, 1) / (2 * kw**2))
    model = linear_model.Ridge(alpha=alpha).fit(x0 + noise, f(x0 + noise), sample_weight=pi)
    lam = estimators.ridge_from_sklearn_alpha(alpha, weights=pi)
    ours = estimators.clime(f, x0, cov, None, noise=noise, ridge=lam, kernel_width=kw)
    np.testing.assert_allclose(ours, model.coef_, rtol=1e-8, atol=1e-10)
    assert estimators.ridge_from_sklearn_alpha(2.0, n=100) == pytest.approx(0.02)


def test_affine_functions_are_recovered_exactly(rng):
    """SG_n = theta for n >= 1 and C-LIME_n = theta for n >= d + 1 (docs/math.md#proposition-3)."""
    d = 4
    theta = rng.normal(size=d)
    f = functions.RidgeFunction(theta, 0.7, "identity")
    cov = random_covariance(rng, d, condition=1e3)
    x0 = rng.normal(size=(5, d))
    np.testing.assert_allclose(estimators.smoothgrad(f, x0, cov, 1, seed=2), np.tile(theta, (5, 1)))
    np.testing.assert_allclose(
        estimators.clime(f, x0, cov, d + 1, seed=2), np.tile(theta, (5, 1)), rtol=1e-6
    )


@pytest.mark.parametrize("estimator", [estimators.smoothgrad, estimators.clime])
def test_linearity_is_exact_with_shared_noise(estimator, rng):
    d = 3
    f, g = random_function(rng, d, "rbf"), random_function(rng, d, "network")
    cov = random_covariance(rng, d, condition=50.0)
    x0 = rng.normal(size=(4, d))
    combo = 2.5 * f - 0.75 * g
    left = estimator(combo, x0, cov, 40, seed=9)
    right = 2.5 * estimator(f, x0, cov, 40, seed=9) - 0.75 * estimator(g, x0, cov, 40, seed=9)
    np.testing.assert_allclose(left, right, rtol=1e-10, atol=1e-12)


def test_seed_generator_and_noise_routes_agree(rng):
    d, n = 3, 30
    f = random_function(rng, d, "ridge")
    cov = random_covariance(rng, d)
    x0 = rng.normal(size=(2, d))
    by_seed = estimators.clime(f, x0, cov, n, seed=5)
    by_generator = estimators.clime(f, x0, cov, n, seed=np.random.default_rng(5))
    by_noise = estimators.clime(f, x0, cov, None, noise=estimators.draw_noise(cov, n, seed=5, m=2))
    np.testing.assert_array_equal(by_seed, by_generator)
    np.testing.assert_allclose(by_seed, by_noise, rtol=1e-10)
    assert not np.allclose(by_seed, estimators.clime(f, x0, cov, n, seed=6))


def test_shared_noise_gives_each_point_the_same_offsets(rng):
    d, n = 2, 25
    f = random_function(rng, d, "rbf")
    cov = random_covariance(rng, d)
    x0 = rng.normal(size=(3, d))
    shared = estimators.smoothgrad(f, x0, cov, n, seed=4, shared_noise=True)
    z = estimators.draw_noise(cov, n, seed=4, m=1)[0]
    np.testing.assert_allclose(shared, [f.gradient(x + z).mean(0) for x in x0], rtol=1e-12)


def test_translation_equivariance_sample_by_sample(rng):
    """C-LIME_n of f at x equals C-LIME_n of f(. + t) at x - t with the same offsets."""
    d = 3
    t = rng.normal(size=d)
    g = functions.RidgeFunction(rng.normal(size=d), 0.3, "sin")
    g_shift = functions.RidgeFunction(g.w, g.b + g.w @ t, "sin")
    cov = random_covariance(rng, d, condition=100.0)
    x = rng.normal(size=d)
    noise = estimators.draw_noise(cov, 50, seed=3)
    np.testing.assert_allclose(
        estimators.clime(g, x, cov, None, noise=noise),
        estimators.clime(g_shift, x - t, cov, None, noise=noise),
        rtol=1e-9,
    )


def _smoothgrad_trace_covariance(w: np.ndarray, b: float, x0: np.ndarray, cov: np.ndarray) -> float:
    """tr Cov(grad f) for the probit ridge f = Phi(w^T x + b): ||w||^2 Var(phi(s))."""
    m, v = np.array([x0 @ w + b]), np.array([w @ cov @ w])
    phi = lambda s: np.exp(-0.5 * s * s) / np.sqrt(2 * np.pi)  # noqa: E731
    second = gauss_hermite_expectation(lambda s: phi(s) ** 2, m, v)[0]
    first = gauss_hermite_expectation(phi, m, v)[0]
    return float(w @ w * (second - first**2))


def test_smoothgrad_mean_squared_error_is_trace_over_n(rng):
    """E||SG_n - SG||^2 = tr Cov(grad f) / n (docs/math.md#proposition-1), at n = 10 and 40.

    R = 20,000 independent replicates per n: the mean of R squared errors has
    relative standard deviation sqrt(Var ||e||^2 / R) / mean, with Var ||e||^2
    = 2 (tr C/n)^2 for the rank-one error of a ridge function. Tolerance:
    z(1e-6 over 2 assertions) standard deviations.
    """
    d, R = 4, 20_000
    w, b = rng.normal(size=d), 0.2
    f = functions.RidgeFunction(w, b, "probit")
    cov = random_covariance(rng, d, condition=10.0)
    x0 = rng.normal(size=d)
    truth = closed_form.smoothgrad(f, x0, cov)
    tr = _smoothgrad_trace_covariance(w, b, x0, cov)
    z = normal_quantile(1e-6, components=2)
    for n in (10, 40):
        est = estimators.smoothgrad(f, np.tile(x0, (R, 1)), cov, n, seed=n)
        mse = np.mean(np.sum((est - truth) ** 2, axis=1))
        sd = np.sqrt(2.0) * (tr / n) / np.sqrt(R)
        assert abs(mse - tr / n) <= z * sd, (n, mse, tr / n)


@pytest.mark.parametrize("estimator", ["smoothgrad", "clime"])
def test_error_decays_at_rate_one_over_root_n(estimator, rng):
    """Log-log slope of the RMSE between n = 200 and n = 3200 is -1/2.

    R = 1,000 replicates per n; each log-MSE has standard deviation about
    sqrt(2/R) = 0.045, so the slope's is about 0.045 * sqrt(2) / ln 16 = 0.023 and
    the tolerance of 0.12 is over 5 standard deviations (false alarm < 1e-6).
    """
    d, R = 3, 1000
    f = random_function(rng, d, "rbf")
    cov = random_covariance(rng, d, condition=10.0, scale=0.5)
    x0 = rng.normal(size=d)
    truth = closed_form.clime(f, x0, cov)
    run = getattr(estimators, estimator)
    mse = []
    for n in (200, 3200):
        est = run(f, np.tile(x0, (R, 1)), cov, n, seed=n)
        mse.append(np.mean(np.sum((est - truth) ** 2, axis=1)))
    slope = 0.5 * (np.log(mse[1]) - np.log(mse[0])) / np.log(16)
    assert abs(slope + 0.5) <= 0.12, slope


@pytest.mark.parametrize("estimator", [estimators.smoothgrad, estimators.clime])
def test_leading_shape_follows_x0(estimator, rng):
    f = random_function(rng, 3, "ridge")
    assert estimator(f, np.zeros(3), np.eye(3), 20).shape == (3,)
    assert estimator(f, np.zeros((5, 3)), np.eye(3), 20).shape == (5, 3)


def test_inputs_are_not_mutated(rng):
    f = random_function(rng, 3, "rbf")
    x0 = rng.normal(size=(2, 3))
    cov = random_covariance(rng, 3)
    noise = estimators.draw_noise(cov, 20, seed=0)
    copies = [x0.copy(), cov.copy(), noise.copy()]
    estimators.clime(f, x0, cov, None, noise=noise, kernel_width=1.0, ridge=0.1)
    estimators.smoothgrad(f, x0, cov, None, noise=noise)
    for before, after in zip(copies, [x0, cov, noise], strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: estimators.clime(f, np.zeros(3), np.eye(3), 3), r"n >= d \+ 1 = 4"),
        (lambda f: estimators.smoothgrad(f, np.zeros(3), np.eye(3), 0), "positive int"),
        (lambda f: estimators.smoothgrad(f, np.zeros(3), np.eye(3), 2.5), "positive int"),
        (lambda f: estimators.smoothgrad(f, np.zeros(2), np.eye(3), 5), r"shape \(3,\)"),
        (lambda f: estimators.smoothgrad(f, np.zeros(3), -np.eye(3), 5), "positive definite"),
        (lambda f: estimators.smoothgrad(f, np.zeros(3), np.eye(3), 5, seed=-1), "seed"),
        (lambda f: estimators.clime(f, np.zeros(3), np.eye(3), 9, ridge=-1.0), "ridge"),
        (lambda f: estimators.clime(f, np.zeros(3), np.eye(3), 9, kernel_width=0.0), "kernel"),
        (
            lambda f: estimators.clime(f, np.zeros(3), np.eye(3), None, noise=np.zeros((9, 2))),
            "noise",
        ),
        (lambda f: estimators.clime(f, np.zeros(3), np.eye(3), 8, noise=np.ones((9, 3))), "n = 8"),
        (
            lambda f: estimators.clime(f, np.zeros(3), np.eye(3), None, noise=np.ones((9, 3))),
            "span",
        ),
        (lambda f: estimators.clime(f, np.zeros(3), np.eye(3), 30, kernel_width=1e-4), "span"),
        (
            lambda f: estimators.clime(
                f, np.zeros(3), np.eye(3), None, noise=np.full((9, 3), np.nan)
            ),
            "NaN",
        ),
    ],
)
def test_bad_input_is_refused_with_a_fix(call, message, rng):
    f = random_function(rng, 3, "ridge")
    with pytest.raises(InputError, match=message):
        call(f)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_model_output_is_refused():
    f = functions.RidgeFunction([400.0, 0.0], 0.0, "exp")
    with pytest.raises(InputError, match="non-finite"):
        estimators.clime(f, np.array([2.0, 0.0]), np.eye(2), 50)
    with pytest.raises(InputError, match="non-finite"):
        estimators.smoothgrad(f, np.array([2.0, 0.0]), np.eye(2), 50)

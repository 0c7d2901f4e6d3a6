"""The closed forms and the estimators refuse the same inputs, with the same message.

* A covariance too small for double precision (1e-300 I gave C-LIME_n ~ 1e133 and a
  closed-form C-LIME of 0): refused everywhere by one rule (docs in
  :func:`verify.validation.check_resolution`), and what the rule accepts is accurate.
* An overflowing model: the estimators refused it, the closed forms returned inf and
  nan; now both refuse with the same message.
* ``ground_truth`` can return unbatched results, like the other closed forms.
"""

from __future__ import annotations

import numpy as np
import pytest

from verify import closed_form as C
from verify import estimators as E
from verify import functions as F
from verify.moments import GaussianMoments
from verify.random import random_function
from verify.validation import RESOLUTION, InputError

ENTRY_POINTS = {
    "closed_form.expectation": lambda f, x0, cov: C.expectation(f, x0, cov),
    "closed_form.smoothgrad": lambda f, x0, cov: C.smoothgrad(f, x0, cov),
    "closed_form.covariance": lambda f, x0, cov: C.covariance(f, x0, cov),
    "closed_form.clime": lambda f, x0, cov: C.clime(f, x0, cov),
    "closed_form.clime with ridge": lambda f, x0, cov: C.clime(f, x0, cov, ridge=0.1),
    "closed_form.ground_truth": lambda f, x0, cov: C.ground_truth(f, x0, cov),
    "Function.gaussian_moments": lambda f, x0, cov: f.gaussian_moments(x0, cov),
    "estimators.smoothgrad": lambda f, x0, cov: E.smoothgrad(f, x0, cov, 50),
    "estimators.clime": lambda f, x0, cov: E.clime(f, x0, cov, 50),
    "estimators.clime shared": lambda f, x0, cov: E.clime(f, x0, cov, 50, shared_noise=True),
}
TOO_SMALL = r"cov is too small to perturb x0 in double precision.*larger covariance"
OVERFLOW = r"non-finite value\(s\).*f overflows under N\(x0, cov\); use a smaller covariance"
FAMILIES = ["polynomial", "rbf", "ridge", "network", "combination"]


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("family", FAMILIES)
def test_a_covariance_below_double_precision_is_refused_everywhere(entry, family, rng):
    f = random_function(rng, 3, family)
    with pytest.raises(InputError, match=TOO_SMALL):
        ENTRY_POINTS[entry](f, rng.normal(size=3), 1e-300 * np.eye(3))


@pytest.mark.parametrize("scale", [1.0, 1e6])
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_the_threshold_is_the_smallest_sd_relative_to_the_data(scale, entry):
    """sd_min >= 1e-12 max(1, |x0|): a diagonal cov shows it is the smallest eigenvalue."""
    f = F.RidgeFunction([0.3, -0.2], 0.1, "probit")
    x0 = np.array([-scale, 0.25])  # the data's scale is max(1, |x0|) = scale
    run = ENTRY_POINTS[entry]
    run(f, x0, np.diag([1.0, (1.01 * RESOLUTION * scale) ** 2]))  # accepted
    with pytest.raises(InputError, match=TOO_SMALL):
        run(f, x0, np.diag([1.0, (0.99 * RESOLUTION * scale) ** 2]))


SMALL_MODELS = {
    "polynomial": lambda rng: random_function(rng, 3, "polynomial"),
    "rbf": lambda rng: random_function(rng, 3, "rbf"),
    "combination": lambda rng: random_function(rng, 3, "combination"),
    **{
        f"ridge {link}": (lambda rng, link=link: F.RidgeFunction(rng.normal(size=3), 0.4, link))
        for link in ("probit", "logistic", "sin", "exp", "tanh", "softplus", "relu", "elu")
    },
    "relu network": lambda rng: F.Network.random(3, (6,), "relu", seed=rng),
    "elu network": lambda rng: F.Network.random(3, (6,), "elu", seed=rng),
}


@pytest.mark.parametrize("model", sorted(SMALL_MODELS))
def test_what_the_rule_accepts_has_the_rounding_error_it_predicts(model, rng):
    """At cov = 1e-20 I (sd 1e-10, accepted) both routes agree with Theorem 1 to rounding.

    There SG(x0) and C-LIME both equal grad f(x0) up to O(sd) = 1e-10, and rounding
    x0 + z and f(x0 + z) costs C-LIME about eps (s |grad f| + |f|) / sd (s = max(1,
    |x0|)), in the closed forms (Gauss-Hermite's stein integral) and the estimator
    alike; the tolerance is 50 times that. The ELU closed form used to lose every
    digit here (E[s^2; s > 0] - m E[s; s > 0] cancels), an error of order |grad f|.
    """
    f = SMALL_MODELS[model](rng)
    x0, sd = rng.normal(size=3), 1e-10
    cov = sd**2 * np.eye(3)
    sg = C.smoothgrad(f, x0, cov)
    s = max(1.0, float(np.max(np.abs(x0))))
    rounding = np.finfo(float).eps * (s * np.linalg.norm(sg) + abs(f(x0))) / sd
    np.testing.assert_allclose(C.clime(f, x0, cov), sg, rtol=0, atol=50 * rounding)
    np.testing.assert_allclose(E.clime(f, x0, cov, 200, seed=1), sg, rtol=0, atol=50 * rounding)
    # SmoothGrad averages gradients: no difference quotient, no loss.
    np.testing.assert_allclose(
        E.smoothgrad(f, x0, cov, 20, seed=1), sg, rtol=0, atol=1e-8 * np.linalg.norm(sg)
    )


def test_a_kernel_too_narrow_for_double_precision_is_refused_alike():
    """kw = 1e-13 makes Sigma' ~ kw^2 I: below the rule for both routes."""
    f = F.RidgeFunction([1.0, 0.5], 0.2, "sin")
    message = r"kernel-weighted covariance .* is too small .*widen kernel_width"
    with pytest.raises(InputError, match=message):
        C.clime(f, np.zeros(2), np.eye(2), kernel_width=1e-13)
    with pytest.raises(InputError, match=message):
        E.clime(f, np.zeros(2), np.eye(2), 50, kernel_width=1e-13)
    # A narrow but resolvable kernel is a valid (if wasteful) question: answered.
    assert np.all(np.isfinite(C.clime(f, np.zeros(2), np.eye(2), kernel_width=1e-5)))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_an_overflowing_model_is_refused_alike(entry):
    """exp(400 x1) at x1 = 2: every sample and every moment overflows."""
    f = F.RidgeFunction([400.0, 0.0], 0.0, "exp")
    with pytest.raises(InputError, match=OVERFLOW):
        ENTRY_POINTS[entry](f, np.array([2.0, 0.0]), np.eye(2))


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_a_model_that_stays_finite_is_answered(entry):
    """The same family one step inside double precision: no refusal."""
    f = F.RidgeFunction([4.0, 0.0], 0.0, "exp")
    result = ENTRY_POINTS[entry](f, np.array([2.0, 0.0]), 0.5 * np.eye(2))
    if isinstance(result, C.GroundTruth):
        result = result.clime
    elif isinstance(result, GaussianMoments):
        result = result.smoothgrad
    assert np.all(np.isfinite(result))


def test_ground_truth_for_one_point_can_be_unbatched(rng):
    """Default: batched even for one point (compatibility). batched=False: x0's rank."""
    f = random_function(rng, 3, "network")
    x0, cov = rng.normal(size=3), 0.3 * np.eye(3)
    batched = C.ground_truth(f, x0, cov)
    single = C.ground_truth(f, x0, cov, batched=False)
    assert batched.clime.shape == (1, 3) and batched.moments.mean.shape == (1,)
    assert single.clime.shape == (3,) and single.clime_error.shape == (3,)
    assert single.moments.mean.shape == () and single.moments.smoothgrad.shape == (3,)
    np.testing.assert_array_equal(single.clime, C.clime(f, x0, cov))
    np.testing.assert_array_equal(single.moments.smoothgrad, C.smoothgrad(f, x0, cov))
    assert single.moments.mean == C.expectation(f, x0, cov)
    # Many points: the same arrays either way; point(i) is the i-th row.
    X0 = rng.normal(size=(4, 3))
    many = C.ground_truth(f, X0, cov, batched=False)
    np.testing.assert_array_equal(many.clime, C.ground_truth(f, X0, cov).clime)
    np.testing.assert_array_equal(many.point(2).clime, many.clime[2])
    np.testing.assert_array_equal(many.point(2).moments.covariance, many.moments.covariance[2])
    with pytest.raises(InputError, match="one point already"):
        single.point(0)

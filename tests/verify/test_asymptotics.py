"""The CLT terms moved from the application into :mod:`verify.asymptotics`.

Exact cases (an affine f has no sampling error: every trace is 0) and closed forms of
the robustness constant; the Monte Carlo comparisons are seeded and their tolerance is
5 standard errors (a false alarm of 6e-7 for a correct simulation, two-sided).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gamma

from verify import asymptotics as A
from verify import functions as F
from verify.covariance import Covariance


def test_an_affine_function_has_no_sampling_error():
    f = F.RidgeFunction([0.5, -1.0, 2.0], 0.3)
    x0, cov = np.array([0.1, 0.2, -0.3]), np.diag([0.5, 1.0, 2.0])
    tr_sg, tr_v = A.clt_trace_terms(f, x0, cov, n=2000, seed=1)
    # Round-off only: residuals of an exact least-squares fit are eps-sized.
    assert tr_sg == 0.0 and tr_v == pytest.approx(0.0, abs=1e-12)
    z = np.random.default_rng(0).normal(size=(400, 3))
    terms = A.shared_sample_terms(f, np.zeros((4, 3)), z, 3, np.random.default_rng(1), draws=50)
    assert set(terms) == {"cov", "v", "diff", "rob_sg", "rob_cl"}
    for key in terms:
        np.testing.assert_allclose(terms[key], 0.0, atol=1e-12)


def test_the_smoothgrad_trace_is_the_gradient_variance():
    """tr Cov(grad f) of sin(w^T x): against the closed form Var cos(s) ||w||^2."""
    w = np.array([1.0, -0.5])
    f = F.RidgeFunction(w, 0.2, "sin")
    x0, cov = np.array([0.3, 0.1]), Covariance(np.diag([0.4, 0.9]))
    n = 200_000
    tr_sg, _ = A.clt_trace_terms(f, x0, cov, n=n, seed=3)
    m, v = float(x0 @ w + 0.2), float(w @ cov.matrix @ w)
    # E cos s = cos m e^{-v/2}, E cos^2 s = (1 + cos 2m e^{-2v}) / 2 for s ~ N(m, v).
    var_cos = (1 + np.cos(2 * m) * np.exp(-2 * v)) / 2 - (np.cos(m) * np.exp(-v / 2)) ** 2
    exact = var_cos * float(w @ w)
    # The sample variance of a bounded variable (|cos| <= 1): sd(cos^2) <= 1/2, so the
    # standard error of tr_sg is at most ||w||^2 / (2 sqrt(n)).
    assert tr_sg == pytest.approx(exact, abs=5 * float(w @ w) / (2 * np.sqrt(n)))


def test_the_robustness_constant_matches_its_closed_form():
    """K = 1, C = I_d: E||xi_0 - xi_1|| = sqrt(2) E chi_d = 2 Gamma((d+1)/2) / Gamma(d/2)."""
    draws = 40_000
    for d in (1, 3):
        got = A.robustness_constant(np.eye(d), 1, np.random.default_rng(d), draws)
        exact = 2 * gamma((d + 1) / 2) / gamma(d / 2)
        sd = np.sqrt(2 * d - exact**2)  # E||.||^2 = 2 d
        assert got == pytest.approx(exact, abs=5 * sd / np.sqrt(draws))
    # A singular (sample) covariance is allowed: the constant of its range.
    flat = A.robustness_constant(np.diag([1.0, 0.0]), 1, np.random.default_rng(1), draws)
    assert flat == pytest.approx(2 / np.sqrt(np.pi), abs=5 * np.sqrt(2 - 4 / np.pi) / 200)

"""The replication's engine: nested estimates, metrics, theory terms and ground truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import t as student_t

from verify import closed_form, estimators
from verify.app.replicate import experiments, groups, sweep
from verify.app.replicate.estimates import nested_estimates
from verify.functions import Network, Polynomial, RidgeFunction
from verify.statistics import DEFAULT_FALSE_ALARM, normal_quantile
from verify.validation import InputError

GRID = (3, 4, 10, 50, 200)


@pytest.mark.parametrize(
    "f",
    [
        Network.random(3, (10, 10), "elu", "sigmoid", seed=4),
        RidgeFunction([1.0, -2.0, 0.5], 0.2, "logistic"),
    ],
    ids=["network", "ridge"],
)
def test_nested_estimates_equal_the_reference_estimators(f):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3))
    cov = np.diag([0.04, 0.09, 0.01])
    z = estimators.draw_noise(cov, 250, seed=1)
    sg, cl = nested_estimates(f, X, cov, z, GRID)
    for k, n in enumerate(GRID):
        np.testing.assert_allclose(
            sg[k], estimators.smoothgrad(f, X, cov, None, noise=z[:n]), rtol=1e-10, atol=1e-14
        )
        if n <= 3:
            assert np.isnan(cl[k]).all()  # C-LIME needs n >= d + 1
        else:
            np.testing.assert_allclose(
                cl[k], estimators.clime(f, X, cov, None, noise=z[:n]), rtol=1e-8, atol=1e-12
            )
    # Bites: a prefix shifted by one sample is a different estimate.
    shifted = estimators.smoothgrad(f, X, cov, None, noise=z[1:51])
    assert np.max(np.abs(sg[3] - shifted)) > 1e-6


def test_nested_estimates_refuse_bad_grids_and_noise():
    f = RidgeFunction([1.0, 1.0], 0.0, "logistic")
    cov = np.eye(2)
    with pytest.raises(InputError, match="strictly increasing"):
        nested_estimates(f, np.zeros((1, 2)), cov, np.zeros((10, 2)), (5, 5))
    with pytest.raises(InputError, match="n_max >= 20"):
        nested_estimates(f, np.zeros((1, 2)), cov, np.zeros((10, 2)), (5, 20))


def test_neighbours_lie_at_distance_rho():
    X = np.random.default_rng(1).normal(size=(7, 4))
    nb = experiments.neighbours(X, 0.01, 10, np.random.default_rng(2))
    assert nb.shape == (7, 10, 4)
    np.testing.assert_allclose(np.linalg.norm(nb - X[:, None], axis=-1), 0.01, rtol=1e-12)


def test_linear_model_has_zero_distance_and_perfect_robustness():
    # For affine f both estimators equal w exactly at every n (Proposition 3), so
    # every metric vanishes to rounding; a curved f shows a positive distance.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 3))
    nb = experiments.neighbours(X, 0.01, 4, rng)
    linear = RidgeFunction([0.3, -1.0, 2.0], 0.5, "identity")
    out = experiments.explanation_curves(linear, X, nb, 0.1, (10, 50), 3, rng)
    for key in ("equivalence", "equivalence_shared", "robustness_sg", "robustness_clime"):
        assert np.max(out[key]["mean"]) < 1e-10, key
    curved = RidgeFunction([0.3, -1.0, 2.0], 0.5, "logistic")
    out = experiments.explanation_curves(curved, X, nb, 0.1, (10, 50), 3, rng)
    assert np.min(out["equivalence"]["mean"]) > 1e-4


def test_group_standard_error_is_that_of_group_means():
    values = np.arange(24, dtype=float).reshape(1, 24) ** 1.5
    parts = np.array_split(np.arange(24), 4)
    out = groups.summarise(values, parts)
    means = np.array([values[0, p].mean() for p in parts])
    assert out["mean"][0] == pytest.approx(values.mean())
    assert out["se"][0] == pytest.approx(means.std(ddof=1) / 2)
    np.testing.assert_allclose(np.array(out["groups"])[:, 0], means)


def test_paired_ratio_standard_error_by_the_delta_method():
    """The ratio of two group-mean curves: its delta-method standard error against the
    spread of the ratio over many independent repetitions of the groups."""
    rng = np.random.default_rng(5)
    G, reps = 32, 4000
    w = np.full(G, 1 / G)
    level = rng.uniform(0.5, 2.0, size=G)  # heterogeneous groups, shared by both curves
    ratios, ses = [], []
    for _ in range(reps):
        den = level * (1 + 0.05 * rng.standard_normal(G))
        num = 1.3 * level * (1 + 0.05 * rng.standard_normal(G))
        r, psi = groups.ratio(num, den, w)
        ratios.append(r)
        ses.append(groups.group_standard_error(psi, w))
    assert np.mean(ses) == pytest.approx(np.std(ratios), rel=0.1)
    # The shared level cancels: the unpaired standard error would be several times larger.
    unpaired = 1.3 * np.hypot(np.std(level) / np.mean(level), np.std(level) / np.mean(level))
    assert np.mean(ses) < unpaired / np.sqrt(G) / 3


def test_robustness_curve_matches_the_full_experiment_on_the_same_noise():
    """The sweep's SmoothGrad-only curve is Figure 3's SmoothGrad curve (same design)."""
    f = RidgeFunction([1.0, -2.0, 0.5], 0.2, "logistic")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3))
    nb = experiments.neighbours(X, 0.01, 3, rng)
    full = experiments.explanation_curves(f, X, nb, 0.1, (10, 50), 3, np.random.default_rng(9))
    alone = sweep.robustness_curve(f, X, nb, 0.1, (10, 50), 3, np.random.default_rng(9))
    # The first group draws the same perturbations in both (the full experiment then draws
    # C-LIME's independent ones, so later groups differ): identical group means.
    np.testing.assert_allclose(
        alone["robustness_sg"]["groups"][0], full["robustness_sg"]["groups"][0], rtol=1e-12
    )
    assert alone["sweep_only"] and alone["group_sizes"] == [2, 2, 2]
    assert sweep.sweep_points(100, None, rng).size == 100
    picked = sweep.sweep_points(100, 10, rng)
    assert picked.size == 10 and np.all(np.diff(picked) > 0)


def test_trace_of_gradient_covariance_for_a_quadratic():
    # f = 1/2 a^T H a: grad f = H a, Cov(grad f) = sigma^2 H^2, so tr = sigma^2 ||H||_F^2.
    # The Monte Carlo trace tr(H S H) with S the sample covariance (M - 1 dof) has
    # variance 2 sigma^4 tr(H^4) / (M - 1): a band at false-alarm 1e-6.
    H = np.array([[2.0, 0.5], [0.5, -1.0]])
    f = Polynomial({(2, 0): 1.0, (1, 1): 0.5, (0, 2): -0.5})
    sigma, M = 0.3, 4096
    X = np.array([[0.2, -0.1]])
    terms = experiments.theory_terms(f, X, sigma, M, 3, np.random.default_rng(4))
    exact = sigma**2 * np.sum(H * H)
    sd = np.sqrt(2 * sigma**4 * np.trace(np.linalg.matrix_power(H, 4)) / (M - 1))
    tol = normal_quantile(DEFAULT_FALSE_ALARM) * sd
    assert abs(terms["trace_cov_grad"] - exact) <= tol
    # Bites: reading sigma as a variance (sigma^4 ||H||^2) is far outside the band.
    assert abs(terms["trace_cov_grad"] - sigma**4 * np.sum(H * H)) > tol
    assert terms["mean_root_trace_cov_grad"] == pytest.approx(np.sqrt(terms["trace_cov_grad"]))


def test_sandwich_variance_vanishes_for_an_affine_model():
    f = RidgeFunction([1.0, 2.0], 0.0, "identity")
    terms = experiments.theory_terms(f, np.zeros((2, 2)), 0.5, 512, 3, np.random.default_rng(0))
    assert terms["trace_sandwich"] < 1e-20 and terms["trace_cov_grad"] < 1e-20


def test_qmc_truth_matches_the_closed_form_of_a_one_layer_network():
    # A one-hidden-layer, identity-output ELU network has a closed-form
    # SmoothGrad; the QMC truth must agree within its own error bars. The error
    # bar is a standard error over 16 replicates: Student t with 15 dof,
    # Bonferroni over the components, false-alarm 1e-6.
    f = Network.random(3, (10,), "elu", "identity", seed=7)
    rng = np.random.default_rng(8)
    X = rng.normal(size=(4, 3))
    nb = experiments.neighbours(X, 0.01, 3, rng)
    sizes = experiments.sizes_for("dev", truth_points=4, floor_points=2)
    truth = experiments.truth_terms(f, X, nb, 0.3, sizes, seed=9)
    exact = closed_form.smoothgrad(f, X, 0.09 * np.eye(3))
    q = student_t.isf(DEFAULT_FALSE_ALARM / (2 * exact.size), sizes.qmc_replicates - 1)
    err = np.abs(truth["smoothgrad"] - exact)
    assert np.all(err <= q * truth["smoothgrad_error"] + 1e-12), np.max(err)
    # Bites: the truth at another sigma is outside the bars.
    other = closed_form.smoothgrad(f, X, 0.25 * np.eye(3))
    assert np.any(np.abs(truth["smoothgrad"] - other) > q * truth["smoothgrad_error"])
    # The exact robustness floor is bounded by Theorem 2's corrected constant times rho.
    assert truth["floor"] <= 0.01 * np.sqrt(2 / np.pi) * f.gradient_bound / 0.3


def test_sizes_are_validated():
    with pytest.raises(InputError, match="truth_points <= groups"):
        experiments.sizes_for("ci", groups=4, truth_points=8)
    with pytest.raises(InputError, match="strictly increasing"):
        experiments.sizes_for("ci", grid=(10, 5))
    with pytest.raises(InputError, match="positive"):
        experiments.ReplicationSettings(sigma=-1.0)
    with pytest.raises(InputError, match="positive"):
        experiments.ReplicationSettings(saturation_sigmas=(0.0,))
    with pytest.raises(InputError, match="sweep_points"):
        experiments.sizes_for("ci", sweep_points=1)
    assert experiments.sizes_for("unknown-profile") == experiments.SIZES["ci"]

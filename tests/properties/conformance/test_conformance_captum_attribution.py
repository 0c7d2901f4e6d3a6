"""captum's LFA adapters against the engine's exact targets; seeding, pickling, batteries.

The deviations of captum's defaults are measured one by one in
test_conformance_captum_attribution_deviations.py.

Stochastic comparisons: a statistic is the mean of R = 16 calls at seeds 0..15 with its
standard error s/sqrt(R); the test asserts |mean - target| <= 6 SE per feature. For a
correct unbiased estimator (Student t, 15 degrees of freedom) that fails with probability
2.4e-5 per feature; the seeds are fixed, so the outcome never changes between runs.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from properties.adapters.captum_attribution import HINT

pytest.importorskip("captum", reason=HINT)

import torch

from properties.adapters import captum_attribution as A
from properties.adapters import captum_attribution_coalition as C
from verify import attribution as T
from verify.functions import Network, Polynomial, RBFMixture

D = 3
RNG = np.random.default_rng(20261207)
X = RNG.normal(size=D)
B = RNG.normal(size=D)
ROWS = RNG.normal(size=(3, D))
FAMILIES = {
    "polynomial": Polynomial(
        {(2, 1, 0): 0.5, (0, 1, 1): -1.0, (1, 0, 1): 2.0, (0, 0, 3): 0.3, (0, 0, 0): 1.0}
    ),
    "rbf": RBFMixture([1.5, -0.8], RNG.normal(size=(2, D)), np.stack([np.eye(D), np.eye(D) / 2])),
    "relu": Network.random(D, (6, 5), "relu", seed=4),
}
ADDITIVE = Polynomial({(2, 0, 0): 0.7, (0, 1, 0): -1.3, (0, 0, 3): 0.4, (0, 0, 0): 2.0})
REFERENCES = {"baseline": T.Baseline(B), "rows": T.Background(ROWS, [0.2, 0.3, 0.5])}
UNIFORM_ROWS = T.Background(ROWS)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # captum's own warnings (progress, batch size)
        yield


def close(observed, expected, rtol):
    scale = float(np.max(np.abs(expected)))
    assert np.max(np.abs(np.asarray(observed) - expected)) <= rtol * scale, (observed, expected)


# -- deterministic adapters: the exact target ------------------------------------------
@pytest.mark.parametrize("ref", sorted(REFERENCES))
@pytest.mark.parametrize("family", ["polynomial", "rbf"])
def test_integrated_gradients_equal_the_engine_target(family, ref):
    f, reference = FAMILIES[family], REFERENCES[ref]
    # Gauss-Legendre with 64 nodes: exact for the polynomial (degree 3), converged to
    # 1e-15 for the bumps; what remains is captum's float32 weights (float32 declared).
    explainer = A.captum_integrated_gradients()
    assert explainer.precision == "float32"
    out = explainer.explain(f, X, reference, 64, 0)
    close(out, T.integrated_gradients(f, X, reference).values, 1e-7)


@pytest.mark.parametrize("ref", sorted(REFERENCES))
@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("make", [A.captum_occlusion, A.captum_feature_ablation])
def test_occlusion_and_ablation_equal_the_engine_target(make, family, ref):
    f, reference = FAMILIES[family], REFERENCES[ref]
    rtol = 1e-6 if make is A.captum_occlusion else 1e-13  # Occlusion divides in float32
    close(make()(f, X, reference, 1, 0), T.occlusion(f, X, reference).values, rtol)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_input_x_gradient_equals_the_engine_target(family):
    f = FAMILIES[family]
    out = A.captum_input_x_gradient()(f, X, REFERENCES["baseline"], 1, 0)
    close(out, T.gradient_x_input(f, X).values, 1e-14)


@pytest.mark.parametrize("ref", sorted(REFERENCES))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_exact_shapley_values_equal_the_engine_target(family, ref):
    f, reference = FAMILIES[family], REFERENCES[ref]
    out = C.captum_shapley_values()(f, X, reference, 1, 0)  # captum sums in float32
    close(out, T.shapley_values(f, X, reference).values, 1e-6)


# -- sampling adapters: exact on their class, unbiased elsewhere ---------------------------
SAMPLERS = {
    "shapley_value_sampling": (C.captum_shapley_value_sampling, "rows", 1e-6),
    "kernel_shap": (C.captum_kernel_shap, "rows", 2e-5),
    "lime_binary": (C.captum_lime_binary, "rows", 2e-5),
    "lime_binary_input": (lambda: C.captum_lime_binary(space="input"), "baseline", 2e-5),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("method", sorted(SAMPLERS))
def test_sampling_adapters_recover_additive_games_at_every_seed(method, seed):
    # An additive f is in every coalition method's class: each permutation, each full-rank
    # regression returns f_i(x_i) - f_i(b_i) (averaged over rows), whatever the draws.
    make, ref, rtol = SAMPLERS[method]
    reference = REFERENCES[ref]
    out = make()(ADDITIVE, X, reference, 40, seed)
    close(out, T.shapley_values(ADDITIVE, X, reference).values, rtol)


@pytest.mark.parametrize("seed", [0, 5])
def test_gradient_shap_recovers_affine_f_at_every_seed(seed):
    # One baseline point: every draw is (x - b) * w whatever alpha (with rows, the draw of
    # the row is random and only the mean over rows is the target).
    f = Polynomial({(1, 0, 0): 0.7, (0, 1, 0): -1.3, (0, 0, 1): 0.4, (0, 0, 0): 2.0})
    reference = REFERENCES["baseline"]
    out = A.captum_gradient_shap()(f, X, reference, 7, seed)
    close(out, T.integrated_gradients(f, X, reference).values, 1e-13)


def _mean_and_se(explain, f, reference, n):
    calls = np.array([explain(f, X, reference, n, seed) for seed in range(16)])
    return calls.mean(axis=0), calls.std(axis=0, ddof=1) / 4.0


CONVERGING = {
    "shapley_value_sampling": (C.captum_shapley_value_sampling, "rows", 48, T.shapley_values),
    "kernel_shap": (C.captum_kernel_shap, "baseline", 160, T.shapley_values),
    "lime_binary": (
        C.captum_lime_binary,
        "rows",
        160,
        lambda f, x, r: T.lime_binary(f, x, r, T.ExponentialKernel(1.0, "binary", "captum")),
    ),
    "lime_binary_input": (
        lambda: C.captum_lime_binary(space="input"),
        "baseline",
        160,
        lambda f, x, r: T.lime_binary(f, x, r, T.ExponentialKernel(1.0, "input", "captum")),
    ),
}


@pytest.mark.parametrize("method", sorted(CONVERGING))
def test_sampling_adapters_are_unbiased_for_the_engine_target(method):
    make, ref, n, target = CONVERGING[method]
    f, reference = FAMILIES["polynomial"], REFERENCES[ref]
    mean, se = _mean_and_se(make(), f, reference, n)
    expected = target(f, X, reference).values
    assert np.all(se > 0), se  # the estimator does vary with the seed
    assert np.all(np.abs(mean - expected) <= 6 * se + 1e-6 * np.abs(expected)), (mean, expected, se)


def test_gradient_shap_is_unbiased_for_ig_over_the_rows():
    f = FAMILIES["rbf"]
    mean, se = _mean_and_se(A.captum_gradient_shap(), f, UNIFORM_ROWS, 200)
    expected = T.integrated_gradients(f, X, UNIFORM_ROWS).values
    assert np.all(np.abs(mean - expected) <= 6 * se), (mean, expected, se)


# -- contract: pickling, seeding, refusals -------------------------------------------------
ALL = {
    "integrated_gradients": A.captum_integrated_gradients,
    "input_x_gradient": A.captum_input_x_gradient,
    "occlusion": A.captum_occlusion,
    "feature_ablation": A.captum_feature_ablation,
    "gradient_shap": A.captum_gradient_shap,
    "shapley_value_sampling": C.captum_shapley_value_sampling,
    "shapley_values": C.captum_shapley_values,
    "kernel_shap": C.captum_kernel_shap,
    "lime_binary": C.captum_lime_binary,
}


@pytest.mark.parametrize("library_defaults", [False, True])
@pytest.mark.parametrize("method", sorted(ALL))
def test_adapters_pickle_and_replay(method, library_defaults):
    e = ALL[method](library_defaults=library_defaults)
    copy = pickle.loads(pickle.dumps(e))
    assert copy.tags == e.tags and copy.expected_failed_checks == e.expected_failed_checks
    f, reference = FAMILIES["polynomial"], REFERENCES["baseline"]
    if method == "gradient_shap" and library_defaults:
        return  # unseeded numpy draws: no replay (measured in the deviations tests)
    assert np.array_equal(copy(f, X, reference, 8, 3), e(f, X, reference, 8, 3))


@pytest.mark.parametrize(
    "method", ["gradient_shap", "kernel_shap", "lime_binary", "shapley_value_sampling"]
)
def test_seeds_reproduce_differ_and_leave_the_caller_rng_alone(method):
    e = ALL[method]()
    assert e.stochastic
    f, reference = FAMILIES["polynomial"], REFERENCES["baseline"]
    torch.manual_seed(123)
    np.random.seed(456)  # noqa: NPY002 (the caller's global state, to be left alone)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    first = e(f, X, reference, 12, 7)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    assert np.array_equal(e(f, X, reference, 12, 7), first)
    assert not np.array_equal(e(f, X, reference, 12, 8), first)


@pytest.mark.parametrize(
    "make, reference, why",
    [
        (lambda: C.captum_lime_binary(space="input"), REFERENCES["rows"], "one baseline point"),
        (A.captum_gradient_shap, REFERENCES["rows"], "equal weights"),
        (C.captum_shapley_values, T.GaussianBackground(np.zeros(D), np.eye(D)), "baseline points"),
    ],
)
def test_unsupported_references_are_refused_with_the_fix(make, reference, why):
    with pytest.raises(ValueError, match=why):
        make()(FAMILIES["polynomial"], X, reference, 8, 0)


def test_bad_arguments_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="rule must be one of"):
        A.captum_integrated_gradients(rule="simpson")
    with pytest.raises(ValueError, match="n >= 2"):
        A.captum_integrated_gradients(rule="riemann_left")(ADDITIVE, X, B, 1, 0)
    # ||x - b|| = 200 kernel widths: every weight but the all-ones mask's (drawn with
    # probability 2^-12 per sample) is 0 in float32.
    wide = Polynomial({tuple(int(i == j) for i in range(12)): 1.0 for j in range(12)})
    with pytest.raises(ValueError, match="kernel_width of the scale"):
        C.captum_lime_binary(space="input")(wide, np.full(12, 100.0), -np.full(12, 100.0), 4, 0)
    with pytest.raises(ValueError, match="more than"):
        C.captum_shapley_values()(Polynomial({(1,) * 9: 1.0}), np.ones(9), np.zeros(9), 1, 0)

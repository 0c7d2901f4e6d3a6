"""The deviations of captum's LFA methods, each measured on its own (docs/clients.md, captum).

One test per deviation, asserting the measured effect: what captum computes instead of the
textbook target, read in the installed captum source and confirmed by running it.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from properties.adapters.captum_attribution import HINT

pytest.importorskip("captum", reason=HINT)

import torch

from properties.adapters import captum_attribution as A
from properties.adapters import captum_attribution_coalition as C
from properties.adapters.captum_attribution import torch_model
from verify import attribution as T
from verify.functions import Network, Polynomial, RBFMixture

D = 3
RNG = np.random.default_rng(7)
X = RNG.normal(size=D)
B = RNG.normal(size=D)
ZERO = T.Baseline(np.zeros(D))
POLY = Polynomial({(2, 1, 0): 0.5, (0, 1, 1): -1.0, (1, 0, 1): 2.0, (0, 0, 3): 0.3})
RBF = RBFMixture([1.5, -0.8], RNG.normal(size=(2, D)), np.stack([np.eye(D), np.eye(D) / 2]))
ADDITIVE = Polynomial({(2, 0, 0): 0.7, (0, 1, 0): -1.3, (0, 0, 3): 0.4, (0, 0, 0): 2.0})


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def relative(observed, expected):
    return float(np.max(np.abs(np.asarray(observed) - expected)) / np.max(np.abs(expected)))


# -- the zero default baseline ------------------------------------------------------------
ZERO_BASELINE = {
    "integrated_gradients": (
        A.captum_integrated_gradients,
        lambda f, r: T.integrated_gradients(f, X, r).values,
        1e-6,
    ),
    "occlusion": (A.captum_occlusion, lambda f, r: T.occlusion(f, X, r).values, 1e-6),
    "feature_ablation": (
        A.captum_feature_ablation,
        lambda f, r: T.occlusion(f, X, r).values,
        1e-12,
    ),
}


@pytest.mark.parametrize("method", sorted(ZERO_BASELINE))
def test_library_defaults_explain_against_zero_not_the_reference(method):
    make, target, rtol = ZERO_BASELINE[method]
    out = make(library_defaults=True)(RBF, X, T.Baseline(B), 5, 0)
    assert relative(out, target(RBF, ZERO)) <= rtol  # the target at Baseline(0) ...
    assert relative(out, target(RBF, T.Baseline(B))) > 0.05  # ... not at the declared one


@pytest.mark.parametrize(
    "make", [C.captum_shapley_values, C.captum_shapley_value_sampling, C.captum_kernel_shap]
)
def test_coalition_defaults_explain_against_zero_not_the_reference(make):
    # ADDITIVE is in every coalition method's class: whatever the draws, the result is
    # f_i(x_i) - f_i(0) (KernelShap: up to its float32 fit and 1e6 penalty at n = 25).
    out = make(library_defaults=True)(ADDITIVE, X, T.Baseline(B), 5, 0)
    assert relative(out, T.shapley_values(ADDITIVE, X, ZERO).values) <= 1e-4
    assert relative(out, T.shapley_values(ADDITIVE, X, T.Baseline(B)).values) > 0.05


# -- Integrated Gradients: float32 weights, the trapezoid's 1/n --------------------------
@pytest.mark.parametrize("n", [3, 50, 300])
@pytest.mark.parametrize("f", [POLY, RBF], ids=["polynomial", "rbf"])
def test_ig_weights_are_rounded_to_float32_even_in_float64(f, n):
    explain = A.captum_integrated_gradients(precision="float64").explain
    out = explain(f, X, T.Baseline(B), n, 0)
    nodes, weights = np.polynomial.legendre.leggauss(n)
    grads = f.gradient(B + ((1 + nodes) / 2)[:, None] * (X - B))

    def rule(w):
        return (X - B) * ((w / 2) @ grads)

    # captum is Gauss-Legendre with float32-rounded weights, to float64 rounding ...
    assert relative(out, rule(weights.astype(np.float32).astype(float))) <= 1e-13
    # ... which is 1e-11 to 1e-7 away from the float64 rule (measured 1e-9 to 3e-8).
    assert 1e-11 <= relative(out, rule(weights)) <= 1e-7


@pytest.mark.parametrize("n", [2, 5, 50])
def test_ig_trapezoid_weights_sum_to_n_minus_one_over_n(n):
    # Affine f: every rule whose weights sum to 1 is exact; captum's trapezoid returns
    # (1 - 1/n) times the answer (approximation_methods.py: step 1/n on n - 1 intervals).
    f = Polynomial({(1, 0, 0): 0.7, (0, 1, 0): -1.3, (0, 0, 1): 0.4})
    out = A.captum_integrated_gradients(rule="riemann_trapezoid")(f, X, T.Baseline(B), n, 0)
    exact = T.integrated_gradients(f, X, T.Baseline(B)).values
    assert relative(out, (1 - 1 / n) * exact) <= 1e-6  # float32 nodes and weights
    for rule in ("riemann_left", "riemann_right", "riemann_middle"):
        fine = A.captum_integrated_gradients(rule=rule)(f, X, T.Baseline(B), n, 0)
        assert relative(fine, exact) <= 1e-6


def test_ig_delta_is_captum_s_signed_completeness_gap():
    explain = A.captum_integrated_gradients(delta=True).explain
    out, delta = explain(POLY, X, T.Baseline(B), 1, 0)  # one node: not exact for degree 3
    gap = float(np.sum(out) - (POLY(X) - POLY(B)))
    assert abs(gap) > 1e-3 and abs(delta - gap) <= 1e-6 * abs(gap)


# -- float32 sums in Occlusion and the Shapley samplers ------------------------------------
@pytest.mark.parametrize(
    "method, kwargs, dtype",
    [
        ("Occlusion", {"sliding_window_shapes": (1,)}, torch.float32),
        ("ShapleyValueSampling", {"n_samples": 3}, torch.float32),
        ("ShapleyValues", {}, torch.float32),
        ("FeatureAblation", {}, torch.float64),
    ],
)
def test_which_captum_methods_return_float32_for_float64_inputs(method, kwargs, dtype):
    import captum.attr

    explainer = getattr(captum.attr, method)(torch_model(torch, POLY))
    x = torch.tensor(X[None, :], dtype=torch.float64)
    out = explainer.attribute(x, baselines=torch.tensor(B[None, :]), **kwargs)
    assert out.dtype == dtype


# -- KernelShap: n_samples=25, the fixed 1e6 penalty ----------------------------------------
def test_kernel_shap_and_lime_default_to_25_samples_while_their_docstrings_say_50():
    import captum.attr

    for method in (captum.attr.KernelShap, captum.attr.Lime):
        assert inspect.signature(method.attribute).parameters["n_samples"].default == 25
        assert "Default: `50` if `n_samples` is not provided" in method.attribute.__doc__
    assert captum.attr.KernelShap(lambda u: u.sum(1)).inf_weight == 1e6


GAME = Polynomial(
    {
        (1, 1, 0, 0, 0): 1.0,
        (0, 1, 1, 1, 0): -2.0,
        (1, 0, 0, 1, 1): 1.5,
        (0, 0, 1, 0, 0): 0.5,
        (1, 1, 1, 1, 1): 0.8,
    }
)


def test_kernel_shap_fixed_penalty_loses_efficiency_as_n_grows():
    x, ref = np.linspace(0.5, 1.5, 5), T.Baseline(-np.ones(5))
    exact = T.shapley_values(GAME, x, ref)
    gap = float(exact.value - exact.reference_value)

    def violation(explainer, n):
        return abs(float(np.sum(explainer(GAME, x, ref, n, 0))) - gap) / abs(gap)

    fixed, scaled = C.captum_kernel_shap(penalty=1e6), C.captum_kernel_shap()
    small, large = violation(fixed, 40), violation(fixed, 3000)
    # The penalty's share of the fit grows like n / W: the violation grows with n ...
    assert large > 10 * small and large > 1e-5
    # ... while inf_weight = 1e6 * n holds the constraint at float32 rounding.
    assert violation(scaled, 3000) < 2e-6


# -- Lime: Lasso(0.01) zeroes attributions; the cosine kernel credits unused features ------
def test_lime_defaults_return_zeros_where_the_effects_are_small():
    # Effects of 0.01 per feature: Lasso(alpha=0.01) on the 0/1 masks keeps none of them.
    f = Polynomial({(1, 0, 0): 0.01, (0, 1, 0): -0.01, (0, 0, 1): 0.01})
    x = np.ones(D)
    zeros = C._call(C._Config("Lime", True), f, x, ZERO, 1, 0)
    assert np.all(zeros == 0)
    assert np.allclose(np.abs(T.lime_binary(f, x, ZERO).values), 0.01, rtol=1e-12)


def test_lime_default_similarity_is_the_cosine_kernel_which_credits_an_unused_feature():
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    d, x = 4, np.array([0.9, -1.2, 0.7, 1.1])
    from verify.attribution.coalitions import all_masks

    similarity = get_exp_kernel_similarity_function()  # captum Lime's default
    masks = all_masks(d)
    hybrid = np.where(masks, x, 0.0)  # x on the mask, the zero baseline elsewhere
    captum_weights = [similarity(torch.tensor(x), torch.tensor(h), None) for h in hybrid]
    engine = T.CosineKernel(1.0).weights(x[None, :], T.Baseline(np.zeros(d)), masks)[0]
    assert np.allclose(captum_weights, engine, rtol=1e-6)  # torch computes it in float32
    # f = x1 x2 ignores x3 and x4; under the cosine kernel binary LIME credits them.
    f = Polynomial({(1, 1, 0, 0): 1.0})
    zero = T.Baseline(np.zeros(d))
    cosine = T.lime_binary(f, x, zero, T.CosineKernel(1.0)).values
    product = T.lime_binary(f, x, zero, T.ExponentialKernel(1.0, "input", "captum")).values
    assert np.min(np.abs(cosine[2:])) > 1e-4 and np.max(np.abs(product[2:])) < 1e-12


# -- GradientShap: numpy's global generator ------------------------------------------------
def test_gradient_shap_defaults_draw_from_numpy_not_torch():
    f, ref = Network.random(D, (5,), "tanh", seed=1), T.Background(RNG.normal(size=(4, D)))
    defaults = A.captum_gradient_shap(library_defaults=True)
    first, second = defaults(f, X, ref, 5, 0), defaults(f, X, ref, 5, 0)
    assert not np.array_equal(first, second)  # torch seeded inside, numpy not: differs
    np.random.seed(11)  # noqa: NPY002 (the generator captum draws from)
    third = defaults(f, X, ref, 5, 0)
    np.random.seed(11)  # noqa: NPY002
    assert np.array_equal(defaults(f, X, ref, 5, 0), third)
    conforming = A.captum_gradient_shap()
    assert np.array_equal(conforming(f, X, ref, 5, 0), conforming(f, X, ref, 5, 0))


def test_gradient_shap_defaults_ignore_n():
    # n_samples=5 whatever n: with numpy's generator in one state, n = 10 and n = 10**4 agree.
    f, ref = Network.random(D, (5,), "tanh", seed=1), T.Background(RNG.normal(size=(4, D)))
    defaults = A.captum_gradient_shap(library_defaults=True)
    np.random.seed(3)  # noqa: NPY002 (the generator captum draws from)
    small = defaults(f, X, ref, 10, 0)
    np.random.seed(3)  # noqa: NPY002
    assert np.array_equal(defaults(f, X, ref, 10**4, 0), small)
    conforming = A.captum_gradient_shap()
    assert not np.array_equal(conforming(f, X, ref, 10**4, 0), conforming(f, X, ref, 10, 0))


def test_kernel_shap_cannot_run_one_feature_so_the_adapter_pads_a_null_one():
    import captum.attr

    f = RBFMixture([1.0], [[0.2]], [[[1.0]]])
    kernel_shap = captum.attr.KernelShap(torch_model(torch, f))
    with pytest.raises(ValueError, match="Categorical"):  # (d - 1) / (k (d - k)) is 0/0
        kernel_shap.attribute(torch.tensor([[0.7]], dtype=torch.float64), n_samples=10)
    for reference in (T.Baseline([-0.4]), T.Background([[-0.4], [1.1]], [0.3, 0.7])):
        out = C.captum_kernel_shap()(f, np.array([0.7]), reference, 10, 0)
        assert relative(out, T.shapley_values(f, [0.7], reference).values) <= 1e-6


@pytest.mark.parametrize(
    "make", [C.captum_shapley_value_sampling, C.captum_kernel_shap, C.captum_lime_binary]
)
def test_sampling_defaults_ignore_n(make):
    # 25 draws whatever n: the same seed gives the same answer at n = 10 and n = 10**4.
    e = make(library_defaults=True)
    assert np.array_equal(e(POLY, X, T.Baseline(B), 10, 3), e(POLY, X, T.Baseline(B), 10**4, 3))
    conforming = make()
    assert not np.array_equal(
        conforming(POLY, X, T.Baseline(B), 10, 3), conforming(POLY, X, T.Baseline(B), 40, 3)
    )

"""Bad input gets an InputError naming the problem and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from verify.attribution import (
    Background,
    Baseline,
    CosineKernel,
    ExponentialKernel,
    GaussianBackground,
    ProductKernel,
    banzhaf_values,
    gradient_x_input,
    integrated_gradients,
    kernel_shap_limit,
    lime_binary,
    occlusion,
    shapley_values,
)
from verify.functions import Function, Network, Polynomial, RidgeFunction
from verify.validation import InputError

F = Polynomial({(1, 1, 0): 1.0, (0, 0, 2): 1.0})
X = np.array([1.0, 2.0, 3.0])
TARGETS = [shapley_values, banzhaf_values, lime_binary, kernel_shap_limit, occlusion]


@pytest.mark.parametrize("target", [*TARGETS, integrated_gradients])
@pytest.mark.parametrize(
    ("f", "x", "reference", "match"),
    [
        (lambda x: x, X, np.zeros(3), "must be a verify.functions.Function"),
        (F, [1.0, np.nan, 0.0], np.zeros(3), "NaN"),
        (F, [1.0, 2.0], np.zeros(3), r"shape \(\.\.\., 3\)"),
        (F, "x", np.zeros(3), "numeric"),
        (F, X, np.zeros(2), "dimension 2 but f has dimension 3"),
        (F, X, [0.0, np.inf, 0.0], "NaN or infinite"),
        (F, X, np.zeros((2, 3)), "ambiguous"),
    ],
)
def test_every_target_refuses_bad_points_and_references(target, f, x, reference, match):
    with pytest.raises(InputError, match=match):
        target(f, x, reference)


def test_gradient_x_input_refuses_bad_points():
    with pytest.raises(InputError, match="NaN"):
        gradient_x_input(F, [np.nan, 0.0, 0.0])


def test_general_games_beyond_sixteen_features_are_refused_with_the_way_out():
    net = Network.random(17, (3,), "relu", seed=0)
    for target in (shapley_values, banzhaf_values, kernel_shap_limit):
        with pytest.raises(InputError, match=r"2\^17 = 131,072 coalitions.*group features"):
            target(net, np.zeros(17), np.ones(17))
    # occlusion needs d + 2 coalitions only, and product games any d
    assert occlusion(net, np.zeros(17), np.ones(17)).values.shape == (17,)
    poly = Polynomial({tuple([1] * 17): 1.0})
    assert shapley_values(poly, np.full(17, 2.0), np.ones(17)).values == pytest.approx(
        np.full(17, (2.0**17 - 1) / 17)
    )


def test_gaussian_values_without_a_closed_form_are_refused():
    deep = Network.random(3, (3, 2), "tanh", seed=0)
    ref = GaussianBackground(np.zeros(3), np.eye(3))
    with pytest.raises(InputError, match=r"no closed form.*Background"):
        shapley_values(deep, X, ref)
    sigmoid_out = Network.random(3, (3,), "relu", output="sigmoid", seed=0)
    with pytest.raises(InputError, match="Monte Carlo"):
        occlusion(sigmoid_out, X, ref)


def test_integrated_gradients_refuses_a_gaussian_baseline_and_bad_tolerances():
    with pytest.raises(InputError, match="Baseline or Background rows"):
        integrated_gradients(F, X, GaussianBackground(np.zeros(3), np.eye(3)))
    with pytest.raises(InputError, match="tol"):
        integrated_gradients(F, X, np.zeros(3), tol="small")


def test_unknown_non_smooth_models_get_no_numeric_integrated_gradients():
    class Kinked(Function):
        dim = 3
        smooth = False

        def evaluate(self, X):
            return np.abs(X).sum(-1)

        def evaluate_gradient(self, X):
            return np.sign(X)

        def sympy(self, symbols=None):  # pragma: no cover - not used
            raise NotImplementedError

    with pytest.raises(InputError, match="not smooth"):
        integrated_gradients(Kinked(), X, np.zeros(3))


def test_kernel_shap_unconstrained_needs_three_features():
    f = Polynomial({(1, 1): 1.0})
    with pytest.raises(InputError, match=r"singular for d = 2.*constrained=True"):
        kernel_shap_limit(f, [1.0, 2.0], [0.0, 0.0], constrained=False)
    with pytest.raises(InputError, match="True or False"):
        kernel_shap_limit(F, X, np.zeros(3), constrained="no")


@pytest.mark.parametrize(
    ("kernel", "reference", "match"),
    [
        ("exp", np.zeros(3), "must be a LimeKernel"),
        (ExponentialKernel(1.0), Background(np.zeros((2, 3))), "needs one baseline point"),
        (CosineKernel(), GaussianBackground(np.zeros(3), np.eye(3)), "Baseline"),
        (ProductKernel([1.0, 2.0]), np.zeros(3), "2 rates but f has 3"),
    ],
)
def test_lime_kernels_refuse_what_they_cannot_mean(kernel, reference, match):
    with pytest.raises(InputError, match=match):
        lime_binary(F, X, reference, kernel)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ExponentialKernel(0.0), "positive"),
        (lambda: ExponentialKernel(1e200), "finite square"),
        (lambda: ExponentialKernel(1.0, space="hamming"), "'binary' or 'input'"),
        (lambda: ExponentialKernel(1.0, convention="lime"), "convention must be one of"),
        (lambda: ProductKernel(np.ones((2, 2))), "scalar or shape"),
        (lambda: ProductKernel([np.nan]), "NaN"),
        (lambda: CosineKernel(-1.0), "positive"),
    ],
)
def test_kernel_construction_is_validated(make, match):
    with pytest.raises(InputError, match=match):
        make()


def test_refusals_leave_references_usable():
    ref = Baseline(np.zeros(3))
    with pytest.raises(InputError):
        shapley_values(RidgeFunction(np.ones(4)), np.zeros(4), ref)
    assert shapley_values(F, X, ref).values.shape == (3,)


def test_overflowing_models_are_refused_not_returned():
    f = RidgeFunction([1000.0, 0.0], 0.0, "exp")
    with np.errstate(all="ignore"):
        for target in (shapley_values, occlusion, integrated_gradients):
            with pytest.raises(InputError, match=r"not finite.*overflows"):
                target(f, [1.0, 0.0], [0.0, 0.0])
    with pytest.raises(InputError, match="tol must be a positive number"):
        integrated_gradients(F, X, np.zeros(3), tol=0.0)


@pytest.mark.parametrize("weight", [-1.0, float("nan"), float("inf")])
def test_a_penalty_weight_must_be_finite_and_non_negative(weight):
    from verify.attribution import Baseline, kernel_shap_penalised
    from verify.functions import Polynomial

    f = Polynomial({(1, 1, 1): 1.0})
    with pytest.raises(InputError, match="weight"):
        kernel_shap_penalised(f, [1.0, 2.0, 3.0], Baseline([0.0, 0.0, 0.0]), weight)

"""The axioms of the exact targets over Hypothesis-drawn functions of every family (d = 3).

Efficiency, symmetry, null player and linearity of the Shapley value (and what holds for
Banzhaf, binary LIME with product kernels, KernelSHAP's limits, occlusion and IG), and
the agreement of every method on additively separable f.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.strategies.families import BOUNDED_LINKS, functions
from properties.strategies.matrices import bounded_floats, points
from verify.attribution import (
    Background,
    Baseline,
    CosineKernel,
    ProductKernel,
    banzhaf_values,
    integrated_gradients,
    kernel_shap_limit,
    lime_binary,
    occlusion,
    shapley_values,
)
from verify.functions import (
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
)

D = 3


def _permuted(f, perm):
    """f with its features permuted: x -> f(x[perm^-1]) as a member of the same family."""
    perm = np.asarray(perm)
    if isinstance(f, Polynomial):
        return Polynomial({tuple(np.asarray(a)[perm]): c for a, c in f.coefficients.items()})
    if isinstance(f, RidgeFunction):
        return RidgeFunction(f.w[perm], f.b, f.link)
    if isinstance(f, RBFMixture):
        return RBFMixture(f.weights, f.centers[:, perm], f.precisions[:, perm][:, :, perm])
    if isinstance(f, Network):
        weights = [f.weights[0][:, perm], *f.weights[1:]]
        name = "sigmoid" if f.activation.name == "logistic" else f.activation.name
        return Network(weights, f.biases, name, f.output)
    return LinearCombination([(c, _permuted(g, perm)) for c, g in f.terms])


def _ignoring(f, k):
    """f with feature k removed from its formula (a null player)."""
    if isinstance(f, Polynomial):
        terms = {}
        for a, c in f.coefficients.items():
            key = tuple(0 if j == k else e for j, e in enumerate(a))
            terms[key] = terms.get(key, 0.0) + c
        return Polynomial(terms)
    if isinstance(f, RidgeFunction):
        return RidgeFunction(np.where(np.arange(f.dim) == k, 0.0, f.w), f.b, f.link)
    if isinstance(f, RBFMixture):
        P = f.precisions.copy()
        P[:, k, :] = 0.0
        P[:, :, k] = 0.0
        return RBFMixture(f.weights, f.centers, P)
    if isinstance(f, Network):
        W = f.weights[0].copy()
        W[:, k] = 0.0
        name = "sigmoid" if f.activation.name == "logistic" else f.activation.name
        return Network([W, *f.weights[1:]], f.biases, name, f.output)
    return LinearCombination([(c, _ignoring(g, k)) for c, g in f.terms])


@st.composite
def references(draw, x_like=None):
    if draw(st.booleans()):
        return Baseline(draw(points(D, bound=2.0)))
    rows = np.stack([draw(points(D, bound=2.0)) for _ in range(2)])
    return Background(rows, [draw(bounded_floats(0.1, 1.0)) for _ in range(2)])


def _scale(*arrays):
    return 1.0 + sum(float(np.max(np.abs(a))) for a in arrays)


@given(functions(D), points(D, bound=2.0), references())
def test_efficiency(f, x, ref):
    for result in (shapley_values(f, x, ref), kernel_shap_limit(f, x, ref)):
        assert abs(result.gap) <= 1e-11 * _scale(result.values, result.value)


@given(functions(D), points(D, bound=2.0), points(D, bound=2.0))
def test_symmetry(f, x, b):
    # f + f∘swap is symmetric in features 0 and 1; so is the game when x0 = x1, b0 = b1.
    g = f + _permuted(f, [1, 0, 2])
    x, b = np.array([x[0], x[0], x[2]]), np.array([b[0], b[0], b[2]])
    for target in (shapley_values, banzhaf_values, kernel_shap_limit, occlusion):
        values = target(g, x, b).values
        assert abs(values[0] - values[1]) <= 1e-11 * _scale(values)
    values = kernel_shap_limit(g, x, b, constrained=False).values
    assert abs(values[0] - values[1]) <= 1e-11 * _scale(values)


@given(functions(D), points(D, bound=2.0), references(), st.integers(0, D - 1))
def test_null_player(f, x, ref, k):
    g = _ignoring(f, k)
    kernel = ProductKernel([0.3, -0.5, 1.2])
    results = [
        shapley_values(g, x, ref),
        banzhaf_values(g, x, ref),
        lime_binary(g, x, ref, kernel),
        kernel_shap_limit(g, x, ref),
        occlusion(g, x, ref),
    ]
    if isinstance(ref, Baseline):
        results.append(integrated_gradients(g, x, ref))
    for result in results:
        assert abs(result.values[k]) <= 1e-11 * _scale(result.values, result.value)
    # The unconstrained KernelSHAP limit gives every feature, the null player included,
    # the same shift gap / d (docs/math.md).
    free = kernel_shap_limit(g, x, ref, constrained=False)
    assert abs(free.values[k] - free.gap / D) <= 1e-10 * _scale(free.values, free.value)


def test_non_product_kernel_breaks_the_null_player():
    f = Polynomial({(1, 1, 0, 0): 1.0})  # x1 x2 ignores x3, x4
    x, b = np.array([1.0, 2.0, -1.0, 0.5]), np.zeros(4)
    cosine = lime_binary(f, x, b, CosineKernel()).values
    assert np.min(np.abs(cosine[2:])) > 1e-4
    assert np.all(lime_binary(f, x, b, ProductKernel(0.8)).values[2:] == 0.0)


@given(functions(D), functions(D), points(D, bound=2.0), references(), bounded_floats(-2, 2))
def test_linearity(f, g, x, ref, a):
    combined = shapley_values(a * f - g, x, ref).values
    parts = a * shapley_values(f, x, ref).values - shapley_values(g, x, ref).values
    assert np.max(np.abs(combined - parts)) <= 1e-11 * _scale(combined, parts)


@st.composite
def additive(draw):
    """f(x) = Σ_i g_i(x_i): a ridge function of one coordinate or a univariate cubic."""
    terms = []
    for i in range(D):
        e = np.eye(D)[i]
        if draw(st.booleans()):
            link = draw(st.sampled_from(BOUNDED_LINKS))
            w = draw(bounded_floats(0.2, 2.0)) * e
            terms.append((1.0, RidgeFunction(w, draw(bounded_floats(-1, 1)), link)))
        else:
            powers = {
                tuple(int(k * e_j) for e_j in e): draw(bounded_floats(-1, 1)) for k in (1, 2, 3)
            }
            terms.append((1.0, Polynomial(powers)))
    return LinearCombination(terms), terms


@given(additive(), points(D, bound=2.0), references())
def test_additive_f_every_method_agrees(problem, x, ref):
    f, terms = problem
    rows = ref.point[None] if isinstance(ref, Baseline) else ref.rows
    weights = np.ones(1) if isinstance(ref, Baseline) else ref.weights
    # g_i depends on x_i alone: its share is g_i(x) minus its mean over the reference.
    expected = np.array([float(g(x)) - float(weights @ g(rows)) for _, g in terms])
    kernel = ProductKernel([1.0, 0.1, -0.4])
    results = [
        shapley_values(f, x, ref),
        banzhaf_values(f, x, ref),
        lime_binary(f, x, ref, kernel),
        kernel_shap_limit(f, x, ref),
        occlusion(f, x, ref),
        integrated_gradients(f, x, ref),
    ]
    for result in results:
        assert np.max(np.abs(result.values - expected)) <= 1e-10 * _scale(expected, result.value)

"""Every oracle comparison catches a deliberately broken engine.

Each case patches one step of verify.attribution with a plausible bug (the kind the
libraries have: wrong weights, the mean row for the background, a swapped value
function, a dropped term) and asserts that the same comparison the oracle tests make
now fails, and passes without the patch.
"""

from __future__ import annotations

import attribution_oracles as oracle
import numpy as np
import pytest

from verify.attribution import (
    Background,
    ExponentialKernel,
    GaussianBackground,
    coalition_methods,
    coalitions,
    gradients,
    ig_network,
    ig_rbf,
    integrated_gradients,
    kernel_shap_limit,
    lime_binary,
    shapley_values,
)
from verify.attribution import products as products_module
from verify.attribution.tables import size_matrix
from verify.functions import Network, Polynomial, RBFMixture, RidgeFunction

D = 3
RNG = np.random.default_rng(11)
X, B = RNG.normal(size=D), RNG.normal(size=D)
ROWS = RNG.normal(size=(3, D))
CUBIC = Polynomial({(1, 1, 1): 1.0, (2, 0, 1): -0.5, (0, 1, 0): 0.3})
DEEP = Network.random(D, (5, 4), "relu", seed=2)


def _assert_close(actual, expected):
    assert np.max(np.abs(actual - expected)) <= 1e-10 * (1 + np.max(np.abs(expected)))


def check_shapley_baseline(f):
    _assert_close(shapley_values(f, X, B).values, oracle.shapley(oracle.game_baseline(f, X, B), D))


def check_shapley_rows(f):
    v = oracle.game_rows(f, X, ROWS)
    _assert_close(shapley_values(f, X, Background(ROWS)).values, oracle.shapley(v, D))


def check_conditional():
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.0]])
    ref = GaussianBackground(np.zeros(D), cov, "conditional")
    v = oracle.game_gaussian(CUBIC, X, np.zeros(D), cov, True, order=4)
    _assert_close(shapley_values(CUBIC, X, ref).values, oracle.shapley(v, D))


def check_unconstrained(f):
    v = oracle.game_baseline(f, X, B)
    _assert_close(
        kernel_shap_limit(f, X, B, constrained=False).values, oracle.kernel_shap(v, D, False)
    )


def check_ig(f):
    kinks = None if f.smooth else oracle.kinks(oracle.sign_pattern(f, X, B)) or None
    _assert_close(integrated_gradients(f, X, B).values, oracle.integrated_gradients(f, X, B, kinks))


def check_lime_captum_convention(f):
    def kernel(z):
        return np.exp(-np.sum((X - np.where(z.astype(bool), X, B)) ** 2) / (2 * 1.5**2))

    expected = oracle.weighted_least_squares(oracle.game_baseline(f, X, B), D, kernel)
    _assert_close(lime_binary(f, X, B, ExponentialKernel(1.5, "input", "captum")).values, expected)


def _banzhaf_matrix(d):
    masks = coalitions.all_masks(d)
    return np.where(masks, 1.0, -1.0) / 2 ** (d - 1)


def _mean_row(f, X, rows, weights, masks):
    return coalitions.__dict__["_original_hybrid"](f, X, (weights @ rows)[None], np.ones(1), masks)


def _with_own_factor(factors):
    return np.prod(factors, axis=-1, keepdims=True) * np.ones_like(factors)


def _swap_value_function(mu, sigma, S, F, XS, conditional):
    return ORIGINAL_FREE_LAW(mu, sigma, S, F, XS, not conditional)


def _midpoint_slopes(link, s0, s1):
    return link.derivative((np.asarray(s0) + np.asarray(s1)) / 2)


def _without_i1(alpha, beta, gamma):
    I0, _ = ORIGINAL_BUMP(alpha, beta, gamma)
    return I0, np.zeros_like(I0)


def _unsplit(f, X, B, layers):
    return np.tile([0.0, 1.0], (X.shape[0], 1))


def _lfa_for_captum(self, X, reference):
    return (X - reference.point) ** 2 / self.width**2


ORIGINAL_FREE_LAW = coalitions._free_law
ORIGINAL_BUMP = ig_rbf.bump_integrals
MUTATIONS = {
    "Banzhaf weights for Shapley": (
        coalition_methods,
        "shapley_matrix",
        _banzhaf_matrix,
        lambda: check_shapley_baseline(DEEP),
    ),
    "product game keeps the own factor": (
        products_module,
        "_leave_one_out",
        _with_own_factor,
        lambda: check_shapley_baseline(CUBIC),
    ),
    "background = f at the mean row": (
        coalitions,
        "_hybrid_values",
        _mean_row,
        lambda: check_shapley_rows(DEEP),
    ),
    "interventional for conditional": (
        coalitions,
        "_free_law",
        _swap_value_function,
        check_conditional,
    ),
    "unconstrained KernelSHAP without the shift": (
        coalition_methods,
        "size_matrix",
        lambda d: 0.0 * size_matrix(d),
        lambda: check_unconstrained(DEEP),
    ),
    "IG ridge by the midpoint derivative": (
        gradients,
        "secant_slopes",
        _midpoint_slopes,
        lambda: check_ig(RidgeFunction([1.0, -2.0, 0.5], 0.2, "tanh")),
    ),
    "IG bump without the u-weighted integral": (
        ig_rbf,
        "bump_integrals",
        _without_i1,
        lambda: check_ig(RBFMixture([1.0], [0.2, -0.3, 0.1], np.diag([1.0, 2.0, 0.5]))),
    ),
    "IG of a ReLU network without splitting at the kinks": (
        ig_network,
        "_kinks",
        _unsplit,
        lambda: check_ig(DEEP),
    ),
    "LIME kernel convention lfa for captum": (
        ExponentialKernel,
        "rates",
        _lfa_for_captum,
        lambda: check_lime_captum_convention(CUBIC),
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_check_passes_on_the_engine_and_fails_on_the_mutation(name, monkeypatch):
    owner, attribute, broken, check = MUTATIONS[name]
    check()  # the engine passes
    monkeypatch.setitem(coalitions.__dict__, "_original_hybrid", coalitions._hybrid_values)
    monkeypatch.setattr(owner, attribute, broken)
    with pytest.raises(AssertionError):
        check()

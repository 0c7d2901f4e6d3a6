"""E f(z) for z ~ N(mean, cov) by the families' own closed forms (mean only).

The Gaussian-background games need E f over the absent features, for restricted
functions (:mod:`.restrict`) of every family. This module routes each family to its
``moments`` (Isserlis for polynomials, completed squares for RBF mixtures, the link
tables for ridge functions and one-hidden-layer networks) and refuses families whose
moments would be randomised quasi-Monte Carlo: those values would not be exact.

A ridge function whose restriction no longer depends on the free features (w_F = 0) is
the constant g(b'), which the ridge closed form refuses (zero variance); it is handled
here.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np

from ..covariance import Covariance
from ..functions import (
    Function,
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
    Translated,
    gaussian_central_moment,
)
from ..validation import InputError

__all__ = ["gaussian_mean", "gaussian_route"]

_GH = "gauss-hermite 1-D (order 160)"


def gaussian_route(f: Function) -> str:
    """How E f under a Gaussian is computed: ``"closed form"`` or the 1-D quadrature label.

    Raises
    ------
    InputError
        For families whose Gaussian expectation the engine only has by randomised QMC
        (deep networks, sigmoid outputs, unknown families).
    """
    if isinstance(f, Polynomial | RBFMixture):
        return "closed form"
    if isinstance(f, RidgeFunction):
        return "closed form" if f.link.closed_form else _GH
    if isinstance(f, Network):
        if len(f.weights) == 2 and f.output == "identity":
            return "closed form" if f.activation.closed_form else _GH
        raise InputError(
            f"the Gaussian-background value of {f!r} has no closed form (only networks with "
            "one hidden layer and an identity output are sums of ridge functions); the engine "
            "would need Monte Carlo, which is not exact: pass Background(rows) instead (the "
            "exact mean over the rows)"
        )
    if isinstance(f, LinearCombination):
        routes = {gaussian_route(g) for _, g in f.terms}
        return "closed form" if routes == {"closed form"} else _GH
    if isinstance(f, Translated):
        return gaussian_route(f.f)
    raise InputError(
        f"no exact Gaussian expectation for {type(f).__name__}: GaussianBackground values "
        "need a Polynomial, RBFMixture, RidgeFunction, one-hidden-layer Network or a "
        "combination of them; pass Background(rows) for other models"
    )


def gaussian_mean(
    f: Function, X0: np.ndarray, cov: Covariance, cache: dict | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """E f(z), z ~ N(x0, cov), at each row of X0 (m, k), and its absolute error estimate.

    The error is zero for closed forms and the quadrature's two-order difference for
    links without one. ``cache`` memoises the central moments of ``cov`` (Isserlis) across
    calls with the same covariance.
    """
    gaussian_route(f)  # refuse before computing
    return _mean(f, X0, cov, {} if cache is None else cache)


def _mean(f: Function, X0: np.ndarray, cov: Covariance, cache: dict) -> tuple[np.ndarray, ...]:
    if isinstance(f, LinearCombination):
        total, error = np.zeros(X0.shape[0]), np.zeros(X0.shape[0])
        for c, g in f.terms:
            mean, err = _mean(g, X0, cov, cache)
            total, error = total + c * mean, error + abs(c) * err
        return total, error
    if isinstance(f, Translated):
        return _mean(f.f, X0 + f.shift, cov, cache)
    if isinstance(f, Polynomial):
        return _polynomial_mean(f, X0, cov.matrix, cache), np.zeros(X0.shape[0])
    if isinstance(f, RidgeFunction) and not float(f.w @ cov.matrix @ f.w) > 0:
        # Constant on the free features: no Gaussian averaging left.
        return f.link.value(X0 @ f.w + f.b), np.zeros(X0.shape[0])
    moments = f.moments(X0, cov)
    return np.asarray(moments.mean, float), np.asarray(moments.mean_error, float)


def _polynomial_mean(f: Polynomial, X0: np.ndarray, cov: np.ndarray, cache: dict) -> np.ndarray:
    """E p(x0 + z) = Σ_α c_α Σ_{β<=α} Π_j C(α_j, β_j) x0_j^(α_j-β_j) E[z^β] (Isserlis).

    The mean alone (Polynomial.moments also builds E[grad f] and Cov(x, f), 2k + 1 such
    sums); the central moments come from verify.functions' Isserlis recursion.
    """
    out = np.zeros(X0.shape[0])
    for alpha, c in f.coefficients.items():
        for beta in itertools.product(*(range(a + 1) for a in alpha)):
            moment = gaussian_central_moment(beta, cov, cache)
            if moment == 0.0:
                continue
            factor = np.full(X0.shape[0], c * moment)
            for j, (a, b) in enumerate(zip(alpha, beta, strict=True)):
                if a:
                    factor = factor * comb(a, b) * X0[:, j] ** (a - b)
            out += factor
    return out

"""Integrated Gradients and Gradient × Input, exact for every family (docs/math.md).

    IG_i(x; b) = (x_i − b_i) ∫₀¹ ∂_i f(b + u (x − b)) du,      GxI_i(x) = x_i ∂_i f(x).

==================  ===========================================================================
Polynomial          ∂_i f along the path is a polynomial in u of degree < deg f: Gauss–Legendre
                    with ⌈deg/2⌉ nodes is exact
RidgeFunction       the secant slope (g(s₁) − g(s₀))/(s₁ − s₀) (:mod:`.ig_ridge`; step link: 0)
RBFMixture          the erf closed form (:mod:`.ig_rbf`)
Network             ridge secants (one hidden layer), exact pieces (ReLU), else numeric
                    Gauss–Legendre with an error bar (:mod:`.ig_network`)
LinearCombination   term by term;  Translated: IG_f(x + t; b + t)
other smooth f      numeric Gauss–Legendre with an error bar, labelled numeric
==================  ===========================================================================

A :class:`Background` reference averages IG over its rows with their weights (the
"expected gradients" target); a Gaussian baseline distribution is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functions import (
    Function,
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
    Translated,
)
from ..validation import InputError, as_real
from .ig_network import composite_gauss_legendre, network_integrated_gradients
from .ig_rbf import rbf_integrated_gradients
from .ig_ridge import secant_slopes
from .references import Baseline, GaussianBackground, as_reference
from .result import Attribution, as_batch, check_finite, combine_methods

__all__ = ["gradient_x_input", "integrated_gradients"]


def integrated_gradients(f: Any, x: Any, baseline: Any, *, tol: float = 1e-10) -> Attribution:
    """Integrated Gradients along the straight path from the baseline to x.

    Parameters
    ----------
    f : Function
    x : array_like, shape (..., d)
        The points explained (vectorised).
    baseline : Baseline, Background, or array_like of shape (d,)
        One baseline point, or background rows (IG averaged over the rows with their
        weights).
    tol : float
        Relative tolerance of the numeric rule, used only where no closed form exists
        (deep non-ReLU networks, sigmoid outputs with smooth activations, unknown smooth
        families).

    Returns
    -------
    Attribution
        ``value`` = f(x), ``reference_value`` = f(b) (the weighted mean over rows); for
        absolutely continuous f, Σ values = value − reference_value (completeness).
    """
    f, X, lead = as_batch(f, x)
    ref = as_reference(baseline, f.dim)
    tol = as_real(tol, "tol", "a positive number")
    if tol <= 0:
        raise InputError(f"tol must be a positive number, got {tol!r}")
    if isinstance(ref, GaussianBackground):
        raise InputError(
            "integrated_gradients takes a Baseline or Background rows; a Gaussian baseline "
            "distribution has no exact IG here: pass Background(rows) drawn from it, or its "
            "mean as Baseline(mean) (a different target)"
        )
    rows = ref.point[None, :] if isinstance(ref, Baseline) else ref.rows
    weights = np.ones(1) if isinstance(ref, Baseline) else ref.weights
    m, n, d = X.shape[0], rows.shape[0], f.dim
    Xp = np.repeat(X, n, axis=0)
    Bp = np.tile(rows, (m, 1))
    values, errors, method = _ig(f, Xp, Bp, tol)
    check_finite(values, "integrated gradients of f on the paths from the reference to x")
    values = np.einsum("mnd,n->md", values.reshape(m, n, d), weights)
    errors = np.einsum("mnd,n->md", errors.reshape(m, n, d), weights)
    reference_value = np.full(m, float(f(rows) @ weights))
    return Attribution(
        values.reshape(*lead, d),
        method,
        errors.reshape(*lead, d),
        f(X).reshape(lead),
        reference_value.reshape(lead),
    )


def gradient_x_input(f: Any, x: Any) -> Attribution:
    """x ⊙ ∇f(x) (the a.e. gradient at kinks), exact for every family."""
    f, X, lead = as_batch(f, x)
    values = X * f.gradient(X)
    return Attribution(values.reshape(*lead, f.dim), "closed form", value=f(X).reshape(lead))


def _ig(f: Function, X: np.ndarray, B: np.ndarray, tol: float) -> tuple[np.ndarray, ...]:
    """IG from each row of B to the same row of X: values, errors, method."""
    zero = np.zeros_like(X)
    if isinstance(f, Polynomial):
        return _polynomial(f, X, B), zero, "closed form"
    if isinstance(f, RidgeFunction):
        slope = secant_slopes(f.link, B @ f.w + f.b, X @ f.w + f.b)
        return (X - B) * f.w * slope[:, None], zero, "closed form"
    if isinstance(f, RBFMixture):
        return rbf_integrated_gradients(f, X, B), zero, "closed form"
    if isinstance(f, Network):
        return network_integrated_gradients(f, X, B, tol)
    if isinstance(f, LinearCombination):
        values, errors, methods = np.zeros_like(X), np.zeros_like(X), []
        for c, g in f.terms:
            v, e, method = _ig(g, X, B, tol)
            values, errors = values + c * v, errors + abs(c) * e
            methods.append(method)
        return values, errors, combine_methods(methods)
    if isinstance(f, Translated):
        return _ig(f.f, X + f.shift, B + f.shift, tol)
    if not f.smooth:
        raise InputError(
            f"no exact or reliable numeric IG for {type(f).__name__}: it is not a known family "
            "and not smooth (a quadrature's error bar would not be trustworthy across kinks); "
            "express it as a Polynomial, RidgeFunction, RBFMixture or Network"
        )
    breaks = np.tile([0.0, 1.0], (X.shape[0], 1))
    values, errors, n = composite_gauss_legendre(f, X, B, breaks, tol)
    return values, errors, f"gauss-legendre (numeric, {n} nodes)"


def _polynomial(f: Polynomial, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Gauss–Legendre with ⌈deg/2⌉ nodes: exact for ∂_i f(b + uδ), of degree <= deg − 1."""
    nodes, weights = np.polynomial.legendre.leggauss(max(1, (f.degree + 1) // 2))
    nodes, weights = (nodes + 1) / 2, weights / 2
    delta = X - B
    Y = B[:, None, :] + nodes[:, None] * delta[:, None, :]
    return delta * np.einsum("q,mqd->md", weights, f.gradient(Y))

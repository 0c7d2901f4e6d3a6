"""Integrated Gradients of networks: exact where the path splits into exact pieces.

* One hidden layer, identity output: f = Σ_j c_j φ(w_jᵀx + b_j) + c₀ is a sum of ridge
  functions, so IG is exact for every activation by the secant slopes of
  :func:`.ig_ridge.secant_slopes`.
* ReLU hidden layers (any depth), identity or sigmoid output: along the segment
  y(u) = b + u (x − b) every pre-activation is piecewise affine in u. Layer by layer, the
  kinks are the zeros of the next layer's pre-activations, which are affine between the
  kinks found so far (one linear interpolation each); on each piece the gradient of the
  pre-output o is constant, and ∫ ∇f = ∇o · (out(o₁) − out(o₀)) / (o₁ − o₀) exactly.
* Other activations (elu, tanh, softplus, sigmoid) in deeper networks or with a sigmoid
  output: no closed form. Composite Gauss–Legendre on the pieces between the first
  layer's kinks (where the integrand may have a kink, ELU), the number of nodes doubled
  until two rules agree within ``tol``; the difference of the last two rules is reported
  as the error, and the method is labelled numeric.
"""

from __future__ import annotations

import numpy as np

from ..functions import Function, Network
from ..links import get_link
from .ig_ridge import secant_slopes

__all__ = ["composite_gauss_legendre", "network_integrated_gradients"]

_MAX_NODES = 1024
_BUDGET = 2**22


def network_integrated_gradients(
    f: Network, X: np.ndarray, B: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray, str]:
    """IG of a network from the rows of B to those of X: values, errors, method."""
    delta = X - B
    if len(f.weights) == 2 and f.output == "identity":
        W, b = f.weights[0], f.biases[0]
        slopes = secant_slopes(f.activation, B @ W.T + b, X @ W.T + b)
        return delta * ((slopes * f.weights[1][0]) @ W), np.zeros_like(X), "closed form"
    if f.activation.name == "relu":
        return _relu_pieces(f, X, B), np.zeros_like(X), "closed form"
    breaks = _kinks(f, X, B, layers=1)
    values, errors, n = composite_gauss_legendre(f, X, B, breaks, tol)
    return values, errors, f"gauss-legendre (numeric, {n} nodes per piece)"


def _pre_activations(f: Network, Y: np.ndarray, layer: int) -> np.ndarray:
    """The pre-activations of hidden layer ``layer`` (0-based) at the points Y (..., d)."""
    s = Y @ f.weights[0].T + f.biases[0]
    for i in range(1, layer + 1):
        s = f.activation.value(s) @ f.weights[i].T + f.biases[i]
    return s


def _kinks(f: Network, X: np.ndarray, B: np.ndarray, layers: int) -> np.ndarray:
    """Sorted u in [0, 1] (m, P), 0 and 1 included, where the first ``layers`` hidden
    layers' pre-activations change sign (exact for ReLU layers); padded with 1.0."""
    m = X.shape[0]
    delta = X - B
    u = np.tile([0.0, 1.0], (m, 1))
    for layer in range(layers):
        Y = B[:, None, :] + u[..., None] * delta[:, None, :]
        s = _pre_activations(f, Y, layer)  # (m, P, h), affine in u between kinks
        s0, s1, u0, u1 = s[:, :-1], s[:, 1:], u[:, :-1, None], u[:, 1:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            roots = u0 + (u1 - u0) * s0 / (s0 - s1)
        roots = np.where((s0 * s1 < 0) & (u1 > u0), roots, np.nan).reshape(m, -1)
        keep = ~np.all(np.isnan(roots), axis=0)
        u = np.sort(np.concatenate([u, roots[:, keep]], axis=1), axis=1)
        u = np.where(np.isnan(u), 1.0, np.clip(u, 0.0, 1.0))
        u = u[:, : int(np.max(np.sum(u < 1.0, axis=1))) + 1]
    return u


def _relu_pieces(f: Network, X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Exact IG of a ReLU network (identity or sigmoid output) by splitting at every kink."""
    u = _kinks(f, X, B, layers=len(f.weights) - 1)
    delta = X - B
    pre = Network(f.weights, f.biases, "relu", "identity")  # o, the pre-output
    u0, u1 = u[:, :-1], u[:, 1:]
    mid = B[:, None, :] + ((u0 + u1) / 2)[..., None] * delta[:, None, :]
    grad_o = pre.gradient(mid)  # constant on each piece
    if f.output == "identity":
        weight = u1 - u0
    else:  # ∫ σ'(o(u)) du over the piece = (u1 − u0) × secant slope of σ on [o0, o1]
        ends = pre(B[:, None, :] + u[..., None] * delta[:, None, :])
        weight = (u1 - u0) * secant_slopes(get_link("logistic"), ends[:, :-1], ends[:, 1:])
    return delta * np.einsum("mp,mpd->md", weight, grad_o)


def composite_gauss_legendre(
    f: Function, X: np.ndarray, B: np.ndarray, breaks: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """δ ⊙ ∫₀¹ ∇f(b + uδ) du by Gauss–Legendre on each piece [breaks_k, breaks_k+1].

    The nodes per piece double (8, 16, ...) until the change of every value is at most
    ``tol`` times the scale max(|f(x) − f(b)|, max |IG|) (or 1024 nodes); returns the
    values, the last change as the error, and the number of nodes.
    """
    delta = X - B
    scale = np.maximum(np.abs(f(X) - f(B)), np.finfo(float).tiny)
    previous, n = None, 8
    while True:
        current = _gl_rule(f, B, delta, breaks, n)
        if previous is not None:
            change = np.abs(current - previous)
            bound = tol * np.maximum(scale, np.max(np.abs(current), axis=1))
            if np.all(change <= bound[:, None]) or n >= _MAX_NODES:
                return current, change, n
        previous, n = current, 2 * n


def _gl_rule(
    f: Function, B: np.ndarray, delta: np.ndarray, breaks: np.ndarray, n: int
) -> np.ndarray:
    nodes, weights = np.polynomial.legendre.leggauss(n)
    nodes, weights = (nodes + 1) / 2, weights / 2
    u0, u1 = breaks[:, :-1, None], breaks[:, 1:, None]
    u = (u0 + (u1 - u0) * nodes).reshape(breaks.shape[0], -1)  # (m, pieces * n)
    w = ((u1 - u0) * weights).reshape(breaks.shape[0], -1)
    m, d = delta.shape
    out = np.zeros((m, d))
    step = max(1, _BUDGET // max(1, u.shape[1] * (f.evaluation_width + d)))
    for start in range(0, m, step):
        sl = slice(start, start + step)
        Y = B[sl, None, :] + u[sl, :, None] * delta[sl, None, :]
        out[sl] = np.einsum("mq,mqd->md", w[sl], f.gradient(Y))
    return delta * out

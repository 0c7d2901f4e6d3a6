"""The mean slope of a link over an interval: ∫₀¹ g'(s₀ + u (s₁ − s₀)) du.

For a ridge function f = g(wᵀx + c) the IG path integrand is g'(s(u)) w, so

    IG(x; b) = (x − b) ⊙ w · (g(s₁) − g(s₀)) / (s₁ − s₀),   s₀ = wᵀb + c,  s₁ = wᵀx + c,

the secant slope (the fundamental theorem of calculus, valid for absolutely continuous
g), with the limit g'(s₀) when s₁ = s₀. For the step link, which is not absolutely
continuous, the integral of the almost-everywhere derivative is 0 (≠ the secant): IG of
a hard label is 0 and completeness fails (docs/math.md, "IG of a ridge function").

Short intervals (|s₁ − s₀| <= 10⁻², where the quotient of differences would lose digits)
use a 5-node Gauss–Legendre rule for ∫ g' on [s₀, s₁] when g is smooth there (every link
but relu, abs, elu and step is smooth; those are smooth on each side of their kink at 0):
the rule is exact for g' of degree <= 9 and its error on an interval of length h is of
order (h/2)¹⁰ g⁽¹¹⁾ / 10!, far below rounding for these links. Intervals across the kink
keep the secant, which does not cancel there (g(0) = 0 and the two ends have opposite
signs).
"""

from __future__ import annotations

import numpy as np

from ..links import Link

__all__ = ["secant_slopes"]

_SHORT = 1e-2
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(5)
_NODES, _WEIGHTS = (_NODES + 1) / 2, _WEIGHTS / 2


def secant_slopes(link: Link, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """∫₀¹ g'(s₀ + u (s₁ − s₀)) du elementwise (g' the a.e. derivative)."""
    s0, s1 = np.broadcast_arrays(np.asarray(s0, float), np.asarray(s1, float))
    if not link.absolutely_continuous:
        # The a.e. derivative of a jump link vanishes almost everywhere (step: 1[s > 0]).
        return np.zeros(s0.shape)
    ds = s1 - s0
    short = np.abs(ds) <= _SHORT
    if not link.smooth:
        short &= (s0 * s1 > 0) | (ds == 0)
    out = np.empty(s0.shape)
    long_ = ~short
    with np.errstate(divide="ignore", invalid="ignore"):
        out[long_] = (link.value(s1[long_]) - link.value(s0[long_])) / ds[long_]
    if np.any(short):
        a, h = s0[short][..., None], ds[short][..., None]
        out[short] = link.derivative(a + h * _NODES) @ _WEIGHTS
    return out

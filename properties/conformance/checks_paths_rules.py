"""What a declared IG quadrature rule promises: its exactness degree, symmetry and error.

The ``rule`` tag of ``kind="integrated_gradients"`` names one of five rules with n gradient
evaluations on [0, 1] (captum's ``n_steps`` convention: n nodes; the trapezoid's n nodes
span n − 1 intervals). Write g_i(u) = δ_i ∂_i f(b + u δ), δ = x − b, so IG_i = ∫₀¹ g_i and
the explainer returns Q(g_i) = Σ_k w_k g_i(u_k). The checks judge a rule by what it must do,
never by re-running it:

* **Exactness degree.** Gauss–Legendre with n nodes is exact for integrands of degree
  <= 2n − 1, i.e. for f of degree <= 2n; midpoint and trapezoid for f of degree <= 2;
  left and right Riemann for affine f.
* **The error on a quadratic integrand** (f of degree 3), exactly, from the Euler–Maclaurin
  formula, whose series stops there (Δg = g(1) − g(0), Δg' = g'(1) − g'(0), m intervals):

  ===========  =====================================================
  left         Q − I = −Δg / (2m) + Δg' / (12 m²),   m = n
  right        Q − I = +Δg / (2m) + Δg' / (12 m²),   m = n
  middle       Q − I = −Δg' / (24 m²),               m = n
  trapezoid    Q − I = +Δg' / (12 m²),               m = n − 1
  GL, n = 1    the midpoint rule: −Δg' / 24;  GL, n >= 2: 0
  ===========  =====================================================

  For quadratic g, Δg' = 4 (g(0) − 2 g(½) + g(1)).
* **Gauss–Legendre at the first inexact degree** (f of degree 2n + 1, g of degree 2n with
  leading coefficient c): I − Q = c e_n, e_n = ∫₀¹ u^{2n} du − Q(u^{2n}) =
  (n!)⁴ / ((2n + 1) ((2n)!)²); c is read from g's 2n-th finite difference.
* **Rate** on smooth f: the error falls as m^-p, p = 1 (left, right) or 2 (middle,
  trapezoid); Gauss–Legendre falls faster than any power (no rate check).
* **Symmetry**: middle, trapezoid and Gauss–Legendre have nodes symmetric about ½ with
  equal weights, so IG(x; b) = −IG(b; x) exactly; left and right do not.
* **A node at u = 0** (left, trapezoid) evaluates ∇f at the baseline itself.
"""

from __future__ import annotations

from math import comb, factorial

import numpy as np

from verify.functions import Function

__all__ = [
    "NODE_AT_ZERO",
    "RATE",
    "SYMMETRIC",
    "exact_degree",
    "gauss_legendre_gap",
    "intervals",
    "path_integrand",
    "quadratic_error",
]

#: Order p of the error m^-p on smooth f (Gauss–Legendre: none, faster than any power).
RATE = {"riemann_left": 1, "riemann_right": 1, "riemann_middle": 2, "riemann_trapezoid": 2}
SYMMETRIC = ("gausslegendre", "riemann_middle", "riemann_trapezoid")
NODE_AT_ZERO = ("riemann_left", "riemann_trapezoid")


def exact_degree(rule: str, n: int) -> int:
    """The largest degree of a polynomial f whose IG the rule computes exactly with n nodes."""
    if rule == "gausslegendre":
        return 2 * n
    return 2 if rule in ("riemann_middle", "riemann_trapezoid") else 1


def intervals(rule: str, n: int) -> int:
    """The number m of intervals of the rule's mesh (n − 1 for the trapezoid, else n)."""
    return n - 1 if rule == "riemann_trapezoid" else n


def path_integrand(f: Function, x: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """g(u) = δ ⊙ ∇f(b + u δ) at the points u: shape (len(u), d)."""
    delta = x - b
    return delta * f.gradient(b + np.asarray(u, float)[:, None] * delta)


def quadratic_error(rule: str, n: int, g: np.ndarray) -> np.ndarray:
    """Q − I for an integrand of degree <= 2 given at u = 0, ½, 1 (``g`` of shape (3, d))."""
    g0, gh, g1 = g
    dg, dg1 = g1 - g0, 4.0 * (g0 - 2.0 * gh + g1)
    m = intervals(rule, n)
    if rule == "gausslegendre":
        return -dg1 / 24.0 if n == 1 else np.zeros_like(g0)
    if rule == "riemann_middle":
        return -dg1 / (24.0 * m**2)
    if rule == "riemann_trapezoid":
        return dg1 / (12.0 * m**2)
    sign = -1.0 if rule == "riemann_left" else 1.0
    return sign * dg / (2.0 * m) + dg1 / (12.0 * m**2)


def gauss_legendre_gap(f: Function, x: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """I − Q for the n-node Gauss–Legendre rule when g has degree exactly 2n: c e_n per
    feature, c = Δ^{2n} g / ((2n)! h^{2n}) from 2n + 1 equispaced points (h = 1/(2n))."""
    k = 2 * n
    g = path_integrand(f, x, b, np.arange(k + 1) / k)
    signs = np.array([(-1) ** (k - j) * comb(k, j) for j in range(k + 1)], dtype=float)
    lead = (signs @ g) * float(k) ** k / factorial(k)
    e_n = factorial(n) ** 4 / ((2 * n + 1) * factorial(2 * n) ** 2)
    return lead * e_n

"""Correct numpy designs of the path kinds: the battery's references (they pass every check).

Integrated Gradients by five quadrature rules on [0, 1], n gradient evaluations each
(captum's ``n_steps`` and its node placement, with weights that sum to 1):

====================  ===================================  ============================
``gausslegendre``     the n Gauss–Legendre nodes           exact for f of degree <= 2n
``riemann_left``      u_k = k / n,  k = 0 .. n − 1          error ~ n^-1
``riemann_right``     u_k = k / n,  k = 1 .. n              error ~ n^-1
``riemann_middle``    u_k = (k + ½) / n                     error ~ n^-2
``riemann_trapezoid`` u_k = k / (n − 1), ends weighted ½    error ~ (n − 1)^-2, n >= 2
====================  ===================================  ============================

    IG_i(x; b) ≈ (x_i − b_i) Σ_k w_k ∂_i f(b + u_k (x − b)),

with the gradient of f (the a.e. gradient at kinks, as autograd). Gradient × Input is
x ⊙ ∇f(x); occlusion is f(x) − v(N ∖ {i}), feature i alone replaced by the baseline (or by
each background row, the outputs averaged with the rows' weights); n is not used by either.
Every design validates its input (ValueError naming the problem and the fix) and never
writes into its arguments. The targets these converge to are the engine's
(:mod:`verify.attribution`; docs/math.md, "Local function approximation: exact targets").
"""

from __future__ import annotations

import operator
from functools import lru_cache
from typing import Any

import numpy as np

from verify.attribution import Background, Baseline
from verify.functions import Function

__all__ = [
    "RULES",
    "gradient_x_input",
    "ig_gausslegendre",
    "ig_gausslegendre_delta",
    "ig_gausslegendre_float32",
    "ig_riemann_left",
    "ig_riemann_middle",
    "ig_riemann_right",
    "ig_riemann_trapezoid",
    "integrated_gradients",
    "occlusion",
    "reference_explainers",
    "rule_nodes",
]

RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")


@lru_cache(maxsize=64)
def _nodes(rule: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    if rule == "gausslegendre":
        u, w = np.polynomial.legendre.leggauss(n)
        return (u + 1) / 2, w / 2
    k = np.arange(n, dtype=float)
    if rule == "riemann_trapezoid":
        w = np.full(n, 1.0 / (n - 1))
        w[[0, -1]] /= 2
        return k / (n - 1), w
    shift = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[rule]
    return (k + shift) / n, np.full(n, 1.0 / n)


def rule_nodes(rule: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The nodes u_k in [0, 1] and weights w_k (summing to 1) of ``rule`` with n nodes."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; use one of {', '.join(RULES)}")
    n = _steps(n, 2 if rule == "riemann_trapezoid" else 1)
    u, w = _nodes(rule, n)
    return u.copy(), w.copy()


def _steps(n: Any, least: int) -> int:
    try:
        steps = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be an integer number of steps, got {n!r}") from None
    if steps < least:
        raise ValueError(f"n must be at least {least} steps, got {steps}")
    return steps


def _point(f: Any, x: Any) -> np.ndarray:
    if not isinstance(f, Function):
        raise TypeError(f"f must be a verify.functions.Function, got {type(f).__name__}")
    arr = np.array(x, dtype=float)  # a copy: the caller's x is never written
    if arr.shape != (f.dim,):
        raise ValueError(
            f"x must have shape ({f.dim},) for f of dimension {f.dim}, got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("x must be finite; it contains NaN or inf")
    return arr


def _rows(reference: Any, d: int, background: bool) -> tuple[np.ndarray, np.ndarray]:
    """The reference as rows (k, d) and weights (k,): a Baseline (or Background rows)."""
    if isinstance(reference, Baseline):
        rows, weights = reference.point[None, :], np.ones(1)
    elif isinstance(reference, Background) and background:
        rows, weights = reference.rows, reference.weights
    else:
        allowed = "a Baseline or Background" if background else "a verify.attribution.Baseline"
        raise TypeError(f"the reference must be {allowed}, got {type(reference).__name__}")
    if rows.shape[1] != d:
        raise ValueError(f"the reference has dimension {rows.shape[1]} but x has {d}")
    return rows, weights


def integrated_gradients(
    f: Any, x: Any, reference: Any, n: int, seed: int, *, rule: str = "gausslegendre"
) -> np.ndarray:
    """IG of f at x from the baseline by ``rule`` with n gradient evaluations (vectorised)."""
    x = _point(f, x)
    b = _rows(reference, x.size, background=False)[0][0]
    u, w = rule_nodes(rule, n)
    delta = x - b
    gradients = f.gradient(b + u[:, None] * delta)
    return delta * (w @ gradients)


def ig_gausslegendre(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    return integrated_gradients(f, x, reference, n, seed, rule="gausslegendre")


def ig_riemann_left(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    return integrated_gradients(f, x, reference, n, seed, rule="riemann_left")


def ig_riemann_right(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    return integrated_gradients(f, x, reference, n, seed, rule="riemann_right")


def ig_riemann_middle(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    return integrated_gradients(f, x, reference, n, seed, rule="riemann_middle")


def ig_riemann_trapezoid(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    return integrated_gradients(f, x, reference, n, seed, rule="riemann_trapezoid")


def ig_gausslegendre_delta(
    f: Any, x: Any, reference: Any, n: int, seed: int
) -> tuple[np.ndarray, float]:
    """Gauss–Legendre IG and its convergence delta Σ IG − (f(x) − f(b)) (``delta=True``)."""
    values = ig_gausslegendre(f, x, reference, n, seed)
    x = np.asarray(x, dtype=float)
    b = reference.point
    return values, float(np.sum(values) - (f(x) - f(b)))


def ig_gausslegendre_float32(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """Gauss–Legendre IG in float32 arithmetic (as a float32 torch model computes it): the
    path, the nodes, the weights and the sum in float32 (declare ``precision="float32"``)."""
    x = _point(f, x).astype(np.float32)
    b = _rows(reference, x.size, background=False)[0][0].astype(np.float32)
    u, w = (a.astype(np.float32) for a in rule_nodes("gausslegendre", n))
    delta = x - b
    gradients = f.gradient((b + u[:, None] * delta).astype(float)).astype(np.float32)
    return (delta * (w @ gradients)).astype(float)


def gradient_x_input(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """x ⊙ ∇f(x) (the reference is validated and not used; nor is n)."""
    x = _point(f, x)
    _rows(reference, x.size, background=False)
    return x * f.gradient(x[None, :])[0]


def occlusion(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """f(x) − Σ_r w_r f(x with x_i := B_ri), one feature at a time (n is not used)."""
    x = _point(f, x)
    rows, weights = _rows(reference, x.size, background=True)
    d = x.size
    occluded = np.broadcast_to(x, (rows.shape[0], d, d)).copy()  # (row, feature, coordinate)
    index = np.arange(d)
    occluded[:, index, index] = rows
    values = f(occluded.reshape(-1, d)).reshape(rows.shape[0], d)
    return f(x[None, :])[0] - weights @ values


def reference_explainers() -> list[Any]:
    """The reference designs as declared Explainers: the five IG rules, Gauss–Legendre with
    its delta and in float32 (declared), G×I and occlusion."""
    from .explainer import Explainer

    designs: list[Any] = [
        Explainer(fn, kind="integrated_gradients", rule=rule, stochastic=False, name=f"ig_{rule}")
        for rule, fn in zip(
            RULES,
            (
                ig_gausslegendre,
                ig_riemann_left,
                ig_riemann_right,
                ig_riemann_middle,
                ig_riemann_trapezoid,
            ),
            strict=True,
        )
    ]
    designs.append(
        Explainer(
            ig_gausslegendre_delta,
            kind="integrated_gradients",
            rule="gausslegendre",
            delta=True,
            stochastic=False,
            name="ig_gausslegendre_delta",
        )
    )
    designs.append(
        Explainer(
            ig_gausslegendre_float32,
            kind="integrated_gradients",
            rule="gausslegendre",
            stochastic=False,
            precision="float32",
        )
    )
    designs.append(Explainer(gradient_x_input, kind="gradient_x_input", stochastic=False))
    designs.append(Explainer(occlusion, kind="occlusion", stochastic=False))
    return designs

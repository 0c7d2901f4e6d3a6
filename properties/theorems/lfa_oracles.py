"""Independent numeric routes for the LFA statements' checks (no code shared with the engine).

The targets of :mod:`verify.attribution` are closed forms and product-game recursions; the
checks compare them with the *defining* computations, written here from scratch:

* path integrals by adaptive quadrature (``scipy.integrate.quad``), split where the path
  crosses a kink of f (found from the family's parameters, independently of the engine);
* coalition values f(x_S, reference elsewhere) evaluated point by point, and Shapley,
  Banzhaf, weighted Banzhaf and weighted least squares by their defining sums over the
  2^d coalitions (numpy).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from math import comb, factorial

import numpy as np
from scipy.integrate import quad_vec

from verify.attribution import Background, Baseline
from verify.functions import Function, LinearCombination, Network, RidgeFunction, Translated

__all__ = [
    "brute_banzhaf",
    "brute_least_squares",
    "brute_shapley",
    "brute_weighted_banzhaf",
    "coalition_masks",
    "hybrid_game",
    "path_integral",
    "path_kinks",
    "shapley_kernel",
]

_KINKED = ("relu", "abs", "elu", "step")


def path_kinks(f: Function, x: np.ndarray, b: np.ndarray) -> list[float]:
    """The u in (0, 1) where b + u (x - b) crosses a kink of f (one-hidden-layer networks,
    kinked ridge links, their combinations and translations)."""
    delta = x - b
    if isinstance(f, LinearCombination):
        return sorted({u for _, g in f.terms for u in path_kinks(g, x, b)})
    if isinstance(f, Translated):
        return path_kinks(f.f, x + f.shift, b + f.shift)
    if isinstance(f, RidgeFunction) and f.link.name in _KINKED:
        start, slope = float(f.w @ b + f.b), float(f.w @ delta)
        return [u for u in _roots(np.array([start]), np.array([slope]))]
    if isinstance(f, Network) and f.activation.name in _KINKED:
        W, c = f.weights[0], f.biases[0]
        return _roots(W @ b + c, W @ delta)
    return []


def _roots(start: np.ndarray, slope: np.ndarray) -> list[float]:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        u = -start / slope
    return sorted({float(v) for v in u[np.isfinite(u)] if 0.0 < v < 1.0})


def path_integral(
    integrand: Callable[[float], np.ndarray],
    kinks: list[float],
    dim: int,
    *,
    lo: float = 0.0,
    hi: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """int_lo^hi integrand(u) du componentwise (adaptive quadrature between the kinks).

    Returns the values and the absolute error estimate of ``scipy.integrate.quad_vec``
    (its max-norm estimate, per component).
    """
    cuts = [lo, *[k for k in kinks if lo < k < hi], hi]
    value, error = np.zeros(dim), np.zeros(dim)
    # Work in units of the integrand's size: quad_vec's error heuristic overflows on
    # integrands of subnormal size (as generated inputs can be).
    probe = np.array([np.abs(np.asarray(integrand(u), float)) for u in np.linspace(lo, hi, 17)])
    scale = float(np.max(probe, initial=0.0))
    if scale == 0.0 or not np.isfinite(scale):
        scale = 1.0
    for a, c in itertools.pairwise(cuts):
        v, e = quad_vec(
            lambda u: np.asarray(integrand(u), float) / scale,
            a,
            c,
            epsabs=1e-13,
            epsrel=1e-12,
            norm="max",
            limit=400,
        )
        value += v * scale
        error += e * scale
    return value, error


def coalition_masks(d: int) -> list[tuple[int, ...]]:
    """All 2^d masks z in {0, 1}^d."""
    return list(itertools.product((0, 1), repeat=d))


def hybrid_game(f: Function, x: np.ndarray, reference) -> dict[tuple[int, ...], float]:
    """v(z) = sum_r w_r f(x on z, row r elsewhere), point by point (Baseline or Background)."""
    if isinstance(reference, Baseline):
        rows, weights = reference.point[None, :], np.ones(1)
    elif isinstance(reference, Background):
        rows, weights = reference.rows, reference.weights
    else:
        raise TypeError(f"hybrid_game takes a Baseline or Background, got {reference!r}")
    game = {}
    for z in coalition_masks(x.size):
        mask = np.array(z, bool)
        game[z] = float(
            sum(w * float(f(np.where(mask, x, row))) for w, row in zip(weights, rows, strict=True))
        )
    return game


def brute_shapley(game: dict, d: int) -> np.ndarray:
    """phi_i = sum_{S not containing i} |S|! (d - |S| - 1)! / d! (v(S + i) - v(S))."""
    out = np.zeros(d)
    for z in game:
        for i in range(d):
            if not z[i]:
                s = sum(z)
                up = tuple(1 if j == i else z[j] for j in range(d))
                out[i] += factorial(s) * factorial(d - s - 1) / factorial(d) * (game[up] - game[z])
    return out


def brute_weighted_banzhaf(game: dict, d: int, p: np.ndarray) -> np.ndarray:
    """E_p[v | z_i = 1] - E_p[v | z_i = 0], z_j ~ Bernoulli(p_j) independent."""
    out = np.zeros(d)
    for z in game:
        for i in range(d):
            if z[i]:
                down = tuple(0 if j == i else z[j] for j in range(d))
                prob = np.prod([p[j] if z[j] else 1 - p[j] for j in range(d) if j != i])
                out[i] += prob * (game[z] - game[down])
    return out


def brute_banzhaf(game: dict, d: int) -> np.ndarray:
    """The Banzhaf value (weighted Banzhaf at p = 1/2)."""
    return brute_weighted_banzhaf(game, d, np.full(d, 0.5))


def shapley_kernel(s: int, d: int) -> float:
    """(d - 1) / (C(d, s) s (d - s)) for 0 < s < d."""
    return (d - 1) / (comb(d, s) * s * (d - s))


def brute_least_squares(
    game: dict,
    d: int,
    weight: Callable[[tuple], float],
    *,
    proper: bool = False,
    intercept: bool = True,
) -> np.ndarray:
    """Slopes of sum_z weight(z) (v(z) - beta0 - beta'z)^2 over the masks (lstsq)."""
    masks = [z for z in game if not proper or 0 < sum(z) < d]
    Z = np.array([[1.0] * intercept + list(z) for z in masks])
    y = np.array([game[z] for z in masks])
    w = np.sqrt(np.array([weight(z) for z in masks]))
    beta = np.linalg.lstsq(Z * w[:, None], y * w, rcond=None)[0]
    return beta[1:] if intercept else beta


def constrained_shapley_kernel_fit(game: dict, d: int) -> np.ndarray:
    """min sum_{0<|S|<d} k(S) (v(S) - v(empty) - beta'z)^2 s.t. 1'beta = v(N) - v(empty), by KKT."""
    empty, full = game[(0,) * d], game[(1,) * d]
    A, c = np.zeros((d, d)), np.zeros(d)
    for z in game:
        s = sum(z)
        if 0 < s < d:
            zz = np.array(z, float)
            A += shapley_kernel(s, d) * np.outer(zz, zz)
            c += shapley_kernel(s, d) * zz * (game[z] - empty)
    K = np.block([[A, np.ones((d, 1))], [np.ones((1, d)), np.zeros((1, 1))]])
    return np.linalg.solve(K, np.append(c, full - empty))[:d]

"""Independent oracles for the attribution targets: the textbook formulas, brute force.

Nothing here imports verify.attribution: games are built by evaluating f at hybrid points
(or by tensor Gauss–Hermite quadrature over the absent features), the coalition values
by the defining sums over all subsets, the regressions by least squares over all 2^d
masks, IG by adaptive quadrature of the gradient along the path.
"""

from __future__ import annotations

import itertools
from math import comb, factorial

import numpy as np
from scipy import integrate


def masks(d: int) -> list[tuple[int, ...]]:
    """All coalitions as 0/1 tuples."""
    return list(itertools.product((0, 1), repeat=d))


def game_baseline(f, x, b) -> dict:
    x, b = np.asarray(x, float), np.asarray(b, float)
    return {z: float(f(np.where(np.array(z, bool), x, b))) for z in masks(x.size)}


def game_rows(f, x, rows, weights=None) -> dict:
    x, rows = np.asarray(x, float), np.atleast_2d(np.asarray(rows, float))
    w = np.full(len(rows), 1 / len(rows)) if weights is None else np.asarray(weights, float)
    w = w / np.sum(w)
    out = {}
    for z in masks(x.size):
        hybrid = np.where(np.array(z, bool), x, rows)
        out[z] = float(np.sum(w * f(hybrid)))
    return out


def game_gaussian(f, x, mean, cov, conditional: bool, order: int = 30) -> dict:
    """E f(x_S, z_F) over z_F's marginal or conditional law, tensor Gauss–Hermite."""
    x, mean, cov = (np.asarray(v, float) for v in (x, mean, cov))
    d = x.size
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    weights = weights / weights.sum()
    out = {}
    for z in masks(d):
        S = [i for i in range(d) if z[i]]
        F = [i for i in range(d) if not z[i]]
        if not F:
            out[z] = float(f(x))
            continue
        m, C = mean[F], cov[np.ix_(F, F)]
        if conditional and S:
            gain = cov[np.ix_(F, S)] @ np.linalg.inv(cov[np.ix_(S, S)])
            m = m + gain @ (x[S] - mean[S])
            C = C - gain @ cov[np.ix_(S, F)]
        L = np.linalg.cholesky((C + C.T) / 2)
        grid = np.array(list(itertools.product(nodes, repeat=len(F))))
        w = np.prod(np.array(list(itertools.product(weights, repeat=len(F)))), axis=1)
        pts = np.tile(x, (len(grid), 1))
        pts[:, F] = m + grid @ L.T
        out[z] = float(w @ f(pts))
    return out


def shapley(v: dict, d: int) -> np.ndarray:
    phi = np.zeros(d)
    for z in masks(d):
        s = sum(z)
        for i in range(d):
            if not z[i]:
                with_i = tuple(1 if j == i else z[j] for j in range(d))
                weight = factorial(s) * factorial(d - s - 1) / factorial(d)
                phi[i] += weight * (v[with_i] - v[z])
    return phi


def weighted_banzhaf(v: dict, d: int, p) -> np.ndarray:
    """E_p[v | z_i = 1] − E_p[v | z_i = 0], z_j ~ Bernoulli(p_j) independent."""
    p = np.broadcast_to(np.asarray(p, float), (d,))
    phi = np.zeros(d)
    for z in masks(d):
        for i in range(d):
            prob = np.prod([p[j] if z[j] else 1 - p[j] for j in range(d) if j != i])
            phi[i] += (1 if z[i] else -1) * prob * v[z]
    return phi


def banzhaf(v: dict, d: int) -> np.ndarray:
    phi = np.zeros(d)
    for z in masks(d):
        for i in range(d):
            if not z[i]:
                with_i = tuple(1 if j == i else z[j] for j in range(d))
                phi[i] += (v[with_i] - v[z]) / 2 ** (d - 1)
    return phi


def weighted_least_squares(v: dict, d: int, kernel) -> np.ndarray:
    """Slopes of the kernel-weighted least-squares fit with intercept over all masks."""
    Z = np.array(masks(d), float)
    y = np.array([v[z] for z in masks(d)])
    w = np.array([kernel(np.array(z)) for z in masks(d)])
    design = np.hstack([np.ones((len(Z), 1)), Z]) * np.sqrt(w)[:, None]
    coef = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)[0]
    return coef[1:]


def shapley_kernel(d: int, s: int) -> float:
    return (d - 1) / (comb(d, s) * s * (d - s))


def kernel_shap(v: dict, d: int, constrained: bool) -> np.ndarray:
    """Shapley-kernel least squares over the proper coalitions.

    constrained: intercept v(∅) and Σφ = v(N) − v(∅) imposed (φ_d eliminated);
    unconstrained: free intercept, no constraint.
    """
    proper = [z for z in masks(d) if 0 < sum(z) < d]
    Z = np.array(proper, float)
    w = np.sqrt([shapley_kernel(d, sum(z)) for z in proper])
    empty, full = v[(0,) * d], v[(1,) * d]
    y = np.array([v[z] for z in proper])
    if not constrained:
        design = np.hstack([np.ones((len(Z), 1)), Z])
        return np.linalg.lstsq(design * w[:, None], y * w, rcond=None)[0][1:]
    gain = full - empty
    design = Z[:, :-1] - Z[:, -1:]
    target = y - empty - Z[:, -1] * gain
    head = np.linalg.lstsq(design * w[:, None], target * w, rcond=None)[0]
    return np.append(head, gain - head.sum())


def kinks(pattern, n: int = 2048) -> list[float]:
    """Where u ↦ pattern(u) (a tuple of signs) changes on [0, 1]: a scan, then bisection."""
    grid = np.linspace(0.0, 1.0, n + 1)
    states = [pattern(u) for u in grid]
    out = []
    for k in range(n):
        if states[k] != states[k + 1]:
            lo, hi = grid[k], grid[k + 1]
            for _ in range(60):
                mid = (lo + hi) / 2
                if pattern(mid) == states[k]:
                    lo = mid
                else:
                    hi = mid
            out.append((lo + hi) / 2)
    return out


def sign_pattern(f, x, b):
    """u ↦ the signs of every hidden pre-activation (networks) or of the index (ridge)."""
    x, b = np.asarray(x, float), np.asarray(b, float)

    def pattern(u):
        y = b + u * (x - b)
        if hasattr(f, "link"):
            return (bool(y @ f.w + f.b > 0),)
        signs, h = [], y
        for W, c in zip(f.weights[:-1], f.biases[:-1], strict=True):
            s = W @ h + c
            signs.extend(bool(v > 0) for v in s)
            h = f.activation.value(s)
        return tuple(signs)

    return pattern


def integrated_gradients(f, x, b, points=None) -> np.ndarray:
    """δ_i ∫₀¹ ∂_i f(b + uδ) du by adaptive quadrature (scipy quad), per feature.

    ``points``: where the gradient jumps or kinks (see :func:`kinks`), so that quad
    integrates smooth pieces.
    """
    x, b = np.asarray(x, float), np.asarray(b, float)
    delta = x - b
    out = np.zeros(x.size)
    for i in range(x.size):
        value, _ = integrate.quad(
            lambda u, i=i: float(f.gradient(b + u * delta)[i]),
            0.0,
            1.0,
            epsabs=1e-14,
            epsrel=1e-13,
            limit=500,
            points=points,
        )
        out[i] = delta[i] * value
    return out

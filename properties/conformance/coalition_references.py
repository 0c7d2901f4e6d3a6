"""Correct numpy designs of the coalition explainers: what every coalition check must pass.

Each design is an ``explain(f, x, reference, n, seed) -> ndarray (d,)`` with ``reference``
a :class:`verify.attribution.Baseline` or :class:`~verify.attribution.Background`; the game
is v(S) = sum_r w_r f(x_S, B_r elsewhere) (one row of weight 1 for a baseline), evaluated at
the hybrid points in one vectorised call of f. Each design is written from the method's
definition, never from the engine (the battery compares them with the engine's targets):

=====================  ======================================================================
:func:`exact_shapley`  the defining sum over all 2^d coalitions (ignores n, seed)
:func:`permutation_shapley`  n random permutations, marginal contributions (unbiased;
                       efficient and exact on additive games call by call)
:func:`antithetic_shapley`  the same with permutations in reversed pairs (one pair exact on
                       games of at most pairwise interactions)
:func:`kernel_shap`    the Shapley-kernel regression with v(empty) and v(N) fitted exactly (a
                       KKT solve); the d singletons seed the design so it has full rank at
                       every n; n coalitions drawn from the Shapley-kernel law (consistent)
:func:`kernel_shap_penalty`  the same regression with empty and N entering once with weight
                       ``penalty`` instead of exactly (captum's ``KernelShap`` convention)
:func:`exact_banzhaf`  2^{1-d} sum of marginal contributions over all coalitions
:func:`sampled_banzhaf`  marginal contributions at n uniform coalitions (unbiased)
:func:`binary_lime`    weighted least squares with intercept on n uniform masks weighted by
                       the declared kernel; the mask of x and its d leave-one-out masks seed
                       the design (consistent)
=====================  ======================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from math import factorial
from typing import Any

import numpy as np

from verify.attribution import Background, Baseline

__all__ = [
    "antithetic_shapley",
    "binary_lime",
    "exact_banzhaf",
    "exact_shapley",
    "game",
    "kernel_shap",
    "kernel_shap_penalty",
    "lime_weights",
    "permutation_shapley",
    "sampled_banzhaf",
]

Explain = Callable[[Any, Any, Any, int, int], np.ndarray]


def _rows(reference: Any, d: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(reference, Baseline):
        rows, weights = reference.point[None, :], np.ones(1)
    elif isinstance(reference, Background):
        rows, weights = reference.rows, reference.weights
    else:
        raise TypeError(
            f"reference must be a Baseline or Background, got {type(reference).__name__}"
        )
    if rows.shape[1] != d:
        raise ValueError(f"the reference has {rows.shape[1]} features, x has {d}")
    return rows, weights


def _point(x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite vector of shape (d,), got shape {x.shape}")
    return x


def _count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return int(n)


def game(f: Any, x: Any, reference: Any, masks: np.ndarray) -> np.ndarray:
    """v at each mask (rows of ``masks``, True = at x): one vectorised call of f."""
    x = _point(x)
    rows, weights = _rows(reference, x.size)
    hybrid = np.where(masks[:, None, :], x, rows[None, :, :])
    return np.asarray(f(hybrid), dtype=float) @ weights


def _all_masks(d: int) -> np.ndarray:
    k = np.arange(2**d)[:, None]
    return ((k >> np.arange(d)) & 1).astype(bool)


def _marginals(f: Any, x: Any, reference: Any, masks: np.ndarray) -> np.ndarray:
    """v(S + i) - v(S - i) for every mask S (rows) and feature i: shape (K, d)."""
    K, d = masks.shape
    on = np.repeat(masks[:, None, :], d, axis=1)
    off = on.copy()
    eye = np.eye(d, dtype=bool)
    on[:, eye] = True
    off[:, eye] = False
    values = game(f, x, reference, np.concatenate([on, off]).reshape(-1, d)).reshape(2, K, d)
    return values[0] - values[1]


def exact_shapley(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """phi_i = sum_{S not i} |S|! (d - |S| - 1)! / d! (v(S + i) - v(S)), all coalitions
    (n is validated, then ignored)."""
    d, _ = _point(x).size, _count(n)
    masks = _all_masks(d)
    sizes = masks.sum(axis=1)
    weights = np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])
    marg = _marginals(f, x, reference, masks)
    w = np.where(masks, 0.0, weights[np.minimum(sizes, d - 1)][:, None])
    return np.sum(w * marg, axis=0)


def exact_banzhaf(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """beta_i = 2^{1-d} sum_{S not i} (v(S + i) - v(S)), all coalitions (n validated, ignored)."""
    d, _ = _point(x).size, _count(n)
    masks = _all_masks(d)
    return np.sum(np.where(masks, 0.0, _marginals(f, x, reference, masks)), axis=0) / 2 ** (d - 1)


def _permutation_values(f: Any, x: Any, reference: Any, perms: np.ndarray) -> np.ndarray:
    """Mean marginal contributions along the permutations (rows of ``perms``)."""
    m, d = perms.shape
    ranks = np.argsort(perms, axis=1)  # rank of each feature in its permutation
    steps = ranks[:, None, :] < np.arange(d + 1)[None, :, None]  # (m, d + 1, d): prefixes
    values = game(f, x, reference, steps.reshape(-1, d)).reshape(m, d + 1)
    gains = np.diff(values, axis=1)  # gain of the feature added at each step
    out = np.zeros((m, d))
    np.put_along_axis(out, perms, gains, axis=1)
    return out.mean(axis=0)


def permutation_shapley(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """Shapley values from n uniform random permutations (unbiased; efficient per call)."""
    d, n = _point(x).size, _count(n)
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n, d)), axis=1)
    return _permutation_values(f, x, reference, perms)


def antithetic_shapley(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """n permutations in reversed pairs (n odd: one unpaired last); unbiased and efficient."""
    d, n = _point(x).size, _count(n)
    rng = np.random.default_rng(seed)
    half = np.argsort(rng.random(((n + 1) // 2, d)), axis=1)
    perms = np.empty((2 * half.shape[0], d), dtype=int)
    perms[0::2], perms[1::2] = half, half[:, ::-1]
    return _permutation_values(f, x, reference, perms[:n])


def _shapley_kernel_sizes(rng: np.random.Generator, d: int, n: int) -> np.ndarray:
    """n coalitions (masks) drawn from the Shapley-kernel law on the proper coalitions:
    size s with probability prop. to 1 / (s (d - s)), then a uniform subset of that size."""
    s = np.arange(1, d)
    law = 1.0 / (s * (d - s))
    sizes = rng.choice(s, size=n, p=law / law.sum())
    ranks = np.argsort(rng.random((n, d)), axis=1)
    return ranks < sizes[:, None]


def _kernel_design(d: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([np.eye(d, dtype=bool), _shapley_kernel_sizes(rng, d, n)])


def kernel_shap(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """KernelSHAP with exact constraints: min sum_k (v(S_k) - v(0) - beta'z_k)^2 subject to
    1'beta = v(N) - v(0), over the d singletons and n Shapley-kernel draws (a KKT solve)."""
    d, n = _point(x).size, _count(n)
    ends = game(f, x, reference, np.array([np.zeros(d, bool), np.ones(d, bool)]))
    if d == 1:
        return np.array([ends[1] - ends[0]])
    Z = _kernel_design(d, n, seed)
    y = game(f, x, reference, Z) - ends[0]
    Zf = Z.astype(float)
    kkt = np.block([[Zf.T @ Zf, np.ones((d, 1))], [np.ones((1, d)), np.zeros((1, 1))]])
    return np.linalg.solve(kkt, np.append(Zf.T @ y, ends[1] - ends[0]))[:d]


def kernel_shap_penalty(penalty: float) -> Explain:
    """KernelSHAP whose v(empty) and v(N) enter the fit once each with weight ``penalty``
    (captum's soft constraint, 1e6 there), beside n unit-weight Shapley-kernel draws."""

    def explain(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
        d, n = _point(x).size, _count(n)
        if d == 1:
            ends = game(f, x, reference, np.array([[False], [True]]))
            return np.array([ends[1] - ends[0]])
        rng = np.random.default_rng(seed)
        Z = np.concatenate(
            [[np.zeros(d, bool), np.ones(d, bool)], _shapley_kernel_sizes(rng, d, n)]
        )
        w = np.concatenate([[penalty, penalty], np.ones(n)])
        X = np.hstack([np.ones((Z.shape[0], 1)), Z])
        sw = np.sqrt(w)[:, None]
        beta = np.linalg.lstsq(X * sw, game(f, x, reference, Z) * sw[:, 0], rcond=None)[0]
        return beta[1:]

    explain.__name__ = f"kernel_shap_penalty_{penalty:g}"
    return explain


def sampled_banzhaf(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """Mean marginal contributions v(S + i) - v(S - i) at n uniform coalitions (unbiased)."""
    d, n = _point(x).size, _count(n)
    masks = np.random.default_rng(seed).random((n, d)) < 0.5
    return _marginals(f, x, reference, masks).mean(axis=0)


def lime_weights(
    masks: np.ndarray, x: np.ndarray, reference: Any, kernel: str, width: float, space: str
) -> np.ndarray:
    """pi(z) of a kernel convention, from its definition (D^2 in binary masks or input space).

    ``kernel``: "uniform" (1), "lfa" exp(-D^2 / w^2), "captum" exp(-D^2 / (2 w^2)), "lime"
    sqrt(exp(-D^2 / w^2)), "cosine" exp(-(1 - cos(x, h(z)))^2 / (2 w^2)).
    """
    if kernel == "uniform":
        return np.ones(masks.shape[0])
    rows, _ = _rows(reference, x.size)
    hybrid = np.where(masks, x, rows[0])
    if kernel == "cosine":
        norms = np.linalg.norm(x) * np.linalg.norm(hybrid, axis=1)
        cos = hybrid @ x / np.maximum(norms, 1e-8)
        return np.exp(-((1.0 - cos) ** 2) / (2 * width**2))
    if space == "binary":
        d2 = np.sum(~masks, axis=1).astype(float)
    else:
        d2 = np.sum((x - hybrid) ** 2, axis=1)
    if kernel == "lime":
        return np.sqrt(np.exp(-d2 / width**2))
    return np.exp(-d2 / ({"lfa": 1.0, "captum": 2.0}[kernel] * width**2))


def binary_lime(kernel: str = "uniform", width: float = 1.0, space: str = "binary") -> Explain:
    """Binary LIME: weighted least squares with intercept of v(z) on z, n uniform masks
    weighted by the kernel, plus the mask of x and its d leave-one-out masks."""

    def explain(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
        x, n = _point(x), _count(n)
        if (space == "input" or kernel == "cosine") and not isinstance(reference, Baseline):
            raise ValueError("an input-space kernel measures distances to one Baseline point")
        d = x.size
        rng = np.random.default_rng(seed)
        seeded = np.concatenate([np.ones((1, d), bool), ~np.eye(d, dtype=bool)])
        masks = np.concatenate([seeded, rng.random((n, d)) < 0.5])
        w = np.sqrt(lime_weights(masks, x, reference, kernel, width, space))[:, None]
        X = np.hstack([np.ones((masks.shape[0], 1)), masks])
        y = game(f, x, reference, masks)
        return np.linalg.lstsq(X * w, y * w[:, 0], rcond=None)[0][1:]

    explain.__name__ = f"binary_lime_{kernel}_{space}"
    return explain

"""Coalition targets of an enumerated game: values v (m, 2^d) in binary coalition order.

Every target is linear in v:

* Shapley: φ_i = Σ_{S∌i} w(|S|) (v(S ∪ i) − v(S)), w(s) = s! (d − s − 1)! / d!, as one
  (2^d, d) matrix (cached per d);
* weighted Banzhaf: E_p[v | z_i = 1] − E_p[v | z_i = 0] for independent z_j ~ Bernoulli(p_j),
  by contracting the 2 × 2 × … × 2 table one feature at a time (O(d 2^d) per feature,
  no (2^d, d) weight array per point);
* size profile: e_s = Σ_{|S|=s} v(S);
* weighted least squares with intercept for a kernel π on the masks (non-product kernels).
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np

from .coalitions import all_masks

__all__ = [
    "least_squares_operator",
    "shapley_matrix",
    "size_matrix",
    "table_extension_gradient",
    "weighted_least_squares",
]


@lru_cache(maxsize=17)
def shapley_matrix(d: int) -> np.ndarray:
    """W (2^d, d) with φ = v @ W: +w(|S| − 1) where i ∈ S, −w(|S|) where i ∉ S."""
    masks = all_masks(d)
    size = masks.sum(axis=1)
    w = np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])
    W = np.where(masks, w[np.maximum(size - 1, 0)][:, None], -w[np.minimum(size, d - 1)][:, None])
    W.setflags(write=False)
    return W


@lru_cache(maxsize=17)
def size_matrix(d: int) -> np.ndarray:
    """One-hot sizes (2^d, d + 1): v @ size_matrix(d) is the size profile e_s."""
    size = all_masks(d).sum(axis=1)
    out = (size[:, None] == np.arange(d + 1)).astype(float)
    out.setflags(write=False)
    return out


def table_extension_gradient(values: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """E_p[v | z_i = 1] − E_p[v | z_i = 0] for every i, shape (m, d).

    ``values`` (m, 2^d) in binary order; p, q = 1 − p of shape (m, d).
    """
    m, K = values.shape
    d = K.bit_length() - 1
    out = np.empty((m, d))
    contrast = np.stack([-np.ones(m), np.ones(m)], axis=1)
    for i in range(d):
        R = values
        for j in range(d):  # bit j is the last axis once bits < j are contracted
            w = contrast if j == i else np.stack([q[:, j], p[:, j]], axis=1)
            R = np.einsum("mkb,mb->mk", R.reshape(m, -1, 2), w)
        out[:, i] = R[:, 0]
    return out


def least_squares_operator(weights: np.ndarray) -> np.ndarray:
    """C (m, d, 2^d): the slopes of the π-weighted fit with intercept are C @ v per point.

    ``weights`` (m, 2^d): the kernel π(z) on the masks in binary order.
    """
    d = weights.shape[1].bit_length() - 1
    Z = np.concatenate([np.ones((2**d, 1)), all_masks(d).astype(float)], axis=1)
    gram = np.einsum("mk,ka,kb->mab", weights, Z, Z)
    return np.linalg.solve(gram, np.einsum("mk,ka->mak", weights, Z))[:, 1:]


def weighted_least_squares(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The slopes of Σ_z π(z) (v(z) − β₀ − βᵀz)² over all masks, per point: shape (m, d).

    ``values`` and ``weights`` (m, 2^d) in binary order.
    """
    d = values.shape[1].bit_length() - 1
    Z = np.concatenate([np.ones((2**d, 1)), all_masks(d).astype(float)], axis=1)
    gram = np.einsum("mk,ka,kb->mab", weights, Z, Z)
    rhs = np.einsum("mk,ka,mk->ma", weights, Z, values)
    return np.linalg.solve(gram, rhs[..., None])[..., 0][:, 1:]

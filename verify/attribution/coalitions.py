"""The game v(S) = f(x_S, reference elsewhere), evaluated exactly at given coalitions.

Coalitions are boolean masks of shape (K, d) (True = the feature is present, at x).
:func:`all_masks` lists the 2^d coalitions in binary order (coalition k holds feature j
when bit j of k is set); general games are enumerated up to :data:`MAX_ENUMERATION_DIM`
features and refused beyond (product games, :mod:`.products`, have no such limit).

Values per reference (docs/math.md, "Local function approximation: exact targets"):

* :class:`Baseline` b: f at the hybrid point (x_S, b_S̄);
* :class:`Background` rows: Σ_r w_r f(x_S, B_rS̄), every row evaluated;
* :class:`GaussianBackground`: E f(x_S, z_S̄) with z_S̄ from its marginal (interventional)
  or from its conditional law given z_S = x_S, by :func:`.restrict.restrict` and the
  family's Gaussian closed form (:mod:`.expectation`).

Evaluation is chunked so that at most about 2**22 floats are held at once.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ..covariance import Covariance
from ..functions import Function
from ..validation import InputError
from .expectation import gaussian_mean, gaussian_route
from .references import Background, Baseline, GaussianBackground, Reference
from .restrict import restrict
from .result import check_finite

__all__ = ["MAX_ENUMERATION_DIM", "all_masks", "check_enumerable", "coalition_values"]

#: The largest d for which general games are enumerated (2^16 = 65,536 coalitions).
MAX_ENUMERATION_DIM = 16
_BUDGET = 2**22  # floats held at once


def check_enumerable(d: int, what: str) -> None:
    """Refuse exact enumeration beyond :data:`MAX_ENUMERATION_DIM` features, saying why."""
    if d > MAX_ENUMERATION_DIM:
        raise InputError(
            f"{what} of this model needs all 2^{d} = {2**d:,} coalitions (it is not a product "
            f"game), and exact enumeration stops at d = {MAX_ENUMERATION_DIM} (2^16 coalitions "
            "per point and background row): group features into at most 16 players, or use a "
            "model whose game is a product (a Polynomial, or an RBFMixture with diagonal "
            "precisions, under a Baseline, Background rows or an independent Gaussian)"
        )


@lru_cache(maxsize=32)
def all_masks(d: int) -> np.ndarray:
    """The 2^d coalitions as a read-only boolean array (2^d, d), in binary order."""
    k = np.arange(2**d)[:, None]
    masks = ((k >> np.arange(d)) & 1).astype(bool)
    masks.setflags(write=False)
    return masks


def coalition_values(
    f: Function, X: np.ndarray, reference: Reference, masks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """v(S) at every point (rows of X, shape (m, d)) and coalition (rows of masks).

    Returns
    -------
    values, errors : ndarray, shape (m, K)
        The values and their absolute error estimates (zero unless a link's Gaussian
        expectation is a quadrature).
    method : str
        ``"exact enumeration"`` or the quadrature used.
    """
    if isinstance(reference, Baseline):
        values = _hybrid_values(f, X, reference.point[None, :], np.ones(1), masks)
    elif isinstance(reference, Background):
        values = _hybrid_values(f, X, reference.rows, reference.weights, masks)
    elif isinstance(reference, GaussianBackground):
        return _gaussian_values(f, X, reference, masks)
    else:  # pragma: no cover - as_reference admits nothing else
        raise InputError(f"unknown reference {reference!r}")
    check_finite(values, "f at the coalitions' hybrid points (x on S, the reference elsewhere)")
    return values, np.zeros_like(values), "exact enumeration"


def _hybrid_values(
    f: Function, X: np.ndarray, rows: np.ndarray, weights: np.ndarray, masks: np.ndarray
) -> np.ndarray:
    """Σ_r w_r f(where(mask, x, row)), shape (m, K), in chunks of coalitions."""
    m, d = X.shape
    K, n = masks.shape[0], rows.shape[0]
    width = max(f.evaluation_width, 2 * d) + d
    step = max(1, _BUDGET // max(1, m * n * width))
    out = np.empty((m, K))
    for start in range(0, K, step):
        mk = masks[start : start + step]
        hybrid = np.where(mk[None, :, None, :], X[:, None, None, :], rows[None, None, :, :])
        out[:, start : start + step] = f(hybrid) @ weights
    return out


def _gaussian_values(
    f: Function, X: np.ndarray, reference: GaussianBackground, masks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    route = gaussian_route(f)
    m = X.shape[0]
    values = np.empty((m, masks.shape[0]))
    errors = np.zeros_like(values)
    mu, sigma = reference.mean, reference.cov.matrix
    conditional = reference.value == "conditional"
    for k, mask in enumerate(masks):
        S, F = np.flatnonzero(mask), np.flatnonzero(~mask)
        if F.size == 0:
            values[:, k] = f(X)
            continue
        if S.size == 0:
            mean, err = gaussian_mean(f, mu[None, :], reference.cov)
            values[:, k], errors[:, k] = mean[0], err[0]
            continue
        means, cov = _free_law(mu, sigma, S, F, X[:, S], conditional)
        cache: dict = {}  # Isserlis moments of this coalition's covariance
        for i in range(m):
            g = restrict(f, S, X[i, S])
            mean, err = gaussian_mean(g, means[i][None, :], cov, cache)
            values[i, k], errors[i, k] = mean[0], err[0]
    check_finite(values, "the Gaussian-background values of f at the coalitions")
    method = "exact enumeration" if route == "closed form" else f"exact enumeration + {route}"
    return values, errors, method


def _free_law(
    mu: np.ndarray,
    sigma: np.ndarray,
    S: np.ndarray,
    F: np.ndarray,
    XS: np.ndarray,
    conditional: bool,
) -> tuple[np.ndarray, Covariance]:
    """Mean (m, |F|) and covariance of the free features: marginal or given z_S = x_S."""
    mu_F, sigma_FF = mu[F], sigma[np.ix_(F, F)]
    if not conditional:
        return np.broadcast_to(mu_F, (XS.shape[0], F.size)), Covariance(sigma_FF)
    factor = cho_factor(sigma[np.ix_(S, S)], lower=True)
    sigma_FS = sigma[np.ix_(F, S)]
    gain = cho_solve(factor, sigma_FS.T).T  # Σ_FS Σ_SS⁻¹
    cov = sigma_FF - gain @ sigma_FS.T
    means = mu_F + (XS - mu[S]) @ gain.T
    return means, Covariance((cov + cov.T) / 2, name="the conditional covariance")

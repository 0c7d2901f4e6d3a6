"""Building blocks of the battery's test functions, each with an exact closed form.

The problems themselves are drawn by :mod:`properties.strategies.battery`; the
checks shape them with these: affine and separable cubic polynomials, an RBF
mixture rescaled, and the Hessian bound of an RBF mixture.
"""

from __future__ import annotations

import numpy as np

from verify.functions import Polynomial, RBFMixture

__all__ = ["affine", "hessian_bound", "mixed_signs", "scaled_rbf", "separable_cubic"]


def scaled_rbf(f: RBFMixture, c: float) -> RBFMixture:
    """x -> f(x / c)."""
    return RBFMixture(f.weights, f.centers * c, f.precisions / c**2)


def hessian_bound(f: RBFMixture) -> float:
    """sup ||Hess f||_2 <= sum_k |a_k| lambda_max(A_k) 2 e^{-1/2}.

    For one bump, Hess = a e^{-q/2} (A u u^T A - A) with q = u^T A u and
    ||A u||^2 <= lambda_max q, so ||Hess|| <= |a| lambda_max e^{-q/2} (q + 1) and
    max_q e^{-q/2}(q + 1) = 2 e^{-1/2} (at q = 1).
    """
    lam = np.linalg.eigvalsh(f.precisions)[:, -1]
    return float(np.sum(np.abs(f.weights) * np.maximum(lam, 0.0)) * 2 * np.exp(-0.5))


def separable_cubic(coefficients: np.ndarray) -> Polynomial:
    """f(x) = sum_j c_j x_j^3: at x0 = 0 its explanation is 3 c_j cov_jj, feature by feature."""
    d = len(coefficients)
    return Polynomial(
        {tuple(3 * int(i == j) for i in range(d)): float(c) for j, c in enumerate(coefficients)}
    )


def affine(w: np.ndarray, b: float) -> Polynomial:
    """f(x) = w^T x + b."""
    d = len(w)
    terms = {tuple(int(i == j) for i in range(d)): float(w[j]) for j in range(d)}
    terms[(0,) * d] = float(b)
    return Polynomial(terms)


def mixed_signs(
    rng: np.random.Generator, d: int, low: float = 0.5, high: float = 1.5
) -> np.ndarray:
    """A vector with entries of both signs and magnitudes in [low, high]."""
    signs = np.where(np.arange(d) % 2 == 0, 1.0, -1.0)
    return rng.permutation(signs) * rng.uniform(low, high, size=d)

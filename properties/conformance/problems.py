"""Seeded test problems (f, x0, cov) whose explanations have closed forms.

Every problem uses a family with an exact closed form (RBF mixtures, cubic
polynomials, sine ridge functions), so the target carries no quadrature
error. Covariances come in the three structures an explainer may declare.
"""

from __future__ import annotations

import zlib

import numpy as np

from verify.functions import Polynomial, RBFMixture, RidgeFunction
from verify.random import random_covariance, random_polynomial

__all__ = [
    "affine",
    "check_rng",
    "covariance",
    "cubic",
    "explainer_seeds",
    "hessian_bound",
    "mixed_signs",
    "point",
    "rbf",
    "scaled_rbf",
    "separable_cubic",
    "shifted_rbf",
    "sine_ridge",
]


def check_rng(seed: int, name: str) -> np.random.Generator:
    """A generator for one check: the same (seed, check) always draws the same problems."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def explainer_seeds(rng: np.random.Generator, count: int) -> list[int]:
    """Distinct non-negative int seeds to pass to the explainer."""
    return [int(s) for s in rng.choice(2**31 - 1, size=count, replace=False)]


def rbf(rng: np.random.Generator, d: int) -> RBFMixture:
    """Three bumps of width about 1, one with a rank-one (singular) precision."""
    precisions = [
        random_covariance(rng, d, condition=4.0, scale=float(rng.uniform(0.6, 1.5)))
        for _ in range(2)
    ]
    u = rng.normal(size=d)
    precisions.append(np.outer(u, u) / (u @ u))
    weights = rng.choice([-1.0, 1.0], size=3) * rng.uniform(0.8, 1.6, size=3)
    return RBFMixture(weights, 0.8 * rng.normal(size=(3, d)), np.array(precisions))


def shifted_rbf(f: RBFMixture, shift: np.ndarray) -> RBFMixture:
    """x -> f(x - shift)."""
    return RBFMixture(f.weights, f.centers + shift, f.precisions)


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


def cubic(rng: np.random.Generator, d: int) -> Polynomial:
    """A random polynomial of degree 3 (mixed terms included)."""
    return random_polynomial(rng, d, degree=3, terms=2 * d + 2)


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


def sine_ridge(w: np.ndarray, b: float) -> RidgeFunction:
    """f(x) = sin(w^T x + b): every gradient is a multiple of w."""
    return RidgeFunction(w, b, "sin")


def mixed_signs(
    rng: np.random.Generator, d: int, low: float = 0.5, high: float = 1.5
) -> np.ndarray:
    """A vector with entries of both signs and magnitudes in [low, high]."""
    signs = np.where(np.arange(d) % 2 == 0, 1.0, -1.0)
    return rng.permutation(signs) * rng.uniform(low, high, size=d)


def point(rng: np.random.Generator, d: int, scale: float = 0.6) -> np.ndarray:
    return scale * rng.normal(size=d)


def covariance(rng: np.random.Generator, d: int, structure: str, sigma: float = 0.7) -> np.ndarray:
    """A covariance of the given structure with typical standard deviation about ``sigma``.

    * ``isotropic``: sigma^2 I;
    * ``diagonal``: standard deviations spread over [sigma / 2, 2 sigma], in random order;
    * ``full``: a random rotation of eigenvalues (2 sigma)^2 .. (2 sigma)^2 / 16
      (condition number 16, strongly correlated features).
    """
    if structure == "isotropic":
        return sigma**2 * np.eye(d)
    if structure == "diagonal":
        return np.diag(rng.permutation(np.geomspace(sigma / 2, 2 * sigma, d)) ** 2)
    if structure == "full":
        return random_covariance(rng, d, condition=16.0, scale=(2 * sigma) ** 2)
    raise ValueError(f"unknown covariance structure {structure!r}")

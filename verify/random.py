"""Seeded random instances of every test-function family and of covariances.

Plain numpy generators for tests, benchmarks and examples. (Hypothesis
strategies, which shrink, live in :mod:`properties.strategies`.)
"""

from __future__ import annotations

import itertools

import numpy as np

from .functions import Function, LinearCombination, Network, Polynomial, RBFMixture, RidgeFunction

__all__ = [
    "RIDGE_LINKS",
    "random_covariance",
    "random_function",
    "random_network",
    "random_polynomial",
    "random_rbf_mixture",
    "random_ridge",
]

RIDGE_LINKS = (
    "identity",
    "probit",
    "logistic",
    "sin",
    "exp",
    "tanh",
    "softplus",
    "relu",
    "elu",
    "abs",
)


def random_covariance(
    rng: np.random.Generator, dim: int, condition: float = 10.0, scale: float = 1.0
) -> np.ndarray:
    """Random SPD matrix: a random rotation of eigenvalues spread geometrically.

    The largest eigenvalue is ``scale``, the condition number exactly ``condition``.
    """
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    q = q * np.sign(np.diag(r))  # Haar-distributed rotation
    eig = scale * np.geomspace(1.0, 1.0 / condition, dim)
    cov = (q * eig) @ q.T
    return (cov + cov.T) / 2


def random_polynomial(
    rng: np.random.Generator, dim: int, degree: int = 3, terms: int = 6
) -> Polynomial:
    """A polynomial with ``terms`` random monomials of total degree <= ``degree``."""
    monomials = [e for e in itertools.product(range(degree + 1), repeat=dim) if sum(e) <= degree]
    picks = rng.choice(len(monomials), size=min(terms, len(monomials)), replace=False)
    return Polynomial({monomials[i]: float(rng.normal()) for i in picks})


def random_rbf_mixture(
    rng: np.random.Generator, dim: int, bumps: int = 3, singular: bool = True
) -> RBFMixture:
    """An RBF mixture; with ``singular`` the last bump's precision has rank 1."""
    precisions = [
        random_covariance(rng, dim, condition=5.0, scale=float(rng.uniform(0.3, 2.0)))
        for _ in range(bumps)
    ]
    if singular and bumps:
        u = rng.normal(size=dim)
        precisions[-1] = np.outer(u, u) / (u @ u)
    return RBFMixture(rng.normal(size=bumps), rng.normal(size=(bumps, dim)), np.array(precisions))


def random_ridge(rng: np.random.Generator, dim: int, link: str | None = None) -> RidgeFunction:
    """A ridge function g(w^T x + b) with a random (or the given) link."""
    link = link or str(rng.choice(RIDGE_LINKS))
    w = rng.normal(size=dim) / np.sqrt(dim)
    return RidgeFunction(w, float(rng.normal(scale=0.5)), link)


def random_network(
    rng: np.random.Generator,
    dim: int,
    hidden: tuple[int, ...] = (6,),
    activation: str = "elu",
    output: str = "identity",
) -> Network:
    """A fully connected network with Glorot-scaled Gaussian weights."""
    return Network.random(dim, hidden, activation, output, seed=rng)


def random_function(rng: np.random.Generator, dim: int, family: str) -> Function:
    """One random instance of ``family``: polynomial, rbf, ridge, network, deep_network,
    sigmoid_network or combination."""
    makers = {
        "polynomial": lambda: random_polynomial(rng, dim),
        "rbf": lambda: random_rbf_mixture(rng, dim),
        "ridge": lambda: random_ridge(rng, dim),
        "network": lambda: random_network(rng, dim, activation=str(rng.choice(["relu", "elu"]))),
        "deep_network": lambda: random_network(
            rng, dim, hidden=(5, 4), activation="elu", output="sigmoid"
        ),
        "sigmoid_network": lambda: random_network(rng, dim, activation="tanh", output="sigmoid"),
        "combination": lambda: LinearCombination(
            [
                (float(rng.normal()), random_ridge(rng, dim)),
                (float(rng.normal()), random_rbf_mixture(rng, dim)),
            ]
        ),
    }
    try:
        return makers[family]()
    except KeyError:
        raise ValueError(f"unknown family {family!r}; choose one of {sorted(makers)}") from None

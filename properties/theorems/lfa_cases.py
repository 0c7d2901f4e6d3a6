"""Generated cases of the LFA statements: functions, points, baselines and backgrounds.

Built, not filtered (as :mod:`properties.strategies` does): a step case places its two
points on opposite sides of the jump by construction, an additive f is a sum of
one-coordinate parts, a null player is a coordinate f is re-indexed not to use
(:func:`reindex`), a symmetric f is f + f o swap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from properties import strategies as S
from verify.attribution import Background, Baseline, GaussianBackground
from verify.functions import (
    Function,
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
    Translated,
)

__all__ = [
    "AffineCase",
    "GameCase",
    "NFLCase",
    "PathCase",
    "additive_cases",
    "affine_cases",
    "axiom_cases",
    "game_cases",
    "multilinear_cases",
    "nfl_cases",
    "path_cases",
    "reindex",
    "step_cases",
]


@dataclass(frozen=True)
class PathCase:
    """f, the point explained x and a baseline b."""

    f: Function
    x: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class GameCase:
    """f, a point x, a reference, and (additive cases) the one-coordinate parts of f."""

    f: Function
    x: np.ndarray
    reference: Any
    parts: tuple = ()
    seed: int = 0


@dataclass(frozen=True)
class AffineCase:
    """f = w'x + c, x, b, a covariance and background rows."""

    f: Function
    w: np.ndarray
    x: np.ndarray
    b: np.ndarray
    cov: np.ndarray
    rows: np.ndarray


@dataclass(frozen=True)
class NFLCase:
    """f, a common centre x0 and two neighbourhood covariances."""

    f: Function
    x0: np.ndarray
    cov1: np.ndarray
    cov2: np.ndarray
    seed: int


def reindex(f: Function, idx: list[int], dim: int) -> Function:
    """g(x) = f(x[idx[0]], ..., x[idx[k-1]]) as a function of dim coordinates, same family."""
    if isinstance(f, LinearCombination):
        return LinearCombination([(c, reindex(g, idx, dim)) for c, g in f.terms])
    if isinstance(f, Translated):
        shift = np.zeros(dim)
        shift[idx] = f.shift
        return Translated(reindex(f.f, idx, dim), shift)
    if isinstance(f, Polynomial):
        terms: dict = {}
        for alpha, c in f.coefficients.items():
            new = [0] * dim
            for j, a in enumerate(alpha):
                new[idx[j]] += a
            terms[tuple(new)] = terms.get(tuple(new), 0.0) + c
        return Polynomial(terms)
    if isinstance(f, RidgeFunction):
        w = np.zeros(dim)
        w[idx] = f.w
        return RidgeFunction(w, f.b, f.link)
    if isinstance(f, RBFMixture):
        centers = np.zeros((f.weights.size, dim))
        centers[:, idx] = f.centers
        prec = np.zeros((f.weights.size, dim, dim))
        prec[np.ix_(range(f.weights.size), idx, idx)] = f.precisions
        return RBFMixture(f.weights, centers, prec)
    if isinstance(f, Network):
        W = [w.copy() for w in f.weights]
        first = np.zeros((W[0].shape[0], dim))
        first[:, idx] = W[0]
        W[0] = first
        name = "sigmoid" if f.activation.name == "logistic" else f.activation.name
        return Network(W, [b.copy() for b in f.biases], name, f.output)
    raise TypeError(f"reindex has no rule for {type(f).__name__}")


def _points(draw, d: int, bound: float = 2.0) -> np.ndarray:
    return np.array([draw(S.bounded_floats(-bound, bound)) for _ in range(d)])


@st.composite
def path_cases(draw: st.DrawFn) -> PathCase:
    """Any family, d = 1..3, a point and a baseline in [-2, 2]^d."""
    d = draw(st.integers(1, 3))
    return PathCase(draw(S.functions(d)), _points(draw, d), _points(draw, d))


@st.composite
def step_cases(draw: st.DrawFn) -> PathCase:
    """A step ridge function 1[w'x + c > 0] with x and b on opposite sides of the jump."""
    d = draw(st.integers(1, 3))
    f = draw(S.ridge_functions(d, links=("step",)))
    p = _points(draw, d)
    s1, s0 = draw(S.bounded_floats(0.05, 2.0)), draw(S.bounded_floats(-2.0, -0.05))
    if draw(st.booleans()):
        s0, s1 = s1, s0
    step = f.w / float(f.w @ f.w)
    at = float(f.w @ p + f.b)
    return PathCase(f, p + (s1 - at) * step, p + (s0 - at) * step)


@st.composite
def multilinear_cases(draw: st.DrawFn) -> PathCase:
    """Multilinear polynomials (each exponent 0 or 1), d = 1..4."""
    d = draw(st.integers(1, 4))
    masks = draw(st.lists(st.tuples(*[st.integers(0, 1)] * d), min_size=1, max_size=2**d))
    coef = {m: draw(S.bounded_floats(-2.0, 2.0)) for m in masks}
    return PathCase(Polynomial(coef), _points(draw, d), _points(draw, d))


@st.composite
def _reference(draw: st.DrawFn, d: int, gaussian: bool) -> Any:
    kind = draw(
        st.sampled_from(
            ("baseline", "background", "gaussian") if gaussian else ("baseline", "background")
        )
    )
    if kind == "baseline":
        return Baseline(_points(draw, d))
    if kind == "background":
        n = draw(st.integers(1, 4))
        rows = np.array([_points(draw, d) for _ in range(n)])
        weights = np.array([draw(S.bounded_floats(0.1, 1.0)) for _ in range(n)])
        return Background(rows, weights)
    cov = draw(
        S.covariances(d, min_eigenvalue=0.1, max_eigenvalue=2.0, max_condition=10.0, label=False)
    )
    value = draw(st.sampled_from(("interventional", "conditional")))
    return GaussianBackground(_points(draw, d, 1.0), cov, value)


@st.composite
def game_cases(draw: st.DrawFn, gaussian: bool = False) -> GameCase:
    """Any family, d = 2..4 (2^d coalitions by brute force), a Baseline or Background rows
    (and, with ``gaussian``, a Gaussian background of either value function)."""
    d = draw(st.integers(2, 4))
    f = draw(S.functions(d))
    return GameCase(f, _points(draw, d), draw(_reference(d, gaussian)), seed=draw(S.seeds()))


def _part(draw: st.DrawFn, i: int, d: int) -> Function:
    kind = draw(st.sampled_from(("polynomial", "ridge", "rbf")))
    if kind == "polynomial":
        one = draw(S.polynomials(1))
    elif kind == "ridge":
        one = draw(S.ridge_functions(1))
    else:
        one = draw(S.rbf_mixtures(1, max_bumps=2))
    return reindex(one, [i], d)


@st.composite
def additive_cases(draw: st.DrawFn) -> GameCase:
    """f = sum_i f_i(x_i), each part a polynomial, ridge function or bump in one coordinate."""
    d = draw(st.integers(2, 4))
    parts = tuple(_part(draw, i, d) for i in range(d))
    f = LinearCombination([(1.0, p) for p in parts])
    return GameCase(f, _points(draw, d), draw(_reference(d, False)), parts, draw(S.seeds()))


@st.composite
def axiom_cases(draw: st.DrawFn) -> GameCase:
    """f with an unused last coordinate (a null player) and any reference, Gaussian included."""
    d = draw(st.integers(2, 4))
    inner = draw(S.functions(d - 1, families=("polynomial", "rbf", "ridge", "network")))
    f = reindex(inner, list(range(d - 1)), d)
    return GameCase(f, _points(draw, d), draw(_reference(d, True)), seed=draw(S.seeds()))


@st.composite
def affine_cases(draw: st.DrawFn) -> AffineCase:
    """f = w'x + c (a degree-1 Polynomial or an identity ridge function), d = 1..4."""
    d = draw(st.integers(1, 4))
    w = draw(S.unit_vectors(d)) * draw(S.bounded_floats(0.2, 2.0))  # w != 0: f not constant
    c = draw(S.bounded_floats(-2.0, 2.0))
    if draw(st.booleans()):
        terms = {tuple(int(i == j) for i in range(d)): float(w[j]) for j in range(d)}
        terms[(0,) * d] = c
        f: Function = Polynomial(terms)
    else:
        f = RidgeFunction(w, c, "identity")
    cov = draw(
        S.covariances(d, min_eigenvalue=0.05, max_eigenvalue=4.0, max_condition=100.0, label=False)
    )
    rows = np.array([_points(draw, d) for _ in range(draw(st.integers(1, 3)))])
    return AffineCase(f, w, _points(draw, d), _points(draw, d), cov, rows)


_NFL_LINKS = ("identity", "probit", "sin")


@st.composite
def nfl_cases(draw: st.DrawFn) -> NFLCase:
    """f with closed-form Gaussian moments (polynomials, bumps, smooth ridge links, ReLU and
    softplus networks), d = 1, 2, a centre and two covariances."""
    d = draw(st.integers(1, 2))
    f = draw(
        st.one_of(
            S.polynomials(d),
            S.rbf_mixtures(d),
            S.ridge_functions(d, links=_NFL_LINKS),
            S.networks(d, activations=("relu",)),
        )
    )
    options = {"min_eigenvalue": 0.02, "max_eigenvalue": 2.0, "max_condition": 20.0, "label": False}
    return NFLCase(
        f,
        _points(draw, d, 1.5),
        draw(S.covariances(d, **options)),
        draw(S.covariances(d, **options)),
        draw(S.seeds()),
    )

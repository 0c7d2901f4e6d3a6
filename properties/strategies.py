"""Hypothesis strategies for the property suite: covariances, points, functions, problems.

Every strategy *builds* valid values instead of filtering (as
``hypothesis.extra.numpy.arrays`` does): a covariance is assembled from drawn
eigenvalues and a drawn orthogonal factor, so every example is symmetric
positive definite by construction, and the shrinker moves towards simple
cases (d = 1, Sigma = I, x = 0, the first link in the list).

* :func:`covariances` -- SPD matrices with explicit control of the smallest
  eigenvalue and of the condition number (``kind`` full, diagonal or
  isotropic);
* :func:`points`, :func:`nearby_pairs`;
* one strategy per function family of :mod:`verify.functions`
  (:func:`polynomials`, :func:`rbf_mixtures`, :func:`ridge_functions`,
  :func:`networks`, :func:`combinations`), :func:`bounded_gradient_functions`
  for the statements that need sup ||grad f|| < inf, and :func:`functions`;
* :func:`problems` -- whole problems (f, x0, Sigma, seed) with one shared
  dimension; :func:`theorem2_cases` -- the search space in which the
  published Theorem 2 constant is tested.

``event()`` labels the dimension, the condition-number bucket and the family,
so ``pytest --hypothesis-show-statistics`` shows what was covered.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verify.functions import (
    Function,
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
)
from verify.validation import InputError

__all__ = [
    "BOUNDED_LINKS",
    "COUNTEREXAMPLE_LINKS",
    "FAMILIES",
    "SMALL_DIMENSIONS",
    "SMOOTH_CLOSED_FORM_LINKS",
    "Problem",
    "Theorem2Case",
    "bounded_gradient_functions",
    "combinations",
    "condition_bucket",
    "covariances",
    "functions",
    "nearby_pairs",
    "networks",
    "points",
    "polynomials",
    "problems",
    "rbf_mixtures",
    "ridge_functions",
    "seeds",
    "theorem2_cases",
]

# Links whose derivative is bounded (Theorem 2, Proposition 1); identity first
# so that ridge functions shrink to the linear model.
BOUNDED_LINKS: tuple[str, ...] = (
    "identity",
    "probit",
    "logistic",
    "tanh",
    "softplus",
    "sin",
    "relu",
    "elu",
    "abs",
)
# Links with closed-form Gaussian moments (MATH.md section 6 table).
SMOOTH_CLOSED_FORM_LINKS: tuple[str, ...] = ("identity", "probit", "sin", "exp")
# The generic search space for the published Theorem 2 constant: every bounded
# link, smooth and kinked alike. Nothing here singles out a counterexample.
COUNTEREXAMPLE_LINKS: tuple[str, ...] = BOUNDED_LINKS
FAMILIES: tuple[str, ...] = ("polynomial", "rbf", "ridge", "network", "combination")

_ACTIVATIONS = ("relu", "elu", "tanh", "softplus", "sigmoid")
SMALL_DIMENSIONS = st.integers(1, 3)  # the default dimension strategy (shrinks to 1)


def _resolve(draw: st.DrawFn, value: int | st.SearchStrategy[int]) -> int:
    d = draw(value) if isinstance(value, st.SearchStrategy) else value
    if not isinstance(d, int | np.integer) or d < 1:
        raise InputError(f"dimension must be a positive int (or a strategy of them), got {d!r}")
    return int(d)


def _bounded_floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def condition_bucket(cov: np.ndarray) -> str:
    """A coarse label of cond(cov) for ``event()``: cond=1, cond in [1e0,1e1), ..., cond>=1e4."""
    eig = np.linalg.eigvalsh(cov)
    cond = float(eig[-1] / eig[0])
    if cond < 1 + 1e-9:
        return "cond=1"
    # A small relative slack puts a condition of exactly 10**k in its own decade.
    decade = math.floor(math.log10(cond) + 1e-9)
    return "cond>=1e4" if decade >= 4 else f"cond in [1e{decade},1e{decade + 1})"


def _givens_product(d: int, angles: Sequence[float]) -> np.ndarray:
    """Product of Givens rotations over all pairs i < j (Euler angles of SO(d))."""
    q = np.eye(d)
    k = 0
    for i in range(d):
        for j in range(i + 1, d):
            c, s = math.cos(angles[k]), math.sin(angles[k])
            rot = np.eye(d)
            rot[i, i] = rot[j, j] = c
            rot[i, j], rot[j, i] = -s, s
            q = q @ rot
            k += 1
    return q


@st.composite
def covariances(
    draw: st.DrawFn,
    dim: int | st.SearchStrategy[int] = 2,
    *,
    min_eigenvalue: float = 1e-3,
    max_eigenvalue: float = 1e2,
    max_condition: float = 1e5,
    kind: str = "full",
    label: bool = True,
    min_condition: float = 1.0,
) -> np.ndarray:
    """Symmetric positive definite (d, d) matrices, built from eigenvalues and a rotation.

    Eigenvalues are lambda_i = 10**(e0 + c t_i) with t = (0, t_2, ..., t_{d-1}, 1):
    the base exponent e0 and the condition exponent c = log10(cond) are floats
    that shrink to 0, so the matrix shrinks to the identity; the rotation is a
    product of Givens rotations whose angles shrink to 0 (a diagonal matrix).
    Every example satisfies, by construction,

        min_eigenvalue <= lambda_min,  lambda_max <= max_eigenvalue,
        lambda_max / lambda_min <= max_condition.

    Parameters
    ----------
    dim : int or strategy of int
    min_eigenvalue, max_eigenvalue : float
        Bounds on the spectrum (0 < min <= max).
    max_condition : float
        Upper bound on the condition number (>= 1); every decade up to it is
        reached because log10(cond) itself is drawn.
    min_condition : float
        Lower bound on the condition number (default 1), to concentrate a test
        on ill-conditioned matrices (needs d >= 2 and kind "full" or "diagonal").
    kind : {"full", "diagonal", "isotropic"}
        Rotated, axis-aligned, or sigma^2 I.
    label : bool
        Emit ``event()`` labels (d, condition bucket); off for inner uses such
        as the precision matrices of an RBF mixture.
    """
    if kind not in ("full", "diagonal", "isotropic"):
        raise InputError(f"kind must be 'full', 'diagonal' or 'isotropic', got {kind!r}")
    if not 0 < min_eigenvalue <= max_eigenvalue or not max_condition >= 1:
        raise InputError(
            "need 0 < min_eigenvalue <= max_eigenvalue and max_condition >= 1, got "
            f"{min_eigenvalue}, {max_eigenvalue}, {max_condition}"
        )
    d = _resolve(draw, dim)
    lo, hi = math.log10(min_eigenvalue), math.log10(max_eigenvalue)
    c_max = min(math.log10(max_condition), hi - lo)
    c_min = math.log10(min_condition) if min_condition > 1 else 0.0
    if c_min > c_max or (c_min > 0 and (kind == "isotropic" or d == 1)):
        raise InputError(
            f"min_condition={min_condition} cannot be met: the spectrum bounds allow "
            f"{10**c_max:.3g} at most, and sigma^2 I or a 1 x 1 matrix has condition 1"
        )
    if kind == "isotropic" or d == 1:
        c = 0.0
    else:
        # The condition exponent c = log10(cond) is drawn first, so every decade up to
        # max_condition is reached (not only the simple values a float strategy favours).
        c = draw(_bounded_floats(c_min, c_max))
    # The base exponent e0 shrinks to 0 (lambda = 1) when 1 is admissible; the extreme
    # eigenvalues are 10**e0 and 10**(e0 + c), the others spread in between.
    base = draw(_bounded_floats(lo, hi - c))
    if kind == "isotropic":
        cov = np.eye(d) * 10.0**base
    else:
        k = max(d - 2, 0)
        inner = draw(st.lists(_bounded_floats(0.0, 1.0), min_size=k, max_size=k))
        spreads = [0.0, *inner, 1.0][:d] if d > 1 else [0.0]
        eig = 10.0 ** (base + c * np.array(spreads))
        if kind == "diagonal" or d == 1:
            cov = np.diag(eig)
        else:
            n_angles = d * (d - 1) // 2
            angles = draw(
                st.lists(_bounded_floats(-math.pi, math.pi), min_size=n_angles, max_size=n_angles)
            )
            q = _givens_product(d, angles)
            cov = (q * eig) @ q.T
            cov = (cov + cov.T) / 2
    if label:
        event(f"d={d}")
        event(condition_bucket(cov))
    return cov


def points(dim: int, *, bound: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    """Points of R^d in the box [-bound, bound]^d (shrink to 0)."""
    return hnp.arrays(np.float64, (dim,), elements=_bounded_floats(-bound, bound))


@st.composite
def nearby_pairs(
    draw: st.DrawFn,
    dim: int,
    *,
    bound: float = 3.0,
    min_distance: float = 1e-3,
    max_distance: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (x, y) with min_distance <= ||x - y|| <= max_distance.

    y = x + r u / ||u||; a zero direction u becomes e_1 (no filtering).
    """
    x = draw(points(dim, bound=bound))
    u = draw(hnp.arrays(np.float64, (dim,), elements=_bounded_floats(-1.0, 1.0)))
    norm = float(np.linalg.norm(u))
    u = u / norm if norm > 1e-6 else np.eye(dim)[0]
    r = draw(_bounded_floats(min_distance, max_distance))
    return x, x + r * u


def seeds() -> st.SearchStrategy[int]:
    """Seeds for numpy generators (shrink to 0)."""
    return st.integers(0, 2**32 - 1)


@st.composite
def polynomials(
    draw: st.DrawFn,
    dim: int,
    *,
    max_degree: int = 3,
    max_terms: int = 4,
    coefficient_bound: float = 2.0,
) -> Polynomial:
    """Random polynomials of total degree <= max_degree (shrink to the constant 0)."""
    exponent = st.lists(st.integers(0, max_degree), min_size=dim, max_size=dim)
    terms = draw(
        st.lists(
            st.tuples(exponent, _bounded_floats(-coefficient_bound, coefficient_bound)),
            min_size=1,
            max_size=max_terms,
        )
    )
    coefficients: dict[tuple[int, ...], float] = {}
    for powers, c in terms:
        # Lower exponents from the last coordinate until the degree fits (a
        # deterministic repair, shrink-friendly, instead of a filter).
        p = list(powers)
        for j in reversed(range(dim)):
            excess = sum(p) - max_degree
            if excess <= 0:
                break
            p[j] -= min(p[j], excess)
        coefficients[tuple(p)] = coefficients.get(tuple(p), 0.0) + c
    event("family=polynomial")
    return Polynomial(coefficients)


@st.composite
def _unit_vectors(draw: st.DrawFn, dim: int) -> np.ndarray:
    u = draw(hnp.arrays(np.float64, (dim,), elements=_bounded_floats(-1.0, 1.0)))
    norm = float(np.linalg.norm(u))
    return u / norm if norm > 1e-6 else np.eye(dim)[0]


@st.composite
def ridge_functions(
    draw: st.DrawFn,
    dim: int,
    *,
    links: Sequence[str] = BOUNDED_LINKS,
    min_norm: float = 0.2,
    max_norm: float = 3.0,
    offset_bound: float = 2.0,
) -> RidgeFunction:
    """g(w^T x + b) with min_norm <= ||w|| <= max_norm and the link drawn from ``links``."""
    link = draw(st.sampled_from(tuple(links)))
    w = draw(_unit_vectors(dim)) * draw(_bounded_floats(min_norm, max_norm))
    b = draw(_bounded_floats(-offset_bound, offset_bound))
    event(f"family=ridge[{link}]")
    return RidgeFunction(w, b, link)


@st.composite
def rbf_mixtures(
    draw: st.DrawFn,
    dim: int,
    *,
    max_bumps: int = 3,
    weight_bound: float = 2.0,
    allow_singular: bool = True,
) -> RBFMixture:
    """Gaussian-RBF mixtures; a bump may have a rank-one (singular) precision."""
    k = draw(st.integers(1, max_bumps))
    weights = [draw(_bounded_floats(-weight_bound, weight_bound)) for _ in range(k)]
    centers = [draw(points(dim, bound=2.0)) for _ in range(k)]
    precisions = []
    for _ in range(k):
        if allow_singular and dim > 1 and draw(st.booleans()):
            u = draw(_unit_vectors(dim))
            precisions.append(np.outer(u, u) * draw(_bounded_floats(0.2, 3.0)))
        else:
            precisions.append(
                draw(
                    covariances(
                        dim, min_eigenvalue=0.1, max_eigenvalue=4.0, max_condition=20.0, label=False
                    )
                )
            )
    event("family=rbf")
    return RBFMixture(weights, centers, np.array(precisions))


@st.composite
def networks(
    draw: st.DrawFn,
    dim: int,
    *,
    max_hidden: int = 4,
    activations: Sequence[str] = ("relu", "elu", "tanh", "softplus"),
    output: str = "identity",
    weight_bound: float = 1.5,
) -> Network:
    """One-hidden-layer networks (closed-form moments with an identity output)."""
    if any(a not in _ACTIVATIONS for a in activations):
        raise InputError(f"activations must be among {_ACTIVATIONS}, got {activations}")
    h = draw(st.integers(1, max_hidden))
    activation = draw(st.sampled_from(tuple(activations)))
    elems = _bounded_floats(-weight_bound, weight_bound)
    W1 = draw(hnp.arrays(np.float64, (h, dim), elements=elems))
    b1 = draw(hnp.arrays(np.float64, (h,), elements=elems))
    W2 = draw(hnp.arrays(np.float64, (h,), elements=elems))
    b2 = draw(elems)
    event(f"family=network[{activation}]")
    return Network([W1, W2], [b1, np.array([b2])], activation, output)


@st.composite
def combinations(
    draw: st.DrawFn,
    dim: int,
    *,
    parts: st.SearchStrategy[Function] | None = None,
    max_terms: int = 3,
    coefficient_bound: float = 2.0,
) -> LinearCombination:
    """sum_i c_i f_i of functions drawn from ``parts`` (default: bounded-gradient families)."""
    parts = parts if parts is not None else _bounded_parts(dim)
    k = draw(st.integers(1, max_terms))
    terms = [
        (draw(_bounded_floats(-coefficient_bound, coefficient_bound)), draw(parts))
        for _ in range(k)
    ]
    event("family=combination")
    return LinearCombination(terms)


def _affine(dim: int) -> st.SearchStrategy[Function]:
    return ridge_functions(dim, links=("identity",))


def _bounded_parts(dim: int) -> st.SearchStrategy[Function]:
    return st.one_of(ridge_functions(dim), rbf_mixtures(dim), networks(dim))


def bounded_gradient_functions(dim: int) -> st.SearchStrategy[Function]:
    """Functions with a finite ``gradient_bound`` (sup ||grad f|| <= gradient_bound).

    Ridge functions with bounded links (the bound is sup|g'| ||w||, attained for
    abs, relu, elu, sin, tanh, identity), RBF mixtures, one-hidden-layer networks
    (a product-of-norms bound) and linear combinations of those.
    """
    return st.one_of(_bounded_parts(dim), combinations(dim))


def functions(dim: int, families: Sequence[str] = FAMILIES) -> st.SearchStrategy[Function]:
    """Functions of the named ``families`` (polynomial, rbf, ridge, network, combination)."""
    makers = {
        "polynomial": lambda: polynomials(dim),
        "rbf": lambda: rbf_mixtures(dim),
        "ridge": lambda: ridge_functions(dim),
        "network": lambda: networks(dim),
        "combination": lambda: combinations(dim),
    }
    unknown = set(families) - set(makers)
    if unknown or not families:
        raise InputError(f"families must be a non-empty subset of {sorted(makers)}, got {families}")
    return st.one_of(*(makers[name]() for name in families))


@dataclass(frozen=True)
class Problem:
    """One generated problem: explain ``f`` at ``x0`` under N(x0, ``cov``) with ``seed``."""

    f: Function
    x0: np.ndarray
    cov: np.ndarray
    seed: int

    @property
    def dim(self) -> int:
        return self.f.dim


@st.composite
def problems(
    draw: st.DrawFn,
    dim: int | st.SearchStrategy[int] = SMALL_DIMENSIONS,
    *,
    families: Sequence[str] = FAMILIES,
    bounded_gradient: bool = False,
    function: st.SearchStrategy[Function] | None = None,
    point_bound: float = 2.0,
    **covariance_options: Any,
) -> Problem:
    """Whole problems (f, x0, cov, seed) sharing one dimension.

    Parameters
    ----------
    dim : int or strategy of int
        Shrinks to the smallest value (d = 1 by default).
    families : sequence of str
        Function families to draw from (ignored if ``function`` or
        ``bounded_gradient`` is given).
    bounded_gradient : bool
        Draw from :func:`bounded_gradient_functions` instead.
    function : callable, optional
        ``function(d)`` returning a strategy, for custom families.
    point_bound : float
        x0 lies in [-point_bound, point_bound]^d.
    **covariance_options
        Passed to :func:`covariances` (default: min_eigenvalue 0.01,
        max_eigenvalue 4, max_condition 100, kind full).
    """
    d = _resolve(draw, dim)
    if function is not None:
        f = draw(function(d) if callable(function) else function)
    elif bounded_gradient:
        f = draw(bounded_gradient_functions(d))
    else:
        f = draw(functions(d, families))
    options = {"min_eigenvalue": 1e-2, "max_eigenvalue": 4.0, "max_condition": 100.0}
    options.update(covariance_options)
    cov = draw(covariances(d, **options))
    x0 = draw(points(d, bound=point_bound))
    return Problem(f, x0, cov, draw(seeds()))


@dataclass(frozen=True)
class Theorem2Case:
    """f, an isotropic sigma, and two nearby points: one instance of Theorem 2."""

    f: Function
    sigma: float
    x: np.ndarray
    y: np.ndarray

    @property
    def cov(self) -> np.ndarray:
        return self.sigma**2 * np.eye(self.f.dim)


@st.composite
def theorem2_cases(
    draw: st.DrawFn,
    dim: int | st.SearchStrategy[int] = SMALL_DIMENSIONS,
    *,
    links: Sequence[str] = COUNTEREXAMPLE_LINKS,
    min_sigma: float = 0.05,
    max_sigma: float = 2.0,
) -> Theorem2Case:
    """The generic search space of Theorem 2 (Sigma = sigma^2 I, as the paper states it).

    f is a ridge function with any bounded link, a sum of two of them (e.g. a
    sum of sinusoids), or a one-hidden-layer network; sigma is log-uniform-ish
    in [min_sigma, max_sigma]; (x, y) is a nearby pair at distance up to sigma.
    Nothing in the space points at a particular counterexample.
    """
    d = _resolve(draw, dim)
    ridge = ridge_functions(d, links=links)
    f = draw(
        st.one_of(
            ridge,
            combinations(d, parts=ridge, max_terms=2),
            networks(d, max_hidden=3),
        )
    )
    sigma = 10.0 ** draw(_bounded_floats(math.log10(min_sigma), math.log10(max_sigma)))
    x, y = draw(nearby_pairs(d, bound=3.0, max_distance=sigma))
    return Theorem2Case(f, sigma, x, y)

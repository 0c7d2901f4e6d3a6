"""Strategies for every test-function family of :mod:`verify.functions`.

Each shrinks to its simplest member (the constant polynomial, the linear ridge
function, one bump, one unit); ``event()`` labels the family drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from .matrices import bounded_floats, covariances, points, unit_vectors

__all__ = [
    "BOUNDED_LINKS",
    "COUNTEREXAMPLE_LINKS",
    "FAMILIES",
    "SMOOTH_CLOSED_FORM_LINKS",
    "bounded_gradient_functions",
    "combinations",
    "functions",
    "networks",
    "polynomials",
    "rbf_mixtures",
    "ridge_functions",
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
# Links with closed-form Gaussian moments (docs/math.md#ridge-functions).
SMOOTH_CLOSED_FORM_LINKS: tuple[str, ...] = ("identity", "probit", "sin", "exp")
# The generic search space for the published Theorem 2 constant: every bounded
# link, smooth and kinked alike. Nothing here singles out a counterexample.
COUNTEREXAMPLE_LINKS: tuple[str, ...] = BOUNDED_LINKS
FAMILIES: tuple[str, ...] = ("polynomial", "rbf", "ridge", "network", "combination")

_ACTIVATIONS = ("relu", "elu", "tanh", "softplus", "sigmoid")


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
            st.tuples(exponent, bounded_floats(-coefficient_bound, coefficient_bound)),
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
    # Exact zeros dropped: a zero cubic term would make the polynomial look non-affine
    # (Polynomial.degree counts it) while it is a constant.
    coefficients = {k: c for k, c in coefficients.items() if c != 0.0} or {(0,) * dim: 0.0}
    event("family=polynomial")
    return Polynomial(coefficients)


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
    w = draw(unit_vectors(dim)) * draw(bounded_floats(min_norm, max_norm))
    b = draw(bounded_floats(-offset_bound, offset_bound))
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
    weights = [draw(bounded_floats(-weight_bound, weight_bound)) for _ in range(k)]
    centers = [draw(points(dim, bound=2.0)) for _ in range(k)]
    precisions = []
    for _ in range(k):
        if allow_singular and dim > 1 and draw(st.booleans()):
            u = draw(unit_vectors(dim))
            precisions.append(np.outer(u, u) * draw(bounded_floats(0.2, 3.0)))
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
    elems = bounded_floats(-weight_bound, weight_bound)
    # Every weight drawn on its own: hnp.arrays' default fill repeats one drawn value
    # over most entries, which made whole layers 0.0 or 1e-45 (a constant network).
    W1 = draw(hnp.arrays(np.float64, (h, dim), elements=elems, fill=st.nothing()))
    b1 = draw(hnp.arrays(np.float64, (h,), elements=elems, fill=st.nothing()))
    W2 = draw(hnp.arrays(np.float64, (h,), elements=elems, fill=st.nothing()))
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
        (draw(bounded_floats(-coefficient_bound, coefficient_bound)), draw(parts)) for _ in range(k)
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

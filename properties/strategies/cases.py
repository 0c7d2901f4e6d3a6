"""Whole problems and the cases each statement's property draws.

:func:`problems` (f, x0, cov, seed) serves most statements; the others have a
case strategy of their own (:func:`sharp_cases`, :func:`pair_cases`,
:func:`single_index_cases`, :func:`step_cases`, :func:`theorem2_cases`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.functions import Function

from .families import (
    BOUNDED_LINKS,
    COUNTEREXAMPLE_LINKS,
    FAMILIES,
    bounded_gradient_functions,
    combinations,
    functions,
    networks,
    ridge_functions,
)
from .matrices import (
    SMALL_DIMENSIONS,
    bounded_floats,
    condition_bucket,
    covariances,
    dimension,
    nearby_pairs,
    points,
    seeds,
)

__all__ = [
    "Problem",
    "Theorem2Case",
    "pair_cases",
    "problem_label",
    "problems",
    "sharp_cases",
    "single_index_cases",
    "step_cases",
    "theorem2_cases",
]


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
    d = dimension(draw, dim)
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


def problem_label(problem: Problem) -> str:
    """The regime of a problem for coverage statistics: d, family, condition bucket."""
    return f"d={problem.x0.size}, {type(problem.f).__name__}, {condition_bucket(problem.cov)}"


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
    d = dimension(draw, dim)
    ridge = ridge_functions(d, links=links)
    f = draw(
        st.one_of(
            ridge,
            combinations(d, parts=ridge, max_terms=2),
            networks(d, max_hidden=3),
        )
    )
    sigma = 10.0 ** draw(bounded_floats(math.log10(min_sigma), math.log10(max_sigma)))
    x, y = draw(nearby_pairs(d, bound=3.0, max_distance=sigma))
    return Theorem2Case(f, sigma, x, y)


def sharp_cases() -> st.SearchStrategy:
    """(f with a gradient bound, x, y, cov): one instance of the sharp Theorem 2."""

    @st.composite
    def cases(draw):
        d = draw(st.integers(1, 3))
        f = draw(bounded_gradient_functions(d))
        cov = draw(covariances(d, min_eigenvalue=1e-2, max_eigenvalue=4.0, max_condition=1e3))
        x, y = draw(nearby_pairs(d, max_distance=1.0))
        return f, x, y, cov

    return cases()


def pair_cases() -> st.SearchStrategy:
    """(f, g, x0, cov, alpha, beta): one instance of Proposition 2."""

    @st.composite
    def cases(draw):
        d = draw(st.integers(1, 3))
        f, g = draw(functions(d)), draw(functions(d))
        cov = draw(covariances(d, min_eigenvalue=1e-2, max_eigenvalue=4.0, max_condition=1e3))
        return (
            f,
            g,
            draw(points(d, bound=2.0)),
            cov,
            draw(st.floats(-3, 3)),
            draw(st.floats(-3, 3)),
        )

    return cases()


def single_index_cases() -> st.SearchStrategy:
    """(g(w^T x + b), x0, cov): one instance of Proposition 3."""

    @st.composite
    def cases(draw):
        d = draw(st.integers(1, 3))
        f = draw(ridge_functions(d, links=(*BOUNDED_LINKS, "exp"), max_norm=1.5))
        cov = draw(covariances(d, min_eigenvalue=1e-2, max_eigenvalue=2.0, max_condition=1e3))
        return f, draw(points(d, bound=1.5)), cov

    return cases()


def step_cases() -> st.SearchStrategy:
    """(step ridge function, cov, seed): one instance of Stein's boundary."""
    return st.integers(1, 3).flatmap(
        lambda d: st.tuples(
            ridge_functions(d, links=("step",)),
            covariances(d, min_eigenvalue=0.05, max_eigenvalue=4.0, max_condition=100.0),
            seeds(),
        )
    )

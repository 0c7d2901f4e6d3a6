"""Hypothesis strategies for the property suite: covariances, points, functions, problems.

Every strategy *builds* valid values instead of filtering (as
``hypothesis.extra.numpy.arrays`` does): a covariance is assembled from drawn
eigenvalues and a drawn orthogonal factor, so every example is symmetric
positive definite by construction, and the shrinker moves towards simple
cases (d = 1, Sigma = I, x = 0, the first link in the list).

==================  ===========================================================
:mod:`.matrices`    dimensions, :func:`covariances` (with explicit control of the
                    smallest eigenvalue and the condition number), points,
                    nearby pairs, seeds
:mod:`.families`    one strategy per function family of :mod:`verify.functions`
:mod:`.cases`       whole problems (f, x0, Sigma, seed) and each statement's cases
==================  ===========================================================

``event()`` labels the dimension, the condition-number bucket and the family,
so ``pytest --hypothesis-show-statistics`` shows what was covered.
"""

from .cases import (
    Problem,
    Theorem2Case,
    pair_cases,
    problem_label,
    problems,
    sharp_cases,
    single_index_cases,
    step_cases,
    theorem2_cases,
)
from .families import (
    BOUNDED_LINKS,
    COUNTEREXAMPLE_LINKS,
    FAMILIES,
    SMOOTH_CLOSED_FORM_LINKS,
    bounded_gradient_functions,
    combinations,
    functions,
    networks,
    polynomials,
    rbf_mixtures,
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
    unit_vectors,
)

__all__ = [
    "BOUNDED_LINKS",
    "COUNTEREXAMPLE_LINKS",
    "FAMILIES",
    "SMALL_DIMENSIONS",
    "SMOOTH_CLOSED_FORM_LINKS",
    "Problem",
    "Theorem2Case",
    "bounded_floats",
    "bounded_gradient_functions",
    "combinations",
    "condition_bucket",
    "covariances",
    "dimension",
    "functions",
    "nearby_pairs",
    "networks",
    "pair_cases",
    "points",
    "polynomials",
    "problem_label",
    "problems",
    "rbf_mixtures",
    "ridge_functions",
    "seeds",
    "sharp_cases",
    "single_index_cases",
    "step_cases",
    "theorem2_cases",
    "unit_vectors",
]

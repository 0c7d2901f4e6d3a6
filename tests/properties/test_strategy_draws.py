"""Seeded draws from the strategies keep every promise their docstrings make.

Each test takes a seed (three each) and checks every example of one seeded
Hypothesis run (:func:`seeded_draws.draw_cases`), so a deliberately broken
strategy is caught at every seed tried (tests/properties/test_mutations.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from seeded_draws import draw_cases

from properties import strategies as S

SEEDS = (0, 1, 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_covariances_respect_their_bounds(seed):
    lo, hi, cond = 1e-3, 10.0, 1e3
    for cov in draw_cases(
        S.covariances(st.integers(1, 4), min_eigenvalue=lo, max_eigenvalue=hi, max_condition=cond),
        200,
        seed,
    ):
        np.testing.assert_array_equal(cov, cov.T)
        eig = np.linalg.eigvalsh(cov)
        assert lo * (1 - 1e-9) <= eig[0] and eig[-1] <= hi * (1 + 1e-9)
        assert eig[-1] / eig[0] <= cond * (1 + 1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_ridge_functions_respect_their_norm_bounds(seed):
    for f in draw_cases(S.ridge_functions(3, min_norm=0.2, max_norm=3.0), 40, seed):
        assert 0.2 * (1 - 1e-9) <= np.linalg.norm(f.w) <= 3.0 * (1 + 1e-9)
        assert -2.0 <= f.b <= 2.0


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_nearby_pairs_keep_their_distance(seed):
    for x, y in draw_cases(S.nearby_pairs(3, min_distance=1e-3, max_distance=0.5), 40, seed):
        assert 1e-3 * (1 - 1e-9) <= np.linalg.norm(x - y) <= 0.5 * (1 + 1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_step_cases_are_step_functions(seed):
    for f, cov, _ in draw_cases(S.step_cases(), 30, seed):
        assert f.link.name == "step" and not f.absolutely_continuous
        assert np.all(np.linalg.eigvalsh(cov) > 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_bounded_gradient_functions_keep_their_bound(seed):
    """sup ||grad f|| <= f.gradient_bound at random points (the fact Theorem 2 relies on)."""
    rng = np.random.default_rng(seed)
    for f in draw_cases(S.bounded_gradient_functions(2), 30, seed):
        G = f.gradient_bound
        assert G is not None and np.isfinite(G)
        X = rng.normal(scale=3.0, size=(4000, 2))
        assert np.max(np.linalg.norm(f.gradient(X), axis=-1)) <= G * (1 + 1e-9) + 1e-300


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_problems_respect_the_point_bound(seed):
    for p in draw_cases(S.problems(point_bound=1.0), 30, seed):
        assert np.max(np.abs(p.x0)) <= 1.0 and p.cov.shape == (p.dim, p.dim)

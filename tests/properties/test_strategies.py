"""The strategies themselves: validity of every example, shrink targets, reach.

``minimal`` and ``find_any`` follow hypothesis/tests/common/debug.py: ``find``
with a fixed random seed, no database, shrinking on (minimal) or off
(find_any), so these tests are deterministic under every profile.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from properties import strategies as S
from verify import closed_form
from verify.functions import LinearCombination, Network, Polynomial, RBFMixture, RidgeFunction
from verify.validation import InputError

_QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def minimal(strategy, condition=lambda _: True, max_examples: int = 2000):
    """The shrunk example satisfying ``condition`` (deterministic)."""
    return find(
        strategy,
        condition,
        settings=settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            suppress_health_check=_QUIET,
        ),
        random=random.Random(0),
    )


def find_any(strategy, condition, max_examples: int = 2000):
    """Some example satisfying ``condition``, without shrinking (deterministic)."""
    return find(
        strategy,
        condition,
        settings=settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=_QUIET,
        ),
        random=random.Random(0),
    )


def _condition(cov: np.ndarray) -> float:
    eig = np.linalg.eigvalsh(cov)
    return float(eig[-1] / eig[0])


# -- covariances -----------------------------------------------------------------


@given(
    st.data(),
    st.sampled_from(["full", "diagonal", "isotropic"]),
    st.floats(1e-4, 1.0),
    st.floats(1.0, 1e6),
)
def test_every_covariance_is_spd_within_its_bounds(data, kind, min_eig, max_cond):
    max_eig = min_eig * 1e3
    cov = data.draw(
        S.covariances(
            st.integers(1, 6),
            min_eigenvalue=min_eig,
            max_eigenvalue=max_eig,
            max_condition=max_cond,
            kind=kind,
        )
    )
    assert cov.shape[0] == cov.shape[1] and 1 <= cov.shape[0] <= 6
    np.testing.assert_array_equal(cov, cov.T)
    np.linalg.cholesky(cov)  # raises if not positive definite
    eig = np.linalg.eigvalsh(cov)
    assert eig[0] >= min_eig * (1 - 1e-9)
    assert eig[-1] <= max_eig * (1 + 1e-9)
    assert eig[-1] / eig[0] <= max_cond * (1 + 1e-6)
    if kind != "full":
        np.testing.assert_array_equal(cov, np.diag(np.diag(cov)))
    if kind == "isotropic":
        assert np.all(np.diag(cov) == cov[0, 0])


def test_covariances_shrink_to_the_identity_in_dimension_one():
    cov = minimal(S.covariances(st.integers(1, 6)))
    np.testing.assert_array_equal(cov, np.eye(1))


@pytest.mark.parametrize("kind", ["full", "diagonal", "isotropic"])
def test_covariances_of_fixed_dimension_shrink_to_the_identity(kind):
    np.testing.assert_array_equal(minimal(S.covariances(4, kind=kind)), np.eye(4))


def test_a_non_diagonal_covariance_shrinks_to_the_simplest_spectrum():
    cov = minimal(S.covariances(3), lambda c: abs(c[0, 1]) > 1e-3)
    # Only one eigenvalue moves away from 1 (a rotation needs two distinct ones), and to
    # the simplest value, 10.
    np.testing.assert_allclose(np.linalg.eigvalsh(cov), [1.0, 1.0, 10.0], rtol=1e-9)


@pytest.mark.parametrize("dim", [2, 6])
def test_covariances_reach_condition_number_1e4(dim):
    cov = find_any(S.covariances(dim, max_condition=1e5), lambda c: _condition(c) >= 1e4)
    np.linalg.cholesky(cov)
    assert _condition(cov) >= 1e4


def test_covariances_reach_strongly_non_diagonal_matrices():
    def correlated(c):
        d = np.sqrt(np.diag(c))
        corr = c / np.outer(d, d)
        return np.max(np.abs(corr - np.eye(len(c)))) > 0.9

    find_any(S.covariances(3), correlated)


def test_covariances_reach_the_largest_dimension():
    cov = find_any(S.covariances(st.integers(1, 6)), lambda c: c.shape[0] == 6)
    assert cov.shape == (6, 6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "banded"},
        {"min_eigenvalue": 0.0},
        {"min_eigenvalue": 2.0, "max_eigenvalue": 1.0},
        {"max_condition": 0.5},
    ],
)
def test_covariances_reject_bad_options(kwargs):
    with pytest.raises(InputError):
        find_any(S.covariances(2, **kwargs), lambda c: True)


@given(S.covariances(st.integers(2, 5), min_condition=1e3, max_condition=1e4))
def test_min_condition_concentrates_on_ill_conditioned_matrices(cov):
    assert 1e3 * (1 - 1e-6) <= _condition(cov) <= 1e4 * (1 + 1e-6)


def test_impossible_condition_bounds_are_refused():
    with pytest.raises(InputError, match="min_condition"):
        find_any(S.covariances(1, min_condition=10.0), lambda c: True)
    with pytest.raises(InputError, match="min_condition"):
        find_any(S.covariances(3, min_condition=1e6, max_condition=1e7), lambda c: True)


def test_dimension_must_be_positive():
    with pytest.raises(InputError, match="positive int"):
        find_any(S.covariances(0), lambda c: True)


def test_condition_buckets_label_the_regimes():
    assert S.condition_bucket(np.eye(3)) == "cond=1"
    assert S.condition_bucket(np.diag([1.0, 50.0])) == "cond in [1e1,1e2)"
    assert S.condition_bucket(np.diag([1.0, 100.0])) == "cond in [1e2,1e3)"
    assert S.condition_bucket(np.diag([1.0, 2e4])) == "cond>=1e4"


# -- points ------------------------------------------------------------------------


def test_points_shrink_to_the_origin():
    np.testing.assert_array_equal(minimal(S.points(3)), np.zeros(3))


@given(S.nearby_pairs(3, max_distance=0.4))
def test_nearby_pairs_are_near_and_distinct(pair):
    x, y = pair
    assert 1e-3 * (1 - 1e-9) <= np.linalg.norm(x - y) <= 0.4 * (1 + 1e-9)


def test_nearby_pairs_shrink_along_the_first_axis():
    x, y = minimal(S.nearby_pairs(2))
    np.testing.assert_array_equal(x, np.zeros(2))
    assert y[1] == 0.0 and y[0] > 0


# -- function families --------------------------------------------------------------


@given(st.data(), st.integers(1, 4))
def test_every_family_yields_a_valid_function(data, dim):
    for strategy in (
        S.polynomials(dim),
        S.rbf_mixtures(dim),
        S.ridge_functions(dim),
        S.networks(dim),
        S.combinations(dim),
    ):
        f = data.draw(strategy)
        assert f.dim == dim
        X = np.zeros((2, dim))
        assert np.all(np.isfinite(f(X))) and np.all(np.isfinite(f.gradient(X)))


@given(st.data(), st.integers(1, 3))
def test_bounded_gradient_functions_respect_their_bound(data, dim):
    f = data.draw(S.bounded_gradient_functions(dim))
    G = f.gradient_bound
    assert G is not None and np.isfinite(G)
    X = data.draw(st.lists(S.points(dim, bound=5.0), min_size=1, max_size=20))
    assert np.max(np.linalg.norm(f.gradient(np.array(X)), axis=-1)) <= G * (1 + 1e-12) + 1e-12


@given(st.data())
def test_ridge_functions_respect_the_norm_bounds(data):
    f = data.draw(S.ridge_functions(3, min_norm=0.5, max_norm=2.0))
    assert 0.5 * (1 - 1e-12) <= np.linalg.norm(f.w) <= 2.0 * (1 + 1e-12)


def test_family_shrink_targets():
    poly = minimal(S.polynomials(2))
    assert isinstance(poly, Polynomial) and set(poly.coefficients.values()) == {0.0}
    ridge = minimal(S.ridge_functions(2))
    assert isinstance(ridge, RidgeFunction) and ridge.link.name == "identity"
    np.testing.assert_array_equal(ridge.w, [1.0, 0.0])
    assert ridge.b == 0.0
    rbf = minimal(S.rbf_mixtures(2))
    assert isinstance(rbf, RBFMixture) and rbf.weights.size == 1
    net = minimal(S.networks(2))
    assert isinstance(net, Network) and net.weights[0].shape == (1, 2)
    assert isinstance(minimal(S.combinations(2)), LinearCombination)


def test_polynomials_respect_the_degree_bound():
    poly = find_any(S.polynomials(3, max_degree=3), lambda p: p.degree == 3)
    assert all(sum(k) <= 3 for k in poly.coefficients)


def test_every_bounded_link_is_reached():
    for link in S.BOUNDED_LINKS:
        find_any(S.ridge_functions(2), lambda f, link=link: f.link.name == link)


def test_rbf_mixtures_reach_singular_precisions():
    def singular(f):
        return np.min(np.linalg.eigvalsh(f.precisions)) < 1e-9

    find_any(S.rbf_mixtures(3), singular)


def test_functions_reject_unknown_families():
    with pytest.raises(InputError, match="families"):
        S.functions(2, ["spline"])


# -- problems -------------------------------------------------------------------------


@given(S.problems(st.integers(1, 4)))
def test_problems_share_one_dimension_and_have_a_ground_truth(problem):
    d = problem.dim
    assert problem.x0.shape == (d,) and problem.cov.shape == (d, d)
    np.linalg.cholesky(problem.cov)
    truth = closed_form.ground_truth(problem.f, problem.x0, problem.cov)
    assert np.all(np.isfinite(truth.clime))
    assert 0 <= problem.seed < 2**32


@given(S.problems(bounded_gradient=True))
def test_bounded_problems_have_a_gradient_bound(problem):
    assert problem.f.gradient_bound is not None


def test_problems_shrink_to_dimension_one_and_the_identity():
    problem = minimal(S.problems())
    assert problem.dim == 1 and problem.seed == 0
    np.testing.assert_array_equal(problem.cov, np.eye(1))
    np.testing.assert_array_equal(problem.x0, np.zeros(1))


def test_problems_reach_every_family_and_dimension():
    for family in ("polynomial", "rbf", "ridge", "network", "combination"):
        find_any(
            S.problems(st.integers(1, 3), families=[family]),
            lambda p: p.dim == 3,
        )


# -- the Theorem 2 search space ---------------------------------------------------------


@given(S.theorem2_cases())
def test_theorem2_cases_are_valid(case):
    assert 0.05 * (1 - 1e-12) <= case.sigma <= 2.0 * (1 + 1e-12)
    assert 0 < np.linalg.norm(case.x - case.y) <= case.sigma * (1 + 1e-9)
    assert case.f.gradient_bound is not None
    np.testing.assert_allclose(case.cov, case.sigma**2 * np.eye(case.f.dim))


def test_events_label_dimension_condition_and_family():
    from hypothesis.internal.conjecture.engine import ConjectureRunner  # noqa: F401

    seen: list[str] = []

    @settings(max_examples=30, database=None, derandomize=True, suppress_health_check=_QUIET)
    @given(S.problems())
    def collect(problem):
        pass

    # Hypothesis records events in the test's statistics; read them back.
    from hypothesis.statistics import collector

    with collector.with_value(lambda stats: seen.append(stats)):
        collect()
    events = {e for phase in seen[0]["generate-phase"]["test-cases"] for e in phase["events"]}
    assert any(e.startswith("d=") for e in events)
    assert any(e.startswith("cond") for e in events)
    assert any(e.startswith("family=") for e in events)

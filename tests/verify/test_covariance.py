"""The covariance value object: validated once, factorised once, and what it computes.

* Every factor and map agrees with numpy's own computation (Hypothesis over the
  project's covariance strategy, up to condition number 1e5), with tolerances scaled
  by eps and the condition number.
* The refusals are the engine's (one place), with the messages that say the fix.
* A :class:`Covariance` passed to the engine is never factorised again (counted), and
  gives the same bits as the raw array it was built from.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.strategies.matrices import covariances
from verify import asymptotics as A
from verify import bounds as B
from verify import closed_form as C
from verify import estimators as E
from verify import functions as F
from verify.covariance import SYMMETRY_RTOL, Covariance
from verify.random import random_covariance, random_function
from verify.validation import InputError, as_covariance

EPS = np.finfo(float).eps


def _close(a, b, cond: float, scale: float, factor: float = 50.0) -> None:
    np.testing.assert_allclose(a, b, rtol=0, atol=factor * EPS * cond * scale * a.shape[-1])


@settings(max_examples=40)
@given(covariances(st.integers(1, 5)), st.integers(0, 2**32 - 1))
def test_factors_and_maps_agree_with_numpy(matrix, seed):
    cov = Covariance(matrix)
    d, top = cov.dim, float(np.max(np.abs(matrix)))
    cond = float(np.linalg.cond(matrix))
    np.testing.assert_array_equal(cov.cholesky, np.linalg.cholesky(matrix))
    np.testing.assert_array_equal(cov.eigenvalues, np.linalg.eigvalsh(matrix))
    assert cov.condition_number == pytest.approx(cond, rel=1e-8)
    u = np.random.default_rng(seed).standard_normal((3, 7, d))
    z = cov.colorize(u)
    np.testing.assert_array_equal(z, u @ np.linalg.cholesky(matrix).T)
    _close(cov.whiten(z), u, cond**0.5, float(np.max(np.abs(u))))
    _close(cov.sqrt @ cov.sqrt, matrix, 1.0, top)
    np.testing.assert_array_equal(cov.sqrt, cov.sqrt.T)
    _close(cov.inverse @ matrix, np.eye(d), cond, 1.0)
    b = u[0, :d, 0] if d <= 7 else np.ones(d)
    _close(matrix @ cov.solve(b), b, cond, float(np.max(np.abs(b))))
    assert cov.log_det == pytest.approx(np.linalg.slogdet(matrix)[1], abs=1e-10 * d)
    twice = cov.scaled(2.5)
    np.testing.assert_array_equal(twice.matrix, 2.5 * matrix)
    _close(twice.cholesky, np.linalg.cholesky(2.5 * matrix), cond**0.5, float(np.sqrt(2.5 * top)))


@settings(max_examples=25)
@given(covariances(st.integers(1, 4), kind="diagonal"))
def test_the_other_constructors_build_the_same_matrix(matrix):
    direct = Covariance(matrix)
    diagonal = Covariance.from_diagonal(np.diag(matrix))
    np.testing.assert_array_equal(diagonal.matrix, direct.matrix)
    np.testing.assert_array_equal(diagonal.cholesky, direct.cholesky)  # sqrt is exact here
    np.testing.assert_array_equal(diagonal.eigenvalues, direct.eigenvalues)
    rotated = random_covariance(np.random.default_rng(int(matrix.shape[0])), matrix.shape[0], 30)
    lam, Q = np.linalg.eigh(rotated)
    for built in (
        Covariance.from_cholesky(np.linalg.cholesky(rotated)),
        Covariance.from_eigendecomposition((lam, Q)),
    ):
        _close(built.matrix, rotated, 1.0, 1.0)
        _close(built.cholesky @ built.cholesky.T, rotated, 1.0, 1.0)


def test_the_arrays_are_read_only_and_as_covariance_copies():
    cov = Covariance(np.eye(2))
    with pytest.raises(ValueError, match="read-only"):
        cov.matrix[0, 0] = 2.0
    with pytest.raises(ValueError, match="read-only"):
        cov.cholesky[0, 0] = 2.0
    plain = as_covariance(cov)
    plain[0, 0] = 5.0  # a writable copy, as before
    assert cov.matrix[0, 0] == 1.0
    np.testing.assert_array_equal(np.asarray(cov), np.eye(2))


def test_symmetry_has_one_stated_tolerance():
    base = np.array([[2.0, 0.5], [0.5, 1.0]])
    nudge = np.array([[0.0, 1.0], [0.0, 0.0]])
    accepted = Covariance(base + 0.5 * SYMMETRY_RTOL * 2.0 * nudge)
    np.testing.assert_array_equal(accepted.matrix, accepted.matrix.T)
    with pytest.raises(InputError, match="not symmetric"):
        Covariance(base + 2.0 * SYMMETRY_RTOL * 2.0 * nudge)


REFUSALS = {
    "rectangular": (lambda: Covariance(np.ones((2, 3))), "square (d, d) matrix"),
    "empty": (lambda: Covariance(np.zeros((0, 0))), "square (d, d) matrix"),
    "wrong size": (lambda: Covariance(np.eye(3), dim=2), "function has dimension 2"),
    "wrong size, object": (lambda: Covariance.of(Covariance(np.eye(3)), 2), "dimension 2"),
    "asymmetric": (lambda: Covariance([[1.0, 0.5], [0.0, 1.0]]), "(cov + cov.T) / 2"),
    "indefinite": (lambda: Covariance([[1.0, 2.0], [2.0, 1.0]]), "smallest eigenvalue -1"),
    "a standard deviation vector": (lambda: Covariance([0.5, 0.5]), "np.diag(variances)"),
    "NaN": (lambda: Covariance([[np.nan, 0], [0, 1.0]]), "NaN or infinite"),
    "complex": (lambda: Covariance(np.eye(2) * (1 + 1j)), "complex"),
    "text": (lambda: Covariance("eye"), "numeric array"),
    "named": (lambda: Covariance(-np.eye(2), name="metric"), "metric is not positive definite"),
    "zero variance": (lambda: Covariance.from_diagonal([1.0, 0.0]), "positive finite"),
    "upper factor": (lambda: Covariance.from_cholesky([[1.0, 0.5], [0.0, 1.0]]), "pass U.T"),
    "negative factor": (lambda: Covariance.from_cholesky([[-1.0, 0], [0.5, 1]]), "sign"),
    "no pair": (lambda: Covariance.from_eigendecomposition(np.eye(3)), "pair"),
    "skewed vectors": (
        lambda: Covariance.from_eigendecomposition(([1.0, 2.0], [[1.0, 0.1], [0.0, 1.0]])),
        "orthonormal",
    ),
    "zero eigenvalue": (
        lambda: Covariance.from_eigendecomposition(([0.0, 2.0], np.eye(2))),
        "positive definite",
    ),
    "scaled by zero": (lambda: Covariance(np.eye(2)).scaled(0.0), "must be positive"),
    "scaled to underflow": (lambda: Covariance(np.eye(2) * 1e-200).scaled(1e-200), "underflow"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refusals_say_what_to_fix(name):
    build, message = REFUSALS[name]
    with pytest.raises(InputError, match=re.escape(message)):
        build()


def test_resolution_rule_is_the_engine_rule():
    cov = Covariance(np.diag([1.0, 1e-26]))
    with pytest.raises(InputError, match="cov is too small to perturb x0"):
        cov.check_resolution(np.zeros((1, 2)))
    with pytest.raises(InputError, match=r"Sigma' is too small.*widen"):
        cov.check_resolution(np.zeros((1, 2)), "Sigma'", "widen")
    Covariance(np.diag([1.0, 1e-22])).check_resolution(np.zeros((1, 2)))


# -- the engine factorises a Covariance once -------------------------------------------


def _count_factorisations(monkeypatch) -> dict[str, int]:
    counts = {"cholesky": 0, "eigvalsh": 0, "eigh": 0, "inv": 0}
    for name in counts:
        original = getattr(np.linalg, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(np.linalg, name, counted)
    return counts


ENGINE_CALLS = {
    "closed_form.ground_truth": lambda f, x0, cov: C.ground_truth(f, x0, cov).clime,
    "closed_form.clime": lambda f, x0, cov: C.clime(f, x0, cov),
    "Function.gaussian_moments": lambda f, x0, cov: f.gaussian_moments(x0, cov).covariance,
    "estimators.smoothgrad": lambda f, x0, cov: E.smoothgrad(f, x0, cov, 64, seed=3),
    "estimators.clime": lambda f, x0, cov: E.clime(f, x0, cov, 64, seed=3),
    "estimators.clime ridge": lambda f, x0, cov: E.clime(f, x0, cov, 64, seed=3, ridge=0.1),
    "estimators.clime streamed": lambda f, x0, cov: E.clime(f, x0, cov, 64, chunk_size=16),
    "estimators.draw_noise": lambda f, x0, cov: E.draw_noise(cov, 16, seed=2),
    "asymptotics.sandwich_variance": lambda f, x0, cov: A.sandwich_variance(
        f, x0[0], cov, log2_points=5, replicates=2
    )[0],
    "bounds.lipschitz_sharp": lambda f, x0, cov: B.lipschitz_sharp(1.0, cov),
    "bounds.total_variation": lambda f, x0, cov: B.total_variation_gaussians(x0[0], x0[1], cov),
}


@pytest.mark.parametrize("family", ["ridge", "network", "sigmoid_network"])
@pytest.mark.parametrize("call", sorted(ENGINE_CALLS))
def test_a_covariance_object_is_never_factorised_again(call, family, monkeypatch):
    """Once cholesky and eigenvalues are known, the engine computes no other factor of cov.

    The sigmoid network has no closed form (quadrature uses the factor); the raw array
    gives the same bits, converted once at the boundary.
    """
    rng = np.random.default_rng(5)
    f = random_function(rng, 3, family)
    x0, matrix = rng.normal(size=(2, 3)), random_covariance(rng, 3, 20.0)
    cov = Covariance(matrix)
    cov.eigenvalues, cov.cholesky_inverse  # noqa: B018 (computed before counting)
    expected = ENGINE_CALLS[call](f, x0, matrix)
    counts = _count_factorisations(monkeypatch)
    got = ENGINE_CALLS[call](f, x0, cov)
    assert counts["cholesky"] == counts["eigh"] == counts["inv"] == 0, counts
    # eigvalsh: only C-LIME's test that the sample spans R^d (a Gram matrix per point,
    # not cov), which a ridge penalty makes unnecessary.
    spans = call.startswith("estimators.clime") and "ridge" not in call
    assert counts["eigvalsh"] <= (len(x0) if spans else 0), counts
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_the_counter_sees_a_factorisation(monkeypatch):
    """The test above bites: a raw array is factorised (once) at the boundary."""
    counts = _count_factorisations(monkeypatch)
    E.smoothgrad(F.RidgeFunction([1.0, 2.0]), np.zeros(2), np.eye(2), 8)
    assert counts["cholesky"] == 1 and counts["eigvalsh"] == 1

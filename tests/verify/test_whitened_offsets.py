"""The estimators' fast path: families map the standard normals u themselves.

Ridge functions and networks evaluate f(x0 + L u) as (w^T x0 + b) + u^T (L^T w) (and
W_1 L for a network's first layer) without building the offsets z = L u: the same
sample, rounded differently. These tests hold the hooks to the z route within
round-off for every family, check which families take the fast path (and that the
estimators then never build z), and that the cheap Gershgorin test of the C-LIME Gram
matrices decides as the eigenvalues do.
"""

from __future__ import annotations

import numpy as np
import pytest

from verify import estimators as E
from verify import functions as F
from verify.covariance import Covariance
from verify.estimators import _SPAN_RTOL, _spans
from verify.random import random_covariance, random_function

FAMILIES = ["polynomial", "rbf", "ridge", "network", "deep_network", "sigmoid_network"]
MAPS_U = {"ridge", "network", "deep_network", "sigmoid_network"}


def _family(rng, d: int, name: str) -> F.Function:
    if name == "translated ridge":
        return F.Translated(random_function(rng, d, "ridge"), rng.normal(size=d))
    if name == "mixed combination":
        return 2.0 * random_function(rng, d, "ridge") - random_function(rng, d, "polynomial")
    return random_function(rng, d, name)


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("name", [*FAMILIES, "translated ridge", "mixed combination"])
def test_the_whitened_hooks_are_the_z_route_within_round_off(name, shared, rng):
    d, m, n = 3, 4, 50
    f = _family(rng, d, name)
    cov = Covariance(random_covariance(rng, d, condition=1e3))
    X0 = rng.normal(size=(m, d))
    u = rng.standard_normal((1 if shared else m, n, d))
    z = cov.colorize(u)
    values = f.values_near(X0, z)
    np.testing.assert_allclose(
        f.values_near_whitened(X0, u, cov), values, rtol=1e-12, atol=1e-13 * np.abs(values).max()
    )
    grads = f.mean_gradient_near(X0, z)
    np.testing.assert_allclose(
        f.mean_gradient_near_whitened(X0, u, cov),
        grads,
        rtol=1e-12,
        atol=1e-13 * np.abs(grads).max(),
    )


@pytest.mark.parametrize("name", [*FAMILIES, "translated ridge", "mixed combination"])
def test_which_families_map_u_and_that_the_estimators_then_never_build_z(name, rng, monkeypatch):
    f = _family(rng, 2, name)
    expected = name in MAPS_U or name == "mixed combination"
    assert f.maps_whitened_offsets is expected
    if not expected:
        return
    X0, cov = rng.normal(size=(3, 2)), np.eye(2)
    reference = E.smoothgrad(f, X0, cov, 40, seed=1), E.clime(f, X0, cov, 40, seed=1)
    pure = name in MAPS_U  # a mixed combination builds z once for its polynomial part

    def refuse(self, u):
        raise AssertionError("the estimator built z = L u")

    if pure:
        monkeypatch.setattr(Covariance, "colorize", refuse)
    np.testing.assert_array_equal(E.smoothgrad(f, X0, cov, 40, seed=1), reference[0])
    np.testing.assert_array_equal(E.clime(f, X0, cov, 40, seed=1), reference[1])
    # A kernel weighs the offsets: z is built then (and refused here when pure).
    if pure:
        with pytest.raises(AssertionError, match="built z"):
            E.clime(f, X0, cov, 40, seed=1, kernel_width=2.0)


def _spans_by_eigenvalues(gram: np.ndarray) -> bool:
    eig = np.linalg.eigvalsh(gram)
    return not np.any(eig[..., 0] <= _SPAN_RTOL * eig[..., -1])


@pytest.mark.parametrize("d", [1, 2, 5, 10])
def test_the_gershgorin_shortcut_decides_as_the_eigenvalues(d, rng):
    """Near I (the shortcut), ill-conditioned, at the rule's boundary and singular."""
    ratios = [1.0, 0.5, 1e-6, 1e-11, 2e-12, 1e-12, 5e-13, 1e-13, 0.0]
    for ratio in ratios:
        for _ in range(5):
            q, _ = np.linalg.qr(rng.normal(size=(d, d)))
            eig = np.geomspace(1.0, max(ratio, 1e-300), d) if d > 1 else np.array([1.0])
            if ratio == 0.0 and d > 1:
                eig[0] = 0.0
            gram = np.stack([(q * eig) @ q.T, np.eye(d) + 0.01 * rng.normal(size=(d, d))])
            gram = (gram + gram.transpose(0, 2, 1)) / 2
            assert _spans(gram) == _spans_by_eigenvalues(gram), (ratio, d)
    # A broken shortcut (every disc accepted) would pass a singular Gram matrix: caught.
    singular = np.zeros((1, 2, 2))
    singular[0, 0, 0] = 1.0
    assert not _spans(singular)

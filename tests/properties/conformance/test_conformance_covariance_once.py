"""A covariance is validated and factorised once per call path in the testing library.

The battery's problems carry a :class:`verify.covariance.Covariance` built once from their
``cov`` (``case.covariance``) and handed on to every problem derived from them; the
reference explainers and the adapters validate the ``cov`` they are called with once and
use its factor. Each test counts ``numpy.linalg.cholesky`` calls (where every
factorisation of a covariance ends up) on one whole call path.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from properties.conformance import references
from properties.strategies import battery as SB
from verify.functions import RidgeFunction


@pytest.fixture
def choleskys(monkeypatch):
    """The number of numpy.linalg.cholesky calls so far (a list holding one count)."""
    count = [0]
    original = np.linalg.cholesky

    def counted(a, *args, **kwargs):
        count[0] += 1
        return original(a, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "cholesky", counted)
    return count


COV = np.array([[1.0, 0.3, 0.0], [0.3, 0.5, 0.1], [0.0, 0.1, 2.0]])
F = RidgeFunction(np.array([0.5, -1.0, 0.25]), 0.1, "sin")
X0 = np.array([0.2, -0.1, 0.4])


@pytest.mark.parametrize(
    "make",
    [
        references.clime,
        references.rqmc_smoothgrad,
        references.importance_smoothgrad,
        references.covariance_clime,
        references.antithetic_smoothgrad,
    ],
    ids=lambda make: make.__name__,
)
def test_a_reference_explainer_factorises_its_covariance_once_per_call(make, choleskys):
    explainer = make()
    out = explainer(F, X0, COV, 64, 3)
    assert out.shape == (3,) and np.all(np.isfinite(out))
    assert choleskys[0] == 1


def test_an_adapter_factorises_its_covariance_once_per_call(choleskys):
    pytest.importorskip("saliency.core", reason="saliency is not installed")
    from properties.adapters.saliency import saliency_smoothgrad

    out = saliency_smoothgrad()(F, X0, COV, 16, 3)
    assert out.shape == (3,) and np.all(np.isfinite(out))
    assert choleskys[0] == 1


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(SB.cases(max_dim=4, n_range=(1, 64)))
def test_a_drawn_problem_holds_its_covariance_and_derived_problems_share_it(case):
    covariance = case.covariance
    assert covariance is case.covariance  # built once, then held
    assert np.array_equal(covariance.matrix, case.cov)
    assert case.condition == covariance.condition_number
    derived = case.replace(extras={"w": 1.0}, family="other")
    assert derived.covariance is covariance and derived.extras == {"w": 1.0}
    assert derived.cov is case.cov and derived.family == "other"
    other = case.replace(cov=2.0 * case.cov)  # another cov: validated afresh
    assert other.covariance is not covariance
    assert np.allclose(other.covariance.eigenvalues, 2.0 * covariance.eigenvalues)

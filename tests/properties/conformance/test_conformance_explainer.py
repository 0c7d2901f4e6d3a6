"""Explainer tags: validated, with messages that say how to fix them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from properties import Explainer
from properties.conformance import as_explainer, expected_explanation
from properties.conformance.references import clime, smoothgrad
from verify import closed_form
from verify.functions import RBFMixture
from verify.validation import InputError


def _explain(f, x0, cov, n, seed):
    return np.zeros(f.dim)


def test_missing_tags_say_which_and_how():
    with pytest.raises(InputError, match=r"missing tag\(s\) covariance, stochastic.*declare"):
        Explainer(_explain, kind="gradient")


def test_unknown_tag_suggests_the_close_one():
    with pytest.raises(InputError, match="unknown tag 'kernel'; did you mean 'kernel_width'"):
        Explainer(_explain, kind="gradient", covariance="full", stochastic=True, kernel=1.0)


@pytest.mark.parametrize(
    ("tags", "phrase"),
    [
        ({"kind": "smoothgrad"}, "unknown kind='smoothgrad'"),
        ({"covariance": "spherical"}, "unknown covariance='spherical'"),
        ({"stochastic": "yes"}, "stochastic must be True or False"),
        ({"ridge_alpha": -1.0, "kind": "perturbation"}, "ridge_alpha must be finite and >= 0"),
        ({"kernel_width": 0.0, "kind": "perturbation"}, "kernel_width must be finite and > 0"),
        ({"kernel_width": 1.0}, "a gradient explainer has no ridge or kernel"),
        (
            {"ridge_alpha": 1.0, "ridge_lambda": 0.1, "kind": "perturbation"},
            "declare the ridge once",
        ),
        ({"units": "standardized", "kind": "perturbation"}, "covariance='diagonal' or"),
        ({"precision": "float16"}, "unknown precision"),
    ],
)
def test_bad_tags_are_refused_with_a_fix(tags, phrase):
    base = {"kind": "gradient", "covariance": "full", "stochastic": True}
    with pytest.raises(InputError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        Explainer(_explain, **{**base, **tags})


def test_not_callable_is_refused():
    with pytest.raises(InputError, match="must be a callable"):
        Explainer(42, kind="gradient", covariance="full", stochastic=True)


def test_tags_round_trip_through_json_and_repr():
    e = clime(ridge_alpha=1.0, kernel_width=2.0, units="standardized")
    assert json.loads(json.dumps(e.tags)) == e.tags
    assert "ridge_alpha=1.0" in repr(e) and "units='standardized'" in repr(e)
    assert e.supports("diagonal") and not e.supports("full")


def test_as_explainer_reads_declared_tags_and_refuses_double_tags():
    def explain(f, x0, cov, n, seed):
        return np.zeros(f.dim)

    explain.__explainer_tags__ = {"kind": "gradient", "covariance": "isotropic"}
    e = as_explainer(explain, {"stochastic": False})
    assert e.covariance == "isotropic" and e.stochastic is False
    with pytest.raises(InputError, match="already an Explainer"):
        as_explainer(e, {"kind": "gradient"})


def test_perturbation_target_is_the_engine_closed_form_in_raw_units(rng):
    # units="raw": our (cov' + lambda I)^{-1} Cov_{cov'} must equal verify.closed_form.clime.
    d = 3
    f = RBFMixture(rng.normal(size=2), rng.normal(size=(2, d)), np.eye(d))
    x0 = rng.normal(size=d)
    cov = np.diag([0.3, 0.8, 1.5])
    e = clime(ridge_lambda=0.07, kernel_width=1.3)
    value, error = expected_explanation(e, f, x0, cov, 500)
    expected = closed_form.clime(f, x0, cov, ridge=0.07, kernel_width=1.3)
    np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-14)
    assert np.all(error == 0)


def test_standardized_target_is_clients_md_shrunk_smoothgrad(rng):
    # lime (docs/clients.md): raw slopes -> k T(x0, c D), c = kw^2 / (1 + kw^2),
    # k = n E[pi] c / (n E[pi] c + alpha), E[pi] = (1 + 1/kw^2)^(-d/2).
    d, n, kw, alpha = 3, 400, 1.7, 1.0
    f = RBFMixture(rng.normal(size=2), rng.normal(size=(2, d)), np.eye(d))
    x0 = rng.normal(size=d)
    D = np.diag([0.2, 0.6, 1.1])
    e = clime(ridge_alpha=alpha, kernel_width=kw, units="standardized")
    c = kw**2 / (1 + kw**2)
    mean_pi = (1 + 1 / kw**2) ** (-d / 2)
    k = n * mean_pi * c / (n * mean_pi * c + alpha)
    expected = k * closed_form.smoothgrad(f, x0, c * D)
    np.testing.assert_allclose(expected_explanation(e, f, x0, D, n)[0], expected, rtol=1e-10)


def test_gradient_target_is_expected_smoothgrad(rng):
    f = RBFMixture([1.0], rng.normal(size=(1, 2)), np.eye(2))
    x0, cov = rng.normal(size=2), np.array([[0.5, 0.2], [0.2, 0.4]])
    value, _ = expected_explanation(smoothgrad(), f, x0, cov, 10)
    np.testing.assert_allclose(value, closed_form.smoothgrad(f, x0, cov), rtol=1e-12)


@pytest.mark.parametrize("kind", ["gradiant", ["gradient"], "shapely"])
def test_an_unknown_kind_is_named_before_the_tags_it_would_need(kind):
    from verify import estimators

    with pytest.raises(InputError, match=r"unknown kind=.*declare one of 'gradient'"):
        Explainer(estimators.smoothgrad, kind=kind, stochastic=True)

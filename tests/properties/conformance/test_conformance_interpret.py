"""InterpretML's LimeTabular as a client: a thin wrapper of lime, configured as lime is.

Configured (continuous features, around the instance, every feature kept, a
fresh seed per call, raw units) it passes every check that applies against
lime's C-LIME closed form; interpret's defaults fail, each deviation on the
check that names it (properties/adapters/interpret.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip(
    "interpret.blackbox",
    reason="interpret is not installed: pip install 'xai-verify[interpret]'",
)

from properties.adapters import lime_tabular
from properties.adapters.interpret import LIBRARY_DEFAULTS, interpret_lime_tabular
from properties.conformance import Settings, check_explainer

QUICK = Settings(replicates=12, n_convergence=1000, n_rate=(40, 2000))


def _failed(results):
    return {r.name: r.message for r in results if r.status == "failed"}


def _run(e, checks, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_explainer(e, on_fail=None, settings=QUICK, checks=checks, **kwargs)


class _Sine:
    def __init__(self, d):
        self.dim = d
        self.w = np.linspace(-1.0, 1.2, d)

    def __call__(self, x):
        return np.sin(np.atleast_2d(x) @ self.w)

    def gradient(self, x):
        return np.cos(np.atleast_2d(x) @ self.w)[:, None] * self.w


def test_configured_interpret_passes_the_fast_checks():
    e = interpret_lime_tabular()
    assert e.expected_failed_checks == {}
    assert (e.ridge_alpha, e.units, e.covariance) == (1.0, "standardized", "diagonal")
    checks = [
        "check_output_contract",
        "check_proportionality_affine",
        "check_translation_equivariance",
        "check_scale_equivariance",
        "check_correlated_covariance",
    ]
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=checks)
    assert [r.status for r in results] == ["passed"] * len(checks)
    corr = next(r for r in results if r.name == "check_correlated_covariance")
    assert "refused" in corr.figures  # lime scales per feature: a correlated cov is refused


def test_interpret_returns_lime_coefficients_unchanged():
    # Same data, same random_state: interpret's scores are lime's, feature by feature.
    f, x0, cov = _Sine(4), np.array([0.2, -0.3, 0.5, 0.1]), np.diag([0.3, 0.5, 0.2, 0.4])
    for seed in (0, 7):
        ours = interpret_lime_tabular()(f, x0, cov, 500, seed)
        theirs = lime_tabular()(f, x0, cov, 500, seed)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_interpret_overwrites_mode_with_regression():
    from interpret.blackbox import LimeTabular

    f = _Sine(2)
    explainer = LimeTabular(f, np.array([[-1.0, -1.0], [1.0, 1.0]]), mode="classification")
    assert explainer.lime_.mode == "regression"


def test_lime_num_features_truncates_with_feature_selection():
    # d = 12 > 10 = lime's num_features: with feature_selection='auto' two features get
    # no score; with 'none' (configured) all twelve do.
    f, x0, cov = _Sine(12), np.zeros(12), 0.25 * np.eye(12)
    truncated = interpret_lime_tabular(feature_selection="auto", num_features=10)(
        f, x0, cov, 500, 1
    )
    assert np.count_nonzero(truncated) == 10
    assert np.count_nonzero(interpret_lime_tabular(num_features=10)(f, x0, cov, 500, 1)) == 12


def test_truncation_fails_linearity_once_d_exceeds_num_features():
    e = interpret_lime_tabular(feature_selection="auto", num_features=10)
    failed = _failed(
        check_explainer(
            e,
            on_fail=None,
            settings=Settings(dim=12, replicates=12, n_convergence=1000, n_rate=(40, 2000)),
            seed=1,
            checks=["check_linearity"],
        )
    )
    assert "feature selection" in failed["check_linearity"]
    # At the battery's default d = 3 <= 10 nothing is truncated: linearity holds.
    assert not _failed(_run(e, ["check_linearity"]))


@pytest.mark.parametrize(
    ("deviation", "check", "cause"),
    [
        ({"discretize_continuous": True}, "check_scale_equivariance", "discretize_continuous"),
        (
            {"sample_around_instance": False},
            "check_translation_equivariance",
            "sample_around_instance=False",
        ),
        ({"random_state": None}, "check_seed_reproducibility", "a global generator"),
        ({"num_samples": 5000}, "check_rate", "n silently capped"),
        ({"to_raw_units": False}, "check_proportionality_affine", "standardised units"),
    ],
    ids=["discretized", "around_mean", "global_rng", "fixed_num_samples", "standardized"],
)
def test_each_library_default_fails_the_check_naming_it(deviation, check, cause):
    e = interpret_lime_tabular(**deviation)
    assert check in e.expected_failed_checks
    assert cause in _failed(_run(e, [check]))[check]


def test_library_defaults_fail_their_declared_checks():
    e = interpret_lime_tabular(**LIBRARY_DEFAULTS)
    named = ["check_seed_reproducibility", "check_translation_equivariance", "check_rate"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_explainer(
            e,
            expected_failed_checks=e.expected_failed_checks,
            on_fail="raise",
            settings=QUICK,
            checks=named,
        )
    assert [r.status for r in results] == ["xfail"] * len(named)


def test_missing_client_raises_import_error_with_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "interpret.blackbox", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'xai-verify\[interpret\]'"):
        interpret_lime_tabular()


@pytest.mark.slow
def test_configured_interpret_passes_the_full_battery_over_seeds():
    failures = []
    for seed in range(2):
        for r in check_explainer(interpret_lime_tabular(), on_fail=None, seed=seed):
            if r.status == "failed":
                failures.append((seed, r.message[:300]))
    assert not failures


@pytest.mark.slow
def test_library_defaults_fail_only_their_declared_checks_over_the_battery():
    e = interpret_lime_tabular(**LIBRARY_DEFAULTS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(2):
            check_explainer(
                e, expected_failed_checks=e.expected_failed_checks, on_fail="raise", seed=seed
            )

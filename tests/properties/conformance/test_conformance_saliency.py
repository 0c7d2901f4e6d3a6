"""PAIR saliency as a client: configured (whitened, magnitude=False, nsamples=n) it passes.

What ``GetSmoothedMask`` computes is read from its installed source and
documented in properties/adapters/saliency.py; the direct tests below measure
the claims (noise std = stdev_spread x range of the input, squared gradients
with magnitude=True, the global numpy generator) on functions with known
expectations.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip(
    "saliency.core", reason="saliency is not installed: pip install 'xai-verify[saliency]'"
)

from properties.adapters.saliency import LIBRARY_DEFAULTS, saliency_smoothgrad
from properties.conformance import Settings, check_explainer

QUICK = Settings(replicates=12, n_convergence=1000, n_rate=(40, 2000))
# The default run checks the contract and the exact identities plus one closed-form
# check; the whole battery runs under -m slow.
FAST = [
    "check_output_contract",
    "check_seed_reproducibility",
    "check_proportionality_affine",
    "check_linearity",
    "check_translation_equivariance",
    "check_scale_equivariance",
    "check_sign_and_scale",
]


def _failed(results):
    return {r.name: r.message for r in results if r.status == "failed"}


class _Cubic:
    """f(x) = sum_j x_j^3 / 3: E[grad f]_j = x0_j^2 + s_j^2 under noise of std s_j."""

    dim = 3

    def __call__(self, x):
        return np.sum(np.atleast_2d(x) ** 3, axis=1) / 3

    def gradient(self, x):
        return np.atleast_2d(x) ** 2


class _Affine:
    dim = 3
    w = np.array([1.0, -2.0, 0.5])

    def __call__(self, x):
        return np.atleast_2d(x) @ self.w + 1.0

    def gradient(self, x):
        return np.tile(self.w, (np.atleast_2d(x).shape[0], 1))


def test_configured_saliency_passes_the_fast_checks():
    e = saliency_smoothgrad()
    assert e.expected_failed_checks == {}
    assert (e.kind, e.covariance, e.precision) == ("gradient", "full", "float32")
    checks = [*FAST, "check_small_sigma_limit", "check_convergence"]
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=checks)
    assert [r.status for r in results] == ["passed"] * len(checks)


def test_noise_std_is_stdev_spread_times_the_range_and_cov_is_ignored():
    x0 = np.array([0.0, 1.0, 0.5])  # range 1
    out = saliency_smoothgrad(stdev_spread=0.3)(_Cubic(), x0, 0.01 * np.eye(3), 40_000, 5)
    assert np.allclose(out - x0**2, 0.3**2, rtol=0.15)
    # Configured: the declared per-feature variances.
    variances = np.array([0.04, 0.25, 0.09])
    out = saliency_smoothgrad()(_Cubic(), x0, np.diag(variances), 40_000, 5)
    assert np.allclose(out - x0**2, variances, rtol=0.15)


def test_magnitude_true_averages_squared_gradients():
    x0 = np.array([0.2, -0.1, 0.4])
    squared = saliency_smoothgrad(magnitude=True)(_Affine(), x0, 0.3 * np.eye(3), 50, 0)
    assert np.allclose(squared, _Affine.w**2, rtol=1e-4)
    plain = saliency_smoothgrad()(_Affine(), x0, 0.3 * np.eye(3), 50, 0)
    assert np.allclose(plain, _Affine.w, rtol=1e-4)


def test_the_callers_global_numpy_generator_is_left_as_it_was():
    # saliency draws from the legacy global generator; the adapter seeds it and restores it.
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.random_sample()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    saliency_smoothgrad()(_Cubic(), np.zeros(3), np.eye(3), 40, 9)
    assert np.random.random_sample() == expected  # noqa: NPY002


def test_stdev_spread_fails_the_checks_naming_the_noise_scale():
    # saliency's noise is stdev_spread x (max - min of x0), whatever cov is.
    e = saliency_smoothgrad(stdev_spread=0.15)
    settings = dataclasses.replace(QUICK, min_dim=2)
    (aniso,) = check_explainer(
        e, on_fail=None, settings=settings, seed=1, checks=["check_anisotropic_covariance"]
    )
    assert "not drawn with the covariance's factor" in aniso.message
    # The small-sigma check sees it on some problems only: at x0 = 0 saliency adds no
    # noise at all (the answer is then right), and far from the origin a float32
    # explainer cannot resolve small noise (the check raises eps there). Measured: 4 of
    # these 8 seeds under Hypothesis 6.100 and under the newest release.
    small = [
        check_explainer(
            e, on_fail=None, settings=settings, seed=seed, checks=["check_small_sigma_limit"]
        )[0]
        for seed in range(8)
    ]
    assert any("not scaled by the covariance" in r.message for r in small)


def test_fixed_nsamples_fails_rate():
    e = saliency_smoothgrad(nsamples=25)
    assert set(e.expected_failed_checks) == {"check_rate"}
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=["check_rate"])
    assert "n silently capped" in _failed(results)["check_rate"]


def test_magnitude_true_fails_proportionality_and_linearity():
    e = saliency_smoothgrad(magnitude=True)
    assert e.covariance == "diagonal"  # squares map back to raw units for a diagonal cov only
    results = check_explainer(
        e,
        on_fail=None,
        settings=QUICK,
        checks=["check_proportionality_affine", "check_linearity"],
    )
    failed = _failed(results)
    assert "check_proportionality_affine" in failed
    assert "not linear in f" in failed["check_linearity"]


def test_library_defaults_fail_their_declared_checks():
    e = saliency_smoothgrad(**LIBRARY_DEFAULTS)
    named = [
        "check_proportionality_affine",
        "check_linearity",
        "check_small_sigma_limit",
        "check_rate",
        "check_anisotropic_covariance",
    ]
    results = check_explainer(
        e,
        expected_failed_checks=e.expected_failed_checks,
        on_fail="raise",
        settings=QUICK,
        seed=1,
        checks=named,
    )
    assert [r.status for r in results] == ["xfail"] * len(named)


def test_missing_client_raises_import_error_with_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "saliency.core", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'xai-verify\[saliency\]'"):
        saliency_smoothgrad()


@pytest.mark.slow
def test_configured_saliency_passes_the_full_battery_over_seeds():
    failures = []
    for seed in range(2):
        for r in check_explainer(saliency_smoothgrad(), on_fail=None, seed=seed):
            if r.status == "failed":
                failures.append((seed, r.message[:300]))
    assert not failures


@pytest.mark.slow
def test_library_defaults_fail_only_their_declared_checks_over_the_battery():
    e = saliency_smoothgrad(**LIBRARY_DEFAULTS)
    for seed in range(2):
        check_explainer(
            e, expected_failed_checks=e.expected_failed_checks, on_fail="raise", seed=seed
        )

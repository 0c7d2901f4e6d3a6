"""zennit as a client: configured (whitened, attr_output=ones, debiased) it passes.

What zennit's SmoothGrad computes is read from its installed source and
documented in properties/adapters/zennit.py; the direct tests below measure
each claim (noise std = noise_level x range of the input, one noise-free sample
among n_iter, f grad f with the default attr_output) on functions whose
expectations are known in closed form.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

_HINT = "zennit is not installed: pip install torch==2.13.0, then pip install 'xai-verify[zennit]'"
pytest.importorskip("torch", reason=_HINT)
# Not importorskip("zennit"): zennit's package __init__ imports torchvision, whose PyPI
# wheels do not import with torch's CPU build (the adapter loads zennit/attribution.py).
if importlib.util.find_spec("zennit") is None:
    pytest.skip(_HINT, allow_module_level=True)

from properties.adapters.zennit import LIBRARY_DEFAULTS, zennit_smoothgrad
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


class _Sine:
    """f(x) = sin(w^T x + b): E[grad f] under N(x0, s^2 I) is cos(m) exp(-s^2 |w|^2 / 2) w."""

    def __init__(self, w, b):
        self.w, self.b, self.dim = np.asarray(w, float), float(b), len(w)

    def __call__(self, x):
        return np.sin(np.atleast_2d(x) @ self.w + self.b)

    def gradient(self, x):
        return np.cos(np.atleast_2d(x) @ self.w + self.b)[:, None] * self.w


class _Cubic:
    """f(x) = sum_j x_j^3 / 3: E[grad f]_j = (x0_j)^2 + s^2 under isotropic noise of std s."""

    def __init__(self, d):
        self.dim = d

    def __call__(self, x):
        return np.sum(np.atleast_2d(x) ** 3, axis=1) / 3

    def gradient(self, x):
        return np.atleast_2d(x) ** 2


def test_configured_zennit_passes_the_fast_checks():
    e = zennit_smoothgrad()
    assert e.expected_failed_checks == {}
    assert (e.kind, e.covariance, e.precision) == ("gradient", "full", "float64")
    results = check_explainer(
        e, on_fail=None, settings=QUICK, checks=[*FAST, "check_small_sigma_limit"]
    )
    assert [r.status for r in results] == ["passed"] * (len(FAST) + 1)


def test_noise_std_is_noise_level_times_the_range_of_the_input():
    # With noise_level given, zennit sees x0 itself: std = noise_level (max x0 - min x0),
    # whatever cov says. E[grad f]_j - x0_j^2 is the noise variance for this cubic.
    x0 = np.array([0.0, 1.0, 0.5])  # range 1
    f = _Cubic(3)
    e = zennit_smoothgrad(noise_level=0.3, n_iter=201, copies=200)  # 40,000 noisy samples
    out = e(f, x0, 0.01 * np.eye(3), 10, 3)  # cov and n are ignored
    assert np.allclose(out - x0**2, 0.3**2, rtol=0.15)
    # The configured adapter draws the declared covariance instead.
    out = zennit_smoothgrad()(f, x0, 0.25 * np.eye(3), 40_000, 3)
    assert np.allclose(out - x0**2, 0.25, rtol=0.15)


def test_one_sample_in_n_iter_is_noise_free_and_debias_removes_it():
    # n_iter = 2: one noisy gradient and the gradient at x0 itself, so zennit's mean is
    # (SG + grad f(x0)) / 2; the debiased adapter returns SG.
    w, b, s = np.array([1.0, -0.5, 0.8]), 0.2, 1.0
    f, x0, cov = _Sine(w, b), np.array([0.1, 0.3, -0.2]), s**2 * np.eye(3)
    m = float(w @ x0 + b)
    sg = np.cos(m) * np.exp(-(s**2) * (w @ w) / 2) * w
    g0 = np.cos(m) * w
    zennit_raw, zennit_debiased = zennit_smoothgrad(debias=False), zennit_smoothgrad()
    raw = np.array([zennit_raw(f, x0, cov, 2, k) for k in range(300)])
    fixed = np.array([zennit_debiased(f, x0, cov, 1, k) for k in range(300)])
    se_raw = raw.std(axis=0, ddof=1) / np.sqrt(len(raw))
    se_fixed = fixed.std(axis=0, ddof=1) / np.sqrt(len(fixed))
    assert np.all(np.abs(raw.mean(axis=0) - (sg + g0) / 2) < 5 * se_raw)
    assert np.all(np.abs(raw.mean(axis=0) - sg) > 5 * se_raw)
    assert np.all(np.abs(fixed.mean(axis=0) - sg) < 5 * se_fixed)


def test_default_attr_output_averages_f_times_grad_f():
    # attr_output=None is the identity: each sample is f(x) grad f(x). For affine f with a
    # tiny noise that is f(x0) w, not w.
    w = np.array([1.0, -2.0, 0.5])

    class Affine:
        dim = 3

        def __call__(self, x):
            return np.atleast_2d(x) @ w + 3.0

        def gradient(self, x):
            return np.tile(w, (np.atleast_2d(x).shape[0], 1))

    x0 = np.array([0.2, 0.1, -0.4])
    out = zennit_smoothgrad(attr_output=None)(Affine(), x0, 1e-8 * np.eye(3), 20, 0)
    assert np.allclose(out, (w @ x0 + 3.0) * w, rtol=1e-3)
    assert np.allclose(zennit_smoothgrad()(Affine(), x0, 1e-8 * np.eye(3), 20, 0), w)


def test_noise_level_fails_the_checks_naming_the_noise_scale():
    e = zennit_smoothgrad(noise_level=0.1)
    assert "check_small_sigma_limit" in e.expected_failed_checks
    results = check_explainer(
        e, on_fail=None, settings=QUICK, seed=1, checks=["check_small_sigma_limit"]
    )
    assert "not scaled by the covariance" in _failed(results)["check_small_sigma_limit"]


def test_fixed_n_iter_fails_rate_only():
    e = zennit_smoothgrad(n_iter=20)
    assert set(e.expected_failed_checks) == {"check_rate"}
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=["check_rate"])
    assert "n silently capped" in _failed(results)["check_rate"]


def test_default_attr_output_fails_linearity():
    e = zennit_smoothgrad(attr_output=None)
    results = check_explainer(
        e,
        on_fail=None,
        settings=QUICK,
        checks=["check_linearity", "check_proportionality_affine"],
    )
    failed = _failed(results)
    assert "not linear in f" in failed["check_linearity"]
    assert "check_proportionality_affine" in failed


def test_library_defaults_fail_their_declared_checks():
    e = zennit_smoothgrad(**LIBRARY_DEFAULTS)
    named = ["check_small_sigma_limit", "check_rate", "check_linearity"]
    results = check_explainer(
        e,
        expected_failed_checks=e.expected_failed_checks,
        on_fail="raise",
        settings=QUICK,
        seed=1,
        checks=named,
    )
    assert [r.status for r in results] == ["xfail"] * 3


def test_missing_client_raises_import_error_with_install_hint(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "zennit", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'xai-verify\[zennit\]'"):
        zennit_smoothgrad()


@pytest.mark.slow
def test_configured_zennit_passes_the_full_battery_over_seeds():
    failures = []
    for seed in range(2):
        for r in check_explainer(zennit_smoothgrad(), on_fail=None, seed=seed):
            if r.status == "failed":
                failures.append((seed, r.message[:300]))
    assert not failures


@pytest.mark.slow
def test_library_defaults_fail_only_their_declared_checks_over_the_battery():
    e = zennit_smoothgrad(**LIBRARY_DEFAULTS)
    for seed in range(2):
        check_explainer(
            e, expected_failed_checks=e.expected_failed_checks, on_fail="raise", seed=seed
        )

"""captum as a client: correctly configured it passes; the negative controls fail on their cause.

Default-run sizes are reduced (Settings below: fewer replicates, smaller n); the
false-alarm guarantee per check does not depend on them, only the power does.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

pytest.importorskip("captum", reason="captum is not installed: pip install 'xai-verify[captum]'")

from properties.adapters import captum_lime, captum_limebase, captum_smoothgrad
from properties.adapters.captum import LIBRARY_DEFAULTS
from properties.conformance import Settings, check_explainer

QUICK = Settings(replicates=12, n_convergence=1000, n_rate=(40, 2000))


def test_captum_is_handed_a_plain_function_whose_signature_it_can_read():
    # captum's _run_forward calls inspect.signature(forward_func); a builtin
    # torch.autograd.Function.apply has none on some Pythons ("no signature found for
    # builtin"), so the adapters wrap it in a plain Python function.
    import inspect

    import torch

    from properties.adapters.captum import _torch_model

    f = _Affine()
    model = _torch_model(torch, f)
    assert list(inspect.signature(model).parameters) == ["u"]
    u = torch.tensor([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]], dtype=torch.float64, requires_grad=True)
    out = model(u)
    (grad,) = torch.autograd.grad(out.sum(), u)
    assert np.allclose(out.detach().numpy(), f(u.detach().numpy()))
    assert np.allclose(grad.numpy(), f.gradient(u.detach().numpy()))


def test_captum_explainers_pickle_and_draw_exactly_n_gradients():
    import pickle

    e = pickle.loads(pickle.dumps(captum_smoothgrad()))
    # For affine f every noisy gradient is w: any miscount of the n draws would show.
    for n in (1, 7, 256, 257, 1000):
        assert np.allclose(e(_Affine(), np.zeros(3), np.eye(3), n, 0), _Affine.w, rtol=1e-6)
    for make in (captum_limebase, captum_lime):
        pickle.loads(pickle.dumps(make()))


def _failed(results):
    return {r.name: r.message for r in results if r.status == "failed"}


def test_captum_smoothgrad_full_covariance_passes_every_check():
    results = check_explainer(captum_smoothgrad(), on_fail=None, settings=QUICK)
    assert {r.status for r in results} == {"passed"}  # every check applies and passes


# LimeBase is slow per call (a Python loop over samples): the default run checks the
# contract, the exact identities and one closed-form check; the whole battery at full
# size is test_captum_clients_pass_at_full_size_over_seeds (-m slow).
LIMEBASE_FAST = [
    "check_output_contract",
    "check_seed_reproducibility",
    "check_proportionality_affine",
    "check_linearity",
    "check_translation_equivariance",
    "check_convergence",
]


def test_captum_limebase_as_clime_passes_the_fast_checks():
    results = check_explainer(captum_limebase(), on_fail=None, settings=QUICK, checks=LIMEBASE_FAST)
    assert [r.status for r in results] == ["passed"] * len(LIMEBASE_FAST), _failed(results)


def test_negative_control_saliency_default_abs_fails_sign_and_scale_naming_abs():
    e = captum_smoothgrad(absolute=None)  # Saliency's default abs=True
    results = check_explainer(
        e, on_fail=None, settings=QUICK, checks=["check_sign_and_scale", "check_linearity"]
    )
    failed = _failed(results)
    assert "absolute values" in failed["check_sign_and_scale"]
    assert "abs=True" in failed["check_sign_and_scale"]
    assert "check_linearity" in failed


def test_negative_control_captum_lime_defaults_fails_units_naming_baseline_masking():
    # captum's Lime evaluates one sample per forward call (perturbations_per_eval=1): each
    # of its failures takes a second look over R seeds, so the first failure is not shrunk.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_explainer(
            captum_lime(),
            on_fail=None,
            settings=dataclasses.replace(QUICK, shrink_calls=0),
            checks=["check_scale_equivariance", "check_proportionality_affine"],
        )
    failed = _failed(results)
    assert "output units" in failed["check_scale_equivariance"]
    assert "baseline masks" in failed["check_scale_equivariance"]
    assert "check_proportionality_affine" in failed


@pytest.mark.slow
@pytest.mark.parametrize("make", [captum_smoothgrad, captum_limebase])
def test_captum_clients_pass_at_full_size_over_seeds(make):
    failures = []
    for seed in range(3):
        for r in check_explainer(make(), on_fail=None, seed=seed):
            if r.status == "failed":
                failures.append((seed, r.message[:300]))
    assert not failures


# -- NoiseTunnel's other modes, per-feature stdevs, captum's own defaults ---------------


class _Affine:
    dim = 3
    w = np.array([1.0, -2.0, 0.5])

    def __call__(self, x):
        return np.atleast_2d(x) @ self.w + 1.0

    def gradient(self, x):
        return np.tile(self.w, (np.atleast_2d(x).shape[0], 1))


def test_captum_per_feature_stdevs_passes_every_check_for_a_diagonal_cov():
    e = captum_smoothgrad(stdevs="per_feature")
    assert e.covariance == "diagonal" and e.expected_failed_checks == {}
    checks = [
        "check_proportionality_affine",
        "check_linearity",
        "check_scale_equivariance",
        "check_anisotropic_covariance",
        "check_correlated_covariance",
    ]
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=checks)
    assert [r.status for r in results] == ["passed"] * len(checks)
    corr = next(r for r in results if r.name == "check_correlated_covariance")
    assert "refused" in corr.figures  # one float per input tensor: no correlation


def test_captum_default_configuration_declares_no_failure():
    assert captum_smoothgrad().expected_failed_checks == {}


def test_smoothgrad_sq_and_vargrad_are_the_mean_square_and_the_variance():
    # For affine f every gradient is w: E[g^2] = w^2 and Var[g] = 0, exactly.
    x0, cov = np.array([0.2, -0.1, 0.4]), np.diag([0.3, 0.5, 0.2])
    sq = captum_smoothgrad(nt_type="smoothgrad_sq")(_Affine(), x0, cov, 64, 0)
    var = captum_smoothgrad(nt_type="vargrad")(_Affine(), x0, cov, 64, 0)
    assert np.allclose(sq, _Affine.w**2, rtol=1e-5)
    assert np.allclose(var, 0.0, atol=1e-5)


@pytest.mark.parametrize("nt_type", ["smoothgrad_sq", "vargrad"])
def test_negative_control_nt_types_fail_proportionality(nt_type):
    e = captum_smoothgrad(nt_type=nt_type)
    assert e.covariance == "diagonal"  # per-feature stdevs: no linear map back from whitening
    results = check_explainer(
        e, on_fail=None, settings=QUICK, checks=["check_proportionality_affine"]
    )
    assert "check_proportionality_affine" in _failed(results)  # w^2 or 0 for affine f, not w


def test_negative_control_smoothgrad_sq_fails_linearity():
    e = captum_smoothgrad(nt_type="smoothgrad_sq")
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=["check_linearity"])
    assert "not linear in f" in _failed(results)["check_linearity"]


def test_negative_control_fixed_stdevs_fails_small_sigma_naming_the_covariance():
    e = captum_smoothgrad(stdevs=1.0)  # captum's default: an absolute std, cov ignored
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=["check_small_sigma_limit"])
    assert "not scaled by the covariance" in _failed(results)["check_small_sigma_limit"]


def test_negative_control_fixed_nt_samples_fails_rate():
    e = captum_smoothgrad(nt_samples=5)
    results = check_explainer(e, on_fail=None, settings=QUICK, checks=["check_rate"])
    assert "n silently capped" in _failed(results)["check_rate"]


def test_captum_library_defaults_fail_their_declared_checks():
    e = captum_smoothgrad(**LIBRARY_DEFAULTS)
    named = ["check_linearity", "check_small_sigma_limit", "check_rate"]
    results = check_explainer(
        e,
        expected_failed_checks=e.expected_failed_checks,
        on_fail="raise",
        settings=QUICK,
        checks=named,
    )
    assert [r.status for r in results] == ["xfail"] * len(named)


@pytest.mark.slow
def test_captum_per_feature_and_library_defaults_at_full_size():
    failures = []
    for seed in range(3):
        for r in check_explainer(captum_smoothgrad(stdevs="per_feature"), on_fail=None, seed=seed):
            if r.status == "failed":
                failures.append((seed, r.message[:300]))
        e = captum_smoothgrad(**LIBRARY_DEFAULTS)
        check_explainer(
            e, expected_failed_checks=e.expected_failed_checks, on_fail="raise", seed=seed
        )
    assert not failures

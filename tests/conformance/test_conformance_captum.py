"""captum as a client: correctly configured it passes; the negative controls fail on their cause.

Default-run sizes are reduced (Settings below: fewer replicates, smaller n); the
false-alarm guarantee per check does not depend on them, only the power does.
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("captum", reason="captum is not installed: pip install 'xai-verify[captum]'")

from properties.adapters import captum_lime, captum_limebase, captum_smoothgrad
from properties.conformance import Settings, check_explainer

QUICK = Settings(replicates=12, n_convergence=1000, n_rate=(40, 2000))


def _failed(results):
    return {r.name: r.message for r in results if r.status == "failed"}


def test_captum_smoothgrad_full_covariance_passes_every_check():
    results = check_explainer(captum_smoothgrad(), on_fail=None, settings=QUICK)
    assert not _failed(results)
    assert sum(r.status == "passed" for r in results) == 17


def test_captum_limebase_as_clime_passes_every_check_that_applies():
    results = check_explainer(captum_limebase(), on_fail=None, settings=QUICK)
    assert not _failed(results)
    skipped = {r.name for r in results if r.status == "skipped"}
    assert skipped == {"check_small_sigma_limit"}  # a gradient-only check


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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_explainer(
            captum_lime(),
            on_fail=None,
            settings=QUICK,
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

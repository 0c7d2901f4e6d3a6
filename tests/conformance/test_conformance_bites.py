"""Every check bites: each broken explainer of the catalogue fails the check that targets it.

The catalogue (conformance_broken.py) holds one explainer per usual mistake;
each declares what a correct implementation would declare. Its targeted
check must fail and name the cause; the slow test repeats this over many
seeds to show the detection does not depend on a lucky draw.
"""

from __future__ import annotations

import warnings

import pytest
from conformance_broken import CATALOGUE, hangs

from properties import Explainer, check_explainer
from properties.conformance import Settings

IDS = [e.name for e, _, _ in CATALOGUE]


def test_the_catalogue_covers_the_issue_list_and_every_family_of_checks():
    assert len(CATALOGUE) >= 12
    targeted = {check for _, check, _ in CATALOGUE}
    assert len(targeted) >= 14


@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_broken_explainer_fails_its_targeted_check_naming_the_cause(explainer, target, phrase):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (result,) = check_explainer(explainer, on_fail=None, checks=[target])
    assert result.status == "failed", f"{explainer.name} passed {target}"
    assert phrase in result.message, result.message
    assert f"[seed={result.seed}]" in result.message and "Usual cause:" in result.message


def test_broken_explainers_fail_the_battery_as_a_whole():
    # The whole battery on each broken explainer: the targeted check is among the failures.
    for explainer, target, _ in CATALOGUE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            results = check_explainer(explainer, on_fail=None)
        failed = {r.name for r in results if r.status == "failed"}
        assert target in failed, (explainer.name, sorted(failed))


def test_a_hanging_explainer_is_stopped_by_the_time_limit():
    e = Explainer(hangs, kind="gradient", covariance="full", stochastic=True)
    (result,) = check_explainer(
        e, on_fail=None, settings=Settings(time_limit=0.3), checks=["check_convergence"]
    )
    assert result.status == "failed" and "time limit" in result.message


@pytest.mark.slow
@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_detection_does_not_depend_on_the_seed(explainer, target, phrase):
    missed = []
    for seed in range(1, 41):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            (result,) = check_explainer(explainer, on_fail=None, seed=seed, checks=[target])
        if not (result.status == "failed" and phrase in result.message):
            missed.append(seed)
    assert not missed, f"{explainer.name}: {target} missed at seeds {missed}"

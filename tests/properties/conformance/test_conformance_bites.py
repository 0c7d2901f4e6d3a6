"""Every check bites: each broken explainer fails the check that targets it, naming the cause.

Three catalogues: conformance_broken.py (19 usual mistakes), conformance_mistakes.py
(14 realistic mistakes that hide outside a fixed exam: d >= 4, odd n, n above 4,000,
far points, integer inputs, repeated calls, neighbouring seeds, float32) and its
CALLERS (14 mistakes of what callers do: caches across calls, large n that is not a
power of two, other interpreters, neighbouring seeds' streams, one axis's law, the
smallest axis of cov). Each entry declares what a correct implementation would
declare. The fast tests run each targeted check at one seed; the slow ones at 40
seeds (detection must not depend on a lucky draw) and the whole battery on each.
"""

from __future__ import annotations

import warnings

import pytest
from conformance_broken import CATALOGUE as USUAL
from conformance_broken import hangs
from conformance_mistakes import CALLERS
from conformance_mistakes import CATALOGUE as HIDDEN

from properties import Explainer, check_explainer
from properties.conformance import ALL_CHECKS, Settings

CATALOGUE = USUAL + HIDDEN + CALLERS
IDS = [e.name for e, _, _ in CATALOGUE]
SEEDS = range(1, 41)


def _run(explainer, target, seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (result,) = check_explainer(explainer, on_fail=None, seed=seed, checks=[target])
    return result


def test_the_catalogues_cover_the_issue_list_and_every_family_of_checks():
    assert len(USUAL) == 19 and len(HIDDEN) >= 10 and len(CALLERS) >= 10
    targeted = {check for _, check, _ in CATALOGUE}
    names = {c.__name__ for c in ALL_CHECKS}
    assert targeted <= names and len(targeted) >= 18
    assert {"check_seed_independence", "check_repeated_calls", "check_process_replay"} <= targeted


@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_broken_explainer_fails_its_targeted_check_naming_the_cause(explainer, target, phrase):
    result = _run(explainer, target)
    assert result.status == "failed", f"{explainer.name} passed {target}"
    assert phrase in result.message, result.message
    assert f"[seed={result.seed}]" in result.message and "Usual cause:" in result.message
    # A search reports the minimal problem it found; the process replay its one problem.
    assert "on the minimal problem found" in result.message or (
        target == "check_process_replay" and "on the problem replayed" in result.message
    )
    assert "Replay:" in result.message
    assert result.figures["problem"].startswith("d=")


def test_a_failure_replays_from_its_seed():
    explainer, target, _ = HIDDEN[1]  # antithetic pairs mishandled for odd n
    first, again = _run(explainer, target, seed=5), _run(explainer, target, seed=5)
    assert first.status == again.status == "failed" and first.message == again.message


def test_a_hanging_explainer_is_stopped_by_the_time_limit():
    e = Explainer(hangs, kind="gradient", covariance="full", stochastic=True)
    (result,) = check_explainer(
        e, on_fail=None, settings=Settings(time_limit=0.3), checks=["check_convergence"]
    )
    assert result.status == "failed" and "time limit" in result.message


@pytest.mark.slow
def test_broken_explainers_fail_the_battery_as_a_whole():
    # The whole battery on each broken explainer: the targeted check is among the failures.
    for explainer, target, _ in CATALOGUE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            results = check_explainer(explainer, on_fail=None)
        failed = {r.name for r in results if r.status == "failed"}
        assert target in failed, (explainer.name, sorted(failed))


@pytest.mark.slow
@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_detection_does_not_depend_on_the_seed(explainer, target, phrase):
    missed = []
    for seed in SEEDS:
        result = _run(explainer, target, seed)
        if not (result.status == "failed" and phrase in result.message):
            missed.append((seed, result.status, result.message[:200]))
    assert not missed, f"{explainer.name}: {target} missed at seeds {missed}"

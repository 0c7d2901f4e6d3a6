"""Every coalition check bites: each broken design fails the check that names its mistake.

The catalogue (kinds_coalitions_broken.py) holds 19 broken designs, each a correct reference
with one usual mistake (Banzhaf weights declared Shapley, mean imputation declared
interventional, the same permutations for every seed, numpy's global generator, a sign flip,
a penalty declared exact efficiency, a wrong kernel convention, an input-space distance
declared binary, one permutation reused n times, np.isclose pruning at an offset, ...). The
fast test runs each targeted check at one seed; the slow ones at 40 seeds (detection must
not hang on a lucky draw) and the whole battery on each.
"""

from __future__ import annotations

import warnings

import pytest
from kinds_coalitions_broken import CATALOGUE

from properties import check_explainer

IDS = [e.name for e, _, _ in CATALOGUE]
SEEDS = range(1, 41)


def _run(explainer, target, seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (result,) = check_explainer(explainer, on_fail=None, seed=seed, checks=[target])
    return result


def test_the_catalogue_covers_the_issue_list_and_every_coalition_check():
    assert len(CATALOGUE) >= 10
    targeted = {check for _, check, _ in CATALOGUE}
    assert {
        "check_coalition_exactness",
        "check_additive_recovery",
        "check_background_semantics",
        "check_efficiency",
        "check_null_and_symmetric_players",
        "check_offset_and_scale",
        "check_coalition_convergence",
        "check_coalition_rate",
        "check_antithetic_pairs",
        "check_lime_kernel",
        "check_random_streams",
    } <= targeted


@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_broken_design_fails_its_targeted_check_naming_the_cause(explainer, target, phrase):
    result = _run(explainer, target)
    assert result.status == "failed", f"{explainer.name} passed {target}"
    assert phrase in result.message, result.message
    assert f"[seed={result.seed}]" in result.message and "Usual cause:" in result.message
    assert "on the minimal problem found" in result.message and "Replay:" in result.message
    assert result.figures["problem"].startswith("d=")


@pytest.mark.slow
@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_broken_design_is_caught_at_every_one_of_40_seeds(explainer, target, phrase):
    missed = []
    for seed in SEEDS:
        result = _run(explainer, target, seed)
        if result.status != "failed" or phrase not in result.message:
            missed.append((seed, result.status, result.message[:200]))
    assert not missed, missed


@pytest.mark.slow
@pytest.mark.parametrize(("explainer", "target", "phrase"), CATALOGUE, ids=IDS)
def test_broken_design_fails_the_whole_battery_at_its_check(explainer, target, phrase):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        results = check_explainer(explainer, on_fail=None, seed=0)
    failed = {r.name for r in results if r.status == "failed"}
    assert target in failed, failed

"""Calls replayed in another interpreter (another PYTHONHASHSEED): what runs and what is skipped."""

from __future__ import annotations

import sys
import types

import numpy as np

from properties.conformance import Explainer, Settings, check_explainer
from properties.conformance.references import smoothgrad
from properties.conformance.replay import replay_in_child
from verify import estimators
from verify.functions import RidgeFunction


def test_a_picklable_reference_is_replayed_with_the_same_answer():
    (r,) = check_explainer(smoothgrad(), on_fail=None, checks=["check_process_replay"])
    assert r.status == "passed" and r.figures["difference"] <= r.figures["tolerance"]
    assert r.figures["hash_seed"] != ""


def test_a_closure_is_skipped_saying_how_to_make_it_replayable():
    def explain(f, x0, cov, n, seed):
        return estimators.smoothgrad(f, x0, cov, n, seed)

    e = Explainer(explain, kind="gradient", covariance="full", stochastic=True)
    (r,) = check_explainer(e, on_fail=None, checks=["check_process_replay"])
    assert r.status == "skipped" and "does not pickle" in r.message
    assert "module level" in r.message


def test_the_dev_profile_does_not_replay():
    (r,) = check_explainer(
        smoothgrad(),
        on_fail=None,
        settings=Settings.for_profile("dev"),
        checks=["check_process_replay"],
    )
    assert r.status == "skipped" and "process_replay" in r.message


def test_an_explainer_the_other_interpreter_cannot_import_is_not_run():
    # A module that exists only in this interpreter (as a script's __main__ does): the
    # explainer pickles here, by reference, and cannot be rebuilt there.
    module = types.ModuleType("xai_verify_replay_only_here")
    exec(
        "from verify import estimators\n"
        "def explain(f, x0, cov, n, seed):\n"
        "    return estimators.smoothgrad(f, x0, cov, n, seed)\n",
        module.__dict__,
    )
    sys.modules[module.__name__] = module
    try:
        e = Explainer(module.explain, kind="gradient", covariance="full", stochastic=True)
        f = RidgeFunction([1.0], 0.0, "sin")
        status, value, _ = replay_in_child(e, (f, np.zeros(1), np.eye(1), 8, 0), timeout=120)
        assert status == "not run" and "cannot rebuild" in value, value
        (r,) = check_explainer(e, on_fail=None, checks=["check_process_replay"])
        assert r.status == "skipped" and "cannot rebuild" in r.message
    finally:
        del sys.modules[module.__name__]

"""properties.suite: every statement as a Hypothesis property, as `verify run` uses it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from properties import suite
from properties import theorems as T
from properties.determinism import pin_local_constants
from properties.theorems import equivalence
from verify import closed_form
from verify.catalogue import CATALOGUE

EXPECTED = {
    "theorem2_published": "falsified",
    "stein_step_function": "falsified",
    "ig_step_function": "falsified",
}


@pytest.mark.parametrize("statement", [s.id for s in CATALOGUE if s.property])
def test_every_statement_gets_its_expected_status(statement):
    out = suite.run_property(statement, seed=0, profile="dev")
    assert out["status"] == EXPECTED.get(statement, "verified"), out["message"]
    assert out["examples"] >= 2
    if out["status"] == "falsified":
        assert out["counterexample"], out
    if statement != "theorem2_published":
        assert sum(out["events"].values()) == out["examples"]  # every example labelled


def test_a_wrong_closed_form_is_falsified_and_shrunk(monkeypatch):
    """The property machinery bites: a 2% error in E[grad f] is found and reported."""

    def wrong(f, x0, cov):
        return 1.02 * closed_form.smoothgrad(f, x0, cov)

    registered = suite.statement_property("theorem1")
    broken = suite.StatementProperty(
        registered.strategy,
        lambda p, seed: T.check_theorem1(
            p.f, p.x0, p.cov, n=1000, seed=p.seed, closed_smoothgrad=wrong
        ),
        registered.label,
    )
    monkeypatch.setattr(equivalence, "THEOREM1", broken)
    out = suite.run_property("theorem1", seed=0, profile="dev")
    assert out["status"] == "falsified"
    assert out["counterexample"] is not None


def test_same_seed_same_outcome_whatever_was_imported_before():
    """Hypothesis draws literal constants from loaded local modules; the suite pins that pool."""
    code = (
        "import sys\n"
        "if sys.argv[1] == 'extra':\n"
        "    import verify.app.tasks, verify.app.cli\n"
        "from properties.suite import run_property\n"
        "r = run_property('theorem2_published', seed=11, profile='dev')\n"
        "print(r['status'], repr(r['observed'].get('max_ratio_seen')))\n"
    )
    outs = {
        variant: subprocess.run(
            [sys.executable, "-c", code, variant],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
        for variant in ("plain", "extra")
    }
    assert outs["plain"] == outs["extra"], outs


def test_unknown_statement_is_refused():
    with pytest.raises(ValueError, match="no property"):
        suite.run_property("theorem9")


def test_budget_scales_with_the_profile():
    small = suite.run_property("proposition3", seed=1, profile="dev")["examples"]
    larger = suite.run_property("proposition3", seed=1, profile="ci")["examples"]
    assert small < larger
    assert np.isclose(larger, suite.EXAMPLES["ci"])


def test_pinned_constants_ignore_modules_loaded_later(tmp_path, monkeypatch):
    """After pinning, a new local module's literals do not enter Hypothesis' pool."""
    import hypothesis

    providers = pytest.importorskip(
        "hypothesis.internal.conjecture.providers",
        reason=f"Hypothesis {hypothesis.__version__} does not mix local constants into its data",
    )
    if not hasattr(providers, "_get_local_constants"):
        pytest.skip(f"Hypothesis {hypothesis.__version__} does not mix local constants into data")

    pin_local_constants()
    before = providers._get_local_constants()
    (tmp_path / "module_with_constants_xyz.py").write_text("A = 123456789.125\nB = 'zzz-unique'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import module_with_constants_xyz  # noqa: F401

    after = providers._get_local_constants()
    assert after is before
    assert 123456789.125 not in after.floats
    assert len(after) == 0  # empty: the project's own literals do not steer searches either


def test_a_seeded_property_is_the_same_in_a_fresh_folder_and_a_used_one(tmp_path):
    """Hypothesis caches local constants under .hypothesis/ in the working directory; the
    first run in a fresh folder and a later one gave different examples before pinning."""
    code = (
        "from properties.suite import run_property\n"
        "o = run_property('proposition1', seed=5, profile='dev')\n"
        "print(repr((o['examples'], o['observed'], o['bound'])))\n"
    )
    outputs = []
    for folder in ("fresh", "used", "used"):
        cwd = tmp_path / folder
        cwd.mkdir(exist_ok=True)
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
        )
        outputs.append(run.stdout.strip().splitlines()[-1])
    assert outputs[0] == outputs[1] == outputs[2]


# -- each expected status reached for its reason ----------------------------------------------


def test_the_step_statement_is_falsified_by_a_judged_demonstration():
    out = suite.run_property("stein_step_function", seed=0, profile="dev")
    assert out["status"] == "falsified"
    assert out["judged"] >= 1 and out["judged"] + out["not_applicable"] == out["examples"]
    # The witness is a demonstration the check judged: SG = 0 while C-LIME is not.
    witness = out["counterexample"]
    assert witness["disagreement"] > 0 and max(map(abs, witness["smoothgrad_n"])) == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_step_statement_whose_check_never_fires_is_not_falsified(seed, monkeypatch):
    """Every generated input outside the statement (not_applicable): nothing was judged, so the
    status is undecided, never 'falsified' by the flip of a demonstrated failure."""
    from properties.strategies import cases

    smooth = cases.ridge_functions
    monkeypatch.setattr(
        cases, "ridge_functions", lambda d, links=None, **kw: smooth(d, links=("probit",), **kw)
    )
    out = suite.run_property("stein_step_function", seed=seed, profile="dev")
    assert out["status"] == "undecided"
    assert out["judged"] == 0 and out["not_applicable"] == out["examples"] >= 2
    assert out["counterexample"] is None
    assert "not applicable" in out["message"]


def test_not_applicable_inputs_are_counted_not_taken_as_evidence():
    out = suite.run_property("theorem1", seed=0, profile="dev")
    assert out["status"] == "verified"
    assert out["judged"] + out["not_applicable"] == out["examples"]
    assert out["judged"] >= 1

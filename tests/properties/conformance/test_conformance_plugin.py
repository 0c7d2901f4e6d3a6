"""The pytest plugin: ``pytest --explainer mod:attr`` runs the battery without a test file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

MODULE = """
from verify import estimators
from properties import Explainer

def _sg(f, x0, cov, n, seed):
    return estimators.smoothgrad(f, x0, cov, n, seed)

good = Explainer(_sg, kind="gradient", covariance="full", stochastic=True, name="good")

def plain(f, x0, cov, n, seed):
    return abs(estimators.smoothgrad(f, x0, cov, n, seed))
"""


def _plugin_args() -> list[str]:
    # Load the plugin by module name whether or not the entry point is installed.
    return ["-p", "no:xai_verify", "-p", "properties.plugin"]


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "mod_under_test.py").write_text(MODULE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # keep the project's addopts out
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *_plugin_args(), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_entry_point_registers_the_options(tmp_path):
    probe = (
        "from importlib.metadata import entry_points; "
        "print(any(ep.value == 'properties.plugin' for ep in entry_points(group='pytest11')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    if found.stdout.strip() != "True":
        pytest.skip("xai-verify is not installed (pip install -e .): no pytest11 entry point")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "--explainer=SPEC" in proc.stdout and "xai-verify conformance battery" in proc.stdout


def test_plugin_module_is_light():
    code = (
        "import sys, properties.plugin; "
        "heavy = [m for m in ('numpy', 'scipy', 'sympy', 'torch', 'properties.conformance') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_explainer_option_runs_the_battery_and_writes_a_report(tmp_path):
    proc = _pytest(
        tmp_path,
        "--explainer",
        "mod_under_test:good",
        "--explainer-report",
        "report.json",
        "-k",
        "contract or linearity or convergence or small_sigma",
        "-rA",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "good::check_convergence PASSED" in proc.stdout or "4 passed" in proc.stdout
    (doc,) = json.loads((tmp_path / "report.json").read_text())
    assert doc["explainer"]["name"] == "good" and doc["summary"]["ok"]
    # one record per check, in results.json's record format (verify.records)
    assert {r["title"] for r in doc["records"]} == {
        "check_output_contract",
        "check_linearity",
        "check_convergence",
        "check_small_sigma_limit",
    }


def test_plain_callable_with_tags_and_a_failure_reported_with_its_cause(tmp_path):
    proc = _pytest(
        tmp_path,
        "--explainer",
        "mod_under_test:plain",
        "--explainer-tag",
        "kind=gradient",
        "--explainer-tag",
        "covariance=full",
        "--explainer-tag",
        "stochastic=true",
        "-k",
        "linearity",
    )
    assert proc.returncode == 1
    assert "plain::check_linearity" in proc.stdout
    assert "not linear in f" in proc.stdout


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--explainer", "mod_under_test"], "must read 'package.module:attribute'"),
        (["--explainer", "mod_under_test:plain"], "missing tag"),
        (["--explainer", "no_such_module:x"], "cannot import module"),
    ],
)
def test_bad_specs_are_usage_errors_with_a_fix(tmp_path, args, phrase):
    proc = _pytest(tmp_path, *args)
    assert proc.returncode == 4  # pytest's usage error
    assert phrase in proc.stderr


USER_CONFTEST = """
import json

from hypothesis import settings
from hypothesis.internal.conjecture import providers

settings.register_profile("user_profile", max_examples=7, deadline=1234)
settings.load_profile("user_profile")
ORIGINAL_POOL = providers._get_local_constants


def _state():
    return {
        "profile": settings._current_profile,
        "max_examples": settings.default.max_examples,
        "deadline_ms": settings.default.deadline.total_seconds() * 1000,
        "pool_is_the_users": providers._get_local_constants is ORIGINAL_POOL,
    }


def pytest_sessionstart(session):
    with open("before.json", "w") as out:
        json.dump(_state(), out)


def pytest_sessionfinish(session, exitstatus):
    with open("after.json", "w") as out:
        json.dump(_state(), out)
"""

USER_TEST = """
from hypothesis import given, settings, strategies as st


@given(st.integers())
def test_users_own_property(i):
    assert settings().max_examples == 7
"""


def test_the_battery_leaves_the_users_hypothesis_settings_alone(tmp_path):
    """A user's profile and Hypothesis' pool of local constants are the same before the
    session and after the battery ran in it (the battery's searches, the call machine)."""
    pytest.importorskip("hypothesis.internal.conjecture.providers")
    from hypothesis.internal.conjecture import providers

    if not hasattr(providers, "_get_local_constants"):
        pytest.skip("this Hypothesis has no pool of local constants to patch")
    (tmp_path / "conftest.py").write_text(USER_CONFTEST)
    (tmp_path / "test_user.py").write_text(USER_TEST)
    proc = _pytest(
        tmp_path,
        "--explainer",
        "mod_under_test:good",
        "--explainer-keep-tests",
        "-k",
        "users_own or output_contract or repeated_calls",
        "-rA",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout, proc.stdout
    before = json.loads((tmp_path / "before.json").read_text())
    after = json.loads((tmp_path / "after.json").read_text())
    expected = {
        "profile": "user_profile",
        "max_examples": 7,
        "deadline_ms": 1234.0,
        "pool_is_the_users": True,
    }
    assert before == expected
    assert after == expected

"""The README's command lines and facts, checked against what the code does.

A user with ``mypkg/explainers.py`` in the folder they stand in types the README's
``verify check ...`` and ``pytest --explainer ...`` lines (console scripts, not
``python -m``): both must find the module and run the battery. The explainer is the
README's own first explainer (the one that validates its input with one call), so a
reader who copies it passes every check. The figures the README states (the tasks of a
run, the checks, the tags, the time limits, the fields the determinism promise excludes)
are read back from the code.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import verify

ROOT = Path(verify.__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

README = (ROOT / "README.md").read_text()


def _python_block_with(text: str) -> str:
    """The README's python block that contains ``text``."""
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    found = [b for b in blocks if text in b]
    assert len(found) == 1, f"the README has {len(found)} python blocks with {text!r}"
    return found[0]


# A plain callable: its tags come from the command line.
EXPLAINERS = _python_block_with("explainer_inputs(f, x0, cov, n, seed)")


def _readme_line(prefix: str) -> list[str]:
    lines = [line.strip() for line in README.splitlines() if line.strip().startswith(prefix)]
    assert lines, f"the README has no line starting with {prefix!r}"
    return shlex.split(re.sub(r"\s+#.*$", "", lines[0]))


@pytest.fixture
def user_folder(tmp_path) -> Path:
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "explainers.py").write_text(EXPLAINERS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # the user's project, not ours
    return tmp_path


def _run(argv: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    script = BIN / argv[0]
    if not script.exists():
        pytest.skip(f"{argv[0]} console script not installed (pip install -e .)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout; not the user's folder
    return subprocess.run(
        [str(script), *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_readme_verify_check_line_runs_the_battery(user_folder):
    argv = _readme_line("verify check mypkg.explainers:explain")
    proc = _run([*argv, "--output", "out", "--quiet"], user_folder)
    assert proc.returncode == 0, proc.stderr
    assert (user_folder / "out" / "report.html").exists()


def test_the_readme_pytest_line_runs_the_battery(user_folder):
    argv = _readme_line("pytest --explainer mypkg.explainers:explain")
    assert "--explainer-tag" in argv  # a plain callable declares its tags
    proc = _run([*argv, "-q", "-p", "no:cacheprovider"], user_folder)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ passed", proc.stdout), proc.stdout[-2000:]


def test_a_missing_tag_names_the_command_line_flag(user_folder):
    proc = _run(["pytest", "--explainer", "mypkg.explainers:explain", "-q"], user_folder)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "missing tag" in text and "--explainer-tag kind=gradient" in text
    assert "Explainer(explain" not in text


# -- the README's figures, read back from the code ------------------------------------------


def test_the_run_excerpt_counts_the_tasks_a_run_has():
    from verify.app.tasks import build_tasks

    tasks = build_tasks()
    counts = {int(m) for m in re.findall(r"^\[\d+/(\d+)\]", README, re.M)}
    assert counts == {len(tasks)}, counts
    last = re.search(rf"^\[{len(tasks)}/{len(tasks)}\] ([^:]+):", README, re.M)
    assert last and last.group(1) == tasks[-1].name


def test_the_number_of_checks_is_the_batterys():
    from verify.app.batteries import check_names

    (count,) = re.findall(r"The (\d+) checks:", README)
    assert int(count) == len(check_names("gradient"))


def test_the_tag_table_lists_every_tag_an_explainer_takes():
    import inspect

    from properties.conformance import Explainer
    from properties.conformance.kinds import KINDS

    params = inspect.signature(Explainer).parameters
    common = [p for p in params if p not in ("explain", "tags")]
    table = re.findall(r"^\| `(\w+)` \|", README, re.M)
    assert [t for t in table if t in common] == common
    noise = list(KINDS["gradient"].tags)
    assert [t for t in table if t in noise] == noise
    for name, kind in KINDS.items():  # the family's kinds: a row each, naming its own tags
        assert f"| `{name}` |" in README or name in ("gradient", "perturbation")
        if name not in ("gradient", "perturbation"):
            (row,) = (line for line in README.splitlines() if line.startswith(f"| `{name}` |"))
            assert all(f"`{t}`" in row for t in kind.tags), (name, list(kind.tags))


def test_the_stated_time_limits_are_the_defaults():
    from verify.app.limits import BUDGET_CALLS, CALL_LIMITS

    dev, ci, thorough = (f"{CALL_LIMITS[p]:g}" for p in ("dev", "ci", "thorough"))
    assert f"default {dev}, {ci}, {thorough} s for the dev, ci, thorough profiles" in README
    assert f"defaults {ci} s per call and {BUDGET_CALLS * CALL_LIMITS['ci']:g} s per battery" in (
        " ".join(README.split())
    )


def test_the_determinism_promise_names_the_fields_it_excludes():
    from test_determinism import TIMING_FIELDS

    text = " ".join(README.split())
    promise = text[text.index("identical `results.json`") :][:400]
    assert all(f"`{field}`" in promise for field in TIMING_FIELDS), promise


def test_the_benchmark_command_installs_what_it_needs():
    line = next(ln for ln in README.splitlines() if "python -m pytest benchmarks/" in ln)
    assert "pip install -e '.[test]'" in line
    pyproject = (ROOT / "pyproject.toml").read_text()
    (test_extra,) = re.findall(r"^test = \[(.*)\]$", pyproject, re.M)
    assert '"pytest-benchmark' in test_extra


def test_the_statement_ids_are_the_catalogues():
    from verify.catalogue import CATALOGUE

    text = " ".join(README.split())
    sentence = text[text.index("Statement ids, stable for your CI:") :].split("; statuses")[0]
    assert re.findall(r"`(\w+)`", sentence) == [s.id for s in CATALOGUE]


def test_the_readme_resolution_example_reaches_what_it_says():
    """The README's `resolution=0.03` block runs as written, and its comment holds."""
    block = textwrap.dedent(_python_block_with("resolution=0.03"))  # inside a list item
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    r = namespace["r"]
    power = r.bound["power"]
    assert r.status == "verified" and power["resolution"] == 0.03 and power["n"] > 1000
    assert power["smoothgrad"] <= 0.03 and power["clime"] <= 0.03

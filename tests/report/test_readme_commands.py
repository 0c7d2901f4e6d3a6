"""The README's command lines for checking your own explainer, run exactly as written.

A user with ``mypkg/explainers.py`` in the folder they stand in types the README's
``verify check ...`` and ``pytest --explainer ...`` lines (console scripts, not
``python -m``): both must find the module and run the battery.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import verify

ROOT = Path(verify.__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

EXPLAINERS = """
from verify import estimators


def explain(f, x0, cov, n, seed):  # a plain callable: its tags come from the command line
    return estimators.smoothgrad(f, x0, cov, n, seed)
"""


def _readme_line(prefix: str) -> list[str]:
    lines = [
        line.strip()
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.strip().startswith(prefix)
    ]
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

"""Runs that survive faults, with real processes: a sleeping explainer, dying workers, Ctrl-C.

Each test starts the `verify` command (or the runner's worker processes) for real and
checks what a user would see: the run ends, the fault is one record, the rest ran.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import verify
from verify.app import load_results, validate_results
from verify.app.batteries import TIMEOUTS_TO_STOP, check_names
from verify.app.run import run_tasks
from verify.app.runner import Task

ROOT = Path(verify.__file__).resolve().parents[1]

EXPLAINERS = textwrap.dedent(
    """
    import ctypes
    import os
    import time

    import numpy as np

    TAGS = {"kind": "gradient", "covariance": "full", "stochastic": True}

    def sleepy(f, x0, cov, n, seed):  # never returns
        time.sleep(3600)
        return np.zeros(np.shape(x0)[-1])

    def segfault(f, x0, cov, n, seed):  # native code crashing the process
        ctypes.string_at(0)

    sleepy.__explainer_tags__ = segfault.__explainer_tags__ = TAGS
    """
)


def _start(*args: str, cwd: Path, **kw) -> subprocess.Popen:
    """`verify ARGS` in a fresh interpreter and its own process group, this checkout first."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(cwd)])}
    return subprocess.Popen(
        [sys.executable, "-m", "verify.app.cli", *args],
        cwd=cwd,
        env=env,
        text=True,
        start_new_session=True,
        # As a terminal's job: Ctrl-C not ignored even when this test runner was itself
        # started as a background job of a script (which ignores SIGINT, and a child inherits it).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kw,
    )


def _group_gone(pgid: int, within: float) -> bool:
    """True once no process of the group is left (waits up to ``within`` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def verify_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `verify ARGS` to the end; past ``timeout`` its whole process group is killed."""
    proc = _start(*args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def user_dir(tmp_path) -> Path:
    (tmp_path / "faulty_explainers.py").write_text(EXPLAINERS)
    return tmp_path


# -- an explainer that never returns ----------------------------------------------------------


def _stopped_after_timeouts(records: list[dict], workers: int) -> None:
    """What a battery on a hanging explainer leaves: a few checks that timed out, then every
    other check an error record saying why it was not run (no check is lost)."""
    timed_out = [r for r in records if r["status"] == "failed"]
    not_run = [r for r in records if r["status"] == "error"]
    # The battery stops at its second timeout; a worker may have started one more check.
    assert TIMEOUTS_TO_STOP <= len(timed_out) <= TIMEOUTS_TO_STOP + workers - 1
    assert all("timed out after 0.5 s" in r["message"] for r in timed_out)
    assert not_run and all("battery stopped after" in r["message"] for r in not_run)
    assert len(timed_out) + len(not_run) + sum(r["status"] == "skipped" for r in records) == len(
        records
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sleeping_explainer_times_out_and_the_battery_stops_saying_why(user_dir, workers):
    start = time.perf_counter()
    proc = verify_cli(
        "check",
        "faulty_explainers:sleepy",
        "--time-limit",
        "0.5",
        "--workers",
        str(workers),
        "--output",
        "out",
        cwd=user_dir,
        timeout=240,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 1, proc.stderr
    results = load_results(user_dir / "out")
    validate_results(results)
    assert results["complete"] and len(results["records"]) == len(results["tasks"]) == len(
        check_names("gradient")
    )
    _stopped_after_timeouts(results["records"], workers)
    assert "--time-limit 0.5" in results["command"]
    assert "Traceback" not in proc.stderr
    # Grouped on the console: one line for the timeouts, one for the checks not run.
    lines = [line for line in proc.stderr.splitlines() if line.startswith("verify: ")]
    assert any("failed: timed out after 0.5 s" in line for line in lines), lines
    assert any("not judged: not run: the battery stopped" in line for line in lines), lines
    print(f"sleeping explainer, workers={workers}: ended after {elapsed:.1f} s")


def test_a_battery_stops_when_its_budget_is_spent(user_dir):
    """A slow (not hanging) explainer: every call within the limit, the battery over budget."""
    (user_dir / "slow_explainers.py").write_text(
        "import time\nfrom verify import estimators\n\n"
        "def slow(f, x0, cov, n, seed):\n    time.sleep(0.3)\n"
        "    return estimators.smoothgrad(f, x0, cov, n, seed)\n\n"
        "slow.__explainer_tags__ = {'kind': 'gradient', 'covariance': 'full', 'stochastic': True}\n"
    )
    proc = verify_cli(
        "check", "slow_explainers:slow", "--battery-budget", "2", "--output", "out", cwd=user_dir
    )
    assert proc.returncode == 1, proc.stderr
    records = load_results(user_dir / "out")["records"]
    assert not any("timed out" in r["message"] for r in records)
    spent = [r for r in records if r["status"] == "error"]
    assert spent and all("time budget was spent" in r["message"] for r in spent)
    assert records[0]["status"] == "passed"  # the first check started in time and finished
    assert "--battery-budget 2" in load_results(user_dir / "out")["command"]


def test_run_explainer_takes_a_time_limit(user_dir):
    proc = verify_cli(
        "run",
        "--only",
        "experiments",
        "--explainer",
        "faulty_explainers:sleepy",
        "--time-limit",
        "0.5",
        "--output",
        "out",
        "--quiet",
        cwd=user_dir,
        timeout=240,
    )
    assert proc.returncode == 1
    results = load_results(user_dir / "out")
    mine = [r for r in results["records"] if r["source"] == "conformance"]
    assert len(mine) == len(check_names("gradient"))
    _stopped_after_timeouts(mine, workers=1)
    assert {t["status"] for t in results["tasks"]} == {"ok"}  # the experiments ran too


# -- workers that die --------------------------------------------------------------------------


def _quick(seed: int, profile: str) -> dict:
    return {"records": [], "figures": {f"quick_{seed}": seed}}


def _exits(seed: int, profile: str) -> dict:
    os._exit(3)


def _segfaults(seed: int, profile: str) -> dict:
    import ctypes

    ctypes.string_at(0)
    return {}


def test_a_dying_worker_is_an_error_record_for_its_task_and_the_run_goes_on(tmp_path):
    tasks = [
        Task("before", _quick),
        Task("exits", _exits),
        Task("middle", _quick),
        Task("segfaults", _segfaults),
        Task("after", _quick),
    ]
    results = run_tasks(
        tasks, output=tmp_path, run_id="r", seed=0, profile="ci", command="t", workers=2
    )
    validate_results(results)
    status = {t["name"]: t["status"] for t in results["tasks"]}
    assert status == {
        "before": "ok",
        "exits": "error",
        "middle": "ok",
        "segfaults": "error",
        "after": "ok",
    }
    errors = {t["name"]: t["error"] for t in results["tasks"] if t["error"]}
    assert "exited with code 3" in errors["exits"]
    assert "SIGSEGV" in errors["segfaults"]
    assert len(results["figures"]) == 3 and results["complete"]


def test_a_client_that_segfaults_under_workers_loses_only_its_battery(user_dir):
    proc = verify_cli(
        "run",
        "--only",
        "experiments",
        "--explainer",
        "faulty_explainers:segfault",
        "--workers",
        "2",
        "--output",
        "out",
        "--quiet",
        cwd=user_dir,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    results = load_results(user_dir / "out")
    status = {t["name"]: t["status"] for t in results["tasks"]}
    assert status.pop("conformance faulty_explainers:segfault") == "error"
    assert set(status.values()) == {"ok"}
    (error,) = (r for r in results["records"] if r["source"] == "runner")
    assert "SIGSEGV" in error["message"] and "without --workers" in error["message"]
    assert {"convergence", "lipschitz"} <= set(results["figures"])


# -- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_with_workers_keeps_every_finished_record_and_exits_promptly(tmp_path):
    proc = _start(
        "run",
        "--only",
        "properties",
        "experiments",
        "--workers",
        "2",
        "--output",
        "out",
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # its own process group, as a terminal's job
    finished = []
    try:
        for line in proc.stderr:
            if line.startswith("["):
                finished.append(line.split("] ", 1)[1].split(":")[0])
            if len(finished) >= 3:
                break
        sent = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
        rest = proc.communicate(timeout=60)[1]
        took = time.perf_counter() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, rest
    assert took < 10, took
    assert "interrupted" in rest and "Traceback" not in rest
    partial = json.loads((tmp_path / "out" / "results.json").read_text())
    validate_results(partial)
    assert partial["complete"] is False
    done = {t["name"] for t in partial["tasks"] if t["status"] != "pending"}
    assert set(finished) <= done
    kept = {r["id"] for r in partial["records"]}
    for name in finished:
        if name.startswith("property "):
            assert f"properties/{name.split()[1]}" in kept
    assert "PARTIAL RUN" in (tmp_path / "out" / "report.md").read_text()
    assert _group_gone(proc.pid, within=15)  # no worker left behind
    print(f"Ctrl-C: exit 130 after {took:.2f} s, {len(done)} finished tasks kept")


def test_killing_the_run_outright_leaves_no_worker_and_no_lock(user_dir):
    """SIGKILL (the OOM killer, `kill -9`): the workers go with the run, the folder is free."""
    proc = _start(
        "check",
        "faulty_explainers:sleepy",
        "--time-limit",
        "100",
        "--workers",
        "2",
        "--output",
        "out",
        cwd=user_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not (user_dir / "out" / "results.json").exists():  # the run has started
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        time.sleep(2)  # the workers are inside the sleeping explainer now
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert _group_gone(proc.pid, within=15)  # every worker is gone
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    partial = json.loads((user_dir / "out" / "results.json").read_text())
    validate_results(partial)
    assert partial["complete"] is False
    again = verify_cli("run", "--only", "experiments", "--output", "out", "--quiet", cwd=user_dir)
    assert again.returncode == 0, again.stderr  # not locked out by the killed run


# -- a serial run that crashes in native code ---------------------------------------------------


def test_a_serial_native_crash_prints_its_traceback_and_advice_and_leaves_a_report(user_dir):
    """No worker to absorb it: the process dies (SIGSEGV). faulthandler's traceback, one line
    saying what to do, and the partial report with the crashed task as an error; no lock left."""
    proc = verify_cli("check", "faulty_explainers:segfault", "--output", "out", cwd=user_dir)
    assert proc.returncode == -signal.SIGSEGV
    assert "Segmentation fault" in proc.stderr and "faulty_explainers.py" in proc.stderr
    advice = [line for line in proc.stderr.splitlines() if line.startswith("verify: the run")]
    assert len(advice) == 1 and "crashed in native code" in advice[0]
    assert "'check_output_contract'" in advice[0] and "--workers 2" in advice[0]
    results = load_results(user_dir / "out")
    validate_results(results)
    assert results["complete"] is False
    first, *rest = results["tasks"]
    assert first["status"] == "error" and {t["status"] for t in rest} == {"pending"}
    assert (user_dir / "out" / "report.md").exists()
    assert "PARTIAL RUN" in (user_dir / "out" / "report.html").read_text()
    assert not (user_dir / "out" / ".verify.lock").exists()
    again = verify_cli("run", "--only", "experiments", "--output", "out", "--quiet", cwd=user_dir)
    assert again.returncode == 0, again.stderr


def test_a_serial_run_that_ends_normally_leaves_no_watcher_and_says_nothing_of_a_crash(user_dir):
    proc = verify_cli("run", "--only", "experiments", "--output", "out", cwd=user_dir)
    assert proc.returncode == 0, proc.stderr
    assert "crashed" not in proc.stderr and "Fatal Python error" not in proc.stderr
    if Path("/proc").is_dir():  # the watcher (see verify.app.crash) has ended with the run
        folder = str((user_dir / "out").resolve())
        watchers = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "verify.app.crash" in text and folder in text:
                watchers.append(cmdline.parent.name)
        assert not watchers

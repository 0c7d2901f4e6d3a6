"""The run folder and the results file as a user meets them: bad --output, two runs in one
folder, reruns, file permissions, `verify compare` on things that are not results files."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import verify
from verify.app.cli import main
from verify.app.experiments import experiment_lipschitz
from verify.app.outdir import claim_output
from verify.app.output import atomic_write_text
from verify.app.run import run_tasks
from verify.app.runner import Task

ROOT = Path(verify.__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path, env_path: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*(env_path or []), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-m", "verify.app.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_line_usage_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("verify: "), proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


# -- a bad --output ----------------------------------------------------------------------------


def test_output_that_is_a_file_or_under_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "afile").write_text("mine")
    proc = _cli("run", "--only", "experiments", "--output", "afile", cwd=tmp_path)
    _one_line_usage_error(proc, "afile", "is a file")
    proc = _cli(
        "check",
        "verify.estimators:smoothgrad",
        "--tag",
        "kind=gradient",
        "--tag",
        "covariance=full",
        "--tag",
        "stochastic=true",
        "--output",
        "afile/run",
        cwd=tmp_path,
    )
    _one_line_usage_error(proc, "afile/run", "a parent of it is a file")
    assert (tmp_path / "afile").read_text() == "mine"


def test_output_where_writing_is_not_permitted_is_a_usage_error(tmp_path):
    proc = _cli("run", "--only", "experiments", "--output", "/sys/xai-verify-run", cwd=tmp_path)
    _one_line_usage_error(proc, "/sys/xai-verify-run")
    if os.geteuid() != 0:  # root writes anywhere: the permission bits only bind other users
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        proc = _cli("run", "--only", "experiments", "--output", "locked/run", cwd=tmp_path)
        _one_line_usage_error(proc, "permission denied")


def test_output_on_a_read_only_file_system_is_a_usage_error(tmp_path):
    mount = tmp_path / "ro"
    mount.mkdir()
    if (
        shutil.which("unshare") is None
        or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
    ):
        pytest.skip("needs `unshare -m` (a private mount namespace) to mount a read-only tmpfs")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = (
        f"mount -t tmpfs -o ro tmpfs {mount} && exec {sys.executable} -m verify.app.cli run "
        f"--only experiments --output {mount}/run"
    )
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _one_line_usage_error(proc, "read-only")


def test_a_folder_with_files_verify_did_not_write_is_refused(tmp_path):
    (tmp_path / "report.md").write_text("my own notes")
    tasks = [Task("lipschitz", experiment_lipschitz)]
    with pytest.raises(Exception, match="did not write"):
        run_tasks(tasks, output=tmp_path, run_id="r", seed=0, profile="ci", command="t")
    assert (tmp_path / "report.md").read_text() == "my own notes"


# -- two runs, reruns --------------------------------------------------------------------------


def test_a_second_run_into_a_folder_in_use_refuses(tmp_path):
    with claim_output(tmp_path / "shared"):  # a run in progress holds the folder
        proc = _cli("run", "--only", "experiments", "--output", "shared", cwd=tmp_path)
        _one_line_usage_error(proc, "another verify run", f"pid {os.getpid()}")
    assert not (tmp_path / "shared" / "results.json").exists()
    assert not list((tmp_path / "shared").iterdir())  # and the lock went with the run


def test_a_rerun_clears_the_previous_runs_report_and_figures(tmp_path):
    tasks = [Task("lipschitz", experiment_lipschitz)]
    run_tasks(tasks, output=tmp_path, run_id="1", seed=0, profile="ci", command="t")
    assert (tmp_path / "figure_lipschitz.png").exists()
    (tmp_path / "figure_replicate_equivalence_wine.png").write_bytes(b"from an older run")
    run_tasks(
        [Task("nothing", _nothing)], output=tmp_path, run_id="2", seed=0, profile="ci", command="t"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report.html",
        "report.md",
        "results.json",
    ]


def _nothing(seed: int, profile: str) -> dict:
    return {"records": [], "figures": {}}


# -- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_report_files_follow_the_users_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        run_tasks(
            [Task("lipschitz", experiment_lipschitz)],
            output=tmp_path,
            run_id="r",
            seed=0,
            profile="ci",
            command="t",
        )
        atomic_write_text(tmp_path / "extra.txt", "x")
    finally:
        os.umask(old)
    for name in ("results.json", "report.md", "report.html", "figure_lipschitz.png", "extra.txt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


# -- --dask without dask -----------------------------------------------------------------------


def test_dask_without_dask_leaves_no_folder(tmp_path):
    shadow = tmp_path / "shadow"
    (shadow / "distributed").mkdir(parents=True)
    (shadow / "distributed" / "__init__.py").write_text("raise ImportError('no dask here')\n")
    proc = _cli(
        "run",
        "--dask",
        "tcp://127.0.0.1:1",
        "--output",
        "out",
        cwd=tmp_path,
        env_path=[str(shadow)],
    )
    _one_line_usage_error(proc, "--dask needs the dask extra")
    assert not (tmp_path / "out").exists()
    if importlib.util.find_spec("distributed") is None:
        proc = _cli(
            "check",
            "verify.estimators:smoothgrad",
            "--dask",
            "tcp://127.0.0.1:1",
            "--output",
            "out",
            cwd=tmp_path,
        )
        _one_line_usage_error(proc, "--dask needs the dask extra")
        assert not (tmp_path / "out").exists()


def test_dask_scheduler_out_of_reach_leaves_no_folder(tmp_path):
    pytest.importorskip("distributed", reason="dask not installed: pip install -e '.[dask]'")
    proc = _cli(
        "run",
        "--only",
        "experiments",
        "--dask",
        "tcp://127.0.0.1:1",
        "--output",
        "out",
        cwd=tmp_path,
    )
    _one_line_usage_error(proc, "cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert not (tmp_path / "out").exists()


# -- verify compare on inputs that are not results files -------------------------------------


@pytest.fixture
def good(tmp_path) -> Path:
    run_tasks(
        [Task("lipschitz", experiment_lipschitz)],
        output=tmp_path / "good",
        run_id="g",
        seed=0,
        profile="ci",
        command="t",
        render=False,
    )
    return tmp_path / "good" / "results.json"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("[1, 2, 3]", "JSON list"),
        ('{"schema_version": 2, "records": []}', "lacks the key(s) statements, tasks"),
        ("TRUNCATE", "invalid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not text"),
        (
            '{"schema_version": 2, "statements": [], "tasks": [], "records": [{"id": "a"}]}',
            "entry of its records lacks",
        ),
    ],
    ids=["list", "missing-keys", "truncated", "binary", "bad-record"],
)
def test_compare_refuses_what_is_not_a_results_file_naming_it(good, tmp_path, capsys, content, why):
    bad = tmp_path / "bad.json"
    if content == "TRUNCATE":
        content = good.read_text()[: len(good.read_text()) // 2]
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    for args in ([str(bad), str(good)], [str(good), str(bad)]):
        assert main(["compare", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and str(bad) in err and why in err, err


def test_compare_says_a_partial_run_is_partial(good, tmp_path, capsys):
    partial = json.loads(good.read_text())
    partial["complete"] = False
    partial["tasks"][0]["status"] = "pending"
    partial["records"], partial["figures"] = [], {}
    full = json.loads(good.read_text())
    full["records"].append(
        {
            **{k: None for k in ("statement", "counterexample")},
            "id": "x",
            "source": "experiments",
            "status": "passed",
            "message": "",
            "figures": {},
        }
    )
    (tmp_path / "p.json").write_text(json.dumps(partial))
    (tmp_path / "f.json").write_text(json.dumps(full))
    assert main(["compare", str(tmp_path / "f.json"), str(tmp_path / "p.json")]) == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "PARTIAL new run (0 of 1 tasks finished)" in out and "lipschitz" in out
    assert "missing" not in out
    # The exit code 1 is explained (it is no regression, the run is not finished).
    assert "exit 1: the new run is partial" in captured.err


def test_a_folder_holding_someone_elses_results_json_is_refused_and_kept(tmp_path):
    """Another tool's results.json is not a previous run: its report.md is not cleared."""
    (tmp_path / "results.json").write_text('{"accuracy": 0.93, "epochs": 12}')
    (tmp_path / "report.md").write_text("their report")
    tasks = [Task("lipschitz", experiment_lipschitz)]
    with pytest.raises(Exception, match="was not written by verify"):
        run_tasks(tasks, output=tmp_path, run_id="r", seed=0, profile="ci", command="t")
    assert (tmp_path / "report.md").read_text() == "their report"
    assert json.loads((tmp_path / "results.json").read_text())["accuracy"] == 0.93


def _record(rid: str, source: str, status: str) -> dict:
    return {
        "id": rid,
        "statement": None,
        "source": source,
        "status": status,
        "message": f"{rid} {status}",
        "figures": {},
        "counterexample": None,
    }


@pytest.mark.parametrize(
    ("rid", "source"),
    [
        ("conformance/mine/check_convergence", "conformance"),
        ("replicate/simulated/claim_equivalence", "experiments"),
    ],
    ids=["conformance-check", "replication-claim"],
)
def test_compare_names_a_check_or_claim_that_went_from_passed_to_failed(
    good, tmp_path, capsys, rid, source
):
    """A user's CI compares against a baseline: an explainer that starts failing must show."""
    old, new = json.loads(good.read_text()), json.loads(good.read_text())
    old["records"].append(_record(rid, source, "passed"))
    new["records"].append(_record(rid, source, "failed"))
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    assert main(["compare", str(tmp_path / "old.json"), str(tmp_path / "new.json")]) == 1
    out = capsys.readouterr().out
    assert f"REGRESSION record {rid}: passed -> failed" in out
    # ... and the other way round is no regression.
    assert main(["compare", str(tmp_path / "new.json"), str(tmp_path / "old.json")]) == 0


def test_compare_notes_runs_with_other_seeds_or_profiles(good, tmp_path, capsys):
    other = json.loads(good.read_text())
    other["seed"], other["profile"] = 7, "dev"
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert main(["compare", str(good), str(tmp_path / "other.json")]) == 0
    out = capsys.readouterr().out
    assert "different seeds (0 -> 7)" in out and "different profiles (ci -> dev)" in out
    assert "no regressions" in out
    assert main(["compare", str(good), str(good)]) == 0
    assert "NOTE" not in capsys.readouterr().out


def test_compare_refuses_an_unknown_figure_threshold(tmp_path, capsys):
    data = Path(__file__).parent / "data" / "results_v1.json"
    assert main(["compare", str(data), str(data), "--figure-threshold", "worst=0.5"]) == 0
    assert main(["compare", str(data), str(data), "--figure-threshold", "wrost=0.5"]) == 2
    err = capsys.readouterr().err
    assert "unknown figure(s) wrost" in err and "worst" in err

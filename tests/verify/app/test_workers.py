"""The processes of a run: one BLAS thread each, results that cannot travel, crashed evidence.

``verify run --workers N`` forks N workers; each must run its BLAS with one thread
(N workers each starting a thread per core oversubscribe the machine), and a result
that cannot be pickled, or unpickled, must become an error record that names the
statements its task sought evidence on, never an "ok" task with its records gone.
"""

from __future__ import annotations

import os
import pickle

import pytest

from verify.app import threads, workers
from verify.app.run import run_tasks
from verify.app.runner import Task, run_one

threadpoolctl = pytest.importorskip(
    "threadpoolctl",
    reason="threadpoolctl (with scikit-learn: pip install -e '.[test]') reports the BLAS threads",
)


def _blas_threads(seed: int, profile: str) -> dict:
    import numpy as np

    np.ones((64, 64)) @ np.ones((64, 64))  # BLAS loaded and used
    blas = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    variables = {name: os.environ.get(name) for name in threads.THREAD_VARIABLES}
    return {"records": [], "figures": {f"threads_{seed}": {"blas": blas, "env": variables}}}


def _run(tmp_path, tasks: list[Task], workers_count: int) -> dict:
    return run_tasks(
        tasks,
        output=tmp_path / "out",
        run_id="r",
        seed=0,
        profile="dev",
        command="t",
        workers=workers_count,
        render=False,
    )


def _threads_seen(results: dict) -> list[dict]:
    return list(results["figures"].values())


def _here() -> dict[str, int]:
    """This process's BLAS libraries and their threads."""
    info = threadpoolctl.threadpool_info()
    return {p["filepath"]: p["num_threads"] for p in info if p["user_api"] == "blas"}


def _unchanged(before: dict[str, int]) -> bool:
    now = _here()
    return all(now[path] == n for path, n in before.items())


@pytest.mark.skipif(os.cpu_count() == 1, reason="one core: BLAS starts one thread anyway")
def test_the_parent_has_a_blas_thread_per_core_but_every_worker_has_one(tmp_path):
    here = _here()
    results = _run(tmp_path, [Task(f"t{i}", _blas_threads) for i in range(3)], 2)
    seen = _threads_seen(results)
    assert len(seen) == 3 and all(s["blas"] == [1] * len(s["blas"]) and s["blas"] for s in seen)
    assert all(set(s["env"].values()) == {"1"} for s in seen)  # for libraries loaded later
    assert _unchanged(here)  # the limit is the workers' own: the run's process keeps its threads


def test_a_serial_run_limits_blas_while_a_task_runs_and_restores_it(tmp_path):
    here = _here()
    (seen,) = _threads_seen(_run(tmp_path, [Task("t", _blas_threads)], 1))
    assert seen["blas"] and set(seen["blas"]) == {1}
    assert _unchanged(here)


@pytest.mark.skipif(os.name != "posix", reason="spawned workers are the default elsewhere")
def test_without_threadpoolctl_workers_are_spawned_with_the_thread_variables(tmp_path, monkeypatch):
    """The fallback: a spawned worker reads OPENBLAS_NUM_THREADS=1 before numpy loads."""
    monkeypatch.setattr(workers, "have_threadpoolctl", lambda: False)
    monkeypatch.setattr(threads, "have_threadpoolctl", lambda: False)
    pool = workers.WorkerPool(1)
    assert pool.ctx.get_start_method() == "spawn"
    before = {name: os.environ.get(name) for name in threads.THREAD_VARIABLES}
    results = _run(tmp_path, [Task("t", _blas_threads)], 2)
    (seen,) = _threads_seen(results)
    assert seen["blas"] and set(seen["blas"]) == {1}
    assert {name: os.environ.get(name) for name in threads.THREAD_VARIABLES} == before


# -- results that cannot travel between processes ------------------------------------------------


def _unpicklable(seed: int, profile: str) -> dict:
    return {"records": [], "figures": {"bad": lambda: None}}


def _explode() -> None:
    raise RuntimeError("this class exists only in the worker")


class _Bomb:
    """Pickles fine, fails to unpickle (as a class defined only in the worker would)."""

    def __reduce__(self):
        return (_explode, ())


def _unreadable(seed: int, profile: str) -> dict:
    return {"records": [], "figures": {"bomb": _Bomb()}}


def _fine(seed: int, profile: str) -> dict:
    return {"records": [], "figures": {"fine": seed}}


def test_a_result_that_cannot_be_pickled_is_an_error_naming_its_statements(tmp_path):
    tasks = [
        Task("unpicklable", _unpicklable, statements=("proposition1",)),
        Task("unreadable", _unreadable, statements=("proposition3",)),
        Task("fine", _fine),
    ]
    results = _run(tmp_path, tasks, 2)
    status = {t["name"]: (t["status"], t["error"]) for t in results["tasks"]}
    assert status["fine"] == ("ok", None)
    assert status["unpicklable"][0] == "error" and "cannot be sent back" in status["unpicklable"][1]
    assert status["unreadable"][0] == "error" and "cannot be read back" in status["unreadable"][1]
    runner = {r["id"]: r for r in results["records"] if r["source"] == "runner"}
    assert runner["runner/unpicklable"]["figures"]["statements"] == ["proposition1"]
    assert "fine" in results["figures"] and "bad" not in results["figures"]
    # The only evidence on these statements crashed: they read error, not undecided.
    statements = {s["id"]: s for s in results["statements"]}
    assert statements["proposition1"]["status"] == "error"
    assert statements["proposition3"]["status"] == "error"
    assert statements["proposition1"]["scope"]["errors"][0]["record"] == "runner/unpicklable"


def test_the_payload_of_an_unpicklable_result_is_an_error_result():
    task = Task("unpicklable", _unpicklable, statements=("theorem1",))
    payload = workers._payload(task, run_one(task, 0, "dev"))
    result = pickle.loads(payload)
    assert result.status == "error" and result.records[0]["figures"]["statements"] == ["theorem1"]


def _raises(seed: int, profile: str) -> dict:
    raise ValueError("broken task")


@pytest.mark.parametrize("workers_count", [1, 2])
def test_a_statement_whose_only_task_crashed_reads_error(tmp_path, workers_count):
    results = _run(tmp_path, [Task("p", _raises, statements=("lemma6",))], workers_count)
    (entry,) = (s for s in results["statements"] if s["id"] == "lemma6")
    assert entry["status"] == "error" and entry["as_expected"] is False
    assert entry["headline"].startswith("error")
    others = [s["status"] for s in results["statements"] if s["id"] != "lemma6"]
    assert set(others) == {"not_run"}

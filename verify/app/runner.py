"""What a task of a run is, and how one task runs: :class:`Task`, :func:`run_one`.

A task is a module-level function ``fn(seed=..., profile=..., **options)``
returning ``{"records": [...], "figures": {...}}``. Tasks are independent and
seeded from the run seed and their own name (:func:`task_seed`), so every
executor (:mod:`verify.app.executors`: serial, the worker processes of
:mod:`verify.app.workers`, Dask) gives identical results.

Faults stay with their task: a task that raises becomes an error record
(:func:`error_result`) naming the statements the task sought evidence on, so a
statement whose only evidence crashed reads ``error``, not ``undecided``.

This module imports nothing else of the application's execution: the executors
import it, never the other way round.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verify.records import make_record

__all__ = ["Task", "TaskResult", "error_result", "run_one", "task_seed"]


@dataclass(frozen=True)
class Task:
    """A named unit of independent work.

    ``statements`` names the catalogue statements the task seeks evidence on; a
    statement no task of a run names is reported ``not_run``.
    """

    name: str
    fn: Callable[..., dict]
    options: dict[str, Any] = field(default_factory=dict)
    statements: tuple[str, ...] = ()


@dataclass
class TaskResult:
    name: str
    status: str  # "ok" or "error"
    records: list[dict]
    figures: dict[str, Any]
    elapsed_seconds: float
    error: str | None = None


def task_seed(run_seed: int, name: str) -> int:
    """A stable per-task seed: independent of the executor and of task order."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def error_result(task: Task, summary: str, detail: str, elapsed: float) -> TaskResult:
    """The result of a task that did not finish: one error record saying why.

    The record names the statements the task sought evidence on (its figures'
    ``statements``), so that those statements read ``error``: nothing was judged.
    """
    record = make_record(
        id=f"runner/{task.name}",
        source="runner",
        title=f"task {task.name}",
        status="error",
        message=f"{summary}\n{detail}".rstrip(),
        figures={"statements": list(task.statements)},
        elapsed_seconds=elapsed,
    )
    return TaskResult(task.name, "error", [record], {}, elapsed, summary)


def run_one(task: Task, run_seed: int, profile: str) -> TaskResult:
    """Run one task; an exception becomes an error record (KeyboardInterrupt propagates)."""
    start = time.perf_counter()
    try:
        out = task.fn(seed=task_seed(run_seed, task.name), profile=profile, **task.options)
        records = list(out.get("records", []))
        figures = dict(out.get("figures", {}))
        return TaskResult(task.name, "ok", records, figures, time.perf_counter() - start)
    except Exception as exc:  # a broken task is recorded, the run goes on
        return error_result(
            task,
            f"{type(exc).__name__}: {exc}",
            traceback.format_exc(limit=6),
            time.perf_counter() - start,
        )

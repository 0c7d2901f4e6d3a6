"""Run independent verification tasks serially, in processes, or on a Dask cluster.

A task is a module-level function ``fn(seed=..., profile=..., **options)``
returning ``{"records": [...], "figures": {...}}``. Tasks are independent and
seeded from the run seed and their own name, so the three executors give
identical results. Results come back as tasks finish (not in task order, so an
interrupted run keeps everything that finished); :mod:`verify.app.run` puts
them back in task order for the files it writes.

Faults stay with their task: a task that raises is recorded as an error record;
with ``workers > 1`` a worker process that dies (``os._exit``, a segfault in a
client library) becomes an error record for the task it was running, a fresh
worker takes its place, and the run carries on (:mod:`verify.app.workers`).
"""

from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .records import make_record

__all__ = [
    "ExecutorError",
    "Task",
    "TaskResult",
    "error_result",
    "execute",
    "open_executor",
    "run_one",
    "task_seed",
]


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


class ExecutorError(RuntimeError):
    """The executor could not start (a Dask scheduler out of reach): nothing ran."""


def task_seed(run_seed: int, name: str) -> int:
    """A stable per-task seed: independent of the executor and of task order."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def error_result(name: str, summary: str, detail: str, elapsed: float) -> TaskResult:
    """The result of a task that did not finish: one error record saying why."""
    record = make_record(
        id=f"runner/{name}",
        source="runner",
        title=f"task {name}",
        status="error",
        message=f"{summary}\n{detail}".rstrip(),
        elapsed_seconds=elapsed,
    )
    return TaskResult(name, "error", [record], {}, elapsed, summary)


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
            task.name,
            f"{type(exc).__name__}: {exc}",
            traceback.format_exc(limit=6),
            time.perf_counter() - start,
        )


class _Serial:
    def results(self, tasks: list[Task], run_seed: int, profile: str) -> Iterator[TaskResult]:
        for t in tasks:
            yield run_one(t, run_seed, profile)

    def close(self) -> None:
        pass


class _Dask:
    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError as exc:
            raise ImportError("--dask needs the dask extra: pip install -e '.[dask]'") from exc
        try:
            self.client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc

    def results(self, tasks: list[Task], run_seed: int, profile: str) -> Iterator[TaskResult]:
        from distributed import as_completed

        futures = {self.client.submit(run_one, t, run_seed, profile, pure=False): t for t in tasks}
        try:
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # a worker lost with the task (KilledWorker, ...)
                    yield error_result(
                        futures[fut].name,
                        f"the Dask worker running this task failed: {type(exc).__name__}: {exc}",
                        "",
                        0.0,
                    )
        finally:
            self.client.cancel(list(futures))

    def close(self) -> None:
        self.client.close()


def open_executor(workers: int = 1, dask_address: str | None = None) -> Any:
    """An executor with ``results(tasks, run_seed, profile)`` and ``close()``.

    Raises
    ------
    ImportError
        ``dask_address`` given without the dask extra installed.
    ExecutorError
        The Dask scheduler cannot be reached.
    """
    if dask_address is not None:
        return _Dask(dask_address)
    if workers > 1:
        from .workers import WorkerPool

        return WorkerPool(workers)
    return _Serial()


def execute(
    tasks: list[Task],
    run_seed: int,
    profile: str,
    workers: int = 1,
    dask_address: str | None = None,
) -> Iterator[TaskResult]:
    """Yield task results as they finish (any executor; see :func:`open_executor`)."""
    executor = open_executor(workers, dask_address)
    try:
        yield from executor.results(tasks, run_seed, profile)
    finally:
        executor.close()

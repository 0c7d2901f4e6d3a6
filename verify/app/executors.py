"""Run a run's tasks serially, in worker processes, or on a Dask cluster.

Every executor has ``results(tasks, run_seed, profile)``, yielding a
:class:`~verify.app.runner.TaskResult` as each task finishes (not in task order,
so an interrupted run keeps everything that finished; :mod:`verify.app.run`
puts them back in task order for the files it writes), and ``close()``. Tasks
are seeded from the run seed and their own name, so the three executors give
identical results.

Faults stay with their task: a task that raises is an error record; with
``workers > 1`` a worker process that dies (``os._exit``, a segfault in a
client library) becomes an error record for the task it was running, a fresh
worker takes its place, and the run carries on (:mod:`verify.app.workers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .runner import Task, TaskResult, error_result, run_one
from .threads import single_threaded

__all__ = ["ExecutorError", "execute", "open_executor"]


class ExecutorError(RuntimeError):
    """The executor could not start (a Dask scheduler out of reach): nothing ran."""


class _Serial:
    def results(self, tasks: list[Task], run_seed: int, profile: str) -> Iterator[TaskResult]:
        for t in tasks:
            with single_threaded():  # not across the yield: the caller's code is its own
                result = run_one(t, run_seed, profile)
            yield result

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
                        futures[fut],
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

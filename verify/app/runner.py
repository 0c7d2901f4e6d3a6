"""Run independent verification tasks serially, in processes, or on a Dask cluster.

A task is a module-level function ``fn(seed=..., profile=..., **options)``
returning ``{"records": [...], "figures": {...}}``. Tasks are independent and
seeded from the run seed and their own name, so the three executors give
identical results. A task that raises is recorded as an error record and the
run carries on.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .records import make_record

__all__ = ["Task", "TaskResult", "execute", "task_seed"]


@dataclass(frozen=True)
class Task:
    """A named unit of independent work."""

    name: str
    fn: Callable[..., dict]
    options: dict[str, Any] = field(default_factory=dict)


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


def _run_one(task: Task, run_seed: int, profile: str) -> TaskResult:
    start = time.perf_counter()
    try:
        out = task.fn(seed=task_seed(run_seed, task.name), profile=profile, **task.options)
        records = list(out.get("records", []))
        figures = dict(out.get("figures", {}))
        return TaskResult(task.name, "ok", records, figures, time.perf_counter() - start)
    except Exception as exc:  # a broken task is recorded, the run goes on
        elapsed = time.perf_counter() - start
        summary = f"{type(exc).__name__}: {exc}"
        detail = traceback.format_exc(limit=6)
        record = make_record(
            id=f"runner/{task.name}",
            source="runner",
            title=f"task {task.name}",
            status="error",
            message=f"{summary}\n{detail}",
            elapsed_seconds=elapsed,
        )
        return TaskResult(task.name, "error", [record], {}, elapsed, summary)


def execute(
    tasks: list[Task],
    run_seed: int,
    profile: str,
    workers: int = 1,
    dask_address: str | None = None,
) -> Iterator[TaskResult]:
    """Yield task results as they finish (in task order for reproducible output files)."""
    if dask_address is not None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ImportError(
                "--dask needs the dask extra: pip install 'xai-verify[dask]'"
            ) from exc
        with Client(dask_address) as client:
            futures = [client.submit(_run_one, t, run_seed, profile, pure=False) for t in tasks]
            for fut in futures:
                yield fut.result()
        return
    if workers <= 1:
        for t in tasks:
            yield _run_one(t, run_seed, profile)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_one, t, run_seed, profile) for t in tasks]
        for fut in futures:
            yield fut.result()

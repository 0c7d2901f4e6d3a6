"""Assemble a verification run: execute tasks, merge statuses, write the report.

``results.json`` is rewritten atomically after every finished task with
``"complete": false``, so an interrupted run leaves a readable, clearly marked
partial report; the final write sets ``"complete": true`` after ``report.md``,
``report.html`` and the figures are on disk. Results arrive as tasks finish
(any order); the files list them in task order, so equal runs write equal files.

Before the first task the executor is started (a Dask scheduler out of reach is
an error before any file exists) and the run folder is claimed
(:func:`verify.app.outdir.claim_output`: checked, locked, cleared of the
previous run's report).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from verify.catalogue import STATEMENTS

from .console import progress_line
from .environment import environment
from .executors import open_executor
from .experiments import counterexample_data
from .outdir import claim_output
from .output import atomic_write_bytes, atomic_write_text, write_json
from .report.figures import render_figures
from .report.render import render_html, render_markdown
from .runner import Task, TaskResult, error_result
from .schema import SCHEMA_VERSION
from .scope import statement_entry

__all__ = ["finalise_statements", "record_crash", "run_tasks", "spec_href", "write_report"]


def finalise_statements(records: list[dict], ran: Iterable[str] | None = None) -> list[dict]:
    """One entry per statement, in the catalogue's order: status, scope, headline.

    ``ran`` names the statements some task of the run sought evidence on (None:
    all); the others are ``not_run`` unless records about them exist anyway. The
    error record of a task that crashed counts for every statement it names (its
    figures' ``statements``): those statements read ``error``, not ``undecided``.
    """
    covered = set(STATEMENTS) if ran is None else set(ran)
    evidence = list(records)
    for r in records:
        if r["source"] == "runner" and r["statement"] is None:
            evidence += [{**r, "statement": s} for s in r["figures"].get("statements", [])]
    return [statement_entry(s, evidence, s.id in covered) for s in STATEMENTS.values()]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def spec_href(output: Path) -> str | None:
    """docs/math.md relative to the run folder, if the checkout ships it (None otherwise)."""
    spec = Path(__file__).resolve().parents[2] / "docs" / "math.md"
    if not spec.is_file():
        return None
    return Path(os.path.relpath(spec, Path(output).resolve())).as_posix()


def write_report(output: Path, results: dict, figures: bool = True) -> None:
    """report.md and report.html (and the figures' PNG files when ``figures``)."""
    rendered = render_figures(results["figures"]) if figures else {}
    files, captions = {}, {}
    for name, (png, caption) in rendered.items():
        atomic_write_bytes(output / f"figure_{name}.png", png)
        files[name], captions[name] = f"figure_{name}.png", caption
    href = spec_href(output)
    atomic_write_text(
        output / "report.md",
        render_markdown(results, files, captions=captions, spec_href=href),
    )
    atomic_write_text(output / "report.html", render_html(results, rendered, spec_href=href))


def _assemble(results: dict, tasks: list[Task], done: dict[str, TaskResult], start: float) -> None:
    """Records, figures and task states in task order, from the results so far."""
    records, figures = [], {}
    for entry, task in zip(results["tasks"], tasks, strict=True):
        result = done.get(task.name)
        if result is None:
            continue
        records += result.records
        figures.update(result.figures)
        entry.update(
            status=result.status, error=result.error, elapsed_seconds=result.elapsed_seconds
        )
    ran = {s for t in tasks for s in t.statements}
    results["records"], results["figures"] = records, figures
    results["statements"] = finalise_statements(records, ran)
    results["elapsed_seconds"] = time.perf_counter() - start


def _derived_figures(results: dict) -> None:
    """Figures drawn from other tasks' records: the Theorem 2 counterexample in its own sigma."""
    found = next(
        (r for r in results["records"] if r["id"] == "properties/theorem2_published"), None
    )
    data = counterexample_data(found)
    if data is not None:
        results["figures"]["counterexample"] = data


def run_tasks(
    tasks: list[Task],
    *,
    output: Path,
    run_id: str,
    seed: int,
    profile: str,
    command: str,
    workers: int = 1,
    dask_address: str | None = None,
    progress: Callable[[str], None] | None = None,
    render: bool = True,
) -> dict:
    """Run ``tasks`` and write ``output/results.json`` (+ report.md, report.html, figures).

    Raises
    ------
    verify.app.outdir.OutputError
        ``output`` cannot be used (nothing ran).
    ImportError, verify.app.executors.ExecutorError
        The executor cannot start (nothing ran, no folder written).
    KeyboardInterrupt
        After writing every finished task to a partial results.json and report.
    """
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ValueError(f"task names must be unique, got {names}")
    executor = open_executor(workers, dask_address)
    start = time.perf_counter()
    results = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "complete": False,
        "command": command,
        "seed": seed,
        "profile": profile,
        "environment": environment(),
        "started": _now(),
        "finished": None,
        "elapsed_seconds": 0.0,
        "statements": [],
        "records": [],
        "figures": {},
        "tasks": [
            {"name": t.name, "status": "pending", "error": None, "elapsed_seconds": 0.0}
            for t in tasks
        ],
    }
    done: dict[str, TaskResult] = {}
    try:
        with claim_output(output):
            _assemble(results, tasks, done, start)
            write_json(output / "results.json", results)
            try:
                for result in executor.results(tasks, seed, profile):
                    done[result.name] = result
                    _assemble(results, tasks, done, start)
                    write_json(output / "results.json", results)
                    if progress:
                        progress(progress_line(result, len(done), len(tasks)))
            except KeyboardInterrupt:
                executor.close()
                _assemble(results, tasks, done, start)
                write_json(output / "results.json", results)
                if render:
                    write_report(output, results, figures=False)  # quick: no matplotlib
                raise
            results["complete"] = True
            results["finished"] = _now()
            _derived_figures(results)
            results["elapsed_seconds"] = time.perf_counter() - start
            if render:
                write_report(output, results)
            # results.json last: "complete": true only once everything else is on disk.
            write_json(output / "results.json", results)
    finally:
        executor.close()
    return results


def _crashed(**_: object) -> dict:  # stands in for the task that crashed
    raise RuntimeError("not to be run")


def record_crash(output: Path, plan: list) -> tuple[str | None, int]:
    """Mark the running task of a crashed serial run as an error; write the partial report.

    Returns the task's name (None if none was running) and how many had finished.
    """
    results = json.loads((output / "results.json").read_text())
    statements = {name: tuple(s) for name, s in plan}
    pending = [t for t in results["tasks"] if t["status"] == "pending"]
    finished = len(results["tasks"]) - len(pending)
    running = pending[0]["name"] if pending else None
    if running is not None:
        task = Task(running, _crashed, statements=statements.get(running, ()))
        summary = "the process crashed in native code while running this task (a segfault?)"
        failed = error_result(task, summary, "Rerun with --workers 2 to isolate it.", 0.0)
        pending[0].update(status="error", error=summary)
        results["records"] += failed.records
        ran = {s for names in statements.values() for s in names}
        results["statements"] = finalise_statements(results["records"], ran)
    with claim_output(output):
        write_json(output / "results.json", results)
        write_report(output, results, figures=False)
    return running, finished

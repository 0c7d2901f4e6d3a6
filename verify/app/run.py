"""Assemble a verification run: execute tasks, merge statuses, write the report.

``results.json`` is rewritten atomically after every finished task with
``"complete": false``, so an interrupted run leaves a readable, clearly marked
partial report; the final write sets ``"complete": true`` and renders
``report.md`` and ``report.html``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from verify.catalogue import STATEMENTS
from verify.status import merge

from .environment import environment
from .output import atomic_write_bytes, atomic_write_text, write_json
from .report.figures import render_figures
from .report.render import render_html, render_markdown
from .runner import Task, execute
from .schema import SCHEMA_VERSION

__all__ = ["finalise_statements", "run_tasks"]


def finalise_statements(records: list[dict]) -> list[dict]:
    """One summary entry per statement, in the registry's order."""
    out = []
    for sid, statement in STATEMENTS.items():
        statuses = [r["status"] for r in records if r["statement"] == sid]
        status = merge(statuses)
        entry = statement.as_dict()
        entry["status"] = status
        entry["as_expected"] = status in statement.expected
        out.append(entry)
    return out


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


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
    """Run ``tasks`` and write ``output/results.json`` (+ report.md, report.html, figures)."""
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
        "statements": finalise_statements([]),
        "records": [],
        "figures": {},
        "tasks": [
            {"name": t.name, "status": "pending", "error": None, "elapsed_seconds": 0.0}
            for t in tasks
        ],
    }
    output.mkdir(parents=True, exist_ok=True)
    write_json(output / "results.json", results)
    index = {t.name: i for i, t in enumerate(tasks)}
    for done, result in enumerate(execute(tasks, seed, profile, workers, dask_address), 1):
        results["records"].extend(result.records)
        results["figures"].update(result.figures)
        results["tasks"][index[result.name]].update(
            status=result.status, error=result.error, elapsed_seconds=result.elapsed_seconds
        )
        results["statements"] = finalise_statements(results["records"])
        results["elapsed_seconds"] = time.perf_counter() - start
        write_json(output / "results.json", results)
        if progress:
            tail = "ok" if result.status == "ok" else f"ERROR {result.error}"
            progress(
                f"[{done}/{len(tasks)}] {result.name}: {tail} ({result.elapsed_seconds:.1f} s)"
            )
    results["complete"] = True
    results["finished"] = _now()
    results["elapsed_seconds"] = time.perf_counter() - start
    if render:
        figure_files = {}
        for name, (png, _caption) in render_figures(results["figures"]).items():
            atomic_write_bytes(output / f"figure_{name}.png", png)
            figure_files[name] = f"figure_{name}.png"
        atomic_write_text(output / "report.md", render_markdown(results, figure_files))
        atomic_write_text(output / "report.html", render_html(results))
    # results.json last: "complete": true only once everything else is on disk.
    write_json(output / "results.json", results)
    return results

"""Compare two runs and name every regression, for use in users' CI.

A regression is:

* a statement whose status was as expected and no longer is;
* a record (proof, property, conformance check, replication claim) that was good
  and is now bad, where good means its statement's expected status, or
  passed/xfail/xpass/skipped for conformance checks and claims;
* a record present in the old run and missing from the new one (unless the new
  run is partial: then its unfinished tasks are said to be unfinished, not missing);
* a numeric figure that moved by more than a user-given relative threshold.

Every schema version loads: version 1 files (before statements carried their
scope) compare on the fields all versions share.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from verify.catalogue import STATEMENTS
from verify.status import PASSED, SKIPPED, XFAIL, XPASS

from .schema import READABLE_VERSIONS

__all__ = ["compare_runs", "figure_names", "load_results", "run_notes"]

_GOOD_CHECK = (PASSED, XFAIL, XPASS, SKIPPED)
_RECORD_KEYS = ("id", "statement", "source", "status", "message", "figures")
_STATEMENT_KEYS = ("id", "status", "as_expected")


def _shape_problem(data: Any) -> str | None:
    """What makes ``data`` not a results file (None if it is one)."""
    if not isinstance(data, dict):
        return f"it holds a JSON {type(data).__name__}, not an object"
    missing = [k for k in ("schema_version", "statements", "records", "tasks") if k not in data]
    if missing:
        return f"it lacks the key(s) {', '.join(missing)}"
    if data["schema_version"] not in READABLE_VERSIONS:
        return (
            f"it has schema_version {data['schema_version']!r}; this xai-verify reads "
            f"{', '.join(map(str, READABLE_VERSIONS))} (rerun `verify run` with this version)"
        )
    for key, fields in (("records", _RECORD_KEYS), ("statements", _STATEMENT_KEYS)):
        items = data[key]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return f"its {key} is not a list of objects"
        for item in items:
            lacking = [f for f in fields if f not in item]
            if lacking:
                return f"an entry of its {key} lacks {', '.join(lacking)}"
    if not isinstance(data["tasks"], list):
        return "its tasks is not a list"
    return None


def load_results(path: str | Path) -> dict:
    """Load ``results.json`` from a run folder or a file path (schema version 1 or 2).

    Raises
    ------
    FileNotFoundError
        Nothing at ``path`` (or no results.json in the folder).
    ValueError
        The file is not a results file: not JSON, truncated, another JSON value,
        missing keys, an unknown schema version. The message names the file.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    if not p.exists():
        raise FileNotFoundError(f"no results.json at {p}; pass a run folder or its results.json")
    try:
        data = json.loads(p.read_text())
    except UnicodeDecodeError:
        raise ValueError(f"{p} is not a results file: it is not text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{p} is not a results file: invalid JSON ({exc.msg} at line {exc.lineno}); a "
            "truncated copy? results.json itself is always written whole"
        ) from None
    problem = _shape_problem(data)
    if problem:
        raise ValueError(f"{p} is not a results file of `verify run`: {problem}")
    return data


def _good(record: dict) -> bool:
    if record["statement"] is not None and record["statement"] in STATEMENTS:
        return record["status"] in STATEMENTS[record["statement"]].expected
    return record["status"] in _GOOD_CHECK


def _progress(run: dict) -> str:
    tasks = run["tasks"]
    finished = sum(t.get("status") != "pending" for t in tasks)
    return f"{finished} of {len(tasks)} tasks finished"


def run_notes(old: dict, new: dict) -> list[str]:
    """Lines saying how the two runs differ beyond their results: a partial run (``complete:
    false``) and what that leaves out, another seed or profile (figures and counterexamples
    then differ for that reason, not because of a regression)."""
    notes = []
    for key in ("seed", "profile"):
        if key in old and key in new and old[key] != new[key]:
            notes.append(
                f"NOTE the runs have different {key}s ({old[key]} -> {new[key]}): figures, "
                "counterexamples and shrunk problems may differ for that reason alone"
            )
    if not old.get("complete", True):
        notes.append(f"PARTIAL old run ({_progress(old)}): only its finished tasks are compared")
    if not new.get("complete", True):
        pending = [t["name"] for t in new["tasks"] if t.get("status") == "pending"]
        notes.append(
            f"PARTIAL new run ({_progress(new)}): unfinished, not compared: "
            + (", ".join(pending) or "none")
        )
    return notes


def figure_names(run: dict) -> set[str]:
    """The numeric figures the run's records carry (the names ``--figure-threshold`` takes)."""
    return {
        k
        for r in run["records"]
        for k, v in (r.get("figures") or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def compare_runs(
    old: dict, new: dict, figure_thresholds: dict[str, float] | None = None
) -> list[str]:
    """Every regression from ``old`` to ``new``, as readable lines (empty: none)."""
    problems = []
    new_complete = new.get("complete", True)
    new_statements = {s["id"]: s for s in new["statements"]}
    for s in old["statements"]:
        now = new_statements.get(s["id"])
        if now is None:
            problems.append(f"statement {s['id']}: missing from the new run")
        elif s["as_expected"] and now["as_expected"] is False and new_complete:
            problems.append(f"statement {s['id']}: {s['status']} -> {now['status']}")
    new_records = {r["id"]: r for r in new["records"]}
    thresholds = figure_thresholds or {}
    for r in old["records"]:
        if r["source"] == "runner":
            continue
        now = new_records.get(r["id"])
        if now is None:
            if new_complete:
                problems.append(f"record {r['id']}: missing from the new run")
            continue
        if _good(r) and not _good(now):
            first = now["message"].splitlines()[0] if now["message"] else ""
            problems.append(f"record {r['id']}: {r['status']} -> {now['status']}: {first}")
        for key, rel in thresholds.items():
            a, b = r["figures"].get(key), now["figures"].get(key)
            if isinstance(a, int | float) and isinstance(b, int | float):
                if abs(b - a) > rel * max(abs(a), 1e-300):
                    problems.append(
                        f"record {r['id']}: figure {key} {a:.6g} -> {b:.6g} (> {rel:.0%})"
                    )
    return problems

"""Compare two runs and name every regression, for use in users' CI.

A regression is:

* a statement whose status was as expected and no longer is;
* a record (proof, property, conformance check) that was good and is now bad,
  where good means its statement's expected status, or passed/xfail/skipped
  for conformance checks;
* a record present in the old run and missing from the new one;
* a numeric figure that moved by more than a user-given relative threshold.
"""

from __future__ import annotations

import json
from pathlib import Path

from verify.catalogue import STATEMENTS
from verify.status import PASSED, SKIPPED, XFAIL

from .schema import SCHEMA_VERSION

__all__ = ["compare_runs", "load_results"]

_GOOD_CHECK = (PASSED, XFAIL, SKIPPED)


def load_results(path: str | Path) -> dict:
    """Load ``results.json`` from a run folder or a file path, refusing other schemas."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    if not p.exists():
        raise FileNotFoundError(f"no results.json at {p}; pass a run folder or its results.json")
    data = json.loads(p.read_text())
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(
            f"{p} has schema_version {data.get('schema_version')!r}, this xai-verify reads "
            f"{SCHEMA_VERSION}; rerun `verify run` with this version"
        )
    return data


def _good(record: dict) -> bool:
    if record["statement"] is not None:
        return record["status"] in STATEMENTS[record["statement"]].expected
    return record["status"] in _GOOD_CHECK


def compare_runs(
    old: dict, new: dict, figure_thresholds: dict[str, float] | None = None
) -> list[str]:
    """Every regression from ``old`` to ``new``, as readable lines (empty: none)."""
    problems = []
    new_statements = {s["id"]: s for s in new["statements"]}
    for s in old["statements"]:
        now = new_statements.get(s["id"])
        if now is None:
            problems.append(f"statement {s['id']}: missing from the new run")
        elif s["as_expected"] and not now["as_expected"]:
            problems.append(f"statement {s['id']}: {s['status']} -> {now['status']}")
    new_records = {r["id"]: r for r in new["records"]}
    thresholds = figure_thresholds or {}
    for r in old["records"]:
        if r["source"] == "runner":
            continue
        now = new_records.get(r["id"])
        if now is None:
            problems.append(f"record {r['id']}: missing from the new run")
            continue
        if _good(r) and not _good(now):
            problems.append(
                f"record {r['id']}: {r['status']} -> {now['status']}: {now['message'][:200]}"
            )
        for key, rel in thresholds.items():
            a, b = r["figures"].get(key), now["figures"].get(key)
            if isinstance(a, int | float) and isinstance(b, int | float):
                if abs(b - a) > rel * max(abs(a), 1e-300):
                    problems.append(
                        f"record {r['id']}: figure {key} {a:.6g} -> {b:.6g} (> {rel:.0%})"
                    )
    return problems

"""What the ``verify`` command prints: progress lines, the summary, the claims verdicts.

The console says what the report says: a failed conformance check reads
"failed" in the progress line, a statement shows its headline (what was proved,
verified or falsified), and the paper's experimental claims are listed with
their verdicts (a failed claim is a finding, shown plainly).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import TextIO

from verify.catalogue import STATEMENTS
from verify.status import ERROR, FAILED, FALSIFIED, INCONCLUSIVE, NOT_RUN, PASSED, XPASS

__all__ = [
    "failure_lines",
    "print_check_summary",
    "print_claims",
    "print_summary",
    "progress_line",
    "split_failure",
    "xpass_lines",
]


def _failures(records: list[dict]) -> list[str]:
    """Records that say something went wrong (not expected falsifications, not claims)."""
    bad = []
    for r in records:
        if r["id"].startswith("replicate/"):
            continue  # a claim that fails is a finding, counted apart
        if r["status"] in (FAILED, ERROR):
            bad.append(r["title"] or r["id"])
        elif r["statement"] and r["status"] == FALSIFIED:
            if FALSIFIED not in STATEMENTS[r["statement"]].expected:
                bad.append(r["id"])
    return bad


def _claim_counts(records: list[dict]) -> str:
    counts: dict[str, int] = {}
    for r in records:
        if r["id"].startswith("replicate/") and r["figures"].get("claim"):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    if not counts:
        return ""
    order = [PASSED, FAILED, INCONCLUSIVE]
    words = [f"{counts[s]} {s}" for s in order if s in counts]
    words += [f"{n} {s}" for s, n in sorted(counts.items()) if s not in order]
    return "claims: " + ", ".join(words)


def progress_line(result, done: int, total: int) -> str:
    """``[3/21] conformance x: failed (2 of 17 checks: check_a, check_b) (1.2 s)``."""
    if result.status != "ok":
        tail = f"ERROR {result.error}"
    else:
        bad = _failures(result.records)
        if bad:
            shown = ", ".join(bad[:3]) + (", ..." if len(bad) > 3 else "")
            tail = f"failed ({len(bad)} of {len(result.records)}: {shown})"
        else:
            tail = "ok"
        claims = _claim_counts(result.records)
        if claims:
            tail += f"; {claims}"
    return f"[{done}/{total}] {result.name}: {tail} ({result.elapsed_seconds:.1f} s)"


def _wrap(text: str, indent: int, out: TextIO) -> None:
    pad = " " * indent
    print(textwrap.fill(text, width=100, initial_indent=pad, subsequent_indent=pad), file=out)


def print_claims(results: dict, out: TextIO | None = None) -> None:
    """The paper's experimental claims and their verdicts, one per line."""
    out = out or sys.stdout
    claims = [
        r
        for r in results["records"]
        if r["id"].startswith("replicate/") and r["figures"].get("claim")
    ]
    if not claims:
        return
    print("\nthe paper's experimental claims (failed: a finding about the paper)", file=out)
    width = max(len(r["id"].split("/")[1]) for r in claims)
    for r in claims:
        dataset = r["id"].split("/")[1]
        verdict = r["status"].upper() if r["status"] != PASSED else r["status"]
        print(f"  {dataset:<{width}}  {verdict:<12} {r['figures']['claim']}", file=out)
        if r["status"] != PASSED:
            _wrap(r["message"], width + 17, out)


def print_summary(results: dict, output: Path, out: TextIO | None = None) -> None:
    """Statements (with their headlines), conformance counts, claims, the report's path."""
    out = out or sys.stdout
    if any(r["statement"] for r in results["records"]):
        width = max(len(s["id"]) for s in results["statements"])
        print(f"\n{'statement':<{width}}  {'status':<10} as expected", file=out)
        for s in results["statements"]:
            mark = {True: "yes", False: "NO", None: "-"}[s["as_expected"]]
            print(f"{s['id']:<{width}}  {s['status']:<10} {mark}", file=out)
            if s["status"] != NOT_RUN:
                _wrap(s["headline"], 4, out)
        skipped = [s["id"] for s in results["statements"] if s["status"] == NOT_RUN]
        if skipped:
            print(f"(not run: outside the selection: {', '.join(skipped)})", file=out)
    verdicts: dict[str, dict[str, int]] = {}
    for r in results["records"]:
        if r["source"] == "conformance":
            counts = verdicts.setdefault(r["explainer"], {})
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    if verdicts:
        print("\nconformance", file=out)
        for name, counts in verdicts.items():
            line = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
            print(f"  {name}: {line}", file=out)
    print_claims(results, out)
    print(f"\nreport: {output / 'report.html'}  (also report.md, results.json)", file=out)


def print_check_summary(results: dict, output: Path, out: TextIO | None = None) -> None:
    """``verify check``: one line per check, then the report's path."""
    out = out or sys.stdout
    for r in results["records"]:
        print(f"{r['status']:<8} {r['title']}", file=out)
    print(f"\nreport: {output / 'report.html'}", file=out)


def split_failure(name: str, message: str) -> tuple[str, str]:
    """(what went wrong, its usual cause) of a check's failure message, for one console line.

    The battery writes ``<check> failed: <what>[ on a valid input (...)]; on the minimal
    problem found (...): <problem> [seed=S]. Usual cause: <cause> Replay: ...``; the
    console shows the first and the cause, the report the whole message.
    """
    text = message.splitlines()[0] if message else ""
    text = text.removeprefix(f"{name} failed: ").removeprefix(f"{name}: ")
    body, _, cause = text.partition(" Usual cause: ")
    cause = cause.split(" Replay: ")[0].strip().rstrip(".")
    what = body
    for end in ("; on the minimal problem", " on a valid input (", " [seed="):
        what = what.split(end)[0]
    return what.strip().rstrip("."), cause


def _names(titles: list[str], most: int = 6) -> str:
    short = [t.removeprefix("check_") for t in titles]
    if len(short) <= most:
        return ", ".join(short)
    return ", ".join(short[:most]) + f", ... ({len(short)} in all)"


def failure_lines(records: list[dict], output: Path) -> list[str]:
    """The failed and unrun checks, one line per distinct reason, then where to read and replay.

    An explainer that raises fails every check the same way: one line says so.
    """
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in records:
        if r["status"] in (FAILED, ERROR):
            what, cause = split_failure(r["title"], r["message"])
            groups.setdefault((r["status"], what, cause), []).append(r)
    lines = []
    for (status, what, cause), group in groups.items():
        count = f"{len(group)} checks" if len(group) > 1 else group[0]["title"]
        verb = "failed" if status == FAILED else "not judged"
        text = f"verify: {count} {verb}: {what}."
        if cause:
            text += f" Usual cause: {cause}."
        if len(group) > 1:
            text += f" ({_names([r['title'] for r in group])})"
        lines.append(text)
    if lines:
        failed = [r for g in groups.values() for r in g if r["status"] == FAILED]
        where = f"verify: each failure whole (minimal problem, seed): {output / 'report.md'}"
        if failed:
            where += f"; rerun one alone: verify replay {output} {failed[0]['id']}"
        lines.append(where)
    return lines


def xpass_lines(records: list[dict]) -> list[str]:
    """A check declared to fail that passed: say so (the run does not fail for it)."""
    return [
        f"verify: {r['title']} passed although declared to fail (xpass"
        + (f", {r['explainer']}" if r.get("explainer") else "")
        + "): remove its declaration (--expected-fail or the adapter's expected_failed_checks)"
        for r in records
        if r["status"] == XPASS
    ]

"""What the report shows, prepared once for both renderings (Markdown and HTML).

Nothing here is cut short: failure messages and counterexamples are given whole,
as readable values (:mod:`verify.app.counterexamples`); the conformance records
become one matrix (explainers x checks) with the figures behind every verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..counterexamples import format_value, readable

__all__ = [
    "Matrix",
    "StatementView",
    "claims",
    "conformance_matrix",
    "counterexamples",
    "errors",
    "figure_text",
    "has_statements",
    "spec_link",
    "statements",
]

#: Status -> cell word in the conformance matrix.
CELL_WORDS = {
    "passed": "pass",
    "failed": "FAIL",
    "skipped": "skip",
    "xfail": "xfail",
    "xpass": "xpass",
    "error": "error",
}


def spec_link(reference: str | None, spec_href: str | None) -> str | None:
    """The link to a statement's section of docs/math.md (None when the docs are not at hand)."""
    if not reference or not spec_href:
        return None
    _, _, anchor = reference.partition("#")
    return f"{spec_href}#{anchor}" if anchor else spec_href


@dataclass
class StatementView:
    id: str
    title: str
    claim: str
    status: str
    expected: str
    as_expected: bool | None
    headline: str
    link: str | None
    reference: str
    proved: list[tuple[list[str], list[str]]] = field(
        default_factory=list
    )  # (assumptions, classes)
    verified: list[str] = field(default_factory=list)
    falsified: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    discounted: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)


def has_statements(results: dict) -> bool:
    """A conformance-only run (``verify check``) judges no statement: no table then."""
    return any(r["statement"] for r in results["records"])


def _verified_line(v: dict) -> str:
    parts = [f"{v['inputs']}: {v['examples']} examples"]
    if v.get("false_alarm") is not None:
        parts.append(f"false-alarm budget spent {format_value(v['false_alarm'])}")
    if v.get("regimes"):
        regimes = ", ".join(f"{k} ({n})" for k, n in v["regimes"].items())
        parts.append(f"regimes drawn: {regimes}")
    return "; ".join(parts)


def statements(results: dict, spec_href: str | None = None) -> list[StatementView]:
    """One view per statement, with its scope grouped for reading."""
    out = []
    for s in results["statements"]:
        scope = s.get("scope") or {}
        by_assumptions: dict[tuple[str, ...], list[str]] = {}
        for p in scope.get("proved", []):
            by_assumptions.setdefault(tuple(p["assumptions"]), []).append(p["class"])
        out.append(
            StatementView(
                id=s["id"],
                title=s["title"],
                claim=s.get("claim", ""),
                status=s["status"],
                expected="/".join(s["expected"]),
                as_expected=s.get("as_expected"),
                headline=s.get("headline", ""),
                link=spec_link(s.get("reference"), spec_href),
                reference=s.get("reference", ""),
                proved=[(list(a), c) for a, c in by_assumptions.items()],
                verified=[_verified_line(v) for v in scope.get("verified", [])],
                falsified=[f"{c['summary']} ({c['record']})" for c in scope.get("falsified", [])],
                undecided=[
                    f"{u['class']}: {u['reason']} ({u['record']})"
                    for u in scope.get("undecided", [])
                ],
                discounted=[f"{d['record']}: {d['why']}" for d in scope.get("discounted", [])],
                open=list(scope.get("open", [])),
            )
        )
    return out


def counterexamples(results: dict) -> list[dict[str, Any]]:
    """Every record's counterexample as labelled values, with where it comes from."""
    out = []
    for r in results["records"]:
        if r["counterexample"]:
            kind = "exact symbolic witness" if r["source"] == "symbolic" else "counterexample"
            out.append(
                {
                    "record": r["id"],
                    "statement": r["statement"],
                    "kind": kind,
                    "title": r["title"],
                    "items": readable(r["counterexample"]),
                }
            )
    return out


def claims(results: dict) -> list[dict[str, str]]:
    """The replication's verdicts on the paper's experimental claims, messages whole."""
    rows = []
    for r in results["records"]:
        if r["id"].startswith("replicate/"):
            rows.append(
                {
                    "dataset": r["id"].split("/")[1],
                    "claim": str(r["figures"].get("claim", r["title"])),
                    "status": r["status"],
                    "measured": r["message"],
                }
            )
    return rows


def figure_text(figures: dict[str, Any]) -> str:
    """The numbers behind a verdict, readable: ``worst = 0.2345, n = 2000``."""
    return ", ".join(f"{k} = {format_value(v)}" for k, v in figures.items())


@dataclass
class Matrix:
    """Conformance verdicts: ``cells[(explainer, check)]`` is that check's record."""

    explainers: list[str]
    checks: list[str]
    cells: dict[tuple[str, str], dict]

    def short(self, check: str) -> str:
        return check.removeprefix("check_")

    def counts(self, explainer: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.checks:
            record = self.cells.get((explainer, c))
            if record:
                out[record["status"]] = out.get(record["status"], 0) + 1
        return out

    def problems(self) -> list[dict]:
        """Every record that is not a plain pass, in matrix order, for the details below it."""
        return [
            self.cells[(e, c)]
            for e in self.explainers
            for c in self.checks
            if (e, c) in self.cells and self.cells[(e, c)]["status"] != "passed"
        ]


def conformance_matrix(results: dict) -> Matrix | None:
    records = [r for r in results["records"] if r["source"] == "conformance"]
    if not records:
        return None
    explainers = list(dict.fromkeys(r["explainer"] or "?" for r in records))
    checks = list(dict.fromkeys(r["title"] for r in records))
    cells = {(r["explainer"] or "?", r["title"]): r for r in records}
    return Matrix(explainers, checks, cells)


def cell_detail(record: dict) -> str:
    """What a matrix cell shows on hover: the figures and the seed."""
    text = figure_text(record["figures"]) or "no figures"
    return f"{record['status']}: {text}; seed {record['seed']}"


def errors(results: dict) -> list[dict[str, str]]:
    """Tasks that crashed, with their whole error record."""
    messages = {r["id"]: r["message"] for r in results["records"] if r["source"] == "runner"}
    return [
        {"task": t["name"], "error": messages.get(f"runner/{t['name']}", t["error"] or "")}
        for t in results["tasks"]
        if t["status"] == "error"
    ]

"""What the report shows, prepared once for both renderings (Markdown and HTML).

Nothing here is cut short: failure messages and counterexamples are given whole,
as readable values (:mod:`verify.app.counterexamples`); the conformance records
become one matrix (explainers x checks) with the figures behind every verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verify.status import ERROR, FAILED, PASSED, SKIPPED, XFAIL, XPASS

from ..counterexamples import format_value, readable

__all__ = [
    "APPENDIX_HEADER",
    "CELL_WORDS",
    "LEGEND",
    "WORST",
    "Matrix",
    "StatementView",
    "appendix_row",
    "claims",
    "conformance_matrix",
    "counterexamples",
    "errors",
    "figure_text",
    "has_statements",
    "reason_text",
    "spec_link",
    "statements",
    "version",
]

#: Status (the vocabulary of :mod:`verify.status`) -> its word in a matrix cell, the one
#: table the conformance matrix, the ecosystem table and the console share. Capitals mark
#: what needs a look.
CELL_WORDS = {
    PASSED: "pass",
    FAILED: "FAIL",
    SKIPPED: "skip",
    XFAIL: "xfail",
    XPASS: "XPASS",
    ERROR: "ERROR",
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


_ESTIMATOR_WORDS = {"smoothgrad": "SmoothGrad", "clime": "C-LIME"}


def power_phrase(power: dict | None) -> str:
    """What a verified property run could have seen, in words (its ``power`` figures)."""
    parts = []
    for key, p in (power or {}).items():
        if not isinstance(p, dict):
            continue  # the range of n
        name = _ESTIMATOR_WORDS.get(key, key)
        if p.get("relative_bias") is None:
            parts.append(f"no relative bias of {name} was visible on any problem")
            continue
        caught = p.get("caught", {}).get("0.03")
        per_problem = (
            f" (a 3 % bias alone on {caught} of {p['problems']} problems)"
            if caught is not None
            else ""
        )
        parts.append(
            f"a {name} off by {100 * p['relative_bias']:.2g} % or more would have been "
            f"falsified with probability >= 0.99{per_problem}"
        )
    return "power: " + "; ".join(parts) if parts else ""


def _verified_line(v: dict) -> str:
    parts = [f"{v['inputs']}: {v['examples']} examples"]
    if v.get("false_alarm") is not None:
        parts.append(f"false-alarm budget spent {format_value(v['false_alarm'])}")
    power = power_phrase(v.get("power"))
    if power:
        parts.append(power)
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
    """Every record's counterexample as labelled values, with where it comes from.

    ``heading`` names the statement and the kind of evidence (the record's id, a slug
    of its class, is given apart); a property's counterexample is its whole problem,
    replayable with ``verify replay``.
    """
    titles = {s["id"]: s.get("title", s["id"]) for s in results["statements"]}
    out = []
    for r in results["records"]:
        if r["counterexample"]:
            symbolic = r["source"] == "symbolic"
            kind = "exact symbolic witness" if symbolic else "counterexample found by the search"
            title = titles.get(r["statement"], r["statement"] or r["title"])
            out.append(
                {
                    "record": r["id"],
                    "statement": r["statement"],
                    "kind": kind,
                    "heading": f"{title}: {kind}",
                    "title": r["title"],
                    "items": readable(r["counterexample"]),
                    "replay": None if symbolic else f"verify replay RUN {r['id']}",
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


#: What each cell word means, said under every matrix.
LEGEND = (
    "pass; FAIL; skip: the check does not apply; xfail: a declared failure; XPASS: declared "
    "to fail but passed; ERROR: not judged (the task crashed, or the battery stopped)"
)

#: Figures of a conformance record that are context, not numbers behind the verdict (the
#: client's identity, how to replay it, the problem's description: results.json keeps them).
_CONTEXT = ("library", "library_version", "configuration", "declared_failure", "replay")
#: Longest figure text shown in a table cell; longer values stay in results.json.
_SHORT = 80
#: What "worst" means, said wherever it is shown.
WORST = (
    "worst: the largest ratio of observed error to tolerance over the problems judged "
    "(a check fails above 1; 0 for a check with nothing to compare)"
)


def _short(value: Any) -> str | None:
    if isinstance(value, dict) or (isinstance(value, str) and len(value) > _SHORT):
        return None  # a nested result or a description: in results.json
    text = format_value(value)
    return text if len(text) <= _SHORT else None


def figure_text(figures: dict[str, Any]) -> str:
    """The numbers behind a verdict, readable: ``worst = 0.2345, n = [64, 2000]``.

    Only short values: nested results (the worst problem) and long descriptions are
    left to results.json, so a cell never holds a repr.
    """
    parts = []
    for key, value in figures.items():
        if key in _CONTEXT or key == "problem":
            continue
        text = _short(value)
        if text is not None:
            parts.append(f"{key} = {text}")
    return ", ".join(parts)


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

    def _records(self) -> list[dict]:
        return [
            self.cells[(e, c)] for e in self.explainers for c in self.checks if (e, c) in self.cells
        ]

    def problems(self) -> list[dict]:
        """Every record that did not plainly pass or skip (failed, error, xfail, xpass)."""
        return [r for r in self._records() if r["status"] not in (PASSED, SKIPPED)]

    def skips(self) -> list[dict]:
        """The checks that do not apply, with the reason."""
        return [r for r in self._records() if r["status"] == SKIPPED]


def conformance_matrix(results: dict) -> Matrix | None:
    records = [r for r in results["records"] if r["source"] == "conformance"]
    if not records:
        return None
    explainers = list(dict.fromkeys(r["explainer"] or "?" for r in records))
    checks = list(dict.fromkeys(r["title"] for r in records))
    cells = {(r["explainer"] or "?", r["title"]): r for r in records}
    return Matrix(explainers, checks, cells)


#: The figures every searching check reports, shown in columns of their own.
_COLUMNS = ("examples", "dims", "n", "worst")
#: Figures too technical for the table (results.json keeps them).
_HIDDEN = ("false_alarm_per_problem",)


def _span(values: Any) -> str:
    if isinstance(values, list) and values and all(isinstance(v, int | float) for v in values):
        lo, hi = min(values), max(values)
        return format_value(lo) if lo == hi else f"{format_value(lo)}–{format_value(hi)}"
    return "" if values is None else format_value(values)


def appendix_row(check: str, record: dict) -> list[str]:
    """One row of the appendix: check, verdict, problems judged, d, n, worst, other figures.

    d and n are the ranges drawn; the other figures are the short scalars the check
    reports (a list, a nested result or a description stays in results.json).
    """
    figures = record["figures"]
    other = {
        k: v
        for k, v in figures.items()
        if k not in _COLUMNS
        and k not in _HIDDEN
        and not isinstance(v, list | dict)
        and not (k == "second_looks" and not v)
    }
    return [
        check,
        record["status"],
        _span(figures.get("examples")),
        _span(figures.get("dims")),
        _span(figures.get("n")),
        _span(figures.get("worst")),
        figure_text(other),
    ]


#: The appendix table's header.
APPENDIX_HEADER = ["check", "verdict", "problems", "d", "n", "worst", "other figures"]


def reason_text(record: dict) -> str:
    """A record's message without the check's name in front (the table already names it)."""
    text = record["message"] or ""
    for prefix in (f"{record['title']} failed: ", f"{record['title']}: "):
        text = text.removeprefix(prefix)
    return text


def cell_detail(record: dict) -> str:
    """What a matrix cell shows on hover: the figures and the seed."""
    text = figure_text(record["figures"]) or "no figures"
    return f"{record['status']}: {text}; seed {record['seed']}"


def version(results: dict) -> str:
    """The xai-verify version that wrote the run (``unknown`` for a run that did not say)."""
    env = results.get("environment") or {}
    return str(env.get("xai_verify") or (env.get("packages") or {}).get("xai-verify") or "unknown")


def errors(results: dict) -> list[dict[str, str]]:
    """Tasks that crashed, with their whole error record."""
    messages = {r["id"]: r["message"] for r in results["records"] if r["source"] == "runner"}
    return [
        {"task": t["name"], "error": messages.get(f"runner/{t['name']}", t["error"] or "")}
        for t in results["tasks"]
        if t["status"] == "error"
    ]

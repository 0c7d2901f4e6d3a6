"""Markdown and self-contained HTML views of a ``results.json`` run."""

from __future__ import annotations

import base64
import html
from typing import Any

from .figures import render_figures

__all__ = ["render_html", "render_markdown"]

_BADGE = {
    "proved": "#1a7f37",
    "verified": "#2f81f7",
    "falsified": "#cf222e",
    "undecided": "#9a6700",
    "error": "#6e7781",
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "skipped": "#6e7781",
    "xfail": "#8250df",
}


def _summary_rows(results: dict) -> list[list[str]]:
    rows = []
    for s in results["statements"]:
        by_source: dict[str, list[str]] = {}
        for r in results["records"]:
            if r["statement"] == s["id"]:
                by_source.setdefault(r["source"], []).append(r["status"])
        sources = "; ".join(
            f"{k}: {', '.join(sorted(set(v)))}" for k, v in sorted(by_source.items())
        )
        expected = "yes" if s["as_expected"] else "**NO**"
        rows.append([s["id"], s["title"], s["status"], "/".join(s["expected"]), expected, sources])
    return rows


def _describe(ce: dict) -> str:
    """A one-line account of a counterexample: the exact difference and a witness, or its data."""
    if "difference" in ce and isinstance(ce["difference"], dict):
        text = f"difference = {ce['difference'].get('str')}"
        if ce.get("witness"):
            text += f"; witness {ce['witness']}"
        return text
    return ", ".join(f"{k} = {v}" for k, v in ce.items())


def _has_statements(results: dict) -> bool:
    """A conformance-only run (``verify check``) judges no statement: no table then."""
    return any(r["statement"] for r in results["records"])


def _counterexamples(results: dict) -> list[tuple[str, str]]:
    return [
        (r["id"], _describe(r["counterexample"])) for r in results["records"] if r["counterexample"]
    ]


def _claims(results: dict) -> list[list[str]]:
    """The replication's verdicts on the paper's experimental claims."""
    rows = []
    for r in results["records"]:
        if r["id"].startswith("replicate/"):
            dataset = r["id"].split("/")[1]
            rows.append(
                [
                    dataset,
                    str(r["figures"].get("claim", r["title"])),
                    r["status"],
                    _short(r["message"], 240),
                ]
            )
    return rows


def _conformance(results: dict) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {}
    for r in results["records"]:
        if r["source"] == "conformance":
            tables.setdefault(r["explainer"] or "?", []).append(r)
    return tables


def _reproduce(results: dict) -> str:
    return results["command"]


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(results: dict, figure_files: dict[str, str] | None = None) -> str:
    """The report as Markdown; ``figure_files`` maps figure names to relative PNG paths."""
    out = [f"# xai-verify report `{results['run_id']}`", ""]
    if not results["complete"]:
        out += [
            "> **PARTIAL RUN**: interrupted or still running; only finished tasks are shown.",
            "",
        ]
    env = results["environment"]
    out += [
        f"Profile `{results['profile']}`, seed {results['seed']}, "
        f"{results['elapsed_seconds']:.1f} s, git `{env.get('git_commit') or 'unknown'}`, "
        f"Python {env['python']} on {env['platform']}.",
        "",
    ]
    if _has_statements(results):
        out += [
            "## Statements of the paper",
            "",
            _md_table(
                ["id", "statement", "status", "expected", "as expected", "evidence"],
                _summary_rows(results),
            ),
            "",
        ]
    counter = _counterexamples(results)
    if counter:
        out += ["## Counterexamples", ""]
        for rid, ce in counter:
            out += [f"* `{rid}`: `{_short(ce)}`"]
        out.append("")
    claims = _claims(results)
    if claims:
        out += [
            "## The paper's experimental claims",
            "",
            "Verdicts on our data (passed: the claim holds; failed: it does not).",
            "",
            _md_table(["data set", "claim", "verdict", "measured"], claims),
            "",
        ]
    if figure_files:
        out += ["## Figures", ""]
        for name, path in figure_files.items():
            out += [f"![{name}]({path})", ""]
    tables = _conformance(results)
    if tables:
        out += ["## Conformance", ""]
        for explainer, recs in tables.items():
            out += [f"### `{explainer}`", ""]
            out.append(
                _md_table(
                    ["check", "verdict", "message"],
                    [[r["title"], r["status"], _short(r["message"], 160)] for r in recs],
                )
            )
            out.append("")
    errors = [t for t in results["tasks"] if t["status"] == "error"]
    if errors:
        out += ["## Errors", ""] + [f"* task `{t['name']}`: {t['error']}" for t in errors] + [""]
    out += ["## Reproduce", "", "```bash", _reproduce(results), "```", ""]
    return "\n".join(out)


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _badge(status: str) -> str:
    color = _BADGE.get(status, "#6e7781")
    return f'<span class="badge" style="background:{color}">{html.escape(status)}</span>'


def _html_table(header: list[str], rows: list[list[str]], raw_cols: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f"<td>{v if i in raw_cols else html.escape(str(v))}</td>" for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2328}
table{border-collapse:collapse;width:100%;margin:1em 0;font-size:14px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.badge{color:#fff;border-radius:8px;padding:1px 8px;font-size:12px}
.partial{background:#fff8c5;border:1px solid #d4a72c;padding:8px}
figure{display:inline-block;margin:1em;max-width:520px}figure img{max-width:100%}
code,pre{background:#f6f8fa;padding:2px 4px}
"""


def render_html(results: dict) -> str:
    """A self-contained HTML report: figures inline as base64 PNG, no external resources."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>xai-verify report {html.escape(results['run_id'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>xai-verify report <code>{html.escape(results['run_id'])}</code></h1>",
    ]
    if not results["complete"]:
        parts.append("<p class='partial'><b>PARTIAL RUN</b>: only finished tasks are shown.</p>")
    env = results["environment"]
    parts.append(
        f"<p>Profile <code>{html.escape(results['profile'])}</code>, seed {results['seed']}, "
        f"{results['elapsed_seconds']:.1f} s, "
        f"git <code>{html.escape(str(env.get('git_commit')))}</code>, "
        f"Python {html.escape(env['python'])} on {html.escape(env['platform'])}.</p>"
    )
    rows = []
    for row in _summary_rows(results):
        rows.append(
            [
                html.escape(row[0]),
                html.escape(row[1]),
                _badge(row[2]),
                html.escape(row[3]),
                html.escape(row[4].strip("*")),
                html.escape(row[5]),
            ]
        )
    if _has_statements(results):
        parts += [
            "<h2>Statements of the paper</h2>",
            _html_table(
                ["id", "statement", "status", "expected", "as expected", "evidence"],
                rows,
                raw_cols=(0, 1, 2, 3, 4, 5),
            ),
        ]
    counter = _counterexamples(results)
    if counter:
        parts.append("<h2>Counterexamples</h2><ul>")
        parts += [
            f"<li><code>{html.escape(rid)}</code>: <code>{html.escape(_short(ce))}</code></li>"
            for rid, ce in counter
        ]
        parts.append("</ul>")
    claims = _claims(results)
    if claims:
        parts.append("<h2>The paper's experimental claims</h2>")
        parts.append(
            _html_table(
                ["data set", "claim", "verdict", "measured"],
                [
                    [html.escape(a), html.escape(b), _badge(c), html.escape(d)]
                    for a, b, c, d in claims
                ],
                raw_cols=(0, 1, 2, 3),
            )
        )
    figures = render_figures(results.get("figures", {}))
    if figures:
        parts.append("<h2>Figures</h2>")
        for name, (png, caption) in figures.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<figure id='fig-{name}'><img alt='{html.escape(name)}' "
                f"src='data:image/png;base64,{data}'><figcaption>{html.escape(caption)}"
                "</figcaption></figure>"
            )
    tables = _conformance(results)
    if tables:
        parts.append("<h2>Conformance</h2>")
        for explainer, recs in tables.items():
            parts.append(f"<h3><code>{html.escape(explainer)}</code></h3>")
            parts.append(
                _html_table(
                    ["check", "verdict", "message"],
                    [
                        [
                            html.escape(r["title"]),
                            _badge(r["status"]),
                            html.escape(_short(r["message"], 300)),
                        ]
                        for r in recs
                    ],
                    raw_cols=(0, 1, 2),
                )
            )
    errors = [t for t in results["tasks"] if t["status"] == "error"]
    if errors:
        parts.append("<h2>Errors</h2><ul>")
        parts += [
            f"<li>task <code>{html.escape(t['name'])}</code>: {html.escape(str(t['error']))}</li>"
            for t in errors
        ]
        parts.append("</ul>")
    parts += [
        "<h2>Reproduce</h2>",
        f"<pre>{html.escape(_reproduce(results))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts)

"""The report as one self-contained HTML page (``report.html``): figures inline, no requests."""

from __future__ import annotations

import base64
import html
from typing import Any

from verify.status import PASSED

from . import ecosystem as E
from . import views as V
from .lfa import LFA_INTRO, lfa_rows

__all__ = ["render_html"]

_COLOURS = {
    "proved": "#1a7f37",
    "verified": "#2f81f7",
    "falsified": "#cf222e",
    "undecided": "#9a6700",
    "error": "#6e7781",
    "not_run": "#8c959f",
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "skipped": "#8c959f",
    "xfail": "#8250df",
    "xpass": "#bf8700",
    "inconclusive": "#9a6700",
}

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1320px;margin:2em auto;padding:0 1em;color:#1f2328;
 line-height:1.5}
table{border-collapse:collapse;margin:1em 0;font-size:14px;line-height:1.5}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.badge{color:#fff;border-radius:8px;padding:1px 8px;font-size:12px}
.partial{background:#fff8c5;border:1px solid #d4a72c;padding:8px}
.figures{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;flex:0 1 auto;max-width:100%}
figure img{display:block;max-width:100%;height:auto}
figcaption{font-size:13px;color:#57606a;max-width:660px}
code,pre{background:#f6f8fa}code{padding:0 3px}pre{padding:4px;white-space:pre-wrap}
.wide{overflow-x:auto;max-width:100%}
.name code{overflow-wrap:anywhere}
.matrix th.check{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;
 font-weight:normal;padding:8px 2px;line-height:1.6}
.matrix th.name,.matrix td.name{min-width:8em;max-width:15em}
.matrix td.cell{text-align:center;color:#fff;font-size:11px;padding:4px 2px;min-width:2.6em;
 cursor:help}
.scope li{margin:2px 0}.scope{font-size:14px}
.lfa td{min-width:6em}.lfa td:last-child{min-width:22em}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _badge(status: str) -> str:
    colour = _COLOURS.get(status, "#6e7781")
    return f'<span class="badge" style="background:{colour}">{_e(status)}</span>'


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in rows)
    attr = f" class='{cls}'" if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(label: str, items: list[str]) -> str:
    if not items:
        return ""
    return f"<p><b>{_e(label)}</b></p><ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def _statement_details(s: V.StatementView) -> str:
    parts = [f"<p>{_e(s.claim)}</p>"]
    for assumptions, classes in s.proved:
        under = "; ".join(assumptions) or "no stated assumption"
        parts.append(
            f"<p><b>Proved symbolically</b> under: {_e(under)}</p><ul>"
            + "".join(f"<li>{_e(c)}</li>" for c in classes)
            + "</ul>"
        )
    parts += [
        _list("Verified numerically (evidence, not proof)", s.verified),
        _list("Falsified", s.falsified),
        _list("Undecided", s.undecided),
        _list("Not counted as evidence", s.discounted),
        _list("Open (neither proved nor shown by this run)", s.open),
    ]
    return (
        f"<details id='scope-{_e(s.id)}' class='scope'><summary><code>{_e(s.id)}</code>: "
        f"what was proved, verified and left open</summary>{''.join(parts)}</details>"
    )


def _statements(results: dict, spec_href: str | None) -> list[str]:
    rows, details = [], []
    for s in V.statements(results, spec_href):
        name = f"<code>{_e(s.id)}</code>"
        if s.link:
            name = f"<a href='{_e(s.link)}'>{name}</a>"
        judged = {True: "yes", False: "<b>NO</b>", None: "not judged"}[s.as_expected]
        rows.append([name, _e(s.title), _badge(s.status), _e(s.expected), judged, _e(s.headline)])
        details.append(_statement_details(s))
    return [
        "<h2>Statements of the paper</h2>",
        _table(["id", "statement", "status", "expected", "as expected", "what holds"], rows),
        *details,
    ]


def _lfa_evidence(r) -> str:
    items = [
        f"<li><a href='#scope-{_e(e.statement)}'><code>{_e(e.statement)}</code></a> "
        f"{_badge(e.status)} {_e(e.summary())}</li>"
        for e in r.evidence
    ]
    return "<ul class='scope'>" + "".join(items) + "</ul>"


def _lfa(results: dict) -> list[str]:
    rows = lfa_rows(results)
    if not rows:
        return []
    body = [
        [
            f"<b>{_e(r.method.name)}</b>",
            _e(r.method.neighbourhood),
            _e(r.method.loss),
            _e(r.method.target),
            _badge(r.verdict) + ("" if r.as_expected else " <b>not as expected</b>"),
            _lfa_evidence(r),
        ]
        for r in rows
    ]
    header = [
        "method",
        "neighbourhood",
        "loss",
        "population target",
        "verdict",
        "evidence: proved classes, verified inputs, open items (under each statement)",
    ]
    return [
        "<h2 id='lfa'>The local-function-approximation family</h2>",
        f"<p>{_e(LFA_INTRO)}</p>",
        _table(header, body, cls="lfa"),
    ]


def _counterexamples(results: dict) -> list[str]:
    found = V.counterexamples(results)
    if not found:
        return []
    out = [
        "<h2>Counterexamples</h2>",
        "<p>Each counterexample of a property check is its whole problem (the function as a "
        "spec, x0, Σ, n, the seed) in results.json: <code>verify replay RUN RECORD</code> reruns "
        "it.</p>",
    ]
    for ce in found:
        out.append(
            f"<h3>{_e(ce['heading'])}</h3><p><small>record <code>{_e(ce['record'])}</code>"
            + (f"; rerun: <code>{_e(ce['replay'])}</code>" if ce["replay"] else "")
            + "</small></p>"
        )
        out.append(_table(["", ""], [[_e(k), f"<code>{_e(v)}</code>"] for k, v in ce["items"]]))
    return out


def _claims(results: dict) -> list[str]:
    rows = V.claims(results)
    if not rows:
        return []
    return [
        "<h2>The paper's experimental claims</h2>",
        "<p>Verdicts on our data: passed (the claim holds), failed (it does not: a finding), "
        "inconclusive (the measurement does not decide it at the stated false-alarm level).</p>",
        _table(
            ["data set", "claim", "verdict", "measured"],
            [
                [_e(r["dataset"]), _e(r["claim"]), _badge(r["status"]), _e(r["measured"])]
                for r in rows
            ],
        ),
    ]


def _figures(figures: dict[str, tuple[bytes, str]]) -> list[str]:
    if not figures:
        return []
    out = ["<h2>Figures</h2>", "<div class='figures'>"]
    for name, (png, caption) in figures.items():
        data = base64.b64encode(png).decode("ascii")
        out.append(
            f"<figure id='fig-{_e(name)}'><img alt='{_e(name)}' "
            f"src='data:image/png;base64,{data}'><figcaption>{_e(caption)}</figcaption></figure>"
        )
    out.append("</div>")
    return out


def _cell(r: dict | None, tip: str | None = None) -> str:
    if r is None:
        return "<td></td>"
    colour = _COLOURS.get(r["status"], "#6e7781")
    return (
        f"<td class='cell' style='background:{colour}' title='{_e(tip or V.cell_detail(r))}'>"
        f"{_e(V.CELL_WORDS.get(r['status'], '?'))}</td>"
    )


def _matrix(head: str, body: list[str]) -> str:
    return (
        f"<div class='wide'><table class='matrix'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _problem_list(m: V.Matrix) -> list[str]:
    out = []
    problems = m.problems()
    if problems:
        out.append("<h3>Failures, errors and declared failures</h3><ul>")
        for r in problems:
            replay = (
                f"<br><small>rerun it alone: <code>verify replay RUN {_e(r['id'])}</code></small>"
                if "replay" in r["figures"]
                else ""
            )
            out.append(
                f"<li class='name'><code>{_e(r['explainer'])}</code> / <code>{_e(r['title'])}"
                f"</code>: {_badge(r['status'])} <pre>{_e(r['message'])}</pre>{replay}</li>"
            )
        out.append("</ul>")
    skips = m.skips()
    if skips:
        out.append(f"<details><summary>{len(skips)} checks do not apply</summary><ul>")
        out += [
            f"<li class='name'><code>{_e(r['explainer'])}</code> / <code>{_e(r['title'])}</code>: "
            f"{_e(V.reason_text(r))}</li>"
            for r in skips
        ]
        out.append("</ul></details>")
    return out


def _conformance(results: dict) -> list[str]:
    m = V.conformance_matrix(results)
    if m is None:
        return []
    head = "<th>explainer</th>" + "".join(
        f"<th class='check' title='{_e(c)}'>{_e(m.short(c))}</th>" for c in m.checks
    )
    body = []
    for e in m.explainers:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(m.counts(e).items()))
        body.append(
            f"<tr><th class='name'><code>{_e(e)}</code><br><small>{_e(counts)}</small></th>"
            + "".join(_cell(m.cells.get((e, c))) for c in m.checks)
            + "</tr>"
        )
    return [
        "<h2>Conformance</h2>",
        f"<p>Each explainer against each check: {_e(V.LEGEND)}. Hover over a cell for the "
        "figures behind it (problems judged, d, n, worst margin, seed); the appendix lists "
        "them all.</p>",
        _matrix(head, body),
        *_problem_list(m),
    ]


def _appendix(results: dict) -> list[str]:
    m = V.conformance_matrix(results)
    if m is None:
        return []
    out = [
        "<h2>Appendix: the figures behind each conformance verdict</h2>",
        "<p>Per check: the problems judged, the ranges of dimensions d and sample sizes n "
        f"drawn, and {_e(V.WORST)}. Lists and nested results (the worst problem, each call) "
        "are in results.json.</p>",
    ]
    for e in m.explainers:
        cells = [(c, m.cells[(e, c)]) for c in m.checks if (e, c) in m.cells]
        rows = [
            [_e(v) if i != 1 else _badge(v) for i, v in enumerate(V.appendix_row(m.short(c), r))]
            for c, r in cells
        ]
        out.append(
            f"<details class='name'><summary><code>{_e(e)}</code> (battery seed "
            f"{_e(cells[0][1]['seed'])})</summary>{_table(V.APPENDIX_HEADER, rows)}</details>"
        )
    return out


def _ecosystem_rows(views: list[E.LibraryView], names: list[str]) -> list[str]:
    body = []
    for v in views:
        label = f"{v.library} {v.version or ''}".strip()
        if not v.configurations:
            body.append(
                f"<tr><th>{_e(label)}</th><td>not installed</td>"
                f"<td colspan='{len(names) + 1}'><code>{_e(v.install_hint)}</code></td></tr>"
            )
        for cfg in v.configurations:
            # a kind's battery has its own checks: another kind's columns stay empty
            cells = [
                _cell(r, E.reason(r) if r is not None and r["status"] != PASSED else None)
                for r in (cfg.cells.get(c) for c in names)
            ]
            body.append(
                f"<tr><th>{_e(label)}</th><td>{_e(cfg.configuration)}</td><td class='name'><code>"
                f"{_e(cfg.explainer)}</code><br><small>{cfg.seconds:.1f} s</small></td>"
                + "".join(cells)
                + "</tr>"
            )
    return body


def _ecosystem(results: dict) -> list[str]:
    views = E.ecosystem(results)
    if not views:
        return []
    names = E.checks(views)
    head = "<th>library</th><th>configuration</th><th class='name'>explainer</th>" + "".join(
        f"<th class='check' title='{_e(c)}'>{_e(c.removeprefix('check_'))}</th>" for c in names
    )
    out = [
        "<h2>Ecosystem</h2>",
        "<p>Each client library in the configuration that estimates the closed form and with "
        f"its own defaults: {_e(V.LEGEND)}. An xfail is a failure the adapter declares; hover "
        "for its reason.</p>",
        _matrix(head, _ecosystem_rows(views, names)),
        "<p>What each library's defaults compute, and the call that computes the closed "
        "form:</p><ul>",
    ]
    for v in views:
        call = (
            f"<br>closed form: <code>{_e(v.closed_form_call)}</code>" if v.closed_form_call else ""
        )
        if v.defaults_compute or call:
            out.append(
                f"<li class='name'><b>{_e(v.library)}</b>: {_e(v.defaults_compute)}{call}</li>"
            )
    out.append("</ul>")
    notes = [
        f"<li class='name'><code>{_e(cfg.explainer)}</code> / <code>{_e(c)}</code>: "
        f"{_badge(r['status'])} {_e(E.reason(r))}</li>"
        for v in views
        for cfg in v.configurations
        for c, r in cfg.cells.items()
        if r["status"] != PASSED
    ]
    if notes:
        out += ["<details><summary>xfail reasons, failures and skips</summary><ul>", *notes]
        out.append("</ul></details>")
    return out


def render_html(
    results: dict,
    figures: dict[str, tuple[bytes, str]] | None = None,
    *,
    spec_href: str | None = None,
) -> str:
    """A self-contained HTML report; ``figures`` (name -> (PNG, caption)) are drawn if None."""
    if figures is None:
        from .figures import render_figures

        figures = render_figures(results.get("figures", {})) if results["complete"] else {}
    env = results["environment"]
    spec = "docs/math.md"
    if spec_href:
        spec = f"<a href='{_e(spec_href)}'>docs/math.md</a>"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>xai-verify report {_e(results['run_id'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>xai-verify report <code>{_e(results['run_id'])}</code></h1>",
    ]
    if not results["complete"]:
        parts.append(
            "<p class='partial'><b>PARTIAL RUN</b>: only finished tasks are shown; figures "
            "are drawn when a run completes.</p>"
        )
    parts.append(
        f"<p>xai-verify {_e(V.version(results))}, profile <code>{_e(results['profile'])}</code>, "
        f"seed {results['seed']}, "
        f"{results['elapsed_seconds']:.1f} s, git <code>{_e(env.get('git_commit'))}</code>, "
        f"Python {_e(env['python'])} on {_e(env['platform'])}.</p>"
        f"<p>The mathematical specification this run checks (the statements, the corrected "
        f"constants, the conventions): {spec}.</p>"
    )
    if V.has_statements(results):
        parts += _statements(results, spec_href)
        parts += _lfa(results)
    parts += _counterexamples(results)
    parts += _claims(results)
    parts += _figures(figures)
    parts += _conformance(results)
    parts += _ecosystem(results)
    errors = V.errors(results)
    if errors:
        parts.append("<h2>Errors</h2><ul>")
        parts += [
            f"<li>task <code>{_e(e['task'])}</code>:<pre>{_e(e['error'])}</pre></li>"
            for e in errors
        ]
        parts.append("</ul>")
    parts += ["<h2>Reproduce</h2>", f"<pre>{_e(results['command'])}</pre>"]
    parts += [*_appendix(results), "</body></html>"]
    return "\n".join(parts)

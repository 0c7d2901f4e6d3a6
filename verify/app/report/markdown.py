"""The report as Markdown (``report.md``), from the data of results.json."""

from __future__ import annotations

from typing import Any

from verify.status import PASSED

from . import ecosystem as E
from . import views as V
from .lfa import LFA_INTRO, lfa_rows

__all__ = ["render_markdown"]


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _yes(as_expected: bool | None) -> str:
    return {True: "yes", False: "**NO**", None: "not judged"}[as_expected]


def _statement_section(s: V.StatementView) -> list[str]:
    ref = f"[{s.reference}]({s.link})" if s.link else f"`{s.reference}`"
    out = [f"### `{s.id}`: {s.title}", "", f"{s.claim} Specification: {ref}.", ""]
    out += [f"What the run shows: {s.headline}.", ""]
    if s.proved:
        count = sum(len(classes) for _, classes in s.proved)
        out += [
            "<details><summary>Proved symbolically: "
            f"{count} function class{'es' if count != 1 else ''}</summary>",
            "",
        ]
        for assumptions, classes in s.proved:
            out.append(f"* under: {'; '.join(assumptions) or 'no stated assumption'}")
            out += [f"  * {c}" for c in classes]
        out += ["", "</details>", ""]
    for label, items in (
        ("Verified numerically (evidence, not proof)", s.verified),
        ("Falsified", s.falsified),
        ("Undecided", s.undecided),
        ("Not counted as evidence", s.discounted),
        ("Open (neither proved nor shown by this run)", s.open),
    ):
        if items:
            out += [f"{label}:", ""] + [f"* {item}" for item in items] + [""]
    return out


def _statements(results: dict, spec_href: str | None) -> list[str]:
    rows, sections = [], []
    for s in V.statements(results, spec_href):
        name = f"[`{s.id}`]({s.link})" if s.link else f"`{s.id}`"
        rows.append([name, s.status, s.expected, _yes(s.as_expected), s.headline])
        sections += _statement_section(s)
    return [
        "## Statements of the paper",
        "",
        _table(["id", "status", "expected", "as expected", "what holds"], rows),
        "",
        *sections,
    ]


def _lfa(results: dict) -> list[str]:
    rows = lfa_rows(results)
    if not rows:
        return []
    table = [
        [
            f"**{r.method.name}**",
            r.method.neighbourhood,
            r.method.loss,
            r.method.target,
            f"**{r.verdict}**" + ("" if r.as_expected else " (**not as expected**)"),
            ", ".join(f"`{e.statement}` {e.status}" for e in r.evidence),
        ]
        for r in rows
    ]
    out = [
        "## The local-function-approximation family",
        "",
        LFA_INTRO,
        "",
        _table(
            ["method", "neighbourhood", "loss", "population target", "verdict", "statements"], table
        ),
        "",
        "<details><summary>What each row rests on: proved classes, verified evidence, "
        "open items (listed under each statement)</summary>",
        "",
    ]
    for r in rows:
        out.append(f"* **{r.method.name}** ({r.verdict}):")
        out += [f"  * `{e.statement}` ({e.status}): {e.summary()}" for e in r.evidence]
    return [*out, "", "</details>", ""]


def _counterexamples(results: dict) -> list[str]:
    found = V.counterexamples(results)
    if not found:
        return []
    out = [
        "## Counterexamples",
        "",
        "Each counterexample of a property check is its whole problem (the function as a spec, "
        "x0, Σ, n, the seed) in results.json: `verify replay RUN RECORD` reruns it, and "
        "`verify.app.replay.problem(record)` gives it as Python values to call your own code on.",
        "",
    ]
    for ce in found:
        out += [
            f"### {ce['heading']}",
            "",
            f"Record `{ce['record']}`.",
            "",
            _table(["", ""], [[k, v] for k, v in ce["items"]]),
            "",
        ]
    return out


def _claims(results: dict) -> list[str]:
    rows = V.claims(results)
    if not rows:
        return []
    return [
        "## The paper's experimental claims",
        "",
        "Verdicts on our data: passed (the claim holds), failed (it does not: a finding), "
        "inconclusive (the measurement does not decide it at the stated false-alarm level).",
        "",
        _table(
            ["data set", "claim", "verdict", "measured"],
            [[r["dataset"], r["claim"], f"**{r['status']}**", r["measured"]] for r in rows],
        ),
        "",
    ]


def _figures(figure_files: dict[str, str], captions: dict[str, str]) -> list[str]:
    if not figure_files:
        return []
    out = ["## Figures", ""]
    for name, path in figure_files.items():
        out += [f"![{name}]({path})", "", f"*{captions.get(name, '')}*", ""]
    return out


def _conformance(results: dict) -> list[str]:
    m = V.conformance_matrix(results)
    if m is None:
        return []
    rows = [
        [
            f"`{e}`",
            *(
                V.CELL_WORDS.get(m.cells[(e, c)]["status"], "?") if (e, c) in m.cells else ""
                for c in m.checks
            ),
        ]
        for e in m.explainers
    ]
    out = [
        "## Conformance",
        "",
        f"Each explainer against each check ({V.LEGEND}). The figures behind every verdict are "
        "in the appendix.",
        "",
        _table(["explainer", *(m.short(c) for c in m.checks)], rows),
        "",
    ]
    problems = m.problems()
    if problems:
        out += ["### Failures, errors and declared failures", ""]
        for r in problems:
            out += [f"* `{r['explainer']}` / `{r['title']}`: **{r['status']}**: {r['message']}"]
            if "replay" in r["figures"]:
                out += [f"  (rerun it alone: `verify replay RUN {r['id']}`)"]
        out.append("")
    skips = m.skips()
    if skips:
        out += [f"<details><summary>{len(skips)} checks do not apply</summary>", ""]
        out += [f"* `{r['explainer']}` / `{r['title']}`: {V.reason_text(r)}" for r in skips]
        out += ["", "</details>", ""]
    return out


def _appendix(results: dict) -> list[str]:
    """The figures behind each conformance verdict (short values; the rest is in results.json)."""
    m = V.conformance_matrix(results)
    if m is None:
        return []
    out = [
        "## Appendix: the figures behind each conformance verdict",
        "",
        "Per check: the problems judged, the ranges of dimensions d and sample sizes n drawn, "
        f"and {V.WORST}. Lists and nested results (the worst problem, each call) are in "
        "results.json.",
        "",
    ]
    for e in m.explainers:
        rows = [V.appendix_row(m.short(c), m.cells[(e, c)]) for c in m.checks if (e, c) in m.cells]
        seed = next(m.cells[(e, c)]["seed"] for c in m.checks if (e, c) in m.cells)
        out += [
            f"<details><summary>{e} (battery seed {seed})</summary>",
            "",
            _table(V.APPENDIX_HEADER, rows),
            "",
            "</details>",
            "",
        ]
    return out


def _ecosystem(results: dict) -> list[str]:
    views = E.ecosystem(results)
    if not views:
        return []
    names = E.checks(views)
    out = [
        "## Ecosystem",
        "",
        "Each client library in the configuration that estimates the closed form and with its "
        f"own defaults ({V.LEGEND}; an xfail is a failure the adapter declares, with its reason "
        "below).",
        "",
    ]
    rows = []
    for v in views:
        if not v.configurations:
            rows.append([f"{v.library}", "not installed", v.install_hint, *([""] * len(names))])
        for cfg in v.configurations:
            rows.append(
                [
                    f"{v.library} {v.version or ''}".strip(),
                    cfg.configuration,
                    f"`{cfg.explainer}` ({cfg.seconds:.1f} s)",
                    *(
                        V.CELL_WORDS.get(cfg.cells[c]["status"], "?") if c in cfg.cells else ""
                        for c in names
                    ),
                ]
            )
    out += [
        _table(
            ["library", "configuration", "explainer", *(c.removeprefix("check_") for c in names)],
            rows,
        ),
        "",
    ]
    out += ["What each library's defaults compute, and the call that computes the closed form:", ""]
    for v in views:
        if v.defaults_compute:
            out.append(f"* {v.library}: {v.defaults_compute}.")
        if v.closed_form_call:
            out.append(f"  Closed form: `{v.closed_form_call}`.")
    out.append("")
    for v in views:
        notes = [
            f"* `{cfg.explainer}` / `{c}`: **{r['status']}**: {E.reason(r)}"
            for cfg in v.configurations
            for c, r in cfg.cells.items()
            if r["status"] != PASSED
        ]
        if notes:
            out += [
                f"<details><summary>{v.library}: xfail reasons, failures and skips</summary>",
                "",
            ]
            out += [*notes, "", "</details>", ""]
    return out


def render_markdown(
    results: dict,
    figure_files: dict[str, str] | None = None,
    *,
    captions: dict[str, str] | None = None,
    spec_href: str | None = None,
) -> str:
    """The report as Markdown.

    ``figure_files`` maps figure names to relative PNG paths, ``captions`` their
    captions; ``spec_href`` is where docs/math.md is, relative to the report.
    """
    out = [f"# xai-verify report `{results['run_id']}`", ""]
    if not results["complete"]:
        out += [
            "> **PARTIAL RUN**: interrupted or still running; only finished tasks are shown, "
            "and figures are drawn when a run completes.",
            "",
        ]
    env = results["environment"]
    spec = f"[docs/math.md]({spec_href})" if spec_href else "docs/math.md"
    out += [
        f"xai-verify {V.version(results)}, profile `{results['profile']}`, seed {results['seed']}, "
        f"{results['elapsed_seconds']:.1f} s, git `{env.get('git_commit') or 'unknown'}`, "
        f"Python {env['python']} on {env['platform']}.",
        "",
        f"The mathematical specification this run checks (the statements, the corrected "
        f"constants, the conventions): {spec}.",
        "",
    ]
    if V.has_statements(results):
        out += _statements(results, spec_href)
        out += _lfa(results)
    out += _counterexamples(results)
    out += _claims(results)
    out += _figures(figure_files or {}, captions or {})
    out += _conformance(results)
    out += _ecosystem(results)
    errors = V.errors(results)
    if errors:
        out += ["## Errors", ""]
        for e in errors:
            out += [f"* task `{e['task']}`:", "", "```text", e["error"], "```", ""]
    out += ["## Reproduce", "", "```bash", results["command"], "```", ""]
    out += _appendix(results)
    return "\n".join(out)

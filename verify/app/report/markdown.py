"""The report as Markdown (``report.md``), from the data of results.json."""

from __future__ import annotations

from typing import Any

from . import ecosystem as E
from . import views as V

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


def _counterexamples(results: dict) -> list[str]:
    found = V.counterexamples(results)
    if not found:
        return []
    out = ["## Counterexamples", ""]
    for ce in found:
        out += [
            f"### `{ce['statement']}`: {ce['kind']} (`{ce['record']}`)",
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
        "Each explainer against each check (pass, FAIL, skip: does not apply, xfail: a declared "
        "failure, xpass: declared but passed). The figures behind every verdict follow the "
        "matrix.",
        "",
        _table(["explainer", *(m.short(c) for c in m.checks)], rows),
        "",
    ]
    problems = m.problems()
    if problems:
        out += ["### Failures and skips", ""]
        for r in problems:
            out += [f"* `{r['explainer']}` / `{r['title']}`: **{r['status']}**: {r['message']}"]
        out.append("")
    for e in m.explainers:
        details = [
            [
                m.short(c),
                m.cells[(e, c)]["status"],
                V.figure_text(m.cells[(e, c)]["figures"]),
                m.cells[(e, c)]["seed"],
            ]
            for c in m.checks
            if (e, c) in m.cells
        ]
        out += [
            f"<details><summary>{e}: the figures behind each verdict</summary>",
            "",
            _table(["check", "verdict", "figures", "seed"], details),
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
        "own defaults (pass, FAIL, skip: does not apply, xfail: a failure the adapter declares, "
        "with its reason below, XPASS: declared but passed).",
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
                        E.WORDS.get(cfg.cells[c]["status"], "?") if c in cfg.cells else ""
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
    out += ["What each library's defaults compute:", ""]
    out += [f"* {v.library}: {v.defaults_compute}" for v in views if v.defaults_compute]
    out.append("")
    for v in views:
        notes = [
            f"* `{cfg.explainer}` / `{c}`: **{r['status']}**: {E.reason(r)}"
            for cfg in v.configurations
            for c, r in cfg.cells.items()
            if r["status"] != "passed"
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
        f"Profile `{results['profile']}`, seed {results['seed']}, "
        f"{results['elapsed_seconds']:.1f} s, git `{env.get('git_commit') or 'unknown'}`, "
        f"Python {env['python']} on {env['platform']}.",
        "",
        f"The mathematical specification this run checks (the statements, the corrected "
        f"constants, the conventions): {spec}.",
        "",
    ]
    if V.has_statements(results):
        out += _statements(results, spec_href)
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
    return "\n".join(out)

"""The LFA family in the report: Han et al.'s Table 1 with a verdict per row, and the
no-free-lunch figure drawn from the data results.json holds."""

from __future__ import annotations

import copy
import re

import pytest

from properties.theorems.lfa_nfl import no_free_lunch_curve
from verify.app import load_results
from verify.app.report.figures import render_figures
from verify.app.report.html import render_html
from verify.app.report.lfa import TABLE_1, lfa_rows, row_verdict
from verify.app.report.markdown import render_markdown
from verify.catalogue import CATALOGUE, STATEMENTS
from verify.functions import from_spec

_METHODS = [
    "C-LIME",
    "SmoothGrad",
    "vanilla gradient",
    "Integrated Gradients",
    "Gradient × Input",
    "Occlusion",
    "LIME (binary)",
    "KernelSHAP",
]


def _entry(sid: str, status: str, as_expected: bool | None = True) -> dict:
    return {
        "id": sid,
        "status": status,
        "as_expected": as_expected,
        "expected": list(STATEMENTS[sid].expected),
        "headline": f"{status} for something",
        "scope": {"proved": [], "verified": [], "open": ["one thing left open"]},
    }


def test_table_1_has_the_papers_rows_and_names_catalogue_statements():
    assert [m.name for m in TABLE_1] == _METHODS
    lfa = {s.id for s in CATALOGUE[CATALOGUE.index(STATEMENTS["lfa_gradient_matching"]) :]}
    covered = {sid for m in TABLE_1 for sid in m.statements}
    assert covered <= set(STATEMENTS)
    assert lfa <= covered  # every statement of the family judges some row
    assert all(m.neighbourhood and m.loss and m.target for m in TABLE_1)


def test_a_row_reads_the_weakest_claim_and_a_boundary_does_not_weaken_it():
    proved = _entry("ig_completeness", "proved")
    boundary = _entry("ig_step_function", "falsified")
    assert row_verdict([proved, boundary]) == ("proved", True)
    assert row_verdict([proved, _entry("lfa_recovery", "verified")]) == ("verified", True)
    broken = _entry("ig_completeness", "falsified", as_expected=False)
    assert row_verdict([broken, boundary]) == ("falsified", False)
    missed = _entry("ig_step_function", "verified", as_expected=False)
    assert row_verdict([proved, missed]) == ("proved", False)  # the boundary was not shown
    assert row_verdict([_entry("lfa_recovery", "error", None), proved])[0] == "error"
    assert row_verdict([_entry("lfa_recovery", "not_run", None)]) == ("not_run", True)


def test_a_row_that_fails_is_shown_failing_in_both_renderings(full_run):
    results = copy.deepcopy(load_results(full_run[1]))
    for s in results["statements"]:
        if s["id"] == "lime_binary_banzhaf":
            s.update(status="falsified", as_expected=False)
    (lime,) = (r for r in lfa_rows(results) if r.method.name == "LIME (binary)")
    assert (lime.verdict, lime.as_expected) == ("falsified", False)
    md = render_markdown(results)
    (line,) = (line for line in md.splitlines() if line.startswith("| **LIME (binary)**"))
    assert "**falsified** (**not as expected**)" in line
    html = render_html(results, figures={})
    assert re.search(r"LIME \(binary\).*?falsified</span> <b>not as expected</b>", html)


def test_the_report_shows_table_1_with_each_rows_verdict_and_evidence(full_run):
    out = full_run[1]
    results = load_results(out)
    rows = lfa_rows(results)
    md, html = (out / "report.md").read_text(), (out / "report.html").read_text()
    assert "## The local-function-approximation family" in md and "id='lfa'" in html
    statuses = {s["id"]: s["status"] for s in results["statements"]}
    assert [r.method.name for r in rows] == _METHODS
    for row in rows:
        # a default run proves every claim of the family (docs/math.md)
        assert (row.verdict, row.as_expected) == ("proved", True), row.method.name
        (line,) = (x for x in md.splitlines() if x.startswith(f"| **{row.method.name}**"))
        assert f"**{row.verdict}**" in line
        for e in row.evidence:
            assert f"`{e.statement}` {statuses[e.statement]}" in line
            assert f"`{e.statement}` ({e.status}): {e.summary()}" in md
            assert f"#scope-{e.statement}" in html
    # proved classes read from the proofs' own data: games are their own family
    (lime,) = (r for r in rows if r.method.name == "LIME (binary)")
    banzhaf = next(e for e in lime.evidence if e.statement == "lime_binary_banzhaf")
    assert "generic games (uniform kernel; d ≤ 5)" in banzhaf.proved
    assert "generic games (product kernel; d ≤ 3)" in banzhaf.proved


def test_the_no_free_lunch_figure_redraws_from_the_data_results_json_holds(full_run):
    out = full_run[1]
    results = load_results(out)
    data = results["figures"]["no_free_lunch"]
    widths = data["widths"]
    for key in ("squared", "gradient_matching"):
        assert {len(v) for v in data[key].values()} == {len(widths)}
    # the data is the experiment's, recomputed from what results.json holds
    again = no_free_lunch_curve(
        from_spec(data["function"]),
        data["x0"],
        widths,
        reference_width=data["reference_width"],
        n=data["n"],
        seed=data["seed"],
        confidence=data["confidence"],
    )
    for key in ("squared", "gradient_matching"):
        assert again[key] == data[key]
    # an explanation used where it was fitted has no excess: the curves dip at the reference
    exact = data["squared"]["exact"]
    nearest = min(range(len(widths)), key=lambda i: abs(widths[i] - data["reference_width"]))
    assert exact[nearest] == min(exact) and max(exact) > 100 * min(exact)
    png, caption = render_figures({"no_free_lunch": data})["no_free_lunch"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and (out / "figure_no_free_lunch.png").exists()
    assert f"n = {data['n']}" in caption and "99 % normal-approximation interval" in caption
    assert caption in (out / "report.md").read_text()


@pytest.mark.parametrize("profile, n", [("dev", 5_000), ("ci", 20_000), ("thorough", 100_000)])
def test_the_no_free_lunch_experiment_sizes_its_draws_by_profile(profile, n, monkeypatch):
    from verify.app import experiments

    seen = {}

    def fake_curve(f, x0, widths, **kwargs):
        seen.update(kwargs)
        return {"widths": list(widths), **kwargs}

    monkeypatch.setattr("properties.theorems.lfa_nfl.no_free_lunch_curve", fake_curve)
    out = experiments.experiment_no_free_lunch(seed=7, profile=profile)
    assert seen["n"] == n and seen["seed"] == 7
    assert out["figures"]["no_free_lunch"]["function"]["family"] == "ridge"

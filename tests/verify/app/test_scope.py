"""Statement scope: each verdict says exactly what was proved, verified and left open.

The merge rule (a falsification beats a proof), the rule that a falsification needs
its counterexample, each expected status reached for its reason in the real run,
schema version 3, and `verify compare` reading version 1 files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.app import compare_runs, load_results, validate_results
from verify.app.cli import main
from verify.app.console import print_summary
from verify.app.schema import SCHEMA_VERSION
from verify.app.scope import proof_groups, statement_entry
from verify.catalogue import STATEMENTS
from verify.functions import RidgeFunction
from verify.records import make_record
from verify.symbolic.classes import class_scope

V1 = Path(__file__).parent / "data" / "results_v1.json"
ASSUMPTIONS = ["cov symmetric positive definite"]


def _poly(d: int, k: int) -> tuple[str, dict]:
    return f"generic polynomial, d={d}, k={k}", class_scope("polynomials", d=d, k=k)


def _proof(title: str, status: str = "proved", **extra) -> dict:
    scope = class_scope("polynomials", d=2, k=3)
    return make_record(
        id=f"symbolic/theorem1/{title}",
        statement="theorem1",
        source="symbolic",
        title=title,
        status=status,
        figures={"assumptions": ASSUMPTIONS, "method": "exact", "class": scope},
        **extra,
    )


def _groups(classes: list[tuple[str, dict]]) -> list[str]:
    return proof_groups({**scope, "title": title} for title, scope in classes)


def _property(status: str, examples: int = 20, counterexample=None) -> dict:
    return make_record(
        id="properties/theorem1",
        statement="theorem1",
        source="properties",
        title=f"theorem1 on {examples} generated inputs",
        status=status,
        examples=examples,
        events={"d=2, Network, cond=1": examples},
        figures={"coverage": {"dimensions": {"2": examples}, "families": {"Network": examples}}},
        false_alarm=2e-5,
        counterexample=counterexample,
    )


def test_a_falsification_beats_a_proof_and_the_scope_keeps_both():
    records = [
        _proof("generic polynomial, d=2, k=3"),
        _property("falsified", counterexample={"f": RidgeFunction([1.0], 0.0, "abs").to_spec()}),
    ]
    entry = statement_entry(STATEMENTS["theorem1"], records, ran=True)
    assert entry["status"] == "falsified" and entry["as_expected"] is False
    scope = entry["scope"]
    assert [p["class"] for p in scope["proved"]] == ["generic polynomial, d=2, k=3"]
    assert scope["proved"][0]["assumptions"] == ASSUMPTIONS
    assert scope["falsified"][0]["summary"].startswith("f(x) = |x|")
    assert entry["headline"].startswith("falsified by a counterexample (f(x) = |x|")


def test_a_falsification_needs_its_counterexample_and_a_verification_an_example():
    """A check that never fired is no evidence: neither "falsified" nor "verified" counts."""
    silent = statement_entry(
        STATEMENTS["theorem1"],
        [_proof("generic polynomial, d=1, k=1"), _property("falsified")],
        ran=True,
    )
    assert silent["status"] == "proved"
    assert silent["scope"]["discounted"] == [
        {
            "record": "properties/theorem1",
            "status": "falsified",
            "why": "falsified without a counterexample: not counted",
        }
    ]
    empty = statement_entry(STATEMENTS["theorem1"], [_property("verified", examples=0)], ran=True)
    assert empty["status"] == "undecided" and empty["scope"]["verified"] == []
    assert "verified on no example" in empty["scope"]["discounted"][0]["why"]


def test_verified_evidence_is_listed_with_examples_regimes_and_budget():
    entry = statement_entry(STATEMENTS["theorem1"], [_property("verified")], ran=True)
    assert entry["status"] == "verified"
    (v,) = entry["scope"]["verified"]
    assert v["examples"] == 20 and v["false_alarm"] == 2e-5
    assert v["regimes"] == {"d=2, Network, cond=1": 20} and v["families"] == ["networks"]
    assert entry["headline"] == "verified on 20 generated inputs (networks; d = 2)"
    assert entry["scope"]["open"] == list(STATEMENTS["theorem1"].open) != []


def test_a_statement_no_task_sought_is_not_run_and_not_judged():
    entry = statement_entry(STATEMENTS["theorem3"], [], ran=False)
    assert entry["status"] == "not_run" and entry["as_expected"] is None
    assert entry["headline"].startswith("not run")


def test_the_headline_never_widens_a_grid_with_a_gap():
    full = [_poly(d, k) for d in range(1, 6) for k in range(1, 6)]
    assert _groups(full) == ["polynomials (d ≤ 5, k ≤ 5)"]
    gap = [c for c in full if c[0] != "generic polynomial, d=5, k=5"]
    (text,) = _groups(gap)
    assert "d ≤ 5, k ≤ 5" not in text and "(4, 5)" in text and "(5, 5)" not in text
    ridge = [
        ("ridge function sin(w'x + b), d=2", class_scope("ridge functions", d=2, links=["sin"])),
        ("ridge function exp(w'x + b), d=3", class_scope("ridge functions", d=3, links=["exp"])),
    ]
    assert _groups(ridge) == ["ridge functions (exp, sin links; d ∈ {2, 3})"]
    one = ("f(a) = M |u'a|", class_scope(None, d=1, instance=True))
    assert _groups([one]) == ["f(a) = M |u'a|"]  # a single function: its own words


def test_the_headline_reads_the_class_data_not_its_words():
    """Games are their own family; a variant is a group of its own; a single instance (a
    witness) keeps its words; a title that says otherwise changes nothing."""
    games = [
        (f"generic game, d={d}", class_scope("games", d=d, variant="uniform kernel"))
        for d in range(1, 6)
    ]
    games += [
        (f"generic game, d={d}", class_scope("games", d=d, variant="product kernel"))
        for d in (1, 2, 3)
    ]
    witness = ("cosine kernel witness", class_scope("games", d=3, instance=True))
    misleading = ("ridge function sin, d=9", class_scope("polynomials", d=2, k=1))
    assert _groups([*games, witness, misleading]) == [
        "generic games (uniform kernel; d ≤ 5)",
        "generic games (product kernel; d ≤ 3)",
        "cosine kernel witness",
        "polynomials (d = 2, k = 1)",
    ]
    every = class_scope("all functions", d=[1, 2, 3, 4, 5], variant="E f^2 < inf")
    assert _groups([("every f", every)]) == ["every f (E f^2 < inf; d ≤ 5)"]


def test_class_data_of_earlier_runs_still_groups():
    """results.json of schema 3 before proofs carried their scope: one d, one link."""
    old = {"family": "ridge functions", "d": 2, "k": None, "link": "sin", "title": "t"}
    assert proof_groups([old]) == ["ridge functions (sin link; d = 2)"]


# -- the real run ---------------------------------------------------------------------------


def test_results_json_is_schema_version_3_with_a_scope_per_statement(full_run):
    results = load_results(full_run[1])
    validate_results(results)
    assert results["schema_version"] == SCHEMA_VERSION == 3
    for s in results["statements"]:
        assert s["headline"] and set(s["scope"]) >= {"proved", "verified", "falsified", "open"}
        assert s["reference"].startswith("docs/math.md#")


def test_theorem1_says_what_was_proved_verified_and_left_open(full_run):
    s = {s["id"]: s for s in load_results(full_run[1])["statements"]}["theorem1"]
    proved = s["scope"]["proved"]
    generic = [p for p in proved if p["class"].startswith("generic polynomial")]
    assert len(generic) == 25 and all(p["assumptions"] for p in proved)
    assert s["headline"].startswith("proved for polynomials (d ≤ 5, k ≤ 5); ridge functions")
    (v,) = s["scope"]["verified"]
    assert v["examples"] > 0 and v["false_alarm"] > 0 and v["regimes"]
    assert "networks" in v["families"] and ". Verified on" in s["headline"]
    assert s["scope"]["open"] == list(STATEMENTS["theorem1"].open)


def test_each_expected_status_is_reached_for_its_reason(full_run):
    results = load_results(full_run[1])
    records = {r["id"]: r for r in results["records"]}
    for s in results["statements"]:
        own = [r for r in results["records"] if r["statement"] == s["id"]]
        assert s["status"] in STATEMENTS[s["id"]].expected, s["id"]
        if s["status"] == "falsified":
            bad = [r for r in own if r["status"] == "falsified"]
            assert bad and all(r["counterexample"] for r in bad), s["id"]
        elif s["status"] == "proved":
            assert any(r["status"] == "proved" and r["source"] == "symbolic" for r in own)
        elif s["status"] == "verified":
            assert any(r["status"] == "verified" and r["examples"] for r in own)
        assert not s["scope"]["discounted"], s["id"]
    # Theorem 2 as published: both counterexamples exceed the published bound.
    ce = records["properties/theorem2_published"]["counterexample"]
    assert ce["ratio"] > 1
    symbolic = [r for r in records.values() if r["id"].startswith("symbolic/theorem2_published")]
    assert any(r["counterexample"]["witness"]["ratio_to_claimed"]["float"] > 1 for r in symbolic)
    # The step function: falsified because SmoothGrad and C-LIME were seen to disagree.
    step = records["properties/stein_step_function"]
    assert step["status"] == "falsified" and step["examples"] > 0
    ce = step["counterexample"]
    assert max(abs(v) for v in ce["engine_smoothgrad"]) == 0
    assert max(abs(v) for v in ce["engine_clime"]) > 0 and ce["disagreement"] > 0
    witness = next(
        r for r in records.values() if r["id"].startswith("symbolic/stein_step_function")
    )["counterexample"]["witness"]
    assert witness["value"]["float"] != 0


def test_the_report_and_the_console_show_the_scope(full_run, capsys):
    out = full_run[1]
    results = load_results(out)
    report = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    print_summary(results, out)
    console = " ".join(capsys.readouterr().out.split())
    for s in results["statements"]:
        assert s["headline"] in report
        assert " ".join(s["headline"].split()) in console
    assert "Open (neither proved nor shown by this run)" in report
    assert "scope-theorem1" in html and "Open (neither proved nor shown by this run)" in html


# -- compare reads both versions -------------------------------------------------------------


def test_compare_reads_a_version_1_file_and_compares_it_with_today(full_run, tmp_path, capsys):
    v1 = load_results(V1)
    assert v1["schema_version"] == 1
    new = load_results(full_run[1])
    problems = compare_runs(v1, new)
    assert not [p for p in problems if p.startswith("statement")], problems
    assert main(["compare", str(V1), str(full_run[1])]) in (0, 1)
    err = capsys.readouterr().err
    assert "not a results file" not in err and "schema_version" not in err
    doctored = json.loads(V1.read_text())
    doctored["statements"][0]["as_expected"] = True
    worse = json.loads(json.dumps(new))
    worse["statements"][0].update(status="falsified", as_expected=False)
    assert "statement theorem1: proved -> falsified" in compare_runs(doctored, worse)


def test_compare_refuses_unknown_schema_versions(tmp_path, capsys):
    data = json.loads(V1.read_text())
    data["schema_version"] = 99
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    assert main(["compare", str(path), str(V1)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "schema_version 99" in err


@pytest.mark.parametrize("statement", list(STATEMENTS.values()), ids=lambda s: s.id)
def test_catalogue_references_are_anchors_of_docs_math_md(statement):
    root = Path(__file__).resolve().parents[3]
    page, _, anchor = statement.reference.partition("#")
    text = (root / page).read_text()
    headings = {
        "-".join("".join(c for c in line[4:].lower() if c.isalnum() or c in " -").split())
        for line in text.splitlines()
        if line.startswith("### ")
    }
    assert anchor in headings, (statement.id, anchor)


def test_the_docs_index_lists_every_statement_with_its_section():
    root = Path(__file__).resolve().parents[3]
    index = (root / "docs" / "README.md").read_text()
    for statement in STATEMENTS.values():
        anchor = statement.reference.removeprefix("docs/")
        assert f"| `{statement.id}` | [" in index and f"]({anchor})" in index, statement.id

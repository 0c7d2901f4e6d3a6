"""What the console says: partial runs, progress lines, the claims verdicts."""

from __future__ import annotations

from verify.app import load_results
from verify.app.cli import main
from verify.app.console import print_claims, progress_line
from verify.app.runner import TaskResult
from verify.records import make_record


def test_a_partial_run_does_not_judge_what_it_did_not_run(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", "--only", "symbolic", "experiments", "--output", str(out)])
    console = capsys.readouterr()
    results = load_results(out)
    status = {s["id"]: s for s in results["statements"]}
    for sid in ("proposition1", "theorem3"):  # no proof registered, properties not run
        assert status[sid]["status"] == "not_run" and status[sid]["as_expected"] is None
    judged = [s for s in results["statements"] if s["status"] != "not_run"]
    assert judged and all(s["as_expected"] for s in judged)
    assert code == 0, console.err
    assert "undecided" not in console.out and " NO" not in console.out
    assert "not run: outside the selection: proposition1, theorem3" in console.out


def _conformance(status: str, title: str) -> dict:
    return make_record(
        id=f"conformance/e/{title}",
        source="conformance",
        title=title,
        status=status,
        explainer="e",
    )


def test_the_progress_line_says_failed_when_a_check_failed():
    ok = TaskResult("conformance e", "ok", [_conformance("passed", "check_a")], {}, 1.0)
    assert progress_line(ok, 1, 2) == "[1/2] conformance e: ok (1.0 s)"
    bad = TaskResult(
        "conformance e",
        "ok",
        [_conformance("passed", "check_a"), _conformance("failed", "check_b")],
        {},
        1.0,
    )
    assert progress_line(bad, 2, 2) == "[2/2] conformance e: failed (1 of 2: check_b) (1.0 s)"
    expected = make_record(
        id="properties/theorem2_published",
        statement="theorem2_published",
        source="properties",
        status="falsified",
        counterexample={"ratio": 1.3},
    )
    found = TaskResult("property theorem2_published", "ok", [expected], {}, 0.5)
    assert progress_line(found, 1, 1).endswith(": ok (0.5 s)")  # an expected falsification


def _claim(dataset: str, status: str, claim: str, message: str) -> dict:
    return make_record(
        id=f"replicate/{dataset}/{claim[:10]}",
        source="experiments",
        title=claim,
        status=status,
        message=message,
        figures={"claim": claim},
    )


def test_the_claims_verdicts_are_printed_plainly(capsys):
    results = {
        "records": [
            _claim("wine", "passed", "equivalence at about 100", "distance 3% at n = 100"),
            _claim("wine", "failed", "SmoothGrad saturates by 200", "R(200) = 1.9 R(max)"),
            _claim("simulated", "inconclusive", "smaller sigma converges faster", "0.14 se"),
        ]
    }
    print_claims(results)
    out = capsys.readouterr().out
    assert "wine       passed       equivalence at about 100" in out
    assert "FAILED       SmoothGrad saturates by 200" in out and "R(200) = 1.9 R(max)" in out
    assert "INCONCLUSIVE smaller sigma converges faster" in out and "0.14 se" in out
    progress = progress_line(
        TaskResult("replicate wine", "ok", results["records"][:2], {}, 2.0), 1, 3
    )
    assert progress == "[1/3] replicate wine: ok; claims: 1 passed, 1 failed (2.0 s)"

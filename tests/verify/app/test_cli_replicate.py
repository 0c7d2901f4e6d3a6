"""`verify replicate`: the paper's experiments through the report machinery."""

from __future__ import annotations

import pytest

from verify.app import load_results, validate_results
from verify.app.cli import main

pytest.importorskip(
    "sklearn", reason="the replication's data ship with scikit-learn: pip install -e '.[replicate]'"
)


def test_replicate_reports_claims_and_carries_on_past_missing_uci_files(tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(
        [
            "replicate",
            "--profile",
            "dev",
            "--data-dir",
            str(tmp_path / "no-data"),
            "--output",
            str(out),
        ]
    )
    console = capsys.readouterr().out
    results = load_results(out)
    validate_results(results)
    status = {t["name"]: t["status"] for t in results["tasks"]}
    assert status["replicate simulated"] == status["replicate wine"] == "ok"
    assert status["replicate bankruptcy"] == status["replicate shoppers"] == "error"
    errors = " ".join(t["error"] for t in results["tasks"] if t["error"])
    assert "download" in errors.lower() or "data-dir" in errors
    assert code == 1  # a missing input file is an error of the run
    report = (out / "report.md").read_text()
    assert "## The paper's experimental claims" in report
    assert "Equivalence" in report
    assert list(out.glob("figure_replicate_*_simulated.png"))
    assert "verify replicate --profile dev" in results["command"]
    # The console shows every claim's verdict, as the report does (a failed claim plainly).
    claims = [r for r in results["records"] if r["figures"].get("claim")]
    assert claims and "the paper's experimental claims" in console
    for r in claims:
        verdict = r["status"] if r["status"] == "passed" else r["status"].upper()
        assert f"{verdict:<12} {r['figures']['claim']}" in console

"""The default replication end to end (slow: about a minute on 2 cores; run with -m slow).

Runs exactly what ``verify replicate`` runs by default (simulated, breast cancer
and wine, ``ci`` sizes, full test splits, n up to 5,000) with two workers, and
checks the results, not the time: the elapsed seconds are attached to the test
report (``record_property``) because a wall-clock assertion would flake on a
shared machine.
"""

from __future__ import annotations

import time

import pytest

from verify.app import validate_results
from verify.app.replicate import FIGURES, replication_tasks
from verify.app.run import run_tasks


@pytest.mark.slow
def test_default_replication(tmp_path, record_property):
    start = time.perf_counter()
    results = run_tasks(
        replication_tasks(),
        output=tmp_path,
        run_id="default",
        seed=0,
        profile="ci",
        command="verify replicate",
        workers=2,
        render=False,
    )
    elapsed = time.perf_counter() - start
    record_property("elapsed_seconds", elapsed)
    validate_results(results)
    assert all(t["status"] == "ok" for t in results["tasks"]), results["tasks"]
    for name in ("simulated", "breast_cancer", "wine"):
        data = results["figures"][f"replicate_{name}"]
        assert data["n"][-1] == 5000
        assert data["test_points"] == data["dataset"]["n_test"]  # the full test split
        assert data["model"]["test_accuracy"] > 0.9
        claims = [r for r in results["records"] if r["id"].startswith(f"replicate/{name}/")]
        assert len(claims) == 5
    assert sum(key in results["figures"] for key, _, _ in FIGURES.values()) == 18

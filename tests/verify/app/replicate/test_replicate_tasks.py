"""The replication's tasks run through ``verify run``'s runner and give a valid results.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from verify.app import validate_results
from verify.app.replicate import FIGURES, replication_tasks, tasks
from verify.app.run import run_tasks
from verify.app.runner import Task

# Tiny sizes: the whole module runs in seconds.
TINY = {
    "grid": (10, 20, 50, 100, 200),
    "groups": 4,
    "truth_points": 4,
    "floor_points": 2,
    "qmc_log2": 8,
    "qmc_replicates": 4,
    "floor_log2": 7,
    "theory_samples": 512,
    "max_test_points": 16,
    "neighbours": 3,
}


def _write_uci_files(folder: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["@relation r"] + [f"@attribute Attr{i} numeric" for i in range(1, 5)]
    lines += ["@attribute class {0,1}", "@data"]
    for _ in range(120):
        x = rng.normal(size=4)
        lines.append(",".join(f"{v:.5f}" for v in x) + f",{int(x[0] - x[1] > 0.3)}")
    (folder / "3year.arff").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uci")
    _write_uci_files(folder)  # bankruptcy only: the shoppers file is missing
    out = tmp_path_factory.mktemp("run")
    task_list = replication_tasks(str(folder), **TINY)
    # The bundled real data sets are covered by the default-run benchmark; here the
    # simulated and the two UCI tasks exercise every code path cheaply.
    task_list = [
        t for t in task_list if t.name.split()[-1] in ("simulated", "bankruptcy", "shoppers")
    ]
    results = run_tasks(
        task_list, output=out, run_id="t", seed=3, profile="dev", command="test", render=False
    )
    return results, out


def test_results_follow_the_schema(run):
    results, out = run
    validate_results(results)
    validate_results(json.loads((out / "results.json").read_text()))


def test_missing_uci_file_is_an_error_naming_the_download_and_the_run_goes_on(run):
    results, _ = run
    status = {t["name"]: t for t in results["tasks"]}
    assert status["replicate simulated"]["status"] == "ok"
    assert status["replicate bankruptcy"]["status"] == "ok"
    missing = status["replicate shoppers"]
    assert missing["status"] == "error" and "online_shoppers_intention.csv" in missing["error"]
    assert "archive.ics.uci.edu" in missing["error"]


def test_each_data_set_has_a_training_record_and_four_claims(run):
    results, _ = run
    for name in ("simulated", "bankruptcy"):
        ids = {r["id"] for r in results["records"] if r["id"].startswith(f"replicate/{name}/")}
        assert ids == {
            f"replicate/{name}/{c}"
            for c in (
                "training",
                "equivalence_100",
                "smoothgrad_saturates_200",
                "smoothgrad_more_robust",
                "smaller_sigma_converges_faster",
            )
        }
    from verify.status import RECORD_STATUSES

    # "inconclusive" where the vocabulary has it, else its nearest word there.
    inconclusive = "inconclusive" if "inconclusive" in RECORD_STATUSES else "undecided"
    for r in results["records"]:
        if r["id"].startswith("replicate/"):
            assert r["status"] in ("passed", "failed", inconclusive) and r["seed"] is not None
            assert r["source"] == "experiments" and r["profile"] == "dev"
            if not r["id"].endswith("/training"):
                assert r["figures"]["verdict"] in ("passed", "failed", "inconclusive")


def test_claim_statuses_are_recomputed_from_the_stored_figures(run):
    # No verdict is hard-coded: judging the stored data again gives the same statuses.
    from verify.app.replicate.claims import judge_claims

    results, _ = run
    data = results["figures"]["replicate_simulated"]
    again = {r["id"]: r["status"] for r in judge_claims(data, seed=None, profile=None)}
    stored = {r["id"]: r["status"] for r in results["records"] if r["id"] in again}
    assert again == stored


def test_figure_data_has_every_family(run):
    results, _ = run
    data = results["figures"]["replicate_simulated"]
    assert data["n"] == list(TINY["grid"])
    assert set(data["configs"]) == {
        "well/sigma=0.01",
        "well/sigma=0.1",
        "well/sigma=1",
        "under/sigma=0.1",
        "well/sigma=0.003",  # the saturation sweep's extra sigmas: SmoothGrad alone
        "well/sigma=0.03",
    }
    assert data["saturation_sweep"] == [f"well/sigma={s:g}" for s in (0.003, 0.01, 0.03, 0.1, 1)]
    assert data["configs"]["well/sigma=0.03"]["sweep_only"]
    default = data["configs"][data["default"]]
    assert "truth" in default and len(default["smoothgrad_to_truth"]["mean"]) == 5
    assert default["truth"]["points"] == TINY["truth_points"]
    assert data["test_points"] == TINY["max_test_points"]
    assert data["model"]["test_accuracy"] > 0.9


def test_every_registered_figure_renders(run):
    results, _ = run
    rendered = 0
    for name, (key, renderer, caption) in FIGURES.items():
        if key in results["figures"]:
            png = renderer(results["figures"][key])
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and caption
            # Every error bar is explained in the caption.
            assert "Error bars:" in caption or "error bars:" in caption, name
            width, height = (int.from_bytes(png[i : i + 4], "big") for i in (16, 20))
            # Two-panel figures stack their panels: as wide as a one-panel figure, so a
            # report showing figures at their natural width never shrinks them.
            assert width <= 720, (name, width)
            if name.split("_")[1] in ("sigma", "training", "saturation"):
                assert height > width, name
            rendered += 1
    assert rendered == 12  # simulated and bankruptcy, six figures each


def test_replication_tasks_without_data_dir_are_the_shipped_sets():
    names = [t.name for t in replication_tasks()]
    assert names == ["replicate simulated", "replicate breast_cancer", "replicate wine"]
    assert all(isinstance(t, Task) for t in replication_tasks())


def test_unknown_options_are_refused():
    with pytest.raises(TypeError, match="unknown replication option"):
        tasks.replicate_simulated(seed=0, profile="dev", colour="red", **TINY)

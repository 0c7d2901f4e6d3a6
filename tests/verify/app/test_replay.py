"""Failures as data: every counterexample and failed check reruns from results.json alone.

Round trips: a run writes its failures, ``verify replay`` loads one and reruns its check on
the recorded problem, and the verdict is the recorded one. The Stein counterexample is
reproduced by hand from the file with the engine (its x0 is on the decision boundary).
"""

from __future__ import annotations

import json
import sys
import textwrap

import numpy as np
import pytest

from verify import closed_form
from verify.app import load_results
from verify.app.cli import main
from verify.app.replay import find_record, problem, replay, replayable
from verify.functions import Function, RidgeFunction

# A planted bug: the noise drawn with the transposed Cholesky factor (u @ L, not L u).
MODULE = textwrap.dedent(
    """
    import numpy as np
    from verify.validation import explainer_inputs

    def transposed(f, x0, cov, n, seed):
        x0, cov, n, seed = explainer_inputs(f, x0, cov, n, seed)
        u = np.random.default_rng(seed).standard_normal((n, x0.size))
        return f.gradient(x0 + u @ np.linalg.cholesky(cov)).mean(axis=0)

    transposed.__explainer_tags__ = {
        "kind": "gradient", "covariance": "full", "stochastic": True}
    """
)


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[int, object, str]:
    """`verify check` on the planted bug (dev profile): (exit code, folder, stderr)."""
    folder = tmp_path_factory.mktemp("replay")
    name = "planted_bug_for_replay"
    (folder / f"{name}.py").write_text(MODULE)
    sys.path.insert(0, str(folder))
    try:
        from contextlib import redirect_stderr
        from io import StringIO

        err = StringIO()
        with redirect_stderr(err):
            code = main(
                ["check", f"{name}:transposed", "--profile", "dev", "--output", str(folder / "out")]
            )
    finally:
        sys.path.remove(str(folder))
    return code, folder / "out", err.getvalue()


def test_a_failed_check_reruns_from_the_run_with_the_same_verdict(checked, monkeypatch):
    code, out, err = checked
    assert code == 1
    records = load_results(out)["records"]
    failed = [r for r in records if r["status"] == "failed"]
    assert failed and "check_correlated_covariance" in {r["title"] for r in failed}
    assert all("replay" in r["figures"] for r in failed)
    monkeypatch.syspath_prepend(str(out.parent))
    record = find_record(records, "correlated_covariance")
    again = replay(record)
    assert again.same and again.status == "failed"
    # The console said how to replay one, and that command works.
    assert f"verify replay {out} conformance/transposed/" in err


def test_verify_replay_lists_reruns_and_reads_a_single_record_file(checked, capsys, monkeypatch):
    _, out, _ = checked
    monkeypatch.syspath_prepend(str(out.parent))
    assert main(["replay", str(out)]) == 0
    listing = capsys.readouterr().out
    assert "conformance/transposed/check_correlated_covariance" in listing
    record = find_record(load_results(out)["records"], "correlated_covariance")
    one = out.parent / "one-failure.json"
    one.write_text(json.dumps(record))
    assert main(["replay", str(one), record["id"]]) == 0
    assert "the recorded verdict" in capsys.readouterr().out
    # A verdict that does not repeat is said, and exits 1 (the comparison can fail).
    doctored = out.parent / "doctored.json"
    doctored.write_text(json.dumps({**record, "status": "xfail"}))
    assert main(["replay", str(doctored), record["id"]]) == 1
    assert "NOT the recorded xfail" in capsys.readouterr().out


def test_verify_replay_names_the_candidates_when_a_record_is_ambiguous(checked, capsys):
    _, out, _ = checked
    results = load_results(out)
    record = find_record(results["records"], "correlated_covariance")
    results["records"].append({**record, "id": record["id"] + "-again"})
    (out.parent / "two.json").write_text(json.dumps(results))
    assert main(["replay", str(out.parent / "two.json"), "correlated"]) == 2
    err = capsys.readouterr().err
    assert "several records match" in err and f"{record['id']}-again" in err
    assert main(["replay", str(out), "no_such_record"]) == 2
    assert "no replayable record matches" in capsys.readouterr().err


# -- the statements' counterexamples, from the shared run ----------------------------------------


def test_every_property_counterexample_replays_with_its_verdict(full_run):
    records = load_results(full_run[1])["records"]
    found = [r for r in replayable(records) if r["source"] == "properties"]
    assert {r["statement"] for r in found} >= {"theorem2_published", "stein_step_function"}
    for record in found:
        values = problem(record)
        assert isinstance(values["f"], Function)
        again = replay(record)
        assert again.same, (record["id"], again)


def test_the_stein_counterexample_reproduces_from_results_json(full_run):
    """x0 is recorded (a point of the decision boundary), so the engine gives the C-LIME the
    report shows; at x0 = 0 it would not."""
    records = {r["id"]: r for r in load_results(full_run[1])["records"]}
    ce = records["properties/stein_step_function"]["counterexample"]
    p = problem(records["properties/stein_step_function"])
    f, x0, cov = p["f"], p["x0"], p["cov"]
    assert isinstance(f, RidgeFunction) and f.link.name == "step"
    assert abs(float(f.w @ x0 + f.b)) < 1e-9 * max(1.0, float(np.abs(f.b)))
    assert {"n", "seed"} <= set(p)
    clime = closed_form.clime(f, x0, cov)
    np.testing.assert_allclose(clime, ce["engine_clime"], rtol=1e-9)
    np.testing.assert_array_equal(closed_form.smoothgrad(f, x0, cov), ce["engine_smoothgrad"])
    far = closed_form.clime(f, np.zeros_like(x0), cov)
    assert not np.allclose(far, clime, rtol=1e-3)  # the point matters: it had to be recorded
    report = (full_run[1] / "report.md").read_text()
    section = report[report.index("Theorem 1 for a step function: counterexample") :][:1500]
    assert "point x0" in section and "sample size n" in section

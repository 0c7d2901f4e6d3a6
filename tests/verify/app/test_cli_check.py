"""`verify check MODULE:ATTR` and `verify run --explainer`: the battery from the command line."""

from __future__ import annotations

import sys
import textwrap

import pytest

from verify.app import load_results, validate_results
from verify.app.batteries import check_names
from verify.app.cli import main

MODULE = textwrap.dedent(
    """
    import numpy as np
    from verify import estimators

    TAGS = {"kind": "gradient", "covariance": "full", "stochastic": True}

    def good(f, x0, cov, n, seed):
        return estimators.smoothgrad(f, x0, cov, n, seed)

    def absolute(f, x0, cov, n, seed):  # the captum abs=True mistake
        return np.abs(estimators.smoothgrad(f, x0, cov, n, seed))

    good.__explainer_tags__ = TAGS
    absolute.__explainer_tags__ = TAGS

    def untagged(f, x0, cov, n, seed):
        return estimators.smoothgrad(f, x0, cov, n, seed)
    """
)


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    name = "user_explainers_for_cli_test"
    (tmp_path / f"{name}.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield name
    sys.modules.pop(name, None)


def test_check_passes_a_correct_explainer(user_module, tmp_path, capsys):
    out = tmp_path / "good"
    assert main(["check", f"{user_module}:good", "--output", str(out)]) == 0
    results = load_results(out)
    validate_results(results)
    assert results["records"] and {r["status"] for r in results["records"]} <= {"passed", "skipped"}
    assert "Statements of the paper" not in (out / "report.md").read_text()


def test_check_fails_absolute_gradients_and_names_the_cause(user_module, tmp_path, capsys):
    out = tmp_path / "bad"
    assert main(["check", f"{user_module}:absolute", "--output", str(out)]) == 1
    progress = capsys.readouterr().err
    assert "check_sign_and_scale: failed (1 of 1: check_sign_and_scale)" in progress
    failed = {
        r["title"]: r["message"] for r in load_results(out)["records"] if r["status"] == "failed"
    }
    assert "check_sign_and_scale" in failed
    assert "absolute" in " ".join(failed.values()).lower()


def test_check_declares_tags_of_a_plain_callable(user_module, tmp_path):
    out = tmp_path / "tags"
    tags = ["--tag", "kind=gradient", "--tag", "covariance=full", "--tag", "stochastic=true"]
    assert main(["check", f"{user_module}:untagged", "--output", str(out), *tags]) == 0
    assert load_results(out)["records"]


def test_check_reports_declared_failures_as_xfail(user_module, tmp_path):
    out = tmp_path / "xfail"
    main(
        [
            "check",
            f"{user_module}:absolute",
            "--output",
            str(out),
            "--expected-fail",
            "check_sign_and_scale=reports magnitudes on purpose",
        ]
    )
    statuses = {r["title"]: r["status"] for r in load_results(out)["records"]}
    assert statuses["check_sign_and_scale"] == "xfail"
    assert statuses["check_linearity"] == "failed"  # undeclared failures still fail


def test_check_usage_errors_exit_2(user_module, tmp_path, capsys):
    assert main(["check", "no_such_module_xyz:explain", "--output", str(tmp_path / "a")]) == 2
    assert "cannot import" in capsys.readouterr().err
    assert main(["check", f"{user_module}:untagged", "--output", str(tmp_path / "b")]) == 2
    assert not (tmp_path / "b").exists()  # refused before any report was started
    err = capsys.readouterr().err
    assert "missing tag" in err and "--tag kind=gradient" in err and "Explainer(" not in err
    bad = ["--expected-fail", "check_nonsense=x", "--output", str(tmp_path / "c")]
    assert main(["check", f"{user_module}:good", *bad]) == 2
    assert "unknown check(s) check_nonsense" in capsys.readouterr().err
    for limit in ("0", "-1", "soon"):
        with pytest.raises(SystemExit) as exc:
            main(["check", f"{user_module}:good", "--time-limit", limit])
        assert exc.value.code == 2


def test_check_honours_workers_with_the_serial_verdicts(user_module, tmp_path):
    """One task per check: --workers 2 spreads them, each check keeps the battery's seed."""
    runs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        args = ["check", f"{user_module}:absolute", "--workers", workers, "--quiet"]
        assert main([*args, "--output", str(out)]) == 1
        runs.append(load_results(out)["records"])
    strip = [[{k: v for k, v in r.items() if k != "elapsed_seconds"} for r in rs] for rs in runs]
    assert strip[0] == strip[1] and len(strip[0]) == len(check_names("gradient"))
    assert len({r["seed"] for r in runs[0]}) == 1


def test_run_checks_an_extra_explainer(user_module, tmp_path):
    out = tmp_path / "run"
    main(
        [
            "run",
            "--only",
            "conformance",
            "--profile",
            "dev",
            "--explainer",
            f"{user_module}:absolute",
            "--output",
            str(out),
            "--quiet",
        ]
    )
    results = load_results(out)
    explainers = {r["explainer"] for r in results["records"]}
    assert f"{user_module}:absolute" in " ".join(explainers) or "absolute" in " ".join(explainers)
    assert "smoothgrad" in explainers
    assert any(r["status"] == "failed" for r in results["records"])


def test_check_honours_dask_with_the_serial_verdicts(user_module, tmp_path):
    distributed = pytest.importorskip(
        "distributed", reason="dask not installed: pip install -e '.[dask]'"
    )
    serial = tmp_path / "serial"
    assert main(["check", f"{user_module}:good", "--output", str(serial), "--quiet"]) == 0
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        out = tmp_path / "dask"
        args = ["check", f"{user_module}:good", "--dask", cluster.scheduler_address, "--quiet"]
        assert main([*args, "--output", str(out)]) == 0
    strip = [
        [{k: v for k, v in r.items() if k != "elapsed_seconds"} for r in load_results(d)["records"]]
        for d in (serial, out)
    ]
    assert strip[0] == strip[1]


# -- what a newcomer meets: declarations, factories, grouped failures ----------------------------

MORE = textwrap.dedent(
    """
    import numpy as np
    from properties import Explainer
    from verify import estimators

    TAGS = {"kind": "gradient", "covariance": "full", "stochastic": True}

    def good(f, x0, cov, n, seed):
        return estimators.smoothgrad(f, x0, cov, n, seed)

    def raises(f, x0, cov, n, seed):
        raise ValueError("boom")

    good.__explainer_tags__ = raises.__explainer_tags__ = TAGS

    def make(scale=1.0):  # a factory, as the adapters are
        e = Explainer(lambda f, x0, cov, n, seed: scale * good(f, x0, cov, n, seed), **TAGS)
        e.expected_failed_checks = {"check_rate": "declared by the factory"}
        return e
    """
)


@pytest.fixture
def more(tmp_path, monkeypatch):
    name = "more_explainers_for_cli_test"
    (tmp_path / f"{name}.py").write_text(MORE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield name
    sys.modules.pop(name, None)


def _check(*args: str) -> list[str]:
    return ["check", *args, "--profile", "dev", "--quiet"]


def test_expected_fail_takes_the_column_name_and_an_xpass_is_said(more, tmp_path, capsys):
    out = tmp_path / "x"
    code = main(_check(f"{more}:good", "--expected-fail", "rate=uses QMC", "--output", str(out)))
    assert code == 0  # an xpass is not a failure (non-strict, as pytest's xfail) ...
    statuses = {r["title"]: r["status"] for r in load_results(out)["records"]}
    assert statuses["check_rate"] == "xpass"
    err = capsys.readouterr().err  # ... but it is said
    assert "check_rate passed although declared to fail" in err
    assert main(_check(f"{more}:good", "--expected-fail", "nonsense=x")) == 2
    assert "unknown check(s) check_nonsense" in capsys.readouterr().err


def test_an_explainer_that_raises_fails_every_check_on_one_line(more, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(_check(f"{more}:raises", "--output", str(out))) == 1
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("verify: ")]
    raised = [ln for ln in lines if "the explainer raised ValueError: boom" in ln]
    failed = [r for r in load_results(out)["records"] if r["status"] == "failed"]
    assert len(failed) > 5 and len(raised) <= 2, lines  # grouped (a call sequence words it apart)
    assert not any(f"{r['title']} failed: {r['title']}" in ln for ln in lines for r in failed)
    assert any(f"verify replay {out}" in ln for ln in lines)


def test_check_accepts_a_factory_with_its_declared_failures(more, tmp_path, capsys):
    out = tmp_path / "f"
    assert main(_check(f"{more}:make", "--output", str(out))) == 0
    statuses = {r["title"]: r["status"] for r in load_results(out)["records"]}
    assert statuses["check_rate"] == "xpass"  # the factory's declaration counted
    assert main(_check(f"{more}:make", "--tag", "kind=gradient")) == 2
    assert "declares its own tags; drop --tag" in capsys.readouterr().err

"""The ecosystem: the client registry, ``verify clients``, ``verify run --clients`` and the report.

The batteries that run here are saliency's (the fastest client, a few seconds for both
configurations at the dev profile); the other libraries' batteries are the clients'
own tests (tests/properties/conformance). A missing library is simulated by hiding its modules
from ``importlib.util.find_spec``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
from pathlib import Path

import pytest

import verify
from verify.app import ecosystem as eco
from verify.app.batteries import conformance_battery
from verify.app.cli import main
from verify.app.report.ecosystem import ecosystem, ecosystem_text
from verify.app.tasks import build_tasks

ROOT = Path(verify.__file__).resolve().parents[1]
SIX = {"captum", "lime", "zennit", "saliency", "interpret", "shap"}
SALIENCY_HINT = "saliency is not installed: pip install 'xai-verify[saliency]'"


def _hide(monkeypatch, *modules: str) -> None:
    """Make ``modules`` look uninstalled to the registry's import check."""
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name.split(".")[0] in modules:
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_registry_covers_the_six_libraries_in_both_configurations():
    from properties import adapters

    assert {lib.name for lib in eco.LIBRARIES} == SIX
    for lib in eco.LIBRARIES:
        kinds = [c.kind for c in lib.configurations]
        assert eco.LIBRARY_DEFAULTS in kinds and eco.CLOSED_FORM in kinds
        for c in lib.configurations:
            assert c.factory in adapters.__all__, c
            assert eco.configuration(c.key) is c
        # every adapter with library defaults is also there in its closed form
        closed = {c.factory for c in lib.configurations if c.kind == eco.CLOSED_FORM}
        assert {c.factory for c in lib.configurations} == closed
        assert lib.defaults_compute and lib.name in lib.install_hint
    # the LFA family: each captum and shap adapter, textbook and as users call it
    captum = eco.library("captum")
    assert eco.configuration("captum:captum_kernel_shap:defaults").arguments() == {
        "library_defaults": True
    }
    assert len(captum.configurations) == 3 + 2 * 9
    assert len(eco.library("shap").configurations) == 2 * 3
    # A bare adapter name is its closed form (the task names of earlier runs still resolve).
    assert eco.configuration("lime_tabular").kind == eco.CLOSED_FORM
    with pytest.raises(ValueError, match="the registry has captum:captum_smoothgrad"):
        eco.configuration("captum_lime")


def test_library_defaults_are_the_adapter_modules_own():
    """The registry copies no defaults: it reads each adapter module's LIBRARY_DEFAULTS (or,
    for the LFA family's adapters, asks the adapter for them: library_defaults=True)."""
    import importlib

    for lib in eco.LIBRARIES:
        module = importlib.import_module(f"properties.adapters.{lib.name}")
        for config in lib.configurations:
            if config.kind != eco.LIBRARY_DEFAULTS:
                continue
            if config.defaults_from is not None:
                assert config.arguments() == module.LIBRARY_DEFAULTS
            else:
                assert config.arguments() == {"library_defaults": True}


def test_each_defaults_line_names_parameters_the_adapter_documents():
    """Every ``name=value`` of a library's line is in its adapter's source (not invented)."""
    for lib in eco.LIBRARIES:
        source = (ROOT / "properties" / "adapters" / f"{lib.name}.py").read_text()
        if lib.name == "interpret":  # interpret's line restates lime's defaults too
            source += (ROOT / "properties" / "adapters" / "lime.py").read_text()
        if lib.name == "shap":  # three adapters: the calls live in a module of their own
            source += (ROOT / "properties" / "adapters" / "_shap_calls.py").read_text()
        settings = re.findall(r"\b\w+=[\w.]+", lib.defaults_compute)
        assert settings, lib.name
        for setting in settings:
            name, _, value = setting.partition("=")
            assert setting in source or (name in source and value in source), (lib.name, setting)


def test_readme_and_registry_agree_on_what_each_librarys_defaults_compute():
    readme = (ROOT / "README.md").read_text()
    for lib in eco.LIBRARIES:
        assert f"* {lib.name}: {lib.defaults_compute}\n" in readme, lib.name
    assert "verify clients" in readme and "verify run --clients" in readme


def test_missing_library_is_listed_with_its_hint_and_no_task(monkeypatch):
    _hide(monkeypatch, "zennit")
    assert "zennit" not in {lib.name for lib in eco.installed_clients()}
    assert "zennit" in {lib.name for lib in eco.missing_clients(["zennit", "saliency"])}
    tasks = build_tasks((), clients=["zennit"])
    assert [t.name for t in tasks] == ["ecosystem"]
    (entry,) = tasks[0].fn(0, "dev", **tasks[0].options)["figures"]["ecosystem"]
    assert entry["installed"] is False and entry["version"] is None
    assert entry["install_hint"] == "pip install torch==2.13.0 && pip install 'xai-verify[zennit]'"


def test_run_clients_with_none_installed_is_a_usage_error_naming_the_hints(
    monkeypatch, capsys, tmp_path
):
    _hide(monkeypatch, "captum", "lime", "zennit", "saliency", "interpret", "shap")
    out = tmp_path / "unused"
    code = main(["run", "--clients", "--only", "conformance", "--output", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no client library is installed" in err
    for lib in eco.LIBRARIES:
        assert lib.install_hint in err
    assert not out.exists()


def test_view_flags_undeclared_outcomes():
    """The table's verdict: xfail, xpass (a non-strict declaration) and skip are as declared;
    a failure or an error is not."""

    def record(check, status, explainer="x", configuration=eco.LIBRARY_DEFAULTS):
        figures = {"library": "saliency", "library_version": "9", "configuration": configuration}
        if status == "xfail":
            figures["declared_failure"] = "magnitude=True: squares"
        return {
            "source": "conformance",
            "explainer": explainer,
            "title": check,
            "status": status,
            "message": f"{check} says why\nmore",
            "figures": figures,
            "elapsed_seconds": 0.5,
        }

    results = {
        "profile": "dev",
        "seed": 0,
        "figures": {},
        "records": [
            record("check_a", "passed"),
            record("check_b", "xfail"),
            record("check_a", "passed", "y"),
            record("check_b", "skipped", "y"),
        ],
    }
    (view,) = ecosystem(results)
    assert view.version == "9" and [c.as_declared() for c in view.configurations] == [True, True]
    text = ecosystem_text(results)
    assert "xfail b: magnitude=True: squares" in text and "NOT AS DECLARED" not in text
    results["records"][1]["status"] = "xpass"
    (view,) = ecosystem(results)
    assert view.configurations[0].as_declared() and "NOT AS DECLARED" not in ecosystem_text(results)
    for bad in ("failed", "error"):
        results["records"][1]["status"] = bad
        (view,) = ecosystem(results)
        assert not view.configurations[0].as_declared()
        assert "NOT AS DECLARED" in ecosystem_text(results)
        assert "check_b says why" in ecosystem_text(results)


def test_client_records_carry_library_version_and_declared_reason():
    pytest.importorskip("saliency", reason=SALIENCY_HINT)
    out = conformance_battery(
        0, "dev", client="saliency:saliency_smoothgrad:defaults", checks=["check_linearity"]
    )
    (r,) = out["records"]
    assert r["status"] == "xfail"
    assert r["figures"]["library"] == "saliency"
    assert r["figures"]["library_version"] == importlib.metadata.version("saliency")
    assert r["figures"]["configuration"] == eco.LIBRARY_DEFAULTS
    assert "magnitude=True" in r["figures"]["declared_failure"]
    closed = conformance_battery(0, "dev", client="saliency_smoothgrad", checks=["check_linearity"])
    assert closed["records"][0]["status"] == "passed"
    assert closed["records"][0]["figures"]["configuration"] == eco.CLOSED_FORM


def test_verify_clients_prints_the_table_writes_the_report_and_names_the_missing(
    monkeypatch, tmp_path, capsys
):
    pytest.importorskip("saliency", reason=SALIENCY_HINT)
    _hide(monkeypatch, "zennit")
    out = tmp_path / "eco"
    argv = ["clients", "--profile", "dev", "--only-library", "saliency"]
    code = main([*argv, "--only-library", "zennit", "--output", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    version = importlib.metadata.version("saliency")
    lines = printed.out.splitlines()
    assert re.search(rf"^saliency {re.escape(version)}  \([\d.]+ s\)$", printed.out, re.M)
    flat = " ".join(line.strip() for line in lines)
    assert f"its defaults compute: {eco.library('saliency').defaults_compute}" in flat
    closed = r"^  closed form +[\d.]+ s  19 passed, 1 skipped +saliency_smoothgrad$"
    assert re.search(closed, printed.out, re.M)
    defaults = (
        r"^  library defaults +[\d.]+ s  \d+ passed, 1 skipped, \d+ xfail +saliency_smoothgrad\["
    )
    assert re.search(defaults, printed.out, re.M)
    assert re.search(r"^      xfail linearity: magnitude=True: ", printed.out, re.M)
    hint = "pip install torch==2.13.0 && pip install 'xai-verify[zennit]'"
    assert f"zennit: not installed ({hint})" in lines
    assert hint in printed.err
    results = json.loads((out / "results.json").read_text())
    assert results["complete"] and results["command"].startswith("verify clients --profile dev")
    libraries = {r["figures"]["library"] for r in results["records"]}
    assert libraries == {"saliency"}
    assert {r["figures"]["library_version"] for r in results["records"]} == {version}
    report = (out / "report.md").read_text()
    assert "## Ecosystem" in report and f"| saliency {version} | library defaults |" in report
    assert "zennit | not installed" in report
    assert "<h2>Ecosystem</h2>" in (out / "report.html").read_text()


def test_verify_clients_exits_1_on_an_undeclared_failure(monkeypatch, capsys):
    """A library-default configuration whose adapter forgot its declarations is caught."""
    pytest.importorskip("saliency", reason=SALIENCY_HINT)
    from properties import adapters

    real = adapters.saliency_smoothgrad

    def undeclared(**kwargs):
        e = real(**kwargs)
        e.expected_failed_checks = {}
        return e

    monkeypatch.setattr(adapters, "saliency_smoothgrad", undeclared)
    code = main(["clients", "--profile", "dev", "--only-library", "saliency"])
    printed = capsys.readouterr()
    assert code == 1
    assert "NOT AS DECLARED" in printed.out and "FAIL  linearity" in printed.out
    assert "verify: not as declared: saliency_smoothgrad[" in printed.err


def test_verify_clients_usage_errors(monkeypatch, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["clients", "--only-library", "alibi"])
    assert exc.value.code == 2
    _hide(monkeypatch, "saliency")
    assert main(["clients", "--only-library", "saliency"]) == 2
    assert "no client library is installed; install one: saliency" in capsys.readouterr().err


def test_docs_clients_closed_form_table_is_the_adapters_own():
    """docs/clients.md's "closed form in one call" table says what the registry reads from
    the adapters (the arguments that make each library compute the closed form)."""
    import ast

    text = (ROOT / "docs" / "clients.md").read_text()
    table = text[text.index("## The closed form in one call") :]
    for lib in eco.LIBRARIES:
        (row,) = (ln for ln in table.splitlines() if ln.startswith(f"| {lib.name} |"))
        call = re.search(r"`(\w+\(.*?\))`", row).group(1)
        node = ast.parse(call).body[0].value
        assert node.func.id == lib.configurations[0].factory
        stated = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
        assert stated == eco.closed_form_arguments(lib), lib.name


def test_verify_clients_names_the_closed_form_call_for_each_library():
    summary = eco.ecosystem_summary()
    captum = next(e for e in summary if e["library"] == "captum")
    assert captum["closed_form"] == {
        "factory": "captum_smoothgrad",
        "arguments": {"absolute": False, "nt_samples": None, "stdevs": None},
    }
    results = {
        "profile": "dev",
        "seed": 0,
        "figures": {"ecosystem": summary},
        "records": [],
    }
    text = ecosystem_text(results)
    assert "the closed form with: properties.adapters.captum_smoothgrad(absolute=False" in text


def test_configurations_of_different_kinds_render_with_empty_cells():
    """A library with SmoothGrad and attribution adapters: each kind's battery has its own
    checks, so a configuration has no record in another kind's columns (the HTML report
    crashed on that, found by `verify clients --only-library captum`)."""
    from verify.app.report import html as H
    from verify.app.report import markdown as M

    def record(check, status, explainer):
        return {
            "source": "conformance",
            "explainer": explainer,
            "title": check,
            "status": status,
            "message": f"{check} failed\nmore",
            "figures": {"library": "captum", "library_version": "9", "configuration": "x"},
            "elapsed_seconds": 0.1,
        }

    results = {
        "profile": "dev",
        "seed": 0,
        "figures": {},
        "records": [
            record("check_linearity", "failed", "captum_smoothgrad"),
            record("check_rule_rate", "failed", "captum_integrated_gradients"),
        ],
    }
    html = "".join(H._ecosystem(results))
    assert html.count("<td></td>") == 2 and "check_rule_rate failed" in html
    assert "## Ecosystem" in "\n".join(M._ecosystem(results))


def test_each_adapter_module_owns_its_defaults_line():
    """The registry restates nothing: what a library computes with its defaults is its
    adapter module's DEFAULTS_COMPUTE, read from there."""
    import importlib

    from verify.app import ecosystem

    source = Path(ecosystem.__file__).read_text()
    for lib in ecosystem.LIBRARIES:
        module = importlib.import_module(f"properties.adapters.{lib.name}")
        assert lib.defaults_compute == module.DEFAULTS_COMPUTE and len(lib.defaults_compute) > 40
        assert module.DEFAULTS_COMPUTE[:30] not in source

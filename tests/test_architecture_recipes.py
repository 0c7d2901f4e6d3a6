"""docs/architecture.md's recipes run as written against the real API (issue 20 item 5).

Every ```python block of the page is executed, in order, in a namespace of its recipe;
each recipe's result is then used the way the house uses it: the new statement is
registered in the catalogue (as its entry would be) and judged by the same code `verify run`
uses for its proofs and properties, the new family round-trips through its spec and its
closed form agrees with the base class's numeric moments, and the new check passes a
correct explainer and catches a broken one.
"""

from __future__ import annotations

import importlib
import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.md"


def _recipes() -> dict[str, list[str]]:
    """The page's python blocks, grouped by the recipe (### heading) they belong to."""
    out: dict[str, list[str]] = {}
    heading = None
    lines = PAGE.read_text().splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("### "):
            heading = line[4:].strip()
        elif line.strip() == "```python":
            indent = line[: len(line) - len(line.lstrip())]
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            block = textwrap.dedent("".join(lines[i + 1 : j]))
            assert heading, "a python block before any recipe heading"
            out.setdefault(heading, []).append(block)
            assert all(not x.strip() or x.startswith(indent) for x in lines[i + 1 : j])
            i = j
        i += 1
    return out


RECIPES = _recipes()


def _run(recipe: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "recipe_" + re.sub(r"\W+", "_", recipe)}
    for block in RECIPES[recipe]:
        exec(compile(block, f"{PAGE}:{recipe}", "exec"), namespace)
    return namespace


def test_the_page_has_a_runnable_block_for_each_code_recipe():
    assert {"Adding a statement", "Adding a function family", "Adding a conformance check"} <= set(
        RECIPES
    )
    assert len(RECIPES["Adding a statement"]) == 3  # catalogue, proof, property
    assert "check_rng" not in PAGE.read_text()  # the recipe once called a function that never was


def test_a_new_statement_is_proved_and_checked_by_the_runs_own_code(monkeypatch):
    from properties.theorems import algebra as theorems_algebra
    from properties.theorems import records
    from verify import catalogue
    from verify.app.tasks import property_check
    from verify.symbolic.classes import SCOPE_KEYS
    from verify.symbolic.proofs import algebra as proofs_algebra

    ns = _run("Adding a statement")
    entry = ns["SMOOTHGRAD_EVEN_ENTRY"]
    # what the catalogue entry and the two module edits of the recipe do
    monkeypatch.setitem(catalogue.STATEMENTS, entry.id, entry)
    monkeypatch.setattr(catalogue, "CATALOGUE", (*catalogue.CATALOGUE, entry))
    monkeypatch.setitem(records.STATEMENTS, entry.id, entry.formula)
    monkeypatch.setattr(
        proofs_algebra, "smoothgrad_even_proofs", ns["smoothgrad_even_proofs"], raising=False
    )
    monkeypatch.setattr(theorems_algebra, "SMOOTHGRAD_EVEN", ns["SMOOTHGRAD_EVEN"], raising=False)

    module, _, attr = entry.proofs[0].partition(":")
    provider = getattr(importlib.import_module(module), attr)
    (proof,) = provider(timeout=60.0)
    assert proof.statement_id == "smoothgrad_even" and proof.status == "proved", str(proof)
    assert tuple(proof.scope) == SCOPE_KEYS and proof.scope["d"] == [2]
    assert proof.corroboration["status"] == "agreed"  # the second route recomputed E[grad f]

    out = property_check(seed=3, profile="dev", statement="smoothgrad_even")
    (record,) = out["records"]
    assert record["status"] == "verified" and record["examples"] > 0, record["message"]
    # the check bites: an odd term makes f not even, and SG(0) no longer vanishes
    from verify.functions import Polynomial

    odd = Polynomial({(1, 0): 1.0, (2, 0): 1.0})
    assert ns["check_smoothgrad_even"](odd, np.eye(2), seed=0).status == "falsified"


def test_a_new_family_round_trips_and_its_closed_form_matches_the_numeric_default():
    from verify.covariance import Covariance
    from verify.functions import Function, from_spec
    from verify.functions.base import default_symbols

    before = dict(Function.spec_families)
    try:
        ns = _run("Adding a function family")
        Cubic = ns["Cubic"]
        f = Cubic([0.5, -1.0])
        X = np.array([[0.3, -0.2], [1.0, 2.0]])
        h = 1e-6
        numeric = np.stack([(f(X + h * e) - f(X - h * e)) / (2 * h) for e in np.eye(2)], axis=-1)
        np.testing.assert_allclose(f.gradient(X), numeric, rtol=1e-6)
        x1, x2 = default_symbols(2)
        assert float(f.sympy([x1, x2]).subs({x1: 0.3, x2: -0.2})) == pytest.approx(f(X[0]))
        again = from_spec(f.to_spec())
        assert type(again) is Cubic and np.array_equal(again.w, f.w)
        cov = np.array([[0.5, 0.1], [0.1, 0.3]])
        closed = f.gaussian_moments(X, cov)
        assert closed.method == "closed form"
        fallback = Function.moments(f, X, Covariance.of(cov, 2))  # the base class: numeric
        assert fallback.method != "closed form"
        for name in ("mean", "smoothgrad", "covariance"):
            np.testing.assert_allclose(
                getattr(closed, name), getattr(fallback, name), rtol=1e-8, atol=1e-10
            )
    finally:
        Function.spec_families.clear()
        Function.spec_families.update(before)


def test_a_new_check_passes_a_correct_explainer_and_catches_a_broken_one():
    from properties.conformance.explainer import Explainer
    from properties.conformance.references import smoothgrad
    from properties.conformance.runner import CheckFailure, Settings

    check = _run("Adding a conformance check")["check_constant_function"]
    settings = Settings.for_profile("dev")
    figures = check(smoothgrad(), seed=1, settings=settings)
    assert figures["examples"] > 0 and figures["worst"] <= 1
    reference = smoothgrad()

    def biased(f, x0, cov, n, seed):
        return reference(f, x0, cov, n, seed) + 1e-3

    broken = Explainer(biased, kind="gradient", covariance="full", stochastic=True)
    with pytest.raises(CheckFailure, match="check_constant_function failed: the constant"):
        check(broken, seed=1, settings=settings)

"""The path kinds (integrated_gradients, gradient_x_input, occlusion) on the kind registry.

The reference designs pass every check of their kind (the step-link completeness is the
declared expected failure of every gradient IG); the three entry points (check_explainer,
parametrize_with_checks, ``verify check``) run them; tags are validated with hints; the
shared problem drawer and contract helpers behave as documented.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from properties import Explainer, check_explainer, parametrize_with_checks
from properties.conformance.attribution_contract import (
    CONTRACTS,
    ReferenceContract,
    attribution_problems,
    attribution_tolerance,
    call_attribution,
    register_contract,
)
from properties.conformance.attribution_references import (
    RULES,
    ig_gausslegendre,
    ig_gausslegendre_delta,
    integrated_gradients,
    reference_explainers,
    rule_nodes,
)
from properties.conformance.checks_paths_rules import gauss_legendre_gap, quadratic_error
from properties.conformance.kinds import KINDS
from properties.conformance.kinds.integrated_gradients import EXPECTED_FAILURES
from properties.conformance.runner import CheckFailure
from verify.attribution import Background, Baseline
from verify.attribution import integrated_gradients as exact_ig
from verify.functions import Polynomial
from verify.status import PASSED, SKIPPED, XFAIL
from verify.validation import InputError

GL = Explainer(
    ig_gausslegendre, kind="integrated_gradients", rule="gausslegendre", stochastic=False
)


@pytest.mark.parametrize("explainer", reference_explainers(), ids=lambda e: e.name)
def test_each_reference_design_passes_its_kinds_battery(explainer):
    expected = EXPECTED_FAILURES if explainer.kind == "integrated_gradients" else None
    results = check_explainer(explainer, expected_failed_checks=expected, on_fail=None)
    assert [r.name for r in results] == [c.__name__ for c, _ in explainer.kind_spec.checks]
    for r in results:
        assert r.status in (PASSED, SKIPPED, XFAIL), r.message
        if r.status == SKIPPED:
            assert r.message.startswith(f"{r.name}: ") and len(r.message) > 40
        if r.status == XFAIL:
            assert r.name == "check_step_completeness" and "ig_step_function" in r.message
    assert sum(r.status == PASSED for r in results) >= 6


@parametrize_with_checks([GL], expected_failed_checks=lambda e: EXPECTED_FAILURES)
def test_parametrize_with_checks_runs_the_ig_battery(explainer, check):
    check(explainer)


def test_the_kinds_are_registered_with_their_signature_and_target():
    for name in ("integrated_gradients", "gradient_x_input", "occlusion"):
        assert KINDS[name].signature == "explain(f, x, reference, n, seed)"
        assert name in CONTRACTS
    f = Polynomial({(2, 0): 1.0, (1, 1): -0.5, (0, 0): 0.3})
    x, b = np.array([0.7, -0.2]), Baseline([0.1, 0.4])
    value, error = GL.target(f, x, b, 8)
    np.testing.assert_allclose(value, exact_ig(f, x, b).values)
    assert np.all(error == 0)
    np.testing.assert_allclose(GL(f, x, b, 2, 0), value, rtol=1e-14)


def test_tags_are_validated_with_hints():
    with pytest.raises(InputError, match=r"missing tag.*rule"):
        Explainer(ig_gausslegendre, kind="integrated_gradients", stochastic=False)
    with pytest.raises(InputError, match=r"unknown rule='gauss'.*'gausslegendre'"):
        Explainer(ig_gausslegendre, kind="integrated_gradients", rule="gauss", stochastic=False)
    with pytest.raises(InputError, match="delta must be True or False"):
        Explainer(
            ig_gausslegendre,
            kind="integrated_gradients",
            rule="gausslegendre",
            delta="yes",
            stochastic=False,
        )
    with pytest.raises(InputError, match="unknown tag 'covariance'"):
        Explainer(ig_gausslegendre, kind="occlusion", covariance="full", stochastic=False)
    assert Explainer(ig_gausslegendre, kind="gradient_x_input", stochastic=False).tags == {
        "kind": "gradient_x_input",
        "stochastic": False,
        "precision": "float64",
        "name": "ig_gausslegendre",
    }


def test_a_declared_delta_must_come_back_with_the_attributions():
    f = Polynomial({(1,): 2.0})
    e = Explainer(
        ig_gausslegendre,
        kind="integrated_gradients",
        rule="gausslegendre",
        delta=True,
        stochastic=False,
    )
    with pytest.raises(CheckFailure, match="not \\(attributions, delta\\)"):
        call_attribution(e, f, np.ones(1), Baseline([0.0]), 4, 0, "check_x")
    d = Explainer(
        ig_gausslegendre_delta,
        kind="integrated_gradients",
        rule="gausslegendre",
        delta=True,
        stochastic=False,
    )
    values, delta = call_attribution(d, f, np.ones(1), Baseline([0.0]), 4, 0, "check_x")
    assert abs(values[0] - 2.0) < 1e-14 and abs(delta) < 1e-14


@settings(max_examples=40, deadline=None, database=None)
@given(attribution_problems(references=("baseline", "background"), n_range=(2, 64)))
def test_drawn_problems_are_valid_and_cover_both_references(p):
    assert p.x.shape == (p.d,) and np.all(np.isfinite(p.x)) and 2 <= p.n <= 64
    assert p.rows.shape[1] == p.d and isinstance(p.reference, Baseline | Background)
    assert np.all(np.isfinite(p.f(np.vstack([p.x, p.rows]))))
    assert p.key() == p.key() and "d=" in p.describe()


def test_problem_strategy_reaches_backgrounds_far_offsets_and_small_scales():
    seen = {"background": False, "far": False, "small": False}

    @settings(max_examples=200, deadline=None, database=None)
    @given(attribution_problems(references=("baseline", "background")))
    def probe(p):
        seen["background"] |= isinstance(p.reference, Background)
        seen["far"] |= p.distance > 1e3
        seen["small"] |= p.scale < 1e-2

    probe()
    assert all(seen.values()), seen


def test_tolerance_by_precision_and_register_contract_validation():
    assert attribution_tolerance("float32", 1.0) > 1e5 * attribution_tolerance("float64", 1.0)
    assert attribution_tolerance("float64", 1.0, 1e4) > attribution_tolerance("float64", 1.0)
    with pytest.raises(ValueError, match="precision"):
        attribution_tolerance("float16", 1.0)
    with pytest.raises(ValueError, match="references"):
        register_contract("nothing", ReferenceContract(("gaussian",)))


@pytest.mark.parametrize("rule", RULES)
def test_the_rule_errors_on_a_cubic_are_those_of_the_rule(rule):
    """quadratic_error (Euler–Maclaurin) against the rule run on a quadratic integrand."""
    for n in (2, 3, 7):
        u, w = rule_nodes(rule, n)
        g = lambda t: 1.5 * t**2 - 0.7 * t + 0.2  # noqa: E731
        truth = 1.5 / 3 - 0.7 / 2 + 0.2
        predicted = quadratic_error(rule, n, np.array([[g(0.0)], [g(0.5)], [g(1.0)]]))
        assert abs((w @ g(u) - truth) - predicted[0]) < 1e-14


def test_gauss_legendre_gap_at_the_first_inexact_degree():
    for n in (1, 2, 3, 4):
        f = Polynomial({(2 * n + 1,): 1.0, (1,): 0.5})  # g(u) = (2n + 1) u^{2n} + 0.5 for b = 0
        x, b = np.ones(1), np.zeros(1)
        gap = exact_ig(f, x, Baseline(b)).values - integrated_gradients(f, x, Baseline(b), n, 0)
        np.testing.assert_allclose(gauss_legendre_gap(f, x, b, n), gap, rtol=1e-9)


def test_verify_check_runs_an_ig_explainer(tmp_path):
    from verify.app.cli import main

    code = main(
        [
            "check",
            "properties.conformance.attribution_references:ig_riemann_middle",
            "--tag",
            "kind=integrated_gradients",
            "--tag",
            "rule=riemann_middle",
            "--tag",
            "stochastic=false",
            "--expected-fail",
            "step_completeness=ig_step_function",
            "--profile",
            "dev",
            "--output",
            str(tmp_path / "out"),
            "--quiet",
        ]
    )
    assert code == 0
    import json

    records = json.loads((tmp_path / "out" / "results.json").read_text())["records"]
    statuses = {r["title"]: r["status"] for r in records}
    assert statuses["check_step_completeness"] == "xfail"
    assert statuses["check_rule_signature"] == "passed" and len(statuses) == 14


@given(st.integers(0, 3))
@settings(max_examples=4, deadline=None, database=None)
def test_occlusion_reference_takes_background_rows(k):
    from properties.conformance.attribution_references import occlusion
    from verify.attribution import occlusion as exact_occlusion

    rng = np.random.default_rng(k)
    f = Polynomial({(2, 1): 1.0, (0, 1): -0.4, (1, 0): 0.2})
    x, rows = rng.normal(size=2), rng.normal(size=(k + 1, 2))
    ref = Background(rows, rng.uniform(0.1, 1, size=k + 1))
    np.testing.assert_allclose(occlusion(f, x, ref, 1, 0), exact_occlusion(f, x, ref).values)


def test_a_missing_rule_on_the_command_line_is_explained_with_an_example():
    from properties.conformance.loader import load_explainer

    with pytest.raises(InputError, match="--tag rule=gausslegendre"):
        load_explainer(
            "properties.conformance.attribution_references:ig_gausslegendre",
            {"kind": "integrated_gradients", "stochastic": "false"},
            cli_hint="--tag",
        )

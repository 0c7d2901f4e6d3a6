"""The LFA statements' symbolic proofs: verdicts, second routes, witnesses, and that they bite."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from verify.catalogue import CATALOGUE
from verify.status import FALSIFIED, as_record_status
from verify.symbolic.errors import UnsupportedExpression
from verify.symbolic.proofs import coalitions, game_axioms, ig, lfa, lfa_common, nfl
from verify.symbolic.proofs.lfa_common import path_second_route, withdraw_on_disagreement
from verify.symbolic.proofs.path_integrals import U, ig_integrands, integrated_gradients

LFA_IDS = [
    s.id
    for s in CATALOGUE[
        CATALOGUE.index(next(s for s in CATALOGUE if s.id == "lfa_gradient_matching")) :
    ]
]
X1, X2 = sp.symbols("x1 x2", real=True)


def _provider(statement):
    import importlib

    (name,) = statement.proofs
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


@pytest.fixture(scope="module")
def records():
    """The default classes of every LFA statement (about 10 s)."""
    out = {}
    for s in CATALOGUE:
        if s.id in LFA_IDS:
            out[s.id] = _provider(s)(timeout=120.0, classes="default")
    return out


def test_every_lfa_record_reaches_its_expected_verdict(records):
    for sid, recs in records.items():
        assert recs, sid
        for rec in recs:
            want = "disproved" if sid == "ig_step_function" else "proved"
            assert rec.status == want, (sid, rec.function_class, rec.reason)
            assert rec.statement_id == sid
            json.dumps(rec.to_dict())


def test_expected_statuses_match_the_catalogue():
    for s in CATALOGUE:
        if s.id == "ig_step_function":
            assert s.expected == (FALSIFIED,) and s.check_confirms_failure
            assert as_record_status("disproved") == FALSIFIED
        elif s.id in LFA_IDS:
            assert "proved" in s.expected and s.open


def test_every_record_has_a_second_route_that_agreed(records):
    """Gaussian expectations by corroborate(); the rest by mpmath or numpy brute force."""
    for sid, recs in records.items():
        for rec in recs:
            if sid == "ig_step_function" or rec.details.get("boundary"):
                continue  # an exact rational witness; the x1^2 x2 boundary is a certificate
            routes = [
                rec.corroboration.get("status"),
                rec.details.get("second_route", {}).get("status"),
            ]
            if "lemma" in rec.function_class or "every f and neighbourhood" in rec.function_class:
                continue  # pure algebra with free symbols: nothing numeric to recompute
            assert "agreed" in routes, (sid, rec.function_class, routes)
            assert "disagreed" not in routes, (sid, rec.function_class)


def test_the_classes_of_the_issue_are_covered(records):
    def classes(sid):
        return " | ".join(r.function_class for r in records[sid])

    assert "d=4, k=2" in classes("ig_completeness") and "RBF" in classes("ig_completeness")
    assert "probit" not in classes("ig_completeness")  # thorough only
    assert "d=3" in classes("ig_bshap_multilinear") and "x1^2 x2" in classes("ig_bshap_multilinear")
    assert "d=4 (16 symbolic values)" in classes("kernelshap_shapley")
    assert "unconstrained" in classes("kernelshap_shapley")
    assert "d=5 (32 symbolic values), uniform" in classes("lime_binary_banzhaf")
    assert "cosine" in classes("lime_binary_banzhaf")
    assert "f = x1, d=2, Gaussian" in classes("shapley_axioms")
    assert "x^2 on [-R, R]" in classes("nfl_quantitative")


def test_the_witnesses_are_certified(records):
    step = records["ig_step_function"][0]
    assert step.witness["value_exact"] == -1  # sum IG (0) - (f(1) - f(-1)) (1)
    boundary = next(r for r in records["ig_bshap_multilinear"] if "x1^2 x2" in r.function_class)
    assert boundary.witness["certificate"]["sign"] != 0
    cosine = next(r for r in records["lime_binary_banzhaf"] if "cosine" in r.function_class)
    lo, hi = (float(v) for v in cosine.witness["beta_3_enclosure"])
    assert 0 < lo <= hi < 0.1 and hi - lo < 1e-20
    cond = next(r for r in records["shapley_axioms"] if "f = x1" in r.function_class)
    rho, x2 = sp.Symbol("rho", real=True), sp.Symbol("x_2", real=True)
    assert sp.simplify(cond.details["standardised"] - rho * x2 / 2) == 0


def test_admission_takes_strings_and_floats():
    rec = ig.prove_ig_completeness(
        "sin(0.5*x1 - 2*x2) + x1**2*x2", "x1 x2", x0=[1, 2], baseline=[0, 0.25]
    )
    assert rec.status == "proved", rec.reason
    assert rec.details["terms"] == {"polynomial": 1, "ridge": 1, "bump": 0}


def test_inadmissible_or_unsupported_input_is_refused():
    with pytest.raises(UnsupportedExpression):
        ig.prove_ig_completeness(sp.Heaviside(X1), [X1])
    with pytest.raises(ValueError, match="not multilinear"):
        ig.prove_ig_bshap_multilinear(expr=X1**2 * X2, xs=[X1, X2])
    with pytest.raises(ValueError, match="d >= 3"):
        coalitions.prove_kernelshap_unconstrained(2)
    with pytest.raises(ValueError, match="length-2 vector"):
        lfa_common.admit_function(X1 + X2, [X1, X2], {"x0": [1, 2, 3]})


# -- the proofs bite -------------------------------------------------------------------------


def _caught(rec, check: str) -> bool:
    """Not proved, and the named check is the one that failed (the second route, which
    compares the same broken derivation with brute force, may withdraw the disproof)."""
    failed = [c["name"] for c in rec.checks if c["status"] == "disproved"]
    return rec.status in ("disproved", "undecided") and any(check in name for name in failed)


def test_a_wrong_shapley_kernel_is_disproved(monkeypatch):
    # uniform weights (for d = 3 the Shapley kernel is uniform on proper coalitions: d = 4)
    monkeypatch.setattr(coalitions, "shapley_kernel", lambda s, d: sp.Integer(1))
    assert coalitions.prove_kernelshap_constrained(4).status == "disproved"
    assert coalitions.prove_kernelshap_unconstrained(4).status == "disproved"


def test_a_wrong_weighted_banzhaf_is_disproved(monkeypatch):
    right = coalitions.weighted_banzhaf
    monkeypatch.setattr(
        coalitions, "weighted_banzhaf", lambda g, d, p: right(g, d, [1 - q for q in p])
    )
    assert _caught(coalitions.prove_lime_product_kernel(2), "normal equations")


def test_a_wrong_shapley_sum_is_disproved(monkeypatch):
    monkeypatch.setattr(game_axioms, "shapley", lfa_common.banzhaf)  # not efficient for d >= 3
    assert _caught(game_axioms.prove_shapley_axioms(3), "efficiency")


def test_a_wrong_ridge_secant_is_caught():
    f = sp.exp(2 * X1 - X2)
    x0, b = sp.Matrix([1, 0]), sp.Matrix([0, 1])
    res = integrated_gradients(f, [X1, X2], x0, b)
    assert all(dec.status == "proved" for _, dec in res["checks"])
    wrong = [res["ig"][0] * sp.Rational(11, 10), res["ig"][1]]
    route = path_second_route(wrong, ig_integrands(f, [X1, X2], x0, b), U)
    assert route["status"] == "disagreed"
    out = withdraw_on_disagreement({"status": "proved", "method": "m"}, route)
    assert out["status"] == "undecided" and "second route disagreed" in out["reason"]


def test_a_wrong_excess_loss_is_disproved(monkeypatch):
    right = nfl._fit

    def no_slope(f, xs, x0, S):  # C-LIME without its slope: g_k = E_k f
        a, w, c, det = right(f, xs, x0, S)
        return a, 0 * w, c, det

    monkeypatch.setattr(nfl, "_fit", no_slope)
    rec = nfl.prove_nfl_gaussian(X1**3, [X1])
    assert rec.status == "disproved"


def test_a_wrong_gradient_matching_instance_is_disproved(monkeypatch):
    monkeypatch.setattr(
        lfa,
        "integrated_gradients",
        lambda f, xs, x0, b: {"ig": 2 * sp.Matrix([sp.diff(f, x) for x in xs])},
    )
    rec = lfa.prove_gradient_matching(X1**2 + X1 * X2, [X1, X2])
    assert _caught(rec, "IG: E_alpha[LFA gradient] = IG")


@pytest.mark.slow
@pytest.mark.parametrize("sid", LFA_IDS)
def test_thorough_classes(sid):
    """The heavier classes (minutes in total)."""
    statement = next(s for s in CATALOGUE if s.id == sid)
    for rec in _provider(statement)(timeout=600.0, classes="thorough"):
        assert rec.status == ("disproved" if sid == "ig_step_function" else "proved"), (
            rec.function_class,
            rec.reason,
        )

"""ProofRecord: fixed JSON schema, text and LaTeX views, validation."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from verify import symbolic
from verify.symbolic import ProofRecord

KEYS = {
    "statement_id",
    "statement",
    "function_class",
    "scope",
    "status",
    "relation",
    "lhs",
    "rhs",
    "difference",
    "assumptions",
    "elapsed_seconds",
    "method",
    "witness",
    "numeric_evidence",
    "reason",
    "checks",
    "details",
    "corroboration",
}


@pytest.fixture(scope="module")
def disproved() -> ProofRecord:
    return symbolic.prove_theorem2_published()


@pytest.fixture(scope="module")
def proved() -> ProofRecord:
    return symbolic.prove_proportionality("sin", d=2)


def test_to_dict_schema_and_round_trip(proved, disproved):
    for rec in (proved, disproved):
        data = json.loads(json.dumps(rec.to_dict()))
        assert set(data) == KEYS
        assert data["status"] == rec.status
        # expressions are stored as text, srepr (re-buildable) and LaTeX
        lhs = data["lhs"]
        rebuilt = eval(lhs["srepr"], vars(sp))  # srepr is SymPy's re-buildable form
        diff = sp.simplify(sp.Matrix([rebuilt - rec.lhs]))
        assert diff.is_zero_matrix
        assert lhs["latex"] and lhs["str"]


def test_disproved_record_carries_difference_and_witness(disproved):
    data = disproved.to_dict()
    assert data["difference"]["str"]
    assert data["witness"]["value"]["float"] > 0
    assert data["relation"] == "<="
    text = str(disproved)
    assert text.startswith("[DISPROVED] theorem2_published")
    assert "witness" in text and "difference" in text


def test_latex_rendering(proved, disproved):
    tex = proved.to_latex()
    assert r"\textbf{proved}" in tex and r"\[" in tex and r"\Phi" not in tex
    tex = disproved.to_latex()
    assert r"\textbf{disproved}" in tex and r"\neq 0" in tex and r"\le" in tex
    assert r"\textbackslash\{" not in tex  # escaping is one pass


def test_phi_latex():
    assert sp.latex(symbolic.Phi(sp.Symbol("u"))) == r"\Phi\left(u\right)"


def test_invalid_status_refused():
    with pytest.raises(ValueError, match="status must be one of"):
        ProofRecord("theorem1", "s", "c", "maybe")


def test_large_sides_are_summarised_not_silently_cut():
    big = sp.Add(*[sp.Symbol(f"coefficient_number_{i}") for i in range(1200)])
    rec = ProofRecord("theorem1", "s", "c", "proved", lhs=big, rhs=big)
    entry = rec.to_dict()["lhs"]
    assert entry["truncated"] is True and entry["chars"] > 20000


def test_generic_record_details():
    rec = symbolic.prove_theorem1_generic(3, 2)
    assert rec.details["coefficients"] == 10
    assert "linearity over the monomial basis" in " ".join(rec.assumptions)
    assert rec.lhs is not None and rec.elapsed >= 0
    big = symbolic.prove_theorem1_generic(5, 5)
    assert big.lhs is None and big.details["coefficients"] == 252


def test_generic_polynomial_through_the_general_engine():
    """The generic class also proves through prove_equivalence (Expr route, no packing)."""
    xs = sp.symbols("x1:3", real=True)
    f, coeffs = symbolic.generic_polynomial(xs, 4)
    assert len(coeffs) == 15
    assert symbolic.prove_equivalence(f, xs).status == "proved"

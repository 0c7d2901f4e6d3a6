"""Issue 13: the same proofs serialise to the same bytes in every process.

SymPy numbers its ``Dummy`` symbols with a process-wide counter that ``srepr`` prints; a
run in a worker that created other Dummies first would give different ``results.json``.
Two fresh interpreters, one of which creates 1000 Dummies first, must agree byte for byte
on ``ProofRecord.to_dict()`` (timings removed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import sympy as sp

from verify.symbolic import ProofRecord
from verify.symbolic.records import canonical_expr

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import sympy as sp
    if sys.argv[1] == "shifted":
        _ = [sp.Dummy("w1") for _ in range(1000)]  # another history of Dummy numbers
    from verify import symbolic
    from verify.symbolic.proofs.common import ridge_case

    xs, f = ridge_case(1, "exp")
    x1, x2 = sp.symbols("x1 x2", real=True)
    recs = [
        symbolic.prove_lemma6(f, xs),  # unknowns w, w0 are Dummies in lhs/rhs
        symbolic.prove_linearity(x1**2, sp.sin(x1 - x2), [x1, x2]),  # Dummy a, b
        symbolic.prove_theorem2_published(),
    ]

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if "seconds" not in k}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    print(json.dumps([strip(r.to_dict()) for r in recs], sort_keys=True))
    """
)


def _run(mode: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return out.stdout


def test_to_dict_is_byte_identical_across_processes():
    plain, shifted = _run("plain"), _run("shifted")
    assert "dummy_index" not in plain
    assert "Dummy(" not in plain
    assert plain == shifted
    data = json.loads(plain)
    assert any("_w1" in (r["lhs"] or {}).get("str", "") for r in data)  # renamed, kept


def test_canonical_names_are_stable_and_distinct():
    a1, a2, w = sp.Dummy("a"), sp.Dummy("a"), sp.Symbol("_b")
    b = sp.Dummy("b")
    e = canonical_expr(a1 + 2 * a2 + w * b)
    names = sorted(s.name for s in e.free_symbols)
    assert names == ["_a_1", "_a_2", "_b", "_b_"]  # clash with a real symbol avoided
    assert not e.atoms(sp.Dummy)
    rec = ProofRecord("theorem1", "s", "c", "proved", lhs=a1 * 3, rhs=3 * a1)
    entry = rec.to_dict()["lhs"]
    assert entry["srepr"] == "Mul(Integer(3), Symbol('_a', commutative=True))"

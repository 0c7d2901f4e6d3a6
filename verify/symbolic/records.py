"""The proof record: what was claimed, what was derived, and the verdict.

A :class:`ProofRecord` is data first: :meth:`ProofRecord.to_dict` gives a
JSON-serialisable dict with a fixed set of keys (expressions as ``str``,
``srepr`` and LaTeX), and the text and LaTeX renderings are views of it.

Serialisation is canonical: the same proof gives the same bytes in every process. SymPy's
``Dummy`` symbols (the unknowns of a normal equation, a formal imaginary unit) carry a
process-wide counter that ``srepr`` prints (``Dummy('w1', dummy_index=4711)``); before
anything is printed they are renamed to plain symbols ``_w1`` (``_w1_1``, ``_w1_2``, ... when
one name is used twice, numbered in creation order), so no counter reaches the record.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..catalogue import CATALOGUE
from ..jsonable import to_json
from ..status import PROOF_STATUSES

__all__ = ["STATEMENT_IDS", "STATUSES", "ProofRecord", "canonical_expr"]

STATUSES = PROOF_STATUSES

#: The statements with symbolic proofs registered in the catalogue.
STATEMENT_IDS = tuple(s.id for s in CATALOGUE if s.proofs)

_MAX_EXPR_CHARS = 20000  # larger expressions are summarised in reports, never truncated silently


def canonical_expr(e: Any) -> Any:
    """``e`` with every Dummy replaced by a stable plain Symbol (see the module docstring)."""
    if not isinstance(e, sp.Basic | sp.MatrixBase):
        return e
    dummies = sorted(e.atoms(sp.Dummy), key=lambda x: (x.name, x.dummy_index))
    if not dummies:
        return e
    taken = {s.name for s in e.atoms(sp.Symbol) if not isinstance(s, sp.Dummy)}
    uses = Counter(x.name for x in dummies)
    seen: Counter = Counter()
    mapping = {}
    for x in dummies:
        name = "_" + x.name
        if uses[x.name] > 1:
            seen[x.name] += 1
            name += f"_{seen[x.name]}"
        while name in taken:
            name += "_"
        taken.add(name)
        mapping[x] = sp.Symbol(name, **_stable_assumptions(x))
    return e.xreplace(mapping)


_FACTS = ("commutative", "real", "integer", "positive", "nonnegative", "negative", "nonpositive")


def _stable_assumptions(x: sp.Symbol) -> dict:
    """The facts of ``x`` that hold, from a fixed list: ``assumptions0`` also lists facts
    deduced later in the process (SymPy 1.12), which would make the output history-bound."""
    return {fact: True for fact in _FACTS if getattr(x, f"is_{fact}") is True}


def _canonical_data(value: Any) -> Any:
    """Nested data with every SymPy object canonicalised, then as strict JSON."""
    if isinstance(value, dict):
        return {str(k): _canonical_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_data(v) for v in value]
    return to_json(canonical_expr(value))


def _expr_entry(e: Any) -> dict | None:
    if e is None:
        return None
    e = canonical_expr(sp.sympify(e))
    text = sp.sstr(e)
    if len(text) > _MAX_EXPR_CHARS:
        return {
            "str": text[:_MAX_EXPR_CHARS] + " ...",
            "truncated": True,
            "chars": len(text),
            "srepr": None,
            "latex": None,
        }
    return {"str": text, "truncated": False, "srepr": sp.srepr(e), "latex": sp.latex(e)}


@dataclass
class ProofRecord:
    """Outcome of one symbolic proof.

    Attributes
    ----------
    statement_id : str
        Stable id (see ``STATEMENT_IDS``), e.g. ``"theorem1"``.
    statement : str
        Human-readable statement that was checked.
    function_class : str
        The class of f covered, in words, e.g. ``"generic polynomial, d=4, k=4"``.
    scope : dict
        The same class as data (family, dimensions, degree, links, variant, whether it is a
        single instance, what is symbolic, the number of parameters): see
        :mod:`verify.symbolic.classes`. Programs read this, never ``function_class``.
    status : str
        ``"proved"``, ``"disproved"`` or ``"undecided"``.
    lhs, rhs : sympy expression or Matrix
        The two derived sides (for generic classes too large to print, a compact
        symbolic description; see ``details``).
    relation : str
        ``"=="`` for identities, ``"<="`` for claimed bounds.
    assumptions : tuple of str
        Hypotheses under which the proof holds.
    elapsed : float
        Wall-clock seconds of the derivation and decision.
    method : str
        How the verdict was reached.
    difference : sympy expression, optional
        For "disproved": the simplified nonzero difference (lhs - rhs).
    witness : dict, optional
        For "disproved": a point where the difference is nonzero, and its value.
    numeric_evidence : dict, optional
        For "undecided": high-precision values at random rational points,
        labelled as numeric evidence, never as proof.
    reason : str
        Why a record is undecided (e.g. ``"timed out"``), or a short note.
    checks : list of dict
        Sub-identities checked, each ``{"name", "status", "method"}``.
    details : dict
        Sizes and other facts (number of coefficients, moments, ...).
    corroboration : dict, optional
        The independent second route (:mod:`verify.symbolic.corroborate`): ``status``
        (``agreed``, ``disagreed``, ``inconclusive``, ``none``), ``method``, points and
        discrepancies. A record whose second route disagreed is never "proved".
    """

    statement_id: str
    statement: str
    function_class: str
    status: str
    lhs: Any = None
    rhs: Any = None
    relation: str = "=="
    assumptions: tuple = ()
    elapsed: float = 0.0
    method: str = ""
    difference: Any = None
    witness: dict | None = None
    numeric_evidence: dict | None = None
    reason: str = ""
    checks: list = field(default_factory=list)
    details: dict = field(default_factory=dict)
    corroboration: dict | None = None
    scope: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        self.assumptions = tuple(self.assumptions)

    @property
    def proved(self) -> bool:
        """True iff the status is ``"proved"``."""
        return self.status == "proved"

    # -- renderings ------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-serialisable dict with a fixed schema."""
        return {
            "statement_id": self.statement_id,
            "statement": self.statement,
            "function_class": self.function_class,
            "scope": _canonical_data(self.scope),
            "status": self.status,
            "relation": self.relation,
            "lhs": _expr_entry(self.lhs),
            "rhs": _expr_entry(self.rhs),
            "difference": _expr_entry(self.difference),
            "assumptions": list(self.assumptions),
            "elapsed_seconds": float(self.elapsed),
            "method": self.method,
            "witness": _canonical_data(self.witness),
            "numeric_evidence": _canonical_data(self.numeric_evidence),
            "reason": self.reason,
            "checks": _canonical_data(self.checks),
            "details": _canonical_data(self.details),
            "corroboration": _canonical_data(self.corroboration),
        }

    def to_json(self, **kwargs) -> str:
        """``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_latex(self) -> str:
        """LaTeX fragment: statement, class, verdict, and the two sides."""
        rel = {"==": "=", "<=": r"\le"}.get(self.relation, self.relation)
        verdict = {
            "proved": r"\textbf{proved}",
            "disproved": r"\textbf{disproved}",
            "undecided": r"\textbf{undecided}",
        }[self.status]
        lines = [
            rf"\paragraph{{{_tex_escape(self.statement_id)} ({verdict})}} "
            + _tex_escape(self.statement),
            rf"Function class: {_tex_escape(self.function_class)}.\\",
        ]
        if self.lhs is not None and self.rhs is not None:
            lhs, rhs = _expr_entry(self.lhs), _expr_entry(self.rhs)
            if lhs["latex"] and rhs["latex"]:
                lines.append(r"\[ {} \;{}\; {} \]".format(lhs["latex"], rel, rhs["latex"]))
        if self.status == "disproved" and self.difference is not None:
            diff = _expr_entry(self.difference)
            if diff["latex"]:
                lines.append(r"Difference: \( {} \neq 0 \).\\".format(diff["latex"]))
        if self.witness:
            lines.append(rf"Witness: {_tex_escape(str(to_json(self.witness)))}.\\")
        if self.status == "undecided":
            why = _tex_escape(self.reason or self.method)
            lines.append(rf"Reason: {why} (numeric evidence only, not a proof).\\")
        if self.assumptions:
            lines.append(r"Assumptions: {}.\\".format(_tex_escape("; ".join(self.assumptions))))
        lines.append(rf"Time: {self.elapsed:.3f} s.")
        return "\n".join(lines)

    def __str__(self) -> str:
        head = f"[{self.status.upper()}] {self.statement_id}: {self.statement}"
        out = [head, f"  class: {self.function_class}"]
        if self.lhs is not None and self.rhs is not None:
            out.append(f"  lhs: {_short(self.lhs)}")
            out.append(f"  rhs: {_short(self.rhs)}")
        for c in self.checks:
            out.append(f"  check {c.get('name')}: {c.get('status')}")
        if self.corroboration:
            corr = self.corroboration
            out.append(f"  second route: {corr.get('status')} ({corr.get('method')})")
        if self.status == "disproved":
            if self.difference is not None:
                out.append(f"  difference: {_short(self.difference)}")
            if self.witness:
                out.append(f"  witness: {to_json(self.witness)}")
        if self.status == "undecided":
            out.append(f"  reason: {self.reason or self.method}")
            if self.numeric_evidence:
                out.append(
                    "  numeric evidence only (not a proof): "
                    f"{_short(to_json(self.numeric_evidence))}"
                )
        if self.assumptions:
            out.append("  assumptions: " + "; ".join(self.assumptions))
        out.append(f"  method: {self.method}")
        out.append(f"  time: {self.elapsed:.3f} s")
        return "\n".join(out)


def _short(e: Any, n: int = 300) -> str:
    s = str(e)
    return s if len(s) <= n else s[: n - 3] + "..."


_TEX = {
    "\\": r"\textbackslash{}",
    "_": r"\_",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "$": r"\$",
    "~": r"\~{}",
    "<=": r"$\le$",
    ">=": r"$\ge$",
    "<": r"$<$",
    ">": r"$>$",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in sorted(_TEX, key=len, reverse=True)))


def _tex_escape(s: str) -> str:
    """Escape text for LaTeX in one pass (so inserted macros are not re-escaped)."""
    return _TEX_RE.sub(lambda m: _TEX[m.group(0)], s)

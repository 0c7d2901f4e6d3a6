"""Han, Srinivas & Lakkaraju's Table 1 with the suite's verdict per row.

The eight methods of the local-function-approximation family (docs/math.md), each with
its neighbourhood, loss and population target, and the catalogue statements whose
evidence covers the row. A row's verdict is read from those statements' entries in
results.json (status, as expected, headline, what stays open), never recomputed: a row is
"proved" when every claim covering it was proved, "verified" when the weakest of them was
verified numerically, and so on; a statement that marks a boundary (expected falsified,
as ``ig_step_function``) is listed with the row but does not weaken it while it reads as
expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verify.status import ERROR, FALSIFIED, NOT_RUN, PROVED, UNDECIDED, VERIFIED

from ..scope import proof_groups

__all__ = ["LFA_INTRO", "TABLE_1", "Evidence", "LFARow", "Method", "lfa_rows", "row_verdict"]


@dataclass(frozen=True)
class Method:
    """One row of Table 1 and the statements that judge it."""

    name: str
    neighbourhood: str
    loss: str
    target: str
    statements: tuple[str, ...]


_GAUSS = "x0 + ξ, ξ ~ N(0, Σ)"

#: The rows, in the paper's order (the authors' code: AI4LIFE-GROUP/lfa).
TABLE_1 = (
    Method(
        "C-LIME",
        _GAUSS,
        "squared, intercept",
        "Σ⁻¹ Cov(x, f(x)) (Theorem 1)",
        ("theorem1", "lfa_recovery", "nfl_quantitative"),
    ),
    Method(
        "SmoothGrad",
        _GAUSS,
        "gradient matching",
        "E[∇f(x0 + ξ)]",
        ("lfa_gradient_matching", "theorem1", "lfa_recovery", "nfl_quantitative"),
    ),
    Method(
        "vanilla gradient",
        f"{_GAUSS}, Σ → 0",
        "gradient matching",
        "∇f(x0)",
        ("lfa_gradient_matching", "lfa_recovery"),
    ),
    Method(
        "Integrated Gradients",
        "b + α(x0 − b), α ~ U(0, 1)",
        "gradient matching",
        "(x0 − b) ⊙ ∫₀¹ ∇f(b + α(x0 − b)) dα",
        (
            "lfa_gradient_matching",
            "ig_completeness",
            "ig_step_function",
            "ig_bshap_multilinear",
            "additive_agreement",
            "lfa_recovery",
        ),
    ),
    Method(
        "Gradient × Input",
        "α x0, α ~ U(a, 1), a → 1",
        "gradient matching",
        "x0 ⊙ ∇f(x0)",
        ("lfa_gradient_matching", "lfa_recovery"),
    ),
    Method(
        "Occlusion",
        "one-hot masks, no intercept",
        "squared on f(x0) − f(masked)",
        "f(x0) − f(x0 with x_i := b_i)",
        ("additive_agreement", "lfa_recovery"),
    ),
    Method(
        "LIME (binary)",
        "masks z ∈ {0,1}^d, exponential kernel",
        "squared, intercept",
        "weighted Banzhaf value (uniform masks: Banzhaf)",
        ("lime_binary_banzhaf", "additive_agreement", "lfa_recovery"),
    ),
    Method(
        "KernelSHAP",
        "masks with the Shapley kernel, ∅ and N constrained",
        "squared, intercept",
        "Shapley values of v(S) = f(x_S, reference elsewhere)",
        ("kernelshap_shapley", "shapley_axioms", "additive_agreement", "lfa_recovery"),
    ),
)

#: What the table means, said above it in both renderings.
LFA_INTRO = (
    "Han, Srinivas & Lakkaraju (NeurIPS 2022), Table 1: eight explanation methods as local "
    "function approximations, each with its neighbourhood, loss and population target. The "
    "verdict of a row is the weakest status among the statements covering it (proved: every "
    "one proved for the classes listed; verified: checked numerically only); a statement "
    "expected to be falsified marks where a row's target stops and does not weaken it."
)

#: The weakest status among a row's claims decides its verdict, in this order.
_WEAKEST_FIRST = (ERROR, FALSIFIED, UNDECIDED, NOT_RUN, VERIFIED, PROVED)


@dataclass(frozen=True)
class Evidence:
    """What one statement contributes to a row: its status, the classes it proved, the
    generated inputs it was verified on, and how much it leaves open (listed under it)."""

    statement: str
    status: str
    as_expected: bool | None
    proved: list[str]
    examples: int
    open: int

    def summary(self) -> str:
        """``proved for polynomials (d ≤ 3); verified on 20 generated inputs; 1 open item``."""
        parts = [f"proved for {'; '.join(self.proved)}"] if self.proved else []
        if self.examples:
            parts.append(f"verified on {self.examples} generated inputs")
        if self.open:
            parts.append(f"{self.open} open item{'s' if self.open > 1 else ''}")
        return "; ".join(parts) or self.status


@dataclass
class LFARow:
    """A row of the report's table: the method, its verdict and the evidence it rests on."""

    method: Method
    verdict: str
    as_expected: bool
    evidence: list[Evidence] = field(default_factory=list)


def _is_boundary(entry: dict[str, Any]) -> bool:
    return list(entry.get("expected") or []) == [FALSIFIED]


def row_verdict(entries: list[dict[str, Any]]) -> tuple[str, bool]:
    """(verdict, as expected) of a row from its statements' entries in results.json.

    The verdict is the weakest status among the claims (statements not expected falsified;
    :data:`_WEAKEST_FIRST`); a boundary statement that is not as expected makes the row not
    as expected without changing the word. A row none of whose statements ran is not run.
    """
    if not entries or all(e["status"] == NOT_RUN for e in entries):
        return NOT_RUN, True
    claims = [e["status"] for e in entries if not _is_boundary(e)]
    verdict = next((s for s in _WEAKEST_FIRST if s in claims), UNDECIDED)
    judged = [e for e in entries if e["status"] != NOT_RUN]
    return verdict, all(e.get("as_expected") is not False for e in judged)


def _evidence(entry: dict[str, Any]) -> Evidence:
    scope = entry.get("scope") or {}
    classes = ({**p.get("class_data", {}), "title": p["class"]} for p in scope.get("proved", []))
    return Evidence(
        statement=entry["id"],
        status=entry["status"],
        as_expected=entry.get("as_expected"),
        proved=proof_groups(classes),
        examples=sum(v.get("examples") or 0 for v in scope.get("verified", [])),
        open=len(scope.get("open", [])),
    )


def lfa_rows(results: dict[str, Any]) -> list[LFARow]:
    """Table 1 with the verdicts of the run (empty when the run judged none of its statements)."""
    entries = {s["id"]: s for s in results.get("statements", [])}
    rows = []
    for method in TABLE_1:
        own = [entries[i] for i in method.statements if i in entries]
        verdict, as_expected = row_verdict(own)
        evidence = [_evidence(e) for e in own]
        rows.append(LFARow(method, verdict, as_expected, evidence))
    if all(r.verdict == NOT_RUN for r in rows):
        return []
    return rows

"""The statement catalogue: every statement the suite judges, once.

Each :class:`Statement` carries its stable id (users' CI relies on it), the
paper's wording, the corrected wording the suite checks, the section of the
specification (``docs/math.md``) that discusses it, the statuses a correct run
gives it, and what is registered against it:

* ``proofs``: symbolic proof providers, ``"module:function"`` names; each is
  called as ``function(**options)`` (``options``: ``timeout``,
  ``generic_classes``; a provider ignores what it does not use) and returns
  :class:`~verify.symbolic.records.ProofRecord` objects;
* ``property``: the Hypothesis property, ``"module:attribute"`` naming a
  :class:`properties.theorems.records.StatementProperty`;
* ``figures``: names of report figures (:mod:`verify.app.report.figures`).

Names, not imports: the catalogue sits at the bottom of the house and imports
nothing of the layers that register against it; ``tests/test_catalogue.py``
checks that every name resolves. Adding a statement is one entry here plus its
proof and its property.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .status import FALSIFIED, PROVED, VERIFIED

__all__ = ["CATALOGUE", "STATEMENTS", "Statement", "get"]

_HOLDS = (PROVED, VERIFIED)


@dataclass(frozen=True)
class Statement:
    """One claim of the paper, or one of the corrections the suite makes to it.

    Attributes
    ----------
    id : str
        Stable identifier (``"theorem2_sharp"``).
    title : str
        Short human name.
    paper : str
        What the paper says (or ``"not in the paper"`` for the suite's own additions).
    claim : str
        The statement the suite checks, in its corrected form.
    formula : str
        The same in one line of formulas (used in check records).
    reference : str
        Where the specification discusses it.
    expected : tuple of str
        Statuses a correct run gives it (``("falsified",)`` for a false claim).
    check_confirms_failure : bool
        True when the statement's property check demonstrates that the claim
        *fails* (a "verified" demonstration falsifies the statement), as for
        Theorem 1 stretched to step functions.
    open : tuple of str
        What the run cannot show about the statement as worded: the cases that
        are neither proved symbolically nor checked numerically, or checked
        only numerically. Reported next to what was proved and verified, so a
        verdict never reads wider than its evidence. Empty for a false claim
        (one counterexample settles it).
    proofs, property, figures
        What is registered against it (see the module docstring).
    """

    id: str
    title: str
    paper: str
    claim: str
    formula: str
    reference: str
    expected: tuple[str, ...]
    check_confirms_failure: bool = False
    open: tuple[str, ...] = ()
    proofs: tuple[str, ...] = ()
    property: str | None = None
    figures: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        """The statement as results.json lists it."""
        return {
            "id": self.id,
            "title": self.title,
            "claim": self.claim,
            "reference": self.reference,
            "expected": list(self.expected),
        }


_EQ = "verify.symbolic.proofs.equivalence"
_ROB = "verify.symbolic.proofs.robustness"
_ALG = "verify.symbolic.proofs.algebra"
_RK = "verify.symbolic.proofs.ridge_kernel"

CATALOGUE: tuple[Statement, ...] = (
    Statement(
        "theorem1",
        "Theorem 1 (equivalence)",
        paper="For f satisfying Stein's lemma (partial derivatives a.e., E|d_i f| finite), any x "
        "and invertible Sigma: SmoothGrad = C-LIME = Sigma^-1 Cov(a, f(a)), a ~ N(x, Sigma).",
        claim="For absolutely continuous f, E[grad f(x)] = Sigma^-1 Cov(x, f(x)) = expected "
        "C-LIME, x ~ N(x0, Sigma).",
        formula="E[grad f] = Sigma^-1 Cov(x, f) = expected C-LIME; SG_n and C-LIME_n "
        "converge to it",
        reference="docs/math.md#theorem-1",
        expected=_HOLDS,
        open=(
            "every absolutely continuous f: the general statement (Stein's lemma) is analysis; "
            "the engine proves the classes listed, nothing wider",
            "networks and the logistic, tanh, relu, elu, softplus and abs links: numeric "
            "evidence only",
        ),
        proofs=(f"{_EQ}:theorem1_proofs",),
        property="properties.theorems.equivalence:THEOREM1",
        figures=("convergence", "distance"),
    ),
    Statement(
        "theorem2_published",
        "Theorem 2 as published",
        paper="If ||grad f|| <= grad_max and Sigma = sigma^2 I, SmoothGrad and C-LIME are "
        "grad_max / (2 sigma)-Lipschitz.",
        claim="SmoothGrad and C-LIME are grad_max / (2 sigma)-Lipschitz under sigma^2 I.",
        formula="||SG(x) - SG(y)|| <= grad_max / (2 sigma) ||x - y|| (as published)",
        reference="docs/math.md#theorem-2",
        expected=(FALSIFIED,),
        proofs=(f"{_ROB}:theorem2_published_proofs",),
        property="properties.theorems.theorem2_search:THEOREM2_PUBLISHED",
        figures=("lipschitz", "counterexample"),
    ),
    Statement(
        "theorem2_sharp",
        "Theorem 2, corrected constant",
        paper="(Theorem 2 with the constant grad_max / (2 sigma); see theorem2_published.)",
        claim="SmoothGrad is sqrt(2/pi) grad_max / sqrt(lambda_min(Sigma))-Lipschitz, and the "
        "constant cannot be improved.",
        formula="||SG(x) - SG(y)|| <= sqrt(2/pi) grad_max / sqrt(lambda_min) ||x - y||",
        reference="docs/math.md#theorem-2",
        expected=_HOLDS,
        open=(
            "the upper bound for f and dimensions beyond those the symbolic records name: "
            "checked numerically on generated f, not derived",
        ),
        proofs=(f"{_ROB}:theorem2_sharp_proofs",),
        property="properties.theorems.robustness:THEOREM2_SHARP",
        figures=("lipschitz",),
    ),
    Statement(
        "proposition1",
        "Proposition 1 (SmoothGrad sample size)",
        paper="n >= C (grad_max / eps)^2 ln(d / delta) for an absolute constant C gives "
        "||SG - SG_n|| <= eps with probability >= 1 - delta.",
        claim="n >= (grad_max/eps)^2 (1 + sqrt(2 ln(1/delta)))^2 gives ||SG_n - SG|| <= eps with "
        "probability >= 1 - delta (explicit, dimension-free form).",
        formula="n >= (G/eps)^2 (1 + sqrt(2 ln(1/delta)))^2 => P(||SG_n - SG|| > eps) <= delta",
        reference="docs/math.md#proposition-1",
        expected=_HOLDS,
        open=(
            "no symbolic proof: the McDiarmid argument of docs/math.md is checked "
            "statistically (a binomial test of the failure rate), not derived",
        ),
        property="properties.theorems.sample_complexity:PROPOSITION1",
        figures=("convergence",),
    ),
    Statement(
        "theorem3",
        "Theorem 3 (C-LIME sample size)",
        paper="For f with values in [-1, 1] and Sigma = sigma^2 I, n >= C d ln(d/delta) / "
        "min(eps delta^2, eps delta^3 / ||x||, ||x||, 1/sigma^2)^2 gives ||C-LIME - C-LIME_n|| "
        "<= eps with probability >= 1 - delta.",
        claim="C-LIME_n converges to C-LIME at rate n^-1/2 with n E||w_n - w*||^2 -> tr V "
        "(sandwich variance); the published threshold is usable only for trends.",
        formula="n E||w_n - w*||^2 -> tr V (sandwich); error ~ n^-1/2; C-LIME_n "
        "translation-equivariant",
        reference="docs/math.md#theorem-3",
        expected=_HOLDS,
        open=(
            "no symbolic proof: the central limit theorem with the sandwich variance is "
            "checked statistically, not derived",
            "the published threshold's absolute constant C: only its trends are reported",
        ),
        property="properties.theorems.sample_complexity:THEOREM3",
        figures=("convergence",),
    ),
    Statement(
        "proposition2",
        "Proposition 2 (linearity)",
        paper="For all f, g and reals alpha, beta: the SmoothGrad and C-LIME of alpha f + beta g "
        "are alpha times those of f plus beta times those of g.",
        claim="SmoothGrad and C-LIME are linear in f, exactly for the empirical versions on a "
        "shared sample.",
        formula="SG and C-LIME are linear in f (exactly, also empirically with shared samples)",
        reference="docs/math.md#proposition-2",
        expected=_HOLDS,
        open=(
            "the expected explanations for function classes beyond the proved ones: numeric "
            "evidence only",
            "the empirical estimators for sample sizes and dimensions beyond those the symbolic "
            "records name: checked numerically, to round-off",
        ),
        proofs=(f"{_ALG}:proposition2_proofs",),
        property="properties.theorems.algebra:PROPOSITION2",
    ),
    Statement(
        "proposition3",
        "Proposition 3 (proportionality)",
        paper="For f(x) = theta^T x + b, SmoothGrad = C-LIME = k(x) theta for some function k.",
        claim="For affine f the explanations equal theta; for f = g(w^T x + b) they equal k(x0) w.",
        formula="SG = C-LIME = k(x) theta for f = g(theta^T x + b); k = 1 and SG_n = theta "
        "if affine",
        reference="docs/math.md#proposition-3",
        expected=_HOLDS,
        open=(
            "single-index links beyond the proved ones (logistic, tanh, relu, elu, softplus, "
            "abs): numeric evidence only",
        ),
        proofs=(f"{_ALG}:proposition3_proofs",),
        property="properties.theorems.algebra:PROPOSITION3",
    ),
    Statement(
        "lemma6",
        "Lemma 6 (ridge C-LIME)",
        paper="Regularised C-LIME (Appendix D): the minimiser of the expected squared loss plus "
        "lambda ||w||^2 has a closed form.",
        claim="The population ridge solution is (Sigma + lambda I)^-1 Cov(x, f(x)); sklearn "
        "Ridge(alpha) on n samples is lambda = alpha / n.",
        formula="ridge C-LIME = (Sigma + lambda I)^-1 Cov(x, f); sklearn Ridge(alpha) is "
        "lambda = alpha/n",
        reference="docs/math.md#lemma-6",
        expected=_HOLDS,
        open=(
            "dimensions, function classes and sample sizes beyond those the symbolic records "
            "name: numeric evidence only",
            "scikit-learn's own Ridge(alpha) as implemented: compared numerically (exact "
            "agreement expected when scikit-learn is installed), not derived",
        ),
        proofs=(f"{_RK}:lemma6_proofs",),
        property="properties.theorems.ridge_kernel:LEMMA6",
    ),
    Statement(
        "kernel_lime",
        "Kernel-weighted LIME",
        paper="Not in the paper: the suite's own statement about LIME's Gaussian kernel.",
        claim="Gaussian-kernel-weighted least squares under N(x0, Sigma) equals C-LIME under "
        "N(x0, (Sigma^-1 + I/kw^2)^-1).",
        formula="Gaussian-kernel LIME = C-LIME under Sigma' = (Sigma^-1 + I/kw^2)^-1",
        reference="docs/math.md#kernel-lime",
        expected=_HOLDS,
        open=(
            "ridge functions, networks and dimensions beyond the proved classes: numeric "
            "evidence only",
        ),
        proofs=(f"{_RK}:kernel_lime_proofs",),
        property="properties.theorems.ridge_kernel:KERNEL_LIME",
    ),
    Statement(
        "stein_step_function",
        "Theorem 1 for a step function",
        paper="Stein's lemma as the paper states it needs partial derivatives only almost "
        "everywhere, which a step function has.",
        claim="Theorem 1 with only an a.e. gradient: for f = 1[a_1 > 0], E[grad f] equals "
        "Sigma^-1 Cov(x, f). (False: Stein's lemma needs absolute continuity.)",
        formula="for a step f, SG by differentiation (0) and C-LIME (phi(m/sqrt v)/sqrt v w) "
        "disagree: the boundary of Theorem 1",
        reference="docs/math.md#steins-identity-and-step-functions",
        expected=(FALSIFIED,),
        check_confirms_failure=True,
        proofs=(f"{_EQ}:stein_step_function_proofs",),
        property="properties.theorems.equivalence:STEIN_STEP_FUNCTION",
    ),
)

#: The catalogue by id, in catalogue order.
STATEMENTS: dict[str, Statement] = {s.id: s for s in CATALOGUE}


def get(statement_id: str) -> Statement:
    """The statement with this id; a clear error for an unknown one."""
    try:
        return STATEMENTS[statement_id]
    except KeyError:
        raise ValueError(
            f"unknown statement id {statement_id!r}; use one of {', '.join(STATEMENTS)}"
        ) from None

"""The paper's statements, with stable ids that users' CI can rely on.

Each statement says what is claimed, where MATH.md discusses it, and which
status a correct run must give it. Two are *expected* to be falsified: the
published Theorem 2 constant and Theorem 1 stretched to step functions.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATEMENTS", "STATUSES", "Statement", "merge_statuses"]

STATUSES = ("proved", "verified", "falsified", "undecided", "error")


@dataclass(frozen=True)
class Statement:
    """One claim of the paper (or of MATH.md's corrections)."""

    id: str
    title: str
    claim: str
    reference: str
    expected: tuple[str, ...]  # statuses a correct run gives it

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "claim": self.claim,
            "reference": self.reference,
            "expected": list(self.expected),
        }


STATEMENTS: dict[str, Statement] = {
    s.id: s
    for s in (
        Statement(
            "theorem1",
            "Theorem 1 (equivalence)",
            "For absolutely continuous f, E[grad f(x)] = Sigma^-1 Cov(x, f(x)) = expected C-LIME, "
            "x ~ N(x0, Sigma).",
            "MATH.md section 2",
            ("proved", "verified"),
        ),
        Statement(
            "theorem2_published",
            "Theorem 2 as published",
            "SmoothGrad and C-LIME are grad_max / (2 sigma)-Lipschitz under sigma^2 I.",
            "MATH.md section 3",
            ("falsified",),
        ),
        Statement(
            "theorem2_sharp",
            "Theorem 2, corrected constant",
            "SmoothGrad is sqrt(2/pi) grad_max / sqrt(lambda_min(Sigma))-Lipschitz, and the "
            "constant cannot be improved.",
            "MATH.md section 3.1",
            ("proved", "verified"),
        ),
        Statement(
            "proposition1",
            "Proposition 1 (SmoothGrad sample size)",
            "n >= (grad_max/eps)^2 (1 + sqrt(2 ln(1/delta)))^2 gives ||SG_n - SG|| <= eps with "
            "probability >= 1 - delta (explicit, dimension-free form).",
            "MATH.md section 4",
            ("proved", "verified"),
        ),
        Statement(
            "theorem3",
            "Theorem 3 (C-LIME sample size)",
            "C-LIME_n converges to C-LIME at rate n^-1/2 with n E||w_n - w*||^2 -> tr V "
            "(sandwich variance); the published threshold is usable only for trends.",
            "MATH.md section 5",
            ("proved", "verified"),
        ),
        Statement(
            "proposition2",
            "Proposition 2 (linearity)",
            "SmoothGrad and C-LIME are linear in f, exactly for the empirical versions on a "
            "shared sample.",
            "MATH.md section 6",
            ("proved", "verified"),
        ),
        Statement(
            "proposition3",
            "Proposition 3 (proportionality)",
            "For affine f the explanations equal theta; for f = g(w^T x + b) they equal k(x0) w.",
            "MATH.md section 6",
            ("proved", "verified"),
        ),
        Statement(
            "lemma6",
            "Lemma 6 (ridge C-LIME)",
            "The population ridge solution is (Sigma + lambda I)^-1 Cov(x, f(x)); sklearn "
            "Ridge(alpha) on n samples is lambda = alpha / n.",
            "MATH.md section 7",
            ("proved", "verified"),
        ),
        Statement(
            "kernel_lime",
            "Kernel-weighted LIME",
            "Gaussian-kernel-weighted least squares under N(x0, Sigma) equals C-LIME under "
            "N(x0, (Sigma^-1 + I/kw^2)^-1).",
            "MATH.md section 8(d)",
            ("proved", "verified"),
        ),
        Statement(
            "stein_step_function",
            "Theorem 1 for a step function",
            "Theorem 1 with only an a.e. gradient: for f = 1[a_1 > 0], E[grad f] equals "
            "Sigma^-1 Cov(x, f). (False: Stein's lemma needs absolute continuity.)",
            "MATH.md section 2 (caveat)",
            ("falsified",),
        ),
    )
}

_PRECEDENCE = {"falsified": 0, "proved": 1, "verified": 2, "undecided": 3}


def merge_statuses(statuses: list[str]) -> str:
    """One status for a statement from the statuses of its records.

    An error anywhere makes the statement ``error`` (the run could not judge
    it); otherwise a falsification wins over a proof, a proof over a numeric
    verification, and ``undecided`` is what is left.
    """
    if not statuses:
        return "undecided"
    if "error" in statuses:
        return "error"
    return min(statuses, key=lambda s: _PRECEDENCE[s])

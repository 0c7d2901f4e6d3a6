"""The result record every check returns, and the thin wrapper that turns it into a test failure.

A check never raises on a false statement: it returns a :class:`CheckResult`
(data first, as pytest-benchmark's records are), so a caller can collect and
report every statement's status. :func:`require` is the one-line assertion
for pytest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "FALSIFIED",
    "NOT_APPLICABLE",
    "STATEMENTS",
    "VERIFIED",
    "CheckResult",
    "StatementViolation",
    "require",
]

VERIFIED = "verified"
FALSIFIED = "falsified"
NOT_APPLICABLE = "not_applicable"

STATEMENTS: dict[str, str] = {
    "theorem1": "E[grad f] = Sigma^-1 Cov(x, f) = expected C-LIME; SG_n and C-LIME_n "
    "converge to it",
    "theorem2_sharp": "||SG(x) - SG(y)|| <= sqrt(2/pi) grad_max / sqrt(lambda_min) ||x - y||",
    "theorem2_published": "||SG(x) - SG(y)|| <= grad_max / (2 sigma) ||x - y|| (as published)",
    "proposition1": "n >= (G/eps)^2 (1 + sqrt(2 ln(1/delta)))^2 => P(||SG_n - SG|| > eps) <= delta",
    "theorem3": "n E||w_n - w*||^2 -> tr V (sandwich); error ~ n^-1/2; C-LIME_n "
    "translation-equivariant",
    "proposition2": "SG and C-LIME are linear in f (exactly, also empirically with shared samples)",
    "proposition3": "SG = C-LIME = k(x) theta for f = g(theta^T x + b); k = 1 and SG_n = theta "
    "if affine",
    "lemma6": "ridge C-LIME = (Sigma + lambda I)^-1 Cov(x, f); sklearn Ridge(alpha) is "
    "lambda = alpha/n",
    "kernel_lime": "Gaussian-kernel LIME = C-LIME under Sigma' = (Sigma^-1 + I/kw^2)^-1",
    "stein_step_function": "for a step f, SG by differentiation (0) and C-LIME "
    "(phi(m/sqrt v)/sqrt v w) disagree: the boundary of Theorem 1",
}


def _plain(value: Any) -> Any:
    """numpy values as plain Python (lists, floats) so records serialise to JSON."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check of one statement on one input.

    Attributes
    ----------
    statement : str
        Statement id, a key of :data:`STATEMENTS`.
    status : {"verified", "falsified", "not_applicable"}
        "verified" means the statement held on this input (evidence, not proof).
    observed : dict
        The measured figures (estimates, distances, ratios, frequencies).
    bound : dict
        What they were compared with: truths, bounds and the tolerances used.
    false_alarm : float
        Probability that a *correct* input gets status "falsified" (0 for
        exact checks); the sum of the per-assertion budgets.
    assertions : int
        Number of stochastic assertions the budget was split over.
    seed : int or None
    counterexample : dict or None
        The offending input, when falsified.
    message : str
        What happened and, on failure, what to look at.
    """

    statement: str
    status: str
    observed: dict[str, Any] = field(default_factory=dict)
    bound: dict[str, Any] = field(default_factory=dict)
    false_alarm: float = 0.0
    assertions: int = 0
    seed: int | None = None
    counterexample: dict[str, Any] | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if self.statement not in STATEMENTS:
            raise ValueError(
                f"unknown statement id {self.statement!r}; use one of {list(STATEMENTS)}"
            )
        if self.status not in (VERIFIED, FALSIFIED, NOT_APPLICABLE):
            raise ValueError(f"unknown status {self.status!r}")

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED

    @property
    def falsified(self) -> bool:
        return self.status == FALSIFIED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the record."""
        return _plain(asdict(self))

    def __str__(self) -> str:
        budget = f", false alarm <= {self.false_alarm:.1e}" if self.false_alarm else ""
        return f"[{self.statement}] {self.status}{budget} (seed {self.seed}): {self.message}"


class StatementViolation(AssertionError):
    """Raised by :func:`require` when a check's status is not the expected one."""

    def __init__(self, result: CheckResult, expected: str):
        self.result = result
        lines = [f"expected {expected!r}, got {result}"]
        lines += [
            f"  observed: {result.to_dict()['observed']}",
            f"  bound:    {result.to_dict()['bound']}",
        ]
        if result.counterexample:
            lines.append(f"  counterexample: {result.to_dict()['counterexample']}")
        super().__init__("\n".join(lines))


def require(result: CheckResult, status: str = VERIFIED) -> CheckResult:
    """Return ``result`` if its status is ``status``; raise :class:`StatementViolation` otherwise.

    The pytest-facing form of every check::

        require(check_theorem1(f, x0, cov, n=2000, seed=seed))
    """
    if result.status != status:
        raise StatementViolation(result, status)
    return result

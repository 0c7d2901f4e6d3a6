"""The result record every check returns, and the thin wrapper that turns it into a test failure.

A check never raises on a false statement: it returns a :class:`CheckResult`
(data first, as pytest-benchmark's records are), so a caller can collect and
report every statement's status. :func:`require` is the one-line assertion
for pytest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from verify.catalogue import CATALOGUE
from verify.jsonable import to_json
from verify.status import FALSIFIED, NOT_APPLICABLE, PROPERTY_STATUSES, VERIFIED

__all__ = [
    "FALSIFIED",
    "NOT_APPLICABLE",
    "STATEMENTS",
    "VERIFIED",
    "CheckResult",
    "StatementProperty",
    "StatementViolation",
    "require",
]

#: The one-line formula of every statement of the catalogue, by id (a view of
#: :data:`verify.catalogue.STATEMENTS`).
STATEMENTS: dict[str, str] = {s.id: s.formula for s in CATALOGUE}


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
        if self.status not in PROPERTY_STATUSES:
            raise ValueError(f"unknown status {self.status!r}; use one of {PROPERTY_STATUSES}")

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED

    @property
    def falsified(self) -> bool:
        return self.status == FALSIFIED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the record."""
        return to_json(asdict(self))

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


@dataclass(frozen=True)
class StatementProperty:
    """How one statement is checked on generated inputs (registered in the catalogue).

    Attributes
    ----------
    strategy : callable
        () -> strategy of cases (built lazily: Hypothesis is imported only when used).
    check : callable
        (case, seed) -> :class:`CheckResult`.
    label : callable
        case -> regime label for the coverage statistics.
    examples_scale : float
        Multiplier on the profile's example count (expensive checks run fewer).
    search : callable, optional
        For a property that is a search for a counterexample rather than a check
        of generated inputs: (budget, seed) -> :class:`CheckResult`.
    search_examples : dict, optional
        The search budget per profile (``"dev"``, ``"ci"``, ``"thorough"``).
    check_at_profile : callable, optional
        (case, seed, profile) -> :class:`CheckResult`: the check at a profile's sizes
        (a :class:`properties.profiles.Profile`), for a check whose n the profile sets;
        used instead of ``check`` when given.
    """

    strategy: Callable[[], Any] | None
    check: Callable[[Any, int], CheckResult] | None
    label: Callable[[Any], str] | None
    examples_scale: float = 1.0
    search: Callable[[int, int], CheckResult] | None = None
    search_examples: dict[str, int] | None = None
    check_at_profile: Callable[[Any, int, Any], CheckResult] | None = None


def require(result: CheckResult, status: str = VERIFIED) -> CheckResult:
    """Return ``result`` if its status is ``status``; raise :class:`StatementViolation` otherwise.

    The pytest-facing form of every check::

        require(check_theorem1(f, x0, cov, n=2000, seed=seed))
    """
    if result.status != status:
        raise StatementViolation(result, status)
    return result

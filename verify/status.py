"""The suite's one status vocabulary: every word a record or a statement can carry.

Three kinds of evidence speak about the paper's statements, each in its own
words, and one kind speaks about explainers:

=====================  =======================================================
a symbolic proof       ``proved`` (an exact derivation for exactly the stated
                       class), ``disproved`` (an exact, nonzero witness) or
                       ``undecided`` (neither; numeric evidence at most)
a property check       ``verified`` (held on the inputs tried: evidence, not
                       proof), ``falsified`` (a counterexample) or
                       ``not_applicable`` (the input is outside the statement)
a conformance check    ``passed``, ``failed``, ``skipped`` (does not apply),
                       ``xfail`` (a declared, known failure), ``xpass`` (declared
                       to fail, but passed)
an experimental claim  ``passed``, ``failed`` or ``inconclusive`` (the measurement
                       does not decide it at the stated false-alarm level)
the runner             ``error`` (the task crashed: nothing was judged) and
                       ``not_run`` (a statement outside the selection of a
                       partial run: no evidence was sought)
=====================  =======================================================

A statement's status merges its records (:func:`merge`): a falsification wins
over a proof, a proof over a numeric verification, and ``undecided`` is what is
left. In a record of ``results.json`` a disproof is written ``falsified``
(:func:`as_record_status`), so a statement's records speak one language.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CLAIM_STATUSES",
    "CONFORMANCE_STATUSES",
    "DISPROVED",
    "ERROR",
    "FAILED",
    "FALSIFIED",
    "INCONCLUSIVE",
    "MEANINGS",
    "NOT_APPLICABLE",
    "NOT_RUN",
    "PASSED",
    "PROOF_STATUSES",
    "PROPERTY_STATUSES",
    "PROVED",
    "RECORD_STATUSES",
    "SKIPPED",
    "STATEMENT_STATUSES",
    "UNDECIDED",
    "VERIFIED",
    "XFAIL",
    "XPASS",
    "as_record_status",
    "merge",
]

PROVED = "proved"
DISPROVED = "disproved"
UNDECIDED = "undecided"
VERIFIED = "verified"
FALSIFIED = "falsified"
NOT_APPLICABLE = "not_applicable"
PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"
XFAIL = "xfail"
XPASS = "xpass"
INCONCLUSIVE = "inconclusive"
ERROR = "error"
NOT_RUN = "not_run"

PROOF_STATUSES: tuple[str, ...] = (PROVED, DISPROVED, UNDECIDED)
PROPERTY_STATUSES: tuple[str, ...] = (VERIFIED, FALSIFIED, NOT_APPLICABLE)
CONFORMANCE_STATUSES: tuple[str, ...] = (PASSED, FAILED, SKIPPED, XFAIL)
#: What the replication says of one of the paper's experimental claims.
CLAIM_STATUSES: tuple[str, ...] = (PASSED, FAILED, INCONCLUSIVE)
_JUDGED: tuple[str, ...] = (PROVED, VERIFIED, FALSIFIED, UNDECIDED, ERROR)
#: What a statement of the catalogue can be, once its records are merged (``not_run``:
#: no task of the run gave it evidence).
STATEMENT_STATUSES: tuple[str, ...] = (*_JUDGED, NOT_RUN)
#: What a record of results.json can carry.
RECORD_STATUSES: tuple[str, ...] = (*_JUDGED, *CONFORMANCE_STATUSES, XPASS, INCONCLUSIVE)

MEANINGS: dict[str, str] = {
    PROVED: "an exact symbolic derivation, for exactly the stated class and assumptions",
    DISPROVED: "an exact symbolic witness that the statement is false",
    UNDECIDED: "neither proved nor disproved (numeric evidence at most, or timed out)",
    VERIFIED: "held on every generated input (evidence with a false-alarm budget, not proof)",
    FALSIFIED: "a counterexample was found (symbolic witness or generated input)",
    NOT_APPLICABLE: "the input is outside the statement's hypotheses",
    PASSED: "the explainer passed the check",
    FAILED: "the explainer failed the check",
    SKIPPED: "the check does not apply to this explainer",
    XFAIL: "a declared, known failure",
    XPASS: "declared as a known failure, but passed (remove the declaration)",
    INCONCLUSIVE: "the measurement does not decide the claim at the stated false-alarm level",
    ERROR: "the task crashed; nothing was judged",
    NOT_RUN: "outside the selection of a partial run: no evidence was sought",
}

# A falsification beats a proof (both are exact evidence, and a true statement has no
# counterexample); a proof beats a numeric verification.
_PRECEDENCE = {FALSIFIED: 0, PROVED: 1, VERIFIED: 2, UNDECIDED: 3}


def as_record_status(status: str) -> str:
    """The status a record of results.json carries: a disproof is written ``falsified``."""
    if status == DISPROVED:
        return FALSIFIED
    if status not in RECORD_STATUSES:
        raise ValueError(f"unknown status {status!r}; known: {', '.join(MEANINGS)}")
    return status


def merge(statuses: Iterable[str]) -> str:
    """One status for a statement from the statuses of its records.

    An error anywhere makes the statement ``error`` (the run could not judge it);
    otherwise a falsification wins over a proof, a proof over a numeric
    verification, and ``undecided`` is what is left (also when there is no record).
    """
    statuses = [as_record_status(s) for s in statuses]
    if not statuses:
        return UNDECIDED
    if ERROR in statuses:
        return ERROR
    return min(statuses, key=lambda s: _PRECEDENCE.get(s, len(_PRECEDENCE)))

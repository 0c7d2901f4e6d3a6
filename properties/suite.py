"""Every statement of the catalogue as a Hypothesis property, runnable outside pytest.

``verify run`` calls :func:`run_property` for each statement id: the statement's
property (registered in :mod:`verify.catalogue`, defined next to its check in
:mod:`properties.theorems`) draws inputs from :mod:`properties.strategies`, the
check judges each one, and the outcome is one record: ``verified`` (every
example held; evidence, not proof) with the number of examples, the regimes
covered and the total false-alarm budget spent, or ``falsified`` with
Hypothesis' shrunk counterexample.

Two statements are expected to be falsified. ``theorem2_published``'s property
is a search for a counterexample; ``stein_step_function`` ("Theorem 1 holds for
step functions") is falsified when its check shows SmoothGrad and C-LIME disagree
on a step function (the catalogue says its check demonstrates a failure). Only a
judged example counts: an input the check declares ``not_applicable`` is counted
and reported, never taken as evidence, and a run in which no input was judged is
``undecided``.
"""

from __future__ import annotations

import importlib
import time
from collections import Counter
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from verify import catalogue
from verify.functions import Function, RidgeFunction
from verify.status import FALSIFIED, NOT_APPLICABLE, UNDECIDED, VERIFIED

from .determinism import no_local_constants
from .profiles import PROFILES
from .theorems.records import StatementProperty

__all__ = ["EXAMPLES", "StatementProperty", "run_property", "statement_property"]

# Examples per statement and profile (stochastic checks cost a few ms to 1 s each): the
# ``property_examples`` column of the one table of profiles.
EXAMPLES = {name: p.property_examples for name, p in PROFILES.items()}


class _Falsified(Exception):
    def __init__(self, result: Any):
        self.result = result


def _run_search(prop: StatementProperty, seed: int, profile: str) -> dict[str, Any]:
    assert prop.search is not None and prop.search_examples is not None
    budget = prop.search_examples.get(profile, prop.search_examples["ci"])
    result = prop.search(budget, seed)
    return {
        "status": result.status,
        "examples": budget,
        "judged": budget,
        "not_applicable": 0,
        "events": None,
        "coverage": None,
        "result": result,
        "false_alarm": 0.0,
    }


def _fields(value: Any) -> list[Any]:
    return list(getattr(value, "__dict__", {}).values()) or [value]


def _coverage(case: Any) -> dict[str, Any]:
    """What one generated case covers, as data: its dimension, function families, links."""
    parts = list(case) if isinstance(case, tuple) else [case]
    # A case is a tuple or a dataclass (Problem), or a tuple holding one: one level down.
    parts = [q for p in parts for q in ([p] if isinstance(p, Function) else _fields(p))]
    functions = [p for p in parts if isinstance(p, Function)]
    return {
        "d": functions[0].dim if functions else None,
        "families": [type(f).__name__ for f in functions],
        "links": [f.link.name for f in functions if isinstance(f, RidgeFunction)],
    }


def _tally(coverage: dict[str, Counter], case: Any) -> None:
    seen = _coverage(case)
    if seen["d"] is not None:
        coverage["dimensions"][str(seen["d"])] += 1
    coverage["families"].update(seen["families"])
    coverage["links"].update(seen["links"])


#: The relative biases at which a run counts the problems that would catch them.
REFERENCE_BIASES = (0.01, 0.03, 0.1)


def _power_summary(seen: dict[str, list[Any]]) -> dict[str, Any] | None:
    """What the judged problems could have seen, per estimator (``bound["power"]``).

    ``relative_bias`` is the smallest relative bias caught with probability >= 0.99 on
    some judged problem (the run then falsifies it with at least that probability);
    ``caught`` counts, per reference bias, the problems that alone catch it w.p. >= 0.99.
    """
    sizes = seen.pop("n", [])
    seen.pop("resolution", None)
    if not seen:
        return None
    out: dict[str, Any] = {}
    for name, deltas in seen.items():
        finite = sorted(float(d) for d in deltas if d is not None)
        # A problem that shows no relative bias counts as infinitely blind: a median that
        # lands there is None (no bias visible on the median problem).
        median = float(np.median([*finite, *[np.inf] * (len(deltas) - len(finite))]))
        out[name] = {
            "problems": len(deltas),
            "relative_bias": finite[0] if finite else None,
            "median": median if np.isfinite(median) else None,
            "caught": {f"{b:g}": sum(d <= b for d in finite) for b in REFERENCE_BIASES},
        }
    if sizes:
        out["n"] = [int(min(sizes)), int(max(sizes))]
    return out


def _run_hypothesis(
    prop: StatementProperty, seed: int, examples: int, profile: str = "ci"
) -> dict[str, Any]:
    count, labels, spent = 0, Counter(), [0.0]
    power: dict[str, list[Any]] = {}
    row = PROFILES.get(profile, PROFILES["ci"])
    coverage: dict[str, Counter] = {k: Counter() for k in ("dimensions", "families", "links")}
    skipped = [0]
    last: dict[str, Any] = {}

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    @hypothesis_seed(seed)
    @given(prop.strategy())
    def probe(case: Any) -> None:
        nonlocal count
        count += 1
        labels[prop.label(case)] += 1
        _tally(coverage, case)
        if prop.check_at_profile is not None:
            result = prop.check_at_profile(case, seed, row)
        else:
            result = prop.check(case, seed)
        spent[0] += result.false_alarm
        if result.status == NOT_APPLICABLE:
            skipped[0] += 1
            return
        for key, value in ((result.bound or {}).get("power") or {}).items():
            power.setdefault(key, []).append(value)
        # Only a judged example is evidence (and, for a demonstrated failure, the witness).
        last["result"], last["case"] = result, case
        if result.status == FALSIFIED:
            raise _Falsified(result)

    try:
        probe()
    except _Falsified as exc:  # re-raised by Hypothesis on the shrunk example
        return {
            "status": FALSIFIED,
            "examples": count,
            "judged": count - skipped[0],
            "not_applicable": skipped[0],
            "events": dict(labels),
            "coverage": {k: dict(v) for k, v in coverage.items()},
            "result": exc.result,
            "false_alarm": spent[0],
            "power": _power_summary(power),
        }
    return {
        # No judged example at all is no evidence either way.
        "status": VERIFIED if last else UNDECIDED,
        "examples": count,
        "judged": count - skipped[0],
        "not_applicable": skipped[0],
        "events": dict(labels),
        "coverage": {k: dict(v) for k, v in coverage.items()},
        "result": last.get("result"),
        "case": last.get("case"),
        "false_alarm": spent[0],
        "power": _power_summary(power),
    }


def statement_property(statement: str) -> StatementProperty:
    """The property the catalogue registers for ``statement`` (imported by name)."""
    if statement not in catalogue.STATEMENTS:
        raise ValueError(
            f"no property for statement {statement!r}: not in the catalogue; use one of "
            f"{', '.join(catalogue.STATEMENTS)}"
        )
    entry = catalogue.get(statement)
    if entry.property is None:
        raise ValueError(f"the catalogue registers no property for statement {statement!r}")
    module, _, attr = entry.property.partition(":")
    return getattr(importlib.import_module(module), attr)


def run_property(statement: str, *, seed: int = 0, profile: str = "ci") -> dict[str, Any]:
    """Check one statement on Hypothesis-generated inputs; return a plain-data outcome.

    Returns
    -------
    dict
        ``status`` ("verified"/"falsified", in the statement's own sense;
        "undecided" when every generated input was not applicable), ``examples``,
        ``judged`` and ``not_applicable`` (how many inputs the check judged or
        declared outside the statement), ``events`` (regime label -> count), ``coverage``
        (the same as data: ``dimensions``, ``families`` and ``links`` -> count; None for a
        search), ``false_alarm``
        (total budget spent on correct inputs), ``message``, ``observed``,
        ``bound``, ``counterexample`` and ``elapsed_seconds``.
    """
    start = time.perf_counter()
    prop = statement_property(statement)
    entry = catalogue.get(statement)
    with no_local_constants():  # the same search everywhere; the caller's pool after
        if prop.search is not None:
            outcome = _run_search(prop, seed, profile)
        else:
            examples = max(2, round(EXAMPLES.get(profile, EXAMPLES["ci"]) * prop.examples_scale))
            outcome = _run_hypothesis(prop, seed, examples, profile)
    result = outcome["result"]
    status = outcome["status"]
    if entry.check_confirms_failure:  # the check demonstrates that the claim fails
        # Falsified only by a judged demonstration (its case is the witness), never
        # because the check never fired: with nothing judged the status stays undecided.
        status = {VERIFIED: FALSIFIED, FALSIFIED: VERIFIED}.get(status, status)
    data = result.to_dict() if result is not None else {}
    counterexample = data.get("counterexample") if status == FALSIFIED else None
    if status == FALSIFIED and entry.check_confirms_failure:
        # A demonstrated failure: the judged problem itself is the witness, as data.
        problem = data.get("counterexample") or {"case": repr(outcome.get("case"))[:1000]}
        counterexample = {**problem, **data.get("observed", {})}
    message = data.get("message", "")
    if outcome["not_applicable"]:
        message = (
            f"{outcome['not_applicable']} of {outcome['examples']} generated inputs were not "
            f"applicable (judged: {outcome['judged']})"
            + (f"; last judged: {message}" if message else "")
        )
    return {
        "statement": statement,
        "status": status,
        "examples": int(outcome["examples"]),
        "judged": int(outcome["judged"]),
        "not_applicable": int(outcome["not_applicable"]),
        "events": outcome["events"],
        "coverage": outcome["coverage"],
        "false_alarm": float(outcome["false_alarm"]),
        "message": message,
        "observed": data.get("observed", {}),
        "bound": data.get("bound", {}),
        "counterexample": counterexample,
        "power": outcome.get("power"),
        "elapsed_seconds": time.perf_counter() - start,
    }

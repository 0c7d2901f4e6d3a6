"""The documented JSON schema of ``results.json`` and its validator.

``schema_version`` changes whenever a field is added, removed or changes
meaning, so that ``verify compare`` and users' CI can tell versions apart.

Version 3 (this one) differs from version 2 in what records hold as data, not text:

* a counterexample holds its whole problem: the function as its spec
  (``f``: ``{"family": ..., "version": 1, ...}``, rebuilt by
  :func:`verify.functions.from_spec`; version 2 held its ``repr``), the point
  (``x0``, or ``x`` and ``y``), ``cov`` or ``sigma``, ``n`` and ``seed`` where
  the check draws samples, then the figures that decide it;
* a failed conformance check carries ``replay`` in its figures (the explainer,
  its tags, the check, the seed, the profile and time limit that rerun it:
  ``verify replay``);
* a symbolic record's figures carry ``class`` (``family``, ``d``, ``k``,
  ``link``), a property record's ``coverage`` (``dimensions``, ``families``,
  ``links`` -> count), and the error record of a crashed task ``statements``
  (the statements it sought evidence on, which then read ``error``); each
  ``proved`` scope entry carries ``class_data`` (the record's ``class``).

Version 2 differed from version 1 in the statements only:

* each statement carries ``headline`` (one sentence: what holds, and for what)
  and ``scope``, the evidence sorted by kind:

  ============  ==============================================================
  ``proved``    each class a symbolic proof covers: ``class``, ``assumptions``
                (list), ``method``, ``record`` (the record id)
  ``verified``  each Hypothesis property run: ``inputs``, ``examples``,
                ``regimes`` (label -> count, or null), ``families`` and
                ``dimensions`` drawn, ``false_alarm`` (budget spent), ``record``,
                ``power`` (what the judged problems could have seen, per
                estimator: ``relative_bias``, ``median``, ``caught``, ``problems``;
                null for a check that states none)
  ``falsified`` each counterexample: ``summary`` (readable), ``source``,
                ``class``, ``record``
  ``undecided`` proofs without a verdict: ``class``, ``reason``, ``record``
  ``discounted`` records not counted as evidence: ``record``, ``status``,
                ``why`` (a falsification without a counterexample, a
                verification on no example)
  ``errors``    records of crashed tasks: ``record``, ``message``
  ``open``      what the catalogue declares the run cannot show (strings)
  ============  ==============================================================

* a statement no task of a partial run sought evidence on has status
  ``not_run`` and ``as_expected`` null (it is not judged);
* ``reference`` is the statement's anchor in docs/math.md
  (``docs/math.md#theorem-1``);
* record statuses add ``xpass`` (a conformance check declared to fail that
  passed) and ``inconclusive`` (an experimental claim the measurement does not
  decide).

Records, figures and tasks were unchanged; :func:`verify.app.compare.load_results`
reads all three versions.
"""

from __future__ import annotations

from typing import Any

from verify.catalogue import STATEMENTS
from verify.status import RECORD_STATUSES, STATEMENT_STATUSES

__all__ = ["READABLE_VERSIONS", "SCHEMA", "SCHEMA_VERSION", "validate_results"]

SCHEMA_VERSION = 3
#: The versions ``verify compare`` reads.
READABLE_VERSIONS = (1, 2, 3)

_ENTRIES = {"type": "array", "items": {"type": "object", "required": ["record"]}}
_SCOPE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["proved", "verified", "falsified", "undecided", "discounted", "errors", "open"],
    "properties": {
        "proved": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["record", "class", "assumptions", "method"],
                "properties": {
                    "class": {"type": "string"},
                    "assumptions": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "verified": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["record", "inputs", "examples", "regimes", "false_alarm"],
                "properties": {
                    "examples": {"type": ["integer", "null"]},
                    "regimes": {"type": ["object", "null"]},
                    "false_alarm": {"type": ["number", "null"]},
                    "power": {"type": ["object", "null"]},
                },
            },
        },
        "falsified": {
            "type": "array",
            "items": {"type": "object", "required": ["record", "source", "summary"]},
        },
        "undecided": _ENTRIES,
        "discounted": _ENTRIES,
        "errors": _ENTRIES,
        "open": {"type": "array", "items": {"type": "string"}},
    },
}

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_RECORD = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "statement",
        "source",
        "title",
        "status",
        "message",
        "figures",
        "bound",
        "tolerance",
        "false_alarm",
        "seed",
        "profile",
        "examples",
        "events",
        "counterexample",
        "explainer",
        "elapsed_seconds",
    ],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "statement": {"enum": [*STATEMENTS, None]},
        "source": {"enum": ["symbolic", "properties", "conformance", "experiments", "runner"]},
        "title": {"type": "string"},
        "status": {"enum": list(RECORD_STATUSES)},
        "message": {"type": "string"},
        "figures": {"type": "object"},
        "bound": _NUMBER_OR_NULL,
        "tolerance": _NUMBER_OR_NULL,
        "false_alarm": _NUMBER_OR_NULL,
        "seed": {"type": ["integer", "null"]},
        "profile": {"type": ["string", "null"]},
        "examples": {"type": ["integer", "null"]},
        "events": {"type": ["object", "null"]},
        "counterexample": {"type": ["object", "null"]},
        "explainer": {"type": ["string", "null"]},
        "elapsed_seconds": {"type": "number", "minimum": 0},
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "xai-verify results.json",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema_version",
        "run_id",
        "complete",
        "command",
        "seed",
        "profile",
        "environment",
        "started",
        "finished",
        "elapsed_seconds",
        "statements",
        "records",
        "figures",
        "tasks",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "run_id": {"type": "string"},
        "complete": {"type": "boolean"},
        "command": {"type": "string"},
        "seed": {"type": "integer"},
        "profile": {"type": "string"},
        "environment": {
            "type": "object",
            "required": ["python", "platform", "packages", "git_commit"],
        },
        "started": {"type": "string"},
        "finished": {"type": ["string", "null"]},
        "elapsed_seconds": {"type": "number", "minimum": 0},
        "statements": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "title",
                    "claim",
                    "reference",
                    "expected",
                    "status",
                    "as_expected",
                    "headline",
                    "scope",
                ],
                "properties": {
                    "id": {"enum": list(STATEMENTS)},
                    "status": {"enum": list(STATEMENT_STATUSES)},
                    "as_expected": {"type": ["boolean", "null"]},
                    "headline": {"type": "string"},
                    "scope": _SCOPE,
                },
            },
        },
        "records": {"type": "array", "items": _RECORD},
        "figures": {"type": "object"},
        "tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "status", "elapsed_seconds"],
                "properties": {
                    "name": {"type": "string"},
                    "status": {"enum": ["ok", "error", "pending"]},
                    "error": {"type": ["string", "null"]},
                    "elapsed_seconds": {"type": "number", "minimum": 0},
                },
            },
        },
    },
}


def validate_results(results: dict) -> None:
    """Raise ``jsonschema.ValidationError`` if ``results`` does not follow :data:`SCHEMA`."""
    import jsonschema

    jsonschema.validate(results, SCHEMA)

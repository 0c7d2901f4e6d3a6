"""The documented JSON schema of ``results.json`` and its validator.

``schema_version`` changes whenever a field is added, removed or changes
meaning, so that ``verify compare`` and users' CI can refuse a mismatch.
"""

from __future__ import annotations

from typing import Any

from verify.catalogue import STATEMENTS
from verify.status import CONFORMANCE_STATUSES, STATEMENT_STATUSES

__all__ = ["SCHEMA", "SCHEMA_VERSION", "validate_results"]

SCHEMA_VERSION = 1

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
        "status": {"enum": list(STATEMENT_STATUSES + CONFORMANCE_STATUSES)},
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
                ],
                "properties": {
                    "id": {"enum": list(STATEMENTS)},
                    "status": {"enum": list(STATEMENT_STATUSES)},
                    "as_expected": {"type": "boolean"},
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

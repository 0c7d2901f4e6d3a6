"""One fixed-schema record per proof, property check, conformance check or experiment."""

from __future__ import annotations

from typing import Any

from verify.catalogue import STATEMENTS
from verify.jsonable import to_json
from verify.status import RECORD_STATUSES

__all__ = ["RECORD_FIELDS", "SOURCES", "make_record"]

SOURCES = ("symbolic", "properties", "conformance", "experiments", "runner")

# field -> default; every record has exactly these keys, in this order.
RECORD_FIELDS: dict[str, Any] = {
    "id": None,
    "statement": None,
    "source": None,
    "title": "",
    "status": None,
    "message": "",
    "figures": {},
    "bound": None,
    "tolerance": None,
    "false_alarm": None,
    "seed": None,
    "profile": None,
    "examples": None,
    "events": None,
    "counterexample": None,
    "explainer": None,
    "elapsed_seconds": 0.0,
}


def make_record(**fields: Any) -> dict:
    """Build a record with every schema field, refusing unknown fields and statuses."""
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"unknown record field(s) {sorted(unknown)}")
    record = {k: fields.get(k, default) for k, default in RECORD_FIELDS.items()}
    if not record["id"] or record["source"] not in SOURCES:
        raise ValueError(f"a record needs an id and a source in {SOURCES}: {record}")
    if record["status"] not in RECORD_STATUSES:
        raise ValueError(f"status {record['status']!r} is not one of {RECORD_STATUSES}")
    if record["statement"] is not None and record["statement"] not in STATEMENTS:
        raise ValueError(f"unknown statement id {record['statement']!r}")
    return to_json(record)

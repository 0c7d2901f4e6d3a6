"""One fixed-schema record per proof, property check, conformance check or experiment."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .statements import STATEMENTS, STATUSES

__all__ = ["CHECK_STATUSES", "RECORD_FIELDS", "jsonable", "make_record"]

CHECK_STATUSES = ("passed", "failed", "skipped", "xfail")
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


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays (and non-finite floats) into strict-JSON values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        v = float(value)
        return v if math.isfinite(v) else repr(v)  # strict JSON has no NaN / inf
    return value


def make_record(**fields: Any) -> dict:
    """Build a record with every schema field, refusing unknown fields and statuses."""
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"unknown record field(s) {sorted(unknown)}")
    record = {k: fields.get(k, default) for k, default in RECORD_FIELDS.items()}
    if not record["id"] or record["source"] not in SOURCES:
        raise ValueError(f"a record needs an id and a source in {SOURCES}: {record}")
    if record["status"] not in STATUSES + CHECK_STATUSES:
        raise ValueError(f"status {record['status']!r} is not one of {STATUSES + CHECK_STATUSES}")
    if record["statement"] is not None and record["statement"] not in STATEMENTS:
        raise ValueError(f"unknown statement id {record['statement']!r}")
    return jsonable(record)

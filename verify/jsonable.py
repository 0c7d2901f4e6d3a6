"""The one conversion of the suite's values to strict JSON.

Every record (proof records, check records, conformance results, results.json)
goes through :func:`to_json`: numpy arrays and scalars become plain Python,
non-finite floats become the strings ``"nan"``, ``"inf"``, ``"-inf"`` (strict
JSON has no NaN), exact SymPy numbers keep their exact value as a string, and
anything else becomes its ``str``. The result always passes
``json.dumps(..., allow_nan=False)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["to_json"]


def _sympy_value(value: Any) -> Any:
    # Imported lazily: most callers never hold a SymPy object.
    if getattr(value, "is_Rational", False):
        return str(value)
    if getattr(value, "is_number", False) and getattr(value, "is_real", False):
        return {"value": str(value), "float": to_json(float(value))}
    return str(value)


def to_json(value: Any) -> Any:
    """``value`` as strict-JSON data (dicts with str keys, lists, numbers, strings)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else repr(v)
    if type(value).__module__.split(".")[0] == "sympy":
        return _sympy_value(value)
    return str(value)

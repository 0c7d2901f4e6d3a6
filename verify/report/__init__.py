"""Deprecated: the runs and reports moved to :mod:`verify.app` (this alias goes in 0.3).

``verify.report.SCHEMA`` and the other names below keep working, with a
``DeprecationWarning``; use ``verify.app.SCHEMA`` and friends.
"""

from __future__ import annotations

from verify.deprecation import moved_names

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "STATEMENTS",
    "compare_runs",
    "load_results",
    "run_tasks",
    "validate_results",
]
__getattr__ = moved_names(__name__, dict.fromkeys(__all__, "verify.app"))

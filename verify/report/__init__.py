"""Verification runs and their reports: tasks, runner, results.json schema, renderers."""

from .compare import compare_runs, load_results
from .run import run_tasks
from .schema import SCHEMA, SCHEMA_VERSION, validate_results
from .statements import STATEMENTS

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "STATEMENTS",
    "compare_runs",
    "load_results",
    "run_tasks",
    "validate_results",
]

"""The application on top of the engine and the testing library: runs, reports, the CLI.

========================  ============================================================
:mod:`.cli`               the ``verify`` command's parser (run, check, clients, replicate,
                          compare, replay)
:mod:`.commands`          run, replicate, compare; refusals before any file is written
:mod:`.batteries_cli`     check, clients, replay
:mod:`.console`           progress lines, the summary, grouped failures, the claims verdicts
:mod:`.tasks`             what ``verify run`` does, as independent tasks, from the catalogue
:mod:`.batteries`         the conformance batteries: explainers, clients, checks, the clock
:mod:`.limits`            time limits per call and per battery, by profile
:mod:`.experiments`       the numeric experiments behind the report's figures
:mod:`.runner`            what a task is and how one runs (a crash becomes a record)
:mod:`.executors`         executing tasks serially, in processes or on Dask
:mod:`.workers`           the process pool that survives a dying worker and Ctrl-C
:mod:`.threads`           one BLAS thread per process of a run
:mod:`.crash`             a serial run that crashes in native code still leaves a report
:mod:`.run`               a run: tasks, merged statuses, results.json, the report files
:mod:`.outdir`            the run folder: checked, locked, cleared of the previous run
:mod:`.scope`             what each statement's evidence covers: proved, verified, open
:mod:`.classes`           the proved classes in the headline's words (from each proof's scope)
:mod:`.counterexamples`   counterexamples as readable values; :mod:`.formulas` specs as formulas
:mod:`.replay`            ``verify replay``: a counterexample or failed check, rerun
:mod:`.records`           one fixed-schema record per proof, check or experiment
:mod:`.schema`            the JSON Schema of results.json (:data:`SCHEMA`, version 3)
:mod:`.compare`           ``verify compare``: regressions between two runs (versions 1-3)
:mod:`.environment`       what a run ran on; a shadowed ``properties`` package
:mod:`.report`            Markdown and HTML renderings with figures
:mod:`.replicate`         ``verify replicate``: the paper's Section 6
========================  ============================================================

Nothing below this package imports it: the engine (:mod:`verify`) and the testing
library (:mod:`properties`) know nothing of runs and reports.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SCHEMA": "schema",
    "SCHEMA_VERSION": "schema",
    "validate_results": "schema",
    "compare_runs": "compare",
    "load_results": "compare",
    "run_tasks": "run",
}
__all__ = [*_EXPORTS, "STATEMENTS"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    if name == "STATEMENTS":
        from verify.catalogue import STATEMENTS

        return STATEMENTS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

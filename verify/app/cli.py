"""The ``verify`` command: ``verify run``, ``check``, ``clients``, ``replicate``, ``compare``.

This module is the parser; :mod:`verify.app.commands` does the work.

Exit codes: 0 everything as expected, 1 something failed or regressed,
2 usage or environment error, 130 interrupted (Ctrl-C; finished work is saved).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .ecosystem import LIBRARIES
from .tasks import SECTIONS

__all__ = ["build_parser", "main"]

PROFILES = ("dev", "ci", "thorough")
LIBRARY_NAMES = tuple(lib.name for lib in LIBRARIES)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _add_time_limit(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"seconds allowed per call of {what}; a call past it fails its check with "
        "'timed out after S s' and the battery goes on (default: the battery's own limit)",
    )


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output", type=Path, default=None, help="folder for the run (default: reports/<run-id>)"
    )
    p.add_argument(
        "--profile",
        choices=PROFILES,
        default="ci",
        help="Hypothesis profile and problem sizes (default: ci)",
    )
    p.add_argument("--seed", type=int, default=0, help="run seed; every task derives its own")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="run independent tasks in N processes (results identical to serial); a worker "
        "that dies becomes an error record for its task and the run goes on",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="send tasks to a Dask distributed scheduler (needs xai-verify[dask])",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument(
        "--json",
        action="store_true",
        help="print results.json to stdout instead of progress and summary",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verify",
        description="Verify the theory of SmoothGrad and C-LIME (Agarwal et al., ICML 2021) and "
        "check explainers against closed-form ground truth.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="prove, property-test and conformance-check everything; write a report",
        description="Prove the symbolic identities, run the numeric experiments, and write "
        "results.json, report.md and report.html.",
    )
    _add_run_options(run)
    run.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=None, help="run only these sections"
    )
    run.add_argument(
        "--explainer",
        action="append",
        default=[],
        metavar="MODULE:ATTR",
        help="also run the conformance battery on this importable explainer "
        "(an Explainer, or a callable with __explainer_tags__); repeatable",
    )
    run.add_argument(
        "--replicate",
        action="store_true",
        help="also reproduce the paper's experiments (Section 6); see `verify replicate`",
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="with --replicate: folder holding the paper's UCI files (bankruptcy ARFF, "
        "online shoppers CSV)",
    )
    run.add_argument(
        "--clients",
        action="store_true",
        help="also check every installed client library (captum, lime, zennit, saliency, "
        "interpret), each in the configuration that estimates the closed form and with its "
        "own defaults; those not installed are named with their install hint",
    )
    _add_time_limit(run, "an explainer or client under --explainer / --clients")
    check = sub.add_parser(
        "check",
        help="run the conformance battery on an importable explainer; write a report",
        description="Import MODULE:ATTR (an Explainer, a callable with __explainer_tags__, or "
        "a plain callable plus --tag declarations), run every applicable conformance check "
        "against the closed form, and write results.json, report.md and report.html.",
    )
    check.add_argument("spec", metavar="MODULE:ATTR")
    check.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="declare a tag of a plain callable, e.g. kind=gradient covariance=full "
        "stochastic=true ridge_alpha=1 kernel_width=2",
    )
    check.add_argument(
        "--expected-fail",
        action="append",
        default=[],
        metavar="CHECK=REASON",
        help="a check known to fail, reported as xfail (e.g. check_rate='uses QMC')",
    )
    _add_time_limit(check, "the explainer")
    _add_run_options(check)
    clients = sub.add_parser(
        "clients",
        help="check every installed client library; print the ecosystem table",
        description="Run the conformance battery on every installed client library (captum, "
        "lime, zennit, saliency, interpret), each in the configuration that estimates the "
        "closed form and with the library's own defaults (whose known failures the adapter "
        "declares: xfail), and print the table: library x configuration x check, versions, "
        "and what each library's defaults compute. Exit 0 when every outcome is as declared.",
    )
    clients.add_argument(
        "--only-library",
        action="append",
        choices=LIBRARY_NAMES,
        default=None,
        metavar="NAME",
        help=f"check only this library (repeatable; one of {', '.join(LIBRARY_NAMES)})",
    )
    _add_time_limit(clients, "a client")
    _add_run_options(clients)
    for action in clients._actions:  # the table is the result: a folder only on request
        if action.dest == "output":
            action.help = "also write results.json and the report to this folder"
    replicate = sub.add_parser(
        "replicate",
        help="reproduce the paper's experiments (Figures 2-5) with ground truth and theory",
        description="Train the paper's 10-10 ELU network on the simulated, breast-cancer and "
        "wine data (and the UCI files in --data-dir), measure SmoothGrad vs C-LIME distance, "
        "robustness, sigma and accuracy sensitivity, overlay the exact truth and the theory, "
        "and judge the paper's claims. Needs scikit-learn (pip install -e '.[replicate]').",
    )
    replicate.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder holding the paper's UCI files (Polish bankruptcy ARFF, online shoppers "
        "CSV); without it only the shipped data sets run",
    )
    _add_run_options(replicate)
    compare = sub.add_parser(
        "compare",
        help="compare two runs; exit 1 on a regression",
        description="Compare two runs (folders or results.json files) and list regressions: a "
        "statement no longer as expected, a record that got worse or disappeared, a figure "
        "beyond a threshold.",
    )
    compare.add_argument("old", type=Path)
    compare.add_argument("new", type=Path)
    compare.add_argument(
        "--figure-threshold",
        action="append",
        default=[],
        metavar="NAME=REL",
        help="flag a record figure NAME that moves by more than REL (e.g. 0.5)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``verify`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    # Explainers are named MODULE:ATTR relative to where the user stands, as with
    # `python -m` (console scripts do not put the working directory on sys.path).
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    from . import commands

    handlers = {
        "run": commands.run,
        "replicate": commands.replicate,
        "check": commands.check,
        "clients": commands.clients,
        "compare": commands.compare,
    }
    return handlers[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

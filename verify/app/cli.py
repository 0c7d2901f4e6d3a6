"""The ``verify`` command: ``run``, ``check``, ``clients``, ``replicate``, ``compare``, ``replay``.

This module is the parser; :mod:`verify.app.commands` (run, replicate, compare) and
:mod:`verify.app.batteries_cli` (check, clients, replay) do the work.

Exit codes: 0 everything as expected, 1 something failed or regressed,
2 usage or environment error, 130 interrupted (Ctrl-C; finished work is saved).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verify import __version__

from .batteries import TIMEOUTS_TO_STOP
from .ecosystem import LIBRARIES
from .limits import BUDGET_CALLS, CALL_LIMITS
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


def _add_limits(p: argparse.ArgumentParser, what: str) -> None:
    """--time-limit and --battery-budget, with the defaults of verify.app.limits stated."""
    calls = ", ".join(f"{v:g} s ({k})" for k, v in CALL_LIMITS.items())
    budgets = ", ".join(f"{BUDGET_CALLS * v:g} s ({k})" for k, v in CALL_LIMITS.items())
    p.add_argument(
        "--time-limit",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"seconds allowed per call of {what}; a call past it fails its check with "
        f"'timed out after S s' and the battery goes on (default by --profile: {calls}, "
        "scaled to the profile's largest call)",
    )
    p.add_argument(
        "--battery-budget",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="seconds allowed for one explainer's whole battery; the checks not started by "
        f"then are error records (default: {BUDGET_CALLS} call limits: {budgets}). A battery "
        f"also stops after {TIMEOUTS_TO_STOP} checks timed out: a hanging explainer costs "
        "about two call limits",
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


def _run_parser(sub: Any) -> None:
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
        "(an Explainer, a callable with __explainer_tags__, or a factory such as "
        "properties.adapters:captum_smoothgrad); repeatable",
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
    _add_limits(run, "an explainer or client under --explainer / --clients")


def _check_parser(sub: Any) -> None:
    check = sub.add_parser(
        "check",
        help="run the conformance battery on an importable explainer; write a report",
        description="Import MODULE:ATTR (an Explainer, a callable with __explainer_tags__, a "
        "plain callable plus --tag declarations, or a factory returning an Explainer, such as "
        "properties.adapters:captum_smoothgrad), run every applicable conformance check "
        "against the closed form, and write results.json, report.md and report.html. A failed "
        "check reruns alone with `verify replay`.",
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
        help="a check known to fail, reported as xfail (e.g. rate='uses QMC' or "
        "check_rate='uses QMC': the report's column name or the check's)",
    )
    _add_limits(check, "the explainer")
    _add_run_options(check)


def _clients_parser(sub: Any) -> None:
    clients = sub.add_parser(
        "clients",
        help="check every installed client library; print the ecosystem table",
        description="Run the conformance battery on every installed client library (captum, "
        "lime, zennit, saliency, interpret), each in the configuration that estimates the "
        "closed form and with the library's own defaults (whose known failures the adapter "
        "declares: xfail), and print the table: library x configuration x check, versions, "
        "what each library's defaults compute and the arguments that make it compute the "
        "closed form. Exit 0 when every outcome is as declared.",
    )
    clients.add_argument(
        "--only-library",
        action="append",
        choices=LIBRARY_NAMES,
        default=None,
        metavar="NAME",
        help=f"check only this library (repeatable; one of {', '.join(LIBRARY_NAMES)})",
    )
    _add_limits(clients, "a client")
    _add_run_options(clients)
    for action in clients._actions:  # the table is the result: a folder only on request
        if action.dest == "output":
            action.help = "also write results.json and the report to this folder"


def _replicate_parser(sub: Any) -> None:
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


def _compare_parser(sub: Any) -> None:
    compare = sub.add_parser(
        "compare",
        help="compare two runs; exit 1 on a regression",
        description="Compare two runs (folders or results.json files) and list regressions: a "
        "statement no longer as expected, a record that got worse or disappeared (a proof, a "
        "property, a conformance check, a replication claim), a figure beyond a threshold. "
        "Runs with other seeds or profiles are compared too, and the difference is said.",
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


def _replay_parser(sub: Any) -> None:
    replay = sub.add_parser(
        "replay",
        help="rerun one counterexample or failed check of a run; exit 0 if the verdict repeats",
        description="Rerun the check behind one record of a run (a folder, a results.json, or "
        "a JSON file holding one record) on the problem it recorded: a property's "
        "counterexample (its function spec, x0, covariance, n, seed) or a conformance check "
        "that did not pass (the explainer, the check, its seed, profile and time limit). "
        "Without RECORD, list the records that can be replayed.",
    )
    replay.add_argument("run", type=Path, metavar="RUN")
    replay.add_argument(
        "record",
        nargs="?",
        default=None,
        metavar="RECORD",
        help="a record id, or a part of one that names a single record",
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``verify`` command's parser: one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="verify",
        description="Verify the theory of SmoothGrad and C-LIME (Agarwal et al., ICML 2021) and "
        "check explainers against closed-form ground truth.",
    )
    parser.add_argument("--version", action="version", version=f"xai-verify {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        _run_parser,
        _check_parser,
        _clients_parser,
        _replicate_parser,
        _compare_parser,
        _replay_parser,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``verify`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    # Explainers are named MODULE:ATTR relative to where the user stands, as with
    # `python -m` (console scripts do not put the working directory on sys.path).
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    from .environment import shadowed_packages

    shadowed = shadowed_packages()
    if shadowed:
        print(f"verify: {shadowed}", file=sys.stderr)
        return 2
    from . import batteries_cli, commands

    handlers = {
        "run": commands.run,
        "replicate": commands.replicate,
        "check": batteries_cli.check,
        "clients": batteries_cli.clients,
        "compare": commands.compare,
        "replay": batteries_cli.replay,
    }
    return handlers[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

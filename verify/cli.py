"""The ``verify`` command: ``verify run``, ``verify check``, ``verify compare``.

Exit codes: 0 everything as expected, 1 something failed or regressed,
2 usage or environment error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["build_parser", "main"]

PROFILES = ("dev", "ci", "thorough")
SECTIONS = ("symbolic", "experiments")


def _default_run_id(seed: int) -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S") + f"-seed{seed}"


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
        help="run independent tasks in N processes (results identical to serial)",
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


def _tasks(sections: Sequence[str]):
    from verify.report import tasks as T
    from verify.report.runner import Task

    table = {
        "symbolic": [Task("symbolic proofs", T.symbolic_proofs)],
        "experiments": [
            Task("convergence experiment", T.experiment_convergence),
            Task("lipschitz experiment", T.experiment_lipschitz),
        ],
    }
    return [t for s in sections for t in table[s]]


def _print_summary(results: dict, output: Path) -> None:
    width = max(len(s["id"]) for s in results["statements"])
    print(f"\n{'statement':<{width}}  status     as expected")
    for s in results["statements"]:
        mark = "yes" if s["as_expected"] else "NO"
        print(f"{s['id']:<{width}}  {s['status']:<10} {mark}")
    print(f"\nreport: {output / 'report.html'}  (also report.md, results.json)")


def _run(args: argparse.Namespace) -> int:
    from verify.report.run import run_tasks

    if args.workers < 1:
        print("verify: --workers must be >= 1", file=sys.stderr)
        return 2
    run_id = _default_run_id(args.seed)
    output = args.output or Path("reports") / run_id
    sections = args.only or SECTIONS
    # The exact command that reproduces this run, defaults spelt out.
    command = (
        f"verify run --profile {args.profile} --seed {args.seed} "
        f"--output {shlex.quote(str(output))}"
    )
    if args.only:
        command += " --only " + " ".join(args.only)
    say = None if (args.quiet or args.json) else (lambda m: print(m, file=sys.stderr, flush=True))
    try:
        results = run_tasks(
            _tasks(sections),
            output=output,
            run_id=run_id,
            seed=args.seed,
            profile=args.profile,
            command=command,
            workers=args.workers,
            dask_address=args.dask,
            progress=say,
        )
    except ImportError as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        _print_summary(results, output)
    failed = [s for s in results["statements"] if not s["as_expected"]]
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
    if (failed or errors) and not args.json:
        for s in failed:
            print(
                f"verify: {s['id']} is {s['status']}, expected {'/'.join(s['expected'])}",
                file=sys.stderr,
            )
    return 1 if failed or errors else 0


def _compare(args: argparse.Namespace) -> int:
    from verify.report.compare import compare_runs, load_results

    thresholds = {}
    for item in args.figure_threshold:
        name, _, value = item.partition("=")
        try:
            thresholds[name] = float(value)
        except ValueError:
            print(f"verify: --figure-threshold wants NAME=REL, got {item!r}", file=sys.stderr)
            return 2
    try:
        old, new = load_results(args.old), load_results(args.new)
    except (OSError, ValueError) as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    problems = compare_runs(old, new, thresholds)
    for line in problems:
        print(f"REGRESSION {line}")
    if not problems:
        print(
            f"no regressions ({len(new['records'])} records, {len(new['statements'])} statements)"
        )
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``verify`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "compare":
        return _compare(args)
    return 2  # pragma: no cover - argparse enforces the choices


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``verify`` command: ``verify run``, ``verify check``, ``verify compare``.

Exit codes: 0 everything as expected, 1 something failed or regressed,
2 usage or environment error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .tasks import SECTIONS, STATEMENT_SECTIONS

__all__ = ["build_parser", "main"]

PROFILES = ("dev", "ci", "thorough")


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
        help="also check captum's SmoothGrad and LimeBase and lime's LimeTabularExplainer "
        "(needs the captum and lime extras)",
    )
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
    _add_run_options(check)
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


CLIENTS = ("captum_smoothgrad", "captum_limebase", "lime_tabular")


def _have_sklearn() -> bool:
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None


def _replicate(args: argparse.Namespace) -> int:
    """`verify replicate`: the replication tasks alone, with the same report machinery."""
    args.only, args.explainer, args.clients, args.replicate = [], [], False, True
    return _run(args, verb="replicate")


def _missing_clients() -> list[str]:
    """Install hints for the client libraries that are not importable."""
    import importlib.util

    hints = {
        "captum": "pip install torch==2.13.0 && pip install -e '.[captum]'",
        "lime": "pip install -e '.[lime]'",
    }
    return [
        f"{name} ({hint})" for name, hint in hints.items() if importlib.util.find_spec(name) is None
    ]


def _print_summary(results: dict, output: Path) -> None:
    if any(r["statement"] for r in results["records"]):
        width = max(len(s["id"]) for s in results["statements"])
        print(f"\n{'statement':<{width}}  status     as expected")
        for s in results["statements"]:
            mark = "yes" if s["as_expected"] else "NO"
            print(f"{s['id']:<{width}}  {s['status']:<10} {mark}")
    verdicts: dict[str, dict[str, int]] = {}
    for r in results["records"]:
        if r["source"] == "conformance":
            counts = verdicts.setdefault(r["explainer"], {})
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    if verdicts:
        print("\nconformance")
        for name, counts in verdicts.items():
            print(f"  {name}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    print(f"\nreport: {output / 'report.html'}  (also report.md, results.json)")


def _run(args: argparse.Namespace, verb: str = "run") -> int:
    from .run import run_tasks
    from .tasks import build_tasks

    if args.workers < 1:
        print("verify: --workers must be >= 1", file=sys.stderr)
        return 2
    if args.replicate and not _have_sklearn():
        print(
            "verify: --replicate needs scikit-learn: pip install -e '.[replicate]'", file=sys.stderr
        )
        return 2
    if args.clients and _missing_clients():
        print("verify: --clients needs " + "; ".join(_missing_clients()), file=sys.stderr)
        return 2
    if args.explainer:
        # Load them now: a bad spec is a usage error before any report exists, and worker
        # processes forked later inherit the imported modules.
        from properties.conformance.loader import load_explainer

        try:
            for spec in args.explainer:
                load_explainer(spec)
        except (ValueError, TypeError, ImportError) as exc:
            print(f"verify: {exc}", file=sys.stderr)
            return 2
    run_id = _default_run_id(args.seed)
    output = args.output or Path("reports") / run_id
    sections = SECTIONS if args.only is None else args.only
    # The exact command that reproduces this run, defaults spelt out.
    command = (
        f"verify {verb} --profile {args.profile} --seed {args.seed} "
        f"--output {shlex.quote(str(output))}"
    )
    if args.only and verb == "run":
        command += " --only " + " ".join(args.only)
    for spec in args.explainer:
        command += f" --explainer {shlex.quote(spec)}"
    if args.clients:
        command += " --clients"
    if args.replicate and verb == "run":
        command += " --replicate"
    if args.replicate and args.data_dir is not None:
        command += f" --data-dir {shlex.quote(str(args.data_dir))}"
    say = None if (args.quiet or args.json) else (lambda m: print(m, file=sys.stderr, flush=True))
    try:
        results = run_tasks(
            build_tasks(
                sections,
                args.explainer,
                CLIENTS if args.clients else (),
                replicate=args.replicate,
                data_dir=None if args.data_dir is None else str(args.data_dir),
            ),
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
    judged = any(s in sections for s in STATEMENT_SECTIONS)
    return _exit_code(results, judge_statements=judged, quiet=args.json)


def _exit_code(results: dict, judge_statements: bool = True, quiet: bool = False) -> int:
    """1 if a statement is not as expected, a task errored or a conformance check failed.

    Statements are judged only when a section that gives them evidence ran
    (``--only experiments conformance`` judges none).
    """
    failed = [s for s in results["statements"] if not s["as_expected"]] if judge_statements else []
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
    # Replication claims that do not hold are findings, not failures of the run.
    checks = [
        r
        for r in results["records"]
        if r["status"] == "error" or (r["status"] == "failed" and r["source"] == "conformance")
    ]
    if not quiet:
        for s in failed:
            print(
                f"verify: {s['id']} is {s['status']}, expected {'/'.join(s['expected'])}",
                file=sys.stderr,
            )
        for r in checks:
            print(f"verify: {r['id']} {r['status']}: {r['message'][:200]}", file=sys.stderr)
    return 1 if failed or errors or checks else 0


def _check(args: argparse.Namespace) -> int:
    from . import tasks as T
    from .run import run_tasks
    from .runner import Task

    try:
        from properties.conformance.loader import load_explainer, parse_tags

        tags = parse_tags(args.tag)
        expected = dict(item.partition("=")[::2] for item in args.expected_fail)
        load_explainer(args.spec, tags)  # fail fast, before creating a report folder
    except (ValueError, TypeError, ImportError) as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    run_id = _default_run_id(args.seed)
    output = args.output or Path("reports") / run_id
    command = f"verify check {shlex.quote(args.spec)} --seed {args.seed} --output {output}"
    command += "".join(f" --tag {shlex.quote(t)}" for t in args.tag)
    command += "".join(f" --expected-fail {shlex.quote(t)}" for t in args.expected_fail)
    say = None if (args.quiet or args.json) else (lambda m: print(m, file=sys.stderr, flush=True))
    task = Task(
        f"conformance {args.spec}",
        T.conformance_battery,
        {"spec": args.spec, "tags": tags, "expected_failed_checks": expected},
    )
    results = run_tasks(
        [task],
        output=output,
        run_id=run_id,
        seed=args.seed,
        profile=args.profile,
        command=command,
        workers=1,
        progress=say,
    )
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        for r in results["records"]:
            print(f"{r['status']:<8} {r['title']}")
        print(f"\nreport: {output / 'report.html'}")
    problems = [r for r in results["records"] if r["status"] in ("failed", "error")]
    if not args.json:
        for r in problems:
            print(f"verify: {r['title']} {r['status']}: {r['message'][:300]}", file=sys.stderr)
    return 1 if problems else 0


def _compare(args: argparse.Namespace) -> int:
    from .compare import compare_runs, load_results

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
    # Explainers are named MODULE:ATTR relative to where the user stands, as with
    # `python -m` (console scripts do not put the working directory on sys.path).
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    if args.command == "run":
        return _run(args)
    if args.command == "replicate":
        return _replicate(args)
    if args.command == "check":
        return _check(args)
    if args.command == "compare":
        return _compare(args)
    return 2  # pragma: no cover - argparse enforces the choices


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""What ``verify run``, ``replicate`` and ``compare`` do, and what every command shares.

Everything that can be refused is refused before a run folder exists: bad
options, a missing extra (``--dask`` without dask, ``--replicate`` without
scikit-learn), an explainer that does not load, an unusable ``--output``. Each
refusal is one line on stderr and exit code 2. ``check``, ``clients`` and
``replay`` live in :mod:`verify.app.batteries_cli`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from .console import print_summary, xpass_lines
from .executors import ExecutorError
from .outdir import OutputError
from .tasks import SECTIONS

__all__ = [
    "client_libraries",
    "compare",
    "default_run_id",
    "error",
    "execute",
    "exit_code",
    "load_error",
    "precheck",
    "replicate",
    "run",
]


def error(message: str) -> int:
    """Say ``message`` on one line of stderr; the usage-error exit code."""
    print(f"verify: {message}", file=sys.stderr)
    return 2


def default_run_id(seed: int) -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S") + f"-seed{seed}"


def client_libraries(names: list[str] | None, quiet: bool) -> tuple[list[str], str | None]:
    """The client libraries to check (all, or ``names``), or a refusal when none is installed.

    The ones not installed are named on stderr with their install hint (and in the
    report); they are not an error while another one can be checked.
    """
    from .ecosystem import LIBRARIES, installed_clients, missing_clients

    chosen = list(names) if names else [lib.name for lib in LIBRARIES]
    missing = missing_clients(chosen)
    if not installed_clients(chosen):
        hints = "; ".join(f"{lib.name} ({lib.install_hint})" for lib in missing)
        return chosen, f"no client library is installed; install one: {hints}"
    if not quiet:
        for lib in missing:
            print(
                f"verify: {lib.name} is not installed, its batteries are skipped "
                f"({lib.install_hint})",
                file=sys.stderr,
            )
    return chosen, None


def load_error(exc: Exception, command_line_tags: bool) -> str:
    """The loader's message; for ``--explainer`` a missing tag says what it accepts instead."""
    text = str(exc)
    if "missing tag" in text and not command_line_tags:
        text = text.split(", e.g. Explainer(")[0]
        text += (
            "; --explainer wants an Explainer, a callable with __explainer_tags__ or a factory: "
            "for a plain callable use `verify check SPEC --tag ...`"
        )
    return text


def precheck(args: argparse.Namespace) -> str | None:
    """The refusals every run command shares (None: nothing to refuse)."""
    if args.workers < 1:
        return "--workers must be >= 1"
    if args.dask is not None and importlib.util.find_spec("distributed") is None:
        return "--dask needs the dask extra: pip install -e '.[dask]'"
    return None


def say(args: argparse.Namespace) -> Callable[[str], None] | None:
    """Where progress lines go (None: nowhere, under --quiet or --json)."""
    if args.quiet or args.json:
        return None
    return lambda m: print(m, file=sys.stderr, flush=True)


def _interrupted(output: Path, tasks: list) -> int:
    try:
        done = json.loads((output / "results.json").read_text())
        finished = sum(t["status"] != "pending" for t in done["tasks"])
        total = len(done["tasks"])
    except (OSError, ValueError, KeyError):
        finished, total = 0, len(tasks)
    print(
        f"verify: interrupted: {finished} of {total} tasks finished; their results are in "
        f"{output / 'results.json'} (marked partial)",
        file=sys.stderr,
    )
    return 130


def execute(
    args: argparse.Namespace,
    tasks: list,
    output: Path,
    run_id: str,
    command: str,
    render: bool = True,
) -> tuple[dict | None, int | None]:
    """run_tasks with the refusals and Ctrl-C turned into exit codes: (results, code or None).

    A serial run is guarded against a crash in native code (:mod:`verify.app.crash`).
    """
    from .crash import crash_guard
    from .run import run_tasks

    serial = args.workers == 1 and args.dask is None
    try:
        guard = crash_guard(output, tasks, record="verify.app.run:record_crash")
        with guard if serial else contextlib.nullcontext():
            results = run_tasks(
                tasks,
                output=output,
                run_id=run_id,
                seed=args.seed,
                profile=args.profile,
                command=command,
                workers=args.workers,
                dask_address=args.dask,
                progress=say(args),
                render=render,
            )
    except (OutputError, ImportError, ExecutorError) as exc:
        return None, error(str(exc))
    except KeyboardInterrupt:
        return None, _interrupted(output, tasks)
    return results, None


def limits_command(args: argparse.Namespace) -> str:
    """The --time-limit and --battery-budget part of the command that reproduces a run."""
    out = ""
    if getattr(args, "time_limit", None) is not None:
        out += f" --time-limit {args.time_limit:g}"
    if getattr(args, "battery_budget", None) is not None:
        out += f" --battery-budget {args.battery_budget:g}"
    return out


def _run_command(args: argparse.Namespace, verb: str, output: Path) -> str:
    """The exact command that reproduces this run, defaults spelt out."""
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
    command += limits_command(args)
    if args.replicate and verb == "run":
        command += " --replicate"
    if args.replicate and args.data_dir is not None:
        command += f" --data-dir {shlex.quote(str(args.data_dir))}"
    return command


def _refusal(args: argparse.Namespace) -> tuple[list[str], str | None]:
    """(client libraries, a refusal or None): what `verify run` refuses before it starts."""
    problem = precheck(args)
    if problem:
        return [], problem
    if args.replicate and importlib.util.find_spec("sklearn") is None:
        return [], "--replicate needs scikit-learn: pip install -e '.[replicate]'"
    libraries: list[str] = []
    if args.clients:
        libraries, problem = client_libraries(None, args.quiet or args.json)
        if problem:
            return [], f"--clients: {problem}"
    # Load explainers now: a bad spec is a usage error before any report exists, and
    # worker processes forked later inherit the imported modules.
    from .batteries import load_explainer

    try:
        for spec in args.explainer:
            load_explainer(spec, cli_hint=None)
    except (ValueError, TypeError, ImportError) as exc:
        return [], load_error(exc, command_line_tags=False)
    return libraries, None


def run(args: argparse.Namespace, verb: str = "run") -> int:
    """``verify run`` (and, with ``verb="replicate"``, ``verify replicate``)."""
    from .tasks import build_tasks

    libraries, problem = _refusal(args)
    if problem:
        return error(problem)
    run_id = default_run_id(args.seed)
    output = args.output or Path("reports") / run_id
    tasks = build_tasks(
        SECTIONS if args.only is None else args.only,
        args.explainer,
        libraries,
        replicate=args.replicate,
        data_dir=None if args.data_dir is None else str(args.data_dir),
        time_limit=getattr(args, "time_limit", None),
        budget=getattr(args, "battery_budget", None),
    )
    results, code = execute(args, tasks, output, run_id, _run_command(args, verb, output))
    if results is None:
        return code
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        print_summary(results, output)
    return exit_code(results, quiet=args.json)


def replicate(args: argparse.Namespace) -> int:
    """``verify replicate``: the replication tasks alone, with the same report machinery."""
    args.only, args.explainer, args.clients, args.replicate = [], [], False, True
    return run(args, verb="replicate")


def exit_code(results: dict, quiet: bool = False) -> int:
    """1 if a judged statement is not as expected, a task errored or a conformance check failed.

    Statements a partial run did not seek evidence on (``not_run``) are not judged;
    replication claims that do not hold are findings, not failures of the run. A
    check declared to fail that passed (xpass) is said, not counted.
    """
    failed = [s for s in results["statements"] if s["as_expected"] is False]
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
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
            first = r["message"].splitlines()[0] if r["message"] else ""
            print(f"verify: {r['id']} {r['status']}: {first}", file=sys.stderr)
        for line in xpass_lines(results["records"]):
            print(line, file=sys.stderr)
    return 1 if failed or errors or checks else 0


def compare(args: argparse.Namespace) -> int:
    """``verify compare OLD NEW``: regressions, exit 1 if any (or if NEW is partial)."""
    from .compare import compare_runs, figure_names, load_results, run_notes

    thresholds = {}
    for item in args.figure_threshold:
        name, _, value = item.partition("=")
        try:
            thresholds[name] = float(value)
        except ValueError:
            return error(f"--figure-threshold wants NAME=REL, got {item!r}")
        if not name or not thresholds[name] >= 0:
            return error(f"--figure-threshold wants NAME=REL with REL >= 0, got {item!r}")
    try:
        old, new = load_results(args.old), load_results(args.new)
    except (OSError, ValueError) as exc:
        return error(str(exc))
    known = figure_names(old) | figure_names(new)
    unknown = sorted(set(thresholds) - known)
    if unknown:
        return error(
            f"--figure-threshold names unknown figure(s) {', '.join(unknown)}; the numeric "
            f"figures of these runs' records are: {', '.join(sorted(known)) or 'none'}"
        )
    problems = compare_runs(old, new, thresholds)
    for line in run_notes(old, new):
        print(line)
    for line in problems:
        print(f"REGRESSION {line}")
    complete = new.get("complete", True)
    if not problems and complete:
        print(
            f"no regressions ({len(new['records'])} records, {len(new['statements'])} statements)"
        )
    if not complete:
        print(
            "verify: exit 1: the new run is partial (interrupted or still running), so it "
            "cannot show that nothing regressed; compare a complete run",
            file=sys.stderr,
        )
    return 1 if problems or not complete else 0

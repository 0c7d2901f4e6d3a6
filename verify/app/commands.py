"""What each ``verify`` subcommand does, given the parsed arguments (see :mod:`.cli`).

Everything that can be refused is refused before a run folder exists: bad
options, a missing extra (``--dask`` without dask, ``--replicate`` without
scikit-learn), an explainer that does not load, an unusable ``--output``. Each
refusal is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import re
import shlex
import sys
from pathlib import Path

from .console import print_check_summary, print_summary
from .executors import ExecutorError
from .outdir import OutputError
from .tasks import SECTIONS

__all__ = ["check", "clients", "compare", "exit_code", "replicate", "run"]

_TAG_HINT = (
    "on the command line, declare them with --tag kind=gradient --tag covariance=full "
    "--tag stochastic=true (pytest: --explainer-tag)"
)


def _error(message: str) -> int:
    print(f"verify: {message}", file=sys.stderr)
    return 2


def _default_run_id(seed: int) -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S") + f"-seed{seed}"


def _client_libraries(names: list[str] | None, quiet: bool) -> tuple[list[str], str | None]:
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


def _load_error(exc: Exception, command_line_tags: bool) -> str:
    """The loader's message; a missing tag gets the command-line way to declare it."""
    text = str(exc)
    if "missing tag" in text:
        text = text.split(", e.g. Explainer(")[0]
        if command_line_tags:
            text += f"; {_TAG_HINT}"
        else:
            text += (
                "; --explainer wants an Explainer or a callable with __explainer_tags__: for a "
                "plain callable use `verify check SPEC --tag ...`"
            )
    return text


def _precheck(args: argparse.Namespace) -> str | None:
    """The refusals every run command shares (None: nothing to refuse)."""
    if args.workers < 1:
        return "--workers must be >= 1"
    if args.dask is not None and importlib.util.find_spec("distributed") is None:
        return "--dask needs the dask extra: pip install -e '.[dask]'"
    return None


def _say(args: argparse.Namespace):
    if args.quiet or args.json:
        return None
    return lambda m: print(m, file=sys.stderr, flush=True)


def _execute(
    args: argparse.Namespace,
    tasks: list,
    output: Path,
    run_id: str,
    command: str,
    render: bool = True,
):
    """run_tasks with the refusals and Ctrl-C turned into exit codes: (results, code or None)."""
    from .crash import crash_guard
    from .run import run_tasks

    serial = args.workers == 1 and args.dask is None
    try:
        with crash_guard(output, tasks) if serial else contextlib.nullcontext():
            results = run_tasks(
                tasks,
                output=output,
                run_id=run_id,
                seed=args.seed,
                profile=args.profile,
                command=command,
                workers=args.workers,
                dask_address=args.dask,
                progress=_say(args),
                render=render,
            )
    except OutputError as exc:
        return None, _error(str(exc))
    except (ImportError, ExecutorError) as exc:
        return None, _error(str(exc))
    except KeyboardInterrupt:
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
        return None, 130
    return results, None


def run(args: argparse.Namespace, verb: str = "run") -> int:
    """``verify run`` (and, with ``verb="replicate"``, ``verify replicate``)."""
    from .tasks import build_tasks

    problem = _precheck(args)
    if problem:
        return _error(problem)
    if args.replicate and importlib.util.find_spec("sklearn") is None:
        return _error("--replicate needs scikit-learn: pip install -e '.[replicate]'")
    libraries: list[str] = []
    if args.clients:
        libraries, problem = _client_libraries(None, args.quiet or args.json)
        if problem:
            return _error(f"--clients: {problem}")
    if args.explainer:
        # Load them now: a bad spec is a usage error before any report exists, and worker
        # processes forked later inherit the imported modules.
        from properties.conformance.loader import load_explainer

        try:
            for spec in args.explainer:
                load_explainer(spec)
        except (ValueError, TypeError, ImportError) as exc:
            return _error(_load_error(exc, command_line_tags=False))
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
    if getattr(args, "time_limit", None) is not None:
        command += f" --time-limit {args.time_limit:g}"
    if args.replicate and verb == "run":
        command += " --replicate"
    if args.replicate and args.data_dir is not None:
        command += f" --data-dir {shlex.quote(str(args.data_dir))}"
    tasks = build_tasks(
        sections,
        args.explainer,
        libraries,
        replicate=args.replicate,
        data_dir=None if args.data_dir is None else str(args.data_dir),
        time_limit=getattr(args, "time_limit", None),
    )
    results, code = _execute(args, tasks, output, run_id, command)
    if results is None:
        return code
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        print_summary(results, output)
    return exit_code(results, quiet=args.json)


def clients(args: argparse.Namespace) -> int:
    """``verify clients``: every installed client's batteries, and the ecosystem table alone.

    Exit code 0 when every outcome is as declared (passed, xfail, or a check that does
    not apply), 1 otherwise (a failure not declared, a declared failure that passed,
    an error), 2 when nothing can be checked.
    """
    import tempfile

    from .report.ecosystem import AS_DECLARED, ecosystem, ecosystem_text
    from .tasks import client_tasks

    problem = _precheck(args)
    if problem:
        return _error(problem)
    libraries, problem = _client_libraries(args.only_library, args.quiet or args.json)
    if problem:
        return _error(problem)
    run_id = _default_run_id(args.seed)
    command = f"verify clients --profile {args.profile} --seed {args.seed}"
    if args.output is not None:
        command += f" --output {shlex.quote(str(args.output))}"
    command += "".join(f" --only-library {name}" for name in args.only_library or ())
    if args.time_limit is not None:
        command += f" --time-limit {args.time_limit:g}"
    tasks = client_tasks(libraries, args.time_limit)
    with tempfile.TemporaryDirectory(prefix="verify-clients-") as scratch:
        # Without --output the run still goes through the runner (workers, time limits),
        # in a folder that is thrown away: the table is the result.
        output = args.output or Path(scratch) / run_id
        results, code = _execute(
            args, tasks, output, run_id, command, render=args.output is not None
        )
    if results is None:
        return code
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        print(ecosystem_text(results))
        if args.output is not None:
            print(f"\nreport: {output / 'report.html'}  (also report.md, results.json)")
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
    undeclared = [
        f"{cfg.explainer}: {check} {r['status']}"
        for view in ecosystem(results)
        for cfg in view.configurations
        for check, r in cfg.cells.items()
        if r["status"] not in AS_DECLARED
    ]
    if not args.json:
        for line in undeclared:
            print(f"verify: not as declared: {line}", file=sys.stderr)
        for t in errors:
            print(f"verify: task {t['name']} errored: {t['error']}", file=sys.stderr)
    return 1 if undeclared or errors else 0


def replicate(args: argparse.Namespace) -> int:
    """``verify replicate``: the replication tasks alone, with the same report machinery."""
    args.only, args.explainer, args.clients, args.replicate = [], [], False, True
    return run(args, verb="replicate")


def exit_code(results: dict, quiet: bool = False) -> int:
    """1 if a judged statement is not as expected, a task errored or a conformance check failed.

    Statements a partial run did not seek evidence on (``not_run``) are not judged;
    replication claims that do not hold are findings, not failures of the run.
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
    return 1 if failed or errors or checks else 0


def check(args: argparse.Namespace) -> int:
    """``verify check MODULE:ATTR``: the battery, one task per check (``--workers`` spreads)."""
    from .tasks import check_names, check_tasks

    problem = _precheck(args)
    if problem:
        return _error(problem)
    try:
        from properties.conformance.loader import load_explainer, parse_tags

        tags = parse_tags(args.tag)
        expected = {}
        for item in args.expected_fail:
            name, sep, reason = item.partition("=")
            if not sep or not name:
                return _error(f"--expected-fail wants CHECK=REASON, got {item!r}")
            expected[name] = reason
        unknown = sorted(set(expected) - set(check_names()))
        if unknown:
            return _error(
                f"--expected-fail names unknown check(s) {', '.join(unknown)}; the checks are "
                + ", ".join(check_names())
            )
        load_explainer(args.spec, tags)  # fail fast, before creating a report folder
    except (ValueError, TypeError, ImportError) as exc:
        return _error(_load_error(exc, command_line_tags=True))
    run_id = _default_run_id(args.seed)
    output = args.output or Path("reports") / run_id
    command = (
        f"verify check {shlex.quote(args.spec)} --profile {args.profile} --seed {args.seed} "
        f"--output {shlex.quote(str(output))}"
    )
    command += "".join(f" --tag {shlex.quote(t)}" for t in args.tag)
    command += "".join(f" --expected-fail {shlex.quote(t)}" for t in args.expected_fail)
    if args.time_limit is not None:
        command += f" --time-limit {args.time_limit:g}"
    tasks = check_tasks(args.spec, tags, expected, args.seed, args.time_limit)
    results, code = _execute(args, tasks, output, run_id, command)
    if results is None:
        return code
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        print_check_summary(results, output)
    problems = [r for r in results["records"] if r["status"] in ("failed", "error")]
    if not args.json:
        # One line per distinct reason (a hung explainer fails every check the same way).
        reasons: dict[str, list[str]] = {}
        for r in problems:
            first = r["message"].splitlines()[0] if r["message"] else ""
            reasons.setdefault(re.sub(r"\s*\[seed=\d+\]$", "", first), []).append(r["title"])
        for reason, titles in reasons.items():
            names = titles[0] if len(titles) == 1 else f"{len(titles)} checks ({', '.join(titles)})"
            print(f"verify: {names} failed: {reason}", file=sys.stderr)
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
    return 1 if problems or errors else 0


def compare(args: argparse.Namespace) -> int:
    """``verify compare OLD NEW``: regressions, exit 1 if any (or if NEW is partial)."""
    from .compare import compare_runs, figure_names, load_results, partial_notes

    thresholds = {}
    for item in args.figure_threshold:
        name, _, value = item.partition("=")
        try:
            thresholds[name] = float(value)
        except ValueError:
            return _error(f"--figure-threshold wants NAME=REL, got {item!r}")
        if not name or not thresholds[name] >= 0:
            return _error(f"--figure-threshold wants NAME=REL with REL >= 0, got {item!r}")
    try:
        old, new = load_results(args.old), load_results(args.new)
    except (OSError, ValueError) as exc:
        return _error(str(exc))
    known = figure_names(old) | figure_names(new)
    unknown = sorted(set(thresholds) - known)
    if unknown:
        return _error(
            f"--figure-threshold names unknown figure(s) {', '.join(unknown)}; the numeric "
            f"figures of these runs' records are: {', '.join(sorted(known)) or 'none'}"
        )
    problems = compare_runs(old, new, thresholds)
    for line in partial_notes(old, new):
        print(line)
    for line in problems:
        print(f"REGRESSION {line}")
    if not problems and new.get("complete", True):
        print(
            f"no regressions ({len(new['records'])} records, {len(new['statements'])} statements)"
        )
    return 1 if problems or not new.get("complete", True) else 0

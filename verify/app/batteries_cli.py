"""What ``verify check``, ``verify clients`` and ``verify replay`` do (see :mod:`.cli`)."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .commands import (
    client_libraries,
    default_run_id,
    error,
    execute,
    limits_command,
    load_error,
    precheck,
)
from .console import failure_lines, print_check_summary, xpass_lines

__all__ = ["check", "clients", "expected_failures", "replay"]


def expected_failures(items: list[str], known: list[str]) -> tuple[dict[str, str], str | None]:
    """``--expected-fail CHECK=REASON`` as {check: reason}; CHECK is the check's name or the
    report's column name (``input_validation`` for ``check_input_validation``)."""
    expected = {}
    for item in items:
        name, sep, reason = item.partition("=")
        name = name.strip()
        if not sep or not name:
            return {}, f"--expected-fail wants CHECK=REASON, got {item!r}"
        expected[name if name.startswith("check_") else f"check_{name}"] = reason
    unknown = sorted(set(expected) - set(known))
    if unknown:
        columns = ", ".join(k.removeprefix("check_") for k in known)
        return {}, (
            f"--expected-fail names unknown check(s) {', '.join(unknown)}; the checks are "
            f"{columns} (with or without the check_ prefix)"
        )
    return expected, None


def _check_command(args: argparse.Namespace, output: Path) -> str:
    command = (
        f"verify check {shlex.quote(args.spec)} --profile {args.profile} --seed {args.seed} "
        f"--output {shlex.quote(str(output))}"
    )
    command += "".join(f" --tag {shlex.quote(t)}" for t in args.tag)
    command += "".join(f" --expected-fail {shlex.quote(t)}" for t in args.expected_fail)
    return command + limits_command(args)


def _prepare_check(args: argparse.Namespace) -> tuple[dict, dict, str | None]:
    """(tags, expected failures, a refusal or None), the explainer loaded once to fail fast."""
    from properties.conformance.loader import parse_tags

    from .batteries import check_names, load_explainer

    problem = precheck(args)
    if problem:
        return {}, {}, problem
    expected, problem = expected_failures(args.expected_fail, check_names())
    if problem:
        return {}, {}, problem
    try:
        tags = parse_tags(args.tag)
        load_explainer(args.spec, tags)  # fail fast, before creating a report folder
    except (ValueError, TypeError, ImportError) as exc:
        return {}, {}, load_error(exc, command_line_tags=True)
    return tags, expected, None


def check(args: argparse.Namespace) -> int:
    """``verify check MODULE:ATTR``: the battery, one task per check (``--workers`` spreads).

    The tasks share one clock (the battery's budget and the count of checks that
    timed out, :class:`verify.app.batteries.Clock`).
    """
    from .batteries import Clock, check_tasks
    from .limits import battery_budget

    tags, expected, problem = _prepare_check(args)
    if problem:
        return error(problem)
    run_id = default_run_id(args.seed)
    output = args.output or Path("reports") / run_id
    scratch = tempfile.mkdtemp(prefix="verify-check-")
    try:
        budget = battery_budget(args.profile, args.battery_budget, args.time_limit)
        clock = Clock(time.time() + budget, str(Path(scratch) / "timeouts"))
        tasks = check_tasks(args.spec, tags, expected, args.seed, args.time_limit, clock)
        results, code = execute(args, tasks, output, run_id, _check_command(args, output))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if results is None:
        return code
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        print_check_summary(results, output)
    problems = [r for r in results["records"] if r["status"] in ("failed", "error")]
    if not args.json:
        for line in failure_lines(results["records"], output) + xpass_lines(results["records"]):
            print(line, file=sys.stderr)
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
    return 1 if problems or errors else 0


def _not_as_declared(results: dict) -> list[str]:
    from .report.ecosystem import AS_DECLARED, ecosystem

    return [
        f"{cfg.explainer}: {check} {r['status']}"
        for view in ecosystem(results)
        for cfg in view.configurations
        for check, r in cfg.cells.items()
        if r["status"] not in AS_DECLARED
    ]


def clients(args: argparse.Namespace) -> int:
    """``verify clients``: every installed client's batteries, and the ecosystem table alone.

    Exit code 0 when every outcome is as declared (passed, xfail, or a check that does
    not apply), 1 otherwise (a failure not declared, a declared failure that passed,
    an error), 2 when nothing can be checked.
    """
    from .batteries import client_tasks
    from .report.ecosystem import ecosystem_text

    problem = precheck(args)
    if problem:
        return error(problem)
    libraries, problem = client_libraries(args.only_library, args.quiet or args.json)
    if problem:
        return error(problem)
    run_id = default_run_id(args.seed)
    command = f"verify clients --profile {args.profile} --seed {args.seed}"
    if args.output is not None:
        command += f" --output {shlex.quote(str(args.output))}"
    command += "".join(f" --only-library {name}" for name in args.only_library or ())
    command += limits_command(args)
    tasks = client_tasks(libraries, args.time_limit, args.battery_budget)
    with tempfile.TemporaryDirectory(prefix="verify-clients-") as scratch:
        # Without --output the run still goes through the runner (workers, time limits),
        # in a folder that is thrown away: the table is the result.
        output = args.output or Path(scratch) / run_id
        results, code = execute(args, tasks, output, run_id, command, render=bool(args.output))
    if results is None:
        return code
    if args.json:
        print(json.dumps(results, indent=1))
    elif not args.quiet:
        print(ecosystem_text(results))
        if args.output is not None:
            print(f"\nreport: {output / 'report.html'}  (also report.md, results.json)")
    errors = [t for t in results["tasks"] if t["status"] != "ok"]
    undeclared = _not_as_declared(results)
    if not args.json:
        for line in undeclared:
            print(f"verify: not as declared: {line}", file=sys.stderr)
        for t in errors:
            print(f"verify: task {t['name']} errored: {t['error']}", file=sys.stderr)
    return 1 if undeclared or errors else 0


def _list_replayable(records: list[dict], run: Path) -> int:
    from .console import split_failure
    from .counterexamples import summary
    from .replay import replayable

    found = replayable(records)
    if not found:
        print(f"nothing to replay in {run}: no counterexample and no check that did not pass")
        return 0
    print(f"replayable records of {run} (verify replay {run} RECORD):")
    for r in found:
        if r.get("counterexample"):
            what = summary(r["counterexample"])
        else:
            what = split_failure(r["title"], r["message"])[0]
        print(f"  {r['id']}  ({r['status']}: {what})")
    return 0


def replay(args: argparse.Namespace) -> int:
    """``verify replay RUN [RECORD]``: rerun one record's check; 0 when the verdict repeats."""
    from .counterexamples import readable
    from .replay import find_record, load_records, replay

    try:
        records = load_records(args.run)
        if args.record is None:
            return _list_replayable(records, args.run)
        record = find_record(records, args.record)
    except (OSError, ValueError) as exc:
        return error(str(exc))
    if record.get("counterexample"):
        print(f"{record['id']}: the recorded problem")
        for label, value in readable(record["counterexample"]):
            print(f"  {label}: {value}")
    try:
        result = replay(record)
    except (ValueError, ImportError) as exc:
        return error(str(exc))
    same = "the recorded verdict" if result.same else f"NOT the recorded {result.recorded}"
    print(f"replayed {record['id']}: {result.status} ({same})")
    if result.message:
        print(f"  {result.message.splitlines()[0]}")
    return 0 if result.same else 1

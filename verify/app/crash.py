"""A serial run that crashes in native code: its traceback, one line of advice, a partial report.

A segfault in a client library ends the process at once: no Python code runs
after it, so the run cannot write its report or say what happened. While a
serial run works, :func:`crash_guard` keeps a small watcher process (a fresh
interpreter that imports nothing until it is needed) reading a pipe, and
points :mod:`faulthandler` at that pipe. When the run ends normally the pipe
closes empty and the watcher exits. When the run crashes, faulthandler writes
the Python traceback into the pipe; the watcher prints it, marks the task that
was running as an error (a serial run goes in task order: it is the first
pending one), writes the partial results.json and report (releasing the run's
lock file), and prints one line saying what to do.

With ``--workers`` a crash costs only its task (:mod:`verify.app.workers`);
workers call :func:`forget_crash_guard`.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["crash_guard", "forget_crash_guard", "watch"]

_GUARD: list[IO[bytes]] = []  # the watcher's pipe while a run is guarded
_WATCHER = "import sys; from verify.app.crash import watch; sys.exit(watch(sys.argv[1:]))"


def _watcher_env() -> dict[str, str]:
    """The environment with this checkout of ``verify`` importable first."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


@contextlib.contextmanager
def crash_guard(output: Path, tasks: Sequence[Any], record: str) -> Iterator[None]:
    """Guard a serial run writing to ``output``: a native crash still leaves a report.

    ``tasks`` are the run's tasks (their names and statements go to the watcher);
    ``record`` names the function (``module:function``) the watcher calls after a
    crash, ``record(output, plan) -> (running task, finished count)``, imported only
    then. Where no watcher can start, faulthandler alone prints the traceback.
    """
    plan = json.dumps([[t.name, list(t.statements)] for t in tasks])
    try:
        watcher = subprocess.Popen(
            [sys.executable, "-c", _WATCHER, str(Path(output).resolve()), plan, record],
            stdin=subprocess.PIPE,
            env=_watcher_env(),
            start_new_session=True,  # Ctrl-C is the run's business, not the watcher's
        )
    except OSError:
        watcher = None
    was_enabled = faulthandler.is_enabled()
    if watcher is not None and watcher.stdin is not None:
        faulthandler.enable(file=watcher.stdin)
        _GUARD.append(watcher.stdin)
    else:
        _enable_on_stderr()
    try:
        yield
    finally:
        faulthandler.disable()
        if was_enabled:
            _enable_on_stderr()
        if watcher is not None:
            _GUARD.clear()
            _close(watcher)


def _enable_on_stderr() -> None:
    """faulthandler on the process's real stderr (sys.stderr may be a capture without a file)."""
    for stream in (sys.stderr, sys.__stderr__):
        try:
            faulthandler.enable(file=stream)
            return
        except (AttributeError, ValueError, OSError):  # io.UnsupportedOperation is both
            continue


def _close(watcher: subprocess.Popen) -> None:
    """Close the pipe (the watcher sees an empty end and exits) and reap it."""
    with contextlib.suppress(OSError):
        watcher.stdin.close()
    try:
        watcher.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a forked child of a task still holds the pipe
        watcher.kill()
        watcher.wait()


def forget_crash_guard() -> None:
    """In a forked worker: leave the parent's pipe alone (a worker's crash is an error record)."""
    if _GUARD:
        faulthandler.disable()
        for pipe in _GUARD:
            with contextlib.suppress(OSError):
                os.close(pipe.fileno())
        _GUARD.clear()


def watch(argv: list[str], stdin: IO[bytes] | None = None) -> int:
    """The watcher: wait for the run's end; after a crash, record it (see the module doc).

    ``argv`` is the run folder, the run's plan (JSON: [name, statements] per task)
    and the recorder ``module:function``, which writes the partial report and
    returns the task that was running and how many had finished.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    output, plan = Path(argv[0]), json.loads(argv[1])
    traceback = (stdin or sys.stdin.buffer).read()  # until the run closes the pipe, or dies
    if not traceback:
        return 0
    sys.stderr.buffer.write(traceback)
    sys.stderr.flush()
    try:
        module, _, name = argv[2].partition(":")
        record: Callable[[Path, list], tuple[str | None, int]]
        record = getattr(importlib.import_module(module), name)
        running, finished = record(output, plan)
    except Exception as exc:  # the run folder is gone, or its results unreadable
        print(f"verify: the run crashed in native code; no partial report ({exc})", file=sys.stderr)
        return 0
    print(advice(output, running, finished), file=sys.stderr)
    return 0


def advice(output: Path, running: str | None, finished: int) -> str:
    """The one line printed after a crash."""
    task = f" while running task {running!r}" if running else ""
    return (
        f"verify: the run crashed in native code{task} (the traceback above; a segfault in a "
        f"client library?). The {finished} finished task(s) are in {output / 'results.json'} "
        "and report.md, marked partial. Rerun with --workers 2: a crash then costs only its "
        "task (an error record) and the run goes on."
    )

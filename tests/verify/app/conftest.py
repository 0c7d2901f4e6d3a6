"""One full `verify run` shared by the report tests (it is the expensive part).

It runs once per test session, in a process of its own started as soon as collection
finds a test that needs it, so that the other tests go on meanwhile; under pytest-xdist
(``-n``) the workers share it (the first to collect starts it, the others find it).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: The shared run must end well within this (it takes about a minute on two cores).
TIMEOUT = 1200.0
_started: list[subprocess.Popen] = []


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (POSIX); elsewhere no lock (one process)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared_folder(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by every worker of this session
    return base / "shared-full-run"


def _start(folder: Path) -> None:
    """Start the shared run unless a worker of this session already did."""
    with _exclusive(folder.parent / "shared-full-run.lock"):
        if folder.exists():
            return
        folder.mkdir()
        code = (
            "import sys; from pathlib import Path; from verify.app.cli import main; "
            "code = main(['run', '--output', sys.argv[1], '--quiet']); "
            "Path(sys.argv[2] + '.tmp').write_text(str(code)); "
            "Path(sys.argv[2] + '.tmp').replace(sys.argv[2])"
        )
        log = open(folder / "stderr.txt", "w")  # the child writes to it; closed at exit
        _started.append(
            subprocess.Popen(
                [sys.executable, "-c", code, str(folder / "run"), str(folder / "exit-code")],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        )


def pytest_collection_finish(session: pytest.Session) -> None:
    if any("full_run" in getattr(item, "fixturenames", ()) for item in session.items):
        _start(_shared_folder(session.config._tmp_path_factory))


def pytest_unconfigure(config: pytest.Config) -> None:
    """A session that ends early (-x, Ctrl-C) does not leave the shared run behind.

    Not under xdist: a worker may end while another still waits for the run.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    for proc in _started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="session")
def full_run(tmp_path_factory) -> tuple[int, Path]:
    """The README's main command, `verify run`, with the default profile and seed."""
    folder = _shared_folder(tmp_path_factory)
    _start(folder)  # collected some other way (a plugin, a selection): start it now
    code_file = folder / "exit-code"
    deadline = time.monotonic() + TIMEOUT
    while not code_file.exists():
        if any(p.poll() not in (None, 0) for p in _started) or time.monotonic() > deadline:
            log = (folder / "stderr.txt").read_text()[-3000:]
            pytest.fail(f"the shared `verify run` did not finish:\n{log}")
        time.sleep(0.5)
    return int(code_file.read_text()), folder / "run"

"""One full `verify run` shared by the report tests (it is the expensive part)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from verify.app.cli import main


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


@pytest.fixture(scope="session")
def full_run(tmp_path_factory) -> tuple[int, Path]:
    """The README's main command, `verify run`, with the default profile and seed.

    Made once per test session: under pytest-xdist (``-n``) the workers share the
    session's base folder, and the first to get here runs it while the others wait.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by every worker of this session
    folder = base / "shared-full-run"
    out, code_file = folder / "run", folder / "exit-code"
    with _exclusive(base / "shared-full-run.lock"):
        if not code_file.exists():
            folder.mkdir(exist_ok=True)
            code_file.write_text(str(main(["run", "--output", str(out), "--quiet"])))
    return int(code_file.read_text()), out

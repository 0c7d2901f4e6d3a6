"""The run folder: checked before anything runs, held by one run at a time, never mixed.

:func:`claim_output` is what ``verify run``, ``check`` and ``replicate`` do with
``--output`` before the first task starts:

* a path that is a file, under a file, unwritable or on a read-only file system
  is an :class:`OutputError` with one line naming the problem (the CLI exits 2);
* a folder holding files verify did not write (a ``report.md`` without a run's
  ``results.json``, a ``results.json`` that is not a run's) is refused, never
  overwritten;
* a lock (``.verify.lock``, ``flock``) makes a second run into the same folder
  refuse while the first is running; the kernel drops the lock if the run dies;
* a rerun into a previous run's folder clears that run's report and figures
  first, so the folder never mixes two runs (a figure the new run does not draw
  is not left behind).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["OutputError", "claim_output", "forget_inherited_locks"]

LOCK_NAME = ".verify.lock"
_OWN_FILES = ("report.md", "report.html")
_OWN_PATTERNS = ("figure_*.png", ".results.json.*", ".report.md.*", ".report.html.*", ".figure_*")
_HELD: set[int] = set()  # descriptors of locks this process holds


class OutputError(Exception):
    """The run folder cannot be used; the message is one line naming the problem and the fix."""


def _why(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOTDIR:
        return "a parent of it is a file, not a folder"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


def _is_run_results(path: Path) -> bool:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"schema_version", "run_id", "records"} <= set(data)


def _check_foreign(folder: Path) -> None:
    results = folder / "results.json"
    if results.exists() and not _is_run_results(results):
        raise OutputError(
            f"{results} was not written by verify; choose an empty folder for --output"
        )
    if not results.exists():
        foreign = [name for name in _OWN_FILES if (folder / name).exists()]
        if foreign:
            raise OutputError(
                f"{folder} holds {', '.join(foreign)} but no run's results.json; verify will "
                "not overwrite files it did not write: choose an empty folder for --output"
            )


def _clear_previous_run(folder: Path) -> None:
    if not (folder / "results.json").exists():
        return
    for name in _OWN_FILES:
        (folder / name).unlink(missing_ok=True)
    for pattern in _OWN_PATTERNS:
        for stale in folder.glob(pattern):
            stale.unlink(missing_ok=True)


def _lock(folder: Path) -> int:
    """Take the folder's lock (refusing if another run holds it); the descriptor.

    Where ``fcntl`` does not exist (Windows) the lock file is created but not locked.
    """
    try:
        import fcntl
    except ImportError:
        fcntl = None
    path = folder / LOCK_NAME
    if fcntl is None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        _HELD.add(fd)
        return fd
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise OutputError(
                f"another verify run (pid {holder}) is writing to {folder}; wait for it to "
                "finish or choose another --output"
            ) from None
        # The holder before us may have removed the file after we opened it: lock the
        # file that is at the path now, not an orphan.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    _HELD.add(fd)
    return fd


def forget_inherited_locks() -> None:
    """In a forked worker: close the inherited lock descriptors (the parent keeps the lock)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


@contextlib.contextmanager
def claim_output(folder: Path) -> Iterator[Path]:
    """Check, create, lock and clear ``folder`` for one run; release the lock on exit.

    Raises
    ------
    OutputError
        The folder cannot be written, holds foreign files, or another run holds it.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"--output {folder} is a file, not a folder; pass a folder (created if missing)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = _lock(folder)
    except OSError as exc:
        raise OutputError(f"cannot write the run folder {folder}: {_why(exc)}") from None
    try:
        _check_foreign(folder)
        try:
            _clear_previous_run(folder)
        except OSError as exc:
            raise OutputError(f"cannot clear the previous run in {folder}: {_why(exc)}") from None
        yield folder
    finally:
        _HELD.discard(fd)
        with contextlib.suppress(OSError):
            (folder / LOCK_NAME).unlink()  # before unlocking: the next run locks a new file
        os.close(fd)

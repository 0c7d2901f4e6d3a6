"""Run a derivation with a wall-clock budget.

On the main thread of a POSIX process a ``SIGALRM`` interval timer interrupts
the derivation (SymPy is pure Python, so the signal is delivered between
bytecodes) and the previous handler and timer are restored afterwards. Anywhere
else (worker threads, Windows) the call runs in a daemon thread that is
abandoned when the budget is spent: the caller gets control back on time, the
abandoned computation finishes in the background.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .errors import ProofTimeout

__all__ = ["call_with_timeout"]

T = TypeVar("T")


def _can_use_alarm() -> bool:
    return (
        hasattr(signal, "setitimer")
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )


def call_with_timeout(fn: Callable[[], T], timeout: float | None) -> T:
    """Call ``fn()``; raise :class:`ProofTimeout` if it runs longer than ``timeout`` s.

    Parameters
    ----------
    fn : callable
        Zero-argument callable.
    timeout : float or None
        Seconds; ``None`` means no limit.
    """
    if timeout is None:
        return fn()
    if timeout <= 0:
        raise ProofTimeout(f"timed out (budget {timeout} s)")
    if _can_use_alarm():
        return _with_alarm(fn, timeout)
    return _with_thread(fn, timeout)


def _with_alarm(fn, timeout):
    def handler(signum, frame):
        raise ProofTimeout(f"timed out after {timeout} s")

    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.getitimer(signal.ITIMER_REAL)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # re-arm an outer timer with what is left of it
            left = old_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), old_interval)


def _with_thread(fn, timeout):
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="verify-symbolic-proof")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ProofTimeout(f"timed out after {timeout} s")
    if "error" in box:
        raise box["error"]
    return box["value"]

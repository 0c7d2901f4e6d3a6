"""Wall-clock deadlines that hold, for symbolic derivations and explainer calls alike.

One mechanism serves the whole suite (a proof with ``timeout=``, each call of an
explainer under test). It is built to be *reliable*, not merely best effort:

* On the main thread of a POSIX process a ``SIGALRM`` interval timer fires at
  the deadline **and then again every** :data:`REPEAT` seconds until the
  deadline is released. A single alarm can be lost: its exception may be raised
  inside a callback whose exceptions Python discards (a garbage-collector
  callback, a ``__del__``), or be swallowed by an ``except BaseException`` in
  the code under the deadline. The next tick raises again, and the handler
  does not raise at all while it finds itself inside a gc callback, a
  finalizer or the unraisable hook (it retries a millisecond later).
* Anywhere else (a worker thread, e.g. on a Dask worker) :func:`call_with_deadline`
  runs the call in a helper thread and abandons it when the time is up (the
  caller regains control on time); a watchdog also injects the exception into
  the helper so that Python code stops soon after.
* Code that finishes *after* its deadline (because every alarm was swallowed)
  still raises :class:`DeadlineExceeded` on exit: a late result is never
  reported as if it had been on time. A proof that ran past its budget is
  therefore never "proved".
* :func:`check` is a cooperative checkpoint for long loops (the symbolic
  engine calls it), which also works where no signal can be delivered.

:class:`DeadlineExceeded` derives from ``BaseException`` so that the many
``except Exception`` blocks of SymPy and of user code do not swallow it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import TypeVar

__all__ = ["REPEAT", "DeadlineExceeded", "call_with_deadline", "check", "deadline", "remaining"]

T = TypeVar("T")

#: Seconds between repeated alarms once a deadline has passed.
REPEAT = 0.05


class DeadlineExceeded(BaseException):
    """A computation ran past its wall-clock budget.

    Attributes
    ----------
    seconds : float
        The budget that was exceeded.
    """

    seconds: float = 0.0

    def __init__(self, message: str | None = None):
        super().__init__(message or f"timed out after {self.seconds:g} s")


@dataclass(eq=False)
class _Deadline:
    seconds: float
    end: float
    error: type[DeadlineExceeded]
    thread: int
    released: bool = False
    fired: int = field(default=0)
    # the thread itself: its ident is reused by the next thread once it ends, and an
    # exception injected by ident would then kill a stranger (a thread still starting up,
    # whose starter then waits forever)
    owner: threading.Thread | None = None

    def expired(self) -> bool:
        return time.monotonic() >= self.end


_local = threading.local()


def _stack() -> list[_Deadline]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _error_type(seconds: float) -> type[DeadlineExceeded]:
    # One subclass per deadline: an exception *class* is what can be injected into
    # another thread, and it tells nested deadlines apart.
    return type("DeadlineExceeded", (DeadlineExceeded,), {"seconds": float(seconds)})


def remaining() -> float | None:
    """Seconds left before the innermost active deadline of this thread (None if none)."""
    active = [d for d in _stack() if not d.released]
    if not active:
        return None
    return min(d.end for d in active) - time.monotonic()


def check() -> None:
    """Raise :class:`DeadlineExceeded` if an active deadline of this thread has passed.

    A cooperative checkpoint: cheap (one clock read), so long loops may call it freely.
    """
    for d in _stack():  # outermost first: unwind as far as the earliest expired one
        if not d.released and d.expired():
            d.fired += 1
            raise d.error()


# -- signal-based enforcement (main thread) -------------------------------------------

_signal_state: dict[str, object] = {}


def _can_signal() -> bool:
    return (
        hasattr(signal, "setitimer")
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )


def _discarding(frame: FrameType | None) -> bool:
    """Is ``frame`` inside code whose exceptions Python discards?

    Garbage-collector callbacks (Hypothesis registers one), finalizers and the
    unraisable hook: an exception raised there is printed and dropped, so the
    alarm must wait until the code under the deadline runs again.
    """
    codes = set()
    for fn in [*gc.callbacks, sys.unraisablehook]:
        fn = getattr(fn, "func", fn)  # functools.partial
        fn = getattr(fn, "__func__", fn)  # bound method
        code = getattr(fn, "__code__", None)
        if code is not None:
            codes.add(code)
    while frame is not None:
        if frame.f_code in codes or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    if _discarding(frame):
        signal.setitimer(signal.ITIMER_REAL, 1e-3, REPEAT)  # try again in a moment
        return
    check()


def _arm(stack: list[_Deadline]) -> None:
    active = [d for d in stack if not d.released]
    if not active:
        signal.setitimer(signal.ITIMER_REAL, 0)
        previous = _signal_state.pop("handler", None)
        outer = _signal_state.pop("outer_timer", None)
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)  # type: ignore[arg-type]
        if outer is not None:  # re-arm a timer that was running before us
            delay, interval, started = outer  # type: ignore[misc]
            left = delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), interval)
        return
    if "handler" not in _signal_state:
        delay, interval = signal.getitimer(signal.ITIMER_REAL)
        if delay > 0:
            _signal_state["outer_timer"] = (delay, interval, time.monotonic())
        _signal_state["handler"] = signal.signal(signal.SIGALRM, _on_alarm)
    left = min(d.end for d in active) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4), REPEAT)


# -- injection-based enforcement (other threads) ----------------------------------------


def _inject(thread_id: int, error: type[BaseException]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(error))


def _watchdog(d: _Deadline) -> threading.Thread:
    def run() -> None:
        while not d.released:
            left = d.end - time.monotonic()
            if left > 0:
                time.sleep(min(left, 1.0))
                continue
            if d.owner is not None and not d.owner.is_alive():
                return  # the owner ended without releasing: its ident may be another's now
            _inject(d.thread, d.error)
            d.fired += 1
            time.sleep(REPEAT)

    watchdog = threading.Thread(target=run, daemon=True, name="verify-deadline-watchdog")
    watchdog.start()
    return watchdog


def _release(d: _Deadline, stack: list[_Deadline], use_signal: bool) -> None:
    d.released = True
    if d in stack:
        stack.remove(d)
    if use_signal:
        _arm(stack)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Run the enclosed block under a wall-clock budget of ``seconds`` (None: no budget).

    Raises
    ------
    DeadlineExceeded
        When the budget is spent, raised inside the block (repeatedly, until it
        propagates) or, if the block still completes, on leaving it.
    """
    if seconds is None:
        yield
        return
    seconds = float(seconds)
    error = _error_type(seconds)
    if not seconds > 0:
        raise error(f"timed out (budget {seconds:g} s)")
    stack = _stack()
    d = _Deadline(
        seconds,
        time.monotonic() + seconds,
        error,
        threading.get_ident(),
        owner=threading.current_thread(),
    )
    use_signal = _can_signal()
    stack.append(d)
    if use_signal:
        _arm(stack)
    else:
        _watchdog(d)
    try:
        yield
    finally:
        # An alarm may land in the first instructions here; retry until released.
        while True:
            try:
                _release(d, stack, use_signal)
                break
            except DeadlineExceeded:
                continue
    if d.expired():
        raise error()


def call_with_deadline(fn: Callable[[], T], seconds: float | None) -> T:
    """``fn()`` under a budget of ``seconds``; raise :class:`DeadlineExceeded` past it.

    On the main thread the call runs in place under :func:`deadline`. On any
    other thread it runs in a helper thread that is abandoned (with an
    exception injected into it) when the time is up, so that even a call
    blocked in C code cannot hold the caller.
    """
    if seconds is None:
        return fn()
    if _can_signal():
        with deadline(seconds):
            return fn()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            with deadline(seconds):
                box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    helper = threading.Thread(target=run, daemon=True, name="verify-deadline-call")
    helper.start()
    helper.join(seconds + 2 * REPEAT)
    if helper.is_alive():
        raise _error_type(seconds)()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]

"""Plumbing shared by every check: verdicts, the guarded call, the time limit.

A check is a plain function ``check_<name>(explainer, seed=0, settings=None)``
that returns a dict of figures when the explainer passes and raises
:class:`CheckFailure` (an ``AssertionError``, so pytest reports it as a test
failure) when it does not, or :class:`CheckSkipped` when it does not apply.

Every call of the explainer goes through :func:`call_explainer`: an exception,
a wrong shape, a non-finite value or a call past the check's time limit
becomes a :class:`CheckFailure` that records the reason, so the battery can go
on to the next check.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import unittest
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .explainer import Explainer

__all__ = [
    "CheckFailure",
    "CheckSkipped",
    "CheckTimeout",
    "Settings",
    "call_explainer",
    "deadline",
]


@dataclass(frozen=True)
class Settings:
    """Sizes and budgets of the battery.

    The defaults keep a fast numpy explainer's whole battery to a few seconds
    and a slow client's (captum LimeBase) to about a minute. The statistical
    guarantees (false alarm <= ``false_alarm`` per check) hold at any size;
    larger sizes only add power.

    Attributes
    ----------
    dim : int
        Dimension d of the test problems.
    replicates : int
        Independent seeds R per estimate (the spread of the explainer is
        estimated from them).
    n_convergence : int
        n at which the bias is tested.
    n_rate : tuple of int
        The two sample sizes compared by the rate check.
    n_exact : int
        n for checks whose identities hold exactly at any n.
    false_alarm : float
        Probability that a correct explainer fails one check.
    time_limit : float
        Seconds allowed per check (calls are interrupted where the platform allows).
    """

    dim: int = 3
    replicates: int = 30
    n_convergence: int = 2000
    n_rate: tuple[int, int] = (40, 4000)
    n_exact: int = 40
    false_alarm: float = 1e-6
    time_limit: float = 120.0

    def __post_init__(self) -> None:
        if self.dim < 2:
            raise ValueError("Settings.dim must be >= 2 (one feature cannot show sign errors)")
        if self.replicates < 8:
            raise ValueError("Settings.replicates must be >= 8 to estimate a spread")
        lo, hi = self.n_rate
        if not lo < hi:
            raise ValueError(f"Settings.n_rate must be increasing, got {self.n_rate}")
        if not 0 < self.false_alarm < 0.5:
            raise ValueError("Settings.false_alarm must be in (0, 0.5)")


DEFAULT_SETTINGS = Settings()


class CheckFailure(AssertionError):
    """The explainer failed a check; ``figures`` holds the numbers behind the verdict."""

    def __init__(self, message: str, figures: dict[str, Any] | None = None):
        super().__init__(message)
        self.figures = figures or {}


class CheckSkipped(unittest.SkipTest):
    """The check does not apply to this explainer (pytest reports a skip)."""


class CheckTimeout(CheckFailure):
    """The explainer ran past the check's time limit."""


@dataclass
class _Deadline:
    limit: float
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.limit - (time.monotonic() - self.start)


_ACTIVE: list[_Deadline] = []


def _timeout_message(limit: float) -> str:
    return (
        f"the explainer ran past the per-check time limit of {limit:g} s. Usual cause: it "
        "hangs, or is very slow for this n (raise Settings.time_limit if it is just slow)"
    )


@contextlib.contextmanager
def deadline(limit: float) -> Iterator[None]:
    """Enforce ``limit`` seconds on the enclosed check.

    Between explainer calls the remaining time is checked; on the main thread
    of a POSIX system a SIGALRM also interrupts a single call that hangs in
    Python code.
    """
    state = _Deadline(limit)
    _ACTIVE.append(state)
    use_alarm = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    previous = None
    if use_alarm:

        def _on_alarm(signum: int, frame: Any) -> None:
            raise CheckTimeout(_timeout_message(limit), {"time_limit": limit})

        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _ACTIVE.remove(state)


def _describe(f: Any, x0: Any, cov: Any, n: int, seed: int) -> str:
    return f"f={f!r}, x0={np.round(np.asarray(x0, float), 3).tolist()}, n={n}, seed={seed}"


def call_explainer(
    explainer: Explainer, f: Any, x0: Any, cov: Any, n: int, seed: int, check: str = ""
) -> np.ndarray:
    """Call the explainer on a valid input and insist on a finite (d,) float result.

    Raises
    ------
    CheckFailure
        If the explainer raises, returns the wrong shape or non-finite values, or
        the enclosing check's time limit has passed.
    """
    if _ACTIVE and _ACTIVE[-1].remaining() <= 0:
        raise CheckTimeout(_timeout_message(_ACTIVE[-1].limit), {"time_limit": _ACTIVE[-1].limit})
    try:
        out = explainer(f, x0, cov, n, seed)
    except CheckFailure:
        raise
    except Exception as exc:
        raise CheckFailure(
            f"{check} failed: the explainer raised {type(exc).__name__}: {exc} on a valid "
            f"input ({_describe(f, x0, cov, n, seed)}). Usual cause: a bug or a missing "
            "dependency in the explainer, or an input it wrongly refuses",
            {"exception": type(exc).__name__},
        ) from exc
    d = np.shape(x0)[-1]
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CheckFailure(
            f"{check} failed: the explainer returned a {type(out).__name__}, not a numeric "
            f"array of shape ({d},). Usual cause: a framework tensor or object returned as is; "
            "return a numpy.ndarray (torch: .detach().numpy())",
        ) from exc
    if arr.shape != (d,):
        raise CheckFailure(
            f"{check} failed: the explainer returned shape {arr.shape}, expected ({d},) for "
            f"one point in dimension {d} ({_describe(f, x0, cov, n, seed)}). Usual cause: a "
            "batch axis left on (use out[0] or out.reshape(-1))",
            {"shape": list(arr.shape)},
        )
    if not np.all(np.isfinite(arr)):
        raise CheckFailure(
            f"{check} failed: the explainer returned non-finite values {arr.tolist()} on a "
            f"valid input ({_describe(f, x0, cov, n, seed)}). Usual cause: a division by a "
            "zero variance or an overflow",
        )
    return arr

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
import contextvars
import unittest
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.deadline import DeadlineExceeded, call_with_deadline

from .explainer import Explainer

__all__ = [
    "CheckFailure",
    "CheckSkipped",
    "CheckTimeout",
    "Settings",
    "call_explainer",
    "call_time_limit",
    "guarded",
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
    time_limit : float or None
        Seconds allowed per call of the explainer (None: no limit). A call past it
        is interrupted and its check fails with "timed out after ... s"; the
        battery goes on with the next check.
    """

    dim: int = 3
    replicates: int = 30
    n_convergence: int = 2000
    n_rate: tuple[int, int] = (40, 4000)
    n_exact: int = 40
    false_alarm: float = 1e-6
    time_limit: float | None = 120.0

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


_CALL_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "explainer_call_limit", default=None
)


def _timeout_message(limit: float) -> str:
    return (
        f"timed out after {limit:g} s: one call of the explainer ran past the per-call time "
        "limit. Usual cause: it hangs, or is very slow for this n (raise Settings.time_limit, "
        "or --time-limit, if it is just slow)"
    )


@contextlib.contextmanager
def call_time_limit(limit: float | None) -> Iterator[None]:
    """Bound every explainer call made inside the block by ``limit`` seconds (None: no limit).

    Enforced by :mod:`verify.deadline` (a repeating alarm on the main thread, an
    abandoned helper thread elsewhere), so each call gets its full budget and a
    hung call never holds the battery.
    """
    token = _CALL_LIMIT.set(limit)
    try:
        yield
    finally:
        _CALL_LIMIT.reset(token)


def guarded(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` under the current per-call limit; a timeout becomes :class:`CheckTimeout`."""
    limit = _CALL_LIMIT.get()
    try:
        return call_with_deadline(lambda: fn(*args), limit)
    except DeadlineExceeded:
        raise CheckTimeout(_timeout_message(limit or 0.0), {"time_limit": limit}) from None


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
    try:
        out = guarded(explainer, f, x0, cov, n, seed)
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

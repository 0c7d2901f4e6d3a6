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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from properties import profiles
from properties.profiles import PROFILES as _PROFILES
from verify.deadline import DeadlineExceeded, call_with_deadline

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "PROFILES",
    "CheckFailure",
    "CheckSkipped",
    "CheckTimeout",
    "Settings",
    "call_explainer",
    "call_time_limit",
    "checked_output",
    "guarded",
]


#: The Settings fields an adapter may cap (:meth:`Settings.capped`).
_SIZE_FIELDS = frozenset(
    {
        "max_dim",
        "replicates",
        "n_convergence",
        "n_rate",
        "n_exact",
        "examples",
        "statistical_examples",
        "shrink_calls",
        "n_large",
    }
)


@dataclass(frozen=True)
class Settings:
    """Sizes and budgets of the battery.

    Every check is a seeded search over drawn problems
    (:mod:`properties.strategies.battery`); these settings size it. The
    statistical guarantee (false alarm <= ``false_alarm`` per check) holds at
    any size; larger sizes only add power. :meth:`for_profile` gives the
    presets of ``--profile dev|ci|thorough``; ``Settings()`` is ``ci``.

    Attributes
    ----------
    max_dim : int
        Largest dimension d drawn (every check draws d from 1 to it).
    replicates : int
        Adjacent explainer seeds R per estimate (the spread of the explainer is
        estimated from them).
    n_convergence : int
        Largest n of the bias checks (n is drawn up to it, odd, even and prime).
    n_rate : tuple of int
        The smaller and the larger sample size of the rate check; the larger one
        (2**16 by default) is the battery's large-n problem.
    n_exact : int
        Largest n of the checks whose identities hold exactly at any n.
    false_alarm : float
        Probability that a correct explainer fails one check.
    time_limit : float or None
        Seconds allowed per call of the explainer (None: no limit). A call past it
        is interrupted and its check fails with "timed out after ... s"; the
        battery goes on with the next check.
    examples : int
        Problems drawn per exact or contract check.
    statistical_examples : int
        Problems drawn per statistical check (each costs R calls or more).
    shrink_calls : int
        Judged calls spent shrinking a failure to the minimal problem (a statistical
        check spends :attr:`statistical_shrink_calls`, a quarter of it).
    min_dim : int
        Smallest dimension d drawn (default 1).
    dim : int, optional
        Fix the dimension: ``Settings(dim=k)`` means min_dim = max_dim = k (what
        ``dim`` meant before the battery drew d).
    n_large : tuple of int, optional
        The battery's large n: primes drawn in this range (default: the upper half of
        the rate check's range, ``(n_rate[1] // 2, n_rate[1])``, 2**15 to 2**16 in ``ci``:
        a multiple of no power-of-two chunk) for one problem of the affine,
        reproducibility and seed-sensitivity checks and a pair of "same seed, other n";
        the rate check's larger n is the largest prime not above ``n_rate[1]``.
    process_replay : bool
        Replay one call in a fresh interpreter with another ``PYTHONHASHSEED``
        (check_seed_reproducibility; about a second); ``dev`` skips it.
    """

    max_dim: int = 8
    replicates: int = 30
    n_convergence: int = 2000
    n_rate: tuple[int, int] = (48, 65536)
    n_exact: int = 512
    false_alarm: float = 1e-6
    time_limit: float | None = 120.0
    examples: int = 6
    statistical_examples: int = 3
    shrink_calls: int = 24
    min_dim: int = 1
    dim: int | None = None
    n_large: tuple[int, int] | None = None
    process_replay: bool = True

    def __post_init__(self) -> None:
        if self.dim is not None:
            object.__setattr__(self, "max_dim", int(self.dim))
            object.__setattr__(self, "min_dim", int(self.dim))
        if not 1 <= self.min_dim <= self.max_dim:
            raise ValueError(
                f"Settings needs 1 <= min_dim <= max_dim, got {self.min_dim}, {self.max_dim}"
            )
        if self.replicates < 8:
            raise ValueError("Settings.replicates must be >= 8 to estimate a spread")
        lo, hi = self.n_rate
        if not 8 <= lo < hi:
            raise ValueError(f"Settings.n_rate must be increasing from >= 8, got {self.n_rate}")
        if self.n_convergence < 32 or self.n_exact < 8:
            raise ValueError("Settings.n_convergence must be >= 32 and n_exact >= 8")
        if not 0 < self.false_alarm < 0.5:
            raise ValueError("Settings.false_alarm must be in (0, 0.5)")
        if self.n_large is None:
            object.__setattr__(self, "n_large", (max(8, self.n_rate[1] // 2), self.n_rate[1]))
        lo, hi = self.n_large
        if not 8 <= lo < hi:
            raise ValueError(f"Settings.n_large must be increasing from >= 8, got {self.n_large}")
        if self.examples < 1 or self.statistical_examples < 1 or self.shrink_calls < 0:
            raise ValueError("Settings.examples and statistical_examples must be >= 1")

    @property
    def statistical_shrink_calls(self) -> int:
        """Judged calls a statistical check spends shrinking: a quarter of ``shrink_calls``
        (each of its judgements costs R explainer calls or more, not one)."""
        return self.shrink_calls // 4

    def capped(self, caps: Mapping[str, Any] | None) -> Settings:
        """These settings with no size above ``caps`` (an adapter's ``battery_sizes``).

        Sizes only set a check's power, never its false-alarm rate, so a client whose
        every call loops in Python per sample (captum's Shapley samplers) declares
        smaller sizes to keep its battery within its budget. Numbers take the smaller
        of the two, pairs the smaller of each end; a capped ``n_rate`` re-derives
        ``n_large`` from it.
        """
        if not caps:
            return self
        unknown = sorted(set(caps) - _SIZE_FIELDS)
        if unknown:
            raise ValueError(f"unknown battery size(s) {unknown}; sizes: {sorted(_SIZE_FIELDS)}")
        changes: dict[str, Any] = {}
        for key, cap in caps.items():
            now = getattr(self, key)
            changes[key] = (
                tuple(min(a, b) for a, b in zip(now, cap, strict=True))
                if isinstance(now, tuple)
                else min(now, cap)
            )
        if "n_rate" in changes and "n_large" not in changes:
            changes["n_large"] = None
        return replace(self, **changes)

    @classmethod
    def for_profile(cls, profile: str, **overrides: Any) -> Settings:
        """The battery's sizes for ``--profile dev|ci|thorough`` (``ci`` is ``Settings()``).

        ``dev`` is quick (fewer problems and replicates, n up to 2**14); ``thorough``
        draws many more problems, shrinks further and reaches n = 2**18.
        """
        return cls(**{**profiles.profile(profile).battery, **overrides})


#: The presets of :meth:`Settings.for_profile`: the ``battery`` column of the one table of
#: profiles, :data:`properties.profiles.PROFILES`.
PROFILES: dict[str, dict[str, Any]] = {name: dict(p.battery) for name, p in _PROFILES.items()}


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
    return checked_output(out, np.shape(x0)[-1], check, lambda: _describe(f, x0, cov, n, seed))


def checked_output(out: Any, d: int, check: str, where: str | Callable[[], str]) -> np.ndarray:
    """``out`` as a finite float array of shape (d,), or a :class:`CheckFailure` saying why not.

    ``where`` describes the call (f, x0, n, seed) for the message (or makes the
    description: it is needed only when the output is wrong).
    """
    if isinstance(out, np.ndarray) and out.shape == (d,) and out.dtype.kind == "f":
        if np.all(np.isfinite(out)):
            return out.astype(float, copy=False)
    where = where() if callable(where) else where
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
            f"one point in dimension {d} ({where}). Usual cause: a "
            "batch axis left on (use out[0] or out.reshape(-1))",
            {"shape": list(arr.shape)},
        )
    if not np.all(np.isfinite(arr)):
        raise CheckFailure(
            f"{check} failed: the explainer returned non-finite values {arr.tolist()} on a "
            f"valid input ({where}). Usual cause: a division by a "
            "zero variance or an overflow",
        )
    return arr

"""Seeded Hypothesis searches that mean the same search everywhere.

Hypothesis mixes literal constants found in the *local* modules loaded so far
(test files and user modules included) into the data it generates, and caches
them on disk under ``.hypothesis/constants`` in the working directory. A seeded
search then changes with import history, with the project's own source (a new
literal anywhere) and even with whether that cache exists yet: the first run in
a fresh folder and the second gave different examples for the same seed.

:func:`no_local_constants` replaces the pool by an empty one for one block and
restores the previous one after it: the battery's searches, the call machine and
the suite's properties run inside it, so a user who installs the pytest plugin
keeps Hypothesis as it was (their own tests still see their own pool).
:func:`pin_local_constants` does the same for the rest of the process; only a
process that owns its whole test session calls it (this project's
``tests/conftest.py``). The same seed then gives the same examples in every
process, folder, worker and version of the project.
Both rely on Hypothesis internals; with a Hypothesis that has no such pool (older
releases) there is nothing to pin and they do nothing.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "derived_rng",
    "local_constants_pinned",
    "no_local_constants",
    "pin_local_constants",
    "search_seed",
]


def _providers() -> Any:
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - Hypothesis without local constants
        return None
    needed = ("_get_local_constants", "Constants", "CONSTANTS_CACHE")
    return providers if all(hasattr(providers, n) for n in needed) else None


def pin_local_constants() -> None:
    """Use an empty pool of local constants from now on in this process (idempotent)."""
    providers = _providers()
    if providers is None or getattr(providers, "_xai_verify_pinned", False):
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    providers._xai_verify_pinned = True


def local_constants_pinned() -> bool:
    """True when the pool is pinned (or this Hypothesis has none to pin)."""
    providers = _providers()
    return providers is None or bool(getattr(providers, "_xai_verify_pinned", False))


_POOL_LOCK = threading.Lock()
_POOL_STATE: dict[str, Any] = {"depth": 0, "original": None}


@contextmanager
def no_local_constants() -> Iterator[None]:
    """An empty pool of local constants inside the block, the previous one restored after.

    Re-entrant and thread-safe: blocks may nest or run at once in several threads (the
    checks of ``verify check --dask`` share a process); the pool is swapped when the first
    block opens and restored when the last one closes. Swapping it per block in each thread
    lost the original when two blocks interleaved, and cleared Hypothesis' cache of it at
    every exit, so every draw rescanned the loaded modules (a dask battery ran minutes
    instead of seconds).
    """
    providers = _providers()
    if providers is None:
        yield
        return
    with _POOL_LOCK:
        if _POOL_STATE["depth"] == 0:
            _POOL_STATE["original"] = providers._get_local_constants
            empty = providers.Constants()
            providers.CONSTANTS_CACHE.cache.clear()
            providers._get_local_constants = lambda: empty
        _POOL_STATE["depth"] += 1
    try:
        yield
    finally:
        with _POOL_LOCK:
            _POOL_STATE["depth"] -= 1
            if _POOL_STATE["depth"] == 0:
                providers._get_local_constants = _POOL_STATE["original"]
                _POOL_STATE["original"] = None
                providers.CONSTANTS_CACHE.cache.clear()


def search_seed(name: str, seed: int) -> int:
    """The Hypothesis seed of the search ``name`` at a check's ``seed``: the CRC-32 of
    ``"name/seed"`` (the same in every process and interpreter, unlike ``hash()``), so each
    check and each of its sub-searches draws its own problems from one user seed."""
    return zlib.crc32(f"{name}/{int(seed)}".encode())


def derived_rng(seed: int, salt: int) -> Any:
    """The numpy generator of one purpose of ``seed``: ``default_rng([seed, salt])``.

    Distinct salts give independent streams from the same seed, and none of them is the
    stream ``default_rng(seed)`` an explainer may draw from.
    """
    import numpy as np

    return np.random.default_rng([int(seed), int(salt)])

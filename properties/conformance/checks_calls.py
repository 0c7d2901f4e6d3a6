"""Checks of how calls relate: their order, their history, their neighbouring seeds.

* :func:`check_repeated_calls`: an answer depends only on the call's arguments,
  not on the calls made before it (the same f at other points, other functions,
  other seeds, in any order, and an equal f given as a new object);
* :func:`check_seed_independence`: the outputs at neighbouring seeds are as
  independent as at unrelated seeds (tested, not assumed: the statistical checks
  average replicates over blocks of adjacent seeds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .calls_machine import run_call_machine
from .common import case_options, resolve
from .runner import Settings
from .seed_streams import check_seed_independence, seed_independence_not_applicable

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["check_repeated_calls", "check_seed_independence", "seed_independence_not_applicable"]


def check_repeated_calls(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """What callers do across calls: a state machine of interleaved calls (:mod:`.calls_machine`).

    A sigma sweep, a rotated covariance, other points, n and seeds, a second model of
    the same family and shape (the same repr) with other weights, an equal model as a new
    object, repeats, and the caller writing into the answers it holds. A repeated call
    must give its first answer; a call that differs in f, x0, cov or n (or the seed, if
    stochastic) must not give an earlier call's answer bit for bit; no answer the caller
    holds may change. Catches caches keyed without cov, on the model's repr or without
    the point, a cache that returns its own array (corrupted by the caller's in-place
    normalisation), reused output buffers, and state carried from call to call.
    """
    name = "check_repeated_calls"
    s = resolve(settings)
    return run_call_machine(explainer, name, seed, s, case_options(explainer, s))

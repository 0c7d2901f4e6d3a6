"""Coalition checks, part 4: the random streams an explainer actually uses.

:func:`check_random_streams` makes, on each drawn problem (d = 5 or 6 whatever the
settings; an RBF mixture or a sine ridge, where every feature interacts, so two different
samples give different answers; n >= 64 draws among 2^5 = 32 or more masks, 60 or more
antithetic pairs or 120 or more permutations, so two seeds drawing the same multiset of
samples has probability below 10^-20, where at d = 3, with 3 antithetic pairs, it is a few
per cent), three calls:

1. a call must leave numpy's global generator (``np.random``'s legacy state), Python's
   ``random`` and, if torch is imported, torch's global generator untouched: an explainer
   drawing from (or reseeding) a global generator changes its caller's random stream and
   repeats or not depending on what ran before;
2. the same seed gives the same answer after another seed's call and after the global
   generators were reseeded (an explainer reading a global state it does not own fails);
3. a stochastic explainer gives three different answers at seeds s, s + 1, s + 2 (a fixed
   permutation or coalition sample reused for every seed fails), unless that one answer is
   the target itself (a sampler that enumerates every coalition once n allows, as shap's
   KernelExplainer does at n >= 2^d - 2, is exact there); a deterministic one the same answer.

The global generators are restored after every call, whatever the explainer did. No step is
statistical: no false alarm.
"""

from __future__ import annotations

import random
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks_coalitions import (
    CoalitionCase,
    case_options,
    coalition_cases,
    coalition_tolerance,
    exact_at_n,
    value_scale,
)
from .common import adjacent, fmt, resolve
from .runner import Settings, call_explainer
from .search import Finding, search

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .explainer import Explainer

__all__ = ["check_random_streams", "global_streams"]


def _states() -> dict[str, Any]:
    states: dict[str, Any] = {
        "numpy's global generator (np.random.*)": np.random.get_state(),  # noqa: NPY002 (the caller's state, restored)
        "Python's random module": random.getstate(),
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        states["torch's global generator"] = torch.random.get_rng_state()
    return states


def _restore(states: dict[str, Any]) -> None:
    for label, state in states.items():
        if label.startswith("numpy"):
            np.random.set_state(state)  # noqa: NPY002
        elif label.startswith("Python"):
            random.setstate(state)
        else:
            sys.modules["torch"].random.set_rng_state(state)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "numpy"):  # a torch tensor
        a, b = a.numpy(), b.numpy()
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@contextmanager
def global_streams() -> Iterator[list[str]]:
    """Yield a list that receives the global generators a block changed; restore them all."""
    before = _states()
    changed: list[str] = []
    try:
        yield changed
    finally:
        after = _states()
        changed += [k for k in before if not _same(before[k], after[k])]
        _restore(before)


def _reseed_globals(seed: int) -> None:
    np.random.seed(seed % 2**32)  # noqa: NPY002 (a deliberate global reseed)
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _touched(changed: list[str]) -> Finding:
    return Finding(
        f"a call changed {', '.join(changed)}",
        "the explainer draws from a global generator (np.random.permutation, np.random.choice, "
        "np.random.seed(seed) then np.random.*; random.shuffle; torch.randperm without a "
        "generator): draw from np.random.default_rng(seed) (or a torch.Generator seeded with "
        "seed), so the caller's streams are untouched and the answer depends on seed alone",
        {"changed": changed},
    )


def _calls(explainer: Explainer, name: str, case: CoalitionCase) -> dict[str, np.ndarray]:
    s0, s1, s2 = adjacent(case.seed, 3)

    def call(seed: int) -> np.ndarray:
        with global_streams() as changed:
            out = call_explainer(explainer, case.f, case.x, case.reference, case.n, seed, name)
        if changed:
            raise _touched(changed)
        return out

    first = call(s0)
    second, third = call(s1), call(s2)
    with global_streams():
        _reseed_globals(case.seed + 7919)
        again = call_explainer(explainer, case.f, case.x, case.reference, case.n, s0, name)
    return {"first": first, "second": second, "third": third, "again": again}


def check_random_streams(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Global generators untouched; same seed, same answer (whatever the global state);
    adjacent seeds, different answers (stochastic) or the same one (deterministic)."""
    name = "check_random_streams"
    s = resolve(settings)
    options = case_options(
        explainer, s, min_dim=5, max_dim=6, n_range=(64, s.n_exact), families=("rbf", "sine")
    )
    strategy = coalition_cases(**options)

    def judge(case: CoalitionCase, alpha: float) -> dict[str, Any]:
        outs = _calls(explainer, name, case)
        first = outs["first"]
        tol = coalition_tolerance(explainer, case, value_scale(np.abs(first), case, case.f))
        diff = float(np.max(np.abs(outs["again"] - first)))
        if diff > tol:
            raise Finding(
                f"seed {case.seed} gave {fmt(first)}, and again (after seeds {case.seed + 1}, "
                f"{case.seed + 2} and the global generators reseeded) {fmt(outs['again'])} "
                f"(max difference {diff:.3g}, tolerance {tol:.3g})",
                "the explainer reads a global generator or state carried from call to call "
                "(a generator created once and reused): seed a local generator with seed",
                {"first": first, "again": outs["again"], "difference": diff, "tolerance": tol},
            )
        trio = [first, outs["second"], outs["third"]]
        gaps = [float(np.max(np.abs(trio[i] - trio[j]))) for i, j in ((0, 1), (0, 2), (1, 2))]
        figures = {"outputs": trio, "differences": gaps}
        repeated = min(gaps) <= 1e-12 * max(float(np.max(np.abs(first))), 1e-300)
        if explainer.stochastic and repeated and exact_at_n(explainer, case, first, case.n):
            return {"worst": diff / tol, "exact_at_n": True}  # enumerated: one right answer
        if explainer.stochastic and repeated:
            raise Finding(
                f"seeds {adjacent(case.seed, 3)} gave identical answers at n = {case.n} "
                f"({fmt(first)}) although the explainer is declared stochastic",
                "the seed is ignored: one permutation or coalition sample reused for every "
                "seed (a hard-coded seed or random_state), or only its high bits used; if the "
                "explainer enumerates exactly, declare stochastic=False",
                figures,
            )
        if not explainer.stochastic and max(gaps) > tol:
            raise Finding(
                f"declared deterministic but seeds {adjacent(case.seed, 3)} gave {fmt(trio[0])}, "
                f"{fmt(trio[1])}, {fmt(trio[2])}",
                "the explainer samples: declare stochastic=True",
                figures,
            )
        return {"worst": diff / tol}

    return search(name, seed, s, strategy, judge, examples=s.examples)

"""Inputs drawn from a property strategy as the suite draws them, reproducibly.

:func:`draw_cases` runs a seeded Hypothesis search with shrinking off and
collects every generated example, as :func:`properties.suite.run_property`
generates them (same strategy, same pinned constant pool). The first example of
a run is Hypothesis' simplest one (all choices at their minimum), the same for
every seed, so it is dropped: the rest are treated as independent draws from the
strategy's distribution when a rate is bounded.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from properties.determinism import pin_local_constants


def draw_cases(strategy: Any, count: int, seed: int) -> list:
    """Up to ``count - 1`` examples of ``strategy`` from one seeded run (the first dropped)."""
    pin_local_constants()
    cases: list = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @hypothesis_seed(seed)
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases[1:]

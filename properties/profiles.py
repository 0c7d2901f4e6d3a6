"""The profiles ``dev``, ``ci`` and ``thorough`` of the testing library: one table.

Every number a profile sets in :mod:`properties` is a column of :data:`PROFILES`:

* ``property_examples``: Hypothesis examples per statement property
  (:func:`properties.suite.run_property`; a property's ``examples_scale`` multiplies it);
* ``property_resolution``: the relative bias a sized statement check must catch with
  probability >= 0.99 on every problem it judges (None: the check's own n;
  :func:`properties.theorems.check_theorem1` raises n until it does);
* ``counterexample_search``: the budget of the search for a counterexample to the
  published Theorem 2 constant (:data:`properties.theorems.theorem2_search.THEOREM2_PUBLISHED`;
  with Hypothesis alone 300 examples found one for 17 of seeds 0-19, 1000 for all 20);
* ``battery``: the conformance battery's settings that differ from ``Settings()``
  (:meth:`properties.conformance.runner.Settings.for_profile`; ``ci`` is the defaults).

``ci`` is the default everywhere; ``dev`` is quick local feedback, ``thorough`` the
release check (many more problems, larger n, longer shrinking).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["DEFAULT", "NAMES", "PROFILES", "Profile", "profile"]


@dataclass(frozen=True)
class Profile:
    """What one profile sets, in numbers (see the module docstring for each column)."""

    name: str
    property_examples: int
    counterexample_search: int
    battery: Mapping[str, Any]
    property_resolution: float | None = None


def _row(
    name: str,
    property_examples: int,
    search: int,
    /,
    resolution: float | None = None,
    **battery: Any,
) -> Profile:
    return Profile(name, property_examples, search, MappingProxyType(battery), resolution)


#: The table: one row per profile.
PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        "dev": _row(
            "dev",
            8,
            1000,
            replicates=20,
            n_convergence=1000,
            n_rate=(48, 2**14),
            examples=4,
            statistical_examples=2,
            shrink_calls=8,
            process_replay=False,
        ),
        "ci": _row("ci", 20, 1000),
        "thorough": _row(
            "thorough",
            200,
            3000,
            resolution=0.03,
            replicates=40,
            n_convergence=4000,
            n_rate=(48, 2**18),
            n_exact=2048,
            examples=40,
            statistical_examples=12,
            shrink_calls=100,
        ),
    }
)

#: The profile names, from the quickest to the most thorough.
NAMES: tuple[str, ...] = tuple(PROFILES)

#: The profile used when none is named.
DEFAULT = "ci"


def profile(name: str) -> Profile:
    """The row of profile ``name``; an unknown name is refused with the names that exist."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; use one of {', '.join(NAMES)}")
    return PROFILES[name]

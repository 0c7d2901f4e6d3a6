"""How long an explainer may take under ``verify``: per call, and for a whole battery.

The per-call limit is scaled to the work of the profile's largest call: the rate
check's larger sample size times the largest dimension drawn (n·d = 2**17 for
``dev``, 2**19 for ``ci``, 2**21 for ``thorough``), at 60 s per 2**19 perturbed
coordinates and never under 30 s. That allows about 115 µs per coordinate, 8 to
20 times what the slowest shipped client took per coordinate on a loaded two-core
machine (captum's LimeBase: 14 s for n = 2**16, d = 8). A battery has a budget of
four call limits; it also stops at its second check that timed out
(:mod:`verify.app.batteries`). So a hanging explainer costs about two call limits
(2 minutes at ``ci``; the battery's own default, 120 s per call for each of 19
checks, cost 38 minutes).

``--time-limit`` and ``--battery-budget`` override both. The table is written
out (``verify --help`` states it without importing the battery);
``tests/verify/app/test_limits.py`` checks it against the battery's profiles.
"""

from __future__ import annotations

__all__ = ["BUDGET_CALLS", "CALL_LIMITS", "battery_budget", "call_limit", "largest_call"]

#: Seconds per call, per profile: max(30, 60 * n·d / 2**19) of the profile's largest call.
CALL_LIMITS = {"dev": 30.0, "ci": 60.0, "thorough": 240.0}
#: A battery's budget, in call limits.
BUDGET_CALLS = 4


def largest_call(profile: str) -> int:
    """n·d of the profile's largest call (the rate check's larger n, the largest d)."""
    from properties.conformance.runner import Settings

    settings = Settings.for_profile(profile)
    return int(settings.n_rate[1] * settings.max_dim)


def call_limit(profile: str, time_limit: float | None = None) -> float:
    """The per-call limit: ``time_limit`` if given, else the profile's default."""
    if time_limit is not None:
        return float(time_limit)
    return CALL_LIMITS.get(profile, CALL_LIMITS["ci"])


def battery_budget(
    profile: str, budget: float | None = None, time_limit: float | None = None
) -> float:
    """A battery's budget: ``budget`` if given, else four per-call limits (a ``time_limit``
    above the profile's default raises it; one below leaves it)."""
    if budget is not None:
        return float(budget)
    default = CALL_LIMITS.get(profile, CALL_LIMITS["ci"])
    return BUDGET_CALLS * max(call_limit(profile, time_limit), default)

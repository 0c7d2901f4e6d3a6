"""What the reference kinds share: the signature, the ``delta`` tag, the contract checks.

The reference kinds are called ``explain(f, x, reference, n, seed) -> ndarray (d,)`` with
``reference`` a :class:`verify.attribution.Baseline` (or ``Background`` where the kind
accepts one) and n the number of steps or samples. Each kind's module declares what it
accepts (:func:`properties.conformance.attribution_contract.register_contract`) and lists
its checks: the contract checks of :data:`CONTRACT_RULES` first.
"""

from __future__ import annotations

from typing import Any

from ..attribution_contract import CONTRACT_CHECKS
from .base import CheckRule, Tag, flag

__all__ = ["CONTRACT_RULES", "DELTA_TAG", "SIGNATURE", "applies"]

SIGNATURE = "explain(f, x, reference, n, seed)"

_DELTA_HELP = (
    "True if explain returns (attributions, delta) with delta = sum(attributions) - "
    "(f(x) - f(b)) (captum's return_convergence_delta); False if it returns the attributions"
)
DELTA_TAG = Tag(_DELTA_HELP, flag(optional=False, help=_DELTA_HELP), False)


def applies(explainer: Any) -> str | None:
    """Every explainer of the kind: the check applies."""
    return None


CONTRACT_RULES: tuple[CheckRule, ...] = tuple((check, applies) for check in CONTRACT_CHECKS)

"""Property-based tests of the theory and a conformance battery for real explainers.

Submodules load on first access, so ``import properties`` (and the pytest
plugin it ships) stays cheap:

* :mod:`properties.strategies`  Hypothesis strategies (covariances, functions, points);
* :mod:`properties.theorems`    property checks of the paper's statements;
* :mod:`properties.conformance` the battery for any SmoothGrad / LIME implementation;
* :mod:`properties.adapters`    captum and lime wrapped as explainers (optional extras).

The battery's entry points are re-exported here: :class:`Explainer`,
:func:`check_explainer`, :func:`explainer_checks`, :func:`parametrize_with_checks`.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = ("adapters", "conformance", "strategies", "theorems")
_FROM_CONFORMANCE = ("Explainer", "check_explainer", "explainer_checks", "parametrize_with_checks")

__all__ = [*_FROM_CONFORMANCE, *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_CONFORMANCE:
        return getattr(importlib.import_module(f"{__name__}.conformance"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

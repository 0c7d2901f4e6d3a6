"""Deliberate errors in the engine, applied with pytest's monkeypatch.

:func:`scale_exact_answers` makes every exact figure of the engine ``factor``
times too large, consistently: the outermost ``moments`` call of every family
(E f, E[grad f] and Cov(x, f) together) is scaled once, so Stein's identity
Cov = Sigma E[grad f] still holds between the two routes, and only a comparison
with sampling can see the error.
"""

from __future__ import annotations

import threading
from typing import Any

from verify import functions as F
from verify.functions import base

__all__ = ["FAMILY_CLASSES", "scale_exact_answers"]

#: Every class whose ``moments`` the engine calls (the base class integrates numerically).
FAMILY_CLASSES = (
    base.Function,
    F.Polynomial,
    F.RBFMixture,
    F.RidgeFunction,
    F.Network,
    F.LinearCombination,
    F.Translated,
)
_depth = threading.local()


def scale_exact_answers(monkeypatch: Any, factor: float = 1.2) -> None:
    """Make every closed form (and quadrature) ``factor`` times too large, Stein-consistently."""

    def wrap(original: Any) -> Any:
        def moments(self: Any, X0: Any, cov: Any) -> Any:
            depth = getattr(_depth, "value", 0)
            _depth.value = depth + 1
            try:
                out = original(self, X0, cov)
            finally:
                _depth.value = depth
            return out.scaled(factor) if depth == 0 else out

        return moments

    for cls in FAMILY_CLASSES:
        if "moments" in cls.__dict__:
            monkeypatch.setattr(cls, "moments", wrap(cls.__dict__["moments"]))

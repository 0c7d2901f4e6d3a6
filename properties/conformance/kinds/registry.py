"""The registry of explainer kinds: ``kind=`` name -> :class:`~.base.Kind`.

:mod:`properties.conformance.kinds` fills it with every kind module's ``KIND`` when the
package is imported; :class:`~properties.conformance.explainer.Explainer` reads it here,
without importing the kinds' checks (which name ``Explainer`` in their signatures).
"""

from __future__ import annotations

import difflib

from verify.validation import InputError

from .base import Kind

__all__ = ["KINDS", "get_kind", "register"]

#: Every registered kind by its ``kind=`` name, in the order the help lists them.
KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    """Add kinds to :data:`KINDS`; a name registered twice is refused."""
    for kind in kinds:
        if kind.name in KINDS and KINDS[kind.name] is not kind:
            raise ValueError(f"explainer kind {kind.name!r} is registered twice")
        KINDS[kind.name] = kind


def get_kind(name: object) -> Kind:
    """The registered kind ``name``; an unknown one is an InputError listing the kinds."""
    if isinstance(name, str) and name in KINDS:
        return KINDS[name]
    close = difflib.get_close_matches(str(name), list(KINDS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = "; ".join(f"{k!r}: {kind.help}" for k, kind in KINDS.items())
    raise InputError(f"unknown kind={name!r}{hint}; declare one of {listing}")

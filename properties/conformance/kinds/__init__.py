"""The explainer kinds, registered in one place.

Each kind is one module holding a :class:`~.base.Kind`: its tags with their help,
its signature, its target (computed by the engine) and the checks that apply.
:class:`~properties.conformance.explainer.Explainer` and the battery read
:data:`KINDS`; adding a kind is adding a module and one line here.
"""

from __future__ import annotations

import difflib

from verify.validation import InputError

from . import (
    banzhaf,
    expected_gradients,
    gradient,
    gradient_x_input,
    integrated_gradients,
    lime_binary,
    occlusion,
    perturbation,
    shapley,
)
from .base import Kind, Tag

__all__ = ["KINDS", "Kind", "Tag", "get_kind"]

#: Every registered kind by its ``kind=`` name, in the order the help lists them.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        gradient.KIND,
        perturbation.KIND,
        integrated_gradients.KIND,
        gradient_x_input.KIND,
        occlusion.KIND,
        shapley.KIND,
        banzhaf.KIND,
        lime_binary.KIND,
        expected_gradients.KIND,
    )
}


def get_kind(name: object) -> Kind:
    """The registered kind ``name``; an unknown one is an InputError listing the kinds."""
    if isinstance(name, str) and name in KINDS:
        return KINDS[name]
    close = difflib.get_close_matches(str(name), list(KINDS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = "; ".join(f"{k!r}: {kind.help}" for k, kind in KINDS.items())
    raise InputError(f"unknown kind={name!r}{hint}; declare one of {listing}")

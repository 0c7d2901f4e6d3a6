"""The explainer kinds, registered in one place.

Each kind is one module holding a :class:`~.base.Kind`: its tags with their help,
its signature, its target (computed by the engine) and the checks that apply.
:class:`~properties.conformance.explainer.Explainer` and the battery read
:data:`KINDS`; adding a kind is adding a module and one line here.
"""

from __future__ import annotations

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
from .registry import KINDS, get_kind, register

__all__ = ["KINDS", "Kind", "Tag", "get_kind"]

register(
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

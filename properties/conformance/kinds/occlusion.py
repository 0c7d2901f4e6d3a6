"""``kind="occlusion"``: f(x) − v(N ∖ {i}), one feature at a time replaced by the reference.

Signature ``explain(f, x, reference, n, seed)``: reference a
:class:`verify.attribution.Baseline` (captum's ``Occlusion`` with one-feature windows and
``FeatureAblation``) or ``Background`` rows (the outputs averaged with the rows' weights,
not f at the mean row); n is not used (d + 1 evaluations of f). Target: the engine's
:func:`verify.attribution.occlusion`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.attribution import occlusion

from ..attribution_contract import ReferenceContract, register_contract
from ..checks_paths import check_affine_recovery, check_exactness
from ..checks_paths_semantics import check_reference_translation
from .base import Kind
from .reference import CONTRACT_RULES, SIGNATURE, applies

__all__ = ["KIND"]

register_contract("occlusion", ReferenceContract(("baseline", "background"), uses_n=False))


def occlusion_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The engine's occlusion values and their error bar."""
    result = occlusion(f, np.asarray(x, dtype=float), reference)
    return result.values, result.error


KIND = Kind(
    name="occlusion",
    help="the output change when one feature at a time goes to the reference (captum's "
    "Occlusion with one-feature windows, FeatureAblation)",
    signature=SIGNATURE,
    reference="baseline or background",
    tags={},
    target=occlusion_target,
    checks=(
        *CONTRACT_RULES,
        (check_affine_recovery, applies),
        (check_exactness, applies),
        (check_reference_translation, applies),
    ),
)

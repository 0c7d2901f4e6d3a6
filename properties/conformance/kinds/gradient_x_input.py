"""``kind="gradient_x_input"``: x ⊙ ∇f(x) (captum's InputXGradient).

Signature ``explain(f, x, reference, n, seed)``; the reference (a
:class:`verify.attribution.Baseline`) is validated but not used, nor is n. Target: the
engine's :func:`verify.attribution.gradient_x_input` (the a.e. gradient at kinks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.attribution import gradient_x_input

from ..attribution_contract import ReferenceContract, register_contract
from ..checks_paths import check_affine_recovery, check_exactness
from .base import Kind
from .reference import CONTRACT_RULES, SIGNATURE, applies

__all__ = ["KIND"]

register_contract("gradient_x_input", ReferenceContract(("baseline",), uses_n=False))


def gxi_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """x ⊙ ∇f(x) from the engine (exact for every family), with a zero error bar."""
    result = gradient_x_input(f, np.asarray(x, dtype=float))
    return result.values, result.error


KIND = Kind(
    name="gradient_x_input",
    help="x times the gradient at x (captum's InputXGradient)",
    signature=SIGNATURE,
    reference="baseline",
    tags={},
    target=gxi_target,
    checks=(*CONTRACT_RULES, (check_affine_recovery, applies), (check_exactness, applies)),
)

"""``kind="banzhaf"``: Banzhaf values 2^{1-d} sum_{S not i} (v(S + i) - v(S)).

Target: :func:`verify.attribution.banzhaf_values` (not efficient: no efficiency check).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify import attribution as A

from ..checks_coalitions_kinds import SIGNATURE, VALUE_TAG, coalition_checks, register
from .base import Kind

__all__ = ["KIND", "banzhaf_target"]


def banzhaf_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The Banzhaf value (exact: closed form or enumeration) and its error bar."""
    out = A.banzhaf_values(f, x, reference)
    return np.asarray(out.values), np.asarray(out.error)


register("banzhaf")

KIND = Kind(
    name="banzhaf",
    help="Banzhaf values of v(S) = f(x_S, reference elsewhere) (exact or sampled)",
    signature=SIGNATURE,
    reference="reference",
    tags={"value": VALUE_TAG},
    target=banzhaf_target,
    checks=coalition_checks(),
)

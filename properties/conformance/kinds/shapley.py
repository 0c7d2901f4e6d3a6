"""``kind="shapley"``: Shapley values of the game v(S) = f(x_S, reference elsewhere).

Target (:mod:`verify.attribution`): :func:`~verify.attribution.shapley_values` (a Baseline:
baseline Shapley; Background rows: the interventional value). With
``efficiency="penalty"`` (a KernelSHAP whose empty and full coalitions enter its regression
once each with weight W beside n unit-weight draws from the Shapley-kernel law, captum's
``KernelShap`` with W = 1e6), the population fit at n,
:func:`~verify.attribution.kernel_shap_penalised` with weight W / n: between the Shapley
value and the unconstrained limit, its efficiency violation growing with n / W
(docs/math.md, "KernelSHAP's limits").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from verify import attribution as A
from verify.validation import InputError

from ..checks_coalitions_kinds import SHAPLEY_OWN, SIGNATURE, VALUE_TAG, coalition_checks, register
from .base import Kind, Tag, choice, flag, optional_number

__all__ = ["KIND", "shapley_target"]

_HELP = {
    "efficiency": "whether sum phi = f(x) - v(empty): 'exact' (at every call: permutation "
    "sampling, exact enumeration, KernelSHAP with the constraint solved exactly), 'penalty' "
    "(a KernelSHAP whose empty and full coalitions carry a finite weight: declare penalty=W) "
    "or 'none' (no such guarantee: values sampled feature by feature)",
    "penalty": "the weight W of the empty and full coalitions in a penalty KernelSHAP, beside "
    "n unit-weight draws (captum's KernelShap: 1e6); required with efficiency='penalty'",
    "antithetic": "True if permutations come in reversed pairs (one pair is exact on games "
    "with at most pairwise interactions, at every even n)",
}

TAGS: Mapping[str, Tag] = {
    "value": VALUE_TAG,
    "efficiency": Tag(
        _HELP["efficiency"],
        choice("exact", "penalty", "none", help=_HELP["efficiency"]),
        example="exact",
    ),
    "penalty": Tag(_HELP["penalty"], optional_number(positive=True, help=_HELP["penalty"]), None),
    "antithetic": Tag(_HELP["antithetic"], flag(optional=False, help=_HELP["antithetic"]), False),
}


def _validate(tags: Mapping[str, Any]) -> None:
    if (tags["efficiency"] == "penalty") != (tags["penalty"] is not None):
        raise InputError(
            "declare penalty=W (the weight of the empty and full coalitions) together with "
            "efficiency='penalty', and only then (captum's KernelShap: efficiency='penalty', "
            f"penalty=1e6); got efficiency={tags['efficiency']!r}, penalty={tags['penalty']!r}"
        )


def shapley_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The Shapley value, or for a penalty KernelSHAP its finite-n population fit
    (:func:`verify.attribution.kernel_shap_penalised` with weight W / n)."""
    if explainer.efficiency == "penalty":
        out = A.kernel_shap_penalised(f, x, reference, explainer.penalty / n)
    else:
        out = A.shapley_values(f, x, reference)
    return np.asarray(out.values), np.asarray(out.error)


register("shapley")

KIND = Kind(
    name="shapley",
    help="Shapley values of v(S) = f(x_S, reference elsewhere) (exact, permutations, KernelSHAP)",
    signature=SIGNATURE,
    reference="reference",
    tags=TAGS,
    target=shapley_target,
    checks=coalition_checks(SHAPLEY_OWN),
    validate=_validate,
)

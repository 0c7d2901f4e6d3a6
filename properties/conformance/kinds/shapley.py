"""``kind="shapley"``: Shapley values of the game v(S) = f(x_S, reference elsewhere).

Target (:mod:`verify.attribution`): :func:`~verify.attribution.shapley_values` (a Baseline:
baseline Shapley; Background rows: the interventional value). With
``efficiency="penalty"`` (a KernelSHAP whose empty and full coalitions enter its regression
once each with weight W beside n unit-weight draws from the Shapley-kernel law P, captum's
``KernelShap`` with W = 1e6), the population fit lies between the Shapley value and the
unconstrained limit :func:`~verify.attribution.kernel_shap_limit` (``constrained=False``):

    beta(n) = phi + rho (beta_inf - phi),   rho = 1 / (1 + (W / n) d^2 / (2 Var_P |S|)),

so its efficiency violation is rho times the unconstrained one and grows with n / W.
Derivation: with beta = phi + t 1 (the optimum stays on that line, P and the two anchors
being exchangeable), the normal equations in (beta_0, t) give
t (Var_P |S| + lambda d^2 / 2) = Cov_P(|S|, v(S) - v(empty) - phi'z), lambda = W / n,
and lambda = 0 is the unconstrained limit's t (docs/math.md, "KernelSHAP's limits").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from verify import attribution as A
from verify.validation import InputError

from ..checks_coalitions_kinds import SHAPLEY_OWN, SIGNATURE, VALUE_TAG, coalition_checks, register
from .base import Kind, Tag, choice, flag, optional_number

__all__ = ["KIND", "penalty_share", "shapley_target"]

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


def penalty_share(d: int, ratio: float) -> float:
    """rho = 1 / (1 + ratio d^2 / (2 Var_P |S|)) for ratio = W / n (1 for d <= 2: then every
    proper coalition has one size and the penalty fit is the Shapley value whatever W)."""
    if d < 3:
        return 0.0
    s = np.arange(1, d)
    law = 1.0 / (s * (d - s))
    law /= law.sum()
    var = float(law @ s**2 - (law @ s) ** 2)
    return 1.0 / (1.0 + ratio * d * d / (2.0 * var))


def shapley_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The Shapley value, or for a penalty KernelSHAP its finite-n population fit."""
    exact = A.shapley_values(f, x, reference)
    value, error = np.asarray(exact.values), np.asarray(exact.error)
    d = value.size
    if explainer.efficiency == "penalty" and d >= 3:
        rho = penalty_share(d, explainer.penalty / n)
        limit = A.kernel_shap_limit(f, x, reference, constrained=False)
        value = value + rho * (np.asarray(limit.values) - value)
        error = error + rho * np.asarray(limit.error)
    return value, error


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

"""``kind="integrated_gradients"``: IG along the straight path, by a declared quadrature rule.

Signature ``explain(f, x, reference, n, seed)``: reference a
:class:`verify.attribution.Baseline` b, n the number of gradient evaluations (captum's
``n_steps``; the trapezoid's n nodes span n − 1 intervals, so it needs n >= 2). Tags:
``rule`` (the quadrature rule, required) and ``delta`` (a returned convergence delta).
Target: the engine's exact IG (:func:`verify.attribution.integrated_gradients`), the limit
of every rule; what each rule returns at n is judged by :mod:`..checks_paths_rules`.

A gradient-based IG (the a.e. gradient, as autograd) fails completeness across the jump
of a step link (``ig_step_function``): pass :data:`EXPECTED_FAILURES` as
``expected_failed_checks``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.attribution import integrated_gradients

from ..attribution_contract import ReferenceContract, register_contract
from ..checks_paths import (
    check_affine_recovery,
    check_completeness,
    check_exactness,
    check_rule_rate,
    check_rule_signature,
    exactness_not_applicable,
    rate_not_applicable,
)
from ..checks_paths_semantics import (
    STEP_LINK_REASON,
    antisymmetry_not_applicable,
    check_antisymmetry,
    check_homogeneity,
    check_reference_translation,
    check_step_completeness,
    homogeneity_not_applicable,
)
from .base import Kind, Tag, choice
from .reference import CONTRACT_RULES, DELTA_TAG, SIGNATURE, applies

__all__ = ["EXPECTED_FAILURES", "KIND", "RULES"]

RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")
_RULE_HELP = (
    "the quadrature rule on [0, 1] with n nodes: 'gausslegendre', 'riemann_left', "
    "'riemann_right', 'riemann_middle' or 'riemann_trapezoid' (captum's method names)"
)
#: The expected failure of every gradient-based IG (pass as expected_failed_checks).
EXPECTED_FAILURES = {"check_step_completeness": STEP_LINK_REASON}

register_contract("integrated_gradients", ReferenceContract(("baseline",), uses_n=True, min_n=2))


def ig_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The engine's exact IG from the reference to x, and its error bar."""
    result = integrated_gradients(f, np.asarray(x, dtype=float), reference)
    return result.values, result.error


KIND = Kind(
    name="integrated_gradients",
    help="Integrated Gradients from a baseline by a declared quadrature rule (captum's "
    "IntegratedGradients)",
    signature=SIGNATURE,
    reference="baseline",
    tags={
        "rule": Tag(_RULE_HELP, choice(*RULES, help=_RULE_HELP), example="gausslegendre"),
        "delta": DELTA_TAG,
    },
    target=ig_target,
    checks=(
        *CONTRACT_RULES,
        (check_affine_recovery, applies),
        (check_exactness, exactness_not_applicable),
        (check_rule_signature, applies),
        (check_rule_rate, rate_not_applicable),
        (check_completeness, applies),
        (check_reference_translation, applies),
        (check_antisymmetry, antisymmetry_not_applicable),
        (check_homogeneity, homogeneity_not_applicable),
        (check_step_completeness, applies),
    ),
)

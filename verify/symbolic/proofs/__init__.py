"""Symbolic proofs of the paper's statements, grouped as :mod:`properties.theorems` is.

=====================  ============================================================
:mod:`.equivalence`    Theorem 1 (generic polynomials, ridge functions, RBF
                       mixtures) and its boundary, the step function
:mod:`.robustness`     Theorem 2: the published constant disproved, the corrected
                       one attained
:mod:`.algebra`        Propositions 2 and 3
:mod:`.ridge_kernel`   Lemma 6 and kernel LIME
:mod:`.lfa`            local function approximation: gradient matching, recovery
:mod:`.ig`             Integrated Gradients: completeness, the step link, IG = Shapley
:mod:`.coalitions`     KernelSHAP and binary LIME as least squares over coalitions
:mod:`.game_axioms`    the axioms of the exact values, additive agreement
:mod:`.nfl`            the quantitative no-free-lunch statement
:mod:`.common`         budgets, verdicts, parameters, shared examples
=====================  ============================================================

Each statement's proofs are registered in :mod:`verify.catalogue` as provider
functions; :func:`prove_all` runs every registered provider in catalogue order.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from ...catalogue import CATALOGUE
from ..records import ProofRecord
from .algebra import prove_linearity, prove_proportionality, single_index_k
from .coalitions import prove_kernelshap_constrained, prove_lime_product_kernel
from .common import ALL_GENERIC_CLASSES, check_classes, generic_polynomial
from .equivalence import (
    prove_equivalence,
    prove_stein_step_function,
    prove_theorem1_generic,
    proved_polynomial_classes,
)
from .game_axioms import prove_shapley_axioms
from .ig import prove_ig_bshap_multilinear, prove_ig_completeness
from .lfa import prove_gradient_matching, prove_recovery
from .nfl import prove_nfl_gaussian
from .ridge_kernel import prove_kernel_lime, prove_lemma6
from .robustness import prove_theorem2_published, prove_theorem2_sharp

__all__ = [
    "ALL_GENERIC_CLASSES",
    "generic_polynomial",
    "prove_all",
    "prove_equivalence",
    "prove_gradient_matching",
    "prove_ig_bshap_multilinear",
    "prove_ig_completeness",
    "prove_kernel_lime",
    "prove_kernelshap_constrained",
    "prove_lemma6",
    "prove_lime_product_kernel",
    "prove_linearity",
    "prove_nfl_gaussian",
    "prove_proportionality",
    "prove_recovery",
    "prove_shapley_axioms",
    "prove_stein_step_function",
    "prove_theorem1_generic",
    "prove_theorem2_published",
    "prove_theorem2_sharp",
    "proved_polynomial_classes",
    "single_index_k",
]


def prove_all(
    *,
    generic_classes: Sequence[tuple[int, int]] = ALL_GENERIC_CLASSES,
    timeout: float | None = 120.0,
    classes: str = "default",
) -> list[ProofRecord]:
    """Every proof the catalogue registers (``classes="default"``: about 25 s on 2 cores).

    Parameters
    ----------
    generic_classes : sequence of (d, k)
        Generic polynomial classes for Theorem 1 (fully symbolic mean and cov);
        default every d <= 5, k <= 5.
    timeout : float, optional
        Per-proof budget in seconds.
    classes : {"default", "thorough"}
        Which function classes the providers prove (see each provider's docstring;
        ``thorough`` adds the heavier classes and takes minutes).

    Returns
    -------
    list of ProofRecord
        In catalogue order.
    """
    check_classes(classes)
    recs: list[ProofRecord] = []
    for statement in CATALOGUE:
        for name in statement.proofs:
            module, _, attr = name.partition(":")
            provider = getattr(importlib.import_module(module), attr)
            recs.extend(provider(generic_classes=generic_classes, timeout=timeout, classes=classes))
    return recs

"""``kind="expected_gradients"``: Monte Carlo Integrated Gradients over background rows.

Signature ``explain(f, x, reference, n, seed)``: reference a
:class:`verify.attribution.Background` (a :class:`~verify.attribution.Baseline` is accepted
as a one-row background, and the contract checks pass one), n the number of samples. Each
sample draws a row b (with probability its weight) and alpha ~ U(0, 1) and contributes
(x - b) * grad f(b + alpha (x - b)); the explainer returns their mean (captum's
``GradientShap`` with ``stdevs=0``, "expected gradients"). Stochastic by definition.

Target: the engine's exact IG averaged over the rows with their weights
(:func:`verify.attribution.integrated_gradients` with the Background), of which the mean of
the samples is unbiased at every n. Tag ``weighted``: True (default) if rows are drawn by
their weights; False if they are drawn uniformly (captum) and unequal weights are refused
with ValueError. The checks (:mod:`..checks_expected_gradients`): the reference kinds'
contract checks, exactness with one row and affine f (every sample exact), the row law,
unbiasedness and the n^-1/2 rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify.attribution import integrated_gradients

from ..attribution_contract import ReferenceContract, register_contract
from ..checks_expected_gradients import (
    check_expected_gradients_rate,
    check_expected_gradients_unbiased,
    check_row_weights,
    check_single_row_exactness,
)
from .base import Kind, Tag, flag
from .reference import CONTRACT_RULES, SIGNATURE, applies

__all__ = ["KIND", "expected_gradients_target"]

_WEIGHTED_HELP = (
    "True if background rows are drawn with probability their weight; False if they are "
    "drawn uniformly (captum's GradientShap: np.random.choice) and a Background with unequal "
    "weights is refused with ValueError"
)

# The contract checks (output, mutation, bad input, reproducibility, seed sensitivity) draw
# baselines: a one-row background, which every explainer of the kind accepts, and on which
# a weighted=False explainer is as correct as a weighted one. The rows' law is judged by
# check_row_weights and check_expected_gradients_unbiased.
register_contract("expected_gradients", ReferenceContract(("baseline",), uses_n=True, min_n=1))


def expected_gradients_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """IG from each row to x averaged with the row weights (the engine's, exact), and its
    error bar: the expectation of one sample, so the target at every n."""
    result = integrated_gradients(f, np.asarray(x, dtype=float), reference)
    return result.values, result.error


KIND = Kind(
    name="expected_gradients",
    help="Monte Carlo Integrated Gradients averaged over background rows: a random row and "
    "alpha ~ U(0, 1) per sample (captum's GradientShap with stdevs=0)",
    signature=SIGNATURE,
    reference="background",
    tags={"weighted": Tag(_WEIGHTED_HELP, flag(optional=False, help=_WEIGHTED_HELP), True)},
    target=expected_gradients_target,
    checks=(
        *CONTRACT_RULES,
        (check_single_row_exactness, applies),
        (check_row_weights, applies),
        (check_expected_gradients_unbiased, applies),
        (check_expected_gradients_rate, applies),
    ),
)

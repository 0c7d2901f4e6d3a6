"""What the two noise kinds share: explainers called as ``explain(f, x0, cov, n, seed)``.

SmoothGrad-like (``gradient``) and LIME-like (``perturbation``) explainers draw ``n``
perturbations under the covariance ``cov``; they share their tags (:mod:`.noise_tags`)
and the battery of :data:`CHECKS`. Each of the two kind modules adds its target.
"""

from __future__ import annotations

from typing import Any

from ..checks_affine import (
    check_proportionality_affine,
    check_small_sigma_limit,
    small_sigma_not_applicable,
)
from ..checks_calls import (
    check_repeated_calls,
    check_seed_independence,
    seed_independence_not_applicable,
)
from ..checks_contract import (
    check_input_validation,
    check_no_mutation,
    check_output_contract,
    check_seed_reproducibility,
    check_seed_sensitivity,
)
from ..checks_exact import (
    check_linearity,
    check_proportionality_single_index,
    check_scale_equivariance,
    check_translation_equivariance,
    scale_equivariance_not_applicable,
)
from ..checks_lipschitz import check_lipschitz_bound
from ..checks_rate import check_rate
from ..checks_statistical import (
    check_anisotropic_covariance,
    check_convergence,
    check_correlated_covariance,
    check_sign_and_scale,
)
from ..replay import check_process_replay, process_replay_not_applicable
from .base import CheckRule

__all__ = ["CHECKS"]


def _applies(explainer: Any) -> str | None:
    return None


#: The noise kinds' battery, in running order: each check with the rule that says
#: when it does not apply (a reason) to an explainer.
CHECKS: tuple[CheckRule, ...] = (
    (check_output_contract, _applies),
    (check_no_mutation, _applies),
    (check_input_validation, _applies),
    (check_seed_reproducibility, _applies),
    (check_seed_sensitivity, _applies),
    (check_seed_independence, seed_independence_not_applicable),
    (check_repeated_calls, _applies),
    (check_proportionality_affine, _applies),
    (check_proportionality_single_index, _applies),
    (check_linearity, _applies),
    (check_translation_equivariance, _applies),
    (check_scale_equivariance, scale_equivariance_not_applicable),
    (check_small_sigma_limit, small_sigma_not_applicable),
    (check_convergence, _applies),
    (check_rate, _applies),
    (check_anisotropic_covariance, _applies),
    (check_correlated_covariance, _applies),
    (check_lipschitz_bound, _applies),
    (check_sign_and_scale, _applies),
    (check_process_replay, process_replay_not_applicable),
)

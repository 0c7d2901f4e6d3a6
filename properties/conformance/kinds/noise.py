"""What the two noise kinds share: explainers called as ``explain(f, x0, cov, n, seed)``.

SmoothGrad-like (``gradient``) and LIME-like (``perturbation``) explainers draw ``n``
perturbations under the covariance ``cov``; they share their tags (the noise they
support, ridge and kernel declarations, the ``exact`` promise) and the battery of
:data:`CHECKS`. Each of the two kind modules adds its target.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verify.validation import InputError

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
from .base import CheckRule, Tag, choice, flag, optional_number

__all__ = ["CHECKS", "COVARIANCES", "SIGNATURE", "TAGS", "UNITS", "validate_noise_tags"]

COVARIANCES = ("isotropic", "diagonal", "full")
UNITS = ("raw", "standardized")
SIGNATURE = "explain(f, x0, cov, n, seed)"

_HELP = {
    "covariance": "the noise it supports: 'isotropic' (sigma^2 I), 'diagonal' or 'full'",
    "ridge_alpha": "sklearn Ridge(alpha) on the (weighted) sum of squares, or None",
    "ridge_lambda": "ridge in the mean-loss convention of docs/math.md#lemma-6, or None",
    "kernel_width": "Gaussian kernel weights exp(-d^2 / (2 kw^2)), or None",
    "units": "'raw' or 'standardized': coordinates of the kernel distance and the ridge "
    "penalty ('standardized' = x_j / sqrt(cov_jj), as lime does)",
    "exact": "True if the noise is a fixed, scale-equivariant function of (seed, n, cov) and "
    "the estimate is linear in f and exact on affine f (plain averages, least squares on "
    "z = L u, L the Cholesky factor): every identity is then tested call by call only; "
    "False if it holds only in expectation (importance weights, Stein's identity, Sigma^-1 "
    "times a sample covariance, noise seeded per instance, an SVD or eigen square root); "
    "None to let the battery find out",
}

#: The tags of both noise kinds, in the order ``Explainer.tags`` lists them.
TAGS: Mapping[str, Tag] = {
    "covariance": Tag(
        _HELP["covariance"],
        choice(*COVARIANCES, help=_HELP["covariance"]),
        example="full",
    ),
    "ridge_alpha": Tag(
        _HELP["ridge_alpha"], optional_number(positive=False, help=_HELP["ridge_alpha"]), None
    ),
    "ridge_lambda": Tag(
        _HELP["ridge_lambda"], optional_number(positive=False, help=_HELP["ridge_lambda"]), None
    ),
    "kernel_width": Tag(
        _HELP["kernel_width"], optional_number(positive=True, help=_HELP["kernel_width"]), None
    ),
    "units": Tag(_HELP["units"], choice(*UNITS, help=_HELP["units"]), "raw"),
    "exact": Tag(_HELP["exact"], flag(optional=True, help=_HELP["exact"]), None),
}


def validate_noise_tags(tags: Mapping[str, Any], *, gradient: bool) -> None:
    """The rules across the noise tags (one ridge; none for gradients; lime's units)."""
    if tags["ridge_alpha"] is not None and tags["ridge_lambda"] is not None:
        raise InputError(
            "declare the ridge once: ridge_alpha (sklearn's sum-of-squares alpha) or "
            "ridge_lambda (mean-loss lambda), not both"
        )
    if gradient and any(
        tags[t] is not None for t in ("ridge_alpha", "ridge_lambda", "kernel_width")
    ):
        raise InputError(
            "a gradient explainer has no ridge or kernel; drop ridge_*/kernel_width or "
            "declare kind='perturbation'"
        )
    if tags["units"] == "standardized" and tags["covariance"] == "full":
        raise InputError(
            "units='standardized' (per-feature scaling, as lime) is defined for "
            "covariance='diagonal' or 'isotropic' only"
        )


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

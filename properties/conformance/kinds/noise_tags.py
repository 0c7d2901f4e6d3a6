"""The two noise kinds' tags: what ``explain(f, x0, cov, n, seed)`` explainers declare.

SmoothGrad-like (``gradient``) and LIME-like (``perturbation``) explainers share their
tags (the noise they support, ridge and kernel declarations, the ``exact`` promise) and the
rules across them. Kept apart from the battery (:mod:`.noise`) so that
:class:`~properties.conformance.explainer.Explainer` reads them without the checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verify.validation import InputError

from .base import Tag, choice, flag, optional_number

__all__ = ["COVARIANCES", "SIGNATURE", "TAGS", "UNITS", "validate_noise_tags"]

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

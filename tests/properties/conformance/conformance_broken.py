"""A catalogue of deliberately broken explainers, one per usual mistake.

Each entry is (explainer, the check that targets the mistake, a phrase the
failure message must contain). Every explainer declares what a *correct*
implementation of it would declare; the bug is in the code.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from properties.conformance import Explainer
from verify import estimators
from verify.validation import as_covariance


def _noise(cov: Any, n: int, seed: int) -> np.ndarray:
    return estimators.draw_noise(cov, n, seed)


def abs_gradients(f, x0, cov, n, seed):
    """|grad f| averaged (captum Saliency's default abs=True)."""
    z = _noise(cov, n, seed)
    return np.abs(f.gradient(np.asarray(x0) + z)).mean(axis=0)


def variance_as_std(f, x0, cov, n, seed):
    """The covariance used as if it were the noise's square-root factor."""
    cov = as_covariance(cov, f.dim)
    u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return f.gradient(np.asarray(x0) + u @ cov.T).mean(axis=0)


def _ols(a: np.ndarray, y: np.ndarray, intercept: bool = True) -> np.ndarray:
    design = np.column_stack([a, np.ones(len(a))]) if intercept else a
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return coef[: a.shape[1]]


def no_intercept(f, x0, cov, n, seed):
    """C-LIME fitted by least squares without an intercept column."""
    a = np.asarray(x0) + _noise(cov, n, seed)
    return _ols(a, f(a), intercept=False)


def wrong_centre(f, x0, cov, n, seed):
    """SmoothGrad sampling around the training mean (the origin), not around x0."""
    as_covariance(cov, f.dim)
    np.asarray(x0, dtype=float)
    return f.gradient(_noise(cov, n, seed)).mean(axis=0)


def unscaled_noise(f, x0, cov, n, seed):
    """Per-feature standard deviations instead of the Cholesky factor: correlations lost."""
    cov = as_covariance(cov, f.dim)
    u = np.random.default_rng(seed).standard_normal((n, f.dim))
    return f.gradient(np.asarray(x0) + u * np.sqrt(np.diag(cov))).mean(axis=0)


def seed_ignored(f, x0, cov, n, seed):
    """A hard-coded seed: every call draws the same noise."""
    return estimators.smoothgrad(f, x0, cov, n, 0)


def global_rng(f, x0, cov, n, seed):
    """The global numpy generator, never seeded from ``seed``."""
    cov = as_covariance(cov, f.dim)
    z = np.random.standard_normal((n, f.dim)) @ np.linalg.cholesky(cov).T  # noqa: NPY002
    return f.gradient(np.asarray(x0) + z).mean(axis=0)


def off_by_one(f, x0, cov, n, seed):
    """An O(1/n) bias: the first sample is dropped but the sum is still divided by n."""
    z = _noise(cov, n, seed)
    return f.gradient(np.asarray(x0) + z[1:]).sum(axis=0) / n


def sign_flip(f, x0, cov, n, seed):
    """The sign of feature 0 flipped (a transposed or mirrored axis)."""
    out = estimators.smoothgrad(f, x0, cov, n, seed)
    out[0] = -out[0]
    return out


def uniform_noise(f, x0, cov, n, seed):
    """Uniform noise with the right covariance instead of Gaussian noise."""
    cov = as_covariance(cov, f.dim)
    u = np.random.default_rng(seed).uniform(-np.sqrt(3), np.sqrt(3), size=(n, f.dim))
    return f.gradient(np.asarray(x0) + u @ np.linalg.cholesky(cov).T).mean(axis=0)


def ridge_not_vanishing(f, x0, cov, n, seed):
    """C-LIME with a fixed mean-loss ridge lambda = 0.1 that never vanishes with n."""
    return estimators.clime(f, x0, cov, n, seed, ridge=0.1)


def n_capped(f, x0, cov, n, seed):
    """n silently capped at 256 (a batch size used as the sample size)."""
    return estimators.smoothgrad(f, x0, cov, min(n, 256), seed)


def mutates_x0(f, x0, cov, n, seed):
    """Standardises the caller's x0 in place before sampling."""
    cov = as_covariance(cov, f.dim)
    s = np.sqrt(np.diag(cov))
    x0 /= s  # the bug: the caller's array is modified
    z = np.random.default_rng(seed).standard_normal((n, f.dim)) @ np.linalg.cholesky(cov).T
    return f.gradient(x0 * s + z).mean(axis=0)


def no_validation(f, x0, cov, n, seed):
    """Takes sqrt(|diag(cov)|) without checking cov at all (isotropic noise assumed)."""
    scale = np.sqrt(np.abs(np.diagonal(np.atleast_2d(cov))))[0]
    z = np.random.default_rng(seed).standard_normal((max(int(n), 1), f.dim)) * scale
    return f.gradient(np.asarray(x0, dtype=float) + z).mean(axis=0)


def plain_gradient(f, x0, cov, n, seed):
    """The gradient at x0, no smoothing at all."""
    as_covariance(cov, f.dim)
    return f.gradient(np.asarray(x0, dtype=float))


def normalised(f, x0, cov, n, seed):
    """SmoothGrad rescaled to unit norm (as for a heat map)."""
    out = estimators.smoothgrad(f, x0, cov, n, seed)
    return out / np.linalg.norm(out)


def times_input(f, x0, cov, n, seed):
    """SmoothGrad x input: an attribution in output units, not a slope."""
    return estimators.smoothgrad(f, x0, cov, n, seed) * np.asarray(x0)


def batch_axis(f, x0, cov, n, seed):
    """Returns shape (1, d): a batch axis left on."""
    return estimators.smoothgrad(f, np.asarray(x0)[None, :], cov, n, seed)


def isotropic_silently(f, x0, cov, n, seed):
    """Declared isotropic, but uses cov[0, 0] for every feature instead of refusing."""
    cov = as_covariance(cov, f.dim)
    return estimators.smoothgrad(f, x0, cov[0, 0] * np.eye(f.dim), n, seed)


def hangs(f, x0, cov, n, seed):
    """Never returns in time."""
    time.sleep(3600)
    return np.zeros(f.dim)


def _grad(fn, **tags) -> Explainer:
    base = {"kind": "gradient", "covariance": "full", "stochastic": True}
    return Explainer(fn, **{**base, **tags})


def _pert(fn, **tags) -> Explainer:
    base = {"kind": "perturbation", "covariance": "full", "stochastic": True}
    return Explainer(fn, **{**base, **tags})


# (explainer, the check that targets the mistake, phrase in its failure message)
CATALOGUE: list[tuple[Explainer, str, str]] = [
    (_grad(abs_gradients), "check_sign_and_scale", "absolute values"),
    (_grad(variance_as_std), "check_sign_and_scale", "variance was passed"),
    (_pert(no_intercept), "check_proportionality_affine", "without intercept"),
    (_grad(wrong_centre), "check_translation_equivariance", "not centred at x0"),
    (_grad(unscaled_noise), "check_correlated_covariance", "Cholesky"),
    (_grad(seed_ignored), "check_seed_sensitivity", "seed argument is ignored"),
    (_grad(global_rng), "check_seed_reproducibility", "global generator"),
    (_grad(off_by_one), "check_proportionality_affine", "O(1/n) bias"),
    (_grad(sign_flip), "check_proportionality_single_index", "sign of feature(s) [0]"),
    (_grad(uniform_noise), "check_convergence", "not Gaussian"),
    (_pert(ridge_not_vanishing), "check_convergence", "does not vanish with n"),
    (_grad(n_capped), "check_rate", "n silently capped"),
    (_grad(mutates_x0), "check_no_mutation", "modified the caller's x0"),
    (_grad(no_validation, covariance="isotropic"), "check_input_validation", "not refused"),
    (_grad(plain_gradient, stochastic=False), "check_lipschitz_bound", "not smoothed"),
    (_grad(normalised), "check_linearity", "not linear in f"),
    (_grad(times_input), "check_scale_equivariance", "output units"),
    (_grad(batch_axis), "check_output_contract", "batch axis"),
    (
        _grad(isotropic_silently, covariance="isotropic"),
        "check_anisotropic_covariance",
        "instead of refusing",
    ),
]

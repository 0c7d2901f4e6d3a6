"""The paper's quantitative bounds, as published and as corrected (docs/math.md#statements).

Each function states which version it is. The published Theorem 2 constant is
kept only so that the suite can show it is false.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from .covariance import Covariance
from .validation import InputError

__all__ = [
    "SQRT_2_OVER_PI",
    "bounded_clime_lipschitz",
    "lipschitz_pinsker",
    "lipschitz_published",
    "lipschitz_sharp",
    "proposition1_radius",
    "proposition1_sample_size",
    "smoothgrad_difference_bound",
    "theorem3_published_sample_size",
    "total_variation_gaussians",
]

SQRT_2_OVER_PI = float(np.sqrt(2 / np.pi))


def _positive(value: float, name: str) -> float:
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _lambda_min(cov: Any) -> float:
    return float(Covariance.of(cov).eigenvalues[0])


def lipschitz_sharp(gradient_bound: float, cov: Any) -> float:
    """Sharp Lipschitz constant of SmoothGrad: sqrt(2/pi) * grad_max / sqrt(lambda_min(cov)).

    Corrected Theorem 2 (docs/math.md#theorem-2); attained by grad_max * |u^T x|
    with u the eigenvector of lambda_min.
    """
    return SQRT_2_OVER_PI * _positive(gradient_bound, "gradient_bound") / np.sqrt(_lambda_min(cov))


def lipschitz_pinsker(gradient_bound: float, cov: Any) -> float:
    """grad_max / sqrt(lambda_min): the paper's Pinsker route with the factor 2 kept."""
    return _positive(gradient_bound, "gradient_bound") / np.sqrt(_lambda_min(cov))


def lipschitz_published(gradient_bound: float, sigma: float) -> float:
    """Theorem 2 **as published**: grad_max / (2 sigma). False (docs/math.md#theorem-2)."""
    return _positive(gradient_bound, "gradient_bound") / (2 * _positive(sigma, "sigma"))


def total_variation_gaussians(x: Any, y: Any, cov: Any) -> float:
    """TV(N(x, cov), N(y, cov)) = 2 Phi(Delta / 2) - 1, Delta the Mahalanobis distance."""
    cov = Covariance.of(cov)
    diff = np.asarray(y, dtype=float) - np.asarray(x, dtype=float)
    delta = float(np.sqrt(diff @ cov.solve(diff)))
    return float(2 * ndtr(delta / 2) - 1)


def smoothgrad_difference_bound(gradient_bound: float, x: Any, y: Any, cov: Any) -> float:
    """The non-linear modulus ||SG(x) - SG(y)|| <= 2 grad_max TV(N(x, cov), N(y, cov))."""
    return 2 * _positive(gradient_bound, "gradient_bound") * total_variation_gaussians(x, y, cov)


def bounded_clime_lipschitz(bound: float, sigma: float) -> float:
    """Lipschitz constant of C-LIME for |f| <= B under sigma^2 I: 4 phi(1) B / sigma^2 (sharp).

    Needs no gradient, so it covers hard-label models where Theorem 2 does not apply.
    """
    phi1 = np.exp(-0.5) / np.sqrt(2 * np.pi)
    return 4 * phi1 * _positive(bound, "bound") / _positive(sigma, "sigma") ** 2


def _delta(delta: float) -> float:
    d = float(delta)
    if not 0 < d < 1:
        raise InputError(f"delta must be in (0, 1), got {delta!r}")
    return d


def proposition1_radius(gradient_bound: float, n: int, delta: float) -> float:
    """Dimension-free radius r with P(||SG_n - SG|| > r) <= delta.

    r = (G / sqrt(n)) (1 + sqrt(2 ln(1/delta))), by McDiarmid plus Jensen
    (docs/math.md#proposition-1).
    """
    g = _positive(gradient_bound, "gradient_bound")
    return g / np.sqrt(_positive(n, "n")) * (1 + np.sqrt(2 * np.log(1 / _delta(delta))))


def proposition1_sample_size(gradient_bound: float, epsilon: float, delta: float) -> int:
    """Smallest n with proposition1_radius(G, n, delta) <= epsilon."""
    g = _positive(gradient_bound, "gradient_bound")
    ratio = g / _positive(epsilon, "epsilon")
    return int(np.ceil(ratio**2 * (1 + np.sqrt(2 * np.log(1 / _delta(delta)))) ** 2))


def theorem3_published_sample_size(
    d: int, delta: float, epsilon: float, x_norm: float, sigma: float, constant: float = 1.0
) -> float:
    """Theorem 3's threshold as transcribed (docs/math.md#theorem-3), for qualitative trends only.

    n >= C d ln(d/delta) / min(eps delta^2, eps delta^3/||x||, ||x||, 1/sigma^2)^2.
    The formula mixes units and blows up as ||x|| -> 0 although C-LIME is
    translation-equivariant; do not use it as a numeric threshold.
    """
    delta = _delta(delta)
    eps = _positive(epsilon, "epsilon")
    xn = _positive(x_norm, "x_norm")
    s = _positive(sigma, "sigma")
    floor = min(eps * delta**2, eps * delta**3 / xn, xn, 1 / s**2)
    return constant * d * np.log(d / delta) / floor**2

"""Means over test points, standard errors from independent groups, and paired contrasts.

Test points are split into groups; points of one group share their
perturbations and groups are independent (see :mod:`~verify.app.replicate.experiments`).
A curve's value at each n is the weighted mean of the group means, its standard
error comes from the spread of the group means, and the group means themselves
are stored (``"groups"``, shape (G, B)) so that the claims can judge *paired*
comparisons (the same test points at two sample sizes, two estimators or two
sigmas): the point-to-point heterogeneity that dominates a curve's standard error
cancels in a ratio of two curves measured on the same points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["floats", "group_standard_error", "ratio", "summarise"]


def floats(values: Any) -> list:
    """A JSON-ready list: NaN (C-LIME undefined at n <= d) becomes None."""
    arr = np.asarray(values, dtype=float)
    return [None if not np.isfinite(v) else float(v) for v in arr.ravel()]


def summarise(values: np.ndarray, parts: list[np.ndarray]) -> dict[str, Any]:
    """Mean over points (axis 1) of ``values`` (B, m), its standard error and the group means.

    Returns ``{"mean": [B], "se": [B], "groups": [[B] per group]}`` (JSON-ready).
    """
    weights = np.array([p.size for p in parts], dtype=float)
    weights /= weights.sum()
    means = np.stack([values[:, p].mean(axis=1) for p in parts])  # (G, B)
    overall = weights @ means
    G = len(parts)
    se = np.sqrt(G / (G - 1) * np.sum((weights[:, None] * (means - overall)) ** 2, axis=0))
    return {"mean": floats(overall), "se": floats(se), "groups": [floats(m) for m in means]}


def group_standard_error(influence: np.ndarray, weights: np.ndarray) -> float:
    """Standard error of a weighted mean of independent groups from per-group influence values.

    sqrt(G / (G - 1) * sum_g (w_g psi_g)^2), the formula :func:`summarise` uses for a
    plain mean (psi_g = group mean - overall mean); weights sum to 1.
    """
    G = influence.size
    return float(np.sqrt(G / (G - 1) * np.sum((weights * influence) ** 2)))


def ratio(num: np.ndarray, den: np.ndarray, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """Ratio of two weighted means of group values and its per-group influence (delta method).

    r = (w . num) / (w . den); psi_g = (num_g - r den_g) / (w . den), so that
    r_hat - r ~ sum_g w_g psi_g and :func:`group_standard_error` gives its standard error.
    """
    num, den = np.asarray(num, float), np.asarray(den, float)
    mean_den = float(weights @ den)
    r = float(weights @ num) / mean_den
    return r, (num - r * den) / mean_den

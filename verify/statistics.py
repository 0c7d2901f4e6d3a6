"""Tolerances for Monte Carlo comparisons with a stated false-alarm probability.

A stochastic assertion "estimate == truth" is turned into
|estimate - truth| <= z * standard_error, with z chosen so that a correct
estimator fails with probability at most ``false_alarm`` *for the whole
assertion* (Bonferroni over its components). The standard error is either
known (e.g. tr Cov(grad f) / n for SmoothGrad) or estimated from the sample;
the normal quantile relies on the CLT, which is why callers keep n in the
hundreds or more.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import ndtri
from scipy.stats import binomtest

__all__ = [
    "DEFAULT_FALSE_ALARM",
    "POWER_Z",
    "binomial_upper_consistent",
    "detectable_relative_bias",
    "f_quantile",
    "normal_quantile",
    "split_budget",
    "t_quantile",
    "within_standard_errors",
]

DEFAULT_FALSE_ALARM = 1e-6
#: One-sided 0.99 normal quantile: the power every stated detectable bias is computed at.
POWER_Z = float(-ndtri(0.01))


def normal_quantile(false_alarm: float = DEFAULT_FALSE_ALARM, components: int = 1) -> float:
    """z with P(|N(0,1)| > z) = false_alarm / components (two-sided, Bonferroni)."""
    if not 0 < false_alarm < 1:
        raise ValueError(f"false_alarm must be in (0, 1), got {false_alarm}")
    return float(-ndtri(false_alarm / (2 * components)))


def t_quantile(alpha: float, components: int, dof: float) -> float:
    """t with P(|T_dof| > t) = alpha / components (two-sided, Bonferroni)."""
    return float(stats.t.isf(alpha / (2 * components), dof))


def f_quantile(alpha: float, dfn: float, dfd: float) -> float:
    """Upper ``alpha`` quantile of F(dfn, dfd)."""
    return float(stats.f.isf(alpha, dfn, dfd))


def detectable_relative_bias(
    truth: np.ndarray, standard_error: np.ndarray, quantile: float, floor: np.ndarray | float
) -> float:
    """The smallest relative bias a band test catches with probability >= 0.99.

    The test fails when |estimate - truth| > quantile * se + floor in some component.
    An estimator returning (1 + delta) times a correct estimate has error about
    N(delta mu_k, ((1 + delta) se_k)^2) in component k, so it fails with probability
    >= 0.99 once |delta| |mu_k| >= (quantile + z) (1 + delta) se_k + floor_k, z the
    one-sided 0.99 normal quantile (:data:`POWER_Z`): delta >= (band + floor) / (|mu| - band)
    with band = (quantile + z) se, for the best component. A downward bias (1 - delta)
    needs only (band + floor) / (|mu| + band), never more, so the upward figure is the one
    stated. ``inf`` when no component can see any bias (a zero truth, or a band wider than
    the truth).
    """
    mu = np.abs(np.asarray(truth, dtype=float))
    se = np.asarray(standard_error, dtype=float)
    band = (quantile + POWER_Z) * se
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        delta = np.where(mu > band, (band + floor) / (mu - band), np.inf)
    return float(np.min(delta)) if delta.size else float("inf")


def split_budget(false_alarm: float, assertions: int) -> float:
    """Per-assertion false-alarm probability (union bound over ``assertions``)."""
    if not 0 < false_alarm < 1:
        raise ValueError(f"false_alarm must be in (0, 1), got {false_alarm!r}")
    return false_alarm / assertions


def within_standard_errors(
    estimate: np.ndarray,
    truth: np.ndarray,
    standard_error: np.ndarray,
    false_alarm: float = DEFAULT_FALSE_ALARM,
    floor: float = 0.0,
) -> tuple[bool, float]:
    """Check every component of ``estimate`` against ``truth``.

    Returns ``(ok, worst)`` where ``worst`` is the largest |error| / tolerance
    (ok iff worst <= 1). ``floor`` adds an absolute slack for the truth's own
    error estimate (quadrature / QMC).
    """
    estimate, truth, se = np.broadcast_arrays(
        np.asarray(estimate, float), np.asarray(truth, float), np.asarray(standard_error, float)
    )
    z = normal_quantile(false_alarm, estimate.size)
    tol = z * se + floor + 1e-12
    worst = float(np.max(np.abs(estimate - truth) / tol))
    return worst <= 1.0, worst


def binomial_upper_consistent(
    failures: int, trials: int, rate: float, false_alarm: float = DEFAULT_FALSE_ALARM
) -> tuple[bool, float]:
    """Is observing ``failures`` in ``trials`` consistent with a true rate <= ``rate``?

    Exact one-sided binomial test; returns (consistent, p-value).
    """
    p = binomtest(failures, trials, rate, alternative="greater").pvalue
    return bool(p > false_alarm), float(p)

"""The bands of the statistical checks: pilot standard errors, seeds, tolerances.

Every stochastic assertion compares an estimate with a truth inside a band
``t_{alpha/(2k), dof} * SE + floor`` (two-sided, Bonferroni over k components).
The standard error SE is the estimator's own sampling standard deviation,
estimated from an *independent* pilot sample of the reference estimator's
summands (so a broken estimator under test cannot widen its own band), and
raised to an upper confidence limit to cover the pilot's own error. ``floor``
covers the truth's error estimate when the truth comes from quadrature or QMC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.statistics import t_quantile

__all__ = [
    "Band",
    "band",
    "child_rngs",
    "effective_count",
    "pilot_standard_error",
]

# The pilot variance is replaced by its upper PILOT_Z-standard-error confidence
# limit: s^2 (1 + PILOT_Z sqrt((kurtosis - 1) / n_pilot)).
PILOT_Z = 4.0


def child_rngs(seed: int | None, k: int) -> list[np.random.Generator]:
    """k independent generators spawned from ``seed`` (reproducible, no global state)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(k)]


def pilot_standard_error(
    summands: np.ndarray,
    n: int,
    *,
    range_bound: float | None = None,
    alpha: float = 1e-6,
) -> np.ndarray:
    """Upper-confidence standard error of a mean of n i.i.d. copies of the pilot's rows.

    Parameters
    ----------
    summands : ndarray, shape (n_pilot, k)
        Independent draws of the per-sample contribution (a gradient, an
        influence function value).
    n : int
        Sample size of the estimate whose standard error is wanted.
    range_bound : float, optional
        A bound B on the range of each component (e.g. 2 G for gradients of a
        G-Lipschitz f). A region of probability p the pilot never visited can add
        up to p B^2 to the variance; with confidence 1 - alpha such a region has
        p <= ln(1/alpha) / n_pilot, and that much is added. It covers a kink many
        standard deviations away (a rare event), where the pilot alone
        underestimates the spread.
    alpha : float
        Confidence level of that unseen-mass bound.
    """
    n_pilot = summands.shape[0]
    centred = summands - summands.mean(axis=0)
    var = np.mean(centred**2, axis=0) * n_pilot / (n_pilot - 1)
    # Kurtosis on standardised values: var**2 underflows for tiny (e.g. subnormal) spreads.
    sd = np.sqrt(var)
    standard = centred / np.where(sd > 0, sd, 1.0)
    kurt = np.where(sd > 0, np.mean(standard**4, axis=0), 1.0)
    upper = var * (1 + PILOT_Z * np.sqrt(np.maximum(kurt - 1, 0.0) / n_pilot))
    if range_bound is not None:
        upper = upper + np.log(1 / alpha) / n_pilot * range_bound**2
    return np.sqrt(upper / n)


def effective_count(psi: np.ndarray) -> float:
    """Smallest per-component (sum psi^2)^2 / sum psi^4 of influence values.

    How many samples carry the variance: about n for well-spread values, about
    1 when a rare region (a kink several standard deviations away) supplies it
    all, and 0 when the pilot saw no variation at all. A CLT band built on such
    a pilot is not trustworthy.
    """
    sq = np.asarray(psi, float) ** 2
    num = np.sum(sq, axis=0) ** 2
    den = np.sum(sq * sq, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ess = np.where(den > 0, num / den, 0.0)
    return float(np.min(ess))


@dataclass(frozen=True)
class Band:
    """An estimate-versus-truth comparison (all arrays of the same shape)."""

    ok: bool
    worst: float  # max |error| / tolerance; ok iff worst <= 1
    error: np.ndarray
    tolerance: np.ndarray
    quantile: float

    def summary(self) -> dict[str, Any]:
        return {
            "max_abs_error": float(np.max(np.abs(self.error))),
            "tolerance": self.tolerance,
            "worst_error_over_tolerance": self.worst,
            "quantile": self.quantile,
        }


def band(
    estimate: np.ndarray,
    truth: np.ndarray,
    standard_error: np.ndarray,
    alpha: float,
    dof: float,
    floor: np.ndarray | float = 0.0,
) -> Band:
    """|estimate - truth| <= t * SE + floor in every component (false alarm <= alpha)."""
    estimate = np.asarray(estimate, float)
    error = estimate - np.asarray(truth, float)
    q = t_quantile(alpha, error.size, dof)
    tol = q * np.asarray(standard_error, float) + floor + 1e-12 * (1 + np.abs(truth))
    worst = float(np.max(np.abs(error) / tol))
    return Band(bool(worst <= 1.0), worst, error, np.broadcast_to(tol, error.shape), q)

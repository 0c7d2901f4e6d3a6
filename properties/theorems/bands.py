"""The bands of the statistical checks: pilot standard errors, seeds, tolerances.

Every stochastic assertion compares an estimate with a truth inside a band
``t_{alpha/(2k), dof} * SE + floor`` (two-sided, Bonferroni over k components).
The standard error SE is the estimator's own sampling standard deviation,
estimated from an *independent* pilot sample of the reference estimator's
summands (so a broken estimator under test cannot widen its own band), and
raised to an upper confidence limit to cover the pilot's own error. ``floor``
covers only the truth's *stated* error estimate (quadrature or QMC) and
round-off: never the truth's distance to the pilot, which would absorb any
error in the truth itself.

The pilot is also a second witness of the truth: the reference estimator on the
pilot sample must land within its own band of the exact answer (a check of the
closed forms with sqrt(n_pilot / n) times the power of the estimator's band).

The C-LIME bands obey the *pilot-sample rule* (:func:`clime_pilot`): below
:data:`MIN_EFFECTIVE_COUNT` effective pilot samples (a kink many standard
deviations away carries the whole variance) the sandwich variance is unknown
and no C-LIME band is asserted. The rule depends on the problem and the
reference pilot only, never on the estimator under test or the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.asymptotics import clime_influence
from verify.functions import Function
from verify.statistics import t_quantile

__all__ = [
    "MIN_EFFECTIVE_COUNT",
    "NEGLIGIBLE_GRADIENT",
    "Band",
    "ClimePilot",
    "band",
    "child_rngs",
    "clime_pilot",
    "clime_roundoff",
    "effective_count",
    "pilot_standard_error",
]

# The pilot variance is replaced by its upper PILOT_Z-standard-error confidence
# limit: s^2 (1 + PILOT_Z sqrt((kurtosis - 1) / n_pilot)).
PILOT_Z = 4.0
#: The pilot-sample rule: below this many effective pilot samples the C-LIME
#: variance estimate is not trustworthy (rare-event regime) and no C-LIME band is
#: asserted. Its rate over the property strategies is measured in
#: tests/properties/test_escape_hatches.py.
MIN_EFFECTIVE_COUNT = 30.0
#: A gradient bound this small makes f constant to any precision a least-squares fit
#: resolves (Hypothesis draws coefficients such as 0.0 and 1e-263): the C-LIME bands
#: are then exact to round-off, and the pilot-sample rule does not apply.
NEGLIGIBLE_GRADIENT = 1e-50


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
    a pilot is not trustworthy. Scale-free: each component is divided by its
    largest magnitude first (tiny values, e.g. 1e-110, would underflow in psi^4).
    """
    psi = np.asarray(psi, float)
    top = np.max(np.abs(psi), axis=0) if psi.size else np.zeros(psi.shape[1:])
    sq = (psi / np.where(top > 0, top, 1.0)) ** 2
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


@dataclass(frozen=True)
class ClimePilot:
    """The reference C-LIME fit on an independent pilot sample, and what it licenses.

    Attributes
    ----------
    slope : ndarray, shape (d,)
        The reference (ridge, kernel) C-LIME fit on the pilot offsets.
    influence : ndarray, shape (n_pilot, d)
        Its per-sample influence values (their covariance is the sandwich variance).
    effective_count : float
        :func:`effective_count` of the influence values.
    asserted : bool
        The pilot-sample rule: True when f is exactly affine or has a gradient
        bound below :data:`NEGLIGIBLE_GRADIENT` (no residual: the bands are exact
        to round-off), or when at least :data:`MIN_EFFECTIVE_COUNT` samples
        carry the variance. A C-LIME band is asserted only then.
    """

    slope: np.ndarray
    influence: np.ndarray
    effective_count: float
    asserted: bool

    def standard_error(self, n: int) -> np.ndarray:
        """Upper-confidence standard error of C-LIME_n (n - d - 2: Gaussian-design correction)."""
        d = self.influence.shape[1]
        return pilot_standard_error(self.influence, n - d - 2)


def clime_pilot(
    f: Function,
    x0: np.ndarray,
    z: np.ndarray,
    *,
    ridge: float = 0.0,
    kernel_width: float | None = None,
) -> ClimePilot:
    """Fit the reference C-LIME on the pilot offsets ``z`` and apply the pilot-sample rule.

    Only residuals above round-off count as seen variation: a relu whose kink no
    pilot sample reached is affine on the whole pilot, its influence values are
    round-off noise, and that noise must not pass for thousands of effective samples.
    """
    slope, psi = clime_influence(f, x0, z, ridge=ridge, kernel_width=kernel_width)
    y = f(x0 + z)
    pi = (
        np.ones(len(z))
        if kernel_width is None
        else np.exp(-np.sum(z * z, 1) / (2 * kernel_width**2))
    )
    p = pi / pi.sum()
    fitted = (z - p @ z) @ slope
    residual = (y - p @ y) - fitted
    level = 1e-10 * (float(np.max(np.abs(y))) + float(np.max(np.abs(fitted))))
    ess = effective_count(psi * (np.abs(residual) > level)[:, None])
    G = f.gradient_bound
    exact = f.is_affine or (G is not None and G <= NEGLIGIBLE_GRADIENT)
    return ClimePilot(slope, psi, ess, bool(exact or ess >= MIN_EFFECTIVE_COUNT))


def clime_roundoff(f: Function, x0: np.ndarray, cov: np.ndarray, truth: np.ndarray) -> float:
    """Round-off allowance of a least-squares slope near ``truth`` (exactly affine f: r = 0).

    Centring f costs |f(x0)| eps, the solve multiplies by the whitened design's
    condition number sqrt(cond(cov)) and by 1/sqrt(lambda_min) back in input units;
    measured errors stay below 5e-16 of this scale, the allowance is 1e-10 of it.
    """
    eig = np.linalg.eigvalsh(cov)
    level = 1.0 + float(np.max(np.abs(truth))) + abs(float(f(x0))) / float(np.sqrt(eig[0]))
    return 1e-10 * level * float(np.sqrt(eig[-1] / eig[0]))

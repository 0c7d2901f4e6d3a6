"""The pieces of Theorem 3's check (:func:`~properties.theorems.sample_complexity.check_theorem3`).

* :class:`ClimeLimit` -- the CLT limit law sum_j lambda_j(V) chi^2_1 of
  (n - d - 2) ||w_n - w*||^2 for one problem: tr V, its QMC error bar, the
  order-statistic band of a sample median (:func:`median_band`) widened by that
  error bar, and the truth's allowance; :meth:`ClimeLimit.band` is the band at n.
* :class:`ReferenceGate` and :func:`reference_pilot` -- the reference fit on an
  independent pilot (a witness of the exact w*) and the applicability gate.
* :func:`clime_sweep` -- the estimator under test over the grid of n: the scaled
  errors, their medians against the band, the log-log slope (:class:`ClimeSweep`).
* :func:`translation_gap` -- translation equivariance of C-LIME_n with shared noise.
* :func:`published_trends`, :func:`chi2_ratio` and :data:`PUBLISHED_NOTES` -- the
  published formula's trends and what is wrong with it (reported, not asserted).
* :class:`Theorem3Run` -- all of the above for one run, and its verdict and bounds.

The sandwich variance V itself is computed by the caller, so that its one owner
(``sample_complexity.sandwich_variance``) is the one a test replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.stats import binom, chi2

from verify import bounds, estimators
from verify.functions import Function, Translated
from verify.statistics import t_quantile

from .bands import Band, ClimePilot, band, clime_pilot, clime_roundoff, pilot_standard_error
from .inputs import Estimator, exact_scale
from .records import FALSIFIED, NOT_APPLICABLE, VERIFIED

__all__ = [
    "PUBLISHED_NOTES",
    "ClimeLimit",
    "ClimeSweep",
    "ReferenceGate",
    "ReferencePilot",
    "Theorem3Run",
    "chi2_ratio",
    "clime_sweep",
    "median_band",
    "published_trends",
    "reference_pilot",
    "translation_gap",
]

#: What is wrong with the published threshold of Theorem 3 (docs/math.md#theorem-3).
PUBLISHED_NOTES = (
    "the published threshold takes a min over eps delta^2, eps delta^3/||x||, ||x|| and "
    "1/sigma^2, which carry different units: it is dimensionally inconsistent",
    "its ||x|| dependence (blow-up as ||x|| -> 0 and -> inf) is an artefact of the uncentred "
    "analysis: C-LIME_n is translation-equivariant (measured gap above), so the true sample "
    "size cannot depend on ||x||",
    "its delta dependence is polynomial; the CLT gives n ~ tr V * chi-square quantile / eps^2, "
    "logarithmic in 1/delta",
)


def median_band(eig: np.ndarray, repetitions: int, alpha: float) -> tuple[float, float]:
    """Quantiles (q_lo, q_hi) of the limit law sum_j lambda_j chi^2_1 bracketing a sample median.

    The median of R i.i.d. draws is below the a-quantile only if at least
    ceil(R/2) draws are, which has probability P(Bin(R, a) >= ceil(R/2)): a is
    set so that this is alpha/2, and symmetrically above. The bound is exact
    (order statistics), and the median ignores the few repetitions a rare
    region can spoil, unlike the mean. The quantiles of the law come from
    400,000 fixed-seed draws, widened by 2% for their own Monte Carlo error.
    """
    m = -(-repetitions // 2)
    a_lo = brentq(lambda a: binom.sf(m - 1, repetitions, a) - alpha / 2, 1e-12, 0.5)
    draws = np.random.default_rng(0).chisquare(1, size=(400_000, eig.size)) @ eig
    q_lo, q_hi = np.quantile(draws, [a_lo, 1 - a_lo])
    return 0.98 * float(q_lo), 1.02 * float(q_hi)


@dataclass(frozen=True)
class ClimeLimit:
    """The CLT limit law of (n - d - 2) ||w_n - w*||^2 and the median band it gives.

    Attributes
    ----------
    eig : ndarray
        Eigenvalues lambda_j(V) of the sandwich variance (clipped at 0).
    trace, trace_se : float
        tr V and the QMC standard error of it.
    q_lo, q_hi : float
        :func:`median_band` of the law, widened by t * (the relative QMC error of V),
        which scales the whole law.
    allowance : float
        The truth's own stated error plus the round-off of w_n (it matters when
        tr V = 0, e.g. an affine f, where w_n = w* exactly): never the truth's
        distance to a pilot.
    """

    eig: np.ndarray
    trace: float
    trace_se: float
    q_lo: float
    q_hi: float
    allowance: float

    @classmethod
    def of(
        cls, V: np.ndarray, trace_se: float, repetitions: int, alpha: float, allowance: float
    ) -> ClimeLimit:
        """The limit law of the sandwich variance ``V`` (8 QMC replicates, standard error
        ``trace_se`` of its trace) for a median of ``repetitions`` runs at level ``alpha``."""
        eig = np.clip(np.linalg.eigvalsh(V), 0, None)
        tr_v = float(eig.sum())
        rel = t_quantile(alpha, 1, 7) * trace_se / tr_v if tr_v > 0 else 0.0  # 8 replicates
        q_lo, q_hi = median_band(eig, repetitions, alpha)
        q_lo, q_hi = q_lo * max(0.0, 1 - rel), q_hi * (1 + rel)
        return cls(eig, tr_v, trace_se, q_lo, q_hi, allowance)

    def band(self, n: int, d: int) -> tuple[float, float]:
        """The band of the median of (n - d - 2) ||w_n - w*||^2 at n, widened by the allowance."""
        # ||e + b|| lies within ||e|| +- ||b|| for an offset b.
        spread = np.sqrt(n - d - 2) * self.allowance
        return max(0.0, np.sqrt(self.q_lo) - spread) ** 2, (np.sqrt(self.q_hi) + spread) ** 2


class ReferenceGate:
    """Is the *reference* C-LIME in its CLT regime at n? (Theorem 3's applicability gate.)

    The reference estimator on k disjoint chunks of an independent pilot sample
    must itself sit in the CLT band at n: the median of (n - d - 2) ||w_ref -
    w_pilot||^2 inside the order-statistic band of the limit law of the pilot's
    own sandwich variance, widened for the pilot fit's own error (a chi-square
    union bound at ``alpha``) and the variance estimate's (PILOT_Z standard
    errors). Where the residual lives on a rare region (a kink many standard
    deviations away) it does not: no sample of size n sees the region, and the
    limit law says nothing about w_n yet. Below the pilot-sample rule nothing is
    in the regime. With fewer than 10 chunks (n > n_pilot / 10) n is taken as in
    the regime. The gate reads neither the truth nor the estimator under test.
    """

    def __init__(self, pilot, z_chunks, f, x0, cov, repetitions: int, alpha: float) -> None:
        self.pilot, self.z, self.f, self.x0, self.cov = pilot, z_chunks, f, x0, cov
        self.repetitions, self.alpha = repetitions, alpha
        psi = pilot.influence
        n_pilot, d = psi.shape
        V = np.atleast_2d(np.cov(psi, rowvar=False))
        self.eig = np.clip(np.linalg.eigvalsh((V + V.T) / 2), 0, None)
        var = np.var(psi, axis=0, ddof=1)
        upper = pilot_standard_error(psi, 1) ** 2
        self.rel = float(np.max(np.where(var > 0, upper / np.where(var > 0, var, 1) - 1, 0.0)))
        # ||w_pilot - E w_pilot||^2 = sum_j lambda_j chi^2_1 <= tr V chi2_1.isf(alpha / d).
        self.centre = float(
            np.sqrt(self.eig.sum() * chi2.isf(alpha / d, 1) / max(n_pilot - d - 2, 1))
        )
        self.roundoff = clime_roundoff(f, x0, cov, pilot.slope)

    def in_clt_regime(self, n: int) -> bool:
        if not self.pilot.asserted:
            return False
        d = self.z.shape[1]
        k = min(self.repetitions, self.z.shape[0] // n)
        if k < 10:
            return True
        chunks = self.z[: k * n].reshape(k, n, d)
        w_ref = estimators.clime(self.f, np.tile(self.x0, (k, 1)), self.cov, None, noise=chunks)
        ref = float(np.median((n - d - 2) * np.sum((w_ref - self.pilot.slope) ** 2, axis=-1)))
        r_lo, r_hi = median_band(self.eig, k, self.alpha)
        r_lo, r_hi = r_lo * max(0.0, 1 - self.rel), r_hi * (1 + self.rel)
        spread = np.sqrt(n - d - 2) * (self.centre + self.roundoff)
        return max(0.0, np.sqrt(r_lo) - spread) ** 2 <= ref <= (np.sqrt(r_hi) + spread) ** 2


@dataclass(frozen=True)
class ReferencePilot:
    """Theorem 3's reference pilot: the fit on one pilot sample (``z``) and the gate.

    ``truth_band`` holds the exact w* against that fit (a witness of the closed
    form); ``gate`` says, on an independent second sample, whether the reference
    estimator is in its CLT regime at each n.
    """

    fit: ClimePilot
    z: np.ndarray
    truth_band: Band
    gate: ReferenceGate

    def failures(self) -> list[str]:
        """The truth-against-pilot failure, if the band is asserted and missed."""
        if self.fit.asserted and not self.truth_band.ok:
            return [
                f"the exact C-LIME is not where the reference fit on an independent pilot of "
                f"{self.z.shape[0]} lands (worst error/tolerance {self.truth_band.worst:.3g}): "
                "is a closed form or a family's Gaussian moments wrong?"
            ]
        return []


def reference_pilot(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    w_star: np.ndarray,
    limit: ClimeLimit,
    n_pilot: int,
    repetitions: int,
    alpha: float,
    rngs: tuple[np.random.Generator, np.random.Generator],
) -> ReferencePilot:
    """Draw the two pilot samples (``rngs``: the fit's, then the gate's) and build both parts.

    One sample fits the reference centre (and decides the pilot-sample rule), an
    independent one is cut into chunks that say whether the reference estimator is
    in its CLT regime at each n. Both decisions use the problem and the reference
    estimator only: not the truth, not the estimator under test.
    """
    d = f.dim
    chol = np.linalg.cholesky(cov)
    z_pilot = rngs[0].standard_normal((n_pilot, d)) @ chol.T
    z_chunks = rngs[1].standard_normal((n_pilot, d)) @ chol.T
    pilot = clime_pilot(f, x0, z_pilot)
    se = pilot.standard_error(n_pilot)
    truth_band = band(pilot.slope, w_star, se, alpha, n_pilot - d - 1, limit.allowance)
    gate = ReferenceGate(pilot, z_chunks, f, x0, cov, repetitions, alpha)
    return ReferencePilot(pilot, z_pilot, truth_band, gate)


@dataclass(frozen=True)
class ClimeSweep:
    """The estimator under test over the grid of n (only the n the gate lets in are measured).

    ``scaled_mse``, ``scaled_median`` and ``rms`` are per measured n; ``bands`` per n
    of the grid; ``slope`` is the log-log slope of the RMS error (NaN when w_n = w*
    exactly, e.g. an affine f, or with one measured n); ``failures`` the medians
    outside their bands.
    """

    grid: list[int]
    bands: list[list[float]]
    outside_clt: list[int]
    scaled_mse: list[float]
    scaled_median: list[float]
    rms: list[float]
    slope: float
    failures: list[str]

    @property
    def measured(self) -> list[int]:
        return [n for n in self.grid if n not in self.outside_clt]

    def observed(self) -> dict[str, Any]:
        """The sweep's figures, keyed by n, as ``check_theorem3`` reports them."""
        measured = self.measured
        return {
            "scaled_mse": dict(zip(map(str, measured), self.scaled_mse, strict=True)),
            "scaled_median": dict(zip(map(str, measured), self.scaled_median, strict=True)),
            "rms_error": dict(zip(map(str, measured), self.rms, strict=True)),
            "outside_clt_regime": self.outside_clt,
            "loglog_slope": self.slope,
        }


def clime_sweep(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    w_star: np.ndarray,
    grid: list[int],
    rngs: list[np.random.Generator],
    limit: ClimeLimit,
    gate: ReferenceGate,
    repetitions: int,
    clime_estimator: Estimator,
) -> ClimeSweep:
    """Run ``clime_estimator`` ``repetitions`` times at each n of ``grid`` (the i-th n with
    ``rngs[i]``) where the gate admits n, and test the median of (n - d - 2) ||w_n - w*||^2
    against ``limit.band(n, d)``."""
    d = f.dim
    bands, outside_clt, scaled_mse, scaled_median, rms, failures = [], [], [], [], [], []
    for n, rng in zip(grid, rngs, strict=False):
        lo, hi = limit.band(n, d)
        bands.append([float(lo), float(hi)])
        if not gate.in_clt_regime(n):
            outside_clt.append(n)
            continue
        w = np.asarray(clime_estimator(f, np.tile(x0, (repetitions, 1)), cov, n, rng), float)
        sq = np.sum((w - w_star) ** 2, axis=-1)
        scaled = (n - d - 2) * sq
        scaled_mse.append(float(scaled.mean()))
        scaled_median.append(float(np.median(scaled)))
        rms.append(float(np.sqrt(sq.mean())))
        if not lo <= scaled_median[-1] <= hi:
            failures.append(
                f"median of (n - d - 2) ||w_n - w*||^2 = {scaled_median[-1]:.4g} at n = {n} is "
                f"outside [{lo:.4g}, {hi:.4g}], the band of the CLT limit with tr V = "
                f"{limit.trace:.4g} (fewer samples used than claimed? no intercept? biased? "
                "a wrong w*?)"
            )
    # The slope is undefined when w_n = w* exactly (an affine f) or with one n.
    measured = [n for n in grid if n not in outside_clt]
    fit = len(measured) > 1 and min(rms) > 0
    slope = float(np.polyfit(np.log(measured), np.log(rms), 1)[0]) if fit else float("nan")
    return ClimeSweep(grid, bands, outside_clt, scaled_mse, scaled_median, rms, slope, failures)


def translation_gap(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    z: np.ndarray,
    translation: Any,
    clime_estimator: Estimator,
) -> tuple[float, float]:
    """Translation equivariance, sample by sample: C-LIME_n(f, x0) against
    C-LIME_n(f(. + t), x0 - t) on the same offsets ``z``.

    Returns
    -------
    gap, tolerance : float
        The largest coordinate gap, and its round-off tolerance (scaled by the
        slope, the shift and sqrt(cond(cov))).
    """
    d = f.dim
    shift = np.asarray(translation, float) if translation is not None else np.linspace(1.0, -2.0, d)
    w_here = np.asarray(clime_estimator(f, x0, cov, None, None, noise=z), float)
    w_moved = np.asarray(
        clime_estimator(Translated(f, shift), x0 - shift, cov, None, None, noise=z)
    )
    gap = float(np.max(np.abs(w_here - w_moved)))
    tol = (
        1e-7 * exact_scale(w_here) * (1 + float(np.max(np.abs(shift)))) * np.linalg.cond(cov) ** 0.5
    )
    return gap, tol


def published_trends(d: int, delta: float, epsilon: float, x_norm: float, sigma: float) -> dict:
    """theorem3_published_sample_size at (d, delta, epsilon, ||x||, sigma) and its ratios under
    sigma/10, sigma*10, ||x||/10, ||x||*10, delta/10 and 2d (up to the unknown constant C)."""
    ref = bounds.theorem3_published_sample_size(d, delta, epsilon, x_norm, sigma)
    return {
        "reference_n_over_C": ref,
        "sigma/10": bounds.theorem3_published_sample_size(d, delta, epsilon, x_norm, sigma / 10)
        / ref,
        "sigma*10": bounds.theorem3_published_sample_size(d, delta, epsilon, x_norm, sigma * 10)
        / ref,
        "|x|/10": bounds.theorem3_published_sample_size(d, delta, epsilon, x_norm / 10, sigma)
        / ref,
        "|x|*10": bounds.theorem3_published_sample_size(d, delta, epsilon, x_norm * 10, sigma)
        / ref,
        "delta/10": bounds.theorem3_published_sample_size(d, delta / 10, epsilon, x_norm, sigma)
        / ref,
        "2d": bounds.theorem3_published_sample_size(2 * d, delta, epsilon, x_norm, sigma) / ref,
    }


def chi2_ratio(eig: np.ndarray, delta: float, delta_small: float) -> float:
    """Ratio of upper quantiles of sum lambda_j chi^2_1 at delta_small and delta (by simulation
    with a fixed seed: a reported figure, not an assertion)."""
    draws = np.random.default_rng(0).chisquare(1, size=(200_000, eig.size)) @ eig
    return float(np.quantile(draws, 1 - delta_small) / np.quantile(draws, 1 - delta))


@dataclass(frozen=True)
class Theorem3Run:
    """What ``check_theorem3`` measured: the limit law, the reference pilot, the sweep
    over n, the translation gap and its tolerance, and the figures it reports."""

    limit: ClimeLimit
    reference: ReferencePilot
    sweep: ClimeSweep
    gap: float
    tolerance: float
    observed: dict[str, Any]

    def verdict(self) -> tuple[str, str]:
        """(status, message): falsified by any failed assertion; else not applicable when
        the gate left an n out; else verified."""
        failures = self.reference.failures() + self.sweep.failures
        if self.gap > self.tolerance:
            failures.append(
                f"C-LIME_n is not translation-equivariant (max gap {self.gap:.3g} > "
                f"{self.tolerance:.3g}): is the intercept fitted?"
            )
        if failures:
            return FALSIFIED, "; ".join(failures)
        pilot, outside_clt = self.reference.fit, self.sweep.outside_clt
        if outside_clt:
            return NOT_APPLICABLE, (
                f"the reference estimator is not in its CLT regime at n = {outside_clt} (the "
                "residual lives on a rare region, e.g. a kink far from x0"
                + (
                    ""
                    if pilot.asserted
                    else f": only {pilot.effective_count:.1f} effective pilot samples carry it"
                )
                + "): raise n; translation equivariance holds"
            )
        return VERIFIED, (
            f"(n - d - 2) E||w_n - w*||^2 = {[round(v, 4) for v in self.sweep.scaled_mse]} ~ "
            f"tr V = {self.limit.trace:.4g} (medians within the CLT band); log-log slope "
            f"{self.sweep.slope:.3f}; translation-equivariant (gap {self.gap:.1e})"
        )

    def bound(self) -> dict[str, Any]:
        """The bands, the truth's allowance, the pilot's decisions and the notes."""
        return {
            "trace_V": self.limit.trace,
            "trace_V_qmc_standard_error": self.limit.trace_se,
            "median_bands": dict(zip(map(str, self.sweep.grid), self.sweep.bands, strict=True)),
            "truth_allowance": self.limit.allowance,
            "truth_against_pilot": self.reference.truth_band.summary(),
            "clime_band_asserted": self.reference.fit.asserted,
            "clime_pilot_effective_count": self.reference.fit.effective_count,
            "expected_slope": -0.5,
            "translation_tolerance": self.tolerance,
            "notes": list(PUBLISHED_NOTES),
        }

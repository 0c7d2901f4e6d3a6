"""Finite-sample statements: Proposition 1 (SmoothGrad) and Theorem 3 (C-LIME).

* :func:`check_proposition1` -- with n >= (G/eps)^2 (1 + sqrt(2 ln(1/delta)))^2
  (the dimension-free McDiarmid bound, docs/math.md#proposition-1), the frequency of
  ||SG_n - SG|| > eps over independent repetitions is consistent with <= delta
  by an exact one-sided binomial test at level ``false_alarm``.
* :func:`check_theorem3` -- the published formula has an unknown constant, so
  what is checked is the CLT: n E||w_n - w*||^2 -> tr V with the sandwich
  variance V (computed by randomised QMC with an error bar); the log-log slope
  of the error (-1/2) and translation equivariance of C-LIME_n are measured;
  the published formula's trends are reported next to the measured ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import binom, chi2

from verify import bounds, closed_form, estimators
from verify.asymptotics import sandwich_variance
from verify.functions import Translated
from verify.statistics import binomial_upper_consistent, split_budget, t_quantile
from verify.validation import InputError

from .. import strategies as S
from .bands import band, child_rngs, clime_pilot, clime_roundoff, pilot_standard_error
from .inputs import (
    Estimator,
    check_false_alarm,
    check_inputs,
    check_n,
    default_clime,
    default_smoothgrad,
    exact_scale,
)
from .records import FALSIFIED, NOT_APPLICABLE, VERIFIED, CheckResult, StatementProperty

__all__ = ["PROPOSITION1", "THEOREM3", "check_proposition1", "check_theorem3"]


def check_proposition1(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    epsilon: float | None = None,
    n: int | None = None,
    delta: float = 0.1,
    repetitions: int = 200,
    seed: int = 0,
    false_alarm: float = 1e-6,
    gradient_bound: float | None = None,
    n_pilot: int = 20000,
    smoothgrad_estimator: Estimator = default_smoothgrad,
) -> CheckResult:
    """Check Proposition 1 (explicit, dimension-free form) on (f, x0, cov).

    Give exactly one of ``epsilon`` (then n = proposition1_sample_size(G, eps,
    delta)) and ``n`` (then eps = proposition1_radius(G, n, delta)). The
    estimator is run ``repetitions`` times with independent seeds; the number
    of runs with ||SG_n - SG|| > eps is tested against the rate delta by the
    exact one-sided binomial test. The distances are measured from the engine's
    exact SG, so that truth is itself checked first: the mean of ``n_pilot``
    independent reference gradients must lie within t * SE of it (SE from the
    pilot, with the unseen-mass term of range 2 G). The two assertions share
    ``false_alarm``.

    Returns
    -------
    CheckResult
        Statement "proposition1"; observed frequency, p-value, n, eps.
    """
    f, x0, cov = check_inputs(f, x0, cov)
    fa = check_false_alarm(false_alarm)
    repetitions = check_n(repetitions, 1, "the repetitions of Proposition 1")
    n_pilot = check_n(n_pilot, 100, "the pilot of Proposition 1")
    G = f.gradient_bound if gradient_bound is None else float(gradient_bound)
    if G is None or G <= 0:
        return CheckResult(
            "proposition1",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} has no positive finite gradient bound; pass gradient_bound=",
        )
    if (epsilon is None) == (n is None):
        raise InputError("give exactly one of epsilon (n is then derived) and n (eps is derived)")
    if n is None:
        n = bounds.proposition1_sample_size(G, epsilon, delta)
    else:
        n = check_n(n, 1, "Proposition 1")
        epsilon = bounds.proposition1_radius(G, n, delta)
    alpha = split_budget(fa, 2)
    truth = closed_form.ground_truth(f, x0, cov)
    sg = truth.moments.smoothgrad[0]
    sg_err = truth.moments.smoothgrad_error[0]
    # A quadrature truth is off by at most its error bar: widen eps by it so that a
    # correct estimator is never counted as an exceedance because of the truth.
    slack = 10 * float(np.linalg.norm(sg_err))
    rng, rng_pilot = child_rngs(seed, 2)
    grads = f.gradient(x0 + rng_pilot.standard_normal((n_pilot, f.dim)) @ np.linalg.cholesky(cov).T)
    se_pilot = pilot_standard_error(grads, n_pilot, range_bound=2 * G, alpha=alpha)
    truth_band = band(grads.mean(axis=0), sg, se_pilot, alpha, n_pilot - 1, 10 * sg_err)
    estimates = np.asarray(
        smoothgrad_estimator(f, np.tile(x0, (repetitions, 1)), cov, n, rng), float
    )
    distances = np.linalg.norm(estimates - sg, axis=-1)
    failures = int(np.sum(distances > epsilon + slack))
    consistent, pvalue = binomial_upper_consistent(failures, repetitions, delta, alpha)
    ok = consistent and truth_band.ok
    if ok:
        message = (
            f"{failures}/{repetitions} runs had ||SG_n - SG|| > eps = {epsilon:.4g} at n = {n}: "
            f"consistent with rate <= {delta} (p = {pvalue:.3g}); the exact SG matches a pilot "
            f"of {n_pilot} gradients"
        )
    elif not truth_band.ok:
        message = (
            f"the exact SG is not where {n_pilot} independent reference gradients land (worst "
            f"error/tolerance {truth_band.worst:.3g}): is a closed form or a family's Gaussian "
            f"moments wrong? ({failures}/{repetitions} runs exceeded eps = {epsilon:.4g})"
        )
    else:
        message = (
            f"{failures}/{repetitions} runs exceeded eps = {epsilon:.4g} at n = {n}, "
            f"inconsistent with rate <= {delta} (p = {pvalue:.3g}); is the estimator biased or "
            "its noise mis-scaled?"
        )
    return CheckResult(
        "proposition1",
        VERIFIED if ok else FALSIFIED,
        observed={
            "exceedances": failures,
            "repetitions": repetitions,
            "frequency": failures / repetitions,
            "p_value": pvalue,
            "mean_distance": float(distances.mean()),
            "max_distance": float(distances.max()),
            "pilot_smoothgrad": grads.mean(axis=0),
        },
        bound={
            "epsilon": epsilon,
            "delta": delta,
            "n": int(n),
            "gradient_bound": G,
            "truth": sg,
            "truth_against_pilot": truth_band.summary(),
        },
        false_alarm=fa,
        assertions=2,
        seed=seed,
        counterexample=None
        if ok
        else {"f": f.to_spec(), "x0": x0, "cov": cov, "n": int(n), "epsilon": epsilon}
        | {"delta": delta, "repetitions": repetitions, "seed": seed},
        message=message,
    )


def _median_band(eig: np.ndarray, repetitions: int, alpha: float) -> tuple[float, float]:
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


def _published_trends(d: int, delta: float, epsilon: float, x_norm: float, sigma: float) -> dict:
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


class _ReferenceGate:
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
        r_lo, r_hi = _median_band(self.eig, k, self.alpha)
        r_lo, r_hi = r_lo * max(0.0, 1 - self.rel), r_hi * (1 + self.rel)
        spread = np.sqrt(n - d - 2) * (self.centre + self.roundoff)
        return max(0.0, np.sqrt(r_lo) - spread) ** 2 <= ref <= (np.sqrt(r_hi) + spread) ** 2


def check_theorem3(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    n_grid: Sequence[int] = (200, 800, 3200),
    repetitions: int = 200,
    seed: int = 0,
    false_alarm: float = 1e-6,
    translation: Any = None,
    trends: bool = True,
    n_pilot: int = 20000,
    clime_estimator: Estimator = default_clime,
) -> CheckResult:
    """Check what can be checked of Theorem 3: the CLT rate of empirical C-LIME.

    Assertions (``false_alarm`` split over ``len(n_grid)`` + 2, union bound):

    * the exact w* (the engine's Sigma^{-1} Cov(x, f)) is where the reference
      fit on an independent pilot of ``n_pilot`` lands, within t * SE of the
      pilot's sandwich variance (an error in the exact answer is seen here);
    * for each n in ``n_grid``, the median over ``repetitions`` runs of
      (n - d - 2) ||w_n - w*||^2 lies in the exact order-statistic band of the
      CLT limit law sum_j lambda_j(V) chi^2_1 (whose mean is tr V; n - d - 2 is
      the Gaussian-design finite-n correction), widened by the QMC error bar of
      V and by the truth's stated error and round-off (never by the truth's
      distance to a pilot). The median, not the mean, is asserted: a rare region
      (a kink far from x0) hit by one repetition moves the mean arbitrarily but
      the median hardly, and no distribution-free band for the mean has useful
      power. The mean (n - d - 2) E||w_n - w*||^2, which tends to tr V, is
      reported. The applicability gate (:class:`_ReferenceGate`): an n at which
      the reference estimator itself (on disjoint chunks of a second pilot,
      around the first pilot's fit) is outside its own CLT band, or every n when
      the pilot-sample rule fails, is not in the CLT regime yet: it is skipped,
      and the result is "not_applicable" if no assertion failed;
    * translation equivariance, exact to round-off:
      C-LIME_n(f, x0) == C-LIME_n(f(. + t), x0 - t) with shared noise.

    Reported, not asserted: the fitted log-log slope of the RMS error (-1/2
    expected), and the published formula's trends (theorem3_published_sample_size
    under sigma/10, ||x|| x 10 and / 10, delta/10, 2d) next to the measured
    ones (tr V at sigma/10; the measured ||x|| dependence is none, by
    equivariance). The published formula is dimensionally inconsistent and its
    ||x|| dependence is an artefact of the uncentred analysis (docs/math.md#theorem-3).
    """
    f, x0, cov = check_inputs(f, x0, cov)
    d = f.dim
    fa = check_false_alarm(false_alarm)
    grid = [check_n(int(n), 10 * (d + 1), "Theorem 3's CLT") for n in n_grid]
    repetitions = check_n(repetitions, 10, "Theorem 3's repetitions")
    if not f.absolutely_continuous:
        return CheckResult(
            "theorem3", NOT_APPLICABLE, seed=seed, message=f"{f!r} has jumps; see theorem 1"
        )
    alpha = split_budget(fa, len(grid) + 2)
    truth = closed_form.ground_truth(f, x0, cov)
    w_star, w_err = truth.clime[0], truth.clime_error[0]
    rngs = child_rngs(seed, len(grid) + 3)
    V, tr_se = sandwich_variance(f, x0, cov, seed=int(rngs[-1].integers(2**31)))
    eig = np.clip(np.linalg.eigvalsh(V), 0, None)
    tr_v = float(eig.sum())
    # The QMC error of V scales the whole limit law: widen by t * (its relative error).
    rel = t_quantile(alpha, 1, 7) * tr_se / tr_v if tr_v > 0 else 0.0  # 8 replicates
    q_lo, q_hi = _median_band(eig, repetitions, alpha)
    q_lo, q_hi = q_lo * max(0.0, 1 - rel), q_hi * (1 + rel)
    # The truth's own stated error and the round-off of w_n (it matters when tr V = 0,
    # e.g. an affine f, where w_n = w* exactly): never the truth's distance to a pilot.
    allowance = float(np.linalg.norm(w_err)) + clime_roundoff(f, x0, cov, w_star)

    # The reference pilot: one sample fits the reference centre (and decides the
    # pilot-sample rule), an independent one is cut into chunks that say whether the
    # reference estimator is in its CLT regime at each n. Both decisions use the problem
    # and the reference estimator only: not the truth, not the estimator under test.
    chol = np.linalg.cholesky(cov)
    z_pilot = rngs[-2].standard_normal((n_pilot, d)) @ chol.T
    z_chunks = rngs[-3].standard_normal((n_pilot, d)) @ chol.T
    pilot = clime_pilot(f, x0, z_pilot)
    truth_band = band(
        pilot.slope, w_star, pilot.standard_error(n_pilot), alpha, n_pilot - d - 1, allowance
    )
    gate = _ReferenceGate(pilot, z_chunks, f, x0, cov, repetitions, alpha)
    scaled_mse, scaled_median, rms, bands = [], [], [], []
    failures, outside_clt = [], []
    if pilot.asserted and not truth_band.ok:
        failures.append(
            f"the exact C-LIME is not where the reference fit on an independent pilot of "
            f"{n_pilot} lands (worst error/tolerance {truth_band.worst:.3g}): is a closed form "
            "or a family's Gaussian moments wrong?"
        )
    for n, rng in zip(grid, rngs, strict=False):
        # ||e + b|| lies within ||e|| +- ||b|| for an offset b.
        spread = np.sqrt(n - d - 2) * allowance
        lo = max(0.0, np.sqrt(q_lo) - spread) ** 2
        hi = (np.sqrt(q_hi) + spread) ** 2
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
                f"outside [{lo:.4g}, {hi:.4g}], the band of the CLT limit with tr V = {tr_v:.4g} "
                "(fewer samples used than claimed? no intercept? biased? a wrong w*?)"
            )
    # The slope is undefined when w_n = w* exactly (an affine f) or with one n.
    measured = [n for n in grid if n not in outside_clt]
    fit = len(measured) > 1 and min(rms) > 0
    slope = float(np.polyfit(np.log(measured), np.log(rms), 1)[0]) if fit else float("nan")

    # Translation equivariance, sample by sample.
    shift = np.asarray(translation, float) if translation is not None else np.linspace(1.0, -2.0, d)
    z = z_pilot[: grid[0]]
    w_here = np.asarray(clime_estimator(f, x0, cov, None, None, noise=z), float)
    w_moved = np.asarray(
        clime_estimator(Translated(f, shift), x0 - shift, cov, None, None, noise=z)
    )
    gap = float(np.max(np.abs(w_here - w_moved)))
    tol = (
        1e-7 * exact_scale(w_here) * (1 + float(np.max(np.abs(shift)))) * np.linalg.cond(cov) ** 0.5
    )
    if gap > tol:
        failures.append(
            f"C-LIME_n is not translation-equivariant (max gap {gap:.3g} > {tol:.3g}): "
            "is the intercept fitted?"
        )

    observed: dict[str, Any] = {
        "scaled_mse": dict(zip(map(str, measured), scaled_mse, strict=True)),
        "scaled_median": dict(zip(map(str, measured), scaled_median, strict=True)),
        "rms_error": dict(zip(map(str, measured), rms, strict=True)),
        "outside_clt_regime": outside_clt,
        "loglog_slope": slope,
        "translation_gap": gap,
    }
    notes = [
        "the published threshold takes a min over eps delta^2, eps delta^3/||x||, ||x|| and "
        "1/sigma^2, which carry different units: it is dimensionally inconsistent",
        "its ||x|| dependence (blow-up as ||x|| -> 0 and -> inf) is an artefact of the uncentred "
        "analysis: C-LIME_n is translation-equivariant (measured gap above), so the true sample "
        "size cannot depend on ||x||",
        "its delta dependence is polynomial; the CLT gives n ~ tr V * chi-square quantile / eps^2, "
        "logarithmic in 1/delta",
    ]
    if trends:
        sigma = float(np.sqrt(np.linalg.eigvalsh(cov)[0]))
        x_norm = float(np.linalg.norm(x0)) or 1.0
        eps = float(np.sqrt(tr_v / grid[-1]))
        V_small, _ = sandwich_variance(f, x0, cov / 100, seed=int(rngs[-1].integers(2**31)))
        observed["measured_trends"] = {
            "sigma/10 (tr V ratio: n needed scales with tr V)": float(np.trace(V_small)) / tr_v,
            "|x| x 10 or / 10": 1.0,
            "delta/10 (chi-square quantile ratio, d components)": _chi2_ratio(eig, 0.1, 0.01),
        }
        observed["published_trends"] = _published_trends(d, 0.1, eps, x_norm, sigma)
    if failures:
        status = FALSIFIED
    elif outside_clt:
        status = NOT_APPLICABLE
        failures.append(
            f"the reference estimator is not in its CLT regime at n = {outside_clt} (the "
            "residual lives on a rare region, e.g. a kink far from x0"
            + (
                ""
                if pilot.asserted
                else f": only {pilot.effective_count:.1f} effective pilot samples carry it"
            )
            + "): raise n; translation equivariance holds"
        )
    else:
        status = VERIFIED
    return CheckResult(
        "theorem3",
        status,
        observed=observed,
        bound={
            "trace_V": tr_v,
            "trace_V_qmc_standard_error": tr_se,
            "median_bands": dict(zip(map(str, grid), bands, strict=True)),
            "truth_allowance": allowance,
            "truth_against_pilot": truth_band.summary(),
            "clime_band_asserted": pilot.asserted,
            "clime_pilot_effective_count": pilot.effective_count,
            "expected_slope": -0.5,
            "translation_tolerance": tol,
            "notes": notes,
        },
        false_alarm=fa,
        assertions=len(grid) + 2,
        seed=seed,
        counterexample={"f": f.to_spec(), "x0": x0, "cov": cov, "n_grid": list(grid)}
        | {"repetitions": repetitions, "trends": trends, "seed": seed}
        if status == FALSIFIED
        else None,
        message="; ".join(failures)
        or f"(n - d - 2) E||w_n - w*||^2 = {[round(v, 4) for v in scaled_mse]} ~ tr V = "
        f"{tr_v:.4g} (medians within the CLT band); log-log slope {slope:.3f}; "
        f"translation-equivariant (gap {gap:.1e})",
    )


def _chi2_ratio(eig: np.ndarray, delta: float, delta_small: float) -> float:
    """Ratio of upper quantiles of sum lambda_j chi^2_1 at delta_small and delta (by simulation
    with a fixed seed: a reported figure, not an assertion)."""
    draws = np.random.default_rng(0).chisquare(1, size=(200_000, eig.size)) @ eig
    return float(np.quantile(draws, 1 - delta_small) / np.quantile(draws, 1 - delta))


def _prop1_check(case: Any, seed: int) -> CheckResult:
    problem, delta = case
    if problem.f.gradient_bound == 0:  # constant: nothing to estimate, trivially true
        from .equivalence import check_theorem1

        return check_theorem1(problem.f, problem.x0, problem.cov, n=50, seed=problem.seed)
    return check_proposition1(
        problem.f, problem.x0, problem.cov, n=200, delta=delta, repetitions=100, seed=problem.seed
    )


#: Proposition 1 on generated problems with a gradient bound (registered in the catalogue).
PROPOSITION1 = StatementProperty(
    lambda: st.tuples(
        S.problems(bounded_gradient=True, point_bound=1.0, max_eigenvalue=2.0, min_eigenvalue=0.05),
        st.floats(0.05, 0.5),
    ),
    _prop1_check,
    lambda c: S.problem_label(c[0]),
    examples_scale=0.5,
)

#: Theorem 3's CLT on generated problems (registered in the catalogue).
THEOREM3 = StatementProperty(
    # A (nearly) constant f makes w_n = w* = 0 on every sample: the CLT holds vacuously and
    # no error in the exact answer could show, so such draws (the shrink target of every
    # family: zero weights) are not spent on this slow check.
    lambda: S.problems(
        st.integers(1, 2), families=["rbf", "ridge", "network"], max_condition=10.0
    ).filter(lambda p: p.f.gradient_bound > 1e-3),
    lambda p, seed: check_theorem3(
        p.f, p.x0, p.cov, n_grid=(100, 400), repetitions=100, trends=False, seed=p.seed
    ),
    S.problem_label,
    examples_scale=0.25,
)

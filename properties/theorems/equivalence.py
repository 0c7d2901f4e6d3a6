"""Theorem 1 (equivalence of SmoothGrad and C-LIME) and its boundary (Stein's hypotheses).

* :func:`check_theorem1` -- closed-form E[grad f] equals closed-form
  Sigma^{-1} Cov(x, f) (two independent routes of the engine: gradient
  moments and covariance moments), and the empirical SmoothGrad and C-LIME
  both lie within their sampling bands of that common value.
* :func:`check_stein_step_function` -- for a hard-label (step) ridge
  function, SmoothGrad by differentiation is exactly 0 while C-LIME converges
  to phi(m / sqrt v) / sqrt v * w != 0 (docs/math.md#steins-identity-and-step-functions): the two
  disagree, which is where Theorem 1 stops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify import closed_form
from verify.functions import RidgeFunction
from verify.statistics import split_budget, t_quantile

from .. import strategies as S
from .bands import (
    MIN_EFFECTIVE_COUNT,
    band,
    child_rngs,
    clime_pilot,
    clime_roundoff,
    pilot_standard_error,
)
from .inputs import (
    ClosedForm,
    Estimator,
    check_false_alarm,
    check_inputs,
    check_n,
    default_clime,
    default_closed_clime,
    default_closed_smoothgrad,
    default_smoothgrad,
    exact_scale,
)
from .records import FALSIFIED, NOT_APPLICABLE, VERIFIED, CheckResult, StatementProperty

__all__ = [
    "MIN_EFFECTIVE_COUNT",  # the pilot-sample rule (defined with the bands)
    "check_stein_step_function",
    "check_theorem1",
    "step_function_clime",
]

_RTOL = 1e-8  # round-off allowance of exact identities, relative to the magnitudes


def check_theorem1(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    n: int = 2000,
    seed: int = 0,
    false_alarm: float = 1e-6,
    n_pilot: int = 20000,
    smoothgrad_estimator: Estimator = default_smoothgrad,
    clime_estimator: Estimator = default_clime,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check Theorem 1 on (f, x0, cov): SG = C-LIME = Sigma^{-1} Cov(x, f), in closed form and
    empirically.

    Five assertions share ``false_alarm`` equally (union bound):

    1. closed forms: ``closed_smoothgrad`` and ``closed_clime`` agree within
       round-off (plus the engine's own error estimate when it used quadrature);
    2. the engine's exact E[grad f] is where an independent pilot of ``n_pilot``
       reference gradients lands (t * SE of the pilot mean): an error in the
       exact answer that keeps Stein's identity (both routes wrong alike) is
       seen here;
    3. likewise the engine's Sigma^{-1} Cov(x, f) against the reference C-LIME
       fit on the pilot;
    4. ``smoothgrad_estimator(f, x0, cov, n, rng)`` lies within t * SE of the
       truth in every component, SE = sd(grad f) / sqrt(n) from the pilot;
    5. ``clime_estimator(f, x0, cov, n, rng)`` likewise, SE from the sandwich
       variance (docs/math.md#sandwich-variance) estimated on the pilot.

    The bands' floors hold only the truth's stated error estimate and
    round-off. Assertions 3 and 5 obey the pilot-sample rule
    (:func:`~properties.theorems.bands.clime_pilot`): below 30 effective pilot
    samples the C-LIME variance is unknown and they are not asserted
    (``bound["clime_band_asserted"]`` says so).

    Parameters
    ----------
    f : verify.functions.Function
        Absolutely continuous (else the result is "not_applicable": see
        :func:`check_stein_step_function`).
    x0 : array_like, shape (d,)
    cov : array_like, shape (d, d)
    n : int
        Perturbations per estimate (>= 10 (d + 1): the bands use the CLT).
    seed : int
    false_alarm : float
        Probability that a correct input is reported falsified.
    n_pilot : int
        Pilot sample size for the standard errors. For SmoothGrad the variance a
        region of probability <= ln(1/alpha)/n_pilot could hide (range 2 G) is
        added.
    smoothgrad_estimator, clime_estimator : callable
        The explainers under test (default: the reference estimators).
    closed_smoothgrad, closed_clime : callable
        The closed forms under test (default: the engine's).

    Returns
    -------
    CheckResult
        Statement "theorem1".
    """
    f, x0, cov = check_inputs(f, x0, cov)
    d = f.dim
    n = check_n(n, 10 * (d + 1), "the CLT bands of Theorem 1")
    fa = check_false_alarm(false_alarm)
    if not f.absolutely_continuous:
        return CheckResult(
            "theorem1",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} is not absolutely continuous: Stein's lemma and Theorem 1 do not "
            "apply; use check_stein_step_function to see the two explanations disagree",
        )
    alpha = split_budget(fa, 5)
    truth = closed_form.ground_truth(f, x0, cov)
    sg_true = truth.moments.smoothgrad[0]
    cl_true = truth.clime[0]
    sg_err = truth.moments.smoothgrad_error[0]
    cl_err = truth.clime_error[0]

    # 1. Closed forms: the gradient route against the covariance route.
    sg_closed = np.asarray(closed_smoothgrad(f, x0, cov), float)
    cl_closed = np.asarray(closed_clime(f, x0, cov), float)
    scale = exact_scale(sg_true, cl_true) * np.linalg.cond(cov) ** 0.5
    closed = band(sg_closed, cl_closed, sg_err + cl_err, alpha, np.inf, _RTOL * scale)

    # The pilot: the reference estimators on an independent sample. It decides the
    # standard errors and the pilot-sample rule before any estimator under test runs.
    rng_sg, rng_cl, rng_pilot = child_rngs(seed, 3)
    z_pilot = rng_pilot.standard_normal((n_pilot, d)) @ np.linalg.cholesky(cov).T
    grads = f.gradient(x0 + z_pilot)
    G = f.gradient_bound
    spread = None if G is None else 2 * G
    pilot = clime_pilot(f, x0, z_pilot)
    roundoff = clime_roundoff(f, x0, cov, cl_true)

    # 2-3. The exact answers against the pilot (floors: the truth's stated error only).
    se_sg_pilot = pilot_standard_error(grads, n_pilot, range_bound=spread, alpha=alpha)
    sg_truth = band(grads.mean(axis=0), sg_true, se_sg_pilot, alpha, n_pilot - 1, sg_err)
    cl_truth = band(
        pilot.slope,
        cl_true,
        pilot.standard_error(n_pilot),
        alpha,
        n_pilot - d - 1,
        cl_err + roundoff,
    )

    # 4-5. Empirical estimators against the engine's truth.
    se_sg = pilot_standard_error(grads, n, range_bound=spread, alpha=alpha)
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, n, rng_sg), float)
    cl_n = np.asarray(clime_estimator(f, x0, cov, n, rng_cl), float)
    sg_band = band(sg_n, sg_true, se_sg, alpha, n - 1, sg_err)
    cl_band = band(cl_n, cl_true, pilot.standard_error(n), alpha, n - d - 1, cl_err + roundoff)
    cl_applies = pilot.asserted

    failures = []
    if not closed.ok:
        failures.append(
            "the closed forms disagree (does the C-LIME closed form apply Sigma^-1 to "
            "Cov(x, f)? is SmoothGrad's closed form taken under the same covariance?)"
        )
    if not sg_truth.ok or (cl_applies and not cl_truth.ok):
        failures.append(
            "the exact answer is not where the reference estimators land on an independent "
            f"pilot of {n_pilot} (worst error/tolerance "
            f"{max(sg_truth.worst, cl_truth.worst if cl_applies else 0.0):.3g}): is a closed "
            "form or a family's Gaussian moments wrong (a normalising constant, a phase)?"
        )
    if not sg_band.ok:
        failures.append(
            "empirical SmoothGrad is outside its band (is the noise scaled by a variance, "
            "not a standard deviation? absolute gradients? biased?)"
        )
    if cl_applies and not cl_band.ok:
        failures.append(
            "empirical C-LIME is outside its band (intercept fitted? same covariance? "
            "kernel or ridge left on?)"
        )
    return CheckResult(
        "theorem1",
        FALSIFIED if failures else VERIFIED,
        observed={
            "closed_smoothgrad": sg_closed,
            "closed_clime": cl_closed,
            "smoothgrad_n": sg_n,
            "clime_n": cl_n,
            "pilot_smoothgrad": grads.mean(axis=0),
            "pilot_clime": pilot.slope,
            "n": n,
            "truth_method": truth.method,
        },
        bound={
            "truth": sg_true,
            "closed_forms": closed.summary(),
            "truth_against_pilot_smoothgrad": sg_truth.summary(),
            "truth_against_pilot_clime": cl_truth.summary(),
            "smoothgrad_band": sg_band.summary(),
            "clime_band": cl_band.summary(),
            "clime_band_asserted": cl_applies,
            "clime_pilot_effective_count": pilot.effective_count,
        },
        false_alarm=fa,
        assertions=5,
        seed=seed,
        counterexample={"f": f.to_spec(), "x0": x0, "cov": cov, "n": n, "seed": seed}
        if failures
        else None,
        message="; ".join(failures)
        or (
            f"closed forms agree and match the pilot; SG_n and C-LIME_n within their bands at "
            f"n = {n} (worst error/tolerance {max(sg_band.worst, cl_band.worst):.2f})"
            if cl_applies
            else f"closed forms agree; SG matches the pilot; SG_n within its band at n = {n}; "
            f"C-LIME not asserted: only {pilot.effective_count:.1f} effective pilot samples "
            "carry its variance (rare-event regime)"
        ),
    )


def step_function_clime(f: RidgeFunction, x0: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Sigma^{-1} Cov(x, 1[w^T x + b > 0]) = phi(m / sqrt v) / sqrt v * w (own formula).

    x | s is Gaussian with mean linear in s = w^T x + b, so
    Cov(x, 1[s > 0]) = Sigma w / v * E[(s - m) 1[s > 0]] = Sigma w sqrt(v) phi(m/sqrt v) / v.
    """
    m = float(x0 @ f.w + f.b)
    v = float(f.w @ cov @ f.w)
    sd = np.sqrt(v)
    return np.exp(-0.5 * (m / sd) ** 2) / np.sqrt(2 * np.pi) / sd * f.w


def check_stein_step_function(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    n: int = 2000,
    seed: int = 0,
    false_alarm: float = 1e-6,
    n_pilot: int = 20000,
    smoothgrad_estimator: Estimator = default_smoothgrad,
    clime_estimator: Estimator = default_clime,
) -> CheckResult:
    """Demonstrate the boundary of Theorem 1 on a step (hard-label) ridge function.

    Verified when

    * SmoothGrad by differentiation is exactly 0 (empirical and closed form:
      the a.e. gradient of a step vanishes);
    * the engine's Sigma^{-1} Cov(x, f) equals the independent formula
      phi(m/sqrt v)/sqrt v * w (:func:`step_function_clime`) to round-off;
    * the reference C-LIME fit on an independent pilot of ``n_pilot`` lies
      within its band of that value, and so does the empirical C-LIME under
      test (two stochastic assertions sharing ``false_alarm``).

    ``counterexample`` holds the judged problem as data (f's spec, x0, cov, n,
    seed) whatever the verdict: when "verified" it is a witness that Theorem 1
    fails, reproducible with the engine.

    The result is "not_applicable" for a function without jumps, or when x0
    is so far from the boundary that the predicted C-LIME is within two
    tolerances of 0 at this n (the demonstration would be empty), or when the
    pilot-sample rule fails. That decision uses the problem and the pilot only:
    it is made before the estimators under test are called.
    """
    f, x0, cov = check_inputs(f, x0, cov)
    d = f.dim
    n = check_n(n, 10 * (d + 1), "the CLT band of C-LIME")
    fa = check_false_alarm(false_alarm)
    if not (isinstance(f, RidgeFunction) and f.link.name == "step"):
        return CheckResult(
            "stein_step_function",
            NOT_APPLICABLE,
            seed=seed,
            message=f"needs a step ridge function RidgeFunction(w, b, 'step'), got {f!r}",
        )
    alpha = split_budget(fa, 2)
    predicted = step_function_clime(f, x0, cov)
    rng_sg, rng_cl, rng_pilot = child_rngs(seed, 3)
    z_pilot = rng_pilot.standard_normal((n_pilot, d)) @ np.linalg.cholesky(cov).T
    pilot = clime_pilot(f, x0, z_pilot)
    tolerance = t_quantile(alpha, d, n - d - 1) * pilot.standard_error(n)
    # The band must exclude 0 for a disagreement to be demonstrable.
    if not pilot.asserted or np.max(np.abs(predicted) - 2 * tolerance) <= 0:
        return CheckResult(
            "stein_step_function",
            NOT_APPLICABLE,
            observed={"predicted_clime": predicted},
            bound={"tolerance": tolerance, "pilot_effective_count": pilot.effective_count},
            seed=seed,
            message="x0 is too far from the decision boundary: the predicted C-LIME "
            f"{predicted} is within 2 tolerances of 0 at n = {n}; move x0 closer or raise n",
        )
    pilot_band = band(pilot.slope, predicted, pilot.standard_error(n_pilot), alpha, n_pilot - d - 1)
    cl_n = np.asarray(clime_estimator(f, x0, cov, n, rng_cl), float)
    cl_band = band(cl_n, predicted, pilot.standard_error(n), alpha, n - d - 1)
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, n, rng_sg), float)
    truth = closed_form.ground_truth(f, x0, cov)
    engine_sg, engine_cl = truth.moments.smoothgrad[0], truth.clime[0]
    scale = exact_scale(predicted) * np.linalg.cond(cov) ** 0.5
    failures = []
    if np.max(np.abs(sg_n)) > 0 or np.max(np.abs(engine_sg)) > 0:
        failures.append("SmoothGrad by differentiation of a step is not 0 (finite differences?)")
    if np.max(np.abs(engine_cl - predicted)) > _RTOL * scale:
        failures.append("the engine's Sigma^-1 Cov(x, f) differs from phi(m/sqrt v)/sqrt v w")
    if not pilot_band.ok:
        failures.append(
            f"the reference C-LIME on a pilot of {n_pilot} is not at phi(m/sqrt v)/sqrt v w "
            "(is the formula's scale or sign wrong?)"
        )
    if not cl_band.ok:
        failures.append(
            "empirical C-LIME is not at phi(m/sqrt v)/sqrt v w (does the explainer compute "
            "gradients instead of fitting, i.e. assume Theorem 1 where it fails?)"
        )
    return CheckResult(
        "stein_step_function",
        FALSIFIED if failures else VERIFIED,
        observed={
            "smoothgrad_n": sg_n,
            "clime_n": cl_n,
            "engine_smoothgrad": engine_sg,
            "engine_clime": engine_cl,
            "disagreement": float(np.linalg.norm(cl_n - sg_n)),
        },
        bound={
            "predicted_clime": predicted,
            "pilot_band": pilot_band.summary(),
            "clime_band": cl_band.summary(),
        },
        false_alarm=fa,
        assertions=2,
        seed=seed,
        # The problem itself, as data: with no failure it witnesses that Theorem 1 fails.
        counterexample={"f": f.to_spec(), "x0": x0, "cov": cov, "n": n, "seed": seed},
        message="; ".join(failures)
        or "Theorem 1 fails as predicted: SG by differentiation = 0 while C-LIME = "
        f"{np.round(cl_n, 4).tolist()} ~ phi(m/sqrt v)/sqrt v w = "
        f"{np.round(predicted, 4).tolist()}",
    )


def _step_check(case: Any, seed: int) -> CheckResult:
    f, cov, case_seed = case
    x0 = -f.b * f.w / (f.w @ f.w)  # on the decision boundary: the disagreement is largest
    return check_stein_step_function(f, x0, cov, n=1000, seed=case_seed)


#: Theorem 1 on generated problems (registered in :mod:`verify.catalogue`).
THEOREM1 = StatementProperty(
    lambda: S.problems(),
    lambda p, seed: check_theorem1(p.f, p.x0, p.cov, n=1000, seed=p.seed),
    S.problem_label,
)

#: Theorem 1 stretched to step functions: a verified check demonstrates its failure.
STEIN_STEP_FUNCTION = StatementProperty(S.step_cases, _step_check, lambda c: f"d={c[0].dim}")

"""Theorem 1 (equivalence of SmoothGrad and C-LIME) and its boundary (Stein's hypotheses).

* :func:`check_theorem1` -- closed-form E[grad f] equals closed-form
  Sigma^{-1} Cov(x, f) (two independent routes of the engine: gradient
  moments and covariance moments), and the empirical SmoothGrad and C-LIME
  both lie within their sampling bands of that common value.
* :func:`check_stein_step_function` -- for a hard-label (step) ridge
  function, SmoothGrad by differentiation is exactly 0 while C-LIME converges
  to phi(m / sqrt v) / sqrt v * w != 0 (MATH.md section 2, caveat): the two
  disagree, which is where Theorem 1 stops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify import closed_form
from verify.asymptotics import clime_influence
from verify.functions import RidgeFunction
from verify.statistics import split_budget

from .. import strategies as S
from .bands import band, child_rngs, effective_count, pilot_standard_error
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

__all__ = ["check_stein_step_function", "check_theorem1", "step_function_clime"]

_RTOL = 1e-8  # round-off allowance of exact identities, relative to the magnitudes
# Below this many effective pilot samples the C-LIME variance estimate is not
# trustworthy (rare-event regime), and the C-LIME band is not asserted.
MIN_EFFECTIVE_COUNT = 30.0


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

    Three assertions share ``false_alarm`` equally (union bound):

    1. closed forms: ``closed_smoothgrad`` and ``closed_clime`` agree within
       round-off (plus the engine's own error estimate when it used quadrature);
    2. ``smoothgrad_estimator(f, x0, cov, n, rng)`` lies within
       t * SE of the truth in every component, SE = sd(grad f) / sqrt(n) from an
       independent pilot of ``n_pilot`` gradients;
    3. ``clime_estimator(f, x0, cov, n, rng)`` likewise, SE from the sandwich
       variance (MATH.md section 5) estimated on a pilot sample.

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
        Pilot sample size for the standard errors. The pilot's distance to the
        truth is added to each band's floor, and for SmoothGrad the variance a
        region of probability <= ln(1/alpha)/n_pilot could hide (range 2 G).
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
    alpha = split_budget(fa, 3)
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

    # 2-3. Empirical estimators against the engine's truth.
    rng_sg, rng_cl, rng_pilot = child_rngs(seed, 3)
    z_pilot = rng_pilot.standard_normal((n_pilot, d)) @ np.linalg.cholesky(cov).T
    grads = f.gradient(x0 + z_pilot)
    G = f.gradient_bound
    se_sg = pilot_standard_error(grads, n, range_bound=None if G is None else 2 * G, alpha=alpha)
    w_pilot, psi = clime_influence(f, x0, z_pilot)
    se_cl = pilot_standard_error(psi, n - d - 2)
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, n, rng_sg), float)
    cl_n = np.asarray(clime_estimator(f, x0, cov, n, rng_cl), float)
    # The pilot's own distance to the truth is allowed on top (it is ~ sqrt(n / n_pilot)
    # standard errors, except where a rare region missed by the pilot shifts both).
    sg_floor = sg_err + np.abs(grads.mean(axis=0) - sg_true)
    cl_floor = cl_err + np.abs(w_pilot - cl_true)
    sg_band = band(sg_n, sg_true, se_sg, alpha, n - 1, sg_floor)
    cl_band = band(cl_n, cl_true, se_cl, alpha, n - d - 1, cl_floor)
    ess = effective_count(psi)
    # A far kink hit by a handful of pilot samples (or none) leaves the sandwich
    # variance unknown: the band would then be a guess, so it is not asserted.
    # Exactly affine f has no residual at all and is always checked.
    cl_applies = f.is_affine or ess >= MIN_EFFECTIVE_COUNT

    failures = []
    if not closed.ok:
        failures.append(
            "the closed forms disagree (does the C-LIME closed form apply Sigma^-1 to "
            "Cov(x, f)? is SmoothGrad's closed form taken under the same covariance?)"
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
            "n": n,
            "truth_method": truth.method,
        },
        bound={
            "truth": sg_true,
            "closed_forms": closed.summary(),
            "smoothgrad_band": sg_band.summary(),
            "clime_band": cl_band.summary(),
            "clime_band_asserted": cl_applies,
            "clime_pilot_effective_count": ess,
        },
        false_alarm=fa,
        assertions=3,
        seed=seed,
        counterexample={"f": repr(f), "x0": x0, "cov": cov} if failures else None,
        message="; ".join(failures)
        or (
            f"closed forms agree; SG_n and C-LIME_n within their bands at n = {n} "
            f"(worst error/tolerance {max(sg_band.worst, cl_band.worst):.2f})"
            if cl_applies
            else f"closed forms agree; SG_n within its band at n = {n}; C-LIME_n not asserted: "
            f"only {ess:.1f} effective pilot samples carry its variance (rare-event regime)"
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
    * empirical C-LIME lies within its sandwich band (false alarm
      ``false_alarm``) of that non-zero value.

    The result is "not_applicable" for a function without jumps, or when x0
    is so far from the boundary that the predicted C-LIME is not
    distinguishable from 0 at this n (the demonstration would be empty).
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
    predicted = step_function_clime(f, x0, cov)
    rng_sg, rng_cl, rng_pilot = child_rngs(seed, 3)
    z_pilot = rng_pilot.standard_normal((n_pilot, d)) @ np.linalg.cholesky(cov).T
    w_pilot, psi = clime_influence(f, x0, z_pilot)
    se = pilot_standard_error(psi, n - d - 2)
    cl_n = np.asarray(clime_estimator(f, x0, cov, n, rng_cl), float)
    cl_band = band(cl_n, predicted, se, fa, n - d - 1, np.abs(w_pilot - predicted))
    # The band must exclude 0 for a disagreement to be demonstrable.
    if np.max(np.abs(predicted) - 2 * cl_band.tolerance) <= 0:
        return CheckResult(
            "stein_step_function",
            NOT_APPLICABLE,
            observed={"predicted_clime": predicted},
            bound={"tolerance": cl_band.tolerance},
            seed=seed,
            message="x0 is too far from the decision boundary: the predicted C-LIME "
            f"{predicted} is within 2 tolerances of 0 at n = {n}; move x0 closer or raise n",
        )
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, n, rng_sg), float)
    truth = closed_form.ground_truth(f, x0, cov)
    engine_sg, engine_cl = truth.moments.smoothgrad[0], truth.clime[0]
    scale = exact_scale(predicted) * np.linalg.cond(cov) ** 0.5
    failures = []
    if np.max(np.abs(sg_n)) > 0 or np.max(np.abs(engine_sg)) > 0:
        failures.append("SmoothGrad by differentiation of a step is not 0 (finite differences?)")
    if np.max(np.abs(engine_cl - predicted)) > _RTOL * scale:
        failures.append("the engine's Sigma^-1 Cov(x, f) differs from phi(m/sqrt v)/sqrt v w")
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
        bound={"predicted_clime": predicted, "clime_band": cl_band.summary()},
        false_alarm=fa,
        assertions=1,
        seed=seed,
        counterexample={"f": repr(f), "x0": x0, "cov": cov} if failures else None,
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

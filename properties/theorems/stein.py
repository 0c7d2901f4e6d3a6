"""Where Theorem 1 stops: Stein's identity fails for step functions.

:func:`check_stein_step_function` demonstrates it: for a hard-label (step) ridge
function SmoothGrad by differentiation is exactly 0 (the a.e. gradient of a step
vanishes), while C-LIME converges to phi(m / sqrt v) / sqrt v * w != 0
(docs/math.md#steins-identity-and-step-functions). It is verified when

* SmoothGrad by differentiation is exactly 0 (empirical and closed form);
* the engine's Sigma^{-1} Cov(x, f) equals the independent formula
  phi(m/sqrt v)/sqrt v * w (:func:`step_function_clime`) to round-off;
* the reference C-LIME fit on an independent pilot lies within its band of that
  value, and so does the empirical C-LIME under test (two stochastic assertions
  sharing the false-alarm budget).

The result is "not_applicable" for a function without jumps, or when x0 is so far from
the boundary that the predicted C-LIME is within two tolerances of 0 at this n (the
demonstration would be empty), or when the pilot-sample rule fails. That decision uses
the problem and the pilot only: it is made before the estimators under test are called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify import closed_form
from verify.functions import RidgeFunction
from verify.statistics import split_budget, t_quantile

from .. import strategies as S
from .bands import Band, ClimePilot, band, child_rngs, clime_pilot
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

__all__ = ["STEIN_STEP_FUNCTION", "check_stein_step_function", "step_function_clime"]

_RTOL = 1e-8  # round-off allowance of exact identities, relative to the magnitudes


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

    What "verified" and "not_applicable" mean is in the module docstring.
    ``counterexample`` holds the judged problem as data (f's spec, x0, cov, n, seed)
    whatever the verdict: when "verified" it is a witness that Theorem 1 fails,
    reproducible with the engine.

    Parameters
    ----------
    f : RidgeFunction
        With a step link (anything else is "not_applicable").
    x0 : array_like, shape (d,)
    cov : array_like, shape (d, d)
    n : int
        Perturbations per estimate (>= 10 (d + 1)).
    seed : int
    false_alarm : float
        Probability that a correct input is reported falsified.
    n_pilot : int
        Pilot sample size for the C-LIME standard errors.
    smoothgrad_estimator, clime_estimator : callable
        The explainers under test (default: the reference estimators).
    """
    f, x0, cov = check_inputs(f, x0, cov)
    n = check_n(n, 10 * (f.dim + 1), "the CLT band of C-LIME")
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
    z_pilot = rng_pilot.standard_normal((n_pilot, f.dim)) @ np.linalg.cholesky(cov).T
    pilot = clime_pilot(f, x0, z_pilot)
    empty = _empty_demonstration(pilot, predicted, alpha, n, seed)
    if empty is not None:
        return empty
    pilot_band = band(
        pilot.slope, predicted, pilot.standard_error(n_pilot), alpha, n_pilot - f.dim - 1
    )
    cl_n = np.asarray(clime_estimator(f, x0, cov, n, rng_cl), float)
    cl_band = band(cl_n, predicted, pilot.standard_error(n), alpha, n - f.dim - 1)
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, n, rng_sg), float)
    judged = _StepJudged(f, x0, cov, n, seed, predicted, sg_n, cl_n, pilot_band, cl_band)
    return _step_result(judged, n_pilot, fa)


def _empty_demonstration(
    pilot: ClimePilot, predicted: np.ndarray, alpha: float, n: int, seed: int
) -> CheckResult | None:
    """ "not_applicable" when the band cannot exclude 0 (or the pilot rule fails), else None."""
    d = predicted.size
    tolerance = t_quantile(alpha, d, n - d - 1) * pilot.standard_error(n)
    if pilot.asserted and np.max(np.abs(predicted) - 2 * tolerance) > 0:
        return None
    return CheckResult(
        "stein_step_function",
        NOT_APPLICABLE,
        observed={"predicted_clime": predicted},
        bound={"tolerance": tolerance, "pilot_effective_count": pilot.effective_count},
        seed=seed,
        message="x0 is too far from the decision boundary: the predicted C-LIME "
        f"{predicted} is within 2 tolerances of 0 at n = {n}; move x0 closer or raise n",
    )


@dataclass(frozen=True)
class _StepJudged:
    """One judged step-function problem: the problem, the estimates and their bands."""

    f: RidgeFunction
    x0: np.ndarray
    cov: np.ndarray
    n: int
    seed: int
    predicted: np.ndarray
    sg_n: np.ndarray
    cl_n: np.ndarray
    pilot_band: Band
    cl_band: Band


def _step_failures(
    j: _StepJudged, engine_sg: np.ndarray, engine_cl: np.ndarray, n_pilot: int
) -> list[str]:
    scale = exact_scale(j.predicted) * np.linalg.cond(j.cov) ** 0.5
    failures = []
    if np.max(np.abs(j.sg_n)) > 0 or np.max(np.abs(engine_sg)) > 0:
        failures.append("SmoothGrad by differentiation of a step is not 0 (finite differences?)")
    if np.max(np.abs(engine_cl - j.predicted)) > _RTOL * scale:
        failures.append("the engine's Sigma^-1 Cov(x, f) differs from phi(m/sqrt v)/sqrt v w")
    if not j.pilot_band.ok:
        failures.append(
            f"the reference C-LIME on a pilot of {n_pilot} is not at phi(m/sqrt v)/sqrt v w "
            "(is the formula's scale or sign wrong?)"
        )
    if not j.cl_band.ok:
        failures.append(
            "empirical C-LIME is not at phi(m/sqrt v)/sqrt v w (does the explainer compute "
            "gradients instead of fitting, i.e. assume Theorem 1 where it fails?)"
        )
    return failures


def _step_result(j: _StepJudged, n_pilot: int, fa: float) -> CheckResult:
    truth = closed_form.ground_truth(j.f, j.x0, j.cov)
    engine_sg, engine_cl = truth.moments.smoothgrad[0], truth.clime[0]
    failures = _step_failures(j, engine_sg, engine_cl, n_pilot)
    return CheckResult(
        "stein_step_function",
        FALSIFIED if failures else VERIFIED,
        observed={
            "smoothgrad_n": j.sg_n,
            "clime_n": j.cl_n,
            "engine_smoothgrad": engine_sg,
            "engine_clime": engine_cl,
            "disagreement": float(np.linalg.norm(j.cl_n - j.sg_n)),
        },
        bound={
            "predicted_clime": j.predicted,
            "pilot_band": j.pilot_band.summary(),
            "clime_band": j.cl_band.summary(),
        },
        false_alarm=fa,
        assertions=2,
        seed=j.seed,
        # The problem itself, as data: with no failure it witnesses that Theorem 1 fails.
        counterexample={
            "f": j.f.to_spec(),
            "x0": j.x0,
            "cov": j.cov,
            "n": j.n,
            "seed": j.seed,
        },
        message="; ".join(failures)
        or "Theorem 1 fails as predicted: SG by differentiation = 0 while C-LIME = "
        f"{np.round(j.cl_n, 4).tolist()} ~ phi(m/sqrt v)/sqrt v w = "
        f"{np.round(j.predicted, 4).tolist()}",
    )


def _step_check(case: Any, seed: int) -> CheckResult:
    f, cov, case_seed = case
    x0 = -f.b * f.w / (f.w @ f.w)  # on the decision boundary: the disagreement is largest
    return check_stein_step_function(f, x0, cov, n=1000, seed=case_seed)


#: Theorem 1 stretched to step functions: a verified check demonstrates its failure
#: (registered in :mod:`verify.catalogue`).
STEIN_STEP_FUNCTION = StatementProperty(S.step_cases, _step_check, lambda c: f"d={c[0].dim}")

"""Lemma 6 (ridge C-LIME) and Gaussian-kernel-weighted LIME (docs/math.md#lemma-6 and #kernel-lime).

* :func:`check_lemma6` -- expected ridge C-LIME w_lambda = (Sigma + lambda I)^{-1}
  Cov(x, f) satisfies (Sigma + lambda I) w_lambda = Sigma E[grad f] (the
  gradient route, independent of the covariance route the engine solves
  with); the empirical estimator equals (S_n + lambda I)^{-1} c_n exactly
  (1/n normalisation), equals sklearn ``Ridge(alpha = lambda n)`` exactly when
  scikit-learn is installed, and converges to w_lambda within its sandwich band.
* :func:`check_kernel_lime` -- with weights pi = exp(-||a - x0||^2 / (2 kw^2)),
  weighted C-LIME is C-LIME under Sigma' = (Sigma^{-1} + I/kw^2)^{-1}: the
  engine's Sigma' against this module's inverse-of-inverses formula, the
  closed form against E_{Sigma'}[grad f], the empirical weighted fit within its
  band, and the mean kernel weight against det(I + Sigma/kw^2)^{-1/2}
  (Hoeffding: the weights lie in [0, 1]).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify import closed_form
from verify.statistics import split_budget
from verify.validation import InputError, as_ridge

from .. import strategies as S
from .bands import band, child_rngs, clime_pilot, clime_roundoff
from .inputs import (
    ClosedForm,
    Estimator,
    check_false_alarm,
    check_inputs,
    check_n,
    default_clime,
    default_closed_clime,
    exact_scale,
)
from .records import FALSIFIED, VERIFIED, CheckResult, StatementProperty

__all__ = ["check_kernel_lime", "check_lemma6", "gaussian_kernel", "sklearn_available"]

_RTOL = 1e-8


def sklearn_available() -> bool:
    """True when scikit-learn can be imported (the Ridge(alpha) comparison then runs)."""
    return importlib.util.find_spec("sklearn") is not None


def gaussian_kernel(z: np.ndarray, kernel_width: float) -> np.ndarray:
    """lime's tabular kernel sqrt(exp(-d^2/kw^2)) = exp(-d^2 / (2 kw^2)), d = ||z||."""
    return np.exp(-np.sum(z * z, axis=-1) / (2 * kernel_width**2))


def check_lemma6(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    ridge: float = 0.1,
    n: int = 2000,
    seed: int = 0,
    false_alarm: float = 1e-6,
    n_pilot: int = 20000,
    clime_estimator: Estimator = default_clime,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check Lemma 6 (ridge C-LIME, mean-loss lambda, intercept unpenalised).

    Two stochastic assertions share ``false_alarm``: the reference ridge fit on
    an independent pilot of ``n_pilot`` within its band of the exact w_lambda (an
    error in the exact answer is seen there), and the estimator under test
    likewise; both obey the pilot-sample rule (``bound["clime_band_asserted"]``).
    The other comparisons are exact to round-off.

    Returns
    -------
    CheckResult
        Statement "lemma6"; ``observed["sklearn"]`` says whether the sklearn
        comparison ran (it is skipped, with the reason, without scikit-learn).
    """
    f, x0, cov = check_inputs(f, x0, cov)
    d = f.dim
    n = check_n(n, 10 * (d + 1), "the CLT band of ridge C-LIME")
    fa = check_false_alarm(false_alarm)
    alpha = split_budget(fa, 2)
    lam = as_ridge(ridge)
    truth = closed_form.ground_truth(f, x0, cov, ridge=lam)
    scale = exact_scale(truth.clime[0], cov @ truth.moments.smoothgrad[0])
    cond = float(np.linalg.cond(cov + lam * np.eye(d)))
    gaps: dict[str, float] = {}
    tols: dict[str, float] = {}

    # Expected: the first-order condition through the gradient route.
    w_lam = np.asarray(closed_clime(f, x0, cov, ridge=lam), float)
    lhs = (cov + lam * np.eye(d)) @ w_lam
    rhs = cov @ truth.moments.smoothgrad[0]
    gaps["normal_equations"] = float(np.max(np.abs(lhs - rhs)))
    err = np.abs(cov) @ truth.moments.smoothgrad_error[0] + truth.moments.covariance_error[0]
    tols["normal_equations"] = _RTOL * scale * cond**0.5 + 10 * float(np.max(err))

    # Empirical, exact: (S_n + lambda I)^{-1} c_n with 1/n normalisation.
    rng_exact, rng_band, rng_pilot = child_rngs(seed, 3)
    z = rng_exact.standard_normal((n, d)) @ np.linalg.cholesky(cov).T
    w_n = np.asarray(clime_estimator(f, x0, cov, None, None, ridge=lam, noise=z), float)
    a = x0 + z
    y = f(a)
    ac, yc = a - a.mean(0), y - y.mean()
    S, c = ac.T @ ac / n, ac.T @ yc / n
    w_direct = np.linalg.solve(S + lam * np.eye(d), c)
    gaps["normal_equations_n"] = float(np.max(np.abs(w_n - w_direct)))
    tols["normal_equations_n"] = (
        _RTOL * exact_scale(w_direct) * float(np.linalg.cond(S + lam * np.eye(d)))
    )
    if sklearn_available():
        from sklearn.linear_model import Ridge

        coef = Ridge(alpha=lam * n, fit_intercept=True, solver="cholesky").fit(a, y).coef_
        gaps["sklearn_ridge_alpha=lambda*n"] = float(np.max(np.abs(w_n - coef)))
        tols["sklearn_ridge_alpha=lambda*n"] = tols["normal_equations_n"]
        sklearn_note = "compared with sklearn Ridge(alpha = lambda n)"
    else:
        sklearn_note = "skipped: scikit-learn is not installed (pip install scikit-learn)"

    # Stochastic (two assertions): the reference fit on an independent pilot and the
    # estimator under test, each within its sandwich band of w_lambda. Floors: the
    # truth's stated error and round-off only. The pilot-sample rule decides, from the
    # problem and the pilot alone, whether the bands are asserted.
    z_pilot = rng_pilot.standard_normal((n_pilot, d)) @ np.linalg.cholesky(cov).T
    pilot = clime_pilot(f, x0, z_pilot, ridge=lam)
    floor = truth.clime_error[0] + clime_roundoff(f, x0, cov, truth.clime[0])
    truth_band = band(
        pilot.slope, truth.clime[0], pilot.standard_error(n_pilot), alpha, n_pilot - d - 1, floor
    )
    estimate = np.asarray(clime_estimator(f, x0, cov, n, rng_band, ridge=lam), float)
    stochastic = band(estimate, truth.clime[0], pilot.standard_error(n), alpha, n - d - 1, floor)

    failures = [k for k in gaps if not gaps[k] <= tols[k]]
    if pilot.asserted and not truth_band.ok:
        failures.append(
            "the exact (Sigma + lambda I)^-1 Cov is not where the reference ridge fit on a "
            f"pilot of {n_pilot} lands (a wrong closed form or Gaussian moments?)"
        )
    if pilot.asserted and not stochastic.ok:
        failures.append("ridge C-LIME_n is outside its band around (Sigma + lambda I)^-1 Cov")
    return CheckResult(
        "lemma6",
        FALSIFIED if failures else VERIFIED,
        observed={"gaps": gaps, "estimate": estimate, "sklearn": sklearn_note, "n": n},
        bound={
            "w_lambda": truth.clime[0],
            "tolerances": tols,
            "truth_against_pilot": truth_band.summary(),
            "band": stochastic.summary(),
            "clime_band_asserted": pilot.asserted,
            "clime_pilot_effective_count": pilot.effective_count,
        },
        false_alarm=fa,
        assertions=2,
        seed=seed,
        counterexample={"f": f.to_spec(), "x0": x0, "cov": cov, "ridge": lam, "n": n, "seed": seed}
        if failures
        else None,
        message=f"failed: {', '.join(failures)} (is lambda the mean-loss one, alpha / n? is the "
        "intercept penalised?)"
        if failures
        else f"ridge C-LIME = (Sigma + {lam:g} I)^-1 Cov(x, f), empirically and exactly; "
        + sklearn_note,
    )


def check_kernel_lime(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    kernel_width: float = 1.0,
    n: int = 4000,
    seed: int = 0,
    false_alarm: float = 1e-6,
    n_pilot: int = 40000,
    kernel: Callable[[np.ndarray, float], np.ndarray] = gaussian_kernel,
    clime_estimator: Estimator = default_clime,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check that Gaussian-kernel LIME is C-LIME under Sigma' = (Sigma^-1 + I/kw^2)^-1.

    Three stochastic assertions share ``false_alarm``: the reference weighted
    fit on an independent pilot of ``n_pilot`` and the empirical weighted fit
    ``clime_estimator(..., kernel_width=kw)`` each within its weighted sandwich
    band of E_{Sigma'}[grad f] (both under the pilot-sample rule), and the mean
    of ``kernel`` over n offsets within the Hoeffding radius
    sqrt(ln(2/alpha) / (2n)) of det(I + Sigma/kw^2)^{-1/2}. The rest is exact
    to round-off.
    """
    f, x0, cov = check_inputs(f, x0, cov)
    d = f.dim
    n = check_n(n, 10 * (d + 1), "the CLT band of kernel LIME")
    fa = check_false_alarm(false_alarm)
    kw = float(kernel_width)
    if not np.isfinite(kw) or kw <= 0:
        raise InputError(f"kernel_width must be a positive finite number, got {kernel_width!r}")
    alpha = split_budget(fa, 3)
    eye = np.eye(d)
    sigma_prime = np.linalg.inv(np.linalg.inv(cov) + eye / kw**2)
    sigma_prime = (sigma_prime + sigma_prime.T) / 2
    gaps: dict[str, float] = {}
    tols: dict[str, float] = {}
    engine_prime = closed_form.kernel_covariance(cov, kw)
    gaps["kernel_covariance"] = float(np.max(np.abs(engine_prime - sigma_prime)))
    tols["kernel_covariance"] = _RTOL * exact_scale(sigma_prime) * float(np.linalg.cond(cov))
    target = closed_form.ground_truth(f, x0, sigma_prime)
    sg_prime = target.moments.smoothgrad[0]
    expected = np.asarray(closed_clime(f, x0, cov, kernel_width=kw), float)
    gaps["closed_form_vs_smoothgrad_prime"] = float(np.max(np.abs(expected - sg_prime)))
    tols["closed_form_vs_smoothgrad_prime"] = _RTOL * exact_scale(sg_prime) * float(
        np.linalg.cond(sigma_prime)
    ) ** 0.5 + 10 * float(np.max(target.moments.smoothgrad_error[0] + target.clime_error[0]))

    rng_fit, rng_weights, rng_pilot = child_rngs(seed, 3)
    chol = np.linalg.cholesky(cov)
    z_pilot = rng_pilot.standard_normal((n_pilot, d)) @ chol.T
    pilot = clime_pilot(f, x0, z_pilot, kernel_width=kw)
    # Floors: the truth's stated error and round-off, never its distance to the pilot.
    floor = target.moments.smoothgrad_error[0] + clime_roundoff(f, x0, sigma_prime, sg_prime)
    truth_band = band(
        pilot.slope, sg_prime, pilot.standard_error(n_pilot), alpha, n_pilot - d - 1, floor
    )
    estimate = np.asarray(clime_estimator(f, x0, cov, n, rng_fit, kernel_width=kw), float)
    fit = band(estimate, sg_prime, pilot.standard_error(n), alpha, n - d - 1, floor)

    weights = kernel(rng_weights.standard_normal((n, d)) @ chol.T, kw)
    mean_weight = float(np.mean(weights))
    expected_weight = float(np.linalg.det(eye + cov / kw**2) ** -0.5)
    radius = float(np.sqrt(np.log(2 / alpha) / (2 * n)))

    failures = [k for k in gaps if not gaps[k] <= tols[k]]
    if pilot.asserted and not truth_band.ok:
        failures.append(
            "the exact E_{Sigma'}[grad f] is not where the reference weighted fit on a pilot of "
            f"{n_pilot} lands (a wrong closed form or Gaussian moments?)"
        )
    if pilot.asserted and not fit.ok:
        failures.append(
            "weighted C-LIME_n is not at E_{Sigma'}[grad f] (lime's kernel is "
            "sqrt(exp(-d^2/kw^2)) = exp(-d^2/(2 kw^2)): is the square root missing?)"
        )
    if abs(mean_weight - expected_weight) > radius:
        failures.append(
            f"mean kernel weight {mean_weight:.4f} is not det(I + Sigma/kw^2)^-1/2 = "
            f"{expected_weight:.4f} (+- {radius:.4f}): wrong kernel convention?"
        )
    return CheckResult(
        "kernel_lime",
        FALSIFIED if failures else VERIFIED,
        observed={"estimate": estimate, "mean_weight": mean_weight, "gaps": gaps, "n": n},
        bound={
            "sigma_prime": sigma_prime,
            "smoothgrad_sigma_prime": sg_prime,
            "expected_mean_weight": expected_weight,
            "hoeffding_radius": radius,
            "tolerances": tols,
            "truth_against_pilot": truth_band.summary(),
            "band": fit.summary(),
            "clime_band_asserted": pilot.asserted,
            "clime_pilot_effective_count": pilot.effective_count,
        },
        false_alarm=fa,
        assertions=3,
        seed=seed,
        counterexample={
            "f": f.to_spec(),
            "x0": x0,
            "cov": cov,
            "kernel_width": kw,
            "n": n,
            "seed": seed,
        }
        if failures
        else None,
        message="; ".join(failures)
        or f"kernel LIME (kw = {kw:g}) = C-LIME under Sigma' = (Sigma^-1 + I/kw^2)^-1, "
        "exactly and empirically",
    )


#: Lemma 6 on generated problems and penalties (registered in the catalogue).
LEMMA6 = StatementProperty(
    lambda: st.tuples(S.problems(), st.floats(1e-3, 10.0)),
    lambda c, seed: check_lemma6(c[0].f, c[0].x0, c[0].cov, ridge=c[1], n=1000, seed=c[0].seed),
    lambda c: S.problem_label(c[0]),
)

#: Kernel LIME on generated problems and kernel widths (registered in the catalogue).
KERNEL_LIME = StatementProperty(
    lambda: st.tuples(
        S.problems(families=["rbf", "ridge", "network", "combination"]), st.floats(0.3, 5.0)
    ),
    lambda c, seed: check_kernel_lime(
        c[0].f, c[0].x0, c[0].cov, kernel_width=c[1], n=2000, seed=c[0].seed
    ),
    lambda c: S.problem_label(c[0]),
)

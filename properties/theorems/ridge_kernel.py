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
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify import closed_form
from verify.closed_form import GroundTruth
from verify.functions import Function
from verify.statistics import split_budget
from verify.validation import InputError, as_ridge

from .. import strategies as S
from .bands import Band, ClimePilot, band, child_rngs, clime_pilot, clime_roundoff
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
    gaps, tols = _ridge_normal_equations(f, x0, cov, lam, truth, closed_clime)
    rng_exact, rng_band, rng_pilot = child_rngs(seed, 3)
    z = rng_exact.standard_normal((n, d)) @ np.linalg.cholesky(cov).T
    gaps_n, tols_n, sklearn_note = _ridge_empirical_exact(f, x0, cov, lam, z, clime_estimator)
    gaps |= gaps_n
    tols |= tols_n
    # Floors: the truth's stated error and round-off only.
    floor = truth.clime_error[0] + clime_roundoff(f, x0, cov, truth.clime[0])
    fits = _pilot_bands(
        f,
        x0,
        cov,
        truth.clime[0],
        floor,
        n,
        n_pilot,
        alpha,
        (rng_band, rng_pilot),
        clime_estimator,
        ridge=lam,
    )
    failures = [k for k in gaps if not gaps[k] <= tols[k]] + fits.failures(
        "the exact (Sigma + lambda I)^-1 Cov is not where the reference ridge fit on a "
        f"pilot of {n_pilot} lands (a wrong closed form or Gaussian moments?)",
        "ridge C-LIME_n is outside its band around (Sigma + lambda I)^-1 Cov",
    )
    return CheckResult(
        "lemma6",
        FALSIFIED if failures else VERIFIED,
        observed={"gaps": gaps, "estimate": fits.estimate, "sklearn": sklearn_note, "n": n},
        bound={"w_lambda": truth.clime[0], "tolerances": tols, **fits.bound()},
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


def _ridge_normal_equations(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    lam: float,
    truth: GroundTruth,
    closed_clime: ClosedForm,
) -> tuple[dict[str, float], dict[str, float]]:
    """Expected ridge C-LIME: the first-order condition (Sigma + lambda I) w_lambda =
    Sigma E[grad f], through the gradient route (gap and tolerance, keyed
    ``"normal_equations"``)."""
    d = f.dim
    scale = exact_scale(truth.clime[0], cov @ truth.moments.smoothgrad[0])
    cond = float(np.linalg.cond(cov + lam * np.eye(d)))
    w_lam = np.asarray(closed_clime(f, x0, cov, ridge=lam), float)
    lhs = (cov + lam * np.eye(d)) @ w_lam
    rhs = cov @ truth.moments.smoothgrad[0]
    gap = float(np.max(np.abs(lhs - rhs)))
    err = np.abs(cov) @ truth.moments.smoothgrad_error[0] + truth.moments.covariance_error[0]
    tol = _RTOL * scale * cond**0.5 + 10 * float(np.max(err))
    return {"normal_equations": gap}, {"normal_equations": tol}


def _ridge_empirical_exact(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    lam: float,
    z: np.ndarray,
    clime_estimator: Estimator,
) -> tuple[dict[str, float], dict[str, float], str]:
    """Empirical ridge C-LIME on the offsets ``z``, exactly: (S_n + lambda I)^{-1} c_n with 1/n
    normalisation, and sklearn ``Ridge(alpha = lambda n)`` when scikit-learn is installed.

    Returns the gaps and the tolerances (by name) and what was done about sklearn.
    """
    n, d = z.shape
    gaps: dict[str, float] = {}
    tols: dict[str, float] = {}
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
    if not sklearn_available():
        return gaps, tols, "skipped: scikit-learn is not installed (pip install scikit-learn)"
    from sklearn.linear_model import Ridge

    coef = Ridge(alpha=lam * n, fit_intercept=True, solver="cholesky").fit(a, y).coef_
    gaps["sklearn_ridge_alpha=lambda*n"] = float(np.max(np.abs(w_n - coef)))
    tols["sklearn_ridge_alpha=lambda*n"] = tols["normal_equations_n"]
    return gaps, tols, "compared with sklearn Ridge(alpha = lambda n)"


@dataclass(frozen=True)
class _PilotBands:
    """The two C-LIME bands of Lemma 6 and kernel LIME: the reference fit on an independent
    pilot (``truth_band``: a witness of the exact slope) and the estimator under test
    (``fit``), each within its sandwich band of the exact slope. Both obey the pilot-sample
    rule: asserted only when ``pilot.asserted``."""

    pilot: ClimePilot
    truth_band: Band
    estimate: np.ndarray
    fit: Band

    def bound(self) -> dict[str, Any]:
        """The two bands and the pilot-sample rule's decision, as the checks report them."""
        return {
            "truth_against_pilot": self.truth_band.summary(),
            "band": self.fit.summary(),
            "clime_band_asserted": self.pilot.asserted,
            "clime_pilot_effective_count": self.pilot.effective_count,
        }

    def failures(self, truth_message: str, fit_message: str) -> list[str]:
        """The messages of the asserted bands that were missed (the truth's first)."""
        failures = []
        if self.pilot.asserted and not self.truth_band.ok:
            failures.append(truth_message)
        if self.pilot.asserted and not self.fit.ok:
            failures.append(fit_message)
        return failures


def _pilot_bands(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    target: np.ndarray,
    floor: Any,
    n: int,
    n_pilot: int,
    alpha: float,
    rngs: tuple[np.random.Generator, np.random.Generator],
    clime_estimator: Estimator,
    **options: Any,
) -> _PilotBands:
    """Fit the reference on ``n_pilot`` offsets (``rngs[1]``), then run the estimator at n
    (``rngs[0]``), both with ``options`` (``ridge=`` or ``kernel_width=``), and band both
    around ``target`` with the pilot's standard errors (floor: ``floor`` only, never the
    truth's distance to the pilot)."""
    d = f.dim
    z_pilot = rngs[1].standard_normal((n_pilot, d)) @ np.linalg.cholesky(cov).T
    pilot = clime_pilot(f, x0, z_pilot, **options)
    truth_band = band(
        pilot.slope, target, pilot.standard_error(n_pilot), alpha, n_pilot - d - 1, floor
    )
    estimate = np.asarray(clime_estimator(f, x0, cov, n, rngs[0], **options), float)
    fit = band(estimate, target, pilot.standard_error(n), alpha, n - d - 1, floor)
    return _PilotBands(pilot, truth_band, estimate, fit)


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
    n = check_n(n, 10 * (f.dim + 1), "the CLT band of kernel LIME")
    fa = check_false_alarm(false_alarm)
    kw = float(kernel_width)
    if not np.isfinite(kw) or kw <= 0:
        raise InputError(f"kernel_width must be a positive finite number, got {kernel_width!r}")
    alpha = split_budget(fa, 3)
    exact = _kernel_closed_forms(f, x0, cov, kw, closed_clime)
    fits, weight = _kernel_samples(
        f, x0, cov, exact, kw, n, n_pilot, alpha, seed, kernel, clime_estimator
    )
    failures = [k for k in exact.gaps if not exact.gaps[k] <= exact.tols[k]]
    failures += fits.failures(
        "the exact E_{Sigma'}[grad f] is not where the reference weighted fit on a pilot of "
        f"{n_pilot} lands (a wrong closed form or Gaussian moments?)",
        "weighted C-LIME_n is not at E_{Sigma'}[grad f] (lime's kernel is "
        "sqrt(exp(-d^2/kw^2)) = exp(-d^2/(2 kw^2)): is the square root missing?)",
    )
    failures += weight.failures()
    return CheckResult(
        "kernel_lime",
        FALSIFIED if failures else VERIFIED,
        observed={
            "estimate": fits.estimate,
            "mean_weight": weight.mean,
            "gaps": exact.gaps,
            "n": n,
        },
        bound={
            "sigma_prime": exact.sigma_prime,
            "smoothgrad_sigma_prime": exact.smoothgrad,
            "expected_mean_weight": weight.expected,
            "hoeffding_radius": weight.radius,
            "tolerances": exact.tols,
            **fits.bound(),
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


@dataclass(frozen=True)
class _KernelClosedForms:
    """Sigma' = (Sigma^-1 + I/kw^2)^-1 by inverse of inverses, the ground truth under it
    (``target``), and the exact comparisons: the engine's Sigma' against it, the closed
    kernel C-LIME against E_{Sigma'}[grad f] (``gaps`` and ``tols``, by name). ``floor``
    is the bands' floor: the truth's stated error and round-off, never its distance to
    the pilot."""

    sigma_prime: np.ndarray
    target: GroundTruth
    gaps: dict[str, float]
    tols: dict[str, float]
    floor: np.ndarray

    @property
    def smoothgrad(self) -> np.ndarray:
        """E_{Sigma'}[grad f], the slope kernel LIME must equal."""
        return self.target.moments.smoothgrad[0]


def _kernel_closed_forms(
    f: Function, x0: np.ndarray, cov: np.ndarray, kw: float, closed_clime: ClosedForm
) -> _KernelClosedForms:
    """Compare the engine's Sigma' and the closed kernel C-LIME with this module's formulas."""
    sigma_prime = np.linalg.inv(np.linalg.inv(cov) + np.eye(f.dim) / kw**2)
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
    floor = target.moments.smoothgrad_error[0] + clime_roundoff(f, x0, sigma_prime, sg_prime)
    return _KernelClosedForms(sigma_prime, target, gaps, tols, floor)


@dataclass(frozen=True)
class _MeanKernelWeight:
    """The mean kernel weight over n offsets against det(I + Sigma/kw^2)^{-1/2}, within the
    Hoeffding radius sqrt(ln(2/alpha) / (2n)) (the weights lie in [0, 1])."""

    mean: float
    expected: float
    radius: float

    def failures(self) -> list[str]:
        if abs(self.mean - self.expected) > self.radius:
            return [
                f"mean kernel weight {self.mean:.4f} is not det(I + Sigma/kw^2)^-1/2 = "
                f"{self.expected:.4f} (+- {self.radius:.4f}): wrong kernel convention?"
            ]
        return []


def _kernel_samples(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    exact: _KernelClosedForms,
    kw: float,
    n: int,
    n_pilot: int,
    alpha: float,
    seed: int,
    kernel: Callable[[np.ndarray, float], np.ndarray],
    clime_estimator: Estimator,
) -> tuple[_PilotBands, _MeanKernelWeight]:
    """The sampled part of kernel LIME: the weighted fits' bands around E_{Sigma'}[grad f]
    and the mean kernel weight, from three generators spawned from ``seed`` (the
    estimator's, the weights', the pilot's)."""
    rng_fit, rng_weights, rng_pilot = child_rngs(seed, 3)
    fits = _pilot_bands(
        f,
        x0,
        cov,
        exact.smoothgrad,
        exact.floor,
        n,
        n_pilot,
        alpha,
        (rng_fit, rng_pilot),
        clime_estimator,
        kernel_width=kw,
    )
    return fits, _mean_kernel_weight(kernel, cov, kw, n, alpha, rng_weights)


def _mean_kernel_weight(
    kernel: Callable[[np.ndarray, float], np.ndarray],
    cov: np.ndarray,
    kw: float,
    n: int,
    alpha: float,
    rng: np.random.Generator,
) -> _MeanKernelWeight:
    """Average ``kernel`` over n offsets drawn with ``rng``."""
    d = cov.shape[0]
    weights = kernel(rng.standard_normal((n, d)) @ np.linalg.cholesky(cov).T, kw)
    return _MeanKernelWeight(
        float(np.mean(weights)),
        float(np.linalg.det(np.eye(d) + cov / kw**2) ** -0.5),
        float(np.sqrt(np.log(2 / alpha) / (2 * n))),
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

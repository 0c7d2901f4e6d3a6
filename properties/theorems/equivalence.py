"""Theorem 1: SmoothGrad and C-LIME are the same vector, Sigma^{-1} Cov(x, f(x)).

:func:`check_theorem1` makes five assertions on one problem (f, x0, Sigma), sharing the
false-alarm budget equally (union bound):

1. closed forms: the engine's E[grad f] (gradient moments) and Sigma^{-1} Cov(x, f)
   (covariance moments) agree within round-off (plus the engine's own error estimate
   when it used quadrature): two independent routes;
2. the exact E[grad f] is where an independent pilot of reference gradients lands
   (t * SE of the pilot mean): an error in the exact answer that keeps Stein's
   identity (both routes wrong alike) is seen here;
3. likewise Sigma^{-1} Cov(x, f) against the reference C-LIME fit on the pilot;
4. the SmoothGrad under test lies within t * SE of the truth in every component,
   SE = sd(grad f) / sqrt(n) from the pilot (plus the variance a region of probability
   <= ln(1/alpha)/n_pilot could hide, range 2 G);
5. the C-LIME under test likewise, SE from the sandwich variance
   (docs/math.md#sandwich-variance) estimated on the pilot.

The bands' floors hold only the truth's stated error estimate and round-off.
Assertions 3 and 5 obey the pilot-sample rule (:func:`~.bands.clime_pilot`): below 30
effective pilot samples the C-LIME variance is unknown and they are not asserted.

**Power.** Each judged result states, in ``bound["power"]``, the smallest relative bias
of each estimator its band catches with probability >= 0.99
(:func:`verify.statistics.detectable_relative_bias`): a SmoothGrad returning
(1 + delta) times a correct answer with ``delta`` at least that figure is falsified
with probability >= 0.99. With ``resolution`` the check raises n (up to ``n_max``) until
both figures are at most ``resolution``: the ``thorough`` profile asks for 3 %.

Where Theorem 1 stops (step functions) is :mod:`.stein`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify import closed_form
from verify.functions import Function
from verify.statistics import POWER_Z, detectable_relative_bias, split_budget, t_quantile
from verify.validation import InputError, as_real

from .. import strategies as S
from .bands import (
    MIN_EFFECTIVE_COUNT,
    Band,
    ClimePilot,
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
    "THEOREM1",
    "check_theorem1",
]

_RTOL = 1e-8  # round-off allowance of exact identities, relative to the magnitudes
#: The largest n ``resolution`` may raise a check to (a few hundred MB at d = 10).
N_MAX = 2**20


def check_theorem1(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    n: int = 2000,
    seed: int = 0,
    false_alarm: float = 1e-6,
    n_pilot: int = 20000,
    resolution: float | None = None,
    n_max: int = N_MAX,
    smoothgrad_estimator: Estimator = default_smoothgrad,
    clime_estimator: Estimator = default_clime,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check Theorem 1 on (f, x0, cov): SG = C-LIME = Sigma^{-1} Cov(x, f), in closed form and
    empirically (the five assertions and the stated power: module docstring).

    Parameters
    ----------
    f : verify.functions.Function
        Absolutely continuous (else "not_applicable": see
        :func:`~.stein.check_stein_step_function`).
    x0 : array_like, shape (d,)
    cov : array_like, shape (d, d)
    n : int
        Perturbations per estimate (>= 10 (d + 1): the bands use the CLT).
    seed : int
    false_alarm : float
        Probability that a correct input is reported falsified.
    n_pilot : int
        Pilot sample size for the standard errors.
    resolution : float, optional
        Raise n (never lower it; at most ``n_max``) until a relative bias of this size
        in either estimator is caught with probability >= 0.99 (``bound["power"]``
        says whether it was reached).
    n_max : int
        The largest n ``resolution`` may ask for.
    smoothgrad_estimator, clime_estimator : callable
        The explainers under test, ``(f, x0, cov, n, rng) -> (d,)`` (default: the
        reference estimators).
    closed_smoothgrad, closed_clime : callable
        The closed forms under test (default: the engine's).

    Returns
    -------
    CheckResult
        Statement "theorem1".
    """
    f, x0, cov = check_inputs(f, x0, cov)
    n = check_n(n, 10 * (f.dim + 1), "the CLT bands of Theorem 1")
    fa = check_false_alarm(false_alarm)
    if not f.absolutely_continuous:
        return CheckResult(
            "theorem1",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} is not absolutely continuous: Stein's lemma and Theorem 1 do not "
            "apply; use check_stein_step_function to see the two explanations disagree",
        )
    if resolution is not None:
        resolution = as_real(resolution, "resolution", "a positive relative bias")
        if resolution <= 0:
            raise InputError(f"resolution must be a positive relative bias, got {resolution}")
        if isinstance(n_max, bool) or not isinstance(n_max, int | np.integer) or n_max < n:
            raise InputError(f"n_max must be an int >= n = {n}, got {n_max!r}")
    rng_sg, rng_cl, rng_pilot = child_rngs(seed, 3)
    pilot = _Pilot.draw(f, x0, cov, split_budget(fa, 5), n_pilot, rng_pilot)
    if resolution is not None:
        n = pilot.sized(n, resolution, n_max)
    closed = pilot.closed_forms(closed_smoothgrad(f, x0, cov), closed_clime(f, x0, cov))
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, n, rng_sg), float)
    cl_n = np.asarray(clime_estimator(f, x0, cov, n, rng_cl), float)
    return _result(pilot, closed, sg_n, cl_n, n, seed, fa, resolution)


@dataclass(frozen=True)
class _Pilot:
    """The truth, and the reference estimators on an independent pilot sample.

    It decides the standard errors and the pilot-sample rule before any estimator
    under test runs.
    """

    f: Function
    x0: np.ndarray
    cov: np.ndarray
    alpha: float
    truth: Any  # closed_form.GroundTruth
    grads: np.ndarray
    clime: ClimePilot
    roundoff: float

    @classmethod
    def draw(
        cls,
        f: Function,
        x0: np.ndarray,
        cov: np.ndarray,
        alpha: float,
        n_pilot: int,
        rng: np.random.Generator,
    ) -> _Pilot:
        truth = closed_form.ground_truth(f, x0, cov)
        z_pilot = rng.standard_normal((n_pilot, f.dim)) @ np.linalg.cholesky(cov).T
        grads = f.gradient(x0 + z_pilot)
        clime = clime_pilot(f, x0, z_pilot)
        roundoff = clime_roundoff(f, x0, cov, truth.clime[0])
        return cls(f, x0, cov, alpha, truth, grads, clime, roundoff)

    @property
    def n_pilot(self) -> int:
        return len(self.grads)

    def smoothgrad_se(self, n: int) -> np.ndarray:
        G = self.f.gradient_bound
        spread = None if G is None else 2 * G
        return pilot_standard_error(self.grads, n, range_bound=spread, alpha=self.alpha)

    def closed_forms(self, sg_closed: Any, cl_closed: Any) -> tuple[np.ndarray, np.ndarray, Band]:
        """Assertion 1: the two closed forms under test agree."""
        t = self.truth
        sg_closed, cl_closed = np.asarray(sg_closed, float), np.asarray(cl_closed, float)
        sg_true, cl_true = t.moments.smoothgrad[0], t.clime[0]
        scale = exact_scale(sg_true, cl_true) * np.linalg.cond(self.cov) ** 0.5
        err = t.moments.smoothgrad_error[0] + t.clime_error[0]
        return (
            sg_closed,
            cl_closed,
            band(sg_closed, cl_closed, err, self.alpha, np.inf, _RTOL * scale),
        )

    def truth_bands(self) -> tuple[Band, Band]:
        """Assertions 2-3: the exact answers against the pilot (floors: the truth's error)."""
        t, m, d = self.truth, self.n_pilot, self.f.dim
        sg = band(
            self.grads.mean(axis=0),
            t.moments.smoothgrad[0],
            self.smoothgrad_se(m),
            self.alpha,
            m - 1,
            t.moments.smoothgrad_error[0],
        )
        cl_se = self.clime.standard_error(m)
        floor = t.clime_error[0] + self.roundoff
        cl = band(self.clime.slope, t.clime[0], cl_se, self.alpha, m - d - 1, floor)
        return sg, cl

    def estimate_bands(self, sg_n: np.ndarray, cl_n: np.ndarray, n: int) -> tuple[Band, Band]:
        """Assertions 4-5: the estimators under test against the engine's truth."""
        t, d = self.truth, self.f.dim
        sg_floor, cl_floor = self.floors(n)
        sg = band(sg_n, t.moments.smoothgrad[0], self.smoothgrad_se(n), self.alpha, n - 1, sg_floor)
        cl_se = self.clime.standard_error(n)
        cl = band(cl_n, t.clime[0], cl_se, self.alpha, n - d - 1, cl_floor)
        return sg, cl

    def floors(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The estimate bands' floors: the truth's stated error and round-off, which for a
        sum of n terms accumulated one by one reaches n eps times the largest term."""
        t, accumulated = self.truth, n * np.finfo(float).eps
        sg = t.moments.smoothgrad_error[0] + accumulated * np.max(np.abs(self.grads), axis=0)
        cl = t.clime_error[0] + self.roundoff * (1 + accumulated / 1e-10)
        return sg, cl

    def power(self, sg: Band, cl: Band, n: int) -> dict[str, Any]:
        """The smallest relative bias of each estimator that its band at n (assertions 4-5:
        the tolerance does not depend on the estimate) catches w.p. >= 0.99 (None: none)."""
        sg_true, cl_true = self.truth.moments.smoothgrad[0], self.truth.clime[0]
        cl_se = self.clime.standard_error(n)
        return {
            "smoothgrad": _detectable(sg, self.smoothgrad_se(n), sg_true),
            "clime": _detectable(cl, cl_se, cl_true) if self.clime.asserted else None,
            "n": n,
        }

    def sized(self, n: int, resolution: float, n_max: int) -> int:
        """The n (>= n, <= n_max) at which both estimators' detectable bias is <= resolution.

        An estimator whose bias no n can reveal (a zero truth, a floor above it) does
        not raise n; one that needs more than ``n_max`` gets ``n_max``.
        """
        d, need = self.f.dim, n
        t = self.truth
        sg_truth, cl_truth = t.moments.smoothgrad[0], t.clime[0]
        q_sg = t_quantile(self.alpha, d, n - 1) + POWER_Z
        q_cl = t_quantile(self.alpha, d, n - d - 1) + POWER_Z  # t only falls as n grows
        sg_floor, cl_floor = self.floors(n_max)  # the floors only grow with n
        sg_floor = sg_floor + 1e-12 * (1 + np.abs(sg_truth))
        sg_need = _n_for(sg_truth, self.smoothgrad_se(1), q_sg, sg_floor, resolution)
        need = max(need, sg_need if math.isfinite(sg_need) else n)
        if self.clime.asserted:
            cl_floor = cl_floor + 1e-12 * (1 + np.abs(cl_truth))
            se1 = self.clime.standard_error(d + 3)  # SE at n - d - 2 = 1
            cl_need = d + 2 + _n_for(cl_truth, se1, q_cl, cl_floor, resolution)
            need = max(need, cl_need if math.isfinite(cl_need) else n)
        return int(min(need, max(n, n_max)))


def _detectable(b: Band, se: np.ndarray, truth: np.ndarray) -> float | None:
    """:func:`detectable_relative_bias` of a band around ``truth`` (None: no bias is seen)."""
    floor = np.asarray(b.tolerance, float) - b.quantile * np.asarray(se, float)
    delta = detectable_relative_bias(truth, se, b.quantile, floor)
    return delta if math.isfinite(delta) else None


def _n_for(
    truth: np.ndarray, se1: np.ndarray, q: float, floor: np.ndarray, resolution: float
) -> float:
    """Smallest n with resolution |mu_k| >= q (1 + resolution) se1_k / sqrt(n) + floor_k
    in some component k (inf when no component can reach it)."""
    margin = resolution * np.abs(truth) - floor
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(margin > 0, (q * (1 + resolution) * se1 / margin) ** 2, np.inf)
    best = float(np.min(n)) if n.size else math.inf
    return math.ceil(best) if math.isfinite(best) else math.inf


_FAILURES = (
    "the closed forms disagree (does the C-LIME closed form apply Sigma^-1 to "
    "Cov(x, f)? is SmoothGrad's closed form taken under the same covariance?)",
    "empirical SmoothGrad is outside its band (is the noise scaled by a variance, "
    "not a standard deviation? absolute gradients? biased?)",
    "empirical C-LIME is outside its band (intercept fitted? same covariance? "
    "kernel or ridge left on?)",
)


def _result(
    pilot: _Pilot,
    closed: tuple[np.ndarray, np.ndarray, Band],
    sg_n: np.ndarray,
    cl_n: np.ndarray,
    n: int,
    seed: int,
    fa: float,
    resolution: float | None,
) -> CheckResult:
    """The five assertions judged, as a :class:`CheckResult`."""
    sg_closed, cl_closed, closed_band = closed
    sg_truth, cl_truth = pilot.truth_bands()
    sg_band, cl_band = pilot.estimate_bands(sg_n, cl_n, n)
    cl_applies = pilot.clime.asserted
    failures = [_FAILURES[0]] if not closed_band.ok else []
    if not sg_truth.ok or (cl_applies and not cl_truth.ok):
        failures.append(
            "the exact answer is not where the reference estimators land on an independent "
            f"pilot of {pilot.n_pilot} (worst error/tolerance "
            f"{max(sg_truth.worst, cl_truth.worst if cl_applies else 0.0):.3g}): is a closed "
            "form or a family's Gaussian moments wrong (a normalising constant, a phase)?"
        )
    failures += [_FAILURES[1]] if not sg_band.ok else []
    failures += [_FAILURES[2]] if cl_applies and not cl_band.ok else []
    f, truth = pilot.f, pilot.truth
    return CheckResult(
        "theorem1",
        FALSIFIED if failures else VERIFIED,
        observed={
            "closed_smoothgrad": sg_closed,
            "closed_clime": cl_closed,
            "smoothgrad_n": sg_n,
            "clime_n": cl_n,
            "pilot_smoothgrad": pilot.grads.mean(axis=0),
            "pilot_clime": pilot.clime.slope,
            "n": n,
            "truth_method": truth.method,
        },
        bound={
            "truth": truth.moments.smoothgrad[0],
            "closed_forms": closed_band.summary(),
            "truth_against_pilot_smoothgrad": sg_truth.summary(),
            "truth_against_pilot_clime": cl_truth.summary(),
            "smoothgrad_band": sg_band.summary(),
            "clime_band": cl_band.summary(),
            "clime_band_asserted": cl_applies,
            "clime_pilot_effective_count": pilot.clime.effective_count,
            "power": {**pilot.power(sg_band, cl_band, n), "resolution": resolution},
        },
        false_alarm=fa,
        assertions=5,
        seed=seed,
        counterexample={"f": f.to_spec(), "x0": pilot.x0, "cov": pilot.cov, "n": n, "seed": seed}
        if failures
        else None,
        message="; ".join(failures) or _passed_message(n, sg_band, cl_band, pilot.clime),
    )


def _passed_message(n: int, sg_band: Band, cl_band: Band, clime: ClimePilot) -> str:
    if clime.asserted:
        return (
            f"closed forms agree and match the pilot; SG_n and C-LIME_n within their bands at "
            f"n = {n} (worst error/tolerance {max(sg_band.worst, cl_band.worst):.2f})"
        )
    return (
        f"closed forms agree; SG matches the pilot; SG_n within its band at n = {n}; "
        f"C-LIME not asserted: only {clime.effective_count:.1f} effective pilot samples "
        "carry its variance (rare-event regime)"
    )


def _property_check(case: Any, seed: int, resolution: float | None = None) -> CheckResult:
    return check_theorem1(case.f, case.x0, case.cov, n=1000, seed=case.seed, resolution=resolution)


#: Theorem 1 on generated problems (registered in :mod:`verify.catalogue`); a profile's
#: ``property_resolution`` sizes n (``thorough``: a 3 % bias caught w.p. >= 0.99).
THEOREM1 = StatementProperty(
    lambda: S.problems(),
    _property_check,
    S.problem_label,
    check_at_profile=lambda case, seed, profile: _property_check(
        case, seed, profile.property_resolution
    ),
)

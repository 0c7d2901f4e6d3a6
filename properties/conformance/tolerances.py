"""Tolerances of the statistical checks, each with a stated false-alarm probability.

The explainer's own spread is estimated from R replicate seeds, so no variance
formula of a particular estimator is assumed (a quasi-Monte Carlo, antithetic
or control-variate explainer simply shows a smaller spread).

* Bias: for each of m components, the mean error over R replicates divided by
  its estimated standard error is Student-t with R - 1 degrees of freedom
  (the replicate estimates are averages of n >= hundreds of draws, hence
  close to normal). The two-sided threshold t_{R-1}(1 - alpha / (2 m))
  (Bonferroni over the m components) gives a false alarm <= alpha for the
  whole assertion.
* Exact identities: the working precision of the declared arithmetic,
  ``exact_rtol``, plus the rounding an explainer cannot avoid on the drawn
  problem: 16 eps kappa, with kappa = (1 + |x0| / sigma_max) sqrt(cond(cov)),
  the size of x0 in whitened units (adding a perturbation to a far point
  rounds it at eps |x0|; a fit in those coordinates loses kappa eps).
* Independence across seeds: under "outputs at distinct seeds are independent
  and identically distributed", the differences of the outputs at m pairs of
  adjacent seeds (s, s + 1) and at m pairs of unrelated seeds are 2m i.i.d.
  values, so the Mann-Whitney rank-sum statistic of their sizes has its exact,
  distribution-free null law: the two-sided test at level alpha has false alarm
  <= alpha whatever the explainer's error distribution.
* Rate: the mean squared errors at n1 < n2 from independent replicates are
  (weighted) chi-square sums with between R and R m degrees of freedom. For a
  correct explainer MSE(n2) n2 / (MSE(n1) n1) <= 1 (up to the small-n variance
  inflation of least squares, which goes the safe way), and the ratio of two
  such sums exceeds the F(R, R) upper alpha quantile with probability at most
  about alpha (R degrees of freedom is the least favourable, rank-one case).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from verify import statistics

__all__ = [
    "IDENTICAL_RTOL",
    "RESOLVABLE",
    "ROUNDING",
    "SCALE_FLOOR",
    "adjacent_seed_test",
    "exact_tolerance",
    "mean_error_test",
    "output_scale",
    "precision_pattern",
    "resolvable_noise",
    "rounding_allowance",
    "working_precision",
]

#: Rounding allowance per unit of conditioning (see the module docstring).
ROUNDING = 16.0

#: The working precision (relative tolerance of an exact identity) of each declared
#: arithmetic: float64 results agree to 1e-7 after the summation orders and fits an
#: implementation may choose, float32 ones to 2e-3.
_WORKING_RTOL = {"float64": 1e-7, "float32": 2e-3}

#: The smallest output size a tolerance is scaled by (an explanation of 0 still gets a
#: round-off allowance, not a tolerance of 0).
SCALE_FLOOR = 1e-12

#: Two outputs within IDENTICAL_RTOL of their size count as the same (a stochastic
#: explainer's outputs at distinct seeds differ by far more: a sampling error).
IDENTICAL_RTOL = 1e-12

#: Noise is resolvable at x0 when its smallest standard deviation is at least RESOLVABLE
#: times the rounding of x0 (eps max(1, |x0|)) in the declared precision.
RESOLVABLE = 1e4


def working_precision(precision: str) -> tuple[float, float]:
    """``(rtol, eps)`` of the declared arithmetic ``"float64"`` or ``"float32"``: the
    relative tolerance of an exact identity and the machine epsilon."""
    key = "float64" if precision == "float64" else "float32"
    return _WORKING_RTOL[key], float(np.finfo(np.dtype(key)).eps)


def output_scale(values: Any) -> float:
    """The size ``max |values|`` an exact tolerance scales with, at least :data:`SCALE_FLOOR`."""
    return max(float(np.max(np.abs(values))), SCALE_FLOOR)


def rounding_allowance(factor: float, eps: float, length: float) -> float:
    """``factor * ROUNDING * eps * length``: the rounding of a point of size ``length``
    (in the declared precision, machine epsilon ``eps``) carried through a derivative of
    size ``factor``."""
    return factor * ROUNDING * eps * length


def resolvable_noise(eps: float, x0: Any) -> float:
    """The smallest noise standard deviation resolvable at ``x0``:
    ``RESOLVABLE * eps * max(1, max |x0|)`` (smaller noise is below what x0 + z can
    represent, and an explainer may rightly refuse it)."""
    return RESOLVABLE * eps * max(1.0, float(np.max(np.abs(x0))))


def mean_error_test(
    estimates: np.ndarray, truth: np.ndarray, floor: np.ndarray, false_alarm: float
) -> dict[str, Any]:
    """Is the mean of R replicate estimates consistent with ``truth``, component-wise?

    Parameters
    ----------
    estimates : ndarray, shape (R, m)
    truth : ndarray, shape (m,)
    floor : ndarray, shape (m,)
        Absolute slack for what is not sampling error: the truth's own error
        bound and the working precision.
    false_alarm : float
        For the whole assertion (Bonferroni over the m components).

    Returns
    -------
    dict
        ``ok``, ``worst`` (max |mean error| / tolerance), and per-component
        ``mean``, ``truth``, ``se``, ``tolerance``, ``t``.
    """
    R, m = estimates.shape
    mean = estimates.mean(axis=0)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(R)
    t = statistics.t_quantile(false_alarm, m, R - 1)
    tol = t * se + floor
    err = np.abs(mean - truth)
    worst = float(np.max(err / np.maximum(tol, 1e-300)))
    return {
        "ok": bool(np.all(err <= tol)),
        "worst": worst,
        "mean": mean,
        "truth": np.asarray(truth, dtype=float),
        "se": se,
        "tolerance": tol,
        "t": t,
        "replicates": R,
    }


def exact_tolerance(
    rtol: float, eps: float, scale: float, distance: float = 0.0, condition: float = 1.0
) -> float:
    """Absolute tolerance of an exact identity between outputs of size ``scale``.

    ``rtol`` is the working precision of the declared arithmetic, ``eps`` its
    machine epsilon; ``distance`` = |x0| / sigma_max and ``condition`` = cond(cov)
    of the problem (see the module docstring).
    """
    kappa = (1.0 + distance) * np.sqrt(condition)
    return float(scale * (rtol + ROUNDING * eps * kappa))


def precision_pattern(relative_error: float, precision: str) -> str | None:
    """A hint when an exact identity fails by about float32 rounding in a float64 explainer."""
    if precision == "float64" and 1e-7 <= relative_error <= 1e-2:
        return (
            f"the error is at the level of float32 rounding (relative {relative_error:.2g}): if "
            "the explainer computes in float32 (torch's default dtype, a float32 model), declare "
            "precision='float32'"
        )
    return None


def adjacent_seed_test(
    adjacent: np.ndarray, unrelated: np.ndarray, false_alarm: float
) -> dict[str, Any]:
    """Are the outputs at adjacent seeds as different as at unrelated seeds?

    Parameters
    ----------
    adjacent : ndarray, shape (m, d)
        E(seed s_i) - E(seed s_i + 1) for m disjoint pairs of adjacent seeds.
    unrelated : ndarray, shape (m, d)
        E(t_i) - E(t'_i) for m pairs of unrelated seeds (all 4m seeds distinct).
    false_alarm : float
        Two-sided level of the exact Mann-Whitney test on the norms.

    Returns
    -------
    dict
        ``ok``, ``p_value``, the median norms, and ``ratio`` = median adjacent /
        median unrelated (1 for independent seeds, near 0 when neighbouring seeds
        share their noise, above 1 when they are anti-correlated).
    """
    a = np.linalg.norm(adjacent, axis=1)
    u = np.linalg.norm(unrelated, axis=1)
    if np.all(a == 0) and np.all(u == 0):  # no randomness at all: nothing to correlate
        p = 1.0
    else:
        p = float(stats.mannwhitneyu(a, u, alternative="two-sided", method="exact").pvalue)
    med_u = float(np.median(u))
    return {
        "ok": p > false_alarm,
        "p_value": p,
        "median_adjacent": float(np.median(a)),
        "median_unrelated": med_u,
        "ratio": float(np.median(a) / med_u) if med_u > 0 else float("inf"),
        "pairs": len(a),
        "worst": false_alarm / max(p, 1e-300),
    }

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

from verify import statistics

__all__ = ["mean_error_test"]




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

"""What a passed statistical check could have seen: its power at the sizes it ran.

A statistical check that passes says "no bias beyond the band"; how wide the band was
is its power. Each check states it in its figures (``power``), so a report can say
what "passed" rules out:

* ``relative_bias``: the smallest relative bias delta such that an explainer returning
  (1 + delta) or (1 - delta) times a correct explanation fails the check with
  probability >= 0.99, at the n and R of the problems judged. For one component k
  of a mean-error test (:func:`.tolerances.mean_error_test`: mean over R replicates,
  standard error se_k, threshold t se_k + floor_k, truth mu_k) the scaled explainer's
  mean error is about N(delta mu_k, ((1 + delta) se_k)^2), so it fails with
  probability >= 0.99 once |delta| |mu_k| >= (t + z) (1 + delta) se_k + floor_k,
  z = 2.326 (one-sided 0.99): delta_up = c_k / (|mu_k| - (t + z) se_k) and
  delta_down = c_k / (|mu_k| + (t + z) se_k) with c_k = (t + z) se_k + floor_k. The
  stated delta is the larger of the two for the best component, and the smallest over
  the problems judged (the check fails if any problem does). It uses the replicates'
  own standard errors, so it is an estimate; tests/properties/conformance measure it by injecting
  scaled biases into a reference.
* ``n_cap``: for the rate check, the largest silent cap on n caught with probability
  >= 0.99: an explainer that uses only c < n2 draws has MSE(n2) n2 / (MSE(n1) n1)
  about (n2 / c) F, F ~ F(df2, df1) (Satterthwaite's degrees of freedom of the
  replicate sums), and fails once (n2 / c) F_0.01 >= the F threshold q.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from verify.statistics import POWER_Z, detectable_relative_bias

__all__ = ["Z99", "bias_power", "cap_power", "merge_power", "satterthwaite"]

#: One-sided 0.99 normal quantile (the engine's).
Z99 = POWER_Z


def bias_power(res: dict[str, Any], truth: np.ndarray | None = None) -> float:
    """The smallest relative bias caught with probability >= 0.99 by one mean-error test.

    ``res`` is a :func:`.tolerances.mean_error_test` result; ``truth`` the explanation
    the bias scales (default ``res["truth"]``; for a paired test of differences, the
    size of the explanation itself). ``inf`` when no component can see any bias
    (:func:`verify.statistics.detectable_relative_bias`).
    """
    se = np.asarray(res["se"], dtype=float)
    floor = np.asarray(res["tolerance"], dtype=float) - res["t"] * se
    mu = res["truth"] if truth is None else truth
    return detectable_relative_bias(mu, se, res["t"], floor)


def satterthwaite(component_variances: np.ndarray, replicates: int) -> float:
    """Degrees of freedom of a sum of squared errors over components (Satterthwaite)."""
    v = np.asarray(component_variances, dtype=float)
    total = float(v.sum())
    if total <= 0:
        return float(replicates)
    return float(replicates * total**2 / float(np.sum(v * v)))


def cap_power(n2: int, q: float, df2: float, df1: float) -> float:
    """The largest cap c < n2 on n that the rate test catches with probability >= 0.99."""
    return float(n2 * stats.f.ppf(0.01, df2, df1) / q)


def merge_power(best: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The power of a check over several problems: the best of each figure."""
    merged = dict(best or {})
    for key, value in new.items():
        if key not in merged:
            merged[key] = value
        elif key == "relative_bias":
            merged[key] = min(merged[key], value)
        elif key == "n_cap":
            merged[key] = max(merged[key], value)
        else:
            merged[key] = value
    return merged


def describe(power: dict[str, Any]) -> str:
    """One sentence: what a pass of this check rules out (for messages and reports)."""
    parts = []
    if "relative_bias" in power and np.isfinite(power["relative_bias"]):
        parts.append(
            f"a relative bias of {100 * power['relative_bias']:.3g} % or more would have "
            "failed with probability >= 0.99"
        )
    if "n_cap" in power:
        parts.append(
            f"n silently capped at {power['n_cap']:.0f} or below would have failed with "
            "probability >= 0.99"
        )
    return "; ".join(parts)

"""The rate test every sampling kind shares: does the error shrink at least as n^-1/2?

With mean squared errors over R1 replicates at n1 and R2 at n2 (adjacent seeds, summed
over the components), a correct estimator has MSE(n2) n2 <= F MSE(n1) n1 up to the
truth's floor, F the upper alpha quantile of F(R2, R1): the least favourable (rank-one)
case, so the false alarm is at most alpha. A faster explainer (QMC, an exact enumerator)
passes with room to spare; one whose n is silently capped or whose error a bias
dominates fails. The figures state the power: the largest cap on n caught with
probability >= 0.99 (:func:`.power.cap_power`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from verify import statistics

from .power import cap_power, satterthwaite
from .search import Finding

__all__ = ["rate_test", "refuse_repeats", "squared_errors"]


def squared_errors(outs: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Replicates (R, d) against the target: the MSE summed over the features, and the
    mean squared error of each feature (for Satterthwaite's degrees of freedom)."""
    squares = (np.asarray(outs) - target) ** 2
    return float(np.mean(np.sum(squares, axis=1))), np.mean(squares, axis=0)


def refuse_repeats(
    outs: np.ndarray, n: int, hint: str, exempt: Callable[[], bool] | None = None
) -> None:
    """A stochastic explainer's replicates at distinct seeds must all differ: a
    :class:`Finding` (with ``hint``, the usual causes) naming how many are bit-identical.
    ``exempt`` (asked only when some repeat) may excuse them: an enumerating sampler that
    is exact at n answers the target itself at every seed."""
    flat = {np.asarray(out).tobytes() for out in outs}
    if len(flat) < len(outs) and not (exempt is not None and exempt()):
        raise Finding(
            f"at n = {n} {len(outs) - len(flat) + 1} of the {len(outs)} replicates at distinct "
            "seeds are identical, bit for bit, although the explainer is declared stochastic",
            hint,
            {"n": n, "distinct": len(flat), "replicates": len(outs)},
        )


def rate_test(
    mse: dict[int, float],
    variances: dict[int, np.ndarray],
    counts: dict[int, int],
    n1: int,
    n2: int,
    floor2: float,
    alpha: float,
    hint: str,
) -> dict[str, Any]:
    """Judge MSE(n2) against F MSE(n1) n1 / n2 + ``floor2``; the figures of a pass, or a
    :class:`Finding` (with ``hint``, the usual causes) when the error shrinks too slowly.

    ``mse`` and ``variances`` (per component) are keyed by n; ``counts`` holds the
    replicates at each n; ``floor2`` is the squared error the truth's own error bar and
    the arithmetic allow at n2."""
    q = statistics.f_quantile(alpha, counts[n2], counts[n1])
    bound = q * mse[n1] * n1 / n2 + floor2
    rate = 0.5 * np.log(mse[n1] / max(mse[n2], 1e-300)) / np.log(n2 / n1)
    df2 = satterthwaite(variances[n2], counts[n2])
    df1 = satterthwaite(variances[n1], counts[n1])
    figures = {
        "rmse": {str(n): float(np.sqrt(mse[n])) for n in (n1, n2)},
        "observed_rate": float(rate),
        "f_quantile": q,
        "bound_mse": bound,
        "worst": mse[n2] / max(bound, 1e-300),
        "power": {"n_cap": cap_power(n2, q, df2, df1), "n": n2, "replicates": counts[n2]},
    }
    if mse[n2] > bound:
        raise Finding(
            f"RMSE {np.sqrt(mse[n1]):.3g} at n = {n1} and {np.sqrt(mse[n2]):.3g} at n = {n2}: "
            f"error ~ n^-{rate:.2f}, expected at least n^-0.5 (MSE at n = {n2} "
            f"{mse[n2]:.3g} > bound {bound:.3g} = F-quantile {q:.3g} x MSE({n1}) x {n1}/{n2}, "
            f"false alarm {alpha:.2g})",
            hint,
            figures,
        )
    return figures

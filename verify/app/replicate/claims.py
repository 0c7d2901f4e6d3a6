"""The paper's empirical claims, judged on our measurements.

Each check reads the figure data of one data set (as produced by
:func:`verify.app.replicate.experiments.run_dataset`, or built by hand in tests),
states the operational definition it applies, and returns a :class:`ClaimResult`:
``holds`` from the point estimates, plus how many standard errors separate each
deciding comparison from its threshold. ``decisive`` says whether every margin
exceeds the Student-t quantile for a two-sided false-alarm probability of 1e-6
(Bonferroni over the comparisons; the standard errors come from independent
groups of test points, so they have groups - 1 degrees of freedom). A verdict
that is not decisive is reported as such, never silently.

The paper's words are vague ("about 100", "saturates"); the thresholds below
make them precise and are overridable through :class:`Thresholds`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from verify.statistics import DEFAULT_FALSE_ALARM

__all__ = [
    "CLAIMS",
    "ClaimResult",
    "Thresholds",
    "check_equivalence",
    "check_more_robust",
    "check_saturation",
    "check_smaller_sigma",
    "judge_claims",
]


@dataclass(frozen=True)
class Thresholds:
    """Operational definitions of the paper's words."""

    equivalence_n: int = 100  # "equivalence reached at about 100 perturbations"
    equivalence_relative: float = 0.1  # reached: mean distance <= 10% of the mean ||SG||
    saturation_n: int = 200  # "SmoothGrad saturates by about 200"
    saturation_tolerance: float = 0.25  # saturated: R(n) <= 1.25 R(n_max)
    about_factor: float = 2.0  # "about n" admits up to 2n
    false_alarm: float = DEFAULT_FALSE_ALARM


@dataclass
class ClaimResult:
    """A measured verdict on one claim for one data set."""

    claim: str
    holds: bool
    summary: str
    margins_se: list[float] = field(default_factory=list)
    decisive: bool | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def _arr(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _decisive(margins: list[float], dof: int, false_alarm: float) -> bool | None:
    """All |margin| / se beyond the t quantile? None when nothing was compared."""
    finite = [m for m in margins if np.isfinite(m)]
    if not finite:
        return None
    q = float(student_t.isf(false_alarm / (2 * len(finite)), max(1, dof)))
    return bool(min(abs(m) for m in finite) >= q)


def _dof(data: dict) -> int:
    return int(data.get("sizes", {}).get("groups", 16)) - 1


def _first_at_most(grid: np.ndarray, values: np.ndarray, threshold: float) -> int | None:
    """Smallest n of the grid from which on every value is <= threshold (None if never)."""
    ok = np.isfinite(values) & (values <= threshold)
    for k in range(grid.size):
        if ok[k:].all():
            return int(grid[k])
    return None


def _grid_at_least(grid: np.ndarray, n: float) -> int:
    """Index of the first grid value >= n (the last one if none)."""
    idx = np.searchsorted(grid, n)
    return int(min(idx, grid.size - 1))


#: The thresholds the claims are judged with unless others are given.
DEFAULT_THRESHOLDS = Thresholds()


def check_equivalence(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "Equivalence reached at about 100 perturbations".

    Holds if the mean SG-C-LIME distance (independent perturbations, the paper's
    metric) relative to the mean ||SG|| stays <= ``equivalence_relative`` from some
    n <= about_factor x equivalence_n on.
    """
    grid = np.asarray(data["n"])
    cfg = data["configs"][data["default"]]
    scale = float(cfg["scale"])
    mean, se = _arr(cfg["equivalence"]["mean"]), _arr(cfg["equivalence"]["se"])
    relative = mean / scale
    reached = _first_at_most(grid, relative, th.equivalence_relative)
    limit = th.about_factor * th.equivalence_n
    holds = reached is not None and reached <= limit
    k = _grid_at_least(grid, limit)
    margin = (th.equivalence_relative * scale - mean[k]) / se[k] if se[k] > 0 else np.inf
    return ClaimResult(
        "equivalence_100",
        holds,
        f"relative SG-C-LIME distance <= {th.equivalence_relative:g} from n = {reached} on "
        f"(claim: about {th.equivalence_n}, admitted up to {limit:g}); at n = {grid[k]} it is "
        f"{relative[k]:.3g}",
        [float(margin)],
        _decisive([float(margin)], _dof(data), th.false_alarm),
        {
            "n_reached": reached,
            "relative_distance": [None if not np.isfinite(v) else float(v) for v in relative],
            "relative_se": [None if not np.isfinite(v) else float(v / scale) for v in se],
            "scale": scale,
        },
    )


def check_saturation(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "SmoothGrad saturates by about 200 perturbations".

    Holds if SmoothGrad's robustness metric R(n) (mean max distance to the
    neighbours' explanations) is within ``saturation_tolerance`` of R(n_max) from
    some n <= about_factor x saturation_n on.
    """
    grid = np.asarray(data["n"])
    cfg = data["configs"][data["default"]]
    mean, se = _arr(cfg["robustness_sg"]["mean"]), _arr(cfg["robustness_sg"]["se"])
    plateau = (1 + th.saturation_tolerance) * mean[-1]
    saturated = _first_at_most(grid, mean, plateau)
    limit = th.about_factor * th.saturation_n
    holds = saturated is not None and saturated <= limit
    k = _grid_at_least(grid, limit)
    # R(n) and R(n_max) are positively correlated (nested samples): adding the
    # variances overstates the difference's standard error, which is conservative.
    spread = np.hypot(se[k], (1 + th.saturation_tolerance) * se[-1])
    margin = (plateau - mean[k]) / spread if spread > 0 else np.inf
    sweep = {}
    for key in data.get("sweep", []):
        r = _arr(data["configs"][key]["robustness_sg"]["mean"])
        sweep[key] = _first_at_most(grid, r, (1 + th.saturation_tolerance) * r[-1])
    return ClaimResult(
        "smoothgrad_saturates_200",
        holds,
        f"SmoothGrad's robustness is within {th.saturation_tolerance:.0%} of its n = "
        f"{grid[-1]} value from n = {saturated} on (claim: about {th.saturation_n}, admitted up "
        f"to {limit:g}); R({grid[k]}) / R({grid[-1]}) = {mean[k] / mean[-1]:.3g}",
        [float(margin)],
        _decisive([float(margin)], _dof(data), th.false_alarm),
        {
            "n_saturated": saturated,
            "ratio_to_final": [float(v) for v in mean / mean[-1]],
            "n_saturated_by_sigma": sweep,
        },
    )


def check_more_robust(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "SmoothGrad is more robust than C-LIME".

    Holds if SmoothGrad's robustness metric is smaller than C-LIME's at every n
    of the grid where C-LIME is defined (n > d); the comparison is paired per
    test point (``robustness_gap`` = C-LIME minus SmoothGrad).
    """
    grid = np.asarray(data["n"])
    cfg = data["configs"][data["default"]]
    gap, se = _arr(cfg["robustness_gap"]["mean"]), _arr(cfg["robustness_gap"]["se"])
    defined = np.isfinite(gap)
    if not defined.any():
        raise ValueError("C-LIME is undefined at every n of the grid (n <= d): widen the grid")
    wins = gap[defined] > 0
    margins = [
        float(g / s) if s > 0 else float(np.sign(g) * np.inf)
        for g, s in zip(gap[defined], se[defined], strict=True)
    ]
    sweep = {}
    for key in data.get("sweep", []):
        g = _arr(data["configs"][key]["robustness_gap"]["mean"])
        sweep[key] = float(np.mean(g[np.isfinite(g)] > 0)) if np.isfinite(g).any() else None
    losing = [int(n) for n, w in zip(grid[defined], wins, strict=True) if not w]
    return ClaimResult(
        "smoothgrad_more_robust",
        bool(wins.all()),
        f"SmoothGrad's max neighbour distance is below C-LIME's at {int(wins.sum())} of "
        f"{int(defined.sum())} sample sizes" + (f" (not at n = {losing})" if losing else ""),
        margins,
        _decisive(margins, _dof(data), th.false_alarm),
        {
            "fraction_of_grid": float(wins.mean()),
            "n_where_clime_is_as_robust": losing,
            "fraction_by_sigma": sweep,
        },
    )


def check_smaller_sigma(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "Smaller sigma converges faster, in equivalence and in robustness".

    Over the sigma sweep, holds if (i) the relative SG-C-LIME distance at n =
    ``equivalence_n`` and (ii) for each estimator the robustness ratio
    R(saturation_n) / R(n_max) (how far from its plateau it still is) strictly
    increase with sigma.
    """
    grid = np.asarray(data["n"])
    keys = sorted(data["sweep"], key=lambda k: data["configs"][k]["sigma"])
    if len(keys) < 2:
        raise ValueError("the sigma claim needs at least two sigmas in the sweep")
    ke = _grid_at_least(grid, th.equivalence_n)
    ks = _grid_at_least(grid, th.saturation_n)
    series: dict[str, list[tuple[float, float]]] = {
        "equivalence": [],
        "robustness_sg": [],
        "robustness_clime": [],
    }
    for key in keys:
        cfg = data["configs"][key]
        mean, se = _arr(cfg["equivalence"]["mean"]), _arr(cfg["equivalence"]["se"])
        series["equivalence"].append((mean[ke] / cfg["scale"], se[ke] / cfg["scale"]))
        for name in ("robustness_sg", "robustness_clime"):
            r, rse = _arr(cfg[name]["mean"]), _arr(cfg[name]["se"])
            ratio = r[ks] / r[-1]
            # Delta method, the two terms' errors added (conservative, as above).
            series[name].append((ratio, ratio * np.hypot(rse[ks] / r[ks], rse[-1] / r[-1])))
    margins, failures = [], []
    for name, values in series.items():
        for (a, sa), (b, sb), lo, hi in zip(values, values[1:], keys, keys[1:], strict=False):
            if not (np.isfinite(a) and np.isfinite(b)):
                failures.append(f"{name}: undefined at {lo} or {hi}")
                continue
            spread = np.hypot(sa, sb)
            margins.append(float((b - a) / spread if spread > 0 else np.sign(b - a) * np.inf))
            if not b > a:
                failures.append(f"{name}: {hi} ({b:.3g}) is not above {lo} ({a:.3g})")
    sigmas = [data["configs"][k]["sigma"] for k in keys]
    return ClaimResult(
        "smaller_sigma_converges_faster",
        not failures,
        f"over sigma = {sigmas}: relative SG-C-LIME distance at n = {grid[ke]} and robustness "
        f"ratio R({grid[ks]}) / R({grid[-1]}) "
        + (
            "increase with sigma" if not failures else "do not all increase: " + "; ".join(failures)
        ),
        margins,
        _decisive(margins, _dof(data), th.false_alarm),
        {
            "sigmas": sigmas,
            **{name: [float(v) for v, _ in vals] for name, vals in series.items()},
        },
    )


# claim id -> (the paper's words, check)
CLAIMS = {
    "equivalence_100": (
        "Equivalence (SmoothGrad = C-LIME) is reached at about 100 perturbations",
        check_equivalence,
    ),
    "smoothgrad_saturates_200": (
        "SmoothGrad's robustness saturates by about 200 perturbations",
        check_saturation,
    ),
    "smoothgrad_more_robust": ("SmoothGrad is more robust than C-LIME", check_more_robust),
    "smaller_sigma_converges_faster": (
        "Smaller sigma converges faster, in equivalence and in robustness",
        check_smaller_sigma,
    ),
}


def judge_claims(
    data: dict,
    *,
    seed: int | None,
    profile: str | None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[dict]:
    """One record per claim for this data set: status passed (holds) or failed (does not)."""
    from verify.app.records import make_record

    name = data["dataset"]["name"]
    records = []
    for claim_id, (words, check) in CLAIMS.items():
        result = check(data, thresholds)
        decisive = {True: "decisive", False: "not decisive", None: "no standard error"}[
            result.decisive
        ]
        records.append(
            make_record(
                id=f"replicate/{name}/{claim_id}",
                source="experiments",
                title=f"{words} ({name})",
                status="passed" if result.holds else "failed",
                message=f"{result.summary}. Margins in standard errors: "
                + ", ".join(f"{m:.2g}" for m in result.margins_se)
                + f" ({decisive} at false-alarm {thresholds.false_alarm:g}).",
                figures={
                    "claim": words,
                    "holds": result.holds,
                    "decisive": result.decisive,
                    "margins_se": result.margins_se,
                    "thresholds": asdict(thresholds),
                    "test_accuracy": data["model"]["test_accuracy"],
                    "under_test_accuracy": data["model"]["under_test_accuracy"],
                    **result.figures,
                },
                false_alarm=thresholds.false_alarm,
                seed=seed,
                profile=profile,
            )
        )
    return records

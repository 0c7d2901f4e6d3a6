"""The paper's empirical claims, judged on our measurements: passed, failed or inconclusive.

Each check reads the figure data of one data set (as produced by
:func:`verify.app.replicate.experiments.run_dataset`, or built by hand in tests),
states the operational definition it applies, and returns a :class:`ClaimResult`.
A claim is a conjunction of comparisons (a curve below a threshold at every n
from some point on, one estimator below the other at every n, ...). Each
comparison is a *paired* ratio of two curves measured on the same test points
(the saturation ratio R(n) / R(n_max), C-LIME's robustness over SmoothGrad's, a
distance over the explanation's size), with its standard error from the
independent groups of test points by the delta method
(:mod:`~verify.app.replicate.groups`); its margin is (estimate - threshold) /
standard error, signed so that a positive margin favours the claim.

The verdict is three-valued, at a two-sided false-alarm probability
``Thresholds.false_alarm`` for the whole claim (Bonferroni over its k
comparisons; Student t with groups - 1 degrees of freedom):

* ``passed``: every margin is at least the quantile q;
* ``failed``: some margin is at most -q;
* ``inconclusive``: neither. The record then says how many test points would
  decide it if the effects stayed as measured (the standard errors shrink like
  1/sqrt(points); q would shrink too, so the figure is an upper estimate).

``holds`` keeps the verdict of the point estimates alone (no error bars), for
reference. The paper's words are vague ("about 100", "saturates"); the
thresholds below make them precise and are overridable through :class:`Thresholds`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.stats import t as student_t

import verify.status as vocabulary
from verify.statistics import DEFAULT_FALSE_ALARM

from .groups import group_standard_error, ratio

__all__ = [
    "CLAIMS",
    "INCONCLUSIVE",
    "ClaimResult",
    "Thresholds",
    "check_equivalence",
    "check_more_robust",
    "check_saturation",
    "check_smaller_sigma",
    "decide",
    "judge_claims",
    "saturation_sweep",
]

PASSED, FAILED = vocabulary.PASSED, vocabulary.FAILED
# "inconclusive" belongs to the one status vocabulary (verify/status.py); it is defined
# here, once, until it is moved there. A record carries it when the vocabulary knows
# it, and "undecided" (its nearest word there) otherwise.
INCONCLUSIVE: str = getattr(vocabulary, "INCONCLUSIVE", "inconclusive")
_RECORD_STATUS = {
    PASSED: PASSED,
    FAILED: FAILED,
    INCONCLUSIVE: INCONCLUSIVE
    if INCONCLUSIVE in vocabulary.RECORD_STATUSES
    else vocabulary.UNDECIDED,
}


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
    status: str  # passed, failed or inconclusive
    holds: bool  # the point estimates' verdict, without error bars
    summary: str
    margins_se: list[float] = field(default_factory=list)
    quantile: float = float("nan")
    points_to_decide: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def decisive(self) -> bool:
        return self.status != INCONCLUSIVE


def decide(margins: list[float], false_alarm: float, dof: int) -> tuple[str, float, float]:
    """(status, quantile q, factor) for a claim that holds iff every comparison does.

    ``factor`` is how many times more test points would decide an inconclusive
    claim at the measured effects: (q / z)^2 for the weakest favourable margin z
    if every margin favours the claim, else for the strongest unfavourable one;
    1 when decided, inf when some margin is exactly 0.
    """
    finite = [m for m in margins if not math.isnan(m)]
    if not finite:
        return INCONCLUSIVE, float("nan"), float("inf")
    q = float(student_t.isf(false_alarm / (2 * len(finite)), max(1, dof)))
    if min(finite) >= q:
        return PASSED, q, 1.0
    if min(finite) <= -q:
        return FAILED, q, 1.0
    against = [-m for m in finite if m < 0]
    weakest = max(against) if against else min(finite)
    return INCONCLUSIVE, q, (q / weakest) ** 2 if weakest > 0 else float("inf")


def _groups(cfg: dict, key: str) -> np.ndarray:
    if "groups" not in cfg[key] or "group_sizes" not in cfg:
        raise ValueError(
            f"the figure data has no group means for {key!r} (an older run?): rerun "
            "`verify replicate` to judge the claims with paired standard errors"
        )
    return np.array([[np.nan if v is None else v for v in g] for g in cfg[key]["groups"]], float)


def _weights(cfg: dict) -> np.ndarray:
    w = np.asarray(cfg["group_sizes"], float)
    return w / w.sum()


def _margin(estimate: float, influence: np.ndarray, w: np.ndarray, threshold: float) -> float:
    """(estimate - threshold) / se; +-inf when the standard error is 0."""
    se = group_standard_error(influence, w)
    diff = estimate - threshold
    if se > 0:
        return float(diff / se)
    return float(np.sign(diff) * np.inf) if diff else float("nan")


def _limit_index(grid: np.ndarray, limit: float) -> int:
    """Index of the largest grid value <= limit (0 if none)."""
    return max(int(np.searchsorted(grid, limit, side="right")) - 1, 0)


def _first_at_most(grid: np.ndarray, values: np.ndarray, threshold: float) -> int | None:
    """Smallest n of the grid from which on every value is <= threshold (None if never)."""
    ok = np.isfinite(values) & (values <= threshold)
    for k in range(grid.size):
        if ok[k:].all():
            return int(grid[k])
    return None


def _result(
    claim: str,
    holds: bool,
    summary: str,
    margins: list[float],
    points: int,
    th: Thresholds,
    dof: int,
    figures: dict,
) -> ClaimResult:
    status, q, factor = decide(margins, th.false_alarm, dof)
    needed = _points_to_decide(status, points, factor)
    return ClaimResult(claim, status, holds, summary, margins, q, needed, figures)


def _points_to_decide(status: str, points: int, factor: float) -> int | None:
    """Test points that would decide an inconclusive verdict (None: decided, or never)."""
    if status != INCONCLUSIVE or not np.isfinite(factor):
        return None
    return math.ceil(points * factor)


#: The thresholds the claims are judged with unless others are given.
DEFAULT_THRESHOLDS = Thresholds()


def check_equivalence(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "Equivalence reached at about 100 perturbations".

    Holds if the mean SG-C-LIME distance (independent perturbations, the paper's
    metric) relative to the mean ||SG|| is <= ``equivalence_relative`` at every n
    of the grid from the largest n <= about_factor x equivalence_n on. Comparisons:
    that ratio at each of those n.
    """
    grid = np.asarray(data["n"])
    cfg = data["configs"][data["default"]]
    w, E, scale = _weights(cfg), _groups(cfg, "equivalence"), np.asarray(cfg["scale_groups"])
    limit = th.about_factor * th.equivalence_n
    k = _limit_index(grid, limit)
    rel, margins = [], []
    for j in range(k, grid.size):
        if np.isnan(E[:, j]).any():
            continue
        r, psi = ratio(E[:, j], scale, w)
        rel.append(r)
        margins.append(-_margin(r, psi, w, th.equivalence_relative))
    mean = np.array([np.nan if v is None else v for v in cfg["equivalence"]["mean"]], float)
    relative = mean / float(cfg["scale"])
    reached = _first_at_most(grid, relative, th.equivalence_relative)
    return _result(
        "equivalence_100",
        reached is not None and reached <= limit,
        f"relative SG-C-LIME distance at n = {grid[k]}..{grid[-1]}: "
        f"{', '.join(f'{v:.3g}' for v in rel)} (claim: <= {th.equivalence_relative:g} from "
        f"about {th.equivalence_n} on, admitted up to {limit:g}); point estimates reach it "
        f"from n = {reached} on",
        margins,
        int(sum(cfg["group_sizes"])),
        th,
        len(w) - 1,
        {
            "n_reached": reached,
            "relative_distance": [None if not np.isfinite(v) else float(v) for v in relative],
        },
    )


def _saturation(cfg: dict, grid: np.ndarray, th: Thresholds) -> dict[str, Any]:
    """The saturation comparisons R(n) / R(n_max) <= 1 + tolerance on one configuration."""
    w, R = _weights(cfg), _groups(cfg, "robustness_sg")
    limit = th.about_factor * th.saturation_n
    k = _limit_index(grid, limit)
    ratios, ses, margins = [], [], []
    for j in range(k, grid.size - 1):  # n_max against itself is trivially saturated
        r, psi = ratio(R[:, j], R[:, -1], w)
        ratios.append(r)
        ses.append(group_standard_error(psi, w))
        margins.append(-_margin(r, psi, w, 1 + th.saturation_tolerance))
    mean = np.array(cfg["robustness_sg"]["mean"], float)
    saturated = _first_at_most(grid, mean, (1 + th.saturation_tolerance) * mean[-1])
    status, q, factor = decide(margins, th.false_alarm, len(w) - 1)
    return {
        "sigma": float(cfg["sigma"]),
        "status": status,
        "n": [int(n) for n in grid[k:-1]],
        "ratios": ratios,
        "ratio_se": ses,
        "margins_se": margins,
        "quantile": q,
        "points": int(sum(cfg["group_sizes"])),
        "points_to_decide": _points_to_decide(status, int(sum(cfg["group_sizes"])), factor),
        "n_saturated": saturated,
        "ratio_to_final": [float(v) for v in mean / mean[-1]],
        "holds": saturated is not None and saturated <= limit,
    }


def saturation_sweep(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> dict[str, Any]:
    """The saturation verdict at every sigma of ``data["saturation_sweep"]``, and the boundary.

    ``boundary`` is the pair (largest sigma judged passed, smallest larger sigma judged
    failed), with the inconclusive sigmas between them; None where the sweep never
    passes or never fails.
    """
    grid = np.asarray(data["n"])
    keys = sorted(data.get("saturation_sweep", []), key=lambda k: data["configs"][k]["sigma"])
    rows = [_saturation(data["configs"][k], grid, th) for k in keys]
    passed = [r["sigma"] for r in rows if r["status"] == PASSED]
    boundary = None
    if passed:
        below = max(passed)
        failed = [r["sigma"] for r in rows if r["status"] == FAILED and r["sigma"] > below]
        if failed:
            above = min(failed)
            between = [r["sigma"] for r in rows if below < r["sigma"] < above]
            boundary = {"passed_at": below, "failed_at": above, "inconclusive_between": between}
    return {"rows": rows, "boundary": boundary}


def check_saturation(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "SmoothGrad saturates by about 200 perturbations".

    Holds if SmoothGrad's robustness metric R(n) (mean max distance to the
    neighbours' explanations) is within ``saturation_tolerance`` of R(n_max) at
    every n of the grid from the largest n <= about_factor x saturation_n on.
    Judged at the default sigma, and at every sigma of the saturation sweep (the
    claim depends on sigma: the figures hold the boundary).
    """
    grid = np.asarray(data["n"])
    row = _saturation(data["configs"][data["default"]], grid, th)
    measured = (
        f"R(n) / R({grid[-1]}) at n = {row['n']}: {', '.join(f'{v:.3g}' for v in row['ratios'])}"
        if row["n"]
        else f"nothing to compare: the grid ends at n = {grid[-1]}, before the claim's limit"
    )
    sweep = saturation_sweep(data, th)
    verdicts = ", ".join(f"{r['sigma']:g}: {r['status']}" for r in sweep["rows"])
    b = sweep["boundary"]
    where = (
        f"; over sigma {verdicts}; boundary between sigma = {b['passed_at']:g} (passed) and "
        f"{b['failed_at']:g} (failed)"
        if b
        else (f"; over sigma {verdicts}" if verdicts else "")
    )
    return _result(
        "smoothgrad_saturates_200",
        row["holds"],
        f"{measured} (claim: <= {1 + th.saturation_tolerance:g} from about {th.saturation_n} "
        f"on, admitted up to {th.about_factor * th.saturation_n:g}; sigma = {row['sigma']:g})"
        f"{where}",
        row["margins_se"],
        row["points"],
        th,
        len(data["configs"][data["default"]]["group_sizes"]) - 1,
        {
            "n_saturated": row["n_saturated"],
            "ratio_to_final": row["ratio_to_final"],
            "sweep": sweep,
        },
    )


def check_more_robust(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "SmoothGrad is more robust than C-LIME".

    Holds if SmoothGrad's robustness metric is smaller than C-LIME's at every n
    of the grid where C-LIME is defined (n > d). Comparisons: the paired ratio
    R_C-LIME(n) / R_SG(n) against 1 at each of those n.
    """
    grid = np.asarray(data["n"])
    cfg = data["configs"][data["default"]]
    w, R_sg, R_cl = _weights(cfg), _groups(cfg, "robustness_sg"), _groups(cfg, "robustness_clime")
    defined = [j for j in range(grid.size) if not np.isnan(R_cl[:, j]).any()]
    if not defined:
        raise ValueError("C-LIME is undefined at every n of the grid (n <= d): widen the grid")
    ratios, margins = [], []
    for j in defined:
        r, psi = ratio(R_cl[:, j], R_sg[:, j], w)
        ratios.append(r)
        margins.append(_margin(r, psi, w, 1.0))
    losing = [int(grid[j]) for j, r in zip(defined, ratios, strict=True) if not r > 1]
    sweep = {}
    for key in data.get("sweep", []):
        g = np.array(
            [np.nan if v is None else v for v in data["configs"][key]["robustness_gap"]["mean"]]
        )
        sweep[key] = float(np.mean(g[np.isfinite(g)] > 0)) if np.isfinite(g).any() else None
    return _result(
        "smoothgrad_more_robust",
        not losing,
        f"C-LIME's max neighbour distance over SmoothGrad's: "
        f"{', '.join(f'{v:.3g}' for v in ratios)} at n = {[int(grid[j]) for j in defined]}"
        + (f" (not above 1 at n = {losing})" if losing else ""),
        margins,
        int(sum(cfg["group_sizes"])),
        th,
        len(w) - 1,
        {
            "ratio_clime_over_sg": ratios,
            "n_where_clime_is_as_robust": losing,
            "fraction_by_sigma": sweep,
        },
    )


def _sweep_series(
    cfg: dict, ke: int, ks: int, w: np.ndarray
) -> dict[str, tuple[float, np.ndarray]]:
    """(value, group influence) of each series the sigma claim compares, on one config."""
    out = {
        "equivalence": ratio(_groups(cfg, "equivalence")[:, ke], np.asarray(cfg["scale_groups"]), w)
    }
    for name in ("robustness_sg", "robustness_clime"):
        R = _groups(cfg, name)
        out[name] = ratio(R[:, ks], R[:, -1], w)
    return out


def check_smaller_sigma(data: dict, th: Thresholds = DEFAULT_THRESHOLDS) -> ClaimResult:
    """ "Smaller sigma converges faster, in equivalence and in robustness".

    Over the sigma sweep, holds if (i) the relative SG-C-LIME distance at n =
    ``equivalence_n`` and (ii) for each estimator the robustness ratio
    R(saturation_n) / R(n_max) (how far from its plateau it still is) strictly
    increase with sigma. Comparisons: each adjacent pair of sigmas in each series,
    paired over the same test points and groups.
    """
    grid = np.asarray(data["n"])
    keys = sorted(data["sweep"], key=lambda k: data["configs"][k]["sigma"])
    if len(keys) < 2:
        raise ValueError("the sigma claim needs at least two sigmas in the sweep")
    ke = _limit_index(grid, th.equivalence_n)
    ks = _limit_index(grid, th.saturation_n)
    w = _weights(data["configs"][keys[0]])
    series = [_sweep_series(data["configs"][k], ke, ks, w) for k in keys]
    margins, failures = [], []
    for name in ("equivalence", "robustness_sg", "robustness_clime"):
        for lo_key, hi_key, lo, hi in zip(keys, keys[1:], series, series[1:], strict=False):
            (a, pa), (b, pb) = lo[name], hi[name]
            if not (np.isfinite(a) and np.isfinite(b)):
                failures.append(f"{name}: undefined at {lo_key} or {hi_key}")
                margins.append(float("nan"))
                continue
            margins.append(_margin(b - a, pb - pa, w, 0.0))
            if not b > a:
                failures.append(f"{name}: {hi_key} ({b:.3g}) is not above {lo_key} ({a:.3g})")
    sigmas = [data["configs"][k]["sigma"] for k in keys]
    return _result(
        "smaller_sigma_converges_faster",
        not failures,
        f"over sigma = {sigmas}: relative SG-C-LIME distance at n = {grid[ke]} and robustness "
        f"ratio R({grid[ks]}) / R({grid[-1]}) "
        + (
            "increase with sigma" if not failures else "do not all increase: " + "; ".join(failures)
        ),
        margins,
        int(sum(data["configs"][keys[0]]["group_sizes"])),
        th,
        len(w) - 1,
        {
            "sigmas": sigmas,
            **{name: [float(s[name][0]) for s in series] for name in series[0]},
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


def _decision(result: ClaimResult, th: Thresholds) -> str:
    q = f"|margin| >= {result.quantile:.3g} decides at false-alarm {th.false_alarm:g}"
    if result.status != INCONCLUSIVE:
        return f"{result.status} ({q})"
    if result.points_to_decide is None:
        return f"inconclusive ({q}; a margin of exactly 0: more test points would not decide it)"
    return f"inconclusive ({q}; about {result.points_to_decide} test points would decide it)"


def judge_claims(
    data: dict,
    *,
    seed: int | None,
    profile: str | None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[dict]:
    """One record per claim for this data set: passed, failed or inconclusive."""
    from verify.records import make_record

    name = data["dataset"]["name"]
    records = []
    for claim_id, (words, check) in CLAIMS.items():
        result = check(data, thresholds)
        records.append(
            make_record(
                id=f"replicate/{name}/{claim_id}",
                source="experiments",
                title=f"{words} ({name})",
                status=_RECORD_STATUS[result.status],
                message=f"{_decision(result, thresholds)}: {result.summary}. Margins in "
                "standard errors: " + ", ".join(f"{m:.2g}" for m in result.margins_se) + ".",
                figures={
                    "claim": words,
                    "verdict": result.status,
                    "holds": result.holds,
                    "margins_se": result.margins_se,
                    "quantile": result.quantile,
                    "points_to_decide": result.points_to_decide,
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

"""Checks of the ``expected_gradients`` kind: Monte Carlo IG averaged over background rows.

An expected-gradients explainer (captum's ``GradientShap`` with ``stdevs=0``) draws, per
sample, a row b of the background (with probability its weight) and alpha ~ U(0, 1), and
returns the mean of (x - b) * grad f(b + alpha (x - b)) over n samples: an unbiased estimate
of Integrated Gradients averaged over the rows with their weights (the engine's
:func:`verify.attribution.integrated_gradients` with a ``Background``). Each check is a
seeded search (:mod:`.search`) over drawn problems
(:func:`.attribution_problems.attribution_problems`: d, n, offsets up to 10^4 feature
scales, feature scales 10^-3 to 10^3, families, baselines and background rows):

* :func:`check_single_row_exactness` (exact; false alarm 0): with one row (a ``Baseline``
  or a one-row ``Background``) and affine f = w'x + c every sample is (x - b) * w, so every
  call, at every seed and n, is exact;
* :func:`check_row_weights` (statistical; false alarm <= ``Settings.false_alarm``): affine
  f and 2 to 4 rows with weights 1 : 4 : 16 : 64 (the last row heaviest): the mean over R
  adjacent seeds is w * (x - sum_r p_r b_r), and the rows' draw follows the seed (the
  first call repeated is equal). An explainer declaring ``weighted=False``
  (rows drawn uniformly) is judged on equal weights and must refuse unequal ones with
  ValueError or TypeError;
* :func:`check_expected_gradients_unbiased` (statistical; false alarm <= ``false_alarm``):
  on non-affine f (RBF mixtures, sines, cubics, probits) the mean over R adjacent seeds at n
  from n_convergence / 8 to n_convergence / 4 is the engine's target;
* :func:`check_expected_gradients_rate` (statistical; false alarm <= ``false_alarm``):
  MSE(n2) n2 <= F MSE(n1) n1 between n1 near ``n_rate[0]`` and the prime n2 of the
  coalition rate check (:func:`.checks_coalitions_stats.rate_n2`), the replicates at n2
  all distinct; one problem with 2 to 4 rows (d >= 2, moved with the seed) at every seed.

The statistical judges are those of the coalition kinds: :func:`.tolerances.mean_error_test`
(Student t over R replicates, Bonferroni over the d components, the check's budget split
over its problems by :func:`.search.search`) and the F-ratio of the rate check; neither
assumes a variance formula of the estimator.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.attribution import Background, Baseline

from .attribution_contract import call_attribution
from .attribution_problems import (
    AttributionProblem,
    attribution_problems,
    attribution_tolerance,
    problem_scale,
)
from .checks_coalitions_stats import rate_n2
from .common import adjacent, fmt, resolve
from .power import bias_power
from .rates import rate_test, refuse_repeats, squared_errors
from .runner import CheckFailure, CheckTimeout, Settings, guarded
from .search import Finding, search
from .tolerances import mean_error_test

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "check_expected_gradients_rate",
    "check_expected_gradients_unbiased",
    "check_row_weights",
    "check_single_row_exactness",
]

_SMOOTH = ("rbf", "sine", "cubic", "probit")


def _as_drawn(explainer: Explainer, p: AttributionProblem) -> AttributionProblem:
    """The problem as the explainer's declaration allows: equal row weights for an
    explainer that draws rows uniformly (``weighted=False``)."""
    ref = p.reference
    if isinstance(ref, Background) and not explainer.weighted:
        return dataclasses.replace(p, reference=Background(ref.rows))
    return p


def _problems(explainer: Explainer, s: Settings, **options: Any) -> Any:
    base = {
        "references": ("baseline", "background"),
        "precision": explainer.precision,
        "max_dim": s.max_dim,
        "min_dim": s.min_dim,
        "max_rows": 4,
    }
    return attribution_problems(**{**base, **options}).map(lambda p: _as_drawn(explainer, p))


def _several_rows(explainer: Explainer, s: Settings, seed: int, **options: Any) -> Any:
    """Problems with 2 to 4 rows and d >= 2 whose x and rows move with the check's ``seed``
    (by up to half a feature scale): judged once at every seed (``extreme``), where
    Hypothesis draws its simplest problem, they still differ from seed to seed, so no
    coincidence of the rows' IGs on one fixed problem hides a wrong row law at every seed."""

    def moved(p: AttributionProblem) -> AttributionProblem:
        rng = np.random.default_rng([seed, p.d, p.n])
        rows = p.reference.rows + 0.5 * p.scale * rng.uniform(-1, 1, p.reference.rows.shape)
        x = p.x + 0.5 * p.scale * rng.uniform(-1, 1, p.d)
        return dataclasses.replace(p, x=x, reference=Background(rows, p.reference.weights))

    options = {**options, "references": ("background",), "min_rows": 2}
    options["min_dim"] = min(max(2, s.min_dim), s.max_dim)
    return _problems(explainer, s, **options).map(moved)


def _target(explainer: Explainer, p: AttributionProblem) -> tuple[np.ndarray, np.ndarray]:
    value, error = explainer.target(p.f, p.x, p.reference, p.n)
    return np.asarray(value, float).reshape(-1), np.asarray(error, float).reshape(-1)


def _replicates(
    explainer: Explainer, p: AttributionProblem, name: str, seeds: list[int], **change: Any
) -> np.ndarray:
    ref, n = change.get("reference", p.reference), change.get("n", p.n)
    return np.array(
        [call_attribution(explainer, p.f, p.x, ref, n, k, name)[0] for k in seeds], dtype=float
    )


def _mean_judge(
    explainer: Explainer,
    p: AttributionProblem,
    name: str,
    alpha: float,
    s: Settings,
    what: str,
    hint: str,
) -> dict[str, Any]:
    """The mean over R adjacent seeds is the target (false alarm ``alpha``)."""
    target, terr = _target(explainer, p)
    seeds = adjacent(p.seed, s.replicates)
    outs = _replicates(explainer, p, name, seeds)
    floor = attribution_tolerance(
        explainer.precision, problem_scale(p, target, outs.mean(axis=0)), p.distance
    )
    res = mean_error_test(outs, target, floor + 6 * terr, alpha)
    if not res["ok"]:
        raise Finding(
            f"{what}: the mean over {len(seeds)} adjacent seeds at n = {p.n} is "
            f"{fmt(res['mean'])}, expected {fmt(target)} (tolerance {fmt(res['tolerance'])} = "
            f"{res['t']:.3g} x replicate standard error + precision, false alarm {alpha:.2g})",
            hint,
            {**res, "n": p.n, "seeds": [seeds[0], seeds[-1]]},
        )
    power = {"relative_bias": bias_power(res), "n": p.n, "replicates": len(seeds)}
    return {"worst": res["worst"], "power": power, "first": outs[0]}


def check_single_row_exactness(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """One row and affine f = w'x + c: every sample is (x - b) * w, so every call is
    w * (x - b) exactly (a Baseline and a one-row Background alike), at every seed and n
    from 1 to ``n_exact``. Exact identity: false alarm 0."""
    name = "check_single_row_exactness"
    s = resolve(settings)
    strategy = _problems(
        explainer, s, families=("poly1",), max_rows=1, n_range=(1, max(1, s.n_exact))
    )
    hint = (
        "the (x - b) factor missing (the mean gradient returned), a sign flipped (b - x), the "
        "reference ignored (a zero baseline), or samples averaged with weights that do not "
        "sum to 1"
    )

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        target, terr = _target(explainer, p)
        out = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)[0]
        tol = attribution_tolerance(explainer.precision, problem_scale(p, target, out), p.distance)
        tol = tol + 6 * terr
        diff = np.abs(out - target)
        if np.any(diff > tol):
            raise Finding(
                f"on an affine f with one reference row: returned {fmt(out)}, expected "
                f"{fmt(target)} = w * (x - b) (max difference {float(np.max(diff)):.3g} > "
                f"tolerance {float(np.max(tol)):.3g}, exact at every seed and n)",
                hint,
                {"observed": out, "expected": target, "tolerance": tol},
            )
        return {"worst": float(np.max(diff / tol))}

    return search(name, seed, s, strategy, judge, examples=s.examples)


def _skewed(p: AttributionProblem, weighted: bool) -> AttributionProblem:
    """The problem's rows with weights 1 : 4 : 16 : ... (the last row heaviest), or equal."""
    ref = p.reference
    rows = ref.point[None, :] if isinstance(ref, Baseline) else ref.rows
    weights = 4.0 ** np.arange(rows.shape[0]) if weighted else None
    return dataclasses.replace(p, reference=Background(rows, weights))


def _refuses(explainer: Explainer, p: AttributionProblem, name: str) -> None:
    """An explainer that draws rows uniformly must refuse unequal weights."""
    ref = _skewed(p, True).reference
    try:
        out = guarded(explainer, p.f, p.x, ref, p.n, p.seed)
    except (ValueError, TypeError):
        return
    except (CheckTimeout, CheckFailure):
        raise
    except Exception as exc:
        raise Finding(
            f"given rows with unequal weights {fmt(ref.weights)} it raised "
            f"{type(exc).__name__} ({exc}), not ValueError or TypeError",
            "declared weighted=False (rows drawn uniformly): refuse unequal weights with a "
            "ValueError naming the fix (equal weights, or rows repeated)",
        ) from exc
    shown = np.asarray(out[0] if isinstance(out, tuple) else out)
    raise Finding(
        f"declared weighted=False (rows drawn uniformly) but given rows with unequal weights "
        f"{fmt(ref.weights)} it returned {fmt(shown)} instead of refusing them",
        "the weights silently ignored: refuse unequal weights with ValueError, or draw rows "
        "by their weights and declare weighted=True",
    )


def _same_rows_again(
    explainer: Explainer, p: AttributionProblem, name: str, first: np.ndarray
) -> None:
    """The call at the first seed, repeated after R - 1 others, gives the same answer
    (exact: the rows' draw follows the seed, not a global generator; the contract checks
    see one row only)."""
    again = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)[0]
    tol = attribution_tolerance(explainer.precision, problem_scale(p, first), p.distance)
    diff = float(np.max(np.abs(again - first)))
    if diff > tol:
        raise Finding(
            f"with {p.reference.rows.shape[0]} rows, two calls with seed {p.seed} gave "
            f"{fmt(first)} and {fmt(again)} (max difference {diff:.3g}, tolerance {tol:.3g})",
            "the rows drawn from a generator the seed does not reach (numpy's global one: "
            "np.random.choice, captum's GradientShap default) while alpha follows the seed",
            {"first": first, "again": again, "difference": diff},
        )


def check_row_weights(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Rows drawn by their weights: on affine f and 2 to 4 rows weighted 1 : 4 : 16 : 64 the
    mean over R adjacent seeds is w * (x - sum_r p_r b_r) (false alarm <= the settings'
    budget), and the first seed's call repeated gives the same answer (exact: no false
    alarm). ``weighted=False``: equal weights judged so, unequal ones refused."""
    name = "check_row_weights"
    s = resolve(settings)
    lo = max(16, s.n_convergence // 32)
    strategy = _problems(
        explainer,
        s,
        families=("poly1",),
        references=("background",),
        min_rows=2,
        n_range=(lo, 2 * lo),
    ).map(lambda p: _skewed(p, explainer.weighted))
    hint = (
        "rows not drawn with probability their weight: drawn uniformly whatever the weights "
        "(declare weighted=False and refuse unequal weights), always the first row, or one row "
        "drawn per call instead of per sample"
    )

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        figures = _mean_judge(explainer, p, name, alpha, s, "rows drawn by another law", hint)
        _same_rows_again(explainer, p, name, figures.pop("first"))
        if not explainer.weighted:
            _refuses(explainer, p, name)
        return figures

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
    )


def check_expected_gradients_unbiased(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """No bias: on non-affine f the mean over R adjacent seeds is IG averaged over the rows
    with their weights, within t replicate standard errors (false alarm <= the settings'
    budget); one problem with 2 to 4 rows (d >= 2, moved with the seed) at every seed."""
    name = "check_expected_gradients_unbiased"
    s = resolve(settings)
    lo = max(32, s.n_convergence // 8)
    options = {"families": _SMOOTH, "n_range": (lo, 2 * lo)}
    strategy = _problems(explainer, s, **options)
    extreme = _several_rows(explainer, s, seed, **options)
    hint = (
        "alpha not uniform on (0, 1) (fixed at 1/2: the midpoint rule; a grid), IG from the "
        "mean row instead of the mean of the rows' IG, rows drawn by another law than their "
        "weights, or a gradient taken at x or b instead of b + alpha (x - b)"
    )

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        figures = _mean_judge(explainer, p, name, alpha, s, "biased estimate", hint)
        figures.pop("first")
        return figures

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=s.statistical_examples,
        shrink_calls=s.statistical_shrink_calls,
        extreme=extreme,
    )


def _sum_squared_errors(
    explainer: Explainer, p: AttributionProblem, name: str, counts: dict[int, int], n2: int
) -> tuple[dict[int, float], dict[int, np.ndarray]]:
    """MSE (summed over features) and per-feature mean squared errors at each n over
    ``counts[n]`` adjacent seeds (disjoint blocks); the replicates at n2 must all differ."""
    target, _ = _target(explainer, p)
    mse, variances = {}, {}
    for n, count in counts.items():
        seeds = adjacent(p.seed + (0 if n == p.n else 4 * counts[p.n]), count)
        outs = _replicates(explainer, p, name, seeds, n=n)
        if n == n2:
            refuse_repeats(
                outs,
                n2,
                "the seed ignored at large n (a cache, or a generator keyed on n), or one "
                "alpha and row reused for every sample",
            )
        mse[n], variances[n] = squared_errors(outs, target)
    return mse, variances


def check_expected_gradients_rate(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The error shrinks at least as fast as n^-1/2: MSE(n2) n2 <= F MSE(n1) n1 (F the upper
    alpha quantile of F(R/2, 4R): false alarm <= the settings' budget), n1 near
    ``n_rate[0]``, n2 the coalition rate check's prime (4,093 in ``ci``); d <= 3, sines."""
    name = "check_expected_gradients_rate"
    s = resolve(settings)
    n1, n2 = s.n_rate[0], rate_n2(s)
    options = {
        "families": ("sine",),
        "n_range": (n1, 2 * n1 - 1),
        "max_dim": max(min(3, s.max_dim), s.min_dim),
        "far": False,
    }
    strategy = _problems(explainer, s, **options)
    # One problem with 2 to 4 rows at every seed: a row drawn once per call and reused for
    # every sample accumulates nothing of the rows' spread.
    extreme = _several_rows(explainer, s, seed, **options)

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        counts = {p.n: 4 * s.replicates, n2: max(s.replicates // 2, 8)}
        mse, variances = _sum_squared_errors(explainer, p, name, counts, n2)
        target, terr = _target(explainer, p)
        floor = attribution_tolerance(explainer.precision, problem_scale(p, target))
        return rate_test(
            mse,
            variances,
            counts,
            p.n,
            n2,
            p.d * (floor + 6 * float(np.max(terr))) ** 2,
            alpha,
            "samples that do not accumulate: one alpha (or one row) drawn per call and "
            "reused for every sample, n silently capped or fixed (captum's n_samples=5), "
            "or a bias that dominates the error",
        )

    return search(
        name,
        seed,
        s,
        strategy,
        judge,
        examples=max(1, s.statistical_examples - 1),
        shrink_calls=s.statistical_shrink_calls,
        extreme=extreme,
    )

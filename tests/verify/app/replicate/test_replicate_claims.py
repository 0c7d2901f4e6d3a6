"""The claims' verdicts are computed from the data, three-valued, and each check can fail.

Data are built by hand: every curve is given as the group means of G = 16
independent groups of test points (what the experiment stores), so the claims'
paired ratios and their standard errors are known. ``noise`` is the relative
spread of one group mean around the curve; independent across curves and n.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from verify.app.replicate import claims
from verify.status import RECORD_STATUSES

GRID = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
N = np.array(GRID, dtype=float)
G = 16
_rng = np.random.default_rng(20261128)


def _curve(mean, noise: float, rng=None) -> dict:
    """Group means whose equal-weight average is exactly ``mean``; relative spread ``noise``."""
    rng = _rng if rng is None else rng
    mean = np.asarray(mean, dtype=float)
    e = rng.standard_normal((G, mean.size))
    e = (e - e.mean(axis=0)) / e.std(axis=0, ddof=1)
    groups = mean * (1 + noise * e)
    se = np.sqrt(G / (G - 1) * np.sum(((groups - mean) / G) ** 2, axis=0))
    floats = lambda a: [None if np.isnan(v) else float(v) for v in a]  # noqa: E731
    return {"mean": floats(mean), "se": floats(se), "groups": [floats(g) for g in groups]}


def _config(sigma, scale=1.0, eq=None, rob_sg=None, rob_cl=None, noise=0.01, rng=None) -> dict:
    """A configuration where, by default, every claim of the paper holds."""
    eq = 0.25 * scale * np.sqrt(10 / N) * (sigma / 0.1) if eq is None else np.asarray(eq)
    # Robustness = CLT term + a floor, flat from 200 samples on at sigma = 0.1; the CLT
    # term weighs more for larger sigma (smaller sigma converges faster).
    clt = 0.1 * sigma * np.sqrt(sigma / 0.1) * np.sqrt(10 / N)
    rob_sg = clt + 0.1 * sigma if rob_sg is None else np.asarray(rob_sg)
    rob_cl = 2 * rob_sg if rob_cl is None else np.asarray(rob_cl)
    return {
        "sigma": sigma,
        "scale": scale,
        "scale_groups": [scale] * G,
        "group_sizes": [10] * G,
        "equivalence": _curve(eq, noise, rng),
        "robustness_sg": _curve(rob_sg, noise, rng),
        "robustness_clime": _curve(rob_cl, noise, rng),
        "robustness_gap": _curve(rob_cl - rob_sg, noise, rng),
    }


def _data(configs: dict | None = None, noise: float = 0.01, **default_kw) -> dict:
    sweep = {f"well/sigma={s:g}": _config(s, noise=noise) for s in (0.01, 0.1, 1.0)}
    sweep["well/sigma=0.1"] = _config(0.1, noise=noise, **default_kw)
    sweep.update(configs or {})
    return {
        "dataset": {"name": "toy"},
        "model": {"test_accuracy": 0.99, "under_test_accuracy": 0.8},
        "sizes": {"groups": G},
        "n": GRID,
        "default": "well/sigma=0.1",
        "sweep": ["well/sigma=0.01", "well/sigma=0.1", "well/sigma=1"],
        "saturation_sweep": ["well/sigma=0.01", "well/sigma=0.1", "well/sigma=1"],
        "configs": sweep,
    }


# -- the three-valued rule -------------------------------------------------------------------


def test_decide_is_three_valued():
    # The quantile for two comparisons (Bonferroni), 15 degrees of freedom.
    q = claims.decide([1.0, 1.0], 1e-6, 15)[1]
    assert claims.decide([q, 2 * q], 1e-6, 15)[0] == claims.PASSED
    assert claims.decide([2 * q, -q], 1e-6, 15)[0] == claims.FAILED
    status, _, factor = claims.decide([q / 2, 2 * q], 1e-6, 15)
    assert status == claims.INCONCLUSIVE and factor == pytest.approx(4.0)
    # Leaning against the claim: the factor is that of the strongest unfavourable margin.
    q3 = claims.decide([1.0] * 3, 1e-6, 15)[1]
    status, _, factor = claims.decide([5 * q3, -q3 / 3, -q3 / 4], 1e-6, 15)
    assert status == claims.INCONCLUSIVE and factor == pytest.approx(9.0)
    assert claims.decide([0.0], 1e-6, 15)[2] == np.inf
    # Bonferroni: more comparisons need larger margins; fewer degrees of freedom too.
    assert claims.decide([1.0] * 8, 1e-6, 15)[1] > claims.decide([1.0], 1e-6, 15)[1]
    assert claims.decide([1.0], 1e-6, 5)[1] > claims.decide([1.0], 1e-6, 50)[1]


def test_every_claim_passes_on_sharp_data_built_to_satisfy_it():
    data = _data()
    for words, check in claims.CLAIMS.values():
        result = check(data)
        assert result.holds and result.status == claims.PASSED, (words, result)
        assert min(result.margins_se) >= result.quantile


def test_the_same_claims_are_inconclusive_on_noisy_data():
    data = _data(noise=0.6)
    statuses = {cid: check(data).status for cid, (_, check) in claims.CLAIMS.items()}
    assert claims.INCONCLUSIVE in statuses.values(), statuses
    for cid, (_, check) in claims.CLAIMS.items():
        result = check(data)
        if result.status == claims.INCONCLUSIVE:
            assert result.points_to_decide is not None and result.points_to_decide > 160, cid


def test_points_to_decide_is_what_decides_it():
    """Re-measure with the spread of the stated number of test points: the claim is decided."""
    eq = 0.07 * np.sqrt(200 / N)  # relative 0.07 at n = 200: holds, by a margin
    noisy = claims.check_equivalence(_data(eq=eq, noise=0.5))
    assert noisy.status == claims.INCONCLUSIVE and noisy.holds
    points = 10 * G
    shrink = np.sqrt(noisy.points_to_decide / points) * 1.05
    decided = claims.check_equivalence(_data(eq=eq, noise=0.5 / shrink))
    assert decided.status == claims.PASSED


def test_equivalence_fails_when_the_distance_stays_large():
    result = claims.check_equivalence(_data(eq=0.5 * np.ones(9)))
    assert result.status == claims.FAILED and result.figures["n_reached"] is None
    late = 0.2 * np.sqrt(1000 / N)  # <= 0.1 only from n = 5000
    result = claims.check_equivalence(_data(eq=late))
    assert result.status == claims.FAILED and result.figures["n_reached"] == 5000


def test_equivalence_needs_the_distance_to_stay_below_the_threshold():
    eq = np.array([0.5, 0.3, 0.2, 0.05, 0.2, 0.05, 0.05, 0.05, 0.05])  # back above at 200
    result = claims.check_equivalence(_data(eq=eq))
    assert result.figures["n_reached"] == 500 and result.status == claims.FAILED


def test_saturation_fails_for_a_pure_monte_carlo_decay():
    result = claims.check_saturation(_data(rob_sg=0.3 / np.sqrt(N)))
    assert result.status == claims.FAILED
    assert result.figures["n_saturated"] == 5000
    assert claims.check_saturation(_data()).figures["n_saturated"] <= 400


def test_the_saturation_sweep_finds_the_boundary():
    """Saturated at small sigma, a pure Monte Carlo decay at large sigma: the verdict flips."""
    configs = {}
    sigmas = (0.003, 0.01, 0.03, 0.1, 0.3)
    for s in sigmas:
        clt = 0.05 * (s / 0.01) ** 1.5 * np.sqrt(10 / N)
        configs[f"well/sigma={s:g}"] = _config(s, rob_sg=clt + 0.01)
    data = _data(configs)
    data["saturation_sweep"] = [f"well/sigma={s:g}" for s in sigmas]
    sweep = claims.saturation_sweep(data)
    statuses = [row["status"] for row in sweep["rows"]]
    assert statuses[0] == claims.PASSED and statuses[-1] == claims.FAILED
    b = sweep["boundary"]
    assert b is not None and b["passed_at"] < b["failed_at"]
    assert all(row["sigma"] <= b["passed_at"] for row in sweep["rows"] if row["status"] == "passed")
    assert "boundary between sigma" in claims.check_saturation(data).summary


def test_more_robust_fails_where_clime_is_as_robust():
    rob_sg = 0.02 + 0.1 / np.sqrt(N)
    rob_cl = rob_sg * 2
    rob_cl[5] = rob_sg[5] * 0.9
    result = claims.check_more_robust(_data(rob_sg=rob_sg, rob_cl=rob_cl))
    assert result.status == claims.FAILED and not result.holds
    assert result.figures["n_where_clime_is_as_robust"] == [500]
    assert "not above 1 at n = [500]" in result.summary


def test_more_robust_ignores_sample_sizes_where_clime_is_undefined():
    rob_sg = 0.02 + 0.1 / np.sqrt(N)
    rob_cl = 2 * rob_sg
    rob_cl[:2] = np.nan  # n <= d
    result = claims.check_more_robust(_data(rob_sg=rob_sg, rob_cl=rob_cl))
    assert result.status == claims.PASSED and len(result.margins_se) == 7


def test_smaller_sigma_fails_when_the_order_is_reversed():
    reversed_eq = {
        "well/sigma=0.01": _config(0.01, eq=0.5 * np.sqrt(10 / N)),
        "well/sigma=1": _config(1.0, eq=0.001 * np.sqrt(10 / N)),
    }
    result = claims.check_smaller_sigma(_data(reversed_eq))
    assert result.status == claims.FAILED and "equivalence" in result.summary
    flat = 0.1 * np.ones(9)  # sigma = 1 already on its plateau: not slower
    result = claims.check_smaller_sigma(_data({"well/sigma=1": _config(1.0, rob_sg=flat)}))
    assert result.status == claims.FAILED and "robustness_sg" in result.summary


def test_pairing_removes_the_point_to_point_spread():
    """Group means that move together (a common level per group) cancel in the ratio."""
    data = _data()
    cfg = data["configs"]["well/sigma=0.1"]
    level = 1 + 0.8 * np.linspace(-1, 1, G)  # heterogeneous test points, shared by every n
    for key in ("robustness_sg", "robustness_clime"):
        cfg[key]["groups"] = [
            [v * lv for v in g] for g, lv in zip(cfg[key]["groups"], level, strict=True)
        ]
    assert claims.check_more_robust(data).status == claims.PASSED


def test_wrong_decisions_stay_within_the_false_alarm_level():
    """Simulated group means where the claim holds exactly at its threshold (R(200) / R(5000)
    = 1.25, the other comparisons far below): a decisive 'failed' happens at most at the
    stated level (0.05 here, so that 1,000 runs can show it)."""
    rng = np.random.default_rng(7)
    th = claims.Thresholds(false_alarm=0.05)
    data = _data(rob_sg=0.1 + 0.3 / np.sqrt(N))
    cfg = data["configs"]["well/sigma=0.1"]
    R = np.array(cfg["robustness_sg"]["groups"])
    wrong, runs = 0, 1000
    for _ in range(runs):
        R[:, -1] = 0.1042 * (1 + 0.05 * rng.standard_normal(G))
        R[:, 4] = 1.25 * 0.1042 * (1 + 0.05 * rng.standard_normal(G))
        cfg["robustness_sg"]["groups"] = R.tolist()
        cfg["robustness_sg"]["mean"] = list(R.mean(axis=0))
        wrong += claims.check_saturation(data, th).status == claims.FAILED
    assert binomtest(wrong, runs, 0.05, alternative="greater").pvalue > 1e-6


def test_judge_claims_makes_valid_records_whose_status_follows_the_data():
    records = claims.judge_claims(_data(), seed=1, profile="ci")
    assert [r["id"] for r in records] == [f"replicate/toy/{c}" for c in claims.CLAIMS]
    assert {r["status"] for r in records} == {"passed"}
    assert all(r["source"] == "experiments" and r["false_alarm"] == 1e-6 for r in records)
    flipped = claims.judge_claims(_data(eq=0.5 * np.ones(9)), seed=1, profile="ci")
    assert flipped[0]["status"] == "failed" and flipped[0]["figures"]["verdict"] == "failed"
    noisy = claims.judge_claims(_data(noise=0.6), seed=1, profile="ci")
    undecided = [r for r in noisy if r["figures"]["verdict"] == claims.INCONCLUSIVE]
    assert undecided
    for r in undecided:
        # "inconclusive" once the vocabulary has it; until then its nearest word there.
        assert r["status"] == ("inconclusive" if "inconclusive" in RECORD_STATUSES else "undecided")
        assert "test points would decide it" in r["message"] and r["figures"]["points_to_decide"]


def test_thresholds_change_the_verdict():
    eq = 0.15 * np.sqrt(100 / N)  # relative 0.15 at n = 100, 0.106 at 200
    assert claims.check_equivalence(_data(eq=eq)).status == claims.FAILED
    loose = claims.Thresholds(equivalence_relative=0.2)
    assert claims.check_equivalence(_data(eq=eq), loose).status == claims.PASSED


def test_smaller_sigma_needs_two_sigmas():
    data = _data()
    data["sweep"] = ["well/sigma=0.1"]
    with pytest.raises(ValueError, match="at least two sigmas"):
        claims.check_smaller_sigma(data)


def test_data_without_group_means_is_refused_with_the_fix():
    data = _data()
    del data["configs"]["well/sigma=0.1"]["robustness_sg"]["groups"]
    with pytest.raises(ValueError, match="rerun `verify replicate`"):
        claims.check_saturation(data)

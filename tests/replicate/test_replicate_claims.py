"""The claims verdicts are computed from the data, and each check can fail."""

from __future__ import annotations

import numpy as np
import pytest

from verify.app.replicate import claims

GRID = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
N = np.array(GRID, dtype=float)


def _summary(mean, se_fraction: float = 0.05) -> dict:
    mean = np.asarray(mean, dtype=float)
    return {
        "mean": [None if np.isnan(v) else float(v) for v in mean],
        "se": [None if np.isnan(v) else float(abs(v) * se_fraction) for v in mean],
    }


def _config(sigma: float, scale: float = 1.0, eq=None, rob_sg=None, rob_cl=None) -> dict:
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
        "equivalence": _summary(eq),
        "robustness_sg": _summary(rob_sg),
        "robustness_clime": _summary(rob_cl),
        "robustness_gap": _summary(rob_cl - rob_sg),
    }


def _data(configs: dict | None = None, **default_kw) -> dict:
    sweep = {f"well/sigma={s:g}": _config(s) for s in (0.01, 0.1, 1.0)}
    sweep["well/sigma=0.1"] = _config(0.1, **default_kw)
    sweep.update(configs or {})
    return {
        "dataset": {"name": "toy"},
        "model": {"test_accuracy": 0.99, "under_test_accuracy": 0.8},
        "sizes": {"groups": 16},
        "n": GRID,
        "default": "well/sigma=0.1",
        "sweep": ["well/sigma=0.01", "well/sigma=0.1", "well/sigma=1"],
        "configs": sweep,
    }


def test_every_claim_holds_on_data_built_to_satisfy_it():
    data = _data()
    for words, check in claims.CLAIMS.values():
        assert check(data).holds, words


def test_equivalence_fails_when_the_distance_stays_large():
    data = _data(eq=0.5 * np.ones(9))
    result = claims.check_equivalence(data)
    assert not result.holds and result.figures["n_reached"] is None
    late = 0.2 * np.sqrt(1000 / N)  # <= 0.1 only from n = 5000... and 0.089 at 5000
    result = claims.check_equivalence(_data(eq=late))
    assert not result.holds and result.figures["n_reached"] == 5000


def test_equivalence_needs_the_distance_to_stay_below_the_threshold():
    eq = np.array([0.5, 0.3, 0.2, 0.05, 0.2, 0.05, 0.05, 0.05, 0.05])  # dips, comes back
    result = claims.check_equivalence(_data(eq=eq))
    assert result.figures["n_reached"] == 500 and not result.holds


def test_saturation_fails_for_a_pure_monte_carlo_decay():
    result = claims.check_saturation(_data(rob_sg=0.3 / np.sqrt(N)))
    assert not result.holds
    assert result.figures["n_saturated"] == 5000
    assert claims.check_saturation(_data()).figures["n_saturated"] <= 400


def test_more_robust_fails_where_clime_is_as_robust():
    rob_sg = 0.02 + 0.1 / np.sqrt(N)
    rob_cl = rob_sg * 2
    rob_cl[5] = rob_sg[5] * 0.9
    result = claims.check_more_robust(_data(rob_sg=rob_sg, rob_cl=rob_cl))
    assert not result.holds
    assert result.figures["n_where_clime_is_as_robust"] == [500]
    assert "not at n = [500]" in result.summary


def test_more_robust_ignores_sample_sizes_where_clime_is_undefined():
    rob_sg = 0.02 + 0.1 / np.sqrt(N)
    rob_cl = 2 * rob_sg
    rob_cl[:2] = np.nan  # n <= d
    result = claims.check_more_robust(_data(rob_sg=rob_sg, rob_cl=rob_cl))
    assert result.holds and len(result.margins_se) == 7


def test_smaller_sigma_fails_when_the_order_is_reversed():
    reversed_eq = {
        "well/sigma=0.01": _config(0.01, eq=0.5 * np.sqrt(10 / N)),
        "well/sigma=1": _config(1.0, eq=0.001 * np.sqrt(10 / N)),
    }
    result = claims.check_smaller_sigma(_data(reversed_eq))
    assert not result.holds and "equivalence" in result.summary
    flat = 0.1 * np.ones(9)  # sigma = 1 already on its plateau: not slower
    result = claims.check_smaller_sigma(_data({"well/sigma=1": _config(1.0, rob_sg=flat)}))
    assert not result.holds and "robustness_sg" in result.summary


def test_decisiveness_follows_the_margins():
    sharp = _data()
    for cfg in sharp["configs"].values():
        for key in ("equivalence", "robustness_sg", "robustness_clime", "robustness_gap"):
            cfg[key]["se"] = [None if v is None else abs(v) * 1e-4 for v in cfg[key]["mean"]]
    assert claims.check_more_robust(sharp).decisive is True
    assert claims.check_more_robust(_data()).decisive is True  # gap = 20 se everywhere
    noisy = _data()
    gap = noisy["configs"]["well/sigma=0.1"]["robustness_gap"]
    gap["se"] = [v * 0.5 for v in gap["mean"]]  # 2 se: not decisive at 1e-6
    assert claims.check_more_robust(noisy).decisive is False


def test_judge_claims_makes_valid_records_whose_status_follows_the_data():
    records = claims.judge_claims(_data(), seed=1, profile="ci")
    assert [r["id"] for r in records] == [f"replicate/toy/{c}" for c in claims.CLAIMS]
    assert {r["status"] for r in records} == {"passed"}
    assert all(r["source"] == "experiments" and r["false_alarm"] == 1e-6 for r in records)
    flipped = claims.judge_claims(_data(eq=0.5 * np.ones(9)), seed=1, profile="ci")
    assert flipped[0]["status"] == "failed" and flipped[0]["figures"]["holds"] is False


def test_thresholds_change_the_verdict():
    eq = 0.15 * np.sqrt(100 / N)  # relative 0.15 at n = 100, 0.106 at 200
    assert not claims.check_equivalence(_data(eq=eq)).holds
    loose = claims.Thresholds(equivalence_relative=0.2)
    assert claims.check_equivalence(_data(eq=eq), loose).holds


def test_smaller_sigma_needs_two_sigmas():
    data = _data()
    data["sweep"] = ["well/sigma=0.1"]
    with pytest.raises(ValueError, match="at least two sigmas"):
        claims.check_smaller_sigma(data)

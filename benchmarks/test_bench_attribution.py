"""Speed of the exact attribution targets (issue 21's goals), each against its naive route.

Run with ``python -m pytest benchmarks/test_bench_attribution.py``. pytest-benchmark times
the engine; the naive route is timed in the same run (best of a few calls) and
``extra_info`` records both and their ratio. The goals (exact Shapley of a network at
d = 10 in < 50 ms; a degree-4, 100-term polynomial at d = 30 in < 100 ms; IG closed forms
at >= 10^4 points/s) are read from the figures; nothing here asserts a time. Each
benchmark checks that the two routes agree (correctness, not speed).
"""

from __future__ import annotations

import itertools
import time
from math import factorial

import numpy as np
import pytest

from verify.attribution import Background, integrated_gradients, shapley_values
from verify.attribution.coalitions import all_masks, coalition_values
from verify.attribution.tables import shapley_matrix
from verify.functions import Network, Polynomial, RBFMixture, RidgeFunction


def _best_time(fn, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _naive_shapley(f, x, reference_rows):
    """The textbook loop: every (feature, coalition) pair, f evaluated per coalition."""
    d = x.size
    cache = {}

    def v(S):
        if S not in cache:
            mask = np.zeros(d, bool)
            mask[list(S)] = True
            cache[S] = float(np.mean(f(np.where(mask, x, reference_rows))))
        return cache[S]

    phi = np.zeros(d)
    for i in range(d):
        others = [j for j in range(d) if j != i]
        for k in range(d):
            weight = factorial(k) * factorial(d - k - 1) / factorial(d)
            for S in itertools.combinations(others, k):
                phi[i] += weight * (v(tuple(sorted((*S, i)))) - v(S))
    return phi


NET = Network.random(10, (32, 16), "relu", seed=0)
X10 = np.random.default_rng(1).normal(size=10)
ROWS = np.random.default_rng(2).normal(size=(100, 10))


@pytest.mark.parametrize("reference", ["baseline", "background-100"])
def test_exact_shapley_of_a_network_at_d10(benchmark, reference):
    rows = ROWS[:1] if reference == "baseline" else ROWS
    ref = Background(rows)
    result = benchmark(shapley_values, NET, X10, ref)
    fast = benchmark.stats.stats.min
    naive = _best_time(lambda: _naive_shapley(NET, X10, rows), repeats=1)
    assert np.allclose(result.values, _naive_shapley(NET, X10, rows), rtol=1e-10, atol=1e-12)
    benchmark.extra_info.update(
        {
            "d": 10,
            "background_rows": rows.shape[0],
            "network": "relu 32-16",
            "seconds_engine": fast,
            "seconds_naive_loop": naive,
            "speedup_vs_naive": naive / fast,
            "goal_seconds": 0.05,
        }
    )


def _polynomial(d: int, terms: int, degree: int, seed: int) -> Polynomial:
    rng = np.random.default_rng(seed)
    coefficients: dict[tuple[int, ...], float] = {}
    while len(coefficients) < terms:
        alpha = np.zeros(d, int)
        for j in rng.choice(d, degree):  # degree 4 exactly, repeats allowed (x_j^2 ...)
            alpha[j] += 1
        coefficients[tuple(alpha)] = float(rng.normal())
    return Polynomial(coefficients)


def _enumerated_shapley(f, x, b):
    values, _, _ = coalition_values(f, x[None], Background(b[None]), all_masks(x.size))
    return values @ shapley_matrix(x.size)


def test_product_game_shapley_of_a_polynomial_at_d30(benchmark):
    f = _polynomial(30, 100, 4, seed=3)
    rng = np.random.default_rng(4)
    x, b = rng.normal(size=30), rng.normal(size=30)
    result = benchmark(shapley_values, f, x, b)
    fast = benchmark.stats.stats.min
    assert abs(result.gap) <= 1e-10 * (1 + np.sum(np.abs(result.values)))
    # The enumeration route cannot run at d = 30 (2^30 coalitions); compare both routes at
    # d = 14 on a polynomial of the same shape, and report the d = 30 time.
    small = _polynomial(14, 100, 4, seed=5)
    xs, bs = x[:14], b[:14]
    product_14 = _best_time(lambda: shapley_values(small, xs, bs))
    enumerated_14 = _best_time(lambda: _enumerated_shapley(small, xs, bs), repeats=1)
    assert np.allclose(
        shapley_values(small, xs, bs).values, _enumerated_shapley(small, xs, bs)[0], atol=1e-9
    )
    benchmark.extra_info.update(
        {
            "d": 30,
            "terms": 100,
            "degree": 4,
            "seconds_product_game_d30": fast,
            "seconds_product_game_d14": product_14,
            "seconds_enumeration_d14": enumerated_14,
            "speedup_vs_enumeration_d14": enumerated_14 / product_14,
            "enumeration_d30_extrapolated_seconds": enumerated_14 * 2.0**16,
            "goal_seconds": 0.1,
        }
    )


def _ig_models(d: int) -> dict:
    rng = np.random.default_rng(6)
    return {
        "polynomial-deg4": _polynomial(d, 20, 4, seed=7),
        "ridge-logistic": RidgeFunction(rng.normal(size=d), 0.1, "logistic"),
        "rbf-3-bumps": RBFMixture(rng.normal(size=3), rng.normal(size=(3, d)), np.eye(d)),
        "net-tanh-one-layer": Network.random(d, (32,), "tanh", seed=8),
        "net-relu-deep": Network.random(d, (32, 16), "relu", seed=9),
    }


IG_MODELS = _ig_models(10)
IG_POINTS = np.random.default_rng(10).normal(size=(10_000, 10))


def _naive_ig(f, X, b, nodes: int = 64):
    """Per point, a 64-node Gauss-Legendre rule on the gradient (the usual numeric route)."""
    u, w = np.polynomial.legendre.leggauss(nodes)
    u, w = (u + 1) / 2, w / 2
    out = np.empty_like(X)
    for k, x in enumerate(X):
        path = b + u[:, None] * (x - b)
        out[k] = (x - b) * (w @ f.gradient(path))
    return out


@pytest.mark.parametrize("model", sorted(IG_MODELS))
def test_integrated_gradients_points_per_second(benchmark, model):
    f = IG_MODELS[model]
    b = np.zeros(10)
    result = benchmark(integrated_gradients, f, IG_POINTS, b)
    fast = benchmark.stats.stats.min
    subset = IG_POINTS[:500]
    naive = _best_time(lambda: _naive_ig(f, subset, b), repeats=1) * IG_POINTS.shape[0] / 500
    if f.smooth:  # the 64-node rule is accurate for smooth f: the same numbers
        assert np.allclose(result.values[:500], _naive_ig(f, subset, b), rtol=1e-8, atol=1e-10)
    benchmark.extra_info.update(
        {
            "points": IG_POINTS.shape[0],
            "d": 10,
            "method": result.method,
            "points_per_second": IG_POINTS.shape[0] / fast,
            "naive_points_per_second": IG_POINTS.shape[0] / naive,
            "speedup_vs_naive": naive / fast,
            "goal_points_per_second": 1e4,
        }
    )

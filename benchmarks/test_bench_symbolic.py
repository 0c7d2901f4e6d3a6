"""Speed of the symbolic engine (issue 3's targets), recorded, never asserted.

Run with ``python -m pytest benchmarks/test_bench_symbolic.py``.

* ``test_engine_vs_sympy_stats``: the same expectation (a polynomial of degree 4
  in two independent normal coordinates with symbolic means and variances)
  by ``sympy.stats.E`` (one pedantic round: it takes seconds) and by
  :func:`verify.symbolic.gaussian_expectation` with a cold moment cache in every
  round. ``extra_info["ratio"]`` is sympy.stats time / our time (target >= 100).
* ``test_theorem1_generic_class``: the time to prove Theorem 1 for the generic
  polynomial class (d, k) with fully symbolic mean and covariance, cold cache
  (targets: (4, 4) < 1 s, (5, 5) < 10 s).
"""

from __future__ import annotations

import time

import pytest
import sympy as sp

from verify import symbolic
from verify.symbolic.moments import moment_table

X1, X2 = sp.symbols("x1 x2", real=True)
M1, M2 = sp.symbols("m1 m2", real=True)
V1, V2 = sp.symbols("v1 v2", positive=True)

POLYS = {
    "fixed degree-4 polynomial": 3 * X1**4
    - 2 * X1**3 * X2
    + X1**2 * X2**2 / 2
    + 5 * X1 * X2
    - X2**3
    + 7,
    "generic degree-4 polynomial (15 symbolic coefficients)": symbolic.generic_polynomial(
        [X1, X2], 4
    )[0],
}


def _sympy_stats(poly: sp.Expr) -> sp.Expr:
    from sympy.stats import E, Normal

    a, b = Normal("A", M1, sp.sqrt(V1)), Normal("B", M2, sp.sqrt(V2))
    return E(poly.subs({X1: a, X2: b}, simultaneous=True))


def _ours(poly: sp.Expr) -> sp.Expr:
    moment_table.cache_clear()  # cold: moments are recomputed in every round
    return symbolic.gaussian_expectation(poly, [X1, X2], [M1, M2], sp.diag(V1, V2))


@pytest.mark.parametrize("case", sorted(POLYS))
def test_engine_vs_sympy_stats(benchmark, case):
    poly = POLYS[case]
    start = time.perf_counter()
    reference = _sympy_stats(poly)
    t_stats = time.perf_counter() - start
    ours = benchmark(_ours, poly)
    t_ours = benchmark.stats.stats.mean
    benchmark.extra_info.update(
        {
            "sympy_stats_seconds": t_stats,
            "engine_seconds_mean": t_ours,
            "ratio": t_stats / t_ours,
            "target_ratio": 100,
            "same_result": sp.expand(ours - reference) == 0,
        }
    )
    # correctness (not speed) is asserted: both routes must give the same polynomial
    assert sp.expand(ours - reference) == 0


CLASSES = [(d, k) for d in range(1, 6) for k in range(1, 6)]
TARGETS = {(4, 4): 1.0, (5, 5): 10.0}


@pytest.mark.parametrize("d,k", CLASSES, ids=[f"d{d}-k{k}" for d, k in CLASSES])
def test_theorem1_generic_class(benchmark, d, k):
    rec = benchmark.pedantic(
        symbolic.prove_theorem1_generic,
        args=(d, k),
        kwargs={"keep_sides": 0},
        rounds=3,
        iterations=1,
    )
    benchmark.extra_info.update(
        {
            "d": d,
            "k": k,
            "coefficients": rec.details["coefficients"],
            "identities_checked": rec.details["identities_checked"],
            "status": rec.status,
            "seconds": benchmark.stats.stats.max,
            "target_seconds": TARGETS.get((d, k)),
        }
    )
    assert rec.status == "proved"


def test_prove_all(benchmark):
    """Every statement at the default sizes (what ``verify run`` calls)."""
    recs = benchmark.pedantic(symbolic.prove_all, rounds=1, iterations=1)
    benchmark.extra_info["records"] = len(recs)
    benchmark.extra_info["statuses"] = {
        r.statement_id + ":" + r.function_class[:40]: r.status for r in recs
    }

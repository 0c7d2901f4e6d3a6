"""The independent second route: sabotaged engines no longer prove anything they touch.

Each sabotage below maps the function classes into themselves (every expectation is wrong
in the same way on both sides of an identity), so the identities alone stay intact: the
records show ``verdict_before_second_route == "proved"``. The second route
(:mod:`verify.symbolic.corroborate`) catches each, and the verdict is withdrawn.
"""

from __future__ import annotations

import pytest
import sympy as sp

from verify import symbolic
from verify.symbolic import engine
from verify.symbolic.corroborate import corroborate
from verify.symbolic.mgf import mgf_moments, mgf_moments_mod
from verify.symbolic.moments import MomentTable
from verify.symbolic.proofs.common import rbf_example, ridge_case
from verify.symbolic.trace import tracing


def _normalisation_off(monkeypatch):
    real = engine._tilt

    def tilt(A, b, c, mean, cov):  # det(I + A cov) four times too large: constants halved
        E, D, mean_t, cov_t = real(A, b, c, mean, cov)
        return E, 4 * D, mean_t, cov_t

    monkeypatch.setattr(engine, "_tilt", tilt)


def _phase_flipped(monkeypatch):
    real = engine._reduce_iota

    def reduce_iota(expr):  # the imaginary part of the characteristic exponent negated
        re_, im_ = real(expr)
        return re_, -im_

    monkeypatch.setattr(engine, "_reduce_iota", reduce_iota)


def _tilted_mean_off(monkeypatch):
    real = engine._tilt

    def tilt(A, b, c, mean, cov):  # the tilted law's mean shifted twice as far
        E, D, mean_t, cov_t = real(A, b, c, mean, cov)
        return E, D, 2 * mean_t - mean, cov_t

    monkeypatch.setattr(engine, "_tilt", tilt)


def _fourth_moments_doubled(monkeypatch):
    real = MomentTable.raw

    def raw(self, beta):
        out = real(self, beta)
        return {k: 2 * v for k, v in out.items()} if sum(beta) == 4 else out

    monkeypatch.setattr(MomentTable, "raw", raw)


def _rbf1():
    xs, f = rbf_example(1, symbolic_precision=True)
    return symbolic.prove_equivalence(f, xs)


def _sin_ridge():
    xs, f = ridge_case(2, "sin")
    return symbolic.prove_equivalence(f, xs)


def _sin_proportionality():
    return symbolic.prove_proportionality("sin", d=2)


def _exp_ridge_lemma6():
    xs, f = ridge_case(1, "exp")
    return symbolic.prove_lemma6(f, xs)


def _quartic():
    xs = sp.symbols("x1 x2", real=True)
    return symbolic.prove_equivalence(symbolic.generic_polynomial(xs, 4)[0], xs)


SABOTAGES = [
    ("normalisation", _normalisation_off, _rbf1),
    ("normalisation", _normalisation_off, _exp_ridge_lemma6),
    ("phase", _phase_flipped, _sin_ridge),
    ("phase", _phase_flipped, _sin_proportionality),
    ("tilt", _tilted_mean_off, _rbf1),
    ("moment", _fourth_moments_doubled, _quartic),
]


@pytest.mark.parametrize(
    "sabotage,prove",
    [(s, p) for _, s, p in SABOTAGES],
    ids=[f"{name}-{p.__name__.strip('_')}" for name, _, p in SABOTAGES],
)
def test_sabotaged_engine_no_longer_proves(monkeypatch, sabotage, prove):
    assert prove().status == "proved"  # the intact engine proves it
    sabotage(monkeypatch)
    rec = prove()
    assert rec.status != "proved", str(rec)
    corr = rec.corroboration
    assert corr["status"] == "disagreed", corr
    if rec.status == "undecided":  # the identity held: only the second route saw it
        assert "second route disagrees" in rec.reason
        assert rec.details["verdict_before_second_route"] in ("proved", "disproved")


def test_consistent_sabotage_would_have_passed_without_the_second_route(monkeypatch):
    """The measurement behind issue 11: such errors leave every identity intact."""
    _phase_flipped(monkeypatch)
    rec = _sin_ridge()
    assert rec.details["verdict_before_second_route"] == "proved"
    assert all(c["status"] == "proved" for c in rec.checks)


def test_second_route_records_method_points_and_agreement():
    rec = _sin_ridge()
    corr = rec.corroboration
    assert corr["status"] == "agreed"
    assert corr["expectations"] >= 5 and corr["points"] >= 1
    assert "Gauss-Hermite" in corr["method"] and "MGF" in corr["method"]
    assert corr["max_relative_discrepancy"] < 1e-9
    data = rec.to_dict()["corroboration"]
    assert data["status"] == "agreed" and isinstance(data["seed"], int)


def test_moment_table_corroborated_modulo_a_prime():
    rec = symbolic.prove_theorem1_generic(3, 3)
    corr = rec.corroboration
    assert corr["status"] == "agreed" and corr["moments"] >= 20
    assert "mod 2**61-1" in corr["method"]


def test_moment_table_disagreement_names_the_wrong_moments():
    table = MomentTable(2)
    with tracing() as trace:
        trace.add_table(table)
        table.raw((2, 2))
        table._raw[(2, 2)] = {k: v + 1 for k, v in table._raw[(2, 2)].items()}
    corr = corroborate(trace)
    assert corr["status"] == "disagreed"
    assert [2, 2] in corr["disagreements"][0]["wrong_moments"]


def test_mgf_route_against_known_moments():
    m = mgf_moments([1, 2], [[2, 1], [1, 3]], 4)
    # E[x1^2 x2] = mu1^2 mu2 + s11 mu2 + 2 s12 mu1 = 2 + 4 + 2
    assert m[(2, 1)] == 8
    # E[x1^4] = mu^4 + 6 mu^2 s + 3 s^2 = 1 + 12 + 12
    assert m[(4, 0)] == 25
    mod = mgf_moments_mod([1, 2], [[2, 1], [1, 3]], 4)
    assert mod[(2, 1)] == 8 and mod[(4, 0)] == 25


def test_inconclusive_quadrature_is_not_a_disagreement(monkeypatch):
    """A quadrature that does not converge is reported inconclusive, never as a verdict."""
    import verify.symbolic.corroborate as C
    import verify.symbolic.tilted_quadrature as Q

    monkeypatch.setattr(Q, "NODES", {1: (2, 3), 2: (2, 3), 3: (2, 3)})
    monkeypatch.setattr(C, "NOT_CONVERGED", 0.0)
    rec = _sin_ridge()
    assert rec.status == "proved"
    assert rec.corroboration["status"] == "inconclusive"


# -- a second route that can withdraw (issue 18) ------------------------------------------


def test_a_narrow_feature_is_resolved_not_a_false_alarm():
    """Before: nodes spread over N(0, 1) missed exp(-1e6 x^2) and withdrew a true identity."""
    x = sp.Symbol("x", real=True)
    rec = symbolic.prove_equivalence(sp.exp(-(10**6) * x**2) * (1 + x), [x], [0], [[1]])
    assert rec.status == "proved", str(rec)
    assert rec.corroboration["status"] == "agreed"
    assert rec.corroboration["max_relative_discrepancy"] < 1e-9


def test_a_large_disagreement_withdraws_even_with_a_large_error_bar():
    """A 50 % discrepancy 250 times its error bar is a disagreement, not "inconclusive"."""
    from verify.symbolic.corroborate import judge

    assert judge(0.5, 0.002, 1.0) == "disagreed"
    assert judge(0.005, 0.002, 1.0) == "inconclusive"  # within 10 error bars of a poor rule
    assert judge(1e-12, 1e-13, 1.0) == "agreed"
    assert judge(float("nan"), 0.0, 1.0) == "inconclusive"


def _engine_off_by(monkeypatch, relative: float) -> None:
    """Every expectation with an exponential factor off by ``relative``: the identities of
    Theorem 1 are linear in these, so they stay intact and only the second route can see it."""
    real = engine._expect

    def expect(expr, xs, mean, cov):
        value = real(expr, xs, mean, cov)
        return value * (1 + sp.Rational(relative)) if expr.has(sp.exp) else value

    monkeypatch.setattr(engine, "_expect", expect)


def test_an_engine_error_of_2e_6_relative_is_withdrawn(monkeypatch):
    assert_small_engine_error_withdrawn(monkeypatch)


def assert_small_engine_error_withdrawn(monkeypatch) -> None:
    _engine_off_by(monkeypatch, 2e-6)
    x = sp.Symbol("x", real=True)
    rec = symbolic.prove_equivalence(x * sp.exp(-(x**2)), [x], [sp.Rational(1, 3)], [[2]])
    assert rec.details.get("verdict_before_second_route") == "proved", str(rec)
    assert rec.status == "undecided", str(rec)
    assert rec.reason.startswith("undecided (second route disagreed)")
    assert 1e-6 < rec.corroboration["max_relative_discrepancy"] < 1e-5


def test_the_sides_attached_to_a_record_are_recomputed(monkeypatch):
    """Before: a record could show SmoothGrad 12 under "proved/agreed" when the truth is 9."""
    from verify.symbolic.proofs import equivalence

    real = equivalence.polynomial_sides

    def sides(poly, xs, mean, cov):  # the attached sides wrong, the identities untouched
        sg, covv = real(poly, xs, mean, cov)
        return sg + sp.ones(*sg.shape) * 3, covv + cov * sp.ones(*sg.shape) * 3

    monkeypatch.setattr(equivalence, "polynomial_sides", sides)
    x = sp.Symbol("x", real=True)
    rec = symbolic.prove_equivalence(x**3, [x], [1], [[2]])  # E[3 x^2] = 3 (1 + 2) = 9
    assert rec.details["smoothgrad"] == sp.Matrix([12])
    assert rec.status == "undecided" and rec.corroboration["status"] == "disagreed", str(rec)
    assert "lhs" in rec.reason


def test_polynomial_sides_are_checked_at_the_users_own_covariance():
    x, y = sp.symbols("x y", real=True)
    cov = [[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]]
    rec = symbolic.prove_equivalence(x**2 * y + 3 * y**3, [x, y], [1, -1], cov)
    rows = rec.corroboration["comparisons"]
    assert rec.status == "proved" and rec.corroboration["status"] == "agreed"
    assert rows >= 4  # two lhs and two rhs entries, at the user's law (exact MGF route)


def test_quadrature_memory_is_bounded_by_a_stated_budget():
    """Before: a 14^7-point tensor grid in d = 7 asked for gigabytes."""
    import tracemalloc

    from verify.symbolic.tilted_quadrature import MAX_NODES, tilted_expectation

    xs = sp.symbols("x1:8", real=True)
    f = sp.exp(-(xs[0] ** 2)) * xs[1] ** 20 * sp.cos(xs[2])
    tracemalloc.start()
    try:
        est = tilted_expectation(f, xs, sp.zeros(7, 1), sp.eye(7))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"exceeds the budget of {MAX_NODES}" in est.reason
    assert peak < 200e6


def test_a_nearly_singular_covariance_is_inconclusive_not_a_crash():
    x, y = sp.symbols("x y", real=True)
    eps = sp.Rational(1, 10**20)
    cov = [[1, 1], [1, 1 + eps]]  # exactly SPD, singular in float64
    rec = symbolic.prove_equivalence(sp.sin(x + y), [x, y], [0, 0], cov)
    assert rec.status == "proved"
    assert rec.corroboration["status"] == "inconclusive"
    assert "singular" in str(rec.corroboration["inconclusive"])

"""The quantitative no-free-lunch statement (docs/math.md#nfl_quantitative).

Han et al.'s Theorem 1 is worst case: an explanation fitted on one neighbourhood loses at
least d(f, G) = min_g max_x l(f, g, x) on another. For Gaussian neighbourhoods with a common
centre the loss is exact:

* squared loss, affine g with intercept (C-LIME): g_k = a_k + w_k'(x - x0) with
  a_k = E_k f, w_k = S_k^-1 Cov_k(x, f) is the best fit under Z_k = N(x0, S_k), and
  L_2(g_1) - L_2(g_2) = (E_2 f - E_1 f)^2 + (w_1 - w_2)' S_2 (w_1 - w_2);
* gradient matching (SmoothGrad): E_2||grad f - SG_1||^2 - E_2||grad f - SG_2||^2 =
  ||SG_1 - SG_2||^2;
* on a box: for f = x^2 on [-R, R] and affine g, d(f, G) = R^4 / 4 (attained by g = R^2/2;
  no affine g does better, by the second difference e(-R) - 2 e(0) + e(R) = 2 R^2).

Each loss is derived with the Gaussian engine (traced, so the second route of
:mod:`verify.symbolic.corroborate` recomputes every expectation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..canonical import decide_matrix, decide_zero
from ..engine import covariance_vector, expected_gradient, gaussian_expectation
from ..params import symbolic_covariance
from ..records import ProofRecord
from .common import (
    GAUSS,
    check_classes,
    class_scope,
    described_scope,
    run_proof,
    sampler_for,
    setup,
)
from .common import verdict as combine
from .lfa_common import generic, withdraw_on_disagreement

__all__ = [
    "nfl_quantitative_proofs",
    "prove_nfl_box",
    "prove_nfl_gaussian",
]


def _fit(f, xs, x0, S) -> tuple[sp.Expr, sp.Matrix, sp.Matrix, sp.Expr]:
    """(a, w, cov_xf, det): C-LIME under N(x0, S), w = adj(S) Cov(x, f) / det(S)."""
    a = gaussian_expectation(f, xs, x0, S)
    cxf = covariance_vector(f, xs, x0, S)
    det = sp.expand(S.det())
    return a, S.adjugate() * cxf / det, cxf, det


def prove_nfl_gaussian(
    expr: Any,
    xs: Any,
    x0: Any = None,
    cov1: Any = None,
    cov2: Any = None,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """Both exact excess losses for one f under Z_k = N(x0, cov_k) (symbolic by default).

    ``scope`` is what the caller says of the class ``expr`` stands for (see
    :func:`~verify.symbolic.proofs.common.described_scope`).
    """
    written = expr
    (f,), xs, d, m, S1, notes = setup([expr], xs, x0, cov1)
    S2 = symbolic_covariance(d, "t") if cov2 is None else sp.Matrix(cov2)
    _, _, _, _, S2, notes2 = setup([f], xs, m, S2)

    def body() -> dict:
        x = sp.Matrix(xs)
        a1, w1, _c1, _ = _fit(f, xs, m, S1)
        a2, w2, c2, det2 = _fit(f, xs, m, S2)
        g1 = a1 + (w1.T * (x - m))[0]
        g2 = a2 + (w2.T * (x - m))[0]
        # L_2(g1) - L_2(g2) = E_2[(g2 - g1)(2 f - g1 - g2)]: the difference of squares.
        excess = gaussian_expectation(sp.expand((g2 - g1) * (2 * f - g1 - g2)), xs, m, S2)
        dw = w1 - w2
        claimed = (a2 - a1) ** 2 + (dw.T * S2 * dw)[0]
        sg1 = expected_gradient(f, xs, m, S1)
        sg2 = expected_gradient(f, xs, m, S2)
        grad = sp.Matrix([sp.diff(f, v) for v in xs])
        gm_excess = gaussian_expectation(
            sp.expand(((sg2 - sg1).T * (2 * grad - sg1 - sg2))[0]), xs, m, S2
        )
        dsg = sg1 - sg2
        sampler = sampler_for(S1, [*S2, *m, f])
        checks = [
            (
                "squared loss: L2(g1) - L2(g2) = (E2 f - E1 f)^2 + dw' S2 dw",
                decide_zero(sp.together(excess - claimed), sampler=_both(sampler, S2)),
            ),
            (
                "g2 solves the Z2 normal equations: S2 w2 = Cov_2(x, f)",
                decide_matrix((S2 * w2 - c2).applyfunc(sp.cancel), sampler=_both(sampler, S2)),
            ),
            (
                "gradient matching: excess = ||SG1 - SG2||^2",
                decide_zero(gm_excess - (dsg.T * dsg)[0], sampler=_both(sampler, S2)),
            ),
        ]
        out = combine(checks)
        out.update(lhs=excess, rhs=claimed, details={"d": d, "det_cov2": det2})
        return out

    return run_proof(
        "nfl_quantitative",
        "C-LIME fitted under Z1 = N(x0, S1) has excess squared loss under Z2 = N(x0, S2) "
        "(E2 f - E1 f)^2 + dw' S2 dw; SmoothGrad's gradient-matching excess is ||SG1 - SG2||^2",
        function_class or f"f = {written}",
        (GAUSS, "S1, S2 symmetric positive definite; common centre x0"),
        timeout,
        body,
        (*notes, *notes2),
        scope=described_scope(scope, d=d, variables=xs, function=f, point=m, covariance=(S1, S2)),
    )


def _both(sampler, S2):
    """Random points where the second covariance is SPD too (a value drawn for each entry)."""
    from ..canonical import spd_sampler

    return spd_sampler(S2, base=sampler)


def prove_nfl_generic(
    d: int, k: int, *, timeout: float | None = None, diagonal: bool = False
) -> ProofRecord:
    """Both excess losses for the generic polynomial of degree <= k (every coefficient
    symbolic), x0 and both covariances symbolic (``diagonal``: symbolic variances only).
    The identities are quadratic in the coefficients, so they are checked on the whole
    generic polynomial at once."""
    xs, f, exps = generic(d, k)
    covs = [None, None]
    if diagonal:
        covs = [sp.diag(*sp.symbols(f"{n}_1:{d + 1}", positive=True)) for n in ("s", "t")]
    rec = prove_nfl_gaussian(
        f,
        xs,
        None,
        *covs,
        timeout=timeout,
        function_class=f"generic polynomial, d={d}, k={k} ({len(exps)} symbolic coefficients), "
        "symbolic centre and both covariances" + (" (diagonal)" if diagonal else ""),
        scope={"family": "polynomials", "k": k},
    )
    rec.details.setdefault("k", k)
    rec.details.setdefault("coefficients", len(exps))
    return rec


def prove_nfl_box(*, timeout: float | None = None) -> ProofRecord:
    """Han et al.'s Theorem 1 on a box, computed: f = x^2 on [-R, R], G affine, squared loss.

    Upper bound: g = R^2/2 has max_x (x^2 - R^2/2)^2 = R^4/4 (critical points and ends).
    Lower bound: for every affine g = a + c x the error e = f - g satisfies
    e(-R) - 2 e(0) + e(R) = 2 R^2, so max(|e(-R)|, |e(0)|, |e(R)|) >= R^2/2. Hence
    d(f, G) = min_g max_x (f - g)^2 = R^4/4, and for every explanation g* a neighbourhood
    Z2 (a point mass at the worst x) has loss >= R^4/4.
    """
    x = sp.Symbol("x1", real=True)
    (f,), (xv,), _d, _m, _S, notes = setup([x**2], [x], None, None)
    R = sp.Symbol("R", positive=True)
    a, c = sp.symbols("a c", real=True)

    def body() -> dict:
        g_star = R**2 / 2
        h = sp.expand((f - g_star) ** 2)
        critical = sp.solve(sp.diff(h, xv), xv)
        candidates = [-R, R, *[r for r in critical if r.is_real is not False]]
        # Every candidate is a multiple of R and every value a multiple of R^4: exact numbers.
        where = [sp.simplify(v / R) for v in candidates]
        values = [sp.simplify(h.xreplace({xv: v}) / R**4) for v in candidates]
        inside = all(w.is_number and -1 <= w <= 1 for w in where)
        top = max(values) * R**4 if all(v.is_number for v in values) else sp.nan
        e = f - (a + c * xv)
        second = e.xreplace({xv: -R}) - 2 * e.xreplace({xv: 0}) + e.xreplace({xv: R})
        checks = [
            ("max over [-R, R] of (x^2 - R^2/2)^2 = R^4/4", decide_zero(top - R**4 / 4)),
            ("every affine g: e(-R) - 2 e(0) + e(R) = 2 R^2", decide_zero(second - 2 * R**2)),
            ("the critical points lie in [-R, R]", decide_zero(sp.Integer(0 if inside else 1))),
        ]
        out = combine(checks)
        out.update(lhs=top, rhs=R**4 / 4, details={"d": 1, "candidates": candidates})
        return withdraw_on_disagreement(out, _box_second_route())

    return run_proof(
        "nfl_quantitative",
        "Han et al.'s Theorem 1 on the box [-R, R]: d(f, G) = min_(g affine) max_x "
        "(x^2 - g(x))^2 = R^4/4, attained by g = R^2/2",
        "f = x^2 on [-R, R], affine explanations, squared loss, symbolic R > 0",
        ("X = [-R, R], R > 0; l(f, g, x) = (f(x) - g(x))^2",),
        timeout,
        body,
        notes,
        scope=class_scope(
            "polynomials", d=1, k=2, variant="on a box", instance=True, neighbourhood=R
        ),
    )


def _box_second_route(seed: int = 0) -> dict:
    """d(x^2, G) on [-R, R] by linear programming on a grid (scipy), two random R."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(seed)
    rows = []
    for R in rng.uniform(0.25, 2.0, 2):
        grid = np.linspace(-R, R, 201)
        one = np.ones_like(grid)
        A = np.concatenate([np.stack([-one, -grid, -one], 1), np.stack([one, grid, -one], 1)])
        res = linprog(
            [0, 0, 1],
            A_ub=A,
            b_ub=np.concatenate([-(grid**2), grid**2]),
            bounds=[(None, None)] * 3,
            method="highs",
        )
        rows.append(abs(res.x[2] ** 2 - R**4 / 4) / max(1.0, R**4 / 4))
    worst = float(max(rows))
    return {
        "status": "agreed" if worst <= 1e-8 else "disagreed",
        "method": "minimax linear programme on a 201-point grid (scipy HiGHS) at random R",
        "comparisons": len(rows),
        "max_relative_discrepancy": worst,
        "tolerance": 1e-8,
    }


def nfl_quantitative_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """The exact no-free-lunch losses (registered in :mod:`verify.catalogue`).

    A generic class contains the smaller ones. ``default``: the generic polynomial with
    d = 1, k = 3 (every coefficient, the centre and both variances symbolic) and d = 2, k = 2
    with symbolic diagonal covariances; the box. ``thorough`` adds d = 1, k = 4, d = 2, k = 3
    (diagonal) and d = 2, k = 2 with fully symbolic covariances (about 30 s).
    """
    thorough = check_classes(classes)
    recs = [prove_nfl_generic(1, k, timeout=timeout) for k in ((3, 4) if thorough else (3,))]
    recs += [
        prove_nfl_generic(2, k, timeout=timeout, diagonal=True)
        for k in ((2, 3) if thorough else (2,))
    ]
    if thorough:
        recs.append(prove_nfl_generic(2, 2, timeout=timeout))
    return [*recs, prove_nfl_box(timeout=timeout)]

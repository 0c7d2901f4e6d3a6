"""KernelSHAP and binary LIME as weighted least squares over all coalitions, exactly.

Every game has one real symbol per coalition (2^d symbols, :func:`.lfa_common.symbolic_game`),
admitted as its multilinear extension; kernels have symbolic parameters where the class
says so. The fits are solved (rational systems) or their normal equations checked at the
claimed solution, whose uniqueness is shown by the Gram matrix' structure.

* ``kernelshap_shapley`` (docs/math.md#kernelshap_shapley): the Shapley-kernel fit with v(∅)
  and v(N) enforced is the Shapley value (Lundberg & Lee 2017); without them and with a free
  intercept it is the Shapley value + t 1, t = Cov_P(|S|, v)/Var_P(|S|) - (v(N) - v(∅))/d.
* ``lime_binary_banzhaf`` (docs/math.md#lime_binary_banzhaf): OLS with intercept on all
  masks is the Banzhaf value; a product kernel exp(-sum c_i (1 - z_i)) gives the weighted
  Banzhaf value with p_i = 1/(1 + e^{-c_i}); the cosine kernel (captum ``Lime``'s default, not
  a product) gives a feature f ignores a non-zero weight (a certified witness).

The second route plays the same game at random rational values by float64 brute force
(numpy least squares over the coalitions, the defining sums).
"""

from __future__ import annotations

from math import comb
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..canonical import decide_matrix, decide_zero
from ..interval import enclose
from ..records import ProofRecord
from .common import check_classes, class_scope, run_proof
from .common import verdict as combine
from .lfa_common import (
    admit_game,
    banzhaf,
    brute_least_squares,
    brute_weighted_banzhaf,
    coalitions,
    game_second_route,
    shapley,
    symbolic_game,
    weighted_banzhaf,
    weighted_least_squares,
    withdraw_on_disagreement,
)

__all__ = [
    "kernelshap_shapley_proofs",
    "lime_binary_banzhaf_proofs",
    "prove_cosine_null_player_witness",
    "prove_kernelshap_constrained",
    "prove_kernelshap_unconstrained",
    "prove_lime_product_kernel",
    "prove_lime_uniform",
    "shapley_kernel",
]

_GAME = "v(S) one real symbol per coalition (every game on d players)"


def shapley_kernel(s: int, d: int) -> sp.Rational:
    """(d - 1) / (C(d, s) s (d - s)), the Shapley kernel of a proper coalition of size s."""
    return sp.Rational(d - 1, comb(d, s) * s * (d - s))


def _game(d: int, game: Any = None):
    game = symbolic_game(d) if game is None else game
    return admit_game(game, d)


def _symbols(game: dict) -> set:
    return set().union(*(sp.sympify(v).free_symbols for v in game.values()))


def _values(point: dict, game: dict) -> dict:
    return {S: v.xreplace(point) for S, v in game.items()}


def _anchored_kernel(S, d: int) -> float:
    """The Shapley kernel with v(∅) and v(N) weighted 1e12 (a numeric stand-in for the
    constraint; the fit then differs from the constrained one by about 1e-12)."""
    return 1e12 if len(S) in (0, d) else float(shapley_kernel(len(S), d))


def _game_scope(d: int, game: dict, given: bool, *, variant: str, **parts: Any) -> dict:
    """A game's scope: generic (2^d symbolic values) unless the caller gave one (``given``)."""
    return class_scope(
        "games", d=d, variant=variant, instance=given, values=list(game.values()), **parts
    )


def _mask(S, d: int) -> list[int]:
    return [int(i in S) for i in range(d)]


def prove_kernelshap_constrained(
    d: int, *, timeout: float | None = None, game: Any = None
) -> ProofRecord:
    """min sum_{S proper} k(S) (v(S) - v(∅) - beta'z_S)^2 s.t. 1'beta = v(N) - v(∅) is Shapley.

    The KKT system [[A, 1], [1', 0]] (beta, lam) = (c, v(N) - v(∅)), A = sum k z z',
    c = sum k z (v - v(∅)), has a rational matrix: it is inverted exactly (its determinant,
    non-zero, is recorded) and the solution compared with the defining Shapley sum.
    """
    if d < 2:
        raise ValueError("KernelSHAP needs d >= 2 players (a proper coalition to fit)")
    given = game is not None
    game, notes = _game(d, game)

    def body() -> dict:
        empty, full = game[frozenset()], game[frozenset(range(d))]
        rows = [
            (shapley_kernel(len(S), d), _mask(S, d), game[S] - empty)
            for S in coalitions(d)
            if 0 < len(S) < d
        ]
        A, c = weighted_least_squares(rows, d, intercept=False)
        K = A.row_join(sp.ones(d, 1)).col_join(sp.ones(1, d).row_join(sp.zeros(1, 1)))
        det = K.det()
        sol = K.LUsolve(c.col_join(sp.Matrix([full - empty])))
        beta, phi = sol[:d, 0], shapley(game, d)
        out = combine([("constrained Shapley-kernel fit = Shapley", decide_matrix(beta - phi))])
        out.update(lhs=beta, rhs=phi, details={"d": d, "kkt_determinant": det})
        if det == 0:
            out.update(status="undecided", reason="singular KKT system")

        def engine(point):  # the constrained fit by numpy: v(∅), v(N) weighted 1e12
            values = _values(point, game)
            return brute_least_squares(values, d, lambda S: _anchored_kernel(S, d))

        return withdraw_on_disagreement(
            out, game_second_route(beta, engine, seed=d, symbols=_symbols(game))
        )

    return run_proof(
        "kernelshap_shapley",
        "KernelSHAP with v(∅), v(N) enforced: the Shapley-kernel weighted least-squares fit "
        "over all proper coalitions is the Shapley value",
        f"generic game, d={d} ({2**d} symbolic values)",
        (_GAME, "Shapley kernel (d - 1)/(C(d, s) s (d - s)) on 0 < s < d"),
        timeout,
        body,
        notes,
        scope=_game_scope(d, game, given, variant="constrained"),
    )


def prove_kernelshap_unconstrained(
    d: int, *, timeout: float | None = None, game: Any = None
) -> ProofRecord:
    """Without ∅ and N and with a free intercept the fit is Shapley + t 1 (d >= 3)."""
    if d < 3:
        raise ValueError("the unconstrained fit needs d >= 3 (for d = 2 it is singular)")
    given = game is not None
    game, notes = _game(d, game)

    def body() -> dict:
        proper = [S for S in coalitions(d) if 0 < len(S) < d]
        rows = [(shapley_kernel(len(S), d), _mask(S, d), game[S]) for S in proper]
        G, r = weighted_least_squares(rows, d)
        theta = G.LUsolve(r)
        beta = theta[1:, 0]
        total = sum(shapley_kernel(len(S), d) for S in proper)
        P = {S: shapley_kernel(len(S), d) / total for S in proper}
        mean_s = sum(P[S] * len(S) for S in proper)
        var_s = sum(P[S] * len(S) ** 2 for S in proper) - mean_s**2
        cov_sv = sum(P[S] * len(S) * game[S] for S in proper) - mean_s * sum(
            P[S] * game[S] for S in proper
        )
        gain = game[frozenset(range(d))] - game[frozenset()]
        t = cov_sv / var_s - gain / d
        claimed = shapley(game, d) + t * sp.ones(d, 1)
        out = combine([("unconstrained fit = Shapley + t 1", decide_matrix(beta - claimed))])
        out.update(lhs=beta, rhs=claimed, details={"d": d, "t": sp.expand(t)})

        def engine(point):
            kernel = lambda S: float(shapley_kernel(len(S), d))  # noqa: E731
            return brute_least_squares(_values(point, game), d, kernel, proper=True)

        return withdraw_on_disagreement(
            out, game_second_route(beta, engine, seed=d, symbols=_symbols(game))
        )

    return run_proof(
        "kernelshap_shapley",
        "KernelSHAP without v(∅), v(N) and with a free intercept: the Shapley-kernel fit is "
        "Shapley + t 1, t = Cov_P(|S|, v)/Var_P(|S|) - (v(N) - v(∅))/d",
        f"generic game, d={d} ({2**d} symbolic values), unconstrained",
        (_GAME, "P the Shapley kernel normalised on the proper coalitions"),
        timeout,
        body,
        notes,
        scope=_game_scope(d, game, given, variant="unconstrained"),
    )


def prove_lime_uniform(d: int, *, timeout: float | None = None) -> ProofRecord:
    """OLS with intercept of v(z) on z over all 2^d masks equals the Banzhaf value."""
    game, notes = _game(d)

    def body() -> dict:
        rows = [(sp.S.One, _mask(S, d), v) for S, v in game.items()]
        G, r = weighted_least_squares(rows, d)
        beta = G.LUsolve(r)[1:, 0]
        out = combine([("OLS on uniform masks = Banzhaf", decide_matrix(beta - banzhaf(game, d)))])
        out.update(lhs=beta, rhs=banzhaf(game, d), details={"d": d, "gram_det": G.det()})

        def engine(point):
            return brute_least_squares(_values(point, game), d, lambda S: 1.0)

        return withdraw_on_disagreement(
            out, game_second_route(beta, engine, seed=d, symbols=_symbols(game))
        )

    return run_proof(
        "lime_binary_banzhaf",
        "Binary LIME, uniform masks (ordinary least squares with intercept over all masks) "
        "= the Banzhaf value",
        f"generic game, d={d} ({2**d} symbolic values), uniform kernel",
        (_GAME,),
        timeout,
        body,
        notes,
        scope=_game_scope(d, game, False, variant="uniform kernel"),
    )


def prove_lime_product_kernel(d: int, *, timeout: float | None = None) -> ProofRecord:
    """A product kernel exp(-sum c_i (1 - z_i)) gives the weighted Banzhaf value.

    Three steps: (1) with p_i = 1/(1 + e^{-c_i}), e^{-c_i} = (1 - p_i)/p_i, so the kernel is
    proportional to the Bernoulli(p) law prod (z_i p_i + (1 - z_i)(1 - p_i)) (least squares
    is unchanged by a constant factor); (2) under that law the Gram matrix is
    [[1, p'], [p, p p' + diag(p (1 - p))]], invertible for 0 < p_i < 1 (Schur complement
    diag(p (1 - p))); (3) the normal equations hold at beta = weighted Banzhaf(p),
    beta0 = E_p v - p'beta, for symbolic p and every game.
    """
    game, notes = _game(d)
    p = sp.symbols(f"p1:{d + 1}", positive=True)
    c = sp.Symbol("c", real=True)

    def body() -> dict:
        P = 1 / (1 + sp.exp(-c))
        law = {S: sp.Mul(*[p[j] if j in S else 1 - p[j] for j in range(d)]) for S in game}
        kernel = {S: sp.Mul(*[1 if j in S else (1 - p[j]) / p[j] for j in range(d)]) for S in game}
        ratio = [law[S] - kernel[S] * sp.Mul(*p) for S in game]
        rows = [(law[S], _mask(S, d), v) for S, v in game.items()]
        G, r = weighted_least_squares(rows, d)
        pv = sp.Matrix(p)
        structure = sp.Matrix([[1, *p]]).col_join(
            pv.row_join(pv * pv.T + sp.diag(*[pi * (1 - pi) for pi in p]))
        )
        beta = weighted_banzhaf(game, d, p)
        mean_v = sp.Add(*[law[S] * v for S, v in game.items()])
        theta = sp.Matrix([mean_v - (pv.T * beta)[0], *beta])
        checks = [
            ("e^{-c} = (1 - p)/p at p = 1/(1 + e^{-c})", decide_zero((1 - P) / P - sp.exp(-c))),
            ("kernel = law / prod p (every mask)", decide_matrix(sp.Matrix(ratio))),
            ("Gram = [[1, p'], [p, pp' + diag(p(1-p))]]", decide_matrix(G - structure)),
            (
                "normal equations at weighted Banzhaf",
                decide_matrix((G * theta - r).applyfunc(sp.expand)),
            ),
        ]
        out = combine(checks)
        out.update(lhs=theta[1:, 0], rhs=beta, details={"d": d})

        def engine(point):  # the kernel exp(-sum c_i (1 - z_i)), c_i = logit p_i, by numpy
            rates = [float(sp.log(point[pi] / (1 - point[pi]))) for pi in p]
            kernel = lambda S: np.exp(-sum(rates[i] for i in range(d) if i not in S))  # noqa: E731
            values = _values(point, game)
            fit = brute_least_squares(values, d, kernel)
            return fit if d else brute_weighted_banzhaf(values, d, [float(point[pi]) for pi in p])

        route = game_second_route(beta, engine, seed=d, symbols={*p, *_symbols(game)}, unit=p)
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "lime_binary_banzhaf",
        "Binary LIME with a product kernel exp(-sum c_i (1 - z_i)) = the weighted Banzhaf "
        "value with p_i = 1/(1 + e^{-c_i})",
        f"generic game, d={d} ({2**d} symbolic values), product kernel with symbolic rates",
        (_GAME, "p_i = 1/(1 + e^{-c_i}) in (0, 1), i.e. every rate c_i real"),
        timeout,
        body,
        notes,
        scope=_game_scope(d, game, False, variant="product kernel", kernel=p),
    )


def prove_cosine_null_player_witness(*, timeout: float | None = None) -> ProofRecord:
    """The product structure is needed: captum's cosine kernel credits a feature f ignores.

    f = x1 x2 at x = (1, 2, 1) with baseline 0 (the game v = 2 z1 z2; feature 3 a null
    player), kernel exp(-(1 - cos(x, h(z)))^2 / 2), h(z) the hybrid point (cos = 0 for the
    empty mask, as torch floors the norms' product). The exact weights are enclosed in
    intervals and the normal equations solved in interval arithmetic; the enclosure of the
    slope of feature 3 excludes 0. The record proves the boundary claim "beta_3 != 0".
    """
    d, x = 3, (1, 2, 1)
    game, notes = _game(d, {S: sp.Integer(2 * (0 in S and 1 in S)) for S in coalitions(d)})

    def body() -> dict:
        norm = sp.sqrt(sum(v * v for v in x))
        exact = {}
        for S in game:
            cos = sp.sqrt(sum(x[i] ** 2 for i in S)) / norm if S else sp.S.Zero
            exact[S] = sp.exp(-((1 - cos) ** 2) / 2)
        lo, hi = _interval_slope(game, exact, d, index=2)
        certain = lo > 0 or hi < 0
        status = "proved" if certain else "undecided"
        weights = {S: float(sp.N(w, 20)) for S, w in exact.items()}
        numeric = brute_least_squares(game, d, lambda S: weights[S])
        midpoint = (lo + hi) / 2
        route = {
            "status": "agreed" if abs(numeric[2] - midpoint) <= 1e-9 else "disagreed",
            "method": "float64 weighted least squares (numpy) with the same weights",
            "comparisons": 1,
            "max_relative_discrepancy": abs(numeric[2] - midpoint),
            "tolerance": 1e-9,
        }
        out = {
            "status": status,
            "lhs": sp.Float(midpoint, 20),
            "rhs": sp.S.Zero,
            "witness": {
                "x": x,
                "beta_3_enclosure": [repr(lo), repr(hi)],
                "weights": exact,
            },
            "method": "the exact weights (exponentials of radicals) enclosed by interval "
            "arithmetic, the 4 x 4 normal equations solved in interval arithmetic "
            "(mpmath.iv, 100 bits): an enclosure of beta_3 that excludes 0",
            "checks": [{"name": "beta_3 != 0 for the null player x3", "status": status}],
            "details": {"d": d, "slopes_float64": numeric.tolist()},
        }
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "lime_binary_banzhaf",
        "Boundary of the class: the cosine kernel (not a product) gives the null player x3 "
        "of f = x1 x2 a non-zero binary-LIME weight",
        "witness beyond the class: captum's cosine kernel, f = x1 x2, x = (1, 2, 1), b = 0",
        ("kernel exp(-(1 - cos(x, h(z)))^2 / 2), width 1; cos = 0 for the empty mask",),
        timeout,
        body,
        notes,
        scope=_game_scope(d, game, True, variant="cosine kernel"),
    )


def _interval_slope(game: dict, weights: dict, d: int, index: int) -> tuple[float, float]:
    """A rigorous enclosure of one slope of the weighted least-squares fit with intercept."""
    iv = mpmath.iv
    saved, iv.prec = iv.prec, 100
    try:
        enclosed = {S: enclose(w, 40) for S, w in weights.items()}
        G = iv.matrix(d + 1, d + 1)
        r = iv.matrix(d + 1, 1)
        for S, v in game.items():
            z = [1, *_mask(S, d)]
            for a in range(d + 1):
                r[a] += enclosed[S] * z[a] * int(v)
                for b in range(d + 1):
                    G[a, b] += enclosed[S] * z[a] * z[b]
        beta = iv.lu_solve(G, r)[index + 1]
        return float(beta.a), float(beta.b)
    finally:
        iv.prec = saved


# -- providers registered in the catalogue ------------------------------------------------


def kernelshap_shapley_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """KernelSHAP's two limits for generic games (registered in :mod:`verify.catalogue`).

    ``default``: constrained for d = 2..4, unconstrained for d = 3, 4 (rational systems);
    ``thorough`` takes both to d = 6.
    """
    top = 7 if check_classes(classes) else 5
    recs = [prove_kernelshap_constrained(d, timeout=timeout) for d in range(2, top)]
    return recs + [prove_kernelshap_unconstrained(d, timeout=timeout) for d in range(3, top)]


def lime_binary_banzhaf_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """Binary LIME = (weighted) Banzhaf (registered in :mod:`verify.catalogue`).

    ``default``: uniform masks for d = 1..5, product kernels for d = 1..3, and the cosine
    kernel's witness; ``thorough`` takes product kernels to d = 5.
    """
    thorough = check_classes(classes)
    recs = [prove_lime_uniform(d, timeout=timeout) for d in range(1, 6)]
    recs += [prove_lime_product_kernel(d, timeout=timeout) for d in range(1, 6 if thorough else 4)]
    return [*recs, prove_cosine_null_player_witness(timeout=timeout)]

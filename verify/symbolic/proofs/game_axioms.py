"""The axioms of the exact values, the conditional value's witness, and additive agreement.

* ``shapley_axioms`` (docs/math.md#shapley_axioms): for every game on d players (2^d
  symbolic values): efficiency, symmetry, null player and linearity of the Shapley value
  (and of the Banzhaf and weighted Banzhaf values, efficiency aside); Owen's integral
  phi_i = int_0^1 d_i M(u, ..., u) du, the engine's product-game route; and the conditional
  Gaussian value of f = x1 crediting x2, derived with the Gaussian engine.
* ``additive_agreement`` (docs/math.md#additive_agreement): for additively separable f the
  game is v(S) = sum_{i in S} a_i + sum_{i not in S} c_i (a_i = f_i(x0_i), c_i = f_i(b_i)),
  and every coalition method returns a - c; IG returns it too, derived from its integrals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..canonical import decide_matrix, decide_zero
from ..engine import gaussian_expectation
from ..records import ProofRecord
from ..special import Phi
from .coalitions import shapley_kernel
from .common import check_classes, class_scope, described_scope, run_proof
from .common import verdict as combine
from .lfa_common import (
    admit_function,
    admit_game,
    banzhaf,
    brute_least_squares,
    brute_shapley,
    coalitions,
    game_second_route,
    path_second_route,
    point_symbols,
    shapley,
    symbolic_game,
    weighted_banzhaf,
    weighted_least_squares,
    withdraw_on_disagreement,
)
from .path_integrals import U, ig_integrands, integrated_gradients

__all__ = [
    "additive_agreement_proofs",
    "prove_additive_games",
    "prove_additive_ig",
    "prove_conditional_value_witness",
    "prove_shapley_axioms",
    "shapley_axioms_proofs",
]

_GAME = "v(S) one real symbol per coalition (every game on d players)"


def _game_symbols(game: dict) -> set:
    return set().union(*(sp.sympify(v).free_symbols for v in game.values()))


def prove_shapley_axioms(d: int, *, timeout: float | None = None) -> ProofRecord:
    """Efficiency, symmetry (players 1, 2), null player (player d), linearity, Owen's integral."""
    game, notes = admit_game(symbolic_game(d), d)
    other, _ = admit_game(symbolic_game(d, "w"), d)
    p = sp.symbols(f"p1:{d + 1}", positive=True)

    def body() -> dict:
        phi = shapley(game, d)
        full, empty = game[frozenset(range(d))], game[frozenset()]
        checks = [("efficiency: sum phi = v(N) - v(∅)", decide_zero(sum(phi) - (full - empty)))]
        if d >= 2:  # symmetry of players 0 and 1: v(S + 0) = v(S + 1) for S without both
            sym = {game[S | {1}]: game[S | {0}] for S in game if not S & {0, 1}}
            g = {S: v.xreplace(sym) for S, v in game.items()}
            for name, values in (("Shapley", shapley(g, d)), ("Banzhaf", banzhaf(g, d))):
                checks.append(
                    (f"symmetry ({name}): phi_1 = phi_2", decide_zero(values[0] - values[1]))
                )
        last = d - 1  # a null player: v(S + last) = v(S)
        null = {game[S | {last}]: game[S] for S in game if last not in S}
        g = {S: v.xreplace(null) for S, v in game.items()}
        for name, values in (
            ("Shapley", shapley(g, d)),
            ("Banzhaf", banzhaf(g, d)),
            ("weighted Banzhaf, symbolic p", weighted_banzhaf(g, d, p)),
        ):
            checks.append((f"null player ({name}): phi_d = 0", decide_zero(values[last])))
        al, be = sp.symbols("a b", real=True)
        mix = {S: al * game[S] + be * other[S] for S in game}
        for name, op in (("Shapley", shapley), ("Banzhaf", banzhaf)):
            gap = op(mix, d) - al * op(game, d) - be * op(other, d)
            checks.append((f"linearity ({name})", decide_matrix(gap.applyfunc(sp.expand))))
        checks.append(("Owen: phi_i = int_0^1 d_i M(u 1) du", decide_matrix(_owen(game, d) - phi)))
        out = combine(checks)
        out.update(lhs=phi, rhs=_owen(game, d), details={"d": d})

        def engine(point):
            return brute_shapley({S: v.xreplace(point) for S, v in game.items()}, d)

        route = game_second_route(phi, engine, seed=d, symbols=_game_symbols(game))
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "shapley_axioms",
        "Shapley value: efficiency, symmetry, null player, linearity (Banzhaf and weighted "
        "Banzhaf: symmetry, null player, linearity) and Owen's integral form",
        f"generic game, d={d} ({2**d} symbolic values; a second game for linearity)",
        (_GAME,),
        timeout,
        body,
        notes,
        scope=class_scope("games", d=d, values=[*game.values(), *other.values()], weights=p),
    )


def _owen(game: dict, d: int) -> sp.Matrix:
    """int_0^1 d_i M(u, ..., u) du with M the multilinear extension (exact integration)."""
    zs = sp.symbols(f"z1:{d + 1}", real=True)
    M = sp.Add(
        *[v * sp.Mul(*[zs[i] if i in S else 1 - zs[i] for i in range(d)]) for S, v in game.items()]
    )
    diag = {z: U for z in zs}
    out = []
    for z in zs:
        integrand = sp.Poly(sp.expand(sp.diff(M, z).xreplace(diag)), U)
        F = integrand.integrate()
        out.append(sp.expand(F.eval(1) - F.eval(0)))
    return sp.Matrix(out)


def prove_conditional_value_witness(*, timeout: float | None = None) -> ProofRecord:
    """The conditional value credits a feature f ignores: f = x1, d = 2.

    z ~ N(mu, S) with every entry symbolic; the conditional value v(S) = E[f(x_S, z_rest) |
    z_S = x_S] uses the Gaussian conditional law (mean mu_1 + s12/s22 (x2 - mu2) for S = {2})
    and the engine's Gaussian expectation. Then phi_2 = s12 (x2 - mu2) / (2 s22) (rho x2 / 2
    for mu = 0, unit variances), while the interventional value gives phi_2 = 0.
    """
    x1, x2 = sp.symbols("x1 x2", real=True)
    f, xs, _d, pts, notes = admit_function(x1, [x1, x2], {"x": None})
    px = pts["x"]
    mu1, mu2 = sp.symbols("mu_1 mu_2", real=True)
    s11, s22 = sp.symbols("s_11 s_22", positive=True)
    s12 = sp.Symbol("s_12", real=True)
    rho = sp.Symbol("rho", real=True)

    def body() -> dict:
        z = sp.Symbol("z", real=True)
        cond_mean = mu1 + s12 / s22 * (px[1] - mu2)  # z1 | z2 = x2
        cond_var = s11 - s12**2 / s22
        v = {
            frozenset(): gaussian_expectation(
                f, xs, sp.Matrix([mu1, mu2]), sp.Matrix([[s11, s12], [s12, s22]])
            ),
            frozenset({0}): f.xreplace({x1: px[0]}),
            frozenset({1}): gaussian_expectation(
                z, [z], sp.Matrix([cond_mean]), sp.Matrix([[cond_var]])
            ),
            frozenset({0, 1}): f.xreplace({x1: px[0]}),
        }
        phi = shapley(v, 2)
        claimed = s12 * (px[1] - mu2) / (2 * s22)
        standard = claimed.xreplace({mu2: 0, s22: 1, s12: rho})
        interventional = {**v, frozenset({1}): v[frozenset()]}
        checks = [
            ("conditional: phi_2 = s12 (x2 - mu2) / (2 s22)", decide_zero(phi[1] - claimed)),
            ("interventional: phi_2 = 0", decide_zero(shapley(interventional, 2)[1])),
        ]
        out = combine(checks)
        out.update(lhs=phi[1], rhs=claimed, details={"d": 2, "standardised": standard})
        return out

    return run_proof(
        "shapley_axioms",
        "The conditional Gaussian value credits a feature f ignores: for f = x1, "
        "phi_2 = s12 (x2 - mu2)/(2 s22) (= rho x2 / 2 standardised); interventional: 0",
        "witness: f = x1, d=2, Gaussian background with symbolic mean and covariance",
        ("z ~ N(mu, S), S symmetric positive definite",),
        timeout,
        body,
        notes,
        scope=class_scope(
            "polynomials",
            d=2,
            k=1,
            variant="conditional Gaussian value",
            instance=True,
            variables=xs,
            point=px,
            mean=(mu1, mu2),
            covariance=(s11, s12, s22),
        ),
    )


# -- additive agreement --------------------------------------------------------------------


def _additive_game(d: int) -> tuple[dict, sp.Matrix, sp.Matrix]:
    a = point_symbols("a", d)  # f_i(x0_i)
    c = point_symbols("c", d)  # f_i(b_i)
    game = {S: sp.Add(*[a[i] if i in S else c[i] for i in range(d)]) for S in coalitions(d)}
    return game, a, c


def prove_additive_games(
    d: int, *, timeout: float | None = None, any_kernel: bool = True
) -> ProofRecord:
    """Every coalition method returns a - c on the game of an additively separable f.

    Shapley, Banzhaf, occlusion, weighted Banzhaf (symbolic p), KernelSHAP constrained
    and (d >= 3) unconstrained, and binary LIME with *any* kernel (2^d symbolic positive
    weights; for d <= ``any_kernel`` size limits): the normal equations hold at
    (sum c, a - c), a zero-residual fit, and the Gram matrix Z' Pi Z is positive definite
    because Z = [1, z] over all masks has full column rank (checked) and the weights are
    positive.
    """
    raw, a, c = _additive_game(d)
    game, notes = admit_game(raw, d)
    p = sp.symbols(f"p1:{d + 1}", positive=True)

    def body() -> dict:
        target = a - c
        full = frozenset(range(d))
        occl = sp.Matrix([game[full] - game[full - {i}] for i in range(d)])
        checks = [
            ("Shapley = a - c", decide_matrix(shapley(game, d) - target)),
            ("Banzhaf = a - c", decide_matrix(banzhaf(game, d) - target)),
            (
                "weighted Banzhaf (symbolic p) = a - c",
                decide_matrix(weighted_banzhaf(game, d, p) - target),
            ),
            ("occlusion = a - c", decide_matrix(occl - target)),
        ]
        proper = [S for S in coalitions(d) if 0 < len(S) < d]
        if d >= 3:
            rows = [(shapley_kernel(len(S), d), _mask(S, d), game[S]) for S in proper]
            G, r = weighted_least_squares(rows, d)
            checks.append(
                ("KernelSHAP unconstrained = a - c", decide_matrix(G.LUsolve(r)[1:, 0] - target))
            )
        if any_kernel:
            weights = {
                S: sp.Symbol("pi_" + ("".join(str(i + 1) for i in sorted(S)) or "0"), positive=True)
                for S in game
            }
            rows = [(weights[S], _mask(S, d), v) for S, v in game.items()]
            G, r = weighted_least_squares(rows, d)
            theta = sp.Matrix([sum(c), *target])
            checks.append(
                (
                    "binary LIME, any kernel: normal equations at (sum c, a - c)",
                    decide_matrix((G * theta - r).applyfunc(sp.expand)),
                )
            )
            Z = sp.Matrix([[1, *_mask(S, d)] for S in game])
            rank = Z.rank()
            checks.append(
                ("design [1, z] has full column rank", decide_zero(sp.Integer(rank - d - 1)))
            )
        out = combine(checks)
        out.update(lhs=shapley(game, d), rhs=target, details={"d": d})

        def engine(point):  # ordinary least squares over all masks, by numpy
            values = {S: v.xreplace(point) for S, v in game.items()}
            return brute_least_squares(values, d, lambda S: 1.0)

        route = game_second_route(target, engine, seed=d, symbols=_game_symbols(game))
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "additive_agreement",
        "Additively separable f: Shapley = Banzhaf = weighted Banzhaf = occlusion = "
        "KernelSHAP = binary LIME (any kernel) = f_i(x0_i) - f_i(b_i)",
        f"every additively separable f, d={d} (its game: 2d symbols a_i = f_i(x0_i), "
        "c_i = f_i(b_i))",
        ("binary LIME: kernel weights positive on every mask",),
        timeout,
        body,
        notes,
        scope=class_scope("additively separable functions", d=d, values=(a, c), weights=p),
    )


def _mask(S, d: int) -> list[int]:
    return [int(i in S) for i in range(d)]


def prove_additive_ig(
    parts: list,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """IG of f = sum_i f_i(x_i) equals f_i(x0_i) - f_i(b_i), each IG_i from its integral.

    ``parts[i]`` is f_i as an expression in the variable ``x{i+1}``; ``scope`` what the
    caller says of the class (see :func:`~verify.symbolic.proofs.common.described_scope`).
    """
    d = len(parts)
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    f, xs, d, pts, notes = admit_function(sp.Add(*parts), xs, {"x0": None, "xb": None})
    p, b = pts["x0"], pts["xb"]

    def body() -> dict:
        res = integrated_gradients(f, xs, p, b)
        target = sp.Matrix(
            [parts[i].xreplace({xs[i]: p[i]}) - parts[i].xreplace({xs[i]: b[i]}) for i in range(d)]
        )
        out = combine(
            [*res["checks"], ("IG_i = f_i(x0_i) - f_i(b_i)", decide_matrix(res["ig"] - target))]
        )
        out.update(lhs=res["ig"], rhs=target, details={"d": d, "terms": res["terms"]})
        out["extra_assumptions"] = res["assumptions"]
        route = path_second_route(list(res["ig_explicit"]), ig_integrands(f, xs, p, b), U)
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "additive_agreement",
        "Additively separable f: IG_i(x0; b) = f_i(x0_i) - f_i(b_i)",
        function_class or f"f = {f}",
        ("x0 and b symbolic",),
        timeout,
        body,
        notes,
        scope=described_scope(scope, d=d, variables=xs, function=f, point=p, baseline=b),
    )


# -- providers registered in the catalogue ------------------------------------------------


def shapley_axioms_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """The axioms for generic games d = 1..3 (``thorough``: ..5) and the conditional witness."""
    top = 6 if check_classes(classes) else 4
    recs = [prove_shapley_axioms(d, timeout=timeout) for d in range(1, top)]
    return [*recs, prove_conditional_value_witness(timeout=timeout)]


def additive_agreement_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """Additive agreement (registered in :mod:`verify.catalogue`).

    ``default``: the additive games for d = 1..3 (binary LIME with any kernel);
    IG for a separable generic polynomial (d = 3, degree <= 3 per coordinate) and for
    sin + exp + Phi coordinates (d = 3, symbolic slopes and offsets). ``thorough``: games
    to d = 5, any kernel to d = 4.
    """
    thorough = check_classes(classes)
    recs = [
        prove_additive_games(d, timeout=timeout, any_kernel=d <= (4 if thorough else 3))
        for d in range(1, 6 if thorough else 4)
    ]
    xs = sp.symbols("x1:4", real=True)
    coeff = [[sp.Symbol(f"c_{i + 1}{k}", real=True) for k in range(1, 4)] for i in range(3)]
    poly = [sum(coeff[i][k - 1] * xs[i] ** k for k in range(1, 4)) for i in range(3)]
    recs.append(
        prove_additive_ig(
            poly,
            timeout=timeout,
            function_class="separable generic polynomial, d=3, degree <= 3 per coordinate "
            "(9 symbolic coefficients)",
            scope={
                "family": "additively separable functions",
                "variant": "polynomial coordinates of degree <= 3",
            },
        )
    )
    w, o = sp.symbols("w1:4", real=True), sp.symbols("o1:4", real=True)
    links = [sp.sin(w[0] * xs[0] + o[0]), sp.exp(w[1] * xs[1] + o[1]), Phi(w[2] * xs[2] + o[2])]
    recs.append(
        prove_additive_ig(
            links,
            timeout=timeout,
            function_class="separable ridge terms sin + exp + probit, d=3, symbolic slopes "
            "and offsets",
            scope={
                "family": "additively separable functions",
                "links": ["exp", "probit", "sin"],
                "variant": "ridge coordinates",
            },
        )
    )
    return recs

"""Plumbing of the local-function-approximation proofs: admitted points, games, second routes.

The LFA statements (docs/math.md, "The local-function-approximation statements") are about
two kinds of objects:

* a function f of x with a point x0 and a baseline b (Integrated Gradients, Gradient x
  Input, occlusion, gradient matching). :func:`admit_function` sends f and the points
  through the admission step (:func:`verify.symbolic.admission.admit`), like every public
  symbolic entry;
* a cooperative game v on the coalitions of d players, with one symbol per coalition
  (Shapley, Banzhaf, binary LIME, KernelSHAP). A game is admitted as its multilinear
  extension M(z) = sum_S v(S) prod_{i in S} z_i prod_{i not in S} (1 - z_i), a polynomial
  in z (:func:`admit_game`), and read back at the corners.

The derivations here are exact (rational arithmetic, polynomial integration). The second
route of :mod:`verify.symbolic.corroborate` recomputes Gaussian expectations only; the
integrals over a path and the sums over coalitions get their own independent route
(:func:`path_second_route`, :func:`game_second_route`): the derived closed forms evaluated
at random rational points against mpmath quadrature of the defining integral, or against
float64 brute-force sums and least squares (numpy). The engine's own numeric routines
(:mod:`verify.attribution`) are compared with these statements by the properties.
A disagreement withdraws the verdict (:func:`withdraw_on_disagreement`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from math import factorial
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ...deadline import check as check_deadline
from ..admission import admit
from ..generic import monomial_exponents
from ..params import as_variables

__all__ = [
    "Game",
    "admit_function",
    "admit_game",
    "banzhaf",
    "brute_least_squares",
    "brute_shapley",
    "brute_weighted_banzhaf",
    "coalitions",
    "game_second_route",
    "generic",
    "monomial",
    "path_second_route",
    "point_symbols",
    "shapley",
    "shapley_weight",
    "symbolic_game",
    "weighted_banzhaf",
    "weighted_least_squares",
    "withdraw_on_disagreement",
]

#: Random rational points per second-route comparison.
SECOND_ROUTE_POINTS = 2
#: Relative agreement required of the second route (mpmath at 30 digits, float64 engine).
_RTOL = {"mpmath": 1e-20, "float64": 1e-9}


def monomial(xs, alpha) -> sp.Expr:
    """x^alpha."""
    return sp.Mul(*[x**a for x, a in zip(xs, alpha, strict=True)])


def generic(d: int, k: int) -> tuple[tuple, sp.Expr, list]:
    """(xs, f, exponents): the polynomial of degree <= k in x1..xd, one real symbol
    c1, c2, ... per monomial (graded order, :func:`verify.symbolic.generic.monomial_exponents`)."""
    exps = monomial_exponents(d, k)
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    coeffs = sp.symbols(f"c1:{len(exps) + 1}", real=True)
    f = sp.Add(*[c * monomial(xs, al) for c, al in zip(coeffs, exps, strict=True)])
    return xs, f, exps


def point_symbols(name: str, d: int) -> sp.Matrix:
    """``name_1 .. name_d`` as a column of real symbols (a symbolic point)."""
    return sp.Matrix([sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(d)])


def admit_function(expr: Any, xs: Any, points: dict[str, Any]) -> tuple:
    """Admit f and its points (the explained point, a baseline, ...) in one admission step.

    Parameters
    ----------
    expr : sympy.Expr or str
        f(x).
    xs : sequence of Symbol or str
        The variables of f.
    points : dict
        name -> a length-d vector (numbers, expressions, strings) or ``None`` (a symbolic
        point ``name_1 .. name_d``). The points must not depend on the variables.

    Returns
    -------
    (f, xs, d, points, notes)
        The admitted expression, variables, dimension, the points as d x 1 matrices (in
        the order given) and what admission changed (for the record).
    """
    xs_ = as_variables(xs) if not isinstance(xs, str) else xs
    d = len(sp.symbols(xs_)) if isinstance(xs_, str) else len(xs_)
    vectors = [point_symbols(n, d) if v is None else sp.Matrix(v) for n, v in points.items()]
    for name, vec in zip(points, vectors, strict=True):
        if vec.shape not in ((d, 1), (1, d)):
            raise ValueError(f"the point {name!r} has shape {vec.shape}; pass a length-{d} vector")
    flat = [e for vec in vectors for e in vec]
    adm = admit([expr, *flat], xs_, sp.zeros(d, 1), sp.eye(d))
    f, rest = adm.exprs[0], list(adm.exprs[1:])
    admitted = {}
    for k, name in enumerate(points):
        vec = sp.Matrix(rest[k * d : (k + 1) * d])
        if any(e.has(*adm.xs) for e in vec):
            raise ValueError(f"the point {name!r} depends on the variables of f: pass constants")
        admitted[name] = vec
    return f, adm.xs, d, admitted, adm.notes


# -- games -------------------------------------------------------------------------------

Game = dict  # coalition (a frozenset of player indices 0..d-1) -> value


def coalitions(d: int) -> list[frozenset]:
    """All 2^d coalitions, by size, then lexicographically."""
    return [frozenset(c) for s in range(d + 1) for c in itertools.combinations(range(d), s)]


def _label(S: frozenset) -> str:
    return "".join(str(i + 1) for i in sorted(S)) or "0"


def symbolic_game(d: int, name: str = "v") -> Game:
    """The generic game on d players: one real symbol ``v_S`` per coalition (``v_0``: empty)."""
    return {S: sp.Symbol(f"{name}_{_label(S)}", real=True) for S in coalitions(d)}


def admit_game(game: Game, d: int) -> tuple[Game, tuple[str, ...]]:
    """The game through the admission step, as its multilinear extension in z_1..z_d."""
    zs = sp.symbols(f"z1:{d + 1}", real=True)
    ext = sp.Add(
        *[v * sp.Mul(*[zs[i] if i in S else 1 - zs[i] for i in range(d)]) for S, v in game.items()]
    )
    adm = admit(ext, zs, sp.zeros(d, 1), sp.eye(d))
    (m,) = adm.exprs
    back = {S: sp.expand(m.xreplace({z: int(i in S) for i, z in enumerate(adm.xs)})) for S in game}
    return back, adm.notes


def shapley_weight(s: int, d: int) -> sp.Rational:
    """s! (d - s - 1)! / d!: the Shapley weight of a coalition of size s not holding i."""
    return sp.Rational(factorial(s) * factorial(d - s - 1), factorial(d))


def shapley(game: Game, d: int) -> sp.Matrix:
    """phi_i = sum_{S not containing i} w(|S|) (v(S + i) - v(S)) (the defining sum)."""
    return sp.Matrix(
        [
            sp.Add(
                *[shapley_weight(len(S), d) * (game[S | {i}] - game[S]) for S in game if i not in S]
            )
            for i in range(d)
        ]
    )


def banzhaf(game: Game, d: int) -> sp.Matrix:
    """beta_i = 2^(1-d) sum_{S not containing i} (v(S + i) - v(S))."""
    half = sp.Rational(1, 2 ** (d - 1))
    return sp.Matrix(
        [half * sp.Add(*[game[S | {i}] - game[S] for S in game if i not in S]) for i in range(d)]
    )


def weighted_banzhaf(game: Game, d: int, p: Sequence[sp.Expr]) -> sp.Matrix:
    """E_p[v | z_i = 1] - E_p[v | z_i = 0] for independent z_j ~ Bernoulli(p_j)."""
    out = []
    for i in range(d):
        total = sp.S.Zero
        for S, v in game.items():
            if i not in S:
                continue
            prob = sp.Mul(*[p[j] if j in S else 1 - p[j] for j in range(d) if j != i])
            total += prob * (v - game[S - {i}])
        out.append(total)
    return sp.Matrix(out)


def weighted_least_squares(
    rows: Sequence[tuple[sp.Expr, Sequence[int], sp.Expr]], d: int, intercept: bool = True
) -> tuple[sp.Matrix, sp.Matrix]:
    """Gram matrix and right-hand side of sum_k pi_k (y_k - beta0 - beta'z_k)^2.

    ``rows`` holds (pi_k, z_k, y_k). Returns ``(G, r)``: the minimisers solve G theta = r,
    theta = (beta0, beta) (or beta alone without an intercept).
    """
    G = sp.zeros(d + intercept, d + intercept)
    r = sp.zeros(d + intercept, 1)
    for pi, z, y in rows:
        x = sp.Matrix(([1] if intercept else []) + list(z))
        G += pi * x * x.T
        r += pi * y * x
    return G, r


# -- second routes --------------------------------------------------------------------------


def _rational_point(
    symbols, rng: random.Random, positive: Sequence = (), unit: Sequence = ()
) -> dict:
    point = {}
    for s in sorted(symbols, key=sp.default_sort_key):
        if s in unit:
            point[s] = sp.Rational(rng.randint(5, 95), 100)
        elif s in positive or s.is_positive:
            point[s] = sp.Rational(rng.randint(25, 200), 100)
        else:
            point[s] = sp.Rational(rng.randint(-200, 200), 100)
    return point


def path_second_route(
    derived: Sequence[sp.Expr],
    integrands: Sequence[sp.Expr],
    u: sp.Symbol,
    *,
    lower: Any = 0,
    upper: Any = 1,
    seed: int = 0,
    sampler: Callable[[random.Random], dict] | None = None,
) -> dict:
    """``derived[i] = int_lower^upper integrands[i] du`` at random rational points, by mpmath.

    The integrals are recomputed by mpmath's tanh-sinh quadrature at 30 digits from the
    integrands alone (not from the derivation). Agreement to 1e-20 relative is required.
    """
    symbols = set().union(*(sp.sympify(e).free_symbols for e in [*derived, *integrands]))
    symbols |= sp.sympify(lower).free_symbols | sp.sympify(upper).free_symbols
    symbols.discard(u)
    rng = random.Random(seed)
    rows = []
    for _ in range(SECOND_ROUTE_POINTS):
        point = sampler(rng) if sampler else _rational_point(symbols, rng)
        with mpmath.workdps(30):
            lo = sp.N(sp.sympify(lower).xreplace(point), 40)
            hi = sp.N(sp.sympify(upper).xreplace(point), 40)
            for value, integrand in zip(derived, integrands, strict=True):
                check_deadline()
                h = sp.lambdify(u, integrand.xreplace(point), "mpmath")
                quad = mpmath.quad(h, [mpmath.mpf(str(lo)), mpmath.mpf(str(hi))])
                exact = mpmath.mpf(str(sp.N(sp.sympify(value).xreplace(point), 40)))
                scale = max(mpmath.mpf(1), abs(quad), abs(exact))
                rows.append(float(abs(quad - exact) / scale))
    return _second_route("mpmath tanh-sinh quadrature of the defining integral, 30 digits", rows)


def game_second_route(
    derived: sp.Matrix,
    engine: Callable[[dict], np.ndarray],
    *,
    seed: int = 0,
    positive: Sequence[sp.Symbol] = (),
    symbols: Sequence[sp.Symbol] = (),
    unit: Sequence[sp.Symbol] = (),
) -> dict:
    """The derived values against the engine's float enumeration at random rational points.

    ``engine(point)`` computes the same quantity numerically from the point's values (the
    game, kernel parameters) by a float64 brute-force route (:func:`brute_shapley`, ...).
    """
    rng = random.Random(seed)
    rows = []
    for _ in range(SECOND_ROUTE_POINTS):
        check_deadline()
        point = _rational_point(derived.free_symbols | set(symbols), rng, positive, unit)
        exact = np.array([float(e.xreplace(point)) for e in derived], dtype=float)
        numeric = np.asarray(engine(point), dtype=float).reshape(-1)
        scale = max(1.0, float(np.max(np.abs(exact))))
        rows.append(float(np.max(np.abs(exact - numeric)) / scale))
    return _second_route("float64 brute-force enumeration (numpy)", rows, "float64")


def _second_route(method: str, rows: list[float], kind: str = "mpmath") -> dict:
    worst = max(rows, default=0.0)
    status = "agreed" if worst <= _RTOL[kind] else "disagreed"
    return {
        "status": status,
        "method": method,
        "comparisons": len(rows),
        "max_relative_discrepancy": worst,
        "tolerance": _RTOL[kind],
    }


def withdraw_on_disagreement(out: dict, route: dict) -> dict:
    """Attach the second route to ``out``; a disagreement withdraws a verdict."""
    out.setdefault("details", {})["second_route"] = route
    if route["status"] == "disagreed" and out["status"] != "undecided":
        out["details"]["verdict_before_second_route"] = out["status"]
        out["status"] = "undecided"
        out["method"] = out.get("method", "") + "; withdrawn: second route disagrees"
        out["reason"] = (
            f"undecided (second route disagreed): {route['method']} differs from the "
            f"derivation by {route['max_relative_discrepancy']:.3g} relative"
        )
    return out


# -- float brute force: the games' second route ------------------------------------------


def brute_shapley(values: dict, d: int) -> np.ndarray:
    """Shapley values by the defining sum over coalitions, in float64."""
    out = np.zeros(d)
    for S in coalitions(d):
        for i in range(d):
            if i not in S:
                w = factorial(len(S)) * factorial(d - len(S) - 1) / factorial(d)
                out[i] += w * (float(values[S | {i}]) - float(values[S]))
    return out


def brute_weighted_banzhaf(values: dict, d: int, p: Sequence[float]) -> np.ndarray:
    """E_p[v | z_i = 1] - E_p[v | z_i = 0] by enumeration, in float64."""
    out = np.zeros(d)
    for S in coalitions(d):
        for i in S:
            prob = np.prod([p[j] if j in S else 1 - p[j] for j in range(d) if j != i])
            out[i] += prob * (float(values[S]) - float(values[S - {i}]))
    return out


def brute_least_squares(
    values: dict, d: int, weight: Callable[[frozenset], float], proper: bool = False
) -> np.ndarray:
    """Slopes of the weighted least-squares fit with intercept over the coalitions (numpy)."""
    rows = [S for S in coalitions(d) if not proper or 0 < len(S) < d]
    Z = np.array([[1.0, *[float(i in S) for i in range(d)]] for S in rows])
    y = np.array([float(values[S]) for S in rows])
    w = np.sqrt(np.array([float(weight(S)) for S in rows]))
    return np.linalg.lstsq(Z * w[:, None], y * w, rcond=None)[0][1:]

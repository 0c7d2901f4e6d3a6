"""Integrated Gradients: completeness, its step-link boundary, and IG = Shapley for multilinear f.

* :func:`prove_ig_completeness`: sum_i IG_i(x0; b) = f(x0) - f(b), each IG_i derived from
  its defining integral (:mod:`.path_integrals`), for polynomials, ridge terms and bumps,
  with symbolic x0 and b; generic polynomial classes by linearity over the monomials.
* :func:`prove_ig_step_function`: the step link with its almost-everywhere gradient, IG = 0
  while f(x0) - f(b) = 1 (expected "disproved", the analogue of ``stein_step_function``).
* :func:`prove_ig_bshap_multilinear`: for multilinear f, IG(x0; b) equals the Shapley value
  of the baseline game v(S) = f(x0_S, b_rest) (Owen's multilinear extension); the
  witness f = x1^2 x2 shows the hypothesis is needed.

docs/math.md#ig_completeness, #ig_step_function, #ig_bshap_multilinear.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..canonical import decide_matrix, decide_zero
from ..interval import certified_sign
from ..records import ProofRecord
from .common import (
    RBF_SCOPE,
    RIDGE_LINKS,
    check_classes,
    class_scope,
    described_scope,
    rbf_example,
    rbf_symbolic_2d,
    ridge_case,
    ridge_scope,
    run_proof,
)
from .common import verdict as combine
from .lfa_common import (
    admit_function,
    brute_shapley,
    coalitions,
    game_second_route,
    generic,
    monomial,
    path_second_route,
    shapley,
    withdraw_on_disagreement,
)
from .path_integrals import U, ig_integrands, integrated_gradients

__all__ = [
    "ig_bshap_multilinear_proofs",
    "ig_completeness_proofs",
    "ig_step_function_proofs",
    "prove_ig_bshap_multilinear",
    "prove_ig_bshap_witness",
    "prove_ig_completeness",
    "prove_ig_completeness_generic",
    "prove_ig_step_function",
]

_POINTS = "x0 (explained point) and b (baseline) symbolic unless given"
_COMPLETE = "Integrated Gradients completeness: sum_i IG_i(x0; b) = f(x0) - f(b)"


def _at(f: sp.Expr, xs, point: sp.Matrix) -> sp.Expr:
    return f.xreplace(dict(zip(xs, point, strict=True)))


def prove_ig_completeness(
    expr: Any,
    xs: Any,
    x0: Any = None,
    baseline: Any = None,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """Prove IG completeness for one f: each IG_i from its integral, then their sum.

    ``expr`` is a sum of polynomial terms, ridge terms c g(w'x + b) (g = exp, sin, cos, Phi)
    and bumps c exp(Q(x)) (Q quadratic); ``x0`` and ``baseline`` default to symbolic points.
    ``scope`` is what the caller says of the class ``expr`` stands for (see
    :func:`~verify.symbolic.proofs.common.described_scope`).
    """
    written = expr
    f, xs, d, pts, notes = admit_function(expr, xs, {"x0": x0, "xb": baseline})
    p, b = pts["x0"], pts["xb"]

    def body() -> dict:
        res = integrated_gradients(f, xs, p, b)
        gap = sp.Add(*res["ig"]) - (_at(f, xs, p) - _at(f, xs, b))
        out = combine([*res["checks"], ("sum IG_i = f(x0) - f(b)", decide_zero(gap))])
        out.update(lhs=sp.Add(*res["ig"]), rhs=_at(f, xs, p) - _at(f, xs, b))
        out["extra_assumptions"] = res["assumptions"]
        out["details"] = {"d": d, "terms": res["terms"], "integrated_gradients": res["ig"]}
        if res["explicit"]:
            out["details"]["bump_integrals_J0"] = res["explicit"]
        route = path_second_route(
            list(res["ig_explicit"]), ig_integrands(f, xs, p, b), U, sampler=_real_sampler(res)
        )
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "ig_completeness",
        _COMPLETE + " (each IG_i derived from its path integral)",
        function_class or f"f = {written}",
        (_POINTS, "all parameter symbols real"),
        timeout,
        body,
        notes,
        scope=described_scope(scope, d=d, variables=xs, function=f, point=p, baseline=b),
    )


def _real_sampler(res: dict):
    """Random rational points at which every bump's alpha is positive (erf form real)."""
    symbols = set().union(
        *(e.free_symbols for e in res["ig_explicit"]), *(e.free_symbols for e in res["ig"])
    )
    symbols = sorted(symbols - {U}, key=sp.default_sort_key)
    closed = list(res["explicit"].values())

    def sample(rng: random.Random) -> dict:
        for _ in range(60):
            point = {
                s: sp.Rational(rng.randint(25 if s.is_positive else -200, 200), 100)
                for s in symbols
            }
            if all(sp.N(c.xreplace(point)).is_real for c in closed):
                return point
        return point

    return sample


def prove_ig_completeness_generic(d: int, k: int, *, timeout: float | None = None) -> ProofRecord:
    """IG completeness for every polynomial of degree <= k in d variables.

    Both sides are linear in the coefficients, so the identity holds for the generic
    polynomial iff it holds for each monomial x^alpha, |alpha| <= k; each is checked by
    exact polynomial integration in u with symbolic x0 and b.
    """
    xs, f, exps = generic(d, k)
    _f, xs, d, pts, notes = admit_function(f, xs, {"x0": None, "xb": None})
    p, b = pts["x0"], pts["xb"]

    def body() -> dict:
        gens, outer = (U, *p, *b), (*p, *b)
        path = [sp.Poly(b[i] + U * (p[i] - b[i]), *gens) for i in range(d)]
        X0, B = [sp.Poly(e, *outer) for e in p], [sp.Poly(e, *outer) for e in b]
        failures = []
        per_monomial = {}
        for alpha in exps:
            total = sp.Poly(0, *outer)
            for i in range(d):
                if alpha[i]:
                    integrand = sp.Poly(alpha[i] * (p[i] - b[i]), *gens)
                    for j in range(d):
                        if alpha[j] - (j == i):
                            integrand *= path[j] ** (alpha[j] - (j == i))
                    F = integrand.integrate(U)
                    total += F.eval(U, 1) - F.eval(U, 0)
            fx, fb = sp.Poly(1, *outer), sp.Poly(1, *outer)
            for j in range(d):
                fx, fb = fx * X0[j] ** alpha[j], fb * B[j] ** alpha[j]
            per_monomial[alpha] = total
            if not (total - (fx - fb)).is_zero:
                failures.append(alpha)
        out = {
            "status": "disproved" if failures else "proved",
            "method": "exact polynomial integration in u per monomial; both sides linear in "
            f"the coefficients, so the {len(exps)} monomials decide the class",
            "details": {"d": d, "k": k, "coefficients": len(exps)},
        }
        if failures:
            out["witness"] = {"monomial": failures[0]}
        route = _generic_second_route(exps, per_monomial, d, p, b)
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "ig_completeness",
        _COMPLETE + " for every polynomial of degree <= k",
        f"generic polynomial, d={d}, k={k} ({len(exps)} symbolic coefficients), "
        "symbolic point and baseline",
        (_POINTS, "proof by linearity over the monomial basis (exact, not sampled)"),
        timeout,
        body,
        notes,
        scope=class_scope("polynomials", d=d, k=k, variables=xs, function=f, point=p, baseline=b),
    )


def _generic_second_route(exps, per_monomial, d, p, b, seed: int = 0) -> dict:
    """Random coefficients and points: the summed monomial IGs against mpmath quadrature."""
    rng = random.Random(seed)
    coeffs = [sp.Rational(rng.randint(-200, 200), 100) for _ in exps]
    point = {s: sp.Rational(rng.randint(-200, 200), 100) for s in [*p, *b]}
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    f = sp.Add(*[c * monomial(xs, al) for c, al in zip(coeffs, exps, strict=True)])
    px, bx = p.xreplace(point), b.xreplace(point)
    integrands = ig_integrands(f, xs, px, bx)
    derived = sp.Add(*[c * per_monomial[al].as_expr() for c, al in zip(coeffs, exps, strict=True)])
    derived = derived.xreplace(point)  # the sum of IG_i over i
    with mpmath.workdps(30):
        quad = sum(mpmath.quad(sp.lambdify(U, h, "mpmath"), [0, 1]) for h in integrands)
        gap = abs(float(quad - mpmath.mpf(str(sp.N(derived, 40)))))
        scale = max(1.0, abs(float(quad)))
    worst = gap / scale
    return {
        "status": "agreed" if worst <= 1e-20 else "disagreed",
        "method": "random rational coefficients and points: sum of the monomial IGs "
        "against mpmath quadrature of the path integral, 30 digits",
        "comparisons": 1,
        "max_relative_discrepancy": worst,
        "tolerance": 1e-20,
    }


def prove_ig_step_function(*, timeout: float | None = None) -> ProofRecord:
    """The boundary of completeness: f = 1[w'x + c > 0] with its a.e. gradient.

    The index w'x + c goes through the admission step; the step itself cannot (admission
    refuses Heaviside, as it refuses every non-smooth form), so it is applied by definition:
    the a.e. gradient of f is 0 off the hyperplane, which the path crosses at one u, so the
    a.e. IG is 0, while f(x0) - f(b) = 1 whenever w'b + c < 0 < w'x0 + c. Expected
    "disproved", with an exact witness (d = 1, w = 1, c = 0, b = -1, x0 = 1).
    """
    x = sp.Symbol("x1", real=True)
    w, c = sp.symbols("w c", real=True)
    index, xs, d, pts, notes = admit_function(w * x + c, [x], {"x0": None, "xb": None})

    def body() -> dict:
        f = sp.Heaviside(index)
        ae_gradient = sp.S.Zero  # d/dx 1[s > 0] = 0 for s != 0
        ig_ae = (pts["x0"][0] - pts["xb"][0]) * ae_gradient
        gap_expr = ig_ae - (_at(f, xs, pts["x0"]) - _at(f, xs, pts["xb"]))
        point = {w: 1, c: 0, pts["x0"][0]: 1, pts["xb"][0]: -1}
        value = sp.sympify(gap_expr.xreplace(point))
        cert = certified_sign(value)
        status = "disproved" if cert is not None and cert.sign != 0 else "undecided"
        return {
            "status": status,
            "lhs": ig_ae,
            "rhs": _at(f, xs, pts["x0"]) - _at(f, xs, pts["xb"]),
            "difference": gap_expr,
            "witness": {
                "point": point,
                "value_exact": value,
                "certificate": None if cert is None else vars(cert),
            },
            "method": "a.e. derivative of the step (0 off the hyperplane); exact rational "
            "value at the witness",
            "reason": "boundary of completeness: the step link is not absolutely continuous",
            "checks": [{"name": "sum IG_i(a.e.) = f(x0) - f(b)", "status": status}],
            "details": {"d": d},
        }

    return run_proof(
        "ig_step_function",
        "IG completeness for the step f = 1[w'x + c > 0] with its a.e. gradient (expected to fail)",
        "step ridge function 1[w'x + c > 0] (not absolutely continuous), d=1",
        ("w, c, x0, b real",),
        timeout,
        body,
        notes,
        scope=class_scope(
            "ridge functions",
            d=d,
            links=("step",),
            variables=xs,
            function=index,
            point=pts["x0"],
            baseline=pts["xb"],
        ),
    )


def _multilinear(d: int) -> tuple[tuple, sp.Expr, int]:
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    terms = []
    subsets = [
        tuple(j for j in range(d) if k >> j & 1) for k in range(2**d)
    ]  # every subset of the variables
    for T in subsets:
        c = sp.Symbol("c_" + ("".join(str(j + 1) for j in T) or "0"), real=True)
        terms.append(c * sp.Mul(*[xs[j] for j in T]))
    return xs, sp.Add(*terms), len(subsets)


def _bshap_gap(f, xs, p, b) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    d = len(xs)
    res = integrated_gradients(f, xs, p, b)
    game = {}
    for k in range(2**d):
        S = frozenset(j for j in range(d) if k >> j & 1)
        game[S] = sp.expand(f.xreplace({x: p[j] if j in S else b[j] for j, x in enumerate(xs)}))
    phi = shapley(game, d).applyfunc(sp.expand)
    ig = res["ig"].applyfunc(sp.expand)
    return ig, phi, (ig - phi).applyfunc(sp.expand)


def prove_ig_bshap_multilinear(
    d: int = 3, *, timeout: float | None = None, expr: Any = None, xs: Any = None
) -> ProofRecord:
    """IG(x0; b) = baseline Shapley for the generic multilinear f in d variables (2^d
    symbolic coefficients), or for a given multilinear ``expr`` in ``xs``."""
    instance = expr is not None
    if expr is None:
        xs, expr, n = _multilinear(d)
        label = f"generic multilinear polynomial, d={d} ({n} symbolic coefficients)"
    else:
        label = f"f = {expr}"
    f, xs, d, pts, notes = admit_function(expr, xs, {"x0": None, "xb": None})
    degrees = [sp.degree(f, x) for x in xs]
    if max(degrees, default=0) > 1:
        raise ValueError(f"f is not multilinear (degrees {degrees}); see prove_ig_bshap_witness")

    def body() -> dict:
        ig, phi, gap = _bshap_gap(f, xs, pts["x0"], pts["xb"])
        out = combine([("IG = baseline Shapley", decide_matrix(gap))])
        out.update(lhs=ig, rhs=phi, details={"d": d})
        route = game_second_route(
            ig, _brute_bshap(f, xs, pts), seed=d, symbols=f.free_symbols - set(xs)
        )
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "ig_bshap_multilinear",
        "IG(x0; b) = Shapley value of v(S) = f(x0 on S, b elsewhere) for multilinear f",
        label + ", symbolic point and baseline",
        (_POINTS, "all parameter symbols real"),
        timeout,
        body,
        notes,
        scope=class_scope(
            "polynomials",
            d=d,
            variant="multilinear",
            instance=instance,
            variables=xs,
            function=f,
            point=pts["x0"],
            baseline=pts["xb"],
        ),
    )


def _brute_bshap(f, xs, pts):
    """Float Shapley values of the baseline game, f evaluated at the hybrid points (numpy)."""
    d = len(xs)

    def engine(point: dict) -> np.ndarray:
        h = sp.lambdify(xs, f.xreplace(point), "numpy")
        x0 = [float(e.xreplace(point)) for e in pts["x0"]]
        b = [float(e.xreplace(point)) for e in pts["xb"]]
        values = {
            S: float(h(*[x0[i] if i in S else b[i] for i in range(d)])) for S in coalitions(d)
        }
        return brute_shapley(values, d)

    return engine


def prove_ig_bshap_witness(*, timeout: float | None = None) -> ProofRecord:
    """The hypothesis is needed: for f = x1^2 x2, IG and baseline Shapley differ.

    The record proves the boundary claim "IG - BShap != 0 for x1^2 x2": the exact
    difference (symbolic point and baseline) is certified non-zero at a rational point.
    """
    x1, x2 = sp.symbols("x1 x2", real=True)
    f, xs, d, pts, notes = admit_function(x1**2 * x2, [x1, x2], {"x0": None, "xb": None})

    def body() -> dict:
        ig, phi, gap = _bshap_gap(f, xs, pts["x0"], pts["xb"])
        dec = decide_matrix(gap)
        status = {"disproved": "proved", "proved": "disproved"}.get(dec.status, "undecided")
        return {
            "status": status,
            "lhs": ig,
            "rhs": phi,
            "difference": gap,
            "witness": dec.witness,
            "method": "exact difference IG - BShap; certified non-zero at a rational point "
            f"({dec.method})",
            "checks": [{"name": "IG - BShap != 0 for x1^2 x2", "status": status}],
            "details": {"d": 2, "boundary": "f = x1^2 x2 is not multilinear"},
        }

    return run_proof(
        "ig_bshap_multilinear",
        "Boundary of the class: IG and baseline Shapley differ for f = x1^2 x2 "
        "(multilinearity cannot be dropped)",
        "witness beyond the class: f = x1^2 x2 (degree 2 in x1), d=2",
        (_POINTS,),
        timeout,
        body,
        notes,
        scope=class_scope(
            "polynomials",
            d=d,
            k=3,
            instance=True,
            variables=xs,
            function=f,
            point=pts["x0"],
            baseline=pts["xb"],
        ),
    )


# -- providers registered in the catalogue ------------------------------------------------


def ig_completeness_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """IG completeness (registered in :mod:`verify.catalogue`).

    A generic class contains every smaller one (set coefficients to 0), so only the
    largest classes are proved. ``default``: generic polynomials (d, k) = (3, 3) and (4, 2);
    exp and sin ridge functions in d = 2 with symbolic w, b; a Gaussian bump in d = 1
    (symbolic centre, weight, precision). ``thorough`` adds (4, 5), the probit link, every
    link in d = 3, a two-bump mixture in d = 2 (one singular precision) and a bump in d = 2
    with a fully symbolic precision.
    """
    thorough = check_classes(classes)
    sizes = [(3, 3), (4, 2), (4, 5)] if thorough else [(3, 3), (4, 2)]
    recs = [prove_ig_completeness_generic(d, k, timeout=timeout) for d, k in sizes]
    for dim in (2, 3) if thorough else (2,):
        for link in RIDGE_LINKS if thorough else ("exp", "sin"):
            xs, f = ridge_case(dim, link)
            label = f"ridge function {link}(w'x + b), d={dim}, symbolic w, b"
            recs.append(
                prove_ig_completeness(
                    f, xs, timeout=timeout, function_class=label, scope=ridge_scope(link)
                )
            )
    xs, f = rbf_example(1, symbolic_precision=True)
    recs.append(
        prove_ig_completeness(
            f,
            xs,
            timeout=timeout,
            function_class="Gaussian RBF, d=1, symbolic centre, weight and precision",
            scope=RBF_SCOPE,
        )
    )
    if thorough:
        xs, f = rbf_example(2, symbolic_precision=False)
        recs.append(
            prove_ig_completeness(
                f,
                xs,
                timeout=timeout,
                function_class="RBF mixture, K=2, d=2, symbolic centres and weights; rational "
                "precisions (one singular)",
                scope=RBF_SCOPE,
            )
        )
        xs, f = rbf_symbolic_2d(1)
        recs.append(
            prove_ig_completeness(
                f,
                xs,
                timeout=timeout,
                function_class="Gaussian RBF, d=2, symbolic centre, weight and precision (PSD)",
                scope=RBF_SCOPE,
            )
        )
    return recs


def ig_step_function_proofs(*, timeout: float | None = 120.0, **_: Any) -> list[ProofRecord]:
    """The boundary of IG completeness (registered in :mod:`verify.catalogue`)."""
    return [prove_ig_step_function(timeout=timeout)]


def ig_bshap_multilinear_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """IG = baseline Shapley for multilinear f (registered in :mod:`verify.catalogue`).

    ``default``: the generic multilinear polynomial in d = 3 (it contains d = 1, 2: a variable
    f does not use is a null player of the game and has IG 0); ``thorough`` adds d = 4, 5.
    Both add the witness f = x1^2 x2 beyond the class.
    """
    dims = (3, 4, 5) if check_classes(classes) else (3,)
    recs = [prove_ig_bshap_multilinear(d, timeout=timeout) for d in dims]
    return [*recs, prove_ig_bshap_witness(timeout=timeout)]

"""Local function approximation: gradient matching and recovery (Han, Srinivas & Lakkaraju 2022).

* ``lfa_gradient_matching`` (docs/math.md#lfa_gradient_matching): for linear g(xi) = w'xi
  and the loss ||grad_xi f(x0 + xi) - w||^2 the expected loss is A - 2 w'm + ||w||^2 with
  m = E_Z[grad_xi f(x0 (+) xi)], uniquely minimised at w = m, for every Z. The instances:
  SmoothGrad (xi ~ N(0, S), additive), vanilla gradients (S -> 0), Integrated Gradients
  (x = b + xi (.) (x0 - b), xi = alpha 1, alpha ~ U(0, 1)) and Gradient x Input (x = xi (.) x0,
  alpha ~ U(a, 1), a -> 1). Per class, each instance's LFA integrand is shown equal, point by
  point, to the method's own integrand, and the means (Gaussian engine; exact integration
  for polynomials) to the method's formula.
* ``lfa_recovery`` (docs/math.md#lfa_recovery): f in G (affine f = w'x + c) => every row of
  Table 1 returns f in its interpretable coordinates: w (C-LIME, SmoothGrad, vanilla
  gradients), w (.) (x0 - b) (IG, occlusion, binary LIME with any kernel, KernelSHAP), w (.) x0
  (Gradient x Input).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..canonical import Decision, decide_matrix, decide_zero
from ..engine import covariance_vector, expected_gradient, gaussian_expectation
from ..records import ProofRecord
from .coalitions import shapley_kernel
from .common import (
    GAUSS,
    RIDGE_LINKS,
    check_classes,
    class_scope,
    described_scope,
    ridge_case,
    ridge_scope,
    run_proof,
    sampler_for,
    setup,
)
from .common import verdict as combine
from .lfa_common import (
    coalitions,
    generic,
    path_second_route,
    point_symbols,
    shapley,
    weighted_least_squares,
    withdraw_on_disagreement,
)
from .path_integrals import U, integrated_gradients

__all__ = [
    "lfa_gradient_matching_proofs",
    "lfa_recovery_proofs",
    "prove_gradient_matching",
    "prove_gradient_matching_lemma",
    "prove_recovery",
]

A_LOW = sp.Symbol("a", real=True)  # the lower end of U(a, 1) for Gradient x Input


def prove_gradient_matching_lemma(*, timeout: float | None = None, d: int = 3) -> ProofRecord:
    """Every f and Z: E||g_xi - w||^2 = A - 2 w'm + ||w||^2 (linearity of E), so
    L(w) - L(m) = ||w - m||^2: the unique minimiser is m = E_Z[grad_xi f(x0 (+) xi)]."""
    w, m = point_symbols("w", d), point_symbols("m", d)
    A = sp.Symbol("A", nonnegative=True)  # E||grad_xi f||^2, finite

    def body() -> dict:
        def loss(v):
            return A - 2 * (v.T * m)[0] + (v.T * v)[0]

        grad = sp.Matrix([sp.diff(loss(w), wi) for wi in w])
        hess = sp.hessian(loss(w), list(w))
        checks = [
            (
                "L(w) - L(m) = ||w - m||^2",
                decide_zero(loss(w) - loss(m) - ((w - m).T * (w - m))[0]),
            ),
            ("grad L = 2 (w - m)", decide_matrix(grad - 2 * (w - m))),
            ("Hessian = 2 I", decide_matrix(hess - 2 * sp.eye(d))),
        ]
        out = combine(checks)
        out.update(lhs=loss(w) - loss(m), rhs=((w - m).T * (w - m))[0], details={"d": d})
        return out

    return run_proof(
        "lfa_gradient_matching",
        "Gradient matching with linear g: the expected loss is A - 2 w'm + ||w||^2, "
        "uniquely minimised at w = m = E_Z[grad_xi f(x0 (+) xi)]",
        f"every f and neighbourhood Z with E||grad_xi f||^2 finite (d={d}; A and m symbols)",
        ("E is linear; E||grad_xi f(x0 (+) xi)||^2 < infinity",),
        timeout,
        body,
        scope=class_scope(
            "all functions", d=d, variant="E||grad_xi f||^2 finite, every Z", function=(A, m)
        ),
    )


def _rows(f, xs, x0, b, S, polynomial: bool) -> tuple[list, dict]:
    """The four instances' checks for one f."""
    d = len(xs)
    xi = sp.symbols(f"xi1:{d + 1}", real=True)
    grad = sp.Matrix([sp.diff(f, x) for x in xs])
    delta = x0 - b

    def at(expr, point):
        return expr.xreplace(dict(zip(xs, point, strict=True)))

    def lfa_gradient(op):  # grad_xi f(x0 (+) xi)
        F = at(f, [op(i) for i in range(d)])
        return sp.Matrix([sp.diff(F, v) for v in xi])

    checks = []
    # SmoothGrad: x0 + xi, xi ~ N(0, S)
    sg_lfa = lfa_gradient(lambda i: x0[i] + xi[i])
    checks.append(
        (
            "SG: grad_xi f(x0 + xi) = (grad f)(x0 + xi)",
            decide_matrix(sg_lfa - at(grad, [x0[i] + xi[i] for i in range(d)])),
        )
    )
    mean_lfa = sp.Matrix([gaussian_expectation(g, xi, sp.zeros(d, 1), S) for g in sg_lfa])
    sg = expected_gradient(f, xs, x0, S)
    sampler = sampler_for(S, [*sg, *x0])
    checks.append(
        (
            "SG: E_xi[grad_xi f(x0 + xi)] = E_x[grad f], x ~ N(x0, S)",
            decide_matrix(mean_lfa - sg, sampler=sampler),
        )
    )
    checks.append(
        (
            "VG: the SG target at S = 0 is grad f(x0)",
            decide_matrix(sg.xreplace({s: 0 for s in S.free_symbols}) - at(grad, x0)),
        )
    )
    # IG: b + xi (.) (x0 - b) at xi = alpha 1
    ig_lfa = lfa_gradient(lambda i: b[i] + xi[i] * delta[i]).xreplace({v: U for v in xi})
    ig_own = sp.Matrix(
        [delta[i] * at(grad[i], [b[j] + U * delta[j] for j in range(d)]) for i in range(d)]
    )
    checks.append(
        (
            "IG: grad_xi f(b + xi (.) delta) at xi = alpha 1 = delta (.) (grad f)(path)",
            decide_matrix(ig_lfa - ig_own),
        )
    )
    # GxI: xi (.) x0 at xi = alpha 1, alpha ~ U(a, 1)
    gxi_lfa = lfa_gradient(lambda i: xi[i] * x0[i]).xreplace({v: U for v in xi})
    gxi_own = sp.Matrix([x0[i] * at(grad[i], [U * x0[j] for j in range(d)]) for i in range(d)])
    checks.append(
        (
            "GxI: grad_xi f(xi (.) x0) at xi = alpha 1 = x0 (.) (grad f)(alpha x0)",
            decide_matrix(gxi_lfa - gxi_own),
        )
    )
    closed = integrated_gradients(f, xs, x0, b)
    details: dict = {"ig_lfa_integrand": ig_lfa, "ig": closed.get("ig_explicit", closed["ig"])}
    if polynomial:
        ig = closed["ig"]
        mean_ig = sp.Matrix([_integrate(g, 0, 1) for g in ig_lfa])
        checks.append(("IG: E_alpha[LFA gradient] = IG(x0; b)", decide_matrix(mean_ig - ig)))
        limit = []
        for g in gxi_lfa:  # (1/(1-a)) int_a^1 g: a polynomial in a, evaluated at a = 1
            F = sp.Poly(sp.expand(g), U).integrate()
            quotient, remainder = sp.div(
                sp.Poly(F.as_expr().subs(U, 1) - F.as_expr().subs(U, A_LOW), A_LOW),
                sp.Poly(1 - A_LOW, A_LOW),
            )
            limit.append(quotient.as_expr().subs(A_LOW, 1) if remainder.is_zero else sp.nan)
        checks.append(
            (
                "GxI: lim_(a->1) E_(alpha ~ U(a,1))[LFA gradient] = x0 (.) grad f(x0)",
                decide_matrix(sp.Matrix(limit) - sp.matrix_multiply_elementwise(x0, at(grad, x0))),
            )
        )
    return checks, details


def _integrate(g: sp.Expr, lo, hi) -> sp.Expr:
    F = sp.Poly(sp.expand(g), U).integrate()
    return sp.expand(F.as_expr().subs(U, hi) - F.as_expr().subs(U, lo))


def prove_gradient_matching(
    expr: Any,
    xs: Any,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    generic: tuple[int, int] | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """The four gradient-matching instances for one f (symbolic x0, b and covariance).

    ``generic`` is (coefficients, k) of a generic polynomial class (for the record's
    details); ``scope`` what the caller says of the class (see
    :func:`~verify.symbolic.proofs.common.described_scope`).
    """
    written = expr
    (f,), xs, d, x0, S, notes = setup([expr], xs, None, None)
    b = point_symbols("xb", d)
    polynomial = f.is_polynomial(*xs)

    def body() -> dict:
        checks, details = _rows(f, xs, x0, b, S, polynomial)
        out = combine(checks)
        integrand = details.pop("ig_lfa_integrand")
        out["details"] = {"d": d, **details}
        if generic:
            out["details"].update(k=generic[1], coefficients=generic[0])
        # the IG row by mpmath: the LFA gradient's mean over alpha against the derived IG
        route = path_second_route(list(details["ig"]), list(integrand), U)
        return withdraw_on_disagreement(out, route)

    return run_proof(
        "lfa_gradient_matching",
        "Gradient matching instances: SmoothGrad, vanilla gradients, Integrated Gradients and "
        "Gradient x Input are E_Z[grad_xi f(x0 (+) xi)] for their neighbourhoods",
        function_class or f"f = {written}",
        (GAUSS, "x0 = the Gaussian mean, b a symbolic baseline"),
        timeout,
        body,
        notes,
        scope=described_scope(
            scope, d=d, variables=xs, function=f, point=x0, baseline=b, covariance=S
        ),
    )


def _regression_recovery(game: dict, d: int, wd: sp.Matrix) -> list[tuple[str, Decision]]:
    """Recovery by the coalition regressions: binary LIME under any positive kernel (its
    normal equations hold at (f(b), w (.) (x0 - b))) and, for d >= 3, unconstrained
    KernelSHAP."""
    weights = {
        T: sp.Symbol("pi_" + ("".join(str(i + 1) for i in sorted(T)) or "0"), positive=True)
        for T in game
    }
    rows = [(weights[T], [int(i in T) for i in range(d)], v) for T, v in game.items()]
    G, r = weighted_least_squares(rows, d)
    theta = sp.Matrix([game[frozenset()], *wd])
    checks = [
        (
            "binary LIME, any kernel: normal equations at (f(b), w (.) (x0 - b))",
            decide_matrix((G * theta - r).applyfunc(sp.expand)),
        )
    ]
    if d >= 3:
        proper = [T for T in coalitions(d) if 0 < len(T) < d]
        rows = [
            (shapley_kernel(len(T), d), [int(i in T) for i in range(d)], game[T]) for T in proper
        ]
        G, r = weighted_least_squares(rows, d)
        checks.append(
            ("KernelSHAP unconstrained = w (.) (x0 - b)", decide_matrix(G.LUsolve(r)[1:, 0] - wd))
        )
    return checks


def prove_recovery(d: int, *, timeout: float | None = None) -> ProofRecord:
    """Affine f = w'x + c: every Table 1 row returns f in its interpretable coordinates."""
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    w, c = point_symbols("w", d), sp.Symbol("c", real=True)
    (f,), xs, d, x0, S, notes = setup([(w.T * sp.Matrix(xs))[0] + c], xs, None, None)
    b = point_symbols("xb", d)

    def body() -> dict:
        delta = x0 - b
        wd = sp.matrix_multiply_elementwise(w, delta)
        sampler = sampler_for(S, [*x0, *w, c])
        game = {
            T: f.xreplace({x: x0[i] if i in T else b[i] for i, x in enumerate(xs)})
            for T in coalitions(d)
        }
        full = frozenset(range(d))
        occl = sp.Matrix([game[full] - game[full - {i}] for i in range(d)])
        checks = [
            (
                "C-LIME: Cov(x, f) = S w (slope w)",
                decide_matrix(covariance_vector(f, xs, x0, S) - S * w, sampler=sampler),
            ),
            (
                "C-LIME: intercept E f - w'x0 = c",
                decide_zero(
                    gaussian_expectation(f, xs, x0, S) - (w.T * x0)[0] - c, sampler=sampler
                ),
            ),
            (
                "SmoothGrad / vanilla gradients: E grad f = grad f(x0) = w",
                decide_matrix(expected_gradient(f, xs, x0, S) - w, sampler=sampler),
            ),
            ("IG = w (.) (x0 - b)", decide_matrix(integrated_gradients(f, xs, x0, b)["ig"] - wd)),
            (
                "GxI = w (.) x0",
                decide_matrix(
                    sp.Matrix(
                        [
                            x0[i] * sp.diff(f, x).xreplace(dict(zip(xs, x0, strict=True)))
                            for i, x in enumerate(xs)
                        ]
                    )
                    - sp.matrix_multiply_elementwise(w, x0)
                ),
            ),
            ("occlusion = w (.) (x0 - b)", decide_matrix(occl - wd)),
            (
                "KernelSHAP constrained (Shapley) = w (.) (x0 - b)",
                decide_matrix(shapley(game, d) - wd),
            ),
        ]
        checks += _regression_recovery(game, d, wd)
        out = combine(checks)
        out.update(lhs=shapley(game, d), rhs=wd, details={"d": d})
        return out

    return run_proof(
        "lfa_recovery",
        "Recovery (Han et al.'s guiding principle): for affine f every Table 1 method returns "
        "f's coefficients in its interpretable coordinates",
        f"affine f = w'x + c, d={d}, symbolic w, c, x0, b and covariance",
        (GAUSS, "binary LIME: kernel weights positive on every mask"),
        timeout,
        body,
        notes,
        scope=class_scope(
            "polynomials",
            d=d,
            k=1,
            variant="affine",
            variables=xs,
            function=f,
            point=x0,
            baseline=b,
            covariance=S,
        ),
    )


def lfa_gradient_matching_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """Gradient matching (registered in :mod:`verify.catalogue`).

    A generic class contains the smaller ones. ``default``: the every-f lemma; the generic
    polynomials (d, k) = (1, 3), (2, 2) and (3, 1); the exp ridge function in d = 2.
    ``thorough`` adds (2, 3), (3, 2), (3, 3), (4, 2) and the sin and probit ridge functions.
    """
    thorough = check_classes(classes)
    sizes = [(1, 3), (2, 2), (3, 1)] + ([(2, 3), (3, 2), (3, 3), (4, 2)] if thorough else [])
    recs = [prove_gradient_matching_lemma(timeout=timeout)]
    for d, k in sizes:
        xs, f, exps = generic(d, k)
        label = (
            f"generic polynomial, d={d}, k={k} ({len(exps)} symbolic coefficients), "
            "symbolic x0, b and covariance"
        )
        recs.append(
            prove_gradient_matching(
                f,
                xs,
                timeout=timeout,
                function_class=label,
                generic=(len(exps), k),
                scope={"family": "polynomials", "k": k},
            )
        )
    for link in RIDGE_LINKS if thorough else ("exp",):
        xs, f = ridge_case(2, link)
        recs.append(
            prove_gradient_matching(
                f,
                xs,
                timeout=timeout,
                function_class=f"ridge function {link}(w'x + b), d=2, symbolic w, b, x0, "
                "covariance",
                scope=ridge_scope(link),
            )
        )
    return recs


def lfa_recovery_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """Recovery for affine f, d = 1..3 (``thorough``: ..4) (registered in the catalogue)."""
    top = 5 if check_classes(classes) else 4
    return [prove_recovery(d, timeout=timeout) for d in range(1, top)]

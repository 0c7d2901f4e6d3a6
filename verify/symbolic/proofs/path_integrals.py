"""Integrated Gradients along the straight path, derived exactly (docs/math.md#ig_completeness).

IG_i(x0; b) = delta_i int_0^1 (d_i f)(b + u delta) du with delta = x0 - b. The integrand is
formed from f by differentiation and substitution; its integral is derived per term of f:

* a polynomial term: exact polynomial integration in u;
* a ridge term c g(l(x)), l affine, g in {exp, sin, cos, Phi}: the antiderivative
  c delta_i l_i g(s0 + u Delta) / Delta, s0 = l(b), Delta = l(x0) - l(b), checked by
  differentiation (the secant slope of docs/math.md, "Integrated Gradients");
* a bump c exp(Q(x)), Q quadratic: with q(u) = -2 Q(b + u delta) = alpha u^2 + 2 beta u +
  gamma, the integrand is c delta_i (p_i + r_i u) e^{-q/2}; the antiderivatives F0 (the erf
  form) and F1 = -e^{-q/2}/alpha - (beta/alpha) F0 are checked by differentiation once, for
  symbols alpha > 0, beta, gamma (:func:`bump_lemma`).

Nothing here assumes the fundamental theorem of calculus for f itself: completeness is the
*sum* of the per-coordinate integrals compared with f(x0) - f(b).
"""

from __future__ import annotations

import sympy as sp

from ..canonical import Decision, decide_zero
from ..errors import UnsupportedExpression
from ..generic import polynomial_part
from ..special import Phi

__all__ = ["bump_lemma", "ig_integrands", "integrated_gradients"]

U = sp.Symbol("u", real=True)
_RIDGE = (sp.exp, sp.sin, sp.cos, Phi)


def ig_integrands(f: sp.Expr, xs, x0: sp.Matrix, b: sp.Matrix) -> list[sp.Expr]:
    """delta_i (d_i f)(b + u delta) for every i, from f by differentiation."""
    path = {x: b[i] + U * (x0[i] - b[i]) for i, x in enumerate(xs)}
    return [(x0[i] - b[i]) * sp.diff(f, x).xreplace(path) for i, x in enumerate(xs)]


def bump_lemma() -> tuple[sp.Expr, sp.Expr, list[tuple[str, Decision]], tuple]:
    """F0, F1 with F0' = e^{-q/2}, F1' = u e^{-q/2}, q = alpha u^2 + 2 beta u + gamma, alpha > 0.

    Returns (F0, F1, checks, (alpha, beta, gamma)): the antiderivatives in the lemma's own
    symbols and the two derivative checks.
    """
    al = sp.Symbol("alpha_q", positive=True)
    be, ga = sp.symbols("beta_q gamma_q", real=True)
    q = al * U**2 + 2 * be * U + ga
    kappa = ga - be**2 / al
    F0 = sp.sqrt(sp.pi / (2 * al)) * sp.exp(-kappa / 2) * sp.erf((al * U + be) / sp.sqrt(2 * al))
    F1 = -sp.exp(-q / 2) / al - be / al * F0
    checks = [
        ("bump lemma: d/du F0 = exp(-q/2)", decide_zero(sp.diff(F0, U) - sp.exp(-q / 2))),
        ("bump lemma: d/du F1 = u exp(-q/2)", decide_zero(sp.diff(F1, U) - U * sp.exp(-q / 2))),
    ]
    return F0, F1, checks, (al, be, ga)


def _affine(expr: sp.Expr, xs) -> bool:
    return expr.is_polynomial(*xs) and sp.Poly(expr, *xs).total_degree() <= 1


def _split(term: sp.Expr, xs) -> tuple[sp.Expr, sp.Expr]:
    coeff, part = term.as_independent(*xs, as_Add=False)
    return coeff, part


def integrated_gradients(f: sp.Expr, xs, x0: sp.Matrix, b: sp.Matrix) -> dict:
    """IG of f from b to x0, term by term; with the checks behind every step.

    Returns
    -------
    dict
        ``ig`` (d x 1 Matrix, the bump integral I0 written as ``J0_k`` symbols),
        ``ig_explicit`` (the same with J0_k replaced by their erf closed forms),
        ``checks`` (name, Decision), ``assumptions`` (tuple of str), ``terms`` (counts).

    Raises
    ------
    UnsupportedExpression
        For a term that is neither polynomial, a ridge term nor a bump.
    """
    d = len(xs)
    delta = [x0[i] - b[i] for i in range(d)]
    path = {x: b[i] + U * delta[i] for i, x in enumerate(xs)}
    poly, rest = polynomial_part(f, xs)
    ig = sp.zeros(d, 1)
    checks: list[tuple[str, Decision]] = []
    assumptions: list[str] = []
    counts = {"polynomial": len(poly), "ridge": 0, "bump": 0}
    if poly:
        ig += _polynomial_ig(poly, xs, path, delta)
    explicit: dict[sp.Symbol, sp.Expr] = {}
    for term in sp.Add.make_args(rest) if rest != 0 else ():
        coeff, part = _split(term, xs)
        arg = part.args[0] if isinstance(part, _RIDGE) else None
        if arg is not None and _affine(arg, xs):
            ig += coeff * _ridge_ig(part, xs, path, delta, checks)
            counts["ridge"] += 1
            if "l(x0) != l(b)" not in " ".join(assumptions):
                assumptions.append(
                    "each ridge term's index changes along the path (l(x0) != l(b)); "
                    "otherwise its integrand is constant"
                )
        elif isinstance(part, sp.exp) and part.args[0].is_polynomial(*xs):
            k = counts["bump"]
            J0 = sp.Symbol(f"J0_{k + 1}", real=True)
            term_ig, closed = _bump_ig(coeff, part.args[0], xs, path, delta, J0, checks)
            ig += term_ig
            explicit[J0] = closed
            counts["bump"] += 1
            if not any("delta'A delta > 0" in a for a in assumptions):
                assumptions.append(
                    "for each bump, alpha = -2 [u^2] Q(b + u delta) > 0 (delta'A delta > 0 "
                    "for a bump exp(-(x - c)'A(x - c)/2))"
                )
        else:
            raise UnsupportedExpression(
                term,
                "IG is derived for polynomials, ridge terms c g(w'x + b) with g in exp, sin, "
                "cos, Phi, and bumps c exp(Q(x)) with Q quadratic",
            )
    return {
        "ig": ig,
        "ig_explicit": ig.xreplace(explicit) if explicit else ig,
        "explicit": explicit,
        "checks": checks,
        "assumptions": tuple(assumptions),
        "terms": counts,
    }


def _polynomial_ig(poly: dict, xs, path: dict, delta) -> sp.Matrix:
    d = len(xs)
    out = sp.zeros(d, 1)
    for alpha, c in poly.items():
        for i in range(d):
            if alpha[i] == 0:
                continue
            integrand = alpha[i] * delta[i]
            for j in range(d):
                e = alpha[j] - (j == i)
                if e:
                    integrand *= path[xs[j]] ** e
            P = sp.Poly(sp.expand(integrand), U)
            F = P.integrate()
            out[i] += c * (F.eval(1) - F.eval(0))
    return out


def _ridge_ig(part, xs, path, delta, checks) -> sp.Matrix:
    g, arg = type(part), part.args[0]
    s0 = arg.xreplace({x: path[x].xreplace({U: 0}) for x in xs})
    s1 = arg.xreplace({x: path[x].xreplace({U: 1}) for x in xs})
    Delta = sp.expand(s1 - s0)
    s_u = s0 + U * Delta
    out = sp.zeros(len(xs), 1)
    for i, x in enumerate(xs):
        slope = sp.diff(arg, x)
        if slope == 0:
            continue
        F = delta[i] * slope * g(s_u) / Delta
        integrand = delta[i] * sp.diff(part, x).xreplace(path)
        checks.append(
            (
                f"ridge {g.__name__}: d/du antiderivative = integrand, i={i + 1}",
                decide_zero(sp.diff(F, U) - integrand),
            ),
        )
        out[i] = F.xreplace({U: 1}) - F.xreplace({U: 0})
    return out


def _bump_ig(coeff, Q, xs, path, delta, J0, checks) -> tuple[sp.Matrix, sp.Expr]:
    q = sp.Poly(sp.expand(-2 * Q.xreplace(path)), U)
    if q.degree() > 2:
        raise UnsupportedExpression(Q, "a bump's exponent must be quadratic in x")
    al, be2, ga = (q.coeff_monomial(U**k) for k in (2, 1, 0))
    be = be2 / 2
    F0, _F1, lemma, (a_, b_, g_) = bump_lemma()
    if not any(name.startswith("bump lemma") for name, _ in checks):
        checks += lemma
    inst = {a_: al, b_: be, g_: ga}
    I0 = (F0.xreplace({U: 1}) - F0.xreplace({U: 0})).xreplace(inst)
    E0, E1 = sp.exp(-ga / 2), sp.exp(-(al + 2 * be + ga) / 2)
    I1 = (E0 - E1 - be * J0) / al  # F1(1) - F1(0) with I0 kept as J0
    out = sp.zeros(len(xs), 1)
    for i, x in enumerate(xs):
        dq = sp.Poly(sp.expand(sp.diff(Q, x).xreplace(path)), U)
        p_i, r_i = dq.coeff_monomial(1), dq.coeff_monomial(U)
        integrand = delta[i] * sp.diff(coeff * sp.exp(Q), x).xreplace(path)
        claimed = coeff * delta[i] * (p_i + r_i * U) * sp.exp(-q.as_expr() / 2)
        checks.append(
            (
                f"bump: integrand = c delta_i (p_i + r_i u) exp(-q/2), i={i + 1}",
                decide_zero(integrand - claimed),
            ),
        )
        out[i] = coeff * delta[i] * (p_i * J0 + r_i * I1)
    return out, I0

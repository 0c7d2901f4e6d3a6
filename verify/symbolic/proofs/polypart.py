"""Theorem 1 for the polynomial part of a user's function, through the sparse exact engine.

A function ``f = P + R`` with ``P = sum_alpha c_alpha x^alpha`` (any coefficients free of
x, symbolic or not) and R the rest: every identity of Theorem 1 is linear in f, so it holds
for f when it holds for P and for R. For P it suffices that each monomial ``x^alpha``
satisfies the identities as polynomials in the *generic* mean and covariance
(:func:`verify.symbolic.generic.check_monomials`, packed integer arithmetic): a polynomial
identity in the generic parameters holds for every specialisation, and the coefficients
never need to be multiplied out. This is what makes a user's degree-5 polynomial in five
variables with 252 symbolic coefficients cost a fraction of a second instead of half a
minute through the general engine.

Should a monomial fail (only an engine error could make it), the actual difference
``sum_alpha c_alpha D(x^alpha)`` at the user's mean and covariance is decided with
:func:`~verify.symbolic.canonical.decide_zero`, so a failure is reported with its witness.
"""

from __future__ import annotations

import sympy as sp

from ..canonical import Decision, decide_zero
from ..generic import check_monomials
from ..moments import MomentTable
from ..trace import active

__all__ = ["MAX_MONOMIALS_WITH_SIDES", "polynomial_checks", "polynomial_sides"]

#: Polynomial parts with more monomials are recorded without their derived sides.
MAX_MONOMIALS_WITH_SIDES = 35

_NAMES = {
    "stein": "stein: Cov(x,f) = cov E[grad f]",
    "clime": "clime: normal equations at w = E[grad f]",
    "intercept": "clime: intercept equation",
}


def polynomial_checks(
    poly: dict, d: int, mean: sp.Matrix, cov: sp.Matrix, sampler, *, prefix: str = ""
) -> list[tuple[str, Decision]]:
    """Theorem 1's three identities for ``sum_alpha poly[alpha] x^alpha``.

    Parameters
    ----------
    poly : dict
        ``{alpha: coefficient free of x}``.
    d : int
        Dimension.
    mean, cov : sympy.Matrix
        The user's parameters (used only to decide a failure, never for a proof).
    sampler : callable
        Admissible points for :func:`~verify.symbolic.canonical.decide_zero`.
    prefix : str
        Prepended to each check's name.

    Returns
    -------
    list of (name, Decision)
    """
    table = MomentTable(d)
    res = check_monomials(d, list(poly), table=table)
    method = (
        f"sparse exact engine: each of the {len(poly)} monomials satisfies the identity as "
        "a polynomial in the generic mean and covariance; Theorem 1 is linear in f, so it "
        "holds for any coefficients free of x"
    )
    out = []
    for side, name in _NAMES.items():
        failed = [(alpha, i, r) for alpha, s, i, r in res.failures if s == side]
        if not failed:
            out.append((prefix + name, Decision("proved", sp.S.Zero, method)))
            continue
        comps: dict[int, sp.Expr] = {}
        for alpha, i, residual in failed:
            term = poly[alpha] * table.evaluate(residual, mean, cov)
            comps[i] = comps.get(i, sp.S.Zero) + term
        decisions = [decide_zero(e, sampler=sampler) for e in comps.values()]
        worst = min(decisions, key=lambda x: {"disproved": 0, "undecided": 1}.get(x.status, 2))
        out.append((prefix + name, worst))
    return out


def polynomial_sides(poly: dict, xs, mean: sp.Matrix, cov: sp.Matrix):
    """``(E[grad P], Cov(x, P))`` from the moment table, as SymPy column vectors."""
    d = len(xs)
    table = MomentTable(d)
    trace = active()
    if trace is not None:
        trace.add_table(table)

    def moment(beta) -> sp.Expr:
        return table.evaluate(table.raw(beta), mean, cov)

    sg = sp.zeros(d, 1)
    covv = sp.zeros(d, 1)
    for alpha, c in poly.items():
        ef = moment(alpha)
        for j in range(d):
            if alpha[j]:
                beta = tuple(a - (i == j) for i, a in enumerate(alpha))
                sg[j] += c * alpha[j] * moment(beta)
            beta = tuple(a + (i == j) for i, a in enumerate(alpha))
            covv[j] += c * (moment(beta) - mean[j] * ef)
    return sg, covv

"""Theorem 1 (equivalence) and its boundary (Stein's identity fails for step functions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from ..canonical import decide_matrix, decide_zero, default_sampler
from ..engine import expected_gradient, gaussian_expectation, second_moment_matrix, stein_side
from ..generic import check_generic_polynomial, monomial_exponents, polynomial_part
from ..interval import certified_sign
from ..moments import MomentTable
from ..params import symbolic_covariance, symbolic_mean
from ..records import ProofRecord
from ..special import phi
from ..trace import note_sides
from .common import (
    ALL_GENERIC_CLASSES,
    GAUSS,
    RBF_SCOPE,
    REAL,
    RIDGE_LINKS,
    check_classes,
    class_scope,
    described_scope,
    generic_polynomial,
    one_d_symbols,
    prove_shared_cases,
    rbf_symbolic_2d,
    ridge_case,
    ridge_scope,
    run_proof,
    sampler_for,
    setup,
    verdict,
)
from .polypart import MAX_MONOMIALS_WITH_SIDES, polynomial_checks, polynomial_sides

__all__ = [
    "prove_equivalence",
    "prove_stein_step_function",
    "prove_theorem1_generic",
    "proved_polynomial_classes",
    "stein_step_function_proofs",
    "theorem1_proofs",
]


def _equivalence(expr, xs, d: int, m, S, numeric_cov: bool) -> dict:
    """The derivation of :func:`prove_equivalence` (run under its budget and trace)."""
    poly, rest = polynomial_part(expr, xs)
    checks, sg, covv = [], sp.zeros(d, 1), sp.zeros(d, 1)
    have_sides = len(poly) <= MAX_MONOMIALS_WITH_SIDES
    if poly:
        sampler = sampler_for(S, [m, *poly.values()])
        prefix = "polynomial part: " if rest != 0 else ""
        checks += polynomial_checks(poly, d, m, S, sampler, prefix=prefix)
        if have_sides:
            sg, covv = polynomial_sides(poly, xs, m, S)
    if rest != 0:
        prefix = "non-polynomial part: " if poly else ""
        rest_checks, sg_r, covv_r = _general_checks(rest, xs, m, S, numeric_cov, prefix)
        checks += rest_checks
        sg, covv = sg + sg_r, covv + covv_r
    out = verdict(checks)
    details: dict = {"d": d, "monomials_in_polynomial_part": len(poly)}
    if have_sides:
        lhs, rhs = (sg, S.inv() * covv) if numeric_cov else (S * sg, covv)
        out.update(lhs=lhs, rhs=rhs)
        details["smoothgrad"] = sg
        _note_sides(expr, xs, m, S, lhs, rhs, numeric_cov)
    else:
        details["sides"] = (
            f"not attached: the polynomial part has {len(poly)} monomials "
            f"(more than {MAX_MONOMIALS_WITH_SIDES})"
        )
    out["details"] = details
    return out


def prove_equivalence(
    expr,
    xs,
    mean=None,
    cov=None,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """Prove Theorem 1 for one function: E[grad f] = cov^{-1} Cov(x, f) = C-LIME.

    The polynomial part of ``expr`` (its terms polynomial in x, with any coefficients
    free of x) is proved monomial by monomial with the sparse exact engine
    (:mod:`verify.symbolic.proofs.polypart`); the rest through the general engine. Both
    sides are derived independently:

    * SmoothGrad: differentiate ``expr``, then take the Gaussian expectation;
    * Stein side, multiplied through by ``cov`` (no symbolic inverse):
      ``Cov(x, f) = E[x f] - mean E f`` must equal ``cov E[grad f]``;
    * C-LIME: ``w = E[grad f]``, ``w0 = E f - w'mean`` must satisfy the population
      normal equations ``E[x f] - E[x x'] w - mean w0 = 0`` (E[x x'] from the
      engine), whose solution is unique when ``cov`` is invertible.

    With a numeric ``cov`` the explicit ``cov^{-1} Cov(x, f)`` is also compared.

    Parameters
    ----------
    expr : sympy.Expr
        f(x), in a class the engine supports.
    xs : sequence of sympy.Symbol
        Variables.
    mean, cov : optional
        ``None`` means fully symbolic.
    timeout : float, optional
        Seconds before giving up with status "undecided" (reason "timed out").
    function_class : str, optional
        Label for the record (default: ``str(expr)``).
    scope : dict, optional
        What the caller says of the class ``expr`` stands for (``family``, ``k``,
        ``links``, ...; see :func:`~verify.symbolic.proofs.common.described_scope`);
        default: one function of no named family.

    Returns
    -------
    ProofRecord
        ``statement_id="theorem1"``.
    """
    written = expr
    (expr,), xs, d, m, S, notes = setup([expr], xs, mean, cov)
    numeric_cov = not S.free_symbols

    def body() -> dict:
        return _equivalence(expr, xs, d, m, S, numeric_cov)

    statement = (
        "Theorem 1: E[grad f] = cov^{-1} Cov(x, f) = C-LIME (population least squares "
        "with intercept) for x ~ N(mean, cov)"
        + ("" if numeric_cov else "; shown as cov E[grad f] = Cov(x, f) (cov invertible)")
    )
    return run_proof(
        "theorem1",
        statement,
        function_class or f"f = {written}",
        (GAUSS, REAL),
        timeout,
        body,
        notes,
        scope=described_scope(scope, d=d, variables=xs, function=expr, mean=m, covariance=S),
    )


def _note_sides(f, xs, m, S, lhs, rhs, numeric_cov: bool) -> None:
    """The record's sides as expectations, for the second route to recompute at the
    user's own law: ``lhs = E[grad f]`` (times cov when cov is symbolic) and
    ``rhs = cov^-1 Cov(x, f)`` (without the inverse when cov is symbolic)."""
    grad = sp.Matrix([sp.diff(f, x) for x in xs])
    centred = sp.Matrix([(x - m[i]) * f for i, x in enumerate(xs)])
    if numeric_cov:
        note_sides("lhs: E[grad f]", lhs, grad, xs, m, S)
        note_sides("rhs: cov^-1 Cov(x, f)", rhs, S.inv() * centred, xs, m, S)
    else:
        note_sides("lhs: cov E[grad f]", lhs, S * grad, xs, m, S)
        note_sides("rhs: Cov(x, f)", rhs, centred, xs, m, S)


def _general_checks(expr, xs, m, S, numeric_cov: bool, prefix: str):
    """Theorem 1's identities for ``expr`` through the general engine."""
    sg = expected_gradient(expr, xs, m, S)
    ef = gaussian_expectation(expr, xs, m, S)
    exf = sp.Matrix([gaussian_expectation(x * expr, xs, m, S) for x in xs])
    covv = exf - m * ef
    second = second_moment_matrix(xs, m, S)
    w0 = ef - (sg.T * m)[0]
    normal = exf - second * sg - m * w0
    intercept = ef - (sg.T * m)[0] - w0
    sampler = sampler_for(S, list(covv) + list(sg))
    checks = [
        ("stein: Cov(x,f) = cov E[grad f]", decide_matrix(covv - S * sg, sampler=sampler)),
        ("clime: normal equations at w = E[grad f]", decide_matrix(normal, sampler=sampler)),
        ("clime: intercept equation", decide_zero(intercept, sampler=sampler)),
    ]
    if numeric_cov:
        rhs = stein_side(expr, xs, m, S)
        checks.append(
            ("stein: cov^-1 Cov(x,f) = E[grad f]", decide_matrix(rhs - sg, sampler=sampler))
        )
    return [(prefix + name, dec) for name, dec in checks], sg, covv


def _generic_theorem1(d: int, k: int, n_coeff: int, keep_sides: int) -> dict:
    """The derivation of :func:`prove_theorem1_generic` (run under its budget and trace)."""
    table = MomentTable(d)
    res = check_generic_polynomial(d, k, table=table)
    details = {
        "d": d,
        "k": k,
        "coefficients": res.n_coefficients,
        "identities_checked": res.n_identities,
        "moments": res.n_moments,
        "moment_terms": res.n_terms,
        "derivation_seconds": res.elapsed,
    }
    out = {
        "status": "proved" if res.proved else "disproved",
        "method": (
            "exact integer-polynomial arithmetic on MGF/Isserlis moments; the expanded "
            "difference is linear in the coefficient symbols, so it vanishes iff it "
            f"vanishes on each of the {res.n_coefficients} monomials (all checked)"
        ),
        "checks": [
            {
                "name": "stein: Cov(x,f) = cov E[grad f]",
                "status": "proved"
                if not any(f[1] == "stein" for f in res.failures)
                else "disproved",
            },
            {
                "name": "clime: normal equations at w = E[grad f]",
                "status": "proved"
                if not any(f[1] == "clime" for f in res.failures)
                else "disproved",
            },
        ],
        "details": details,
    }
    if res.failures:
        alpha, side, i, poly = res.failures[0]
        out["difference"] = _packed_to_expr(table, poly)
        out["witness"] = {"monomial": alpha, "side": side, "component": i}
    if n_coeff <= keep_sides:
        lhs, rhs = _generic_sides(table, d, k)
        out.update(lhs=lhs, rhs=rhs)
    return out


def prove_theorem1_generic(
    d: int, k: int, *, timeout: float | None = None, keep_sides: int = 15
) -> ProofRecord:
    """Prove Theorem 1 for the generic polynomial of degree <= k in d variables.

    Fully symbolic mean and covariance and one symbol per coefficient; the proof
    covers the class because both sides are linear in the coefficients and the
    expanded difference is zero iff it is zero for every monomial (see
    :mod:`verify.symbolic.generic`).

    Parameters
    ----------
    d, k : int
        Dimension and degree.
    timeout : float, optional
        Seconds.
    keep_sides : int
        Attach the expanded sides as SymPy expressions when the class has at most
        this many coefficients (larger ones are summarised in ``details``).
    """
    n_coeff = len(monomial_exponents(d, k))

    def body() -> dict:
        return _generic_theorem1(d, k, n_coeff, keep_sides)

    statement = (
        "Theorem 1 for every polynomial of degree <= k: cov E[grad f] = Cov(x, f) and "
        "(E[grad f], E f - E[grad f]'mean) solves the C-LIME normal equations"
    )
    return run_proof(
        "theorem1",
        statement,
        f"generic polynomial, d={d}, k={k} ({n_coeff} symbolic coefficients), "
        "fully symbolic mean and covariance",
        (GAUSS, REAL, "proof by linearity over the monomial basis (exact, not sampled)"),
        timeout,
        body,
        scope=class_scope(
            "polynomials",
            d=d,
            k=k,
            symbolic=("covariance", "function", "mean"),
            parameters=n_coeff + d + d * (d + 1) // 2,
        ),
    )


def _packed_to_expr(table: MomentTable, poly) -> sp.Expr:
    d = table.d
    return table.evaluate(poly, symbolic_mean(d), symbolic_covariance(d))


def _generic_sides(table: MomentTable, d: int, k: int):
    """cov E[grad f] and Cov(x, f) of the generic polynomial, as SymPy vectors."""
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    _f, coeffs = generic_polynomial(xs, k)
    m, S = symbolic_mean(d), symbolic_covariance(d)
    sg = sp.zeros(d, 1)
    covv = sp.zeros(d, 1)
    for c, alpha in zip(coeffs, monomial_exponents(d, k), strict=True):
        ef = table.evaluate(table.raw(alpha), m, S)
        for j in range(d):
            if alpha[j]:
                beta = tuple(a - (i == j) for i, a in enumerate(alpha))
                sg[j] += c * alpha[j] * table.evaluate(table.raw(beta), m, S)
            beta = tuple(a + (i == j) for i, a in enumerate(alpha))
            covv[j] += c * (table.evaluate(table.raw(beta), m, S) - m[j] * ef)
    return (S * sg).applyfunc(sp.expand), covv.applyfunc(sp.expand)


def proved_polynomial_classes(
    max_d: int = 5, max_k: int = 5, *, timeout: float | None = None
) -> list[dict]:
    """Prove Theorem 1 for every generic class (d, k), d <= max_d, k <= max_k.

    Returns
    -------
    list of dict
        ``{"d", "k", "coefficients", "status", "seconds"}`` per class.
    """
    rows = []
    for d in range(1, max_d + 1):
        for k in range(1, max_k + 1):
            rec = prove_theorem1_generic(d, k, timeout=timeout, keep_sides=0)
            rows.append(
                {
                    "d": d,
                    "k": k,
                    "coefficients": len(monomial_exponents(d, k)),
                    "status": rec.status,
                    "seconds": rec.elapsed,
                }
            )
    return rows


def prove_stein_step_function(*, timeout: float | None = None) -> ProofRecord:
    """Boundary of Theorem 1: for ``f = 1[a_1 > 0]`` the identity fails.

    The a.e. gradient is 0, so ``E[a.e. grad f] = 0``, while by direct integration
    ``cov^{-1} Cov(a, f) = phi(x0/sigma)/sigma`` (1-D marginal, cov = sigma^2 I).
    Theorem 1 needs f absolutely continuous; this record is "disproved" on purpose,
    with the exact nonzero difference and a witness.
    """
    _, sigma, x0 = one_d_symbols()
    a = sp.Symbol("a", real=True)

    def body() -> dict:
        rho = sp.exp(-((a - x0) ** 2) / (2 * sigma**2)) / (sp.sqrt(2 * sp.pi) * sigma)
        cov_af = sp.integrate((a - x0) * rho, (a, 0, sp.oo))  # f = 1 on a > 0
        stein = sp.simplify(cov_af / sigma**2)
        sg_ae = sp.S.Zero  # derivative of the step away from 0
        sampler = default_sampler({sigma, x0})
        exact = decide_zero(stein - phi(x0 / sigma) / sigma, sampler=sampler)
        dec = decide_zero(sg_ae - stein, sampler=sampler)
        point = {x0: sp.Integer(0), sigma: sp.Integer(1)}
        exact_value = (stein - sg_ae).subs(point)
        cert = certified_sign(exact_value)
        witness = {
            "point": point,
            "value_exact": exact_value,
            "value": sp.N(exact_value, 30),
            "certificate": None if cert is None else vars(cert),
        }
        return {
            "status": dec.status,
            "lhs": sg_ae,
            "rhs": stein,
            "difference": sp.simplify(sg_ae - stein),
            "witness": witness if dec.status == "disproved" else dec.witness,
            "numeric_evidence": dec.evidence,
            "method": "direct integration (sympy.integrate); " + dec.method,
            "reason": "boundary of Theorem 1: f is not absolutely continuous",
            "checks": [
                {
                    "name": "cov^-1 Cov = phi(x0/sigma)/sigma",
                    "status": exact.status,
                    "method": exact.method,
                },
                {"name": "E[a.e. grad f] = cov^-1 Cov", "status": dec.status, "method": dec.method},
            ],
        }

    return run_proof(
        "stein_step_function",
        "Theorem 1 for the step f(a) = 1[a_1 > 0] with its a.e. gradient (expected to fail)",
        "indicator of a half-space (not absolutely continuous)",
        ("cov = sigma^2 I, sigma > 0",),
        timeout,
        body,
        scope=class_scope(
            "ridge functions",
            d=1,
            links=("step",),
            instance=True,
            variables=(a,),
            mean=x0,
            covariance=sigma,
        ),
    )


def theorem1_proofs(
    *,
    generic_classes: Sequence[tuple[int, int]] = ALL_GENERIC_CLASSES,
    timeout: float | None = 120.0,
    classes: str = "default",
    **_: Any,
) -> list[ProofRecord]:
    """Theorem 1 for every class the suite proves (registered in :mod:`verify.catalogue`).

    ``default``: every generic polynomial class (d, k) of ``generic_classes`` with fully
    symbolic mean and covariance; sin, exp and probit ridge functions in d = 1 and 2 with
    symbolic w, b, mean and covariance; a Gaussian RBF in d = 1 with symbolic parameters;
    a two-bump RBF mixture in d = 2 (one singular precision) under a rational covariance.
    ``thorough`` adds the ridge functions for d = 3, 4, 5 (probit up to d = 4: d = 5 takes
    longer than the per-proof budget) and a two-bump RBF mixture in d = 2 with symbolic centres,
    weights, precisions (PSD), mean and covariance.
    """
    thorough = check_classes(classes)
    recs = [prove_theorem1_generic(d, k, timeout=timeout) for d, k in generic_classes]
    labels = {
        **{
            link: f"ridge function {link}(w'x + b), d=2, symbolic w, b, mean, cov"
            for link in RIDGE_LINKS
        },
        "rbf1": "Gaussian RBF, d=1, symbolic centre, weight, precision, mean, variance",
        "rbf2": "RBF mixture, K=2, d=2, symbolic centres, weights and mean; rational "
        "precisions (one singular) and covariance",
    }
    recs += prove_shared_cases(prove_equivalence, labels, timeout)
    for d in (1, 3, 4, 5) if thorough else (1,):
        for link in RIDGE_LINKS if d < 5 else ("sin", "exp"):  # probit d=5: over budget
            xs, f = ridge_case(d, link)
            label = f"ridge function {link}(w'x + b), d={d}, symbolic w, b, mean, cov"
            recs.append(
                prove_equivalence(
                    f, xs, timeout=timeout, function_class=label, scope=ridge_scope(link)
                )
            )
    if thorough:
        xs, f = rbf_symbolic_2d(2)
        recs.append(
            prove_equivalence(
                f,
                xs,
                timeout=timeout,
                function_class="RBF mixture, K=2, d=2, symbolic centres, weights, "
                "precisions (PSD), mean and covariance",
                scope=RBF_SCOPE,
            )
        )
    return recs


def stein_step_function_proofs(*, timeout: float | None = 120.0, **_: Any) -> list[ProofRecord]:
    """The boundary of Theorem 1 (registered in :mod:`verify.catalogue`)."""
    return [prove_stein_step_function(timeout=timeout)]

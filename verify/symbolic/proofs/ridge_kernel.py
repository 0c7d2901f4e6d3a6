"""Lemma 6 (ridge C-LIME) and kernel-weighted LIME."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..admission import require_parameter
from ..canonical import decide_matrix
from ..engine import expected_gradient, gaussian_expectation, second_moment_matrix
from ..records import ProofRecord
from .common import (
    GAUSS,
    RBF_SCOPE,
    REAL,
    RIDGE_LINKS,
    check_classes,
    described_scope,
    generic_polynomial,
    rbf_example,
    ridge_case,
    ridge_index,
    ridge_scope,
    run_proof,
    sampler_for,
    setup,
    shared_cases,
    verdict,
)
from .general_f import prove_kernel_lime_generic, prove_lemma6_every_f
from .sample_algebra import prove_sklearn_ridge_mapping

__all__ = ["kernel_lime_proofs", "lemma6_proofs", "prove_kernel_lime", "prove_lemma6"]


def prove_lemma6(
    expr,
    xs,
    mean=None,
    cov=None,
    lam=None,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """Lemma 6: ridge C-LIME (unpenalised intercept) is ``(cov + lam I)^{-1} Cov(x, f)``.

    With unknown symbols ``w`` and ``w0``, the ridge normal equations are
    ``N1 = E[x f] - E[x x'] w - mean w0 - lam w = 0`` and
    ``N2 = E f - mean'w - w0 = 0``. The proof checks the polynomial identity (in w,
    w0) ``N1 - mean N2 = Cov(x, f) - (cov + lam I) w``; the row operation is
    invertible, so the solutions coincide, and ``cov + lam I`` is SPD for
    ``lam >= 0``: the unique solution is ``(cov + lam I)^{-1} Cov(x, f)``, with
    ``w0 = E f - w'mean``. No inverse is formed. For d <= 2 the explicit
    solution (adjugate / determinant) is also substituted into N1, N2.
    """
    written = expr
    (expr,), xs, d, m, S, notes = setup([expr], xs, mean, cov)
    lam = (
        sp.Symbol("lambda", nonnegative=True)
        if lam is None
        else require_parameter(lam, "lam", "nonnegative", "Lemma 6")
    )

    def body() -> dict:
        # Dummies: the unknowns must never clash with symbols inside f
        w = sp.Matrix([sp.Dummy(f"w{i + 1}", real=True) for i in range(d)])
        w0 = sp.Dummy("w0", real=True)
        ef = gaussian_expectation(expr, xs, m, S)
        exf = sp.Matrix([gaussian_expectation(x * expr, xs, m, S) for x in xs])
        second = second_moment_matrix(xs, m, S)
        N1 = exf - second * w - m * w0 - lam * w
        N2 = ef - (m.T * w)[0] - w0
        covv = sp.Matrix(
            [gaussian_expectation((x - m[i]) * expr, xs, m, S) for i, x in enumerate(xs)]
        )
        target = covv - (S + lam * sp.eye(d)) * w
        sampler = sampler_for(S, [*list(target), lam])
        checks = [
            (
                "ridge normal equations: N1 - mean N2 = Cov - (cov + lam I) w",
                decide_matrix(N1 - m * N2 - target, sampler=sampler),
            )
        ]
        if d <= 2:
            R = S + lam * sp.eye(d)
            det = sp.expand(R.det())
            w_sol = R.adjugate() * covv / det
            w0_sol = ef - (m.T * w_sol)[0]
            subs = dict(zip([*list(w), w0], [*list(w_sol), w0_sol], strict=True))
            resid = sp.Matrix([*list(N1.xreplace(subs)), N2.xreplace(subs)])
            checks.append(
                (
                    "explicit (cov + lam I)^-1 Cov solves N1, N2",
                    decide_matrix(resid, sampler=sampler),
                )
            )
        out = verdict(checks)
        out.update(lhs=N1 - m * N2, rhs=target)
        return out

    return run_proof(
        "lemma6",
        "Lemma 6: argmin E[(f - w'x - w0)^2] + lam ||w||^2 has w = (cov + lam I)^{-1} Cov(x, f), "
        "w0 = E f - w'mean",
        function_class or f"f = {written}",
        (GAUSS, REAL, "lam >= 0; intercept not penalised"),
        timeout,
        body,
        notes,
        scope=described_scope(
            scope, d=d, variables=xs, function=expr, mean=m, covariance=S, penalty=lam
        ),
    )


def prove_kernel_lime(
    expr,
    xs,
    x0=None,
    cov=None,
    kw=None,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """docs/math.md#kernel-lime: Gaussian-kernel-weighted LIME equals C-LIME under a shrunk cov.

    Weights ``pi(z) = exp(-||z - x0||^2 / (2 kw^2))``, samples z ~ N(x0, cov).
    The claim: the weighted population least squares (with intercept) is solved by
    ``w = E_{N(x0, cov')}[grad f]``, ``w0 = E_{N(x0, cov')} f - w'x0`` with
    ``cov' = (cov^{-1} + I/kw^2)^{-1} = kw^2 cov (kw^2 I + cov)^{-1}``. Proved by
    substituting (w, w0) into the weighted normal equations
    ``E[pi z (f - w'z - w0)] = 0`` and ``E[pi (f - w'z - w0)] = 0``, each expectation
    under N(x0, cov) with the weight inside the integrand (Gaussian product).
    The weighted second-moment matrix is positive definite, so the solution is unique.
    """
    written = expr
    (expr,), xs, d, m, S, notes = setup([expr], xs, x0, cov)
    kw = (
        sp.Symbol("k_w", positive=True)
        if kw is None
        else require_parameter(kw, "kw", "positive", "kernel LIME")
    )

    def body() -> dict:
        B = kw**2 * sp.eye(d) + S
        S_prime = (kw**2 * S * B.adjugate() / sp.expand(B.det())).applyfunc(sp.cancel)
        S_prime = sp.Matrix(d, d, lambda i, j: S_prime[min(i, j), max(i, j)])
        w = expected_gradient(expr, xs, m, S_prime)
        w0 = gaussian_expectation(expr, xs, m, S_prime) - (w.T * m)[0]
        weight = sp.exp(-sum((x - m[i]) ** 2 for i, x in enumerate(xs)) / (2 * kw**2))

        def e_w(h):  # weighted expectation E_{N(x0, cov)}[pi(z) h(z)]
            return gaussian_expectation(weight * h, xs, m, S)

        # the residual f - w'z - w0 enters linearly: expand it by hand
        e_pi, e_pi_f = e_w(sp.S.One), e_w(expr)
        e_pi_x = [e_w(x) for x in xs]
        eqs = []
        for i, x in enumerate(xs):
            eqs.append(
                e_w(x * expr) - sum(e_w(x * xj) * w[j] for j, xj in enumerate(xs)) - e_pi_x[i] * w0
            )
        eqs.append(e_pi_f - sum(e_pi_x[j] * w[j] for j in range(d)) - e_pi * w0)
        sampler = sampler_for(S, [*eqs, kw])
        checks = [
            (
                "weighted normal equations at w = SG under cov'",
                decide_matrix(sp.Matrix(eqs), sampler=sampler),
            )
        ]
        out = verdict(checks)
        out.update(
            lhs=sp.Matrix(eqs), rhs=sp.zeros(d + 1, 1), details={"cov_prime": S_prime, "w": w}
        )
        return out

    return run_proof(
        "kernel_lime",
        "Kernel-weighted population LIME (weights exp(-||z-x0||^2/(2 kw^2)), z ~ N(x0, cov)) "
        "equals C-LIME = SmoothGrad under N(x0, (cov^{-1} + I/kw^2)^{-1})",
        function_class or f"f = {written}",
        (GAUSS, REAL, "kw > 0; kernel centred at the sampling mean x0"),
        timeout,
        body,
        notes,
        scope=described_scope(
            scope, d=d, variables=xs, function=expr, point=m, covariance=S, kernel=kw
        ),
    )


def lemma6_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """Lemma 6 for the classes the suite proves (registered in :mod:`verify.catalogue`).

    ``default``: every f with finite second moment in d = 1..5 (the lemma needs f only
    through E f and E[x f]); the scikit-learn mapping lambda = alpha / sum(pi) on a symbolic
    sample; sin, exp and probit ridge functions in d = 2 and a Gaussian RBF in d = 1 through
    the engine. ``thorough`` adds, through the engine, the generic polynomial d = 2, k = 3,
    the two-bump RBF mixture in d = 2 and the ridge functions for d = 3, 4, 5 (all implied
    by the every-f record, kept as independent derivations).
    """
    thorough = check_classes(classes)
    recs = [prove_lemma6_every_f(timeout=timeout), prove_sklearn_ridge_mapping(timeout=timeout)]
    labels = {
        **{link: f"ridge function {link}(w'x + b), d=2, all symbolic" for link in RIDGE_LINKS},
        "rbf1": "Gaussian RBF, d=1, all symbolic",
        "rbf2": "RBF mixture, K=2, d=2, symbolic centres, weights, mean and lambda; "
        "rational precisions (one singular) and covariance",
    }
    cases = shared_cases(labels)
    if not thorough:
        cases = [c for c in cases if c[0] != labels["rbf2"]]
    recs += [
        prove_lemma6(f, xs, cov=cov, timeout=timeout, function_class=label, scope=scope)
        for label, scope, xs, f, cov in cases
    ]
    if thorough:
        xs, _index = ridge_index()
        fp, _coefficients = generic_polynomial(xs, 3)
        recs.append(
            prove_lemma6(
                fp,
                xs,
                timeout=timeout,
                function_class="generic polynomial, d=2, k=3, symbolic mean, cov",
                scope={"family": "polynomials", "k": 3},
            )
        )
        for d in (3, 4, 5):
            for link in RIDGE_LINKS:
                xs, f = ridge_case(d, link)
                recs.append(
                    prove_lemma6(
                        f,
                        xs,
                        timeout=timeout,
                        function_class=f"ridge function {link}(w'x + b), d={d}, all symbolic",
                        scope=ridge_scope(link),
                    )
                )
    return recs


#: Kernel LIME's generic polynomial classes (d, k) by class set.
KERNEL_GENERIC = {"default": ((1, 3), (2, 3), (2, 5)), "thorough": ((1, 5), (2, 5), (3, 3))}


def kernel_lime_proofs(
    *, timeout: float | None = 120.0, classes: str = "default", **_: Any
) -> list[ProofRecord]:
    """Kernel LIME for the classes the suite proves (registered in :mod:`verify.catalogue`).

    Generic polynomial classes (:data:`KERNEL_GENERIC`) through the kernel-covariance lemma
    and Theorem 1's generic proof; a Gaussian RBF in d = 1 through the engine (the weighted
    normal equations integrated directly). ``thorough`` adds, through the engine, a cubic in
    d = 2 with fully symbolic covariance.
    """
    thorough = check_classes(classes)
    recs = [prove_kernel_lime_generic(d, k, timeout=timeout) for d, k in KERNEL_GENERIC[classes]]
    xs1, f1 = rbf_example(1, symbolic_precision=True)
    recs.append(
        prove_kernel_lime(
            f1,
            xs1,
            timeout=timeout,
            function_class="Gaussian RBF, d=1, symbolic centre, weight, precision, x0, variance "
            "and kernel width",
            scope=RBF_SCOPE,
        )
    )
    if thorough:
        (x1, x2), _index = ridge_index()
        b = sp.Symbol("b", real=True)
        recs.append(
            prove_kernel_lime(
                x1**2 * x2 - x2**3 + b * x1,
                [x1, x2],
                timeout=timeout,
                function_class="cubic polynomial, d=2, fully symbolic x0, covariance and "
                "kernel width",
                scope={"family": "polynomials", "k": 3, "instance": True},
            )
        )
    return recs

"""Proofs whose function class is decided by a lemma, not by integrating f.

* :func:`prove_lemma6_every_f`: Lemma 6 uses f only through ``E f`` and ``E[x f]``. With
  those as free symbols (``Cov(x, f) = c``, ``E f = e``), the row operation that turns the
  ridge normal equations into ``(cov + lam I) w = c`` needs only the Gaussian second
  moments ``E[x x'] = cov + mean mean'`` (from the engine, corroborated). So the lemma holds
  for every f with finite second moment, in each dimension checked.
* :func:`prove_kernel_lime_generic`: the Gaussian kernel centred at the sampling mean turns
  the law N(x0, cov) into N(x0, cov') up to a positive constant (an exponent identity,
  decided symbolically); the weighted normal equations are then the C-LIME normal
  equations under N(x0, cov'), which Theorem 1's generic-polynomial proof settles for every
  polynomial of degree <= k (cov' is SPD, a specialisation of the generic covariance).
"""

from __future__ import annotations

import sympy as sp

from ..admission import InadmissibleInput
from ..canonical import Decision, decide_matrix
from ..engine import second_moment_matrix
from ..generic import check_monomials, monomial_exponents, require_class_size
from ..moments import MomentTable
from ..params import symbolic_covariance, symbolic_mean
from ..records import ProofRecord
from .common import GAUSS, REAL, class_scope, run_proof, sampler_for, verdict

__all__ = ["kernel_covariance_checks", "prove_kernel_lime_generic", "prove_lemma6_every_f"]


def _lemma6_checks(d: int, explicit: bool) -> list:
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    m, S = symbolic_mean(d), symbolic_covariance(d)
    lam = sp.Symbol("lambda", nonnegative=True)
    c = sp.Matrix([sp.Symbol(f"c_{i + 1}", real=True) for i in range(d)])  # Cov(x, f)
    e = sp.Symbol("e_f", real=True)  # E f
    w = sp.Matrix([sp.Symbol(f"w_{i + 1}", real=True) for i in range(d)])
    w0 = sp.Symbol("w_0", real=True)
    exf = c + m * e  # E[x f], by the definition of Cov
    second = second_moment_matrix(xs, m, S)
    N1 = exf - second * w - m * w0 - lam * w
    N2 = e - (m.T * w)[0] - w0
    R = S + lam * sp.eye(d)
    sampler = sampler_for(S, [*m, *c, e, *w, w0, lam])
    checks = [
        (
            f"d={d}: N1 - mean N2 = Cov(x, f) - (cov + lam I) w",
            decide_matrix(N1 - m * N2 - (c - R * w), sampler=sampler),
        )
    ]
    if explicit:
        det = sp.expand(R.det())
        w_sol = R.adjugate() * c / det
        subs = dict(zip([*w, w0], [*w_sol, e - (m.T * w_sol)[0]], strict=True))
        resid = sp.Matrix([*N1.xreplace(subs), N2.xreplace(subs)])
        checks.append(
            (
                f"d={d}: w = (cov + lam I)^-1 Cov(x, f), w0 = E f - w'mean solves N1, N2",
                decide_matrix(resid, sampler=sampler),
            )
        )
    return checks


def prove_lemma6_every_f(
    dims: tuple[int, ...] = (1, 2, 3, 4, 5), *, timeout: float | None = None
) -> ProofRecord:
    """Lemma 6 for every f with ``E f^2 < inf``, in each dimension of ``dims``.

    The explicit solution (adjugate over determinant) is substituted for d <= 2; for larger
    d uniqueness follows from ``cov + lam I`` being SPD (an assumption, not computed).
    """
    if not dims:
        raise InadmissibleInput("dims is empty: give the dimensions to prove Lemma 6 in")
    for d in dims:
        require_class_size(d, 0)

    def body() -> dict:
        checks = []
        for d in dims:
            checks += _lemma6_checks(d, explicit=d <= 2)
        return verdict(checks)

    dim_text = ", ".join(str(d) for d in dims)
    return run_proof(
        "lemma6",
        "Lemma 6: argmin E[(f - w'x - w0)^2] + lam ||w||^2 has w = (cov + lam I)^{-1} "
        "Cov(x, f), w0 = E f - w'mean, for every f with finite second moment",
        f"every f with E f^2 < inf (enters only through E f and E[x f]), d = {dim_text}, "
        "symbolic mean, cov and lambda",
        (GAUSS, REAL, "lam >= 0; intercept not penalised", "E f^2 < inf"),
        timeout,
        body,
        scope=class_scope(
            "all functions",
            d=dims,
            variant="E f^2 < inf",
            symbolic=("covariance", "function", "mean", "penalty"),
            # at the largest d: mean, covariance, Cov(x, f), E f and lambda
            parameters=2 * max(dims) + max(dims) * (max(dims) + 1) // 2 + 2,
        ),
    )


def kernel_covariance_checks(d: int) -> list:
    """``cov' = kw^2 cov (kw^2 I + cov)^-1`` is symmetric and ``cov'^-1 = cov^-1 + I/kw^2``."""
    S = symbolic_covariance(d)
    kw = sp.Symbol("k_w", positive=True)
    B = kw**2 * sp.eye(d) + S
    S_prime = (kw**2 * S * B.adjugate() / sp.expand(B.det())).applyfunc(sp.cancel)
    S_inv = S.adjugate() / sp.expand(S.det())
    sampler = sampler_for(S, [kw])
    return [
        (
            f"d={d}: cov' (cov^-1 + I/kw^2) = I (the kernel times N(x0, cov) is proportional "
            "to N(x0, cov'): equal exponents, both centred at x0)",
            decide_matrix(S_prime * (S_inv + sp.eye(d) / kw**2) - sp.eye(d), sampler=sampler),
        ),
        (f"d={d}: cov' symmetric", decide_matrix(S_prime - S_prime.T, sampler=sampler)),
    ]


def prove_kernel_lime_generic(d: int, k: int, *, timeout: float | None = None) -> ProofRecord:
    """Kernel LIME for the generic polynomial class (d, k): the covariance lemma + Theorem 1."""
    n_coeff = len(monomial_exponents(d, k))

    def body() -> dict:
        checks = kernel_covariance_checks(d)
        res = check_monomials(d, monomial_exponents(d, k), table=MomentTable(d))
        for side in ("clime", "intercept"):
            failed = [f for f in res.failures if f[1] == side]
            checks.append(
                (
                    f"C-LIME normal equations ({side}) under N(x0, cov'), every monomial of "
                    f"degree <= {k} (generic mean and covariance)",
                    _packed_decision(failed),
                )
            )
        out = verdict(checks)
        out["details"] = {"d": d, "k": k, "coefficients": n_coeff}
        return out

    return run_proof(
        "kernel_lime",
        "Kernel-weighted population LIME (weights exp(-||z-x0||^2/(2 kw^2)), z ~ N(x0, cov)) "
        "equals C-LIME = SmoothGrad under N(x0, (cov^{-1} + I/kw^2)^{-1})",
        f"generic polynomial, d={d}, k={k} ({n_coeff} symbolic coefficients), fully symbolic "
        "x0, covariance and kernel width",
        (
            GAUSS,
            REAL,
            "kw > 0; kernel centred at the sampling mean x0",
            "a positive constant factor of the weights does not change the weighted "
            "least-squares solution (the normal equations are homogeneous in the weights)",
        ),
        timeout,
        body,
        scope=class_scope(
            "polynomials",
            d=d,
            k=k,
            symbolic=("covariance", "function", "kernel", "point"),
            parameters=n_coeff + d + d * (d + 1) // 2 + 1,
        ),
    )


def _packed_decision(failed: list) -> Decision:
    if not failed:
        return Decision(
            "proved",
            sp.S.Zero,
            "sparse exact engine: each monomial's identity holds as a polynomial in the "
            "generic mean and covariance, hence for N(x0, cov')",
        )
    alpha, side, i, _ = failed[0]
    return Decision(
        "disproved",
        sp.S.Zero,
        f"monomial {alpha}: {side} identity {i} does not cancel in exact integer arithmetic",
        witness={"monomial": alpha, "side": side, "component": i},
    )

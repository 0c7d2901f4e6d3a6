"""Propositions 2 (linearity) and 3 (proportionality, with its single-index generalisation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..canonical import decide_matrix
from ..engine import covariance_vector, expected_gradient
from ..generic import require_class_size
from ..params import symbolic_covariance, symbolic_mean
from ..records import ProofRecord
from ..special import Phi, phi
from ..trace import note_sides
from .common import (
    GAUSS,
    REAL,
    class_scope,
    described_scope,
    generic_polynomial,
    ridge_index,
    run_proof,
    sampler_for,
    setup,
    verdict,
)
from .sample_algebra import prove_empirical_linearity

__all__ = [
    "proposition2_proofs",
    "proposition3_proofs",
    "prove_linearity",
    "prove_proportionality",
    "single_index_k",
]


def prove_linearity(
    f,
    g,
    xs,
    mean=None,
    cov=None,
    *,
    timeout: float | None = None,
    function_class: str | None = None,
    scope: Mapping[str, Any] | None = None,
) -> ProofRecord:
    """Proposition 2: SmoothGrad and C-LIME are linear in f.

    ``E[grad(a f + b g)] = a E[grad f] + b E[grad g]`` and, on the C-LIME side
    (multiplied through by cov), ``Cov(x, a f + b g) = a Cov(x, f) + b Cov(x, g)``,
    with symbolic a, b; each side derived separately by the engine.
    """
    written = (f, g)
    (f, g), xs, d, m, S, notes = setup([f, g], xs, mean, cov)
    al, be = sp.Dummy("a", real=True), sp.Dummy("b", real=True)

    def body() -> dict:
        h = al * f + be * g
        sg_h = expected_gradient(h, xs, m, S)
        sg_sum = al * expected_gradient(f, xs, m, S) + be * expected_gradient(g, xs, m, S)
        c_h = covariance_vector(h, xs, m, S)
        c_sum = al * covariance_vector(f, xs, m, S) + be * covariance_vector(g, xs, m, S)
        sampler = sampler_for(S, list(sg_h) + list(c_h))
        checks = [
            ("smoothgrad linear", decide_matrix(sg_h - sg_sum, sampler=sampler)),
            ("clime (Cov) linear", decide_matrix(c_h - c_sum, sampler=sampler)),
        ]
        out = verdict(checks)
        out.update(lhs=sg_h, rhs=sg_sum)
        grad_h = [sp.diff(h, x) for x in xs]  # both sides are E[grad h]: recomputed
        note_sides("lhs: E[grad(a f + b g)]", sg_h, grad_h, xs, m, S)
        note_sides("rhs: a E[grad f] + b E[grad g]", sg_sum, grad_h, xs, m, S)
        return out

    return run_proof(
        "proposition2",
        "Proposition 2: SG and C-LIME of alpha f + beta g equal alpha (.)^f + beta (.)^g",
        function_class or f"f = {written[0]}, g = {written[1]}",
        (GAUSS, REAL),
        timeout,
        body,
        notes,
        scope=described_scope(scope, d=d, variables=xs, function=(f, g), mean=m, covariance=S),
    )


_LINKS = ("affine", "identity", "probit", "sin", "exp")


def single_index_k(link: str, m: sp.Expr, v: sp.Expr) -> sp.Expr:
    """Closed-form k = E g'(s), s ~ N(m, v), from docs/math.md#ridge-functions."""
    if link in ("affine", "identity"):
        return sp.S.One
    if link == "probit":
        return phi(m / sp.sqrt(1 + v)) / sp.sqrt(1 + v)
    if link == "sin":
        return sp.cos(m) * sp.exp(-v / 2)
    if link == "exp":
        return sp.exp(m + v / 2)
    raise ValueError(f"unknown link {link!r}; choose one of {_LINKS}")


def prove_proportionality(
    link: str = "affine", d: int = 2, *, timeout: float | None = None
) -> ProofRecord:
    """Proposition 3 and its single-index generalisation: SG = C-LIME = k(x0) theta.

    ``f(x) = g(theta'x + b)`` with symbolic theta, b, fully symbolic mean and
    covariance; ``g`` one of ``affine`` (the published Proposition 3, k = 1),
    ``identity``, ``probit``, ``sin``, ``exp`` with the closed form
    ``k = E g'(s)``, ``s ~ N(theta'mean + b, theta'cov theta)`` of docs/math.md#ridge-functions.
    """
    if link not in _LINKS:
        raise ValueError(f"unknown link {link!r}; choose one of {_LINKS}")
    require_class_size(d, 0)
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    theta = sp.Matrix([sp.Symbol(f"theta_{i + 1}", real=True) for i in range(d)])
    b = sp.Symbol("b", real=True)
    m, S = symbolic_mean(d), symbolic_covariance(d)
    s = (theta.T * sp.Matrix(xs))[0] + b
    g = {
        "affine": lambda u: u,
        "identity": lambda u: u,
        "probit": Phi,
        "sin": sp.sin,
        "exp": sp.exp,
    }[link]
    f = g(s)

    def body() -> dict:
        mm = (theta.T * m)[0] + b
        v = sp.expand((theta.T * S * theta)[0])
        k = single_index_k(link, mm, v)
        sg = expected_gradient(f, xs, m, S)
        covv = covariance_vector(f, xs, m, S)
        sampler = sampler_for(S, list(sg) + list(covv))
        checks = [
            ("smoothgrad = k theta", decide_matrix(sg - k * theta, sampler=sampler)),
            (
                "C-LIME side: Cov(x, f) = cov k theta",
                decide_matrix(covv - S * k * theta, sampler=sampler),
            ),
        ]
        out = verdict(checks)
        out.update(lhs=sg, rhs=k * theta, details={"k": k})
        return out

    label = (
        "Proposition 3 (f affine): SG = C-LIME = k theta with k = 1"
        if link == "affine"
        else f"Proposition 3, single-index generalisation: f = {link}(theta'x + b), "
        "SG = C-LIME = k(x0) theta with k = E g'(s)"
    )
    return run_proof(
        "proposition3",
        label,
        f"link {link}: f = {f}, d={d}, fully symbolic mean and covariance",
        (GAUSS, REAL),
        timeout,
        body,
        scope=class_scope(
            "ridge functions",
            d=d,
            links=(link,),
            variables=xs,
            function=f,
            mean=m,
            covariance=S,
        ),
    )


def proposition2_proofs(*, timeout: float | None = 120.0, **_: Any) -> list[ProofRecord]:
    """Proposition 2 for the classes the suite proves (registered in :mod:`verify.catalogue`).

    The expected explanations of a generic quadratic and a sin ridge function (through the
    engine), and the empirical estimators on any shared symbolic sample (algebra).
    """
    xs, s = ridge_index()
    fq, _coefficients = generic_polynomial(xs, 2)
    return [
        prove_linearity(
            fq,
            sp.sin(s),
            xs,
            timeout=timeout,
            function_class="generic quadratic and sin ridge, d=2",
            scope={"family": None, "variant": "generic quadratic f, sin ridge g"},
        ),
        prove_empirical_linearity(timeout=timeout),
    ]


def proposition3_proofs(*, timeout: float | None = 120.0, **_: Any) -> list[ProofRecord]:
    """Proposition 3 and its single-index generalisation (registered in the catalogue)."""
    return [prove_proportionality(link, d=2, timeout=timeout) for link in _LINKS]

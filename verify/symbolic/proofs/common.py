"""Plumbing shared by the proofs: budgets, verdicts, parameters, samplers, examples.

Every ``prove_*`` derives both sides of a statement independently with the
engine of :mod:`verify.symbolic.engine` (or, for the one-dimensional non-smooth
examples, with ``sympy.integrate``), decides the difference with
:func:`verify.symbolic.canonical.decide_zero`, and wraps the outcome in a
:class:`~verify.symbolic.records.ProofRecord` through :func:`run_proof`, which

* enforces the time budget (a derivation past it is "undecided", never "proved");
* traces the derivation (:mod:`verify.symbolic.trace`): every integrability condition the
  engine could not settle becomes an assumption of the record, and every expectation and
  moment the derivation used is recomputed by the independent second route of
  :mod:`verify.symbolic.corroborate`; when that route disagrees, the verdict is withdrawn
  ("undecided", with the disagreement as the reason).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from ...deadline import DeadlineExceeded, call_with_deadline
from ..admission import admit, admitted_scope
from ..canonical import Decision, default_sampler, spd_sampler
from ..classes import SCOPE_KEYS, class_scope
from ..corroborate import conditions_satisfiable, corroborate
from ..generic import monomial_exponents
from ..params import as_variables
from ..records import ProofRecord
from ..special import Phi
from ..trace import tracing

__all__ = [
    "ALL_GENERIC_CLASSES",
    "CLASS_SETS",
    "COV2",
    "DESCRIBED_KEYS",
    "GAUSS",
    "RBF_SCOPE",
    "REAL",
    "RIDGE_LINKS",
    "check_classes",
    "class_scope",
    "definite_integral",
    "described_scope",
    "generic_polynomial",
    "one_d_symbols",
    "positive_multiple",
    "prove_shared_cases",
    "rbf_example",
    "rbf_symbolic_2d",
    "ridge_case",
    "ridge_index",
    "ridge_scope",
    "run_proof",
    "sampler_for",
    "setup",
    "shared_cases",
    "verdict",
]

GAUSS = "x ~ N(mean, cov), cov symmetric positive definite (hence invertible)"
REAL = "all parameter symbols real; diagonal covariance entries positive"


# ---------------------------------------------------------------------------
# plumbing


def run_proof(
    statement_id: str,
    statement: str,
    function_class: str,
    assumptions: Sequence[str],
    timeout: float | None,
    body: Callable[[], dict],
    notes: Sequence[str] = (),
    *,
    scope: Mapping[str, Any],
) -> ProofRecord:
    """Time, trace and corroborate ``body`` under the budget; wrap it in a ProofRecord.

    ``notes`` are what the admission step changed in the user's input (see
    :mod:`verify.symbolic.admission`); they go into ``details["admission"]``. ``scope`` is
    the class covered as data (:func:`verify.symbolic.classes.class_scope`), required of
    every proof.
    """
    if set(scope) != set(SCOPE_KEYS):
        raise ValueError(f"scope must be made by class_scope (keys {SCOPE_KEYS}), got {scope!r}")
    t0 = time.perf_counter()
    seed = zlib.crc32(f"{statement_id}|{function_class}".encode())

    def traced() -> dict:
        with tracing() as trace, admitted_scope():
            out = body()
        out["corroboration"] = corroborate(trace, seed=seed)
        if out["status"] == "proved" and not conditions_satisfiable(trace, seed=seed):
            out["details"] = {**out.get("details", {}), "verdict_before_conditions": "proved"}
            out["status"] = "undecided"
            out["method"] = out.get("method", "") + "; withdrawn: conditions possibly unmet"
            out["reason"] = (
                "the proof holds only under integrability conditions that no admissible "
                "parameter value drawn at random meets (a proof under an unmet assumption "
                "would be vacuous): " + "; ".join(c.text for c in trace.conditions)
            )
        out["extra_assumptions"] = tuple(out.get("extra_assumptions", ())) + tuple(
            c.text for c in trace.conditions
        )
        if notes:
            out["details"] = {**out.get("details", {}), "admission": list(notes)}
        return out

    try:
        out = call_with_deadline(traced, timeout)
    except DeadlineExceeded as exc:
        return ProofRecord(
            statement_id=statement_id,
            statement=statement,
            function_class=function_class,
            scope=dict(scope),
            status="undecided",
            assumptions=tuple(assumptions),
            elapsed=time.perf_counter() - t0,
            method="derivation interrupted",
            reason=f"timed out ({exc})",
        )
    _overrule_on_disagreement(out)
    return ProofRecord(
        statement_id=statement_id,
        statement=statement,
        function_class=function_class,
        scope=dict(scope),
        assumptions=tuple(assumptions) + tuple(out.pop("extra_assumptions", ())),
        elapsed=time.perf_counter() - t0,
        **out,
    )


#: What a provider may say of the class it hands to a ``prove_*`` function (``scope=``).
DESCRIBED_KEYS = ("family", "d", "k", "links", "variant", "instance")


def described_scope(
    described: Mapping[str, Any] | None, *, d: int, variables: Sequence = (), **parts: Any
) -> dict:
    """The scope of a ``prove_*`` call on the user's own input.

    ``described`` is what the caller says of the class (keys of :data:`DESCRIBED_KEYS`, e.g.
    ``{"family": "ridge functions", "links": ["sin"]}``); None means one function of no
    named family (``instance`` True). The dimension, what is symbolic and the number of
    parameters come from the admitted input itself (``parts`` by role, as in
    :func:`~verify.symbolic.classes.class_scope`).
    """
    facts: dict[str, Any] = {"instance": described is None, "d": d, **(described or {})}
    unknown = set(facts) - set(DESCRIBED_KEYS)
    if unknown:
        raise ValueError(
            f"scope= takes the keys {', '.join(DESCRIBED_KEYS)}; unknown: {sorted(unknown)}"
        )
    return class_scope(facts.pop("family", None), variables=variables, **facts, **parts)


def _overrule_on_disagreement(out: dict) -> None:
    """A verdict built on expectations the second route contradicts is withdrawn.

    The record then reads "undecided (second route disagreed)" and says where and by how
    much; either the engine or the second route is wrong there, and the record does not
    guess which.
    """
    corr = out["corroboration"]
    if corr["status"] != "disagreed" or out["status"] == "undecided":
        return
    first = corr["disagreements"][0]
    detail = ", ".join(
        f"{k} {first[k]}"
        for k in ("engine", "independent", "quadrature_error", "wrong_moments", "why")
        if k in first
    )
    by = first.get("relative_discrepancy")
    size = f" by {by:.3g} of E|integrand|" if isinstance(by, float) else ""
    out["details"] = {**out.get("details", {}), "verdict_before_second_route": out["status"]}
    out["reason"] = (
        f"undecided (second route disagreed): the independent second route disagrees with "
        f"the engine on {first['what']}{size} ({first['method']}: {detail}); the "
        f"derivation's verdict '{out['status']}' rests on that expectation and is withdrawn"
    )
    out["method"] = out.get("method", "") + "; withdrawn: second route disagrees"
    out["status"] = "undecided"


def verdict(checks: list[tuple[str, Decision]]) -> dict:
    """Combine sub-decisions: any disproved -> disproved, any undecided -> undecided."""
    rows = [{"name": n, "status": d.status, "method": d.method} for n, d in checks]
    for status in ("disproved", "undecided"):
        for name, dec in checks:
            if dec.status == status:
                return {
                    "status": status,
                    "method": f"{name}: {dec.method}",
                    "difference": dec.residual if status == "disproved" else None,
                    "witness": dec.witness,
                    "numeric_evidence": dec.evidence,
                    "reason": "" if status == "disproved" else f"{name}: {dec.method}",
                    "checks": rows,
                }
    methods = "; ".join(sorted({d.method for _, d in checks}))
    return {"status": "proved", "method": methods, "checks": rows}


def setup(exprs, xs, mean, cov):
    """The user's input through the admission step (:func:`verify.symbolic.admission.admit`).

    Returns
    -------
    (exprs, xs, d, mean, cov, notes)
        The admitted expressions (a list, in the order given), real variables, dimension,
        law, and what admission changed (for the record).
    """
    adm = admit(list(exprs), xs, mean, cov)
    return list(adm.exprs), adm.xs, adm.d, adm.mean, adm.cov, adm.notes


def sampler_for(S: sp.Matrix, exprs) -> Callable:
    syms = set()
    for e in exprs:
        syms |= sp.sympify(e).free_symbols
    cov_syms = {e for e in S if isinstance(e, sp.Symbol)}
    return spd_sampler(S, syms - cov_syms) if cov_syms else default_sampler(syms)


def generic_polynomial(xs, k: int, name: str = "c") -> tuple[sp.Expr, list[sp.Symbol]]:
    """The generic polynomial of degree <= k in ``xs`` with one symbol per coefficient.

    Returns
    -------
    (expr, coefficients)
        ``expr = sum_alpha c_alpha x^alpha``; ``coefficients`` in graded order.
    """
    xs = as_variables(xs)
    terms, coeffs = [], []
    for alpha in monomial_exponents(len(xs), k):
        c = sp.Symbol(f"{name}_" + "".join(str(a) for a in alpha), real=True)
        coeffs.append(c)
        terms.append(c * sp.Mul(*[x**a for x, a in zip(xs, alpha, strict=True)]))
    return sp.Add(*terms), coeffs


def definite_integral(
    integrand: sp.Expr, var: sp.Symbol, lower, upper, antiderivative: sp.Expr, sampler=None
) -> tuple[sp.Expr, Decision]:
    """``int_lower^upper integrand d var`` by the fundamental theorem of calculus.

    ``antiderivative`` is checked symbolically (``d/dvar antiderivative - integrand = 0``,
    the returned Decision); the value is ``F(upper) - F(lower)``, with an infinite end
    evaluated by substitution (``Phi(oo) = 1``, ``exp(-oo) = 0``). Exact and, unlike
    ``sympy.integrate``'s Meijer-G route, fast.
    """
    from ..canonical import decide_zero

    check = decide_zero(sp.diff(antiderivative, var) - integrand, sampler=sampler)
    value = antiderivative.subs(var, upper) - antiderivative.subs(var, lower)
    return value, check


def one_d_symbols():
    M = sp.Symbol("M", positive=True)  # gradient bound grad f_max
    sigma = sp.Symbol("sigma", positive=True)
    x0 = sp.Symbol("x0", real=True)
    return M, sigma, x0


def positive_multiple(expr: sp.Expr, scale: sp.Expr) -> tuple[bool | None, sp.Expr]:
    """Decide ``expr > 0`` for ``expr = scale * number`` with ``scale > 0``.

    Returns the verdict (None if SymPy cannot decide) and the simplified expr.
    """
    expr = sp.simplify(expr)
    number = sp.simplify(expr / scale)
    if number.free_symbols or scale.is_positive is not True:
        return None, expr
    return number.is_positive, expr


def rbf_example(d: int, symbolic_precision: bool):
    xs = sp.symbols(f"x1:{d + 1}", real=True)
    if d == 1:
        c = sp.Symbol("c_1", real=True)
        p = sp.Symbol("p", positive=True) if symbolic_precision else sp.Rational(2)
        a1 = sp.Symbol("alpha_1", real=True)
        return xs, a1 * sp.exp(-p * (xs[0] - c) ** 2 / 2)
    centres = [sp.Matrix([sp.Symbol(f"c_{k}{i + 1}", real=True) for i in range(d)]) for k in (1, 2)]
    precisions = [
        sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]]),
        sp.Matrix([[1, 0], [0, 0]]),
    ]  # the second one singular on purpose
    weights = sp.symbols("alpha_1 alpha_2", real=True)
    x = sp.Matrix(xs)
    f = sum(
        w * sp.exp(-((x - c).T * P * (x - c))[0] / 2)
        for w, c, P in zip(weights, centres, precisions, strict=True)
    )
    return xs, f


#: The class sets a provider can be asked for (``classes=``): ``default`` fits ``verify
#: run``'s budget (about 15 s for every statement on 2 cores); ``thorough`` adds the
#: heavier classes (ridge functions for d = 3..5, RBFs with symbolic precision and
#: covariance, and the per-class records that a general record already implies).
CLASS_SETS = ("default", "thorough")


def check_classes(classes: str) -> bool:
    """True for ``thorough``; a clear error for an unknown class set."""
    if classes not in CLASS_SETS:
        raise ValueError(f"unknown class set {classes!r}; use one of {', '.join(CLASS_SETS)}")
    return classes == "thorough"


RIDGE_LINKS = ("sin", "exp", "probit")


def ridge_case(d: int, link: str) -> tuple[list[sp.Symbol], sp.Expr]:
    """(xs, link(w'x + b)) in d variables with symbolic w_1..w_d and b."""
    xs = list(sp.symbols(f"x1:{d + 1}", real=True))
    w = sp.symbols(f"w_1:{d + 1}", real=True)
    b = sp.Symbol("b", real=True)
    s = sum((wi * xi for wi, xi in zip(w, xs, strict=True)), b)
    return xs, {"sin": sp.sin, "exp": sp.exp, "probit": Phi}[link](s)


def rbf_symbolic_2d(n_bumps: int) -> tuple[list[sp.Symbol], sp.Expr]:
    """A mixture of Gaussian bumps in d = 2, every centre, weight and precision symbolic.

    Bump k is ``alpha_k exp(-(x - c_k)' P_k (x - c_k)/2)`` with ``P_k = [[p_k11, p_k12],
    [p_k12, p_k22]]`` (diagonal entries positive; ``P_k`` PSD is an assumption of the class).
    """
    xs = list(sp.symbols("x1 x2", real=True))
    x = sp.Matrix(xs)
    f = sp.S.Zero
    for k in range(1, n_bumps + 1):
        c = sp.Matrix([sp.Symbol(f"c_{k}{i}", real=True) for i in (1, 2)])
        p11, p22 = sp.symbols(f"p_{k}11 p_{k}22", positive=True)
        P = sp.Matrix([[p11, sp.Symbol(f"p_{k}12", real=True)], [0, p22]])
        P[1, 0] = P[0, 1]
        f += sp.Symbol(f"alpha_{k}", real=True) * sp.exp(-((x - c).T * P * (x - c))[0] / 2)
    return xs, f


#: Theorem 1's generic polynomial classes proved by default: every d <= 5, k <= 5.
ALL_GENERIC_CLASSES = tuple((d, k) for d in range(1, 6) for k in range(1, 6))

#: The rational covariance of the two-dimensional RBF examples.
COV2 = sp.Matrix([[1, sp.Rational(1, 3)], [sp.Rational(1, 3), sp.Rational(1, 2)]])


def ridge_index() -> tuple[list[sp.Symbol], sp.Expr]:
    """([x1, x2], w_1 x1 + w_2 x2 + b) with symbolic w and b: the ridge examples' index."""
    x1, x2 = sp.symbols("x1 x2", real=True)
    w1, w2, b = sp.symbols("w_1 w_2 b", real=True)
    return [x1, x2], w1 * x1 + w2 * x2 + b


def ridge_scope(*links: str) -> dict:
    """What a provider says of a ridge-function class with these links (``scope=``)."""
    return {"family": "ridge functions", "links": list(links)}


#: What a provider says of an RBF class (``scope=``).
RBF_SCOPE = {"family": "RBF mixtures"}


def prove_shared_cases(
    prove: Callable[..., ProofRecord], labels: dict[str, str], timeout: float | None
) -> list[ProofRecord]:
    """``prove(f, xs, cov=..., timeout=..., function_class=label, scope=...)`` on every
    shared class."""
    return [
        prove(f, xs, cov=cov, timeout=timeout, function_class=label, scope=scope)
        for label, scope, xs, f, cov in shared_cases(labels)
    ]


def shared_cases(labels: dict[str, str]) -> list[tuple[str, dict, list, sp.Expr, sp.Matrix | None]]:
    """(label, scope, xs, f, cov) of the classes several statements prove (cov None: symbolic).

    ``labels`` names each class for the record, by key: ``sin``, ``exp``, ``probit``
    (ridge functions in d = 2 with symbolic w and b), ``rbf1`` (a Gaussian RBF in
    d = 1 with symbolic precision) and ``rbf2`` (two bumps in d = 2, one singular
    precision, under the rational covariance :data:`COV2`); ``scope`` is what the
    provider says of the class (:func:`described_scope`).
    """
    xs, s = ridge_index()
    cases = [
        (labels[key], ridge_scope(key), xs, f, None)
        for key, f in (("sin", sp.sin(s)), ("exp", sp.exp(s)), ("probit", Phi(s)))
    ]
    xs1, f1 = rbf_example(1, symbolic_precision=True)
    xs2, f2 = rbf_example(2, symbolic_precision=False)
    return [
        *cases,
        (labels["rbf1"], RBF_SCOPE, xs1, f1, None),
        (labels["rbf2"], RBF_SCOPE, xs2, f2, COV2),
    ]

"""Three-valued zero test: proved / disproved / undecided.

A difference ``D`` of two derived sides is brought to a normal form: it is
expanded into terms, and every term is split into

* a transcendental key: the exponent of its ``exp`` factors (a rational
  function, brought to ``p/q`` form with its additive numeric constant moved
  out), its radicals ``B**e`` (``B`` in canonical form with its provably positive
  factors split off, ``e`` reduced to its fractional part), and its other function factors
  (``sin``, ``cos``, ``Phi``, ...) with canonical arguments;
* a coefficient that is a rational function of the symbols.

Terms with equal keys are summed and cancelled. If every coefficient cancels,
``D = 0`` is **proved**. The rewriting uses only identities valid for every value of the
symbols allowed by their declared assumptions: field operations,
``exp(a) exp(b) = exp(a+b)``, ``B**(a+b) = B**a B**b`` for a radical's base B (true for
the principal branch of any B != 0), and ``(P R)**e = P**e R**e`` only for factors P that
SymPy proves positive from the symbols' assumptions. A radicand that is not provably
positive is never split: it stays one canonical base, so an identity that holds only where
its factors are positive (``sqrt(a b) = sqrt(a) sqrt(b)``) is never proved.

Otherwise ``sympy.simplify`` is tried (it too respects the symbols' assumptions). If that
also fails, ``D`` is evaluated at random rational parameter points (admissible ones: SPD
covariances, positive symbols positive, and the integrability conditions of the proof in
progress):

* a value whose sign is certain is a witness: status **disproved**, with the
  non-cancelled residual, the point and the certificate (an exact rational value, or an
  interval enclosure from :mod:`verify.symbolic.interval` that excludes 0);
* otherwise **undecided**, with high-precision values attached and labelled as numeric
  evidence, never as a proof or a disproof.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from ..deadline import check as check_deadline
from .interval import certified_sign
from .special import Phi
from .trace import active

__all__ = [
    "Decision",
    "admissible_points",
    "decide_matrix",
    "decide_zero",
    "default_sampler",
    "is_spd",
    "normal_form",
    "spd_sampler",
]

Sampler = Callable[[random.Random], dict]


@dataclass
class Decision:
    """Outcome of a zero test of one expression (or a matrix of them)."""

    status: str
    residual: sp.Expr = sp.S.Zero
    method: str = ""
    witness: dict | None = None
    evidence: dict | None = None
    notes: list = field(default_factory=list)


# ---------------------------------------------------------------------------
# normal form


@lru_cache(maxsize=8192)
def _rational(e: sp.Expr) -> sp.Expr:
    """Canonical p/q form (expanded polynomial when there is no denominator)."""
    if e.is_polynomial():
        return sp.expand(e)
    return sp.cancel(sp.together(e))


@lru_cache(maxsize=8192)
def _split_constant(arg: sp.Expr):
    """Write a rational function as (numeric constant c0, rest) canonically."""
    arg = _rational(arg)
    if arg.is_number:
        return arg, sp.S.Zero
    num, den = sp.fraction(arg)
    gens = sorted(arg.free_symbols, key=sp.default_sort_key)
    if not den.free_symbols:
        c0 = num.as_coeff_Add()[0] / den if num.is_Add else (num / den if num.is_number else 0)
        # exact as it stands: never approximated (an nsimplify here once merged
        # exp(1/3 + 1e-20 + a) with exp(1/3 + a))
        return (c0 if c0 else sp.S.Zero), _rational(arg - c0)
    try:
        q, _ = sp.div(num, den, *gens)
    except Exception:  # no split is always safe: it can only fail to prove
        return sp.S.Zero, arg
    q = sp.expand(q)
    c0 = q.as_coeff_Add()[0] if q.is_Add else (q if q.is_number else sp.S.Zero)
    return c0, _rational(arg - c0)


@lru_cache(maxsize=8192)
def _radical_split(base: sp.Expr, e: sp.Rational) -> tuple:
    """``base**e`` as (coefficient, ((base factor, exponent), ...)), splitting soundly.

    ``base = c * prod f_i**m_i / prod g_j**n_j`` (irreducible factors). A factor is split
    off only when it is provably positive (a positive constant, or ``is_positive`` from
    the symbols' assumptions): ``(P R)**e = P**e R**e`` needs ``P > 0``, nothing about R.
    Everything else stays together as one canonical base ``R`` (expanded numerator over
    expanded denominator), which is never split.
    """
    base = _rational(base)
    num, den = sp.fraction(base)
    coeff = sp.S.One
    parts = []
    rest_num, rest_den = sp.S.One, sp.S.One
    for part, sign in ((num, 1), (den, -1)):
        c, factors = (part, []) if part.is_number else sp.factor_list(part)
        if c.is_positive:
            coeff *= c ** (sign * e)
        elif sign == 1:
            rest_num *= c
        else:
            rest_den *= c
        for f, mult in factors:
            if f.is_positive:
                parts.append((f, sign * mult * e))
            elif sign == 1:
                rest_num *= f**mult
            else:
                rest_den *= f**mult
    rest = sp.expand(rest_num) / sp.expand(rest_den)
    if rest != 1:
        parts.append((rest, e))
    return coeff, tuple(parts)


def _radical_factors(base: sp.Expr, e: sp.Rational, coeff: list, rad: dict) -> None:
    c, parts = _radical_split(base, e)
    coeff.append(c)
    for f, ex in parts:
        rad[f] += ex


@lru_cache(maxsize=8192)
def _canon_arg(a: sp.Expr) -> sp.Expr:
    return _rational(sp.expand(a))


def _term_key(term: sp.Expr):
    coeff: list = []
    exp_arg = sp.S.Zero
    rad: dict = defaultdict(lambda: sp.S.Zero)
    funcs: dict = defaultdict(int)
    for f in sp.Mul.make_args(term):
        if isinstance(f, sp.exp):
            exp_arg += f.args[0]
        elif f.is_Pow and isinstance(f.base, sp.exp) and _exp_power_folds(f):
            exp_arg += f.base.args[0] * f.exp
        elif f.is_Pow and f.base is sp.E:
            exp_arg += f.exp
        elif f.is_Pow and f.exp.is_Rational and not f.exp.is_Integer and f.base.free_symbols:
            _radical_factors(f.base, f.exp, coeff, rad)
        elif isinstance(f, sp.Function) or (
            f.is_Pow and isinstance(f.base, sp.Function) and f.exp.is_Integer
        ):
            fn, n = (f.base, int(f.exp)) if f.is_Pow else (f, 1)
            args = tuple(_canon_arg(a) for a in fn.args)
            if isinstance(fn, sp.sin | sp.cos) and args[0].could_extract_minus_sign():
                args = (-args[0],)
                if isinstance(fn, sp.sin) and n % 2:
                    coeff.append(sp.S.NegativeOne)
            funcs[(fn.func, args)] += n
        else:
            coeff.append(f)
    c0, exp_rest = _split_constant(exp_arg) if exp_arg != 0 else (sp.S.Zero, sp.S.Zero)
    if c0 != 0:
        coeff.append(sp.exp(c0))
    rad_key = []
    for b, e in rad.items():
        fl = sp.floor(e)
        if fl != 0:
            coeff.append(b**fl)
        if e - fl != 0:
            rad_key.append((b, e - fl))
    key = (
        exp_rest,
        tuple(sorted(rad_key, key=sp.default_sort_key)),
        tuple(sorted(funcs.items(), key=lambda kv: (kv[0][0].__name__, str(kv[0][1]), kv[1]))),
    )
    return key, sp.Mul(*coeff)


def _exp_power_folds(f: sp.Pow) -> bool:
    """``exp(u)**e = exp(u e)``: true for integer e, and for real e when u is real; for a
    complex u the principal branch of the power differs (``sqrt(exp(2 pi i)) = 1``, not -1)."""
    return bool(f.exp.is_Integer) or (
        f.exp.is_extended_real is True and f.base.args[0].is_extended_real is True
    )


def _key_expr(key) -> sp.Expr:
    exp_rest, rads, funcs = key
    out = sp.exp(exp_rest)
    for b, e in rads:
        out *= sp.Pow(b, e, evaluate=False)
    for (fn, args), n in funcs:
        out *= fn(*args) ** n
    return out


def _terms(e: sp.Expr) -> list:
    """Distribute products over sums through Add/Mul/positive-integer Pow only.

    Unlike ``expand(deep=True)`` this never rewrites function arguments, and unlike
    ``expand(deep=False)`` it reaches sums nested inside products.
    """
    if e.is_Add:
        return [t for a in e.args for t in _terms(a)]
    if e.is_Mul:
        out = [sp.S.One]
        for f in e.args:
            fts = _terms(f)
            out = [a * b for a in out for b in fts] if len(fts) > 1 else [a * fts[0] for a in out]
        return out
    if e.is_Pow and e.exp.is_Integer and e.exp > 1 and e.base.is_Add:
        return _terms(sp.Mul(*([e.base] * int(e.exp)), evaluate=False))
    return [e]


def normal_form(expr: sp.Expr) -> dict:
    """Map ``expr`` to ``{transcendental key: cancelled rational coefficient}``.

    Zero coefficients are dropped, so ``expr`` is proved zero iff the dict is empty.
    """
    expr = sp.sympify(expr).replace(
        lambda e: isinstance(e, Phi) and e.args[0].could_extract_minus_sign(),
        lambda e: 1 - Phi(-e.args[0]),
    )  # Phi(-u) = 1 - Phi(u): one representative per argument pair
    groups: dict = defaultdict(list)
    for term in _terms(expr):
        check_deadline()
        key, c = _term_key(term)
        groups[key].append(c)
    out = {}
    for key, cs in groups.items():
        total = sp.together(sp.Add(*cs))
        num, den = sp.fraction(total)
        num = sp.expand(num)
        if num != 0:
            out[key] = _rational(num / den)
    return out


def _from_normal_form(nf: dict) -> sp.Expr:
    return sp.Add(*[c * _key_expr(k) for k, c in nf.items()])


# ---------------------------------------------------------------------------
# numeric evidence / witnesses


def default_sampler(symbols, fixed: dict | None = None) -> Sampler:
    """Random rational values within each symbol's declared domain.

    Positive symbols in [1/4, 2], non-negative ones in [0, 2], negative ones in
    [-2, -1/4], non-positive ones in [-2, 0], others in [-2, 2]. Covariance entries need
    an SPD point; proofs pass ``fixed`` values or their own sampler for them (see
    :func:`spd_sampler`).
    """
    symbols = sorted(symbols, key=sp.default_sort_key)

    def sample(rng: random.Random) -> dict:
        point = dict(fixed or {})
        for s in symbols:
            if s in point:
                continue
            if s.is_positive:
                lo, hi = 25, 200
            elif s.is_nonnegative:
                lo, hi = 0, 200
            elif s.is_negative:
                lo, hi = -200, -25
            elif s.is_nonpositive:
                lo, hi = -200, 0
            else:
                lo, hi = -200, 200
            point[s] = sp.Rational(rng.randint(lo, hi), 100)
        return point

    return sample


def is_spd(mat: sp.Matrix) -> bool:
    """Sylvester's criterion on a numeric matrix (exact for Rational entries)."""
    for k in range(1, mat.shape[0] + 1):
        minor = mat[:k, :k].det()
        if not (minor.is_number and bool(minor > 0)):
            return False
    return True


def spd_sampler(cov: sp.Matrix, others=(), base: Sampler | None = None) -> Sampler:
    """Sampler giving a random rational SPD value to a symbolic covariance matrix.

    ``cov = L L' + I/2`` with L lower triangular, small rational entries, written into the
    entries of ``cov`` that are plain symbols; a draw whose ``cov`` is not SPD (possible
    when some entries are fixed numbers or expressions) is drawn again.
    """
    d = cov.shape[0]
    base = base or default_sampler(others)

    def sample(rng: random.Random) -> dict:
        for _ in range(_MAX_DRAWS):
            point = base(rng)
            L = sp.Matrix(d, d, lambda i, j: sp.Rational(rng.randint(-10, 10), 10) if j <= i else 0)
            val = L * L.T + sp.eye(d) / 2
            for i in range(d):
                for j in range(i, d):
                    if isinstance(cov[i, j], sp.Symbol):
                        point[cov[i, j]] = val[i, j]
            if is_spd(cov.xreplace(point)):
                return point
        raise ValueError(f"no SPD value of {cov} found in {_MAX_DRAWS} random draws")

    return sample


_MAX_DRAWS = 50


def admissible_points(sampler: Sampler, n_points: int, seed: int) -> list[dict]:
    """``n_points`` draws of ``sampler`` that satisfy the proof's integrability conditions.

    The conditions are those noted so far in the active :mod:`~verify.symbolic.trace`
    (none outside a proof). A draw that violates one is drawn again, at most
    ``_MAX_DRAWS`` times per point; fewer points are returned when none is found.
    """
    trace = active()
    conditions = list(trace.conditions) if trace is not None else []
    rng = random.Random(seed)
    points = []
    for _ in range(n_points):
        for _ in range(_MAX_DRAWS):
            point = sampler(rng)
            if all(c.holds_at(point) for c in conditions):
                points.append(point)
                break
    return points


def _is_rational_function(expr: sp.Expr) -> bool:
    """No functions and only integer powers: a rational function of its symbols."""
    return not expr.atoms(sp.Function) and all(
        p.exp.is_Integer for p in expr.atoms(sp.Pow) if p.base.free_symbols
    )


def decide_zero(
    expr,
    *,
    sampler: Sampler | None = None,
    try_simplify: bool = True,
    canonicalise: bool = True,
    n_points: int = 4,
    dps: int = 50,
    seed: int = 0,
) -> Decision:
    """Decide ``expr == 0`` three-valuedly (see the module docstring).

    Parameters
    ----------
    expr : sympy.Expr
        The difference of the two sides.
    sampler : callable, optional
        ``sampler(random.Random) -> {symbol: Rational}``, admissible parameter points
        (e.g. SPD covariances). Default: :func:`default_sampler` on the free symbols.
    try_simplify : bool
        Try ``sympy.simplify`` when the normal form does not cancel.
    canonicalise : bool
        Set False to skip all symbolic canonicalisation (forces the numeric path;
        used to test the "undecided" branch).
    n_points, dps, seed :
        Witness search and numeric evidence: number of random points, decimal digits of
        the evidence, seed.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return Decision("proved", sp.S.Zero, "identically zero after derivation")
    sampler = sampler or default_sampler(expr.free_symbols)
    proof, residual = _canonical_decision(expr, try_simplify) if canonicalise else (None, expr)
    if proof is not None:
        return proof
    return _decide_at_points(expr, residual, sampler, n_points, dps, seed)


def _canonical_decision(expr: sp.Expr, try_simplify: bool) -> tuple[Decision | None, sp.Expr]:
    """A proof of ``expr == 0`` by canonicalisation (None if it does not cancel), and the
    residual it leaves."""
    if _is_rational_function(expr):
        # field operations only: zero iff the expanded numerator is
        if sp.expand(sp.numer(sp.together(expr))) == 0:
            proof = Decision("proved", sp.S.Zero, "rational function with zero expanded numerator")
            return proof, expr
    nf = normal_form(expr)
    if not nf:
        proof = Decision(
            "proved", sp.S.Zero, "normal form (grouped transcendental factors, cancelled)"
        )
        return proof, expr
    residual = _from_normal_form(nf)
    if try_simplify and sp.count_ops(residual) < 4000:
        simp = sp.simplify(residual)
        if simp == 0:
            proof = Decision("proved", sp.S.Zero, "sympy.simplify of the normal-form residual")
            return proof, residual
        residual = simp
    return None, residual


def _decide_at_points(
    expr: sp.Expr, residual: sp.Expr, sampler: Sampler, n_points: int, dps: int, seed: int
) -> Decision:
    """Disproved by a certified nonzero value at an admissible rational point, else
    undecided with the values found as numeric evidence."""
    rows = []
    for point in admissible_points(sampler, n_points, seed):
        check_deadline()
        exact_value = expr.xreplace(point)
        cert = certified_sign(exact_value)
        if cert is not None and cert.sign != 0:
            return Decision(
                "disproved",
                residual,
                "normal form did not cancel; certified nonzero value at a rational point "
                f"({cert.method})",
                witness={
                    "point": point,
                    "value": sp.N(exact_value, 30),
                    "certificate": {
                        "sign": cert.sign,
                        "lower": cert.lower,
                        "upper": cert.upper,
                        "method": cert.method,
                    },
                },
            )
        rows.append((point, sp.N(exact_value, dps)))
    tol = sp.Float(10) ** (-(dps // 2))
    evidence = {
        "label": "numeric evidence only, not a proof",
        "dps": dps,
        "tolerance": tol,
        "points": [{"point": p, "value": v} for p, v in rows],
    }
    return Decision(
        "undecided",
        residual,
        "canonicalisation could not decide, and no random rational point gave a value of "
        "certain sign",
        evidence=evidence,
    )


def decide_matrix(mat, **kwargs) -> Decision:
    """:func:`decide_zero` entrywise; the worst status wins (disproved > undecided)."""
    entries = list(sp.Matrix(mat)) if not isinstance(mat, list | tuple) else list(mat)
    decisions = []
    for e in entries:
        check_deadline()
        decisions.append(decide_zero(e, **kwargs))
    for status in ("disproved", "undecided"):
        for i, dec in enumerate(decisions):
            if dec.status == status:
                dec.notes.append(f"entry {i} of {len(entries)}")
                dec.residual = sp.Matrix([x.residual for x in decisions])
                return dec
    methods = sorted({d.method for d in decisions})
    return Decision("proved", sp.zeros(len(entries), 1), "; ".join(methods))

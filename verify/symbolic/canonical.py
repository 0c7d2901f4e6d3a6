"""Three-valued zero test: proved / disproved / undecided.

A difference ``D`` of two derived sides is brought to a normal form: it is
expanded into terms, and every term is split into

* a transcendental key: the exponent of its ``exp`` factors (a rational
  function, brought to ``p/q`` form with its additive numeric constant moved
  out), its radicals ``B**e`` with ``B`` split into irreducible factors and ``e``
  reduced to its fractional part, and its other function factors
  (``sin``, ``cos``, ``Phi``, ...) with canonical arguments;
* a coefficient that is a rational function of the symbols.

Terms with equal keys are summed and cancelled. If every coefficient cancels,
``D = 0`` is **proved**: the rewriting uses only field operations and
``exp(a) exp(b) = exp(a+b)``, ``B**e = prod f_i**(m_i e)`` for the factors of a
radicand (radicands in this package are determinants ``det(I + S A)`` and
``1 + w'S w``, positive under the stated assumptions).

Otherwise ``sympy.simplify`` is tried. If that also fails, ``D`` is evaluated at
random rational parameter points with SymPy's error-controlled ``evalf``:

* a value clearly away from zero is a witness: status **disproved**, with the
  non-cancelled residual and the witness point;
* values zero to the working precision give **undecided**, with the numbers
  attached and labelled as numeric evidence, never as a proof.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from ..deadline import check as check_deadline
from .special import Phi

__all__ = [
    "Decision",
    "decide_matrix",
    "decide_zero",
    "default_sampler",
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
        return sp.nsimplify(c0) if c0 else sp.S.Zero, _rational(arg - c0)
    try:
        q, _ = sp.div(num, den, *gens)
    except Exception:  # no split is always safe: it can only fail to prove
        return sp.S.Zero, arg
    q = sp.expand(q)
    c0 = q.as_coeff_Add()[0] if q.is_Add else (q if q.is_number else sp.S.Zero)
    return c0, _rational(arg - c0)


@lru_cache(maxsize=8192)
def _radical_split(base: sp.Expr, e: sp.Rational) -> tuple:
    """``base**e`` as (numeric/coefficient part, ((irreducible factor, exponent), ...))."""
    base = _rational(base)
    num, den = sp.fraction(base)
    coeff = sp.S.One
    parts = []
    for part, sign in ((num, 1), (den, -1)):
        if part.is_number:
            coeff *= part ** (sign * e)
            continue
        c, factors = sp.factor_list(part)
        coeff *= c ** (sign * e)
        parts.extend((f, sign * mult * e) for f, mult in factors)
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
        elif f.is_Pow and isinstance(f.base, sp.exp):
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
    """Random rational values: positive symbols in [1/4, 2], others in [-2, 2].

    Covariance entries need an SPD point; proofs pass ``fixed`` values or their own
    sampler for them (see :func:`spd_sampler`).
    """
    symbols = sorted(symbols, key=sp.default_sort_key)

    def sample(rng: random.Random) -> dict:
        point = dict(fixed or {})
        for s in symbols:
            if s in point:
                continue
            if s.is_positive:
                point[s] = sp.Rational(rng.randint(25, 200), 100)
            else:
                point[s] = sp.Rational(rng.randint(-200, 200), 100)
        return point

    return sample


def spd_sampler(cov: sp.Matrix, others=(), base: Sampler | None = None) -> Sampler:
    """Sampler giving a random rational SPD value to a symbolic covariance matrix.

    ``cov = L L' + I/2`` with L lower triangular, small rational entries.
    """
    d = cov.shape[0]
    base = base or default_sampler(others)

    def sample(rng: random.Random) -> dict:
        point = base(rng)
        L = sp.Matrix(d, d, lambda i, j: sp.Rational(rng.randint(-10, 10), 10) if j <= i else 0)
        val = L * L.T + sp.eye(d) / 2
        for i in range(d):
            for j in range(i, d):
                if isinstance(cov[i, j], sp.Symbol):
                    point[cov[i, j]] = val[i, j]
        return point

    return sample


def _numeric(expr, sampler: Sampler, n_points: int, dps: int, seed: int):
    rng = random.Random(seed)
    rows = []
    tol = sp.Float(10) ** (-(dps // 2))
    for _ in range(n_points):
        point = sampler(rng)
        val = sp.N(sp.sympify(expr).xreplace(point), dps)
        val_hi = sp.N(sp.sympify(expr).xreplace(point), 2 * dps)
        rows.append((point, val, val_hi))
    return rows, tol


def _radicals_consistent(expr, sampler: Sampler, seed: int) -> bool:
    """Guard for the one rewrite that needs a sign condition.

    Splitting ``B**e`` over the irreducible factors of B is valid when the
    factors are positive. When symbolic radicands are present, a proof by normal
    form is accepted only if the difference also vanishes (to 30 digits) at an
    admissible random point; otherwise the decision falls through to the other
    routes.
    """
    has_radical = any(
        p.exp.is_Rational and not p.exp.is_Integer and p.base.free_symbols
        for p in expr.atoms(sp.Pow)
    )
    if not has_radical:
        return True
    point = sampler(random.Random(seed + 7919))
    val = sp.N(expr.xreplace(point), 30)
    return bool(val.is_number and abs(val) < sp.Float(10) ** -20)


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
        Numeric evidence: number of random points, decimal digits, seed.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return Decision("proved", sp.S.Zero, "identically zero after derivation")
    residual = expr
    sampler = sampler or default_sampler(expr.free_symbols)
    if canonicalise:
        nf = normal_form(expr)
        if not nf and _radicals_consistent(expr, sampler, seed):
            return Decision(
                "proved", sp.S.Zero, "normal form (grouped transcendental factors, cancelled)"
            )
        residual = _from_normal_form(nf) if nf else expr
        if try_simplify and sp.count_ops(residual) < 4000:
            simp = sp.simplify(residual)
            if simp == 0:
                return Decision("proved", sp.S.Zero, "sympy.simplify of the normal-form residual")
            residual = simp
    rows, tol = _numeric(expr, sampler, n_points, dps, seed)
    for point, val, val_hi in rows:
        if abs(val) > tol and abs(val - val_hi) < tol * abs(val):
            return Decision(
                "disproved",
                residual,
                "normal form did not cancel; nonzero value at a rational point "
                f"(evalf at {dps} and {2 * dps} digits agree)",
                witness={"point": point, "value": val},
            )
    evidence = {
        "label": "numeric evidence only, not a proof",
        "dps": dps,
        "tolerance": tol,
        "points": [{"point": p, "value": v} for p, v, _ in rows],
    }
    return Decision(
        "undecided",
        residual,
        "canonicalisation could not decide; high-precision values at random rational "
        "points are zero to the working precision",
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

"""One admission step: what a user writes becomes what the engine may integrate.

Every public entry point of the symbolic layer (the expectation functions, every
``prove_*``) sends its input through :func:`admit` before any rewriting happens, so that a
verdict is about the function the user meant, whatever way of writing SymPy they chose:

* **strings** are parsed with the integration variables (and every other name) as *real*
  symbols;
* **integration variables** must be plain or real symbols (``Symbol('x')``,
  ``Symbol('x', real=True)``), and are used as real symbols. A variable declared with
  more (``positive=True``, ``integer=True``, ...) is refused: a Gaussian variable takes every
  real value, and SymPy may already have used the assumption to rewrite f when it was built
  (``Abs(x) -> x``, ``Heaviside(x) -> 1``, ``cos(2*pi*n) -> 1``), so the expression no longer
  says what the user wrote;
* **free symbols of f that share a name with an integration variable** are that variable
  (``Symbol('x1')`` in f and ``Symbol('x1', real=True)`` in ``xs`` are the same x1), or are
  refused with both spellings named when their assumptions truly differ;
* **parameters** (the other free symbols) written without assumptions are taken real (said in
  the admission notes and mapped back to the user's symbols in every returned value);
  parameters with real assumptions (``positive=True``, ...) keep them as their stated domain;
  complex or imaginary ones are refused;
* **numbers**: floats become the binary fractions they hold (:func:`~verify.symbolic.exact.
  exactify`), here and only here; complex numbers, infinities and NaN are refused;
* **forms outside the engine's classes** (``Piecewise``, ``Heaviside``, ``Max``, ``Abs``,
  relations, non-polynomial powers of x, ...) are refused with
  :class:`~verify.symbolic.errors.UnsupportedExpression` naming the sub-expression;
* **the law**: the mean must be a finite real vector of length d; the covariance a
  symmetric d x d matrix, positive definite when numeric (exact Sylvester test); a symbolic
  covariance is refused when a principal minor is provably non-positive for every admissible
  value of its parameters, or when no admissible value making it positive definite can be
  found, and accepted otherwise (its positive definiteness is then the stated assumption of
  every proof).

Refusals raise :class:`InadmissibleInput` (a ``ValueError``) with the problem and the fix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

from .errors import InadmissibleInput, UnsupportedExpression
from .exact import exactify
from .law import positive_definite, symmetric
from .params import symbolic_covariance, symbolic_mean
from .special import Phi

__all__ = [
    "Admission",
    "InadmissibleInput",
    "admit",
    "admitted_scope",
    "require_parameter",
    "within_proof",
]


#: Functions of x the engine integrates exactly; any other function of x is refused.
SUPPORTED_FUNCTIONS = (sp.exp, sp.sin, sp.cos, Phi, sp.erf)

_PLAIN_FACTS = {"commutative": True, "finite": True, "infinite": False}
_REAL_FACTS = sp.Symbol("x", real=True).assumptions0


@dataclass(frozen=True)
class Admission:
    """Admitted input: exact, real, and in the engine's classes.

    Attributes
    ----------
    exprs : tuple of sympy.Expr
        The admitted expressions, in the order given.
    xs : tuple of sympy.Symbol
        Real integration variables.
    mean : sympy.Matrix
        ``d x 1`` mean.
    cov : sympy.Matrix
        ``d x d`` symmetric covariance.
    notes : tuple of str
        What admission changed, in words (for a record's details).
    restore : dict
        Internal symbol -> the user's symbol, for parameters taken real.
    """

    exprs: tuple
    xs: tuple
    mean: sp.Matrix
    cov: sp.Matrix
    notes: tuple = ()
    restore: tuple = ()

    @property
    def d(self) -> int:
        """Dimension."""
        return len(self.xs)

    def back(self, value: Any) -> Any:
        """``value`` written in the user's own symbols again."""
        if not self.restore or not isinstance(value, sp.Basic | sp.MatrixBase):
            return value
        return value.xreplace(dict(self.restore))


def _is_plain(sym: sp.Symbol) -> bool:
    return all(_PLAIN_FACTS.get(k) == v for k, v in sym.assumptions0.items())


def _is_real_only(sym: sp.Symbol) -> bool:
    return sym.is_real is True and all(_REAL_FACTS.get(k) == v for k, v in sym.assumptions0.items())


def _spelling(sym: sp.Symbol) -> str:
    """How the symbol was declared (its own assumptions, not the deduced ones)."""
    declared = getattr(sym, "_assumptions_orig", None)  # SymPy >= 1.12 keeps them
    if declared is None:
        declared = {k: v for k, v in sym.assumptions0.items() if k in _DECLARABLE}
    shown = ", ".join(f"{k}={v}" for k, v in sorted(declared.items()) if k != "commutative")
    return f"Symbol({sym.name!r}, {shown})" if shown else f"Symbol({sym.name!r})"


_DECLARABLE = (
    "real",
    "positive",
    "negative",
    "nonnegative",
    "nonpositive",
    "nonzero",
    "zero",
    "integer",
    "rational",
    "even",
    "odd",
    "prime",
    "complex",
    "imaginary",
    "extended_real",
)


def _variables(xs: Any) -> tuple[tuple[sp.Symbol, ...], dict, list[str]]:
    """The integration variables as real symbols; a map from the user's symbols to them."""
    if isinstance(xs, str):
        xs = sp.symbols(xs, real=True)
    if isinstance(xs, sp.Symbol):
        xs = (xs,)
    try:
        xs = tuple(xs)
    except TypeError:
        raise InadmissibleInput(
            f"xs = {xs!r} is not a sequence of symbols: pass the integration variables, "
            "e.g. sympy.symbols('x1 x2', real=True)"
        ) from None
    if not xs:
        raise InadmissibleInput(
            "xs is empty (d = 0): a Gaussian N(mean, cov) needs at least one variable; pass "
            "the integration variables, e.g. sympy.symbols('x1 x2', real=True)"
        )
    out, mapping, notes = [], {}, []
    for x in xs:
        if isinstance(x, str):
            x = sp.Symbol(x, real=True)
        if not isinstance(x, sp.Symbol):
            raise InadmissibleInput(
                f"integration variable {x!r} is not a sympy Symbol: pass symbols, e.g. "
                "sympy.symbols('x1 x2', real=True)"
            )
        if _is_real_only(x):
            real = x
        elif _is_plain(x):
            real = sp.Symbol(x.name, real=True)
            notes.append(f"integration variable {x.name} written without assumptions: taken real")
        else:
            raise InadmissibleInput(
                f"integration variable {x.name} is declared {_spelling(x)}: a Gaussian "
                "variable takes every real value, and SymPy may already have used the extra "
                f"assumption to rewrite f (Abs({x.name}) -> {x.name}, Heaviside({x.name}) -> 1), "
                f"so f is no longer what was written. Declare it Symbol({x.name!r}, real=True) "
                "(or with no assumptions) and build f from that symbol"
            )
        mapping[x] = real
        out.append(real)
    names = [x.name for x in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InadmissibleInput(
            f"integration variables {xs} name {dup[0]!r} more than once: use distinct names"
        )
    return tuple(out), mapping, notes


def _parse(value: Any, xs: Sequence[sp.Symbol], what: str) -> sp.Expr:
    if isinstance(value, str):
        local = {x.name: x for x in xs}
        try:
            return parse_expr(value, local_dict=local)
        except Exception as exc:  # a parse failure is the user's input, said as such
            raise InadmissibleInput(f"{what} {value!r} could not be parsed: {exc}") from None
    try:
        return sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError):
        raise InadmissibleInput(
            f"{what} {value!r} is not a SymPy expression (or a string SymPy can parse)"
        ) from None


def _finite_real(value: sp.Basic, what: str) -> None:
    if value.has(sp.nan):
        raise InadmissibleInput(f"{what} contains NaN: pass finite real numbers")
    if value.has(sp.oo, sp.zoo):
        raise InadmissibleInput(f"{what} contains an infinity: pass finite real numbers")
    if value.has(sp.I) or any(n.is_real is False for n in value.atoms(sp.Number, sp.NumberSymbol)):
        raise InadmissibleInput(
            f"{what} contains a complex number: the engine's closed forms (the branch of "
            "det(.)^(-1/2), the characteristic function's conjugate pairs) hold for real "
            "input only; write real and imaginary parts as separate real expressions"
        )


def _supported(expr: sp.Expr, xs: Sequence[sp.Symbol]) -> None:
    """Refuse any sub-expression depending on x outside the engine's classes."""
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Basic) or not node.has(*xs):
            continue
        if node.is_Symbol or node.is_Add or node.is_Mul:
            continue
        if node.is_Pow:
            if node.exp.has(*xs):
                raise UnsupportedExpression(node, "x in an exponent (write exp(...) instead)")
            if not (node.exp.is_Integer and node.exp > 0):
                if isinstance(node.base, sp.exp) and node.exp.is_real:
                    continue  # exp(q)**r = exp(r q) for real q and r
                raise UnsupportedExpression(
                    node, "only positive integer powers of expressions in x are supported"
                )
            continue
        if isinstance(node, SUPPORTED_FUNCTIONS):
            continue
        why = "not a function the engine integrates exactly"
        if isinstance(node, sp.Piecewise | sp.Heaviside | sp.Max | sp.Min | sp.Abs | sp.sign):
            why = "a non-smooth or piecewise form (write a smooth surrogate, e.g. Phi(k x))"
        elif isinstance(node, sp.core.relational.Relational | sp.logic.boolalg.Boolean):
            why = "a relation or condition on x"
        raise UnsupportedExpression(node, why)


def _unify(values: list[sp.Basic], xs: tuple, xmap: dict) -> tuple[dict, dict, list[str]]:
    """Substitution for every free symbol: integration variables by name, parameters real."""
    by_name = {x.name: x for x in xs}
    free: set = set()
    for v in values:
        free |= v.free_symbols
    names: dict[str, list] = {}
    for s in free:
        names.setdefault(s.name, []).append(s)
    subs, restore, notes = dict(xmap), {}, []
    for name, syms in sorted(names.items()):
        if name in by_name:
            target = by_name[name]
            for s in syms:
                if s in xmap or s == target:
                    continue
                if _is_plain(s) or _is_real_only(s):
                    subs[s] = target
                    continue
                raise InadmissibleInput(
                    f"f uses {_spelling(s)} but the integration variable is {_spelling(target)}: "
                    "these are different symbols to SymPy, and the extra assumption may already "
                    "have rewritten f. Build f from the integration variables themselves"
                )
            continue
        syms = [s for s in syms if not isinstance(s, sp.Dummy)] or syms
        distinct = {s for s in syms if not isinstance(s, sp.Dummy)}
        if len(distinct) > 1:
            spelt = " and ".join(sorted(_spelling(s) for s in distinct))
            raise InadmissibleInput(
                f"two different symbols are both named {name!r}: {spelt}. SymPy treats them "
                "as unrelated parameters; use one symbol"
            )
        for s in syms:
            if s.is_real is True:
                continue
            if _is_plain(s):
                real = sp.Symbol(s.name, real=True)
                subs[s] = real
                restore[real] = s
                notes.append(f"parameter {s.name} written without assumptions: taken real")
                continue
            raise InadmissibleInput(
                f"parameter {_spelling(s)} is not real: the engine's closed forms hold for real "
                "parameters only; declare it real=True (or positive=True, ...)"
            )
    return subs, restore, notes


def _matrix(value: Any, shape: tuple[int, int], what: str, xs: tuple) -> sp.Matrix:
    try:
        if isinstance(value, str):
            value = _parse(value, xs, what)
        m = sp.Matrix(value)
    except (TypeError, ValueError, sp.SympifyError) as exc:
        if isinstance(exc, InadmissibleInput):
            raise
        raise InadmissibleInput(f"{what} {value!r} is not a matrix or vector: {exc}") from None
    if what == "mean" and m.shape == (1, shape[0]):
        m = m.T
    if m.shape != shape:
        d = shape[0]
        want = f"a length-{d} vector" if what == "mean" else f"a {d}x{d} matrix"
        raise InadmissibleInput(
            f"{what} has shape {m.shape} but there are {d} variables: pass {want}"
        )
    return m


def admit(
    exprs: Any,
    xs: Any,
    mean: Any = None,
    cov: Any = None,
    *,
    check_pd: bool = True,
) -> Admission:
    """Admit a user's expression(s), variables and Gaussian law (see the module docstring).

    Parameters
    ----------
    exprs : sympy.Expr, str or sequence of them
        The integrand(s) / function(s). A single expression gives a 1-tuple.
    xs : sequence of sympy.Symbol or str
        Integration variables.
    mean, cov : optional
        ``None`` means fully symbolic (:func:`~verify.symbolic.params.symbolic_mean`,
        :func:`~verify.symbolic.params.symbolic_covariance`).
    check_pd : bool
        Refuse a covariance that is not (or cannot be) positive definite.

    Returns
    -------
    Admission

    Raises
    ------
    InadmissibleInput
        Refused input, with what to change.
    UnsupportedExpression
        A sub-expression in x outside the engine's classes.
    """
    xs, xmap, notes = _variables(xs)
    d = len(xs)
    single = not isinstance(exprs, list | tuple)
    raw = [exprs] if single else list(exprs)
    parsed = [_parse(e, xs, "f") for e in raw]
    generated_cov = cov is None
    m = symbolic_mean(d) if mean is None else _matrix(mean, (d, 1), "mean", xs)
    c = symbolic_covariance(d) if cov is None else _matrix(cov, (d, d), "covariance", xs)
    for e in parsed:
        _finite_real(e, "f")
    _finite_real(m, "mean")
    _finite_real(c, "covariance")
    subs, restore, more = _unify([*parsed, m, c], xs, xmap)
    notes += more
    parsed = [exactify(e.xreplace(subs)) for e in parsed]
    m = exactify(m.xreplace(subs))
    c = exactify(c.xreplace(subs))
    if m.has(*xs) or c.has(*xs):
        raise InadmissibleInput(
            "the mean or covariance depends on an integration variable: they must be "
            "constants or parameters"
        )
    for e in parsed:
        _supported(e, xs)
    symmetric(c)
    if check_pd:
        notes += positive_definite(c, generated_cov)
    return Admission(tuple(parsed), xs, m, c, tuple(notes), tuple(restore.items()))


def require_parameter(value: Any, name: str, condition: str, statement: str) -> sp.Expr:
    """A statement's scalar parameter, refused when it provably violates the hypothesis.

    Parameters
    ----------
    value : number, str or sympy.Expr
        The parameter (numeric or symbolic).
    name : str
        Its name in messages (``"lam"``).
    condition : {"nonnegative", "positive"}
        The statement's hypothesis on it.
    statement : str
        The statement, for the message.

    Returns
    -------
    sympy.Expr
        The exact parameter (floats converted once, a plain symbol taken real).
    """
    v = _parse(value, (), name) if not isinstance(value, sp.Basic) else value
    _finite_real(v, name)
    if v.free_symbols:
        subs, _, _ = _unify([v], (), {})
        v = v.xreplace(subs)
    v = exactify(v)
    holds = getattr(v, f"is_{condition}")
    if holds is False:
        raise InadmissibleInput(
            f"{name} = {v} is outside the hypotheses of {statement}: it must be {condition} "
            f"({'>= 0' if condition == 'nonnegative' else '> 0'})"
        )
    return v


_IN_PROOF: ContextVar[bool] = ContextVar("verify_symbolic_admitted", default=False)


@contextlib.contextmanager
def admitted_scope() -> Iterator[None]:
    """Inside a proof whose harness admitted the user's input: the engine's public functions
    take the proof's own (already admitted) expressions as they are."""
    token = _IN_PROOF.set(True)
    try:
        yield
    finally:
        _IN_PROOF.reset(token)


def within_proof() -> bool:
    """True inside :func:`admitted_scope`."""
    return _IN_PROOF.get()

"""Rigorous sign of a closed-form real number: exact rationals, else interval arithmetic.

A "disproved" verdict needs a witness that cannot be an artefact of round-off. The value
of a difference at a rational point is a closed-form constant (rationals, ``pi``, ``E``,
radicals, ``exp``, ``log``, ``sin``, ``cos``, ``Phi``/``erf``). :func:`certified_sign`
returns its sign only when it is certain:

* a Rational is decided exactly;
* anything else is enclosed in an interval with :mod:`mpmath.iv` (outward rounding at
  every operation) at 30, 60 and then 120 digits; the sign is certified when the
  enclosure excludes 0. ``Phi`` and ``erf`` are monotone, so their enclosure is their
  value at the two endpoints, computed at twice the working precision and widened by
  ``2**-(prec - 8)`` relative (mpmath's erf is accurate to the working precision; the
  margin makes the enclosure safe by a factor of about 2**prec).

A value the evaluator cannot enclose (a complex intermediate, an unknown function) gives
``None``: not certified.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from .special import Phi

__all__ = ["CertifiedSign", "certified_sign", "enclose"]

_DIGITS = (30, 60, 120)


@dataclass(frozen=True)
class CertifiedSign:
    """A sign known for certain, with the enclosure that shows it."""

    sign: int
    lower: str
    upper: str
    method: str


class _NoEnclosure(Exception):
    pass


def _erf_interval(lo, hi, prec: int):
    iv = mpmath.iv
    with mpmath.workprec(2 * prec):  # every step here at twice the interval's precision
        a = mpmath.erf(mpmath.mpf(lo._mpi_[0]))
        b = mpmath.erf(mpmath.mpf(hi._mpi_[1]))
        slack = mpmath.mpf(2) ** (-(prec - 8))
        lower, upper = a - slack * (1 + abs(a)), b + slack * (1 + abs(b))
        return iv.mpf([lower, upper])


def _enclose(e: sp.Expr, prec: int):
    iv = mpmath.iv
    if e.is_Integer:
        return iv.mpf(int(e))
    if e.is_Rational:
        return iv.mpf(int(e.p)) / iv.mpf(int(e.q))
    if e.is_Float:  # the binary fraction it holds, enclosed with outward rounding
        q = sp.Rational(e)
        return iv.mpf(int(q.p)) / iv.mpf(int(q.q))
    if e is sp.pi:
        return iv.pi
    if e is sp.E:
        return iv.e
    if e.is_Add:
        out = iv.mpf(0)
        for a in e.args:
            out = out + _enclose(a, prec)
        return out
    if e.is_Mul:
        out = iv.mpf(1)
        for a in e.args:
            out = out * _enclose(a, prec)
        return out
    if e.is_Pow:
        base = _enclose(e.base, prec)
        if e.exp.is_Integer:
            n = int(e.exp)
            if n >= 0:
                return base**n
            if base.a > 0 or base.b < 0:
                return iv.mpf(1) / base ** (-n)
            raise _NoEnclosure("division by an interval containing 0")
        if base.a > 0:
            return iv.exp(_enclose(e.exp, prec) * iv.log(base))
        raise _NoEnclosure("non-integer power of a base not known positive")
    if isinstance(e, sp.exp):
        return iv.exp(_enclose(e.args[0], prec))
    if isinstance(e, sp.log):
        arg = _enclose(e.args[0], prec)
        if arg.a > 0:
            return iv.log(arg)
        raise _NoEnclosure("log of an interval not known positive")
    if isinstance(e, sp.sin):
        return iv.sin(_enclose(e.args[0], prec))
    if isinstance(e, sp.cos):
        return iv.cos(_enclose(e.args[0], prec))
    if isinstance(e, sp.Abs):
        return abs(_enclose(e.args[0], prec))
    if isinstance(e, sp.erf):
        arg = _enclose(e.args[0], prec)
        return _erf_interval(arg.a, arg.b, prec)
    if isinstance(e, Phi):
        arg = _enclose(e.args[0], prec) / iv.sqrt(iv.mpf(2))
        erf = _erf_interval(arg.a, arg.b, prec)
        return (iv.mpf(1) + erf) / 2
    raise _NoEnclosure(f"no interval rule for {type(e).__name__}")


def enclose(value: sp.Expr, digits: int = 30):
    """An mpmath interval containing the real constant ``value``, or None.

    Parameters
    ----------
    value : sympy.Expr
        A closed-form real constant (no free symbols).
    digits : int
        Working precision in decimal digits.
    """
    value = sp.sympify(value)
    if value.free_symbols or value.has(sp.I):
        return None
    iv = mpmath.iv
    saved = iv.prec
    try:
        iv.dps = digits
        return _enclose(value, iv.prec)
    except (_NoEnclosure, ValueError, ZeroDivisionError, mpmath.libmp.ComplexResult):
        return None
    finally:
        iv.prec = saved


def certified_sign(value: sp.Expr) -> CertifiedSign | None:
    """The sign of a real constant when it is certain; ``None`` otherwise.

    Examples
    --------
    >>> import sympy as sp
    >>> certified_sign(sp.exp(sp.Rational(-1, 2)) - sp.Rational(1, 2)).sign
    1
    >>> certified_sign(sp.Integer(0)).sign
    0
    """
    value = sp.sympify(value)
    if value.is_Rational:
        return CertifiedSign(int(sp.sign(value)), str(value), str(value), "exact rational")
    for digits in _DIGITS:
        box = enclose(value, digits)
        if box is None:
            return None
        if box.a > 0 or box.b < 0:
            # the ends at the enclosure's own precision: the printed digits never depend
            # on the caller's global mpmath precision
            with mpmath.workdps(digits):
                lower, upper = (mpmath.nstr(mpmath.mpf(end), 20) for end in box._mpi_)
            return CertifiedSign(
                1 if box.a > 0 else -1,
                lower,
                upper,
                f"interval arithmetic (mpmath.iv, {digits} digits)",
            )
    return None

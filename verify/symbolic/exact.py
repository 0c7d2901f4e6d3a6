"""Exact conversion of the floating-point numbers a user writes into SymPy input.

A Python float is a binary fraction: ``0.1`` is ``3602879701896397 / 2**55``, not
``1/10``. :func:`exactify` replaces every ``sympy.Float`` by exactly the binary fraction it
holds (``sympy.Rational(Float)``), so the engine works on the function the user wrote,
digit for digit, and a verdict never depends on round-off. ``sympy.nsimplify`` is *not*
used: it guesses a nearby "nice" number (``0.1 -> 1/10``, ``0.333333333333333 -> 1/3``),
which is a different function.

Examples
--------
>>> import sympy as sp
>>> exactify(sp.Float(0.5) * sp.Symbol("x"))
x/2
>>> exactify(sp.Float(0.1)) == sp.Rational(3602879701896397, 2**55)
True
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = ["exactify"]


def exactify(value: Any) -> Any:
    """``value`` with every Float replaced by the exact rational it represents.

    Parameters
    ----------
    value : sympy.Basic, sympy.Matrix, number or nested sequence
        Anything ``sympy.sympify`` accepts.

    Returns
    -------
    Same kind as ``value``
        Unchanged when it holds no Float.
    """
    if isinstance(value, sp.MatrixBase):
        return value.applyfunc(exactify)
    value = sp.sympify(value)
    if not isinstance(value, sp.Basic) or not value.has(sp.Float):
        return value
    return value.xreplace({f: sp.Rational(f) for f in value.atoms(sp.Float)})

"""The one place where exact results become floating-point functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from .special import phi_to_erf

__all__ = ["to_numeric"]


def to_numeric(expr, args: Sequence[sp.Symbol], modules: str | list = "scipy") -> Callable:
    """Lambdify an exact expression (or Matrix) once, with common subexpressions shared.

    ``Phi`` is rewritten through ``erf`` first so that SciPy / mpmath can evaluate it.

    Parameters
    ----------
    expr : sympy.Expr or sympy.Matrix
    args : sequence of sympy.Symbol
        Positional arguments of the returned function.
    modules : str or list
        ``"scipy"`` (default, float64 with scipy.special.erf) or ``"mpmath"`` for
        arbitrary precision.

    Returns
    -------
    callable
    """
    expr = phi_to_erf(expr) if not isinstance(expr, sp.MatrixBase) else expr.applyfunc(phi_to_erf)
    mods = ["scipy", "numpy"] if modules == "scipy" else modules
    return sp.lambdify(list(args), expr, modules=mods, cse=_cse)


def _cse(expr):
    # Names of their own for the shared subexpressions: SymPy 1.12's default x0, x1, ...
    # overwrite arguments named x1, x2 (``x1 = x1 - 1`` in the generated code).
    return sp.cse(expr, symbols=sp.numbered_symbols("_cse_"), list=False)

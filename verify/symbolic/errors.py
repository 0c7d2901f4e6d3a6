"""Exceptions raised by the symbolic engine."""

from __future__ import annotations

import sympy as sp

from ..deadline import DeadlineExceeded

__all__ = ["ProofTimeout", "UnsupportedExpression"]

SUPPORTED_CLASSES = (
    "polynomials in x; exp of a polynomial of degree <= 2 in x (times a polynomial); "
    "sin/cos of affine forms in x (times the above); Phi(affine form) (or erf) times a "
    "polynomial of degree <= 1 and optionally exp of a quadratic"
)


class UnsupportedExpression(ValueError):
    """The expectation of this expression is outside the engine's exact classes.

    Parameters
    ----------
    subexpr : sympy.Expr
        The offending sub-expression (kept on ``.subexpr``).
    why : str
        What is wrong with it.
    """

    def __init__(self, subexpr: sp.Basic, why: str = "") -> None:
        self.subexpr = subexpr
        self.why = why
        msg = f"cannot take the exact Gaussian expectation of sub-expression `{subexpr}`"
        if why:
            msg += f": {why}"
        msg += f". Supported classes: {SUPPORTED_CLASSES}."
        super().__init__(msg)


#: Raised inside a derivation when its time budget is spent: the suite's one deadline
#: exception (a ``BaseException``, so SymPy's ``except Exception`` blocks cannot swallow it).
ProofTimeout = DeadlineExceeded

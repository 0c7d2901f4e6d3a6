"""Exceptions raised by the symbolic engine."""

from __future__ import annotations

import sympy as sp

from ..deadline import DeadlineExceeded

__all__ = [
    "InadmissibleInput",
    "IntegrabilityWarning",
    "NotIntegrable",
    "ProofTimeout",
    "UnsupportedExpression",
]

SUPPORTED_CLASSES = (
    "polynomials in x; exp of a polynomial of degree <= 2 in x (times a polynomial); "
    "sin/cos of affine forms in x (times the above); Phi(affine form) (or erf) times a "
    "polynomial of degree <= 1 and optionally exp of a quadratic"
)


class InadmissibleInput(ValueError):
    """Input the symbolic engine refuses to reason about (see :mod:`verify.symbolic.admission`),
    with what to change."""


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


class NotIntegrable(ValueError):
    """A Gaussian expectation that diverges: ``exp(-x'Ax/2 + ...)`` with ``cov^-1 + A`` not PD.

    Parameters
    ----------
    A, cov : sympy.Matrix
        The quadratic part of the exponent (written ``-x'Ax/2``) and the covariance.
    k : int
        Size of the minor of ``cov + cov A cov`` that is not positive.
    minor : sympy.Expr
        Its value.
    rows : tuple of int, optional
        The rows of that principal minor (default: the leading ``k``).
    """

    def __init__(
        self, A: sp.Matrix, cov: sp.Matrix, k: int, minor: sp.Expr, rows: tuple | None = None
    ) -> None:
        self.A, self.cov, self.k, self.minor = A, cov, k, minor
        rows = tuple(range(k)) if rows is None else tuple(rows)
        self.rows = rows
        which = f"leading {k}x{k} minor" if rows == tuple(range(k)) else f"minor on rows {rows}"
        every = (
            " for every admissible value of the parameters"
            if sp.sympify(minor).free_symbols
            else ""
        )
        super().__init__(
            "the Gaussian expectation diverges: a factor exp(-x'Ax/2 + ...) with "
            f"A = {sp.sstr(A.tolist())} is integrable against N(mean, cov) only when "
            "cov^-1 + A is positive definite, but cov + cov A cov (same condition, no "
            f"inverse) has {which} {minor} <= 0{every} for cov = "
            f"{sp.sstr(cov.tolist())}. The integral is infinite; make the exponent's "
            "quadratic part negative enough (e.g. exp(-x**2) rather than exp(x**2)) or use "
            "a smaller covariance."
        )


class IntegrabilityWarning(UserWarning):
    """An expectation was computed under an integrability condition nobody collected.

    Raised as a warning by :func:`verify.symbolic.gaussian_expectation` outside a proof
    (inside one, the condition goes into the record's assumptions instead).
    """

"""The standard normal cdf as a SymPy function, and its density.

SymPy has no dedicated probit function: ``erf`` carries a factor ``sqrt(2)`` in
every argument, which makes the closed forms of docs/math.md#ridge-functions hard to read. The
class :class:`Phi` keeps ``Phi(u)`` as one node, differentiates to the density
``exp(-u**2/2)/sqrt(2*pi)`` (an exponential of a quadratic, which the engine
integrates), and rewrites to ``erf`` for numeric evaluation.

Examples
--------
>>> import sympy as sp
>>> u = sp.Symbol("u")
>>> sp.diff(Phi(u), u)
sqrt(2)*exp(-u**2/2)/(2*sqrt(pi))
>>> Phi(0)
1/2
"""

from __future__ import annotations

import sympy as sp

__all__ = ["Phi", "erf_to_phi", "phi", "phi_to_erf"]


def phi(u: sp.Expr) -> sp.Expr:
    """Standard normal density ``exp(-u**2/2)/sqrt(2*pi)`` as a plain expression.

    Parameters
    ----------
    u : sympy.Expr
        Argument.

    Returns
    -------
    sympy.Expr
        ``exp(-u**2/2)/sqrt(2*pi)``.
    """
    return sp.exp(-(sp.sympify(u) ** 2) / 2) / sp.sqrt(2 * sp.pi)


class Phi(sp.Function):
    """Standard normal cumulative distribution function ``Phi(u) = P(U <= u)``.

    ``Phi(u) = (1 + erf(u/sqrt(2)))/2``. Exact at 0 and at the infinities;
    otherwise left unevaluated so closed forms stay readable.
    """

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u is sp.S.Zero:
            return sp.S.Half
        if u is sp.S.Infinity:
            return sp.S.One
        if u is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return phi(self.args[0])

    def _eval_rewrite_as_erf(self, u, **kwargs):
        return (1 + sp.erf(u / sp.sqrt(2))) / 2

    def _eval_evalf(self, prec):
        return self.rewrite(sp.erf)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_extended_real

    def _eval_is_positive(self):
        if self.args[0].is_extended_real:
            return True
        return None

    def _latex(self, printer):
        return rf"\Phi\left({printer._print(self.args[0])}\right)"


def erf_to_phi(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``erf`` and ``erfc`` nodes through :class:`Phi`.

    ``erf(u) = 2*Phi(sqrt(2)*u) - 1`` and ``erfc(u) = 2*Phi(-sqrt(2)*u)``.
    """
    expr = sp.sympify(expr)
    expr = expr.replace(sp.erf, lambda u: 2 * Phi(sp.sqrt(2) * u) - 1)
    return expr.replace(sp.erfc, lambda u: 2 * Phi(-sp.sqrt(2) * u))


def phi_to_erf(expr: sp.Expr) -> sp.Expr:
    """Rewrite every :class:`Phi` node through ``erf`` (for numeric back ends)."""
    return sp.sympify(expr).replace(Phi, lambda u: (1 + sp.erf(u / sp.sqrt(2))) / 2)

"""Fast exact proofs for the generic polynomial class.

The class is ``f(x) = sum_{|alpha| <= k} c_alpha x^alpha`` in ``d`` variables
with every coefficient ``c_alpha`` a free symbol, under x ~ N(mu, S) with a
fully symbolic mean and symmetric covariance.

Why one monomial at a time is a proof for the whole class
---------------------------------------------------------
Every quantity in Theorem 1 is linear in f: ``E[grad f]``, ``Cov(x, f)``, and the
residuals of the normal equations at ``w = E[grad f]``, ``w0 = E f - w'mu``. So
each difference D(f) equals ``sum_alpha c_alpha D(x^alpha)`` with ``D(x^alpha)``
a polynomial in (mu, S) alone. Since the ``c_alpha`` are independent symbols,
the canonical (expanded) form of D(f) is zero **iff** every ``D(x^alpha)`` is
zero: checking the monomial basis *is* expanding the generic difference, just
without multiplying 252 symbols through. Nothing is sampled.

How each side is derived
------------------------
* SmoothGrad side: differentiate first, ``d/dx_j x^alpha = alpha_j x^(alpha-e_j)``,
  then take the expectation with the MGF/Isserlis moments of
  :mod:`verify.symbolic.moments` (which do not use Stein's identity).
* Stein side, multiplied through by S (invertible by assumption, so no symbolic
  inverse of a 5x5 matrix is formed): ``Cov(x_i, f) = E[x_i f] - mu_i E f`` must
  equal ``(S E[grad f])_i``.
* C-LIME side: the population normal equations with intercept,
  ``E[x f] - E[x x'] w - mu w0 = 0`` and ``E f - w'mu - w0 = 0``, must hold at
  ``w = E[grad f]``, ``w0 = E f - w'mu``; with S invertible their solution is
  unique, so this identifies C-LIME. ``E[x x']`` is itself taken from the moment
  table, not assumed to be ``S + mu mu'``.
"""

from __future__ import annotations

import itertools
import operator
import time
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..deadline import check as check_deadline
from .errors import InadmissibleInput
from .moments import MomentTable, padd, pmul, pmul_monom
from .trace import active

__all__ = [
    "GenericResult",
    "check_generic_polynomial",
    "check_monomials",
    "monomial_exponents",
    "polynomial_part",
]


def require_class_size(d: Any, k: Any) -> None:
    """Refuse a generic class (d, k) that is not d >= 1 variables of degree k >= 0."""
    for name, value, low in (("d", d, 1), ("k", k, 0)):
        try:
            ok = not isinstance(value, bool) and operator.index(value) >= low
        except TypeError:
            ok = False
        if not ok:
            raise InadmissibleInput(
                f"{name} = {value!r}: a generic polynomial class needs an integer {name} >= {low}"
                " (d variables, degree k); an empty class would make the proof vacuous"
            )


def monomial_exponents(d: int, k: int) -> list[tuple[int, ...]]:
    """All exponent tuples of total degree <= k in d variables (graded order).

    Raises
    ------
    InadmissibleInput
        ``d`` not an integer >= 1 or ``k`` not an integer >= 0 (a class with no variables
        or a negative degree is empty: nothing would be proved).
    """
    require_class_size(d, k)
    out = []
    for deg in range(k + 1):
        for combo in itertools.combinations_with_replacement(range(d), deg):
            alpha = [0] * d
            for i in combo:
                alpha[i] += 1
            out.append(tuple(alpha))
    return out


@dataclass
class GenericResult:
    """Outcome of :func:`check_generic_polynomial`.

    ``failures`` lists ``(alpha, side, i, nonzero packed residual)`` for any
    monomial whose difference did not cancel (empty when proved).
    """

    d: int
    k: int
    n_coefficients: int
    n_identities: int
    n_moments: int
    n_terms: int
    failures: list
    elapsed: float

    @property
    def proved(self) -> bool:
        return not self.failures


def _e(d: int, i: int) -> tuple[int, ...]:
    return tuple(1 if j == i else 0 for j in range(d))


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _sub(a, b):
    return tuple(x - y for x, y in zip(a, b, strict=True))


def check_generic_polynomial(d: int, k: int, *, table: MomentTable | None = None) -> GenericResult:
    """Check Theorem 1 (or Lemma 6's normal equations) for the generic class (d, k).

    Parameters
    ----------
    d, k : int
        Dimension and maximal total degree.
    table : MomentTable, optional
        Moment cache to use (default: a fresh one, so timings include moments).

    Returns
    -------
    GenericResult
    """
    res = check_monomials(d, monomial_exponents(d, k), table=table)
    res.k = k
    return res


def _monomial_identities(
    T: MomentTable, d: int, alpha: tuple[int, ...], es: list, second: list
) -> tuple[list, int]:
    """The 2d + 1 identities of one monomial x^alpha (see :func:`check_monomials`).

    Returns the failures (alpha, kind, index, nonzero residual) and the number of terms of
    the moments E[x_i x^alpha] read.
    """
    failures = []
    n_terms = 0
    ef = T.raw(alpha)
    # SmoothGrad side: differentiate, then expect
    sg = []
    for j in range(d):
        if alpha[j]:
            sg.append({key: alpha[j] * v for key, v in T.raw(_sub(alpha, es[j])).items()})
        else:
            sg.append({})
    # intercept from its own normal equation: w0 = E f - w'mu
    w0 = dict(ef)
    for j in range(d):
        w0 = padd(w0, pmul_monom(sg[j], T.mu_key(j)), -1)
    for i in range(d):
        exf = T.raw(_add(alpha, es[i]))
        n_terms += len(exf)
        # Stein side times S: Cov(x_i, f) - (S E[grad f])_i
        cov_i = padd(exf, pmul_monom(ef, T.mu_key(i)), -1)
        stein = cov_i
        for j in range(d):
            if sg[j]:
                stein = padd(stein, pmul_monom(sg[j], T.s_key(i, j)), -1)
        if stein:
            failures.append((alpha, "stein", i, stein))
        # C-LIME normal equation i: E[x_i f] - sum_j E[x_i x_j] w_j - mu_i w0
        ne = padd(exf, pmul_monom(w0, T.mu_key(i)), -1)
        for j in range(d):
            if sg[j]:
                ne = padd(ne, pmul(second[i][j], sg[j]), -1)
        if ne:
            failures.append((alpha, "clime", i, ne))
    # intercept equation: E f - w'mu - w0 (zero by construction of w0; checked anyway)
    inter = padd(ef, w0, -1)
    for j in range(d):
        inter = padd(inter, pmul_monom(sg[j], T.mu_key(j)), -1)
    if inter:
        failures.append((alpha, "intercept", -1, inter))
    return failures, n_terms


def check_monomials(d: int, alphas, *, table: MomentTable | None = None) -> GenericResult:
    """Theorem 1's identities for each monomial ``x^alpha`` of ``alphas``, generically.

    For every alpha the Stein identity ``Cov(x, x^alpha) = S E[grad x^alpha]``, the C-LIME
    normal equations at ``w = E[grad x^alpha]`` and the intercept equation are checked as
    polynomial identities in the generic parameters (mu, S). An identity of polynomials in
    the generic parameters holds for every specialisation of them (any numeric or symbolic
    mean and covariance), and Theorem 1 is linear in f, so the identities for the monomials
    of a polynomial give the theorem for that polynomial with any coefficients free of x.

    Parameters
    ----------
    d : int
        Dimension.
    alphas : iterable of tuple of int
        Exponent tuples.
    table : MomentTable, optional
        Moment cache (default: a fresh one).

    Returns
    -------
    GenericResult
        With ``k`` the largest total degree among ``alphas``.
    """
    alphas = list(alphas)
    t0 = time.perf_counter()
    T = table if table is not None else MomentTable(d)
    trace = active()
    if trace is not None:
        trace.add_table(T)  # its moments are corroborated after the proof
    es = [_e(d, i) for i in range(d)]
    # second moments E[x_i x_j] from the table (not assumed)
    second = [[T.raw(_add(es[i], es[j])) for j in range(d)] for i in range(d)]
    failures: list = []
    n_ident = 0
    n_terms = 0
    for alpha in alphas:
        check_deadline()  # cooperative: one clock read per monomial
        found, terms = _monomial_identities(T, d, alpha, es, second)
        failures += found
        n_terms += terms
        n_ident += 2 * d + 1
    return GenericResult(
        d=d,
        k=max((sum(a) for a in alphas), default=0),
        n_coefficients=len(alphas),
        n_identities=n_ident,
        n_moments=T.size,
        n_terms=n_terms,
        failures=failures,
        elapsed=time.perf_counter() - t0,
    )


def polynomial_part(expr: sp.Expr, xs) -> tuple[dict, sp.Expr]:
    """Split ``expr`` into its polynomial part in ``xs`` and the rest.

    Returns
    -------
    (dict, sympy.Expr)
        ``{alpha: coefficient}`` (coefficients free of x, summed per monomial) and the sum
        of the terms that are not polynomial in x (``0`` when there are none).
    """
    xs = tuple(xs)
    coeffs: dict = {}
    rest = []
    for term in sp.Add.make_args(sp.expand(expr, power_exp=False, log=False)):
        if not term.has(*xs):
            alpha = (0,) * len(xs)
            coeffs[alpha] = coeffs.get(alpha, sp.S.Zero) + term
            continue
        coeff, xpart = term.as_independent(*xs, as_Add=False)
        powers = xpart.as_powers_dict()
        if all(b in xs and getattr(e, "is_Integer", False) and e > 0 for b, e in powers.items()):
            alpha = tuple(int(powers.get(x, 0)) for x in xs)
            coeffs[alpha] = coeffs.get(alpha, sp.S.Zero) + coeff
        else:
            rest.append(term)
    coeffs = {a: c for a, c in coeffs.items() if c != 0}
    return coeffs, sp.Add(*rest)

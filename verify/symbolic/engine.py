"""Exact Gaussian expectations ``E[expr(x)]`` for x ~ N(mean, cov).

Supported classes (sums of such terms), all with symbolic parameters allowed:

* polynomials ``P(x)``: MGF/Isserlis moments (:mod:`verify.symbolic.moments`);
* ``P(x) exp(c + b'x - x'A x/2)``: Gaussian product (completing the square).
  With ``g = b - A mu``, ``M = I + A S``,
  ``E[exp(...)] = det(M)^(-1/2) exp(c + b'mu - mu'A mu/2 + g'S M^-1 g/2)`` and the
  tilted law is ``N(mu + S M^-1 g, S M^-1)``; the polynomial factor is then a
  moment of the tilted law;
* products of ``sin``/``cos`` of affine forms with the above: characteristic
  function ``E[exp(i t'x)] = exp(i t'mu - t'S t/2)`` (a complex tilt), carried out
  with a formal unit ``iota`` (``iota**2 = -1``) so that no complex assumptions
  on user symbols are needed;
* ``Phi(a'x + c)`` (or ``erf``) times a polynomial of degree <= 1, optionally
  times ``exp`` of a quadratic. With ``s = a'x + c ~ N(m, v)``, ``r = sqrt(1 + v)``:
  ``E Phi(s) = Phi(m/r)`` (``Phi(s) = P(U <= s)``, U ~ N(0,1) independent) and
  ``E[x Phi(s)] = mu Phi(m/r) + S a phi(m/r)/r`` (Gaussian conditioning on s and
  the truncated-normal mean ``E[(s-m) 1{s-U >= 0}] = v phi(m/r)/r``).

Anything else raises :class:`UnsupportedExpression` naming the sub-expression. An
exponential of a quadratic is integrated only where the integral is finite (``cov^-1 + A``
positive definite, :mod:`verify.symbolic.integrability`): a numeric divergent case raises
:class:`~verify.symbolic.errors.NotIntegrable`, an open symbolic one becomes an assumption
of the proof in progress. All arithmetic is exact; floats in the input are converted to the
binary fractions they hold (:func:`~verify.symbolic.exact.exactify`). Inside a proof
(:func:`verify.symbolic.trace.tracing`) every expectation taken is noted for the
independent second route of :mod:`verify.symbolic.corroborate`.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import product

import sympy as sp

from ..deadline import check as check_deadline
from .admission import admit, within_proof
from .errors import UnsupportedExpression
from .exact import exactify
from .integrability import settle
from .moments import moment_table
from .params import as_covariance, as_mean, as_variables
from .special import Phi, erf_to_phi, phi
from .trace import Expectation, active

__all__ = [
    "covariance_vector",
    "expected_gradient",
    "gaussian_expectation",
    "second_moment_matrix",
    "stein_side",
]

_IOTA = sp.Dummy("iota", real=True)  # formal imaginary unit, reduced with iota**2 = -1


def _prepare(exprs, xs, mean, cov):
    """Admitted input (:mod:`verify.symbolic.admission`) and the map back to the user's symbols.

    Inside a proof, whose harness admitted the user's input once, the proof's own
    expressions are used as they are (only shapes are converted).
    """
    if within_proof():
        xs = as_variables(xs)
        d = len(xs)
        exprs = [exactify(e) for e in exprs]
        return exprs, xs, as_mean(mean, d), as_covariance(cov, d), lambda v: v
    adm = admit(list(exprs), xs, mean, cov)
    return list(adm.exprs), adm.xs, adm.mean, adm.cov, adm.back


def gaussian_expectation(expr, xs, mean=None, cov=None) -> sp.Expr:
    """Exact ``E[expr(x)]`` for x ~ N(mean, cov).

    Parameters
    ----------
    expr : sympy.Expr
        Integrand in the variables ``xs`` (see the module docstring for classes).
    xs : sequence of sympy.Symbol
        Integration variables x_1..x_d.
    mean : sequence or sympy.Matrix, optional
        Mean vector; ``None`` means fully symbolic ``mu_1..mu_d``.
    cov : sympy.Matrix, optional
        Symmetric covariance; ``None`` means fully symbolic ``s_ij``.

    Returns
    -------
    sympy.Expr
        The exact expectation (not simplified beyond what the derivation gives).

    Raises
    ------
    UnsupportedExpression
        A sub-expression is outside the supported classes.
    ValueError
        Bad shapes, non-symmetric or (numerically) non-positive-definite cov.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> gaussian_expectation(x**4, [x], [0], [[1]])
    3
    >>> gaussian_expectation(sp.exp(x), [x], [0], [[2]])
    E
    """
    (expr,), xs, m, S, back = _prepare([expr], xs, mean, cov)
    return back(_expect(expr, xs, m, S))


def expected_gradient(expr, xs, mean=None, cov=None) -> sp.Matrix:
    """SmoothGrad side: ``E[grad expr(x)]`` (differentiate first, then expect).

    Returns
    -------
    sympy.Matrix
        Column vector of length d.
    """
    (expr,), xs, m, S, back = _prepare([expr], xs, mean, cov)
    return back(sp.Matrix([_expect(sp.diff(expr, x), xs, m, S) for x in xs]))


def covariance_vector(expr, xs, mean=None, cov=None) -> sp.Matrix:
    """``Cov(x, expr(x)) = E[x expr] - mean E[expr]`` as a column vector."""
    (expr,), xs, m, S, back = _prepare([expr], xs, mean, cov)
    return back(_covariance_vector(expr, xs, m, S))


def _covariance_vector(expr, xs, m, S) -> sp.Matrix:
    ef = _expect(expr, xs, m, S)
    return sp.Matrix([_expect(x * expr, xs, m, S) - m[i] * ef for i, x in enumerate(xs)])


def stein_side(expr, xs, mean=None, cov=None) -> sp.Matrix:
    """C-LIME / Stein side: ``cov^{-1} Cov(x, expr(x))``.

    The inverse is formed explicitly (cheap for Rational covariances; for a fully
    symbolic covariance it grows quickly with d, which is why the proofs multiply
    through by the covariance instead).
    """
    (expr,), xs, m, S, back = _prepare([expr], xs, mean, cov)
    return back(S.inv() * _covariance_vector(expr, xs, m, S))


def second_moment_matrix(xs, mean=None, cov=None) -> sp.Matrix:
    """``E[x x']`` from the moment engine (not assumed to be ``cov + mean mean'``)."""
    _, xs, m, S, back = _prepare([], xs, mean, cov)
    d = len(xs)
    return back(sp.Matrix(d, d, lambda i, j: _expect(xs[i] * xs[j], xs, m, S)))


# ---------------------------------------------------------------------------
# decomposition of the integrand


def _poly_degree(expr, xs):
    try:
        return sp.Poly(expr, *xs).total_degree()
    except sp.PolynomialError:
        return None


def _freeze(expr, xs, table: dict):
    """Replace maximal x-free composite sub-expressions by Dummy symbols.

    Expansion then never multiplies out parameters (e.g. a coefficient that is
    itself a large closed form); the Dummies are substituted back at the end.
    """
    if not expr.has(*xs):
        if expr.is_Atom:
            return expr
        dummy = table.get(expr)
        if dummy is None:
            dummy = table[expr] = sp.Dummy("k", real=bool(expr.is_extended_real))
        return dummy
    if expr.is_Atom:
        return expr
    return expr.func(*[_freeze(a, xs, table) for a in expr.args])


def _expect(expr, xs, mean, cov) -> sp.Expr:
    integrand = expr
    expr = erf_to_phi(expr)
    if not expr.has(*xs):
        return expr
    frozen: dict = {}
    expr = _freeze(expr, xs, frozen)
    back = {v: k for k, v in frozen.items()}
    value = _expect_frozen(expr, xs, mean, cov, back).xreplace(back)
    trace = active()
    if trace is not None:
        trace.expectations.append(Expectation(integrand, tuple(xs), mean, cov, value))
    return value


def _expect_frozen(expr, xs, mean, cov, back: dict) -> sp.Expr:
    if expr.is_polynomial(*xs):
        return _poly_moment(expr, xs, mean, cov)
    groups = _decompose(expr, xs)
    total = []
    for (qarg, trigs, probit), parts in groups.items():
        check_deadline()
        total.append(_expect_group(sp.Add(*parts), qarg, trigs, probit, xs, mean, cov, back))
    return sp.Add(*total)


def _decompose(expr, xs):
    """Split into groups {(exp arg, trig factors, probit arg): [polynomial parts]}."""
    expanded = sp.expand(expr, power_exp=False, log=False, power_base=False)
    groups = defaultdict(list)
    for term in sp.Add.make_args(expanded):
        poly_part = []
        qarg = sp.S.Zero
        trigs = []
        probits = []
        for f in sp.Mul.make_args(term):
            if not f.has(*xs):
                poly_part.append(f)
                continue
            base, n = (f.base, f.exp) if f.is_Pow else (f, sp.S.One)
            if base in xs or (base.is_polynomial(*xs) and not base.is_Function):
                if n.is_Integer and n > 0 and base.is_polynomial(*xs):
                    poly_part.append(f)
                    continue
                raise UnsupportedExpression(
                    f, "only non-negative integer powers of x are supported"
                )
            if isinstance(base, sp.exp):
                qarg += base.args[0] * n
                continue
            if not (n.is_Integer and n > 0):
                raise UnsupportedExpression(f, "non-integer or negative power of a function of x")
            if isinstance(base, sp.sin | sp.cos):
                trigs.extend([base] * int(n))
                continue
            if isinstance(base, Phi):
                probits.extend([base.args[0]] * int(n))
                continue
            raise UnsupportedExpression(f, "unknown function of x")
        qarg = sp.expand(qarg)
        deg = _poly_degree(qarg, xs)
        if deg is None or deg > 2:
            raise UnsupportedExpression(
                sp.exp(qarg), "the exponent must be a polynomial of degree <= 2 in x"
            )
        for t in trigs:
            if _poly_degree(t.args[0], xs) not in (0, 1):
                raise UnsupportedExpression(t, "sin/cos need an affine argument in x")
        if len(probits) > 1:
            raise UnsupportedExpression(
                sp.Mul(*[Phi(a) for a in probits]), "at most one Phi factor per term"
            )
        probit = None
        if probits:
            probit = sp.expand(probits[0])
            if _poly_degree(probit, xs) not in (0, 1):
                raise UnsupportedExpression(Phi(probit), "Phi needs an affine argument in x")
            if trigs:
                raise UnsupportedExpression(
                    term, "Phi times sin/cos has no closed form in this engine"
                )
        trigs = tuple(sorted((sp.expand(t) for t in trigs), key=sp.default_sort_key))
        groups[(qarg, trigs, probit)].append(sp.Mul(*poly_part))
    return groups


# ---------------------------------------------------------------------------
# the integrals


def _poly_moment(poly_expr, xs, mean, cov) -> sp.Expr:
    """E[P(x)] with moments from the cached MGF table."""
    table = moment_table(len(xs))
    out = []
    for beta, coeff in sp.Poly(poly_expr, *xs).as_dict(native=False).items():
        out.append(coeff * table.evaluate(table.raw(tuple(beta)), mean, cov))
    return sp.Add(*out)


def _quadratic_parts(q, xs):
    """Write q = c + b'x - x'A x/2; return (A, b, c)."""
    d = len(xs)
    A = sp.zeros(d, d)
    b = sp.zeros(d, 1)
    c = sp.S.Zero
    for mono, coeff in sp.Poly(q, *xs).as_dict(native=False).items():
        idx = [i for i, e in enumerate(mono) for _ in range(e)]
        if len(idx) == 0:
            c += coeff
        elif len(idx) == 1:
            b[idx[0]] += coeff
        elif idx[0] == idx[1]:
            A[idx[0], idx[0]] += -2 * coeff
        else:
            A[idx[0], idx[1]] += -coeff
            A[idx[1], idx[0]] += -coeff
    return A, b, c


def _tilt(A, b, c, mean, cov):
    """Gaussian product: return (log-constant exponent E, det D, tilted mean, tilted cov).

    E[exp(c + b'x - x'Ax/2) h(x)] = D^(-1/2) exp(E) E_{N(mean', cov')}[h].
    """
    d = mean.shape[0]
    if A.is_zero_matrix:
        E = c + (b.T * mean)[0] + (b.T * cov * b)[0] / 2
        return sp.expand(E), sp.S.One, mean + cov * b, cov
    g = b - A * mean
    M = sp.eye(d) + A * cov
    D = sp.expand(M.det(method="berkowitz"))
    adj = M.adjugate(method="berkowitz")
    num = (cov * adj).applyfunc(sp.expand)
    # symmetric in exact arithmetic; read the upper triangle to keep one representative
    cov_t = sp.Matrix(d, d, lambda i, j: num[min(i, j), max(i, j)] / D)
    nu = (num * g).applyfunc(sp.expand) / D
    E = c + (b.T * mean)[0] - (mean.T * A * mean)[0] / 2 + sp.expand((g.T * num * g)[0]) / (2 * D)
    return E, D, mean + nu, cov_t


def _reduce_iota(expr):
    """Split a polynomial in the formal unit iota into (real part, imaginary part)."""
    expr = sp.expand(expr)
    if not expr.has(_IOTA):
        return expr, sp.S.Zero
    re_, im_ = [], []
    for (k,), coeff in sp.Poly(expr, _IOTA).as_dict(native=False).items():
        sign = -1 if (k // 2) % 2 else 1
        (im_ if k % 2 else re_).append(sign * coeff)
    return sp.Add(*re_), sp.Add(*im_)


def _expect_group(P, qarg, trigs, probit, xs, mean, cov, back: dict) -> sp.Expr:
    A, b, c = (
        _quadratic_parts(qarg, xs)
        if qarg != 0
        else (sp.zeros(len(xs), len(xs)), sp.zeros(len(xs), 1), sp.S.Zero)
    )
    settle(A.xreplace(back), cov)  # finite, or an assumption of the proof, or refused
    if not trigs:
        E, D, mean_t, cov_t = _tilt(A, b, c, mean, cov)
        K = sp.exp(E) * (D ** sp.Rational(-1, 2) if D != 1 else 1)
        if probit is None:
            return K * _poly_moment(P, xs, mean_t, cov_t)
        return K * _probit_moment(P, probit, xs, mean_t, cov_t)
    # characteristic-function route: expand the trig product into exponentials
    # exp(iota * L_s), keep the sign vectors with s_1 = +1 and take 2 Re (the
    # other half are complex conjugates because every symbol is real).
    x_vec = sp.Matrix(xs)
    results = []
    for signs in product((1, -1), repeat=len(trigs) - 1):
        signs = (1, *signs)
        L = sp.S.Zero
        pref = sp.S.One
        for s, t in zip(signs, trigs, strict=True):
            L += s * t.args[0]
            pref *= sp.S.Half if isinstance(t, sp.cos) else -_IOTA * s / 2
        La, Lb, Lc = (
            _quadratic_parts(sp.expand(L), xs) if L.has(*xs) else (None, sp.zeros(len(xs), 1), L)
        )
        del La  # affine by construction
        E, D, mean_t, cov_t = _tilt(A, b + _IOTA * Lb, c + _IOTA * Lc, mean, cov)
        E_re, E_im = _reduce_iota(E)
        phase = sp.cos(E_im) + _IOTA * sp.sin(E_im)
        mom = _poly_moment(P, xs, mean_t, cov_t)
        val = pref * phase * mom
        re_part, _ = _reduce_iota(val)
        K = sp.exp(E_re) * (D ** sp.Rational(-1, 2) if D != 1 else 1)
        results.append(2 * K * re_part)
    del x_vec
    return sp.Add(*results)


def _probit_moment(P, arg, xs, mean, cov) -> sp.Expr:
    """E[P(x) Phi(a'x + c)] for deg P <= 1 under N(mean, cov)."""
    deg = _poly_degree(P, xs)
    if deg is None or deg > 1:
        raise UnsupportedExpression(
            P * Phi(arg), "Phi(affine) is supported only times a polynomial of degree <= 1"
        )
    d = len(xs)
    _, a, c0 = _quadratic_parts(arg, xs)
    m = sp.expand(c0 + (a.T * mean)[0])
    Sa = (cov * a).applyfunc(sp.expand)
    v = sp.expand((a.T * Sa)[0])
    r = sp.sqrt(1 + v)
    u = m / r
    poly = sp.Poly(P, *xs)
    out = poly.coeff_monomial(1) * Phi(u)
    for i in range(d):
        pi = poly.coeff_monomial(xs[i])
        if pi != 0:
            out += pi * (mean[i] * Phi(u) + Sa[i] * phi(u) / r)
    return out

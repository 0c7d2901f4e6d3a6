"""Gaussian moments by a second algorithm: Taylor coefficients of the MGF at a point.

For x ~ N(mu, S) the moment generating function is ``M(t) = exp(q(t))`` with
``q(t) = t'mu + t'S t/2``, and ``E[x^beta] = beta! [t^beta] M(t)``. Here the truncated
series ``exp(q) = sum_n q^n / n!`` is multiplied out numerically at one parameter point
(``q`` has no constant term, so only ``n <= max order`` contributes). This shares nothing
with :mod:`verify.symbolic.moments` (Isserlis pair types and a binomial shift, symbolic in
mu and S): it is the independent route the proofs' moments are corroborated against.

Two arithmetics:

* :func:`mgf_moments` in exact rationals (``fractions.Fraction``) at a rational point;
* :func:`mgf_moments_mod` modulo the prime ``P = 2**61 - 1`` at a point of Z/P. A moment
  is a polynomial of degree <= its order in (mu, S); two different such polynomials agree
  at a uniformly random point of (Z/P)^m with probability <= order / P (Schwartz-Zippel),
  about 3e-18 for order 6.
"""

from __future__ import annotations

from fractions import Fraction
from math import factorial

__all__ = ["PRIME", "mgf_moments", "mgf_moments_mod"]

#: The Mersenne prime 2**61 - 1 used by :func:`mgf_moments_mod`.
PRIME = (1 << 61) - 1


def _quadratic_terms(mean, cov, d: int, half, one) -> dict:
    q: dict = {}
    for i in range(d):
        e = [0] * d
        e[i] = 1
        q[tuple(e)] = mean[i] * one
    for i in range(d):
        for j in range(i, d):
            e = [0] * d
            e[i] += 1
            e[j] += 1
            q[tuple(e)] = q.get(tuple(e), 0 * one) + (
                cov[i][j] * half if i == j else cov[i][j] * one
            )
    return q


def _series(q: dict, d: int, max_order: int, mul, scale) -> dict:
    """exp(q) truncated at total degree max_order, as {exponent tuple: coefficient}."""
    zero = (0,) * d
    series = {zero: scale(1, 1)}
    term = {zero: scale(1, 1)}
    for n in range(1, max_order + 1):
        nxt: dict = {}
        for e1, c1 in term.items():
            deg = sum(e1)
            for e2, c2 in q.items():
                if deg + sum(e2) > max_order:
                    continue
                key = tuple(a + b for a, b in zip(e1, e2, strict=True))
                nxt[key] = nxt.get(key, 0) + mul(c1, c2)
        term = {k: mul(v, scale(1, n)) for k, v in nxt.items()}
        for k, v in term.items():
            series[k] = series.get(k, 0) + v
    return series


def _beta_factorial(beta) -> int:
    out = 1
    for b in beta:
        out *= factorial(b)
    return out


def mgf_moments(mean, cov, max_order: int) -> dict[tuple[int, ...], Fraction]:
    """Every raw moment ``E[x^beta]``, ``|beta| <= max_order``, at a rational point.

    Parameters
    ----------
    mean : sequence of Fraction-compatible numbers
    cov : d x d nested sequence (symmetric)
    max_order : int

    Returns
    -------
    dict
        ``{beta: E[x^beta]}`` (exact; zero moments may be missing: read with ``.get``).

    Examples
    --------
    >>> m = mgf_moments([Fraction(1)], [[Fraction(2)]], 4)
    >>> m[(2,)], m[(4,)]  # mu^2 + s and mu^4 + 6 mu^2 s + 3 s^2
    (Fraction(3, 1), Fraction(25, 1))
    """
    d = len(mean)
    mean = [Fraction(v) for v in mean]
    cov = [[Fraction(v) for v in row] for row in cov]
    q = _quadratic_terms(mean, cov, d, Fraction(1, 2), Fraction(1))
    series = _series(q, d, max_order, lambda a, b: a * b, Fraction)
    return {beta: c * _beta_factorial(beta) for beta, c in series.items()}


def mgf_moments_mod(mean, cov, max_order: int) -> dict[tuple[int, ...], int]:
    """Every raw moment ``E[x^beta]`` modulo :data:`PRIME` at a point of Z/PRIME.

    ``mean`` and ``cov`` hold integers (residues); division by ``n!`` and by 2 is
    multiplication by the modular inverse.
    """
    d = len(mean)
    p = PRIME

    def mul(a: int, b: int) -> int:
        return a * b % p

    def scale(num: int, den: int) -> int:
        return num * pow(den, p - 2, p) % p

    q = _quadratic_terms(
        [v % p for v in mean], [[v % p for v in row] for row in cov], d, scale(1, 2), 1
    )
    q = {k: v % p for k, v in q.items()}
    series = _series(q, d, max_order, mul, scale)
    return {beta: c % p * _beta_factorial(beta) % p for beta, c in series.items()}

"""Exact raw Gaussian moments ``E[x^beta]`` from the moment generating function.

For x ~ N(mu, S) the MGF is ``M(t) = exp(t'mu + t'S t/2)`` and
``E[x^beta] = beta! [t^beta] M(t)``. Expanding the exponential,

    [t^beta] M(t) = sum over a (linear part) and K (quadratic part) of
        prod_i mu_i^{a_i}/a_i!  *  prod_{i<=j} s_ij^{K_ij} / (K_ij! 2^{K_ii}),

where ``a_i + (K_ii counted twice) + sum_{j != i} K_ij = beta_i``. This is
Isserlis' theorem (a sum over pair types of perfect matchings) combined with the
binomial shift ``x = mu + z``; it does **not** use Stein's identity, so proofs
of Stein-type identities built on it are not circular (docs/math.md#polynomials).

Moments are integer polynomials in the generic parameters ``mu_i`` and
``s_ij`` (i <= j). They are kept in a small sparse format, a ``dict`` from a
packed monomial (one integer, 16 bits per variable) to an integer coefficient:
multiplying monomials is then an integer addition, which is why the
generic-polynomial proofs are fast in pure Python. A dict with no zero
coefficient is a canonical form: a polynomial is zero iff its dict is empty.
Moments are cached per dimension and exponent tuple.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from functools import lru_cache
from math import comb, factorial

import sympy as sp

from ..deadline import check as check_deadline
from .errors import UnsupportedExpression

__all__ = ["MomentTable", "PackedPoly", "moment_table"]

_BITS = 16
_MASK = (1 << _BITS) - 1
#: Largest total degree a moment may have: no exponent of a packed monomial can then
#: reach 2**_BITS and carry into its neighbour's bits (which would silently read mu**256
#: as s_11 with 8 bits).
MAX_DEGREE = _MASK // 2

PackedPoly = dict  # {packed monomial: int coefficient}


class MomentTable:
    """Raw moments of N(mu, S) in ``d`` dimensions, as packed integer polynomials.

    Variables are ordered ``mu_1..mu_d`` then ``s_ij`` for i <= j (row-major).

    Parameters
    ----------
    d : int
        Dimension.
    """

    def __init__(self, d: int) -> None:
        if d < 1:
            raise ValueError("dimension must be >= 1")
        self.d = d
        self.pairs = [(i, j) for i in range(d) for j in range(i, d)]
        self.nvars = d + len(self.pairs)
        self._pair_index = {p: d + k for k, p in enumerate(self.pairs)}
        self._central: dict[tuple[int, ...], PackedPoly] = {}
        self._raw: dict[tuple[int, ...], PackedPoly] = {}

    # -- monomial keys -------------------------------------------------
    def mu_key(self, i: int) -> int:
        """Packed monomial ``mu_i``."""
        return 1 << (_BITS * i)

    def s_key(self, i: int, j: int) -> int:
        """Packed monomial ``s_ij`` (order of i, j irrelevant)."""
        if i > j:
            i, j = j, i
        return 1 << (_BITS * self._pair_index[i, j])

    def exponents(self, key: int) -> list[int]:
        """Unpack a monomial into its exponent list (length ``nvars``)."""
        out = []
        for _ in range(self.nvars):
            out.append(key & _MASK)
            key >>= _BITS
        return out

    @property
    def size(self) -> int:
        """How many raw moments have been derived (and cached) so far."""
        return len(self._raw)

    # -- moments ---------------------------------------------------------
    def central(self, gamma: tuple[int, ...]) -> PackedPoly:
        """``E[z^gamma]`` for z ~ N(0, S) by Isserlis (pair-type enumeration)."""
        cached = self._central.get(gamma)
        if cached is not None:
            return cached
        out: PackedPoly = {}
        if sum(gamma) % 2 == 0:
            num = 1
            for g in gamma:
                num *= factorial(g)
            acc: dict[int, int] = defaultdict(int)
            self._matchings(list(gamma), 0, 0, 1, num, acc)
            out = {k: v for k, v in acc.items() if v}
        self._central[gamma] = out
        return out

    def _matchings(self, rem, i, key, den, num, acc) -> None:
        # consume rem[i] with pairs (i, i) and (i, j), j > i, then move on
        d = self.d
        while i < d and rem[i] == 0:
            i += 1
        if i == d:
            acc[key] += num // den
            return
        ri = rem[i]
        rem[i] = 0
        for kii in range(ri // 2, -1, -1):
            left = ri - 2 * kii
            k2 = key + kii * self.s_key(i, i)
            den2 = den * factorial(kii) * (1 << kii)
            self._spread(rem, i, i + 1, left, k2, den2, num, acc)
        rem[i] = ri

    def _spread(self, rem, i, j, left, key, den, num, acc) -> None:
        # give `left` remaining copies of index i to partners j, j+1, ...
        d = self.d
        if left == 0:
            self._matchings(rem, i + 1, key, den, num, acc)
            return
        if j >= d:
            return
        if sum(rem[j:]) < left:
            return
        for kij in range(min(left, rem[j]), -1, -1):
            rem[j] -= kij
            self._spread(
                rem,
                i,
                j + 1,
                left - kij,
                key + kij * self.s_key(i, j),
                den * factorial(kij),
                num,
                acc,
            )
            rem[j] += kij

    def raw(self, beta: tuple[int, ...]) -> PackedPoly:
        """``E[x^beta]`` for x ~ N(mu, S): binomial shift of central moments."""
        beta = tuple(beta)
        cached = self._raw.get(beta)
        if cached is not None:
            return cached
        if len(beta) != self.d or min(beta, default=0) < 0:
            raise ValueError(f"exponent tuple {beta} does not fit dimension {self.d}")
        if sum(beta) > MAX_DEGREE:
            raise UnsupportedExpression(
                sp.Mul(*[sp.Symbol(f"x{i + 1}") ** b for i, b in enumerate(beta)]),
                f"a moment of total degree {sum(beta)} exceeds the engine's limit {MAX_DEGREE}",
            )
        acc: dict[int, int] = defaultdict(int)
        for gamma in _boxes(beta):
            check_deadline()
            if sum(gamma) % 2:
                continue
            binom = 1
            shift = 0
            for i, (b, g) in enumerate(zip(beta, gamma, strict=True)):
                binom *= comb(b, g)
                shift += (b - g) * self.mu_key(i)
            for k, c in self.central(gamma).items():
                acc[k + shift] += binom * c
        out = {k: v for k, v in acc.items() if v}
        self._raw[beta] = out
        return out

    def derived(self) -> dict[tuple[int, ...], PackedPoly]:
        """Every raw moment derived so far, as :meth:`raw` returns it: ``{beta: packed}``."""
        return {beta: self.raw(beta) for beta in list(self._raw)}

    def evaluate_modular(
        self, poly: PackedPoly, values: list[int], prime: int, cache: dict | None = None
    ) -> int:
        """A packed polynomial at a point of Z/prime (``values`` in the table's variable order).

        Terms are evaluated chunk by chunk (four variables per chunk, products cached in
        ``cache``, which callers reuse for every polynomial at the same point), so a table
        of thousands of terms costs a few dictionary look-ups per term.
        """
        chunk_bits = 4 * _BITS
        n_chunks = -(-self.nvars // 4)
        cache = {} if cache is None else cache
        caches = [cache.setdefault(k, {}) for k in range(n_chunks)]
        total = 0
        for key, c in poly.items():
            term = c % prime
            for k in range(n_chunks):
                part = (key >> (k * chunk_bits)) & ((1 << chunk_bits) - 1)
                if not part:
                    continue
                val = caches[k].get(part)
                if val is None:
                    val = 1
                    rest = part
                    for v in values[4 * k : 4 * k + 4]:
                        e = rest & _MASK
                        if e:
                            val = val * pow(v, e, prime) % prime
                        rest >>= _BITS
                    caches[k][part] = val
                term = term * val % prime
            total += term
        return total % prime

    # -- conversion at the boundary --------------------------------------
    def evaluate(self, poly: PackedPoly, mean, cov) -> sp.Expr:
        """Substitute a mean vector and covariance matrix into a packed polynomial.

        All-Rational inputs are evaluated with ``fractions.Fraction`` (fast, exact).
        """
        d = self.d
        vals = [sp.sympify(mean[i]) for i in range(d)]
        vals += [sp.sympify(cov[i, j]) for (i, j) in self.pairs]
        if all(v.is_Rational for v in vals):
            fv = [Fraction(int(v.p), int(v.q)) for v in vals]
            total = Fraction(0)
            for key, c in poly.items():
                term = Fraction(c)
                for v, e in zip(fv, self.exponents(key), strict=True):
                    if e:
                        term *= v**e
                total += term
            return sp.Rational(total.numerator, total.denominator)
        terms = []
        for key, c in poly.items():
            factors = [sp.Integer(c)]
            for v, e in zip(vals, self.exponents(key), strict=True):
                if e:
                    factors.append(v**e)
            terms.append(sp.Mul(*factors))
        return sp.Add(*terms)


def _boxes(beta):
    """All gamma with 0 <= gamma <= beta componentwise."""
    if not beta:
        yield ()
        return
    for rest in _boxes(beta[1:]):
        for g in range(beta[0] + 1):
            yield (g, *rest)


@lru_cache(maxsize=16)
def moment_table(d: int) -> MomentTable:
    """Shared, cached :class:`MomentTable` for dimension ``d``."""
    return MomentTable(d)


# -- tiny packed-polynomial arithmetic (used by the fast generic proofs) ---------


def padd(p: PackedPoly, q: PackedPoly, c: int = 1) -> PackedPoly:
    """``p + c*q`` as a new packed polynomial (zero coefficients dropped)."""
    out = dict(p)
    for k, v in q.items():
        nv = out.get(k, 0) + c * v
        if nv:
            out[k] = nv
        else:
            out.pop(k, None)
    return out


def pmul_monom(p: PackedPoly, key: int, c: int = 1) -> PackedPoly:
    """``c * monomial(key) * p``."""
    return {k + key: c * v for k, v in p.items()}


def pmul(p: PackedPoly, q: PackedPoly) -> PackedPoly:
    """Product of two packed polynomials."""
    acc: dict[int, int] = defaultdict(int)
    for k1, v1 in p.items():
        for k2, v2 in q.items():
            acc[k1 + k2] += v1 * v2
    return {k: v for k, v in acc.items() if v}

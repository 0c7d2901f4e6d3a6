"""Product games: v(S) = Σ_t c_t Π_{j∈S} a_tj Π_{j∉S} b_tj, solved in polynomial time.

A monomial c x^α under a baseline b is the product game with a_j = x_j^α_j and
b_j = b_j^α_j; under background rows it is one product game per row (weights w_r); under
an independent Gaussian b_j = E z_j^α_j. A Gaussian bump with a diagonal precision is a
product of one-dimensional bumps, so the same holds for it. Every target is linear in
the game, so a sum of product games is solved term by term (docs/math.md, "Product games"):

* multilinear extension: M(p) = Σ_t c_t Π_j (b_tj + p_j (a_tj − b_tj)), and
  ∂_i M(p) = Σ_t c_t (a_ti − b_ti) Π_{j≠i} (b_tj + p_j (a_tj − b_tj));
* weighted Banzhaf value with probabilities p: ∂_i M(p) (uniform Banzhaf: p = ½;
  occlusion: p = 1);
* Shapley value: ∫₀¹ ∂_i M(u·1) du (Owen), a polynomial in u of degree < k (k the number
  of features with a_tj ≠ b_tj), integrated exactly by Gauss–Legendre with k//2 + 1 nodes;
* size profile: e_s = Σ_{|S|=s} v(S), the coefficients of Σ_t c_t Π_j (b_tj + a_tj y).

Leave-one-out products use prefix and suffix products (no division), O(k) per node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ProductGame"]

_BUDGET = 2**22


@dataclass(frozen=True, eq=False)
class ProductGame:
    """Σ_t coef_t Π_{j∈S} inside_tj Π_{j∉S} outside_tj at m points.

    Attributes
    ----------
    coef : ndarray, shape (m, T)
    inside, outside : ndarray, shape (m, T, d)
        The factors of a present and of an absent feature (arrays may be broadcast views).
    """

    coef: np.ndarray
    inside: np.ndarray
    outside: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.inside.shape[-1])

    def scaled(self, c: float) -> ProductGame:
        return ProductGame(c * self.coef, self.inside, self.outside)

    def _chunks(self, per_term: int):
        """Slices of terms holding about _BUDGET floats of per-term work at once."""
        m, T = self.coef.shape
        step = max(1, _BUDGET // max(1, m * per_term))
        for start in range(0, T, step):
            sl = slice(start, start + step)
            yield self.coef[:, sl], self.inside[:, sl], self.outside[:, sl]

    def empty_value(self) -> np.ndarray:
        """v(∅), shape (m,)."""
        return np.einsum("mt,mt->m", self.coef, np.prod(self.outside, axis=-1))

    def full_value(self) -> np.ndarray:
        """v(N), shape (m,)."""
        return np.einsum("mt,mt->m", self.coef, np.prod(self.inside, axis=-1))

    def extension_gradient(self, p: np.ndarray, q: np.ndarray | None = None) -> np.ndarray:
        """∂_i M(p) at probabilities p (m, d) (or (d,), or a scalar): shape (m, d).

        The weighted Banzhaf value E_p[v | z_i = 1] − E_p[v | z_i = 0]; ``q`` = 1 − p may
        be passed when it is known more accurately than by subtraction.
        """
        shape = (self.coef.shape[0], self.dim)
        p = np.broadcast_to(np.asarray(p, float), shape)
        q = 1.0 - p if q is None else np.broadcast_to(np.asarray(q, float), shape)
        out = np.zeros(shape)
        for coef, a, b in self._chunks(3 * self.dim):
            factors = q[:, None, :] * b + p[:, None, :] * a
            out += np.einsum("mt,mtd->md", coef, (a - b) * _leave_one_out(factors))
        return out

    def shapley(self) -> np.ndarray:
        """The Shapley value, shape (m, d): ∫₀¹ ∂_i M(u·1) du, exactly (Gauss–Legendre)."""
        d = self.dim
        moving = np.max(np.sum(self.inside != self.outside, axis=-1), initial=0)
        nodes, weights = np.polynomial.legendre.leggauss(int(moving) // 2 + 1)
        nodes, weights = (nodes + 1) / 2, weights / 2
        out = np.zeros((self.coef.shape[0], d))
        for coef, a, b in self._chunks((nodes.size + 2) * d):
            diff = a - b
            factors = b[:, :, None, :] + nodes[None, None, :, None] * diff[:, :, None, :]
            integral = np.einsum("mtqd,q->mtd", _leave_one_out(factors), weights)
            out += np.einsum("mt,mtd->md", coef, diff * integral)
        return out

    def size_profile(self) -> np.ndarray:
        """e_s = Σ_{|S|=s} v(S) for s = 0..d, shape (m, d + 1)."""
        d = self.dim
        out = np.zeros((self.coef.shape[0], d + 1))
        for coef, a, b in self._chunks(2 * (d + 1)):
            poly = np.zeros((*coef.shape, d + 1))
            poly[..., 0] = 1.0
            for j in range(d):  # multiply by (b_j + a_j y)
                shifted = np.zeros_like(poly)
                shifted[..., 1:] = poly[..., :-1] * a[..., j, None]
                poly = poly * b[..., j, None] + shifted
            out += np.einsum("mt,mts->ms", coef, poly)
        return out

    def table(self, masks: np.ndarray) -> np.ndarray:
        """v(S) at the coalitions ``masks`` (K, d), shape (m, K)."""
        m, d = self.coef.shape[0], self.dim
        out = np.zeros((m, masks.shape[0]))
        step = max(1, _BUDGET // max(1, m * self.coef.shape[1] * d))
        for start in range(0, masks.shape[0], step):
            mk = masks[start : start + step]
            inside, outside = self.inside[:, :, None, :], self.outside[:, :, None, :]
            prod = np.prod(np.where(mk[None, None], inside, outside), axis=-1)
            out[:, start : start + step] = np.einsum("mt,mtk->mk", self.coef, prod)
        return out


def _leave_one_out(factors: np.ndarray) -> np.ndarray:
    """Π_{j≠i} factors_j along the last axis, without division."""
    ones = np.ones((*factors.shape[:-1], 1))
    prefix = np.cumprod(np.concatenate([ones, factors[..., :-1]], axis=-1), axis=-1)
    suffix = np.cumprod(np.concatenate([ones, factors[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return prefix * suffix

"""The game of (f, x, reference) as a sum of parts: product games and enumerated tables.

:func:`build_game` splits f along the family structure: a LinearCombination term by
term, a Translated model by shifting x and the reference, a Polynomial into monomials and
an RBFMixture's diagonal-precision bumps into product games (:mod:`.products`) under a
Baseline, Background rows or an independent Gaussian; whatever remains is enumerated over
the 2^d coalitions (:class:`TableGame`, d <= 16). Every target is linear in the game, so
it is computed part by part and summed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..functions import Function, LinearCombination, Polynomial, RBFMixture, Translated
from .coalitions import all_masks, check_enumerable, coalition_values
from .products import ProductGame
from .references import Background, Baseline, GaussianBackground, Reference

__all__ = ["GamePart", "TableGame", "build_game", "shifted_reference"]


@dataclass(frozen=True, eq=False)
class TableGame:
    """v(S) for all 2^d coalitions (binary order, :func:`.coalitions.all_masks`).

    Attributes
    ----------
    values, errors : ndarray, shape (m, 2^d)
    method : str
    """

    values: np.ndarray
    errors: np.ndarray
    method: str

    @property
    def dim(self) -> int:
        return int(self.values.shape[1]).bit_length() - 1

    def scaled(self, c: float) -> TableGame:
        return TableGame(c * self.values, abs(c) * self.errors, self.method)


GamePart = ProductGame | TableGame


def build_game(f: Function, X: np.ndarray, reference: Reference, what: str) -> list[GamePart]:
    """The parts whose sum is the game v(S) of f at the points X (m, d).

    ``what`` names the target in the refusal when a part would need more than
    16 features enumerated.
    """
    parts: list[GamePart] = []
    rest: list[tuple[float, Function]] = []
    _split(f, 1.0, X, reference, parts, rest, what)
    return parts


def _split(f, c, X, reference, parts, rest, what) -> None:
    if isinstance(f, LinearCombination):
        for ci, g in f.terms:
            _split(g, c * ci, X, reference, parts, rest, what)
        return
    if isinstance(f, Translated):
        _split(f.f, c, X + f.shift, shifted_reference(reference, f.shift), parts, rest, what)
        return
    product = _product_game(f, X, reference)
    if product is not None:
        game, leftover = product
        parts.append(game.scaled(c))
        if leftover is None:
            return
        f = leftover
    check_enumerable(f.dim, what)
    values, errors, method = coalition_values(f, X, reference, all_masks(f.dim))
    parts.append(TableGame(c * values, abs(c) * errors, method))


def shifted_reference(reference: Reference, shift: np.ndarray) -> Reference:
    """The reference seen in coordinates shifted by ``shift`` (for f(· + shift))."""
    if isinstance(reference, Baseline):
        return Baseline(reference.point + shift)
    if isinstance(reference, Background):
        return Background(reference.rows + shift, reference.weights)
    return GaussianBackground(reference.mean + shift, reference.cov, reference.value)


def _independent(reference: Reference) -> bool:
    return not isinstance(reference, GaussianBackground) or reference.independent


def _product_game(
    f: Function, X: np.ndarray, reference: Reference
) -> tuple[ProductGame, Function | None] | None:
    """f's product-game part and what is left over (None: nothing), or None."""
    if not _independent(reference):
        return None
    if isinstance(f, Polynomial):
        exponents = np.array(list(f.coefficients), dtype=int)
        coef = np.array(list(f.coefficients.values()))
        return _factor_game(X, reference, coef, _power_factors(exponents)), None
    if isinstance(f, RBFMixture):
        diagonal = np.array([np.all(A == np.diag(np.diag(A))) for A in f.precisions], dtype=bool)
        if not diagonal.any():
            return None
        rates = np.array([np.diag(A) for A in f.precisions[diagonal]])
        game = _factor_game(
            X, reference, f.weights[diagonal], _bump_factors(rates, f.centers[diagonal])
        )
        leftover = None
        if not diagonal.all():
            keep = ~diagonal
            leftover = RBFMixture(f.weights[keep], f.centers[keep], f.precisions[keep])
        return game, leftover
    return None


class _Factors:
    """Per-term factor functions h_tj(y) and their means under independent N(μ_j, σ_j²)."""

    def __init__(self, value, gaussian_mean):
        self.value, self.gaussian_mean = value, gaussian_mean


def _power_factors(exponents: np.ndarray) -> _Factors:
    def value(Y):  # Y (..., d) -> (..., T, d)
        return Y[..., None, :] ** exponents

    def gaussian_mean(mu, var):  # raw moments E z^α, z ~ N(μ, σ²), by recursion
        top = int(exponents.max(initial=0))
        moments = [np.ones_like(mu), mu.copy()]
        for k in range(2, top + 1):
            moments.append(mu * moments[k - 1] + (k - 1) * var * moments[k - 2])
        table = np.stack(moments[: top + 1])  # (top + 1, d)
        return np.take_along_axis(table, exponents, axis=0)[None]

    return _Factors(value, gaussian_mean)


def _bump_factors(rates: np.ndarray, centers: np.ndarray) -> _Factors:
    def value(Y):
        return np.exp(-0.5 * rates * (Y[..., None, :] - centers) ** 2)

    def gaussian_mean(mu, var):
        scale = 1.0 + rates * var
        return (np.exp(-0.5 * rates * (mu - centers) ** 2 / scale) / np.sqrt(scale))[None]

    return _Factors(value, gaussian_mean)


def _factor_game(
    X: np.ndarray, reference: Reference, coef: np.ndarray, factors: _Factors
) -> ProductGame:
    m = X.shape[0]
    inside = factors.value(X)  # (m, T, d)
    T, d = inside.shape[1:]
    if isinstance(reference, Baseline):
        outside = np.broadcast_to(factors.value(reference.point)[None], (m, T, d))
        return ProductGame(np.broadcast_to(coef, (m, T)), inside, outside)
    if isinstance(reference, Background):
        n = reference.rows.shape[0]
        rows = factors.value(reference.rows)  # (n, T, d)
        outside = np.broadcast_to(rows.transpose(1, 0, 2).reshape(1, T * n, d), (m, T * n, d))
        inside = np.repeat(inside, n, axis=1)
        weights = (coef[:, None] * reference.weights[None, :]).reshape(-1)
        return ProductGame(np.broadcast_to(weights, (m, T * n)), inside, outside)
    variances = np.diag(reference.cov.matrix)
    outside = np.broadcast_to(factors.gaussian_mean(reference.mean, variances), (m, T, d))
    return ProductGame(np.broadcast_to(coef, (m, T)), inside, outside)

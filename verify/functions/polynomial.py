"""Polynomials: Gaussian moments exactly, by Isserlis' recursion (docs/math.md, closed forms)."""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping, Sequence
from functools import cached_property
from math import comb
from typing import Any

import numpy as np
import sympy as sp

from ..covariance import Covariance
from ..moments import GaussianMoments
from ..validation import InputError
from .base import Function, default_symbols, exact
from .spec import spec_field, spec_list

__all__ = ["Polynomial", "gaussian_central_moment"]


def gaussian_central_moment(
    beta: tuple[int, ...], cov: np.ndarray, cache: dict[tuple[int, ...], float] | None = None
) -> float:
    """E[prod_i z_i**beta_i] for z ~ N(0, cov), by Isserlis' recursion.

    E[z_i z^b] = sum_j cov_ij b_j E[z^(b - e_j)], memoised on the exponent tuple.
    """
    if cache is None:
        cache = {}
    if beta in cache:
        return cache[beta]
    total = sum(beta)
    if total == 0:
        result = 1.0
    elif total % 2:
        result = 0.0
    else:
        i = next(k for k, b in enumerate(beta) if b)
        rest = list(beta)
        rest[i] -= 1
        result = 0.0
        for j, bj in enumerate(rest):
            if bj and cov[i, j] != 0.0:
                lower = list(rest)
                lower[j] -= 1
                result += cov[i, j] * bj * gaussian_central_moment(tuple(lower), cov, cache)
    cache[beta] = result
    return result


def _exponents(key: Any) -> tuple[int, ...]:
    """One term's exponents: non-negative whole numbers (2 or 2.0), nothing else.

    ``int(1.5)`` would silently turn x1**1.5 into x1, so every entry is checked as given.
    """
    try:
        entries = tuple(key)
    except TypeError:
        raise InputError(
            f"each key must be a tuple of exponents, e.g. (2, 0) for x1**2, got {key!r}"
        ) from None
    out = []
    for j, e in enumerate(entries):
        real = not isinstance(e, bool | np.bool_) and isinstance(e, numbers.Real)
        if real and np.isfinite(e) and e >= 0 and float(e) == int(e):
            out.append(int(e))
            continue
        hint = "whole exponents such as 0, 1, 2"
        if real and np.isfinite(e):
            lower, upper = list(entries), list(entries)
            lower[j], upper[j] = max(int(np.floor(e)), 0), max(int(np.ceil(e)), 1)
            hint = (
                f"whole exponents, e.g. {tuple(lower)} or {tuple(upper)}: x{j + 1}**{e!r} is "
                "not a polynomial term (a RidgeFunction or another family covers other powers)"
            )
        raise InputError(
            f"term {key!r}: the exponent of x{j + 1} is {e!r}, not a non-negative integer; "
            f"pass {hint}"
        )
    return tuple(out)


def _terms_from_spec(value: Any) -> dict[tuple[int, ...], float]:
    terms = spec_list(value, "[exponents, coefficient] pairs")
    out: dict[tuple[int, ...], float] = {}
    for i, term in enumerate(terms):
        if not isinstance(term, list | tuple) or len(term) != 2:
            raise InputError(
                f"term {i} must be a pair [exponents, coefficient], e.g. [[2, 0], 1.5], "
                f"got {term!r}"
            )
        exponents = tuple(spec_list(term[0], f"exponents (term {i})"))
        if exponents in out:
            raise InputError(f"term {i} repeats the exponents {list(exponents)}")
        out[exponents] = term[1]
    return out


class Polynomial(Function):
    """f(x) = sum_alpha c_alpha prod_i x_i**alpha_i.

    Parameters
    ----------
    coefficients : mapping of exponent tuple -> coefficient
        e.g. ``{(2, 0): 1.0, (1, 1): -3.0}`` is x1**2 - 3 x1 x2. All tuples must
        have the same length d.
    """

    family = "polynomial"
    spec_fields = ("terms",)

    def __init__(self, coefficients: Mapping[Sequence[int], float]):
        if not isinstance(coefficients, Mapping):
            raise InputError(
                "coefficients must be a mapping {exponent tuple: coefficient}, e.g. "
                f"{{(2, 0): 1.0}} for x1**2; got {type(coefficients).__name__}"
            )
        if not coefficients:
            raise InputError("Polynomial needs at least one term, e.g. {(0, 0): 0.0}")
        keys = [_exponents(k) for k in coefficients]
        dims = {len(k) for k in keys}
        if len(dims) != 1 or 0 in dims:
            raise InputError(
                f"all exponent tuples must have the same non-zero length, got lengths {dims}"
            )
        merged: dict[tuple[int, ...], float] = {}
        for k, c in zip(keys, coefficients.values(), strict=True):
            if isinstance(c, bool | np.bool_) or not isinstance(c, numbers.Real):
                raise InputError(
                    f"coefficient of {k} must be a real number, got {c!r} ({type(c).__name__})"
                )
            if not np.isfinite(c):
                raise InputError(f"coefficient of {k} is not finite: {c}")
            merged[k] = merged.get(k, 0.0) + float(c)
        self.coefficients: dict[tuple[int, ...], float] = merged
        self.dim = dims.pop()
        self.degree = max(sum(k) for k in merged)

    def __repr__(self) -> str:
        return f"Polynomial({self.coefficients!r})"

    def spec_values(self) -> dict[str, Any]:
        # Terms in their order: the sum of f's terms is taken in it, to the last bit.
        return {"terms": [[list(alpha), c] for alpha, c in self.coefficients.items()]}

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> Polynomial:
        return spec_field(fields, "terms", lambda v: cls(_terms_from_spec(v)), path)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        powers = [np.ones_like(X), X]
        for _ in range(2, self.degree + 1):
            powers.append(powers[-1] * X)
        out = np.zeros(X.shape[:-1])
        for alpha, c in self.coefficients.items():
            term = np.full(X.shape[:-1], c)
            for j, e in enumerate(alpha):
                if e:
                    term = term * powers[e][..., j]
            out = out + term
        return out

    @cached_property
    def partial_derivatives(self) -> tuple[Polynomial, ...]:
        """The d polynomials d f / d x_j."""
        parts = []
        for j in range(self.dim):
            terms: dict[tuple[int, ...], float] = {}
            for alpha, c in self.coefficients.items():
                if alpha[j]:
                    lower = list(alpha)
                    lower[j] -= 1
                    key = tuple(lower)
                    terms[key] = terms.get(key, 0.0) + c * alpha[j]
            parts.append(Polynomial(terms or {(0,) * self.dim: 0.0}))
        return tuple(parts)

    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        return np.stack([p.evaluate(X) for p in self.partial_derivatives], axis=-1)

    @property
    def is_affine(self) -> bool:
        return self.degree <= 1

    @property
    def evaluation_width(self) -> int:
        # The powers X**0 .. X**degree, the points and the gradient's stack.
        return (self.degree + 3) * self.dim

    @property
    def gradient_bound(self) -> float | None:
        if self.degree > 1:
            return None
        theta = [
            self.coefficients.get(tuple(int(i == j) for i in range(self.dim)), 0.0)
            for j in range(self.dim)
        ]
        return float(np.linalg.norm(theta))

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = symbols or default_symbols(self.dim)
        return sp.Add(
            *(
                exact(c) * sp.Mul(*(x**e for x, e in zip(xs, a, strict=True)))
                for a, c in self.coefficients.items()
            )
        )

    def _shifted_expectation(
        self, X0: np.ndarray, cov: np.ndarray, cache: dict, shift: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """E[z^shift * p(x0 + z)], z ~ N(0, cov), by binomial expansion around x0."""
        out = np.zeros(X0.shape[0])
        for alpha, c in self.coefficients.items():
            for beta in itertools.product(*(range(a + 1) for a in alpha)):
                key = (
                    beta
                    if shift is None
                    else tuple(b + s for b, s in zip(beta, shift, strict=True))
                )
                moment = gaussian_central_moment(key, cov, cache)
                if moment == 0.0:
                    continue
                weight = c * moment
                factor = np.full(X0.shape[0], weight)
                for j, (a, b) in enumerate(zip(alpha, beta, strict=True)):
                    if a > b:
                        factor = factor * comb(a, b) * X0[:, j] ** (a - b)
                    elif a:
                        factor = factor * comb(a, b)
                out += factor
        return out

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        cov = Covariance.of(cov, self.dim).matrix
        cache: dict[tuple[int, ...], float] = {}
        mean = self._shifted_expectation(X0, cov, cache)
        grad = np.stack(
            [p._shifted_expectation(X0, cov, cache) for p in self.partial_derivatives], axis=-1
        )
        # Cov(x_i, f) = E[z_i f(x0 + z)]: Gaussian moments of one degree more,
        # an independent route from the gradient's.
        unit = np.eye(self.dim, dtype=int)
        covariance = np.stack(
            [self._shifted_expectation(X0, cov, cache, tuple(unit[i])) for i in range(self.dim)],
            axis=-1,
        )
        return GaussianMoments(mean, grad, covariance, "closed form")

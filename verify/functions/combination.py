"""Linear combinations sum_i c_i f_i of functions of one dimension (Proposition 2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..covariance import Covariance
from ..moments import GaussianMoments
from ..validation import InputError, as_real
from .base import Function, as_function, default_symbols, exact
from .spec import from_spec, spec_field, spec_list, spec_number

__all__ = ["LinearCombination"]


class LinearCombination(Function):
    """f = sum_i c_i f_i for functions of one dimension (Proposition 2)."""

    family = "combination"
    spec_fields = ("terms",)

    def __init__(self, terms: Iterable[tuple[float, Function]]):
        flat: list[tuple[float, Function]] = []
        for term in terms:
            try:
                c, f = term
            except (TypeError, ValueError):
                raise InputError(
                    f"each term must be a pair (coefficient, Function), got {term!r}"
                ) from None
            c = as_real(c, "the coefficient of a LinearCombination term")
            f = as_function(f)
            if isinstance(f, LinearCombination):
                flat.extend((c * ci, fi) for ci, fi in f.terms)
            else:
                flat.append((c, f))
        if not flat:
            raise InputError("a LinearCombination needs at least one term")
        dims = {f.dim for _, f in flat}
        if len(dims) != 1:
            raise InputError(f"cannot combine functions of different dimensions {sorted(dims)}")
        self.terms = flat
        self.dim = dims.pop()

    def __repr__(self) -> str:
        return " + ".join(f"{c:g} * {f!r}" for c, f in self.terms)

    def spec_values(self) -> dict[str, Any]:
        return {"terms": [[c, f.to_spec()] for c, f in self.terms]}

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> LinearCombination:
        def terms(value: Any) -> list[tuple[float, Function]]:
            out = []
            for i, term in enumerate(spec_list(value, "[coefficient, spec] pairs")):
                if not isinstance(term, list | tuple) or len(term) != 2:
                    raise InputError(f"term {i} must be a pair [coefficient, spec], got {term!r}")
                c = spec_field({"c": term[0]}, "c", spec_number, f"{path}['terms'][{i}]")
                out.append((c, from_spec(term[1], path=f"{path}['terms'][{i}][1]")))
            return out

        return cls(spec_field(fields, "terms", terms, path))

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return sum(c * f.evaluate(X) for c, f in self.terms)

    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        return sum(c * f.evaluate_gradient(X) for c, f in self.terms)

    def values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return sum(c * f.values_near(X0, z) for c, f in self.terms)

    def mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return sum(c * f.mean_gradient_near(X0, z) for c, f in self.terms)

    def _near_whitened(self, X0: np.ndarray, u: np.ndarray, cov: Covariance, hook: str) -> Any:
        # Parts that map u themselves do; the others share one z = L u, built once.
        z = None
        total: Any = 0
        for c, f in self.terms:
            if f.maps_whitened_offsets:
                part = getattr(f, f"{hook}_whitened")(X0, u, cov)
            else:
                z = cov.colorize(u) if z is None else z
                part = getattr(f, hook)(X0, z)
            total = total + c * part
        return total

    def values_near_whitened(self, X0: np.ndarray, u: np.ndarray, cov: Covariance) -> np.ndarray:
        return self._near_whitened(X0, u, cov, "values_near")

    def mean_gradient_near_whitened(
        self, X0: np.ndarray, u: np.ndarray, cov: Covariance
    ) -> np.ndarray:
        return self._near_whitened(X0, u, cov, "mean_gradient_near")

    @property
    def maps_whitened_offsets(self) -> bool:
        return any(f.maps_whitened_offsets for _, f in self.terms)

    @property
    def gradient_bound(self) -> float | None:
        bounds = [f.gradient_bound for _, f in self.terms]
        if any(b is None for b in bounds):
            return None
        return float(sum(abs(c) * b for (c, _), b in zip(self.terms, bounds, strict=True)))

    @property
    def absolutely_continuous(self) -> bool:
        return all(f.absolutely_continuous for _, f in self.terms)

    @property
    def evaluation_width(self) -> int:
        # Terms are evaluated one after the other; their sum is one float per point.
        return max(f.evaluation_width for _, f in self.terms) + 1

    @property
    def smooth(self) -> bool:
        return all(f.smooth for _, f in self.terms)

    @property
    def is_affine(self) -> bool:
        return all(f.is_affine for _, f in self.terms)

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = symbols or default_symbols(self.dim)
        return sp.Add(*(exact(c) * f.sympy(xs) for c, f in self.terms))

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        cov = Covariance.of(cov, self.dim)  # converted once for every part
        total = None
        for c, f in self.terms:
            part = f.moments(X0, cov).scaled(c)
            total = part if total is None else total + part
        assert total is not None
        return total


Function.combination_type = LinearCombination

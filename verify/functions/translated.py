"""f(. + t): a family in shifted coordinates (translation equivariance of the explanations)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..covariance import Covariance
from ..moments import GaussianMoments
from ..validation import as_vector
from .base import Function, as_function, default_symbols
from .spec import from_spec, spec_field

__all__ = ["Translated"]


class Translated(Function):
    """x -> f(x + shift): the same model seen in shifted coordinates.

    Parameters
    ----------
    f : Function
    shift : array_like, shape (d,)
    """

    family = "translated"
    spec_fields = ("function", "shift")

    def __init__(self, f: Function, shift: Any):
        self.f = as_function(f)
        self.shift = as_vector(shift, "shift", self.f.dim)
        self.dim = f.dim

    def __repr__(self) -> str:
        return f"Translated({self.f!r}, shift={self.shift.tolist()})"

    def spec_values(self) -> dict[str, Any]:
        return {"function": self.f.to_spec(), "shift": self.shift.tolist()}

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> Translated:
        f = from_spec(fields["function"], path=f"{path}['function']")
        return cls(f, spec_field(fields, "shift", lambda v: as_vector(v, "shift", f.dim), path))

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.f.evaluate(X + self.shift)

    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        return self.f.evaluate_gradient(X + self.shift)

    @property
    def gradient_bound(self) -> float | None:
        return self.f.gradient_bound

    @property
    def absolutely_continuous(self) -> bool:
        return self.f.absolutely_continuous

    @property
    def smooth(self) -> bool:
        return self.f.smooth

    @property
    def is_affine(self) -> bool:
        return self.f.is_affine

    @property
    def evaluation_width(self) -> int:
        return self.f.evaluation_width + self.dim  # x + shift is one more (..., d) array

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = list(symbols or default_symbols(self.dim))
        shifted = [x + sp.Rational(float(t)) for x, t in zip(xs, self.shift, strict=True)]
        return self.f.sympy(shifted)

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        cov = Covariance.of(cov, self.dim)  # converted once for every part
        return self.f.moments(X0 + self.shift, cov)

"""Ridge (single-index) functions g(w^T x + b): one-dimensional moments of the link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..covariance import Covariance
from ..links import Link, get_link
from ..moments import GaussianMoments
from ..validation import InputError, as_real, as_vector
from .base import Function, default_symbols, exact
from .spec import spec_field, spec_number, spec_text

__all__ = ["RidgeFunction"]


class RidgeFunction(Function):
    """f(x) = g(w^T x + b) for a scalar link g.

    Parameters
    ----------
    w : array_like, shape (d,)
    b : float
    link : str or Link
        One of identity, probit, logistic (= sigmoid), sin, exp, tanh,
        softplus, relu, elu, abs, step. ``step`` (1[w^T x + b > 0]) is the
        hard-label model on which Stein's lemma fails.
    """

    family = "ridge"
    spec_fields = ("w", "b", "link")

    def __init__(self, w: Any, b: float = 0.0, link: str | Link = "identity"):
        self.w = as_vector(w, "w")
        self.b = as_real(b, "b")
        self.link = get_link(link)
        self.dim = self.w.size

    def __repr__(self) -> str:
        return f"RidgeFunction(w={self.w.tolist()}, b={self.b}, link={self.link.name!r})"

    def spec_values(self) -> dict[str, Any]:
        return {"w": self.w.tolist(), "b": self.b, "link": self.link.name}

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> RidgeFunction:
        return cls(
            spec_field(fields, "w", lambda v: as_vector(v, "w"), path),
            spec_field(fields, "b", spec_number, path),
            spec_field(fields, "link", lambda v: get_link(spec_text(v, "a link name")), path),
        )

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.link.value(X @ self.w + self.b)

    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        return self.link.derivative(X @ self.w + self.b)[..., None] * self.w

    def _index_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        # w^T (x0 + z) + b without forming x0 + z.
        return (X0 @ self.w + self.b)[:, None] + z @ self.w

    def values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self.link.value(self._index_near(X0, z))

    def mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self.link.derivative(self._index_near(X0, z)).mean(axis=1)[:, None] * self.w

    def _index_near_whitened(self, X0: np.ndarray, u: np.ndarray, cov: Covariance) -> np.ndarray:
        # w^T (x0 + L u) + b = (w^T x0 + b) + u^T (L^T w): z = L u is never built.
        index = u @ (cov.cholesky.T @ self.w)
        offset = (X0 @ self.w + self.b)[:, None]
        if index.shape[0] != X0.shape[0]:  # u shared by the points: broadcast
            return offset + index
        index += offset  # in place: the same sums, one (m, n) array fewer
        return index

    def values_near_whitened(self, X0: np.ndarray, u: np.ndarray, cov: Covariance) -> np.ndarray:
        return self.link.value(self._index_near_whitened(X0, u, cov))

    def mean_gradient_near_whitened(
        self, X0: np.ndarray, u: np.ndarray, cov: Covariance
    ) -> np.ndarray:
        slopes = self.link.derivative(self._index_near_whitened(X0, u, cov))
        return slopes.mean(axis=1)[:, None] * self.w

    @property
    def evaluation_width(self) -> int:
        # The near-point hooks never build x0 + z: the index and the link's value.
        return 4

    @property
    def gradient_bound(self) -> float | None:
        bound = self.link.lipschitz * float(np.linalg.norm(self.w))
        return bound if np.isfinite(bound) else None

    @property
    def absolutely_continuous(self) -> bool:
        return self.link.absolutely_continuous

    @property
    def smooth(self) -> bool:
        return self.link.smooth

    @property
    def is_affine(self) -> bool:
        return self.link.name == "identity"

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = symbols or default_symbols(self.dim)
        s = sp.Add(*(exact(w) * x for w, x in zip(self.w, xs, strict=True))) + exact(self.b)
        return self.link.sympy(s)

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        m = X0 @ self.w + self.b
        sw = Covariance.of(cov, self.dim).matrix @ self.w
        variance = float(self.w @ sw)
        if variance <= 0:
            raise InputError(
                "w^T cov w is zero (w is zero or underflows): a constant ridge function has "
                "no explanation to check"
            )
        v = np.full_like(m, variance)
        err = self.link.quadrature_error(m, v)
        method = "closed form" if self.link.closed_form else "gauss-hermite 1-D (order 160)"
        return GaussianMoments(
            self.link.mean(m, v),
            self.link.slope(m, v)[:, None] * self.w,
            # Cov(x, s) / Var(s) * E[(s - m) g(s)]: x | s is Gaussian with a linear mean.
            (self.link.stein(m, v) / v)[:, None] * sw,
            method,
            err,
            err[:, None] * np.abs(self.w),
            (err / v)[:, None] * np.abs(sw),
        )

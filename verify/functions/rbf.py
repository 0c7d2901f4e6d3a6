"""Gaussian-RBF mixtures: Gaussian moments in closed form by completing the square."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..covariance import Covariance
from ..moments import GaussianMoments
from ..validation import InputError, as_array, as_vector
from .base import Function, default_symbols, exact
from .spec import spec_field

__all__ = ["RBFMixture"]


class RBFMixture(Function):
    """f(x) = sum_k a_k exp(-1/2 (x - m_k)^T A_k (x - m_k)), A_k symmetric PSD.

    Parameters
    ----------
    weights : array_like, shape (K,)
    centers : array_like, shape (K, d)
    precisions : array_like, shape (K, d, d) or (d, d)
        Symmetric positive semi-definite (singular allowed: a bump that is flat
        along some directions). A (d, d) matrix is shared by every bump.
    """

    family = "rbf"
    spec_fields = ("weights", "centers", "precisions")

    def __init__(self, weights: Any, centers: Any, precisions: Any):
        self.weights = as_vector(weights, "weights")
        self.centers = as_array(centers, "centers")
        if self.centers.ndim == 1:
            self.centers = self.centers[None, :]
        if self.centers.ndim != 2 or 0 in self.centers.shape:
            raise InputError(
                f"centers must have shape (K, d) (or (d,) for one bump), got {np.shape(centers)}"
            )
        K, d = self.centers.shape
        if self.weights.shape != (K,):
            raise InputError(f"weights has {self.weights.size} entries but there are {K} centers")
        prec = as_array(precisions, "precisions")
        if prec.shape == (d, d):
            prec = np.broadcast_to(prec, (K, d, d)).copy()
        if prec.shape != (K, d, d):
            raise InputError(
                f"precisions must have shape ({K}, {d}, {d}) or ({d}, {d}), got {prec.shape}"
            )
        if np.max(np.abs(prec - prec.transpose(0, 2, 1))) > 1e-10 * max(1.0, np.max(np.abs(prec))):
            raise InputError("each precision matrix must be symmetric; use (A + A.T) / 2")
        prec = (prec + prec.transpose(0, 2, 1)) / 2
        eig = np.linalg.eigvalsh(prec)
        if np.min(eig) < -1e-10 * max(1.0, np.max(np.abs(eig))):
            raise InputError(
                f"precision matrices must be positive semi-definite (smallest eigenvalue "
                f"{np.min(eig):.3g}); a negative one makes f grow without bound"
            )
        self.precisions = prec
        self.dim = d
        self._lambda_max = np.maximum(eig[:, -1], 0.0)

    def __repr__(self) -> str:
        return f"RBFMixture(K={self.weights.size}, d={self.dim})"

    def spec_values(self) -> dict[str, Any]:
        # The stored (symmetrised) precisions: symmetrising them again changes no bit.
        return {
            "weights": self.weights.tolist(),
            "centers": self.centers.tolist(),
            "precisions": self.precisions.tolist(),
        }

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> RBFMixture:
        return cls(
            *(spec_field(fields, k, lambda v, k=k: as_array(v, k), path) for k in cls.spec_fields)
        )

    def _bumps(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        values, slopes = [], []
        for a, m, A in zip(self.weights, self.centers, self.precisions, strict=True):
            u = X - m
            Au = u @ A
            values.append(a * np.exp(-0.5 * np.sum(u * Au, axis=-1)))
            slopes.append(Au)
        return values, slopes

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return np.sum(self._bumps(X)[0], axis=0)

    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        values, slopes = self._bumps(X)
        return -sum(v[..., None] * s for v, s in zip(values, slopes, strict=True))

    @property
    def evaluation_width(self) -> int:
        # Each bump keeps its (..., d) slope until the gradient is summed.
        return (self.weights.size + 2) * self.dim

    @property
    def gradient_bound(self) -> float:
        # sup_u ||e^{-u'Au/2} A u|| = sqrt(lambda_max(A)) e^{-1/2}; summed over bumps.
        return float(np.sum(np.abs(self.weights) * np.sqrt(self._lambda_max)) * np.exp(-0.5))

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = sp.Matrix(symbols or default_symbols(self.dim))
        terms = []
        for a, m, A in zip(self.weights, self.centers, self.precisions, strict=True):
            u = xs - sp.Matrix([exact(v) for v in m])
            Am = sp.Matrix(A.shape[0], A.shape[1], [exact(v) for v in A.ravel()])
            terms.append(exact(a) * sp.exp(-sp.Rational(1, 2) * (u.T * Am * u)[0, 0]))
        return sp.Add(*terms)

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        cov = Covariance.of(cov, self.dim).matrix
        m, d = X0.shape
        mean = np.zeros(m)
        grad = np.zeros((m, d))
        covariance = np.zeros((m, d))
        eye = np.eye(d)
        for a, c, A in zip(self.weights, self.centers, self.precisions, strict=True):
            M = eye + cov @ A
            B = np.linalg.solve(M.T, A).T  # A (I + Sigma A)^{-1}, symmetric
            B = (B + B.T) / 2
            scale = a / np.sqrt(np.linalg.det(M))
            u = X0 - c
            e = scale * np.exp(-0.5 * np.sum(u @ B * u, axis=1))
            mean += e
            grad -= e[:, None] * (u @ B)
            # Independent route (Gaussian tilting): E[z g] = E[g] mu_z with
            # mu_z = -(I + Sigma A)^{-1} Sigma A u.
            mu_z = -np.linalg.solve(M, (cov @ A) @ u.T).T
            covariance += e[:, None] * mu_z
        return GaussianMoments(mean, grad, covariance, "closed form")

"""Kernel conventions for LIME on binary masks z ∈ {0,1}^d (z_i = 1: feature i at x).

The population target of binary LIME is the weighted least-squares fit, with intercept,
of v(z) on z over all 2^d masks with weights π(z) (uniform mask sampling weighted by the
kernel, or masks drawn from π: the same objective). Libraries differ in π; each class
declares one convention:

=========================  ==================================================================
:class:`UniformKernel`     π ≡ 1 (ordinary least squares on uniform masks: the Banzhaf value)
:class:`ProductKernel`     π(z) = exp(−Σ_i c_i (1 − z_i)) for declared rates c_i
:class:`ExponentialKernel` π(z) = exp(−D(z)² / (k w²)), k = 1 (``"lfa"``: Han et al.'s
                           ``exponential_kernel``) or k = 2 (``"captum"``: captum's
                           ``get_exp_kernel_similarity_function``; lime's √exp(−D²/w²) too);
                           D² = Σ_i (1 − z_i) (``space="binary"``) or
                           Σ_i (x_i − b_i)² (1 − z_i) (``space="input"``: ‖x − h(z)‖², h(z)
                           the hybrid point; needs a Baseline)
:class:`CosineKernel`      captum ``Lime``'s default: exp(−(1 − cos(x, h(z)))² / (2 w²)),
                           cos with the norms' product floored at 1e-8 (torch's
                           ``cosine_similarity``); not a product kernel
=========================  ==================================================================

Product kernels (every kernel above but the cosine one) make the weighted mask law a
product of Bernoulli(p_i), p_i = 1 / (1 + e^{−c_i}), and the target is the weighted
Banzhaf value with those p_i (docs/math.md, "Binary LIME").
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from ..validation import InputError, as_array, as_real
from .references import Baseline, Reference

__all__ = [
    "CONVENTIONS",
    "CosineKernel",
    "ExponentialKernel",
    "LimeKernel",
    "ProductKernel",
    "UniformKernel",
    "as_kernel",
]

#: The divisor k of D² / (k w²) per named convention.
CONVENTIONS = {"lfa": 1.0, "captum": 2.0}


class LimeKernel:
    """A kernel π(z) on binary masks, at each point explained."""

    #: True when π(z) = Π_i exp(−c_i (1 − z_i)) (then :meth:`rates` gives the c_i).
    product = True

    def rates(self, X: np.ndarray, reference: Reference) -> np.ndarray:
        """The c_i of a product kernel at each point, shape (m, d)."""
        raise NotImplementedError

    def weights(self, X: np.ndarray, reference: Reference, masks: np.ndarray) -> np.ndarray:
        """π(z) for every point and mask, shape (m, K)."""
        return np.exp(-(~masks).astype(float) @ self.rates(X, reference).T).T

    def probabilities(self, X: np.ndarray, reference: Reference) -> np.ndarray:
        """p_i = 1 / (1 + e^{−c_i}): the mask law π makes z_i ~ Bernoulli(p_i) independently."""
        return expit(self.rates(X, reference))


class UniformKernel(LimeKernel):
    """π ≡ 1: ordinary least squares on uniform masks (the Banzhaf value)."""

    def rates(self, X: np.ndarray, reference: Reference) -> np.ndarray:
        return np.zeros_like(X)

    def __repr__(self) -> str:
        return "UniformKernel()"


class ProductKernel(LimeKernel):
    """π(z) = exp(−Σ_i c_i (1 − z_i)) with declared rates c (a scalar or shape (d,))."""

    def __init__(self, rates: Any):
        self.c = as_array(rates, "the kernel rates")
        if self.c.ndim > 1:
            raise InputError(f"the kernel rates must be a scalar or shape (d,), got {self.c.shape}")

    def rates(self, X: np.ndarray, reference: Reference) -> np.ndarray:
        if self.c.ndim == 1 and self.c.size != X.shape[1]:
            raise InputError(f"the kernel has {self.c.size} rates but f has {X.shape[1]} features")
        return np.broadcast_to(self.c, X.shape).copy()

    def __repr__(self) -> str:
        return f"ProductKernel({self.c.tolist()})"


def _width(width: Any) -> float:
    w = as_real(width, "the kernel width", "a positive finite number")
    if w <= 0 or not np.isfinite(w * w) or w * w == 0:
        raise InputError(f"the kernel width must be positive with a finite square, got {width!r}")
    return w


def _baseline(reference: Reference, kernel: str) -> np.ndarray:
    if not isinstance(reference, Baseline):
        raise InputError(
            f"{kernel} measures distances to the hybrid point h(z) = x on S, b elsewhere, which "
            f"needs one baseline point; got {type(reference).__name__}: pass Baseline(b) (or "
            "ExponentialKernel(..., space='binary'))"
        )
    return reference.point


class ExponentialKernel(LimeKernel):
    """π(z) = exp(−D(z)² / (k w²)) with a declared convention and distance space.

    Parameters
    ----------
    width : float
        The kernel width w > 0.
    space : {"binary", "input"}
        ``"binary"``: D² = number of absent features; ``"input"``: D² = ‖x − h(z)‖².
    convention : {"lfa", "captum"}
        k = 1 (Han et al.'s ``exponential_kernel``) or k = 2 (captum's, and lime's
        √exp(−D²/w²)).
    """

    def __init__(self, width: Any = 1.0, space: str = "input", convention: str = "lfa"):
        self.width = _width(width)
        if space not in ("binary", "input"):
            raise InputError(f"space must be 'binary' or 'input', got {space!r}")
        if convention not in CONVENTIONS:
            raise InputError(
                f"convention must be one of {sorted(CONVENTIONS)} (exp(-D^2/w^2) or "
                f"exp(-D^2/(2 w^2))), got {convention!r}"
            )
        self.space, self.convention = space, convention

    def rates(self, X: np.ndarray, reference: Reference) -> np.ndarray:
        scale = CONVENTIONS[self.convention] * self.width**2
        if self.space == "binary":
            return np.full(X.shape, 1.0 / scale)
        return (X - _baseline(reference, "an input-space kernel")) ** 2 / scale

    def __repr__(self) -> str:
        return (
            f"ExponentialKernel(width={self.width}, space={self.space!r}, "
            f"convention={self.convention!r})"
        )


class CosineKernel(LimeKernel):
    """captum ``Lime``'s default similarity exp(−(1 − cos(x, h(z)))² / (2 w²)); not a product."""

    product = False

    def __init__(self, width: Any = 1.0):
        self.width = _width(width)

    def rates(self, X: np.ndarray, reference: Reference) -> np.ndarray:
        raise InputError("the cosine kernel is not a product kernel: it has no rates")

    def weights(self, X: np.ndarray, reference: Reference, masks: np.ndarray) -> np.ndarray:
        b = _baseline(reference, "the cosine kernel")
        hybrid = np.where(masks[None], X[:, None, :], b)  # (m, K, d)
        norms = np.linalg.norm(X, axis=-1)[:, None] * np.linalg.norm(hybrid, axis=-1)
        cos = np.einsum("md,mkd->mk", X, hybrid) / np.maximum(norms, 1e-8)
        return np.exp(-((1.0 - cos) ** 2) / (2 * self.width**2))

    def __repr__(self) -> str:
        return f"CosineKernel(width={self.width})"


def as_kernel(kernel: Any) -> LimeKernel:
    """A kernel object; ``None`` means :class:`UniformKernel`."""
    if kernel is None:
        return UniformKernel()
    if not isinstance(kernel, LimeKernel):
        raise InputError(
            f"kernel must be a LimeKernel (UniformKernel, ProductKernel, ExponentialKernel, "
            f"CosineKernel), got {type(kernel).__name__}: the target depends on the kernel's "
            "exact convention, so it is declared with an object"
        )
    return kernel

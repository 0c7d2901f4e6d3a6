"""The record of Gaussian moments that every ground-truth route returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .validation import InputError

__all__ = ["GaussianMoments"]


@dataclass(frozen=True)
class GaussianMoments:
    """E f, E[grad f] and Cov(x, f(x)) for x ~ N(x0, cov) at m points.

    Attributes
    ----------
    mean : ndarray, shape (m,)
        E f(x).
    smoothgrad : ndarray, shape (m, d)
        E[grad f(x)], the expected SmoothGrad.
    covariance : ndarray, shape (m, d)
        Cov(x, f(x)), computed by a route that does not use Stein's lemma.
    method : str
        How the numbers were obtained: ``"closed form"``,
        ``"gauss-hermite ..."`` or ``"qmc ..."``.
    mean_error, smoothgrad_error, covariance_error : ndarray
        Absolute error estimates of the same shapes: zero for closed forms, the
        change between two quadrature orders, or the standard error over
        randomised quasi-Monte Carlo replicates.
    """

    mean: np.ndarray
    smoothgrad: np.ndarray
    covariance: np.ndarray
    method: str
    mean_error: np.ndarray = field(default=None)  # type: ignore[assignment]
    smoothgrad_error: np.ndarray = field(default=None)  # type: ignore[assignment]
    covariance_error: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for name, like in (
            ("mean_error", self.mean),
            ("smoothgrad_error", self.smoothgrad),
            ("covariance_error", self.covariance),
        ):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros_like(like))

    @property
    def exact(self) -> bool:
        """True when every figure is a closed form (all error estimates zero)."""
        return self.method == "closed form"

    def point(self, i: int = 0) -> GaussianMoments:
        """The moments at the i-th point alone, unbatched: mean shape (), the others (d,)."""
        if np.ndim(self.smoothgrad) != 2:
            raise InputError("these moments hold one point already (unbatched): use them as is")
        return GaussianMoments(
            self.mean[i],
            self.smoothgrad[i],
            self.covariance[i],
            self.method,
            self.mean_error[i],
            self.smoothgrad_error[i],
            self.covariance_error[i],
        )

    def scaled(self, c: float) -> GaussianMoments:
        """Moments of c * f."""
        a = abs(c)
        return GaussianMoments(
            c * self.mean,
            c * self.smoothgrad,
            c * self.covariance,
            self.method,
            a * self.mean_error,
            a * self.smoothgrad_error,
            a * self.covariance_error,
        )

    def __add__(self, other: GaussianMoments) -> GaussianMoments:
        methods = self.method if self.method == other.method else f"{self.method} + {other.method}"
        return GaussianMoments(
            self.mean + other.mean,
            self.smoothgrad + other.smoothgrad,
            self.covariance + other.covariance,
            methods,
            self.mean_error + other.mean_error,
            self.smoothgrad_error + other.smoothgrad_error,
            self.covariance_error + other.covariance_error,
        )

"""What "feature i is absent" means: a baseline point, background rows, or a Gaussian.

Every coalition method explains f(x) against a *reference*; the game is

    v(S) = value of f with the features in S at x and the others drawn from the reference.

=======================  ==================================================================
:class:`Baseline`        v(S) = f(x_S, b_S̄): one point (captum's ``baselines``)
:class:`Background`      v(S) = Σ_r w_r f(x_S, B_rS̄): the weighted mean of f over the rows
                         (interventional, as shap's KernelExplainer): *not* f at the mean row
:class:`GaussianBackground`  z ~ N(μ, Σ) with ``value="interventional"``: v(S) = E f(x_S, z_S̄);
                         ``value="conditional"``: v(S) = E[f(x_S, z_S̄) | z_S = x_S]
=======================  ==================================================================

The references are immutable values validated once, at construction; the dimension is
checked against f when they are used (:func:`as_reference`). See docs/math.md,
"Local function approximation: exact targets".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..covariance import Covariance
from ..validation import InputError, as_array, as_vector

__all__ = [
    "VALUES",
    "Background",
    "Baseline",
    "GaussianBackground",
    "Reference",
    "as_reference",
]

#: The two value functions of a Gaussian background.
VALUES = ("interventional", "conditional")


@dataclass(frozen=True, eq=False)
class Baseline:
    """One baseline point b: v(S) = f(x_S, b_S̄).

    Parameters
    ----------
    point : array_like, shape (d,)
        Finite real numbers.
    """

    point: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "point", as_vector(self.point, "the baseline point"))
        self.point.setflags(write=False)

    @property
    def dim(self) -> int:
        return int(self.point.size)

    def __repr__(self) -> str:
        return f"Baseline({self.point.tolist()})"


@dataclass(frozen=True, eq=False)
class Background:
    """Background rows B_r with weights w_r: v(S) = Σ_r w_r f(x_S, B_rS̄) (interventional).

    The value is the weighted mean of f's *outputs* over the rows; it differs from f at
    the mean row unless f is affine in the replaced features.

    Parameters
    ----------
    rows : array_like, shape (n, d)
        n >= 1 finite rows (one row of shape (d,) is accepted as n = 1).
    weights : array_like, shape (n,), optional
        Non-negative, not all zero; normalised to sum to 1. Equal weights by default.
    """

    rows: np.ndarray
    weights: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        rows = as_array(self.rows, "the background rows")
        if rows.ndim == 1:
            rows = rows[None, :]
        if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] == 0:
            raise InputError(
                f"the background rows must be a non-empty array of shape (n, d), got shape "
                f"{np.shape(self.rows)}; pass at least one row (for one point use Baseline(b))"
            )
        n = rows.shape[0]
        if self.weights is None:
            weights = np.full(n, 1.0 / n)
        else:
            weights = as_array(self.weights, "the background weights").reshape(-1)
            if weights.shape != (n,):
                raise InputError(
                    f"the background weights must have one entry per row ({n}), got shape "
                    f"{np.shape(self.weights)}"
                )
            if np.any(weights < 0):
                raise InputError(
                    f"the background weights must be non-negative, got {int(np.sum(weights < 0))}"
                    " negative weight(s); pass frequencies or probabilities (drop the rows "
                    "you meant to exclude)"
                )
            total = float(np.sum(weights))
            if not total > 0:
                raise InputError(
                    "the background weights are all zero: at least one row must carry weight"
                )
            weights = weights / total
        rows.setflags(write=False)
        weights.setflags(write=False)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "weights", weights)

    @property
    def dim(self) -> int:
        return int(self.rows.shape[1])

    def __repr__(self) -> str:
        return f"Background(n={self.rows.shape[0]}, d={self.dim})"


@dataclass(frozen=True, eq=False)
class GaussianBackground:
    """z ~ N(mean, cov) and the value function used on it.

    Parameters
    ----------
    mean : array_like, shape (d,)
    cov : array_like, shape (d, d), or verify.covariance.Covariance
        Symmetric positive definite (stored as a validated :class:`Covariance`).
    value : {"interventional", "conditional"}
        ``"interventional"``: v(S) = E f(x_S, z_S̄), z_S̄ from its marginal N(μ_S̄, Σ_S̄S̄);
        ``"conditional"``: z_S̄ from N(μ_S̄ + Σ_S̄S Σ_SS⁻¹ (x_S − μ_S), Σ_S̄S̄ − Σ_S̄S Σ_SS⁻¹ Σ_SS̄).
        The two agree when cov is diagonal.
    """

    mean: np.ndarray
    cov: Covariance
    value: str = "interventional"

    def __post_init__(self) -> None:
        mean = as_vector(self.mean, "the background mean")
        cov = Covariance.of(self.cov, mean.size, name="the background covariance")
        if not isinstance(self.value, str) or self.value not in VALUES:
            raise InputError(
                f"value must be 'interventional' or 'conditional', got {self.value!r}: "
                "interventional replaces absent features by draws from their marginal, "
                "conditional by draws given the present ones"
            )
        mean.setflags(write=False)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", cov)

    @property
    def dim(self) -> int:
        return int(self.mean.size)

    @property
    def independent(self) -> bool:
        """True when cov is diagonal (then the two value functions coincide)."""
        matrix = self.cov.matrix
        return bool(np.all(matrix == np.diag(np.diag(matrix))))

    def __repr__(self) -> str:
        return f"GaussianBackground(d={self.dim}, value={self.value!r})"


Reference = Baseline | Background | GaussianBackground


def as_reference(reference: Any, dim: int) -> Reference:
    """A validated reference of dimension ``dim``.

    A reference object passes through (its dimension checked); a plain vector of shape
    (d,) is read as ``Baseline(vector)``.
    """
    if not isinstance(reference, Baseline | Background | GaussianBackground):
        arr = np.asarray(reference) if not isinstance(reference, str | bytes) else None
        if arr is not None and arr.ndim == 2 and arr.dtype.kind in "fiu":
            raise InputError(
                f"a 2-D reference of shape {arr.shape} is ambiguous: wrap background rows in "
                "Background(rows) (the mean of f over the rows) or pass one point as Baseline(b)"
            )
        reference = Baseline(reference)
    if reference.dim != dim:
        raise InputError(
            f"the reference has dimension {reference.dim} but f has dimension {dim}; pass a "
            f"{type(reference).__name__} with {dim} features"
        )
    return reference

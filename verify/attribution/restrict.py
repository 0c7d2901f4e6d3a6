"""Partial evaluation that stays in the family: fix the features in S at x_S.

``restrict(f, S, x_S)`` is the function z ↦ f(x_S, z) of the *free* features F (the
complement of S, in increasing index order). Each family maps to itself, so the exact
Gaussian moments of the restriction are the family's own closed forms
(docs/math.md, "Partial evaluation"):

==========================  ==============================================================
Polynomial                  each term c x^α ↦ (c x_S^α_S) z^α_F (terms merged)
RBFMixture                  completing the square: a e^{-½ (y-m)ᵀA(y-m)} with y = (x_S, z) ↦
                            a e^{-½ q*} e^{-½ (z - m')ᵀ A_FF (z - m')},
                            m' = m_F − A_FF⁺ A_FS (x_S − m_S), q* the full form at (x_S, m')
RidgeFunction               g(w_Fᵀ z + (b + w_Sᵀ x_S))
Network                     the first layer's bias absorbs the fixed inputs: b₁ + W₁[:, S] x_S
LinearCombination           term by term
Translated                  f(· + t) ↦ restrict(f, S, x_S + t_S)(· + t_F)
==========================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from typing import Any

import numpy as np

from ..functions import (
    Function,
    LinearCombination,
    Network,
    Polynomial,
    RBFMixture,
    RidgeFunction,
    Translated,
    as_function,
)
from ..validation import InputError, as_array

__all__ = ["coalition_indices", "restrict"]


def coalition_indices(S: Any, dim: int) -> np.ndarray:
    """The fixed features as an int array: indices (any order, no repeats) or a boolean mask."""
    if isinstance(S, str | bytes) or S is None:
        raise InputError(f"S must be feature indices or a boolean mask of length {dim}, got {S!r}")
    raw = np.asarray(S)
    if raw.dtype.kind == "b":
        if raw.shape != (dim,):
            raise InputError(f"a boolean mask S must have shape ({dim},), got {raw.shape}")
        return np.flatnonzero(raw)
    if raw.size == 0:
        return np.zeros(0, dtype=int)
    if raw.ndim != 1 or raw.dtype.kind not in "iu":
        raise InputError(
            f"S must be a 1-D sequence of int feature indices or a boolean mask, got {S!r}"
        )
    if np.any(raw < 0) or np.any(raw >= dim):
        raise InputError(f"feature indices must lie in 0..{dim - 1}, got {raw.tolist()}")
    if np.unique(raw).size != raw.size:
        raise InputError(f"feature indices must not repeat, got {raw.tolist()}")
    return raw.astype(int)


def restrict(f: Function, S: Sequence[int] | np.ndarray, x_S: Any) -> Function:
    """f with the features S fixed at x_S: a function of the free features, same family.

    Parameters
    ----------
    f : Function
        Polynomial, RBFMixture, RidgeFunction, Network, LinearCombination or Translated.
    S : sequence of int or boolean mask of shape (d,)
        The fixed features; ``x_S[k]`` is the value of feature ``S[k]`` (for a mask, in
        increasing index order). At least one feature must stay free.
    x_S : array_like, shape (|S|,)

    Returns
    -------
    Function
        g of dimension d − |S| with g(z) = f(y), y_S = x_S and y_F = z, F the free features
        in increasing index order.

    Raises
    ------
    InputError
        For bad indices or values, no free feature, or a family without a rule.
    """
    f = as_function(f)
    idx = coalition_indices(S, f.dim)
    values = as_array(x_S, "x_S").reshape(-1)
    if values.size != idx.size:
        raise InputError(f"x_S has {values.size} value(s) but S fixes {idx.size} feature(s)")
    if idx.size == f.dim:
        raise InputError(
            "restrict needs at least one free feature: with every feature fixed the result "
            "is the number f(x); evaluate f(x) instead"
        )
    order = np.argsort(idx)
    idx, values = idx[order], values[order]
    free = np.setdiff1d(np.arange(f.dim), idx)
    return _restrict(f, idx, values, free)


@singledispatch
def _restrict(f: Function, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    raise InputError(
        f"restrict has no rule for {type(f).__name__}: it keeps Polynomial, RBFMixture, "
        "RidgeFunction, Network, LinearCombination and Translated in their families; "
        "express the model in one of them"
    )


@_restrict.register
def _(f: Polynomial, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    terms: dict[tuple[int, ...], float] = {}
    for alpha, c in f.coefficients.items():
        a = np.asarray(alpha)
        factor = c * float(np.prod(x_S ** a[S]))
        key = tuple(int(e) for e in a[F])
        terms[key] = terms.get(key, 0.0) + factor
    return Polynomial(terms)


@_restrict.register
def _(f: RBFMixture, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    weights, centers = [], []
    for a, m, A in zip(f.weights, f.centers, f.precisions, strict=True):
        A_FF, A_FS = A[np.ix_(F, F)], A[np.ix_(F, S)]
        e = x_S - m[S]
        # A PSD => range(A_FS) ⊆ range(A_FF), so the pseudo-inverse gives the minimiser.
        shift = _pinv(A_FF, float(np.max(np.abs(A), initial=0.0))) @ (A_FS @ e)
        m_free = m[F] - shift
        y = np.empty(f.dim)
        y[S], y[F] = x_S, m_free
        u = y - m
        q_min = max(float(u @ A @ u), 0.0)  # the form's minimum over z: its Schur complement
        weights.append(a * np.exp(-0.5 * q_min))
        centers.append(m_free)
    precisions = f.precisions[:, F][:, :, F]
    return RBFMixture(np.array(weights), np.array(centers), precisions)


def _pinv(block: np.ndarray, scale: float) -> np.ndarray:
    """Pseudo-inverse of a PSD block, dropping eigenvalues at or below machine epsilon times
    the *whole* precision's scale (directions flat to working precision). Relative to the
    block alone, a block of subnormal entries (numerically 0, as generated inputs can be)
    was inverted (1 / 5e-323 = inf) and poisoned the restriction with inf and NaN."""
    w, V = np.linalg.eigh(block)
    keep = w > np.finfo(float).eps * scale
    return (V[:, keep] / w[keep]) @ V[:, keep].T


@_restrict.register
def _(f: RidgeFunction, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    return RidgeFunction(f.w[F], f.b + float(f.w[S] @ x_S), f.link)


@_restrict.register
def _(f: Network, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    weights = [W.copy() for W in f.weights]
    biases = [b.copy() for b in f.biases]
    biases[0] = biases[0] + weights[0][:, S] @ x_S
    weights[0] = weights[0][:, F]
    name = f.activation.name
    return Network(weights, biases, "sigmoid" if name == "logistic" else name, f.output)


@_restrict.register
def _(f: LinearCombination, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    return LinearCombination([(c, _restrict(g, S, x_S, F)) for c, g in f.terms])


@_restrict.register
def _(f: Translated, S: np.ndarray, x_S: np.ndarray, F: np.ndarray) -> Function:
    inner = _restrict(f.f, S, x_S + f.shift[S], F)
    return Translated(inner, f.shift[F])

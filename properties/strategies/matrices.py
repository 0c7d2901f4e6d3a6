"""Strategies for dimensions, covariances, points and seeds: built, never filtered.

A covariance is assembled from drawn eigenvalues and a drawn rotation (Givens
angles), so every example is symmetric positive definite by construction and
the shrinker moves towards the identity; points shrink to 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verify.validation import InputError

__all__ = [
    "SMALL_DIMENSIONS",
    "bounded_floats",
    "condition_bucket",
    "covariances",
    "dimension",
    "nearby_pairs",
    "points",
    "seeds",
    "unit_vectors",
]

SMALL_DIMENSIONS = st.integers(1, 3)  # the default dimension strategy (shrinks to 1)


def dimension(draw: st.DrawFn, value: int | st.SearchStrategy[int]) -> int:
    d = draw(value) if isinstance(value, st.SearchStrategy) else value
    if not isinstance(d, int | np.integer) or d < 1:
        raise InputError(f"dimension must be a positive int (or a strategy of them), got {d!r}")
    return int(d)


def bounded_floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def condition_bucket(cov: np.ndarray) -> str:
    """A coarse label of cond(cov) for ``event()``: cond=1, cond in [1e0,1e1), ..., cond>=1e4."""
    eig = np.linalg.eigvalsh(cov)
    cond = float(eig[-1] / eig[0])
    if cond < 1 + 1e-9:
        return "cond=1"
    # A small relative slack puts a condition of exactly 10**k in its own decade.
    decade = math.floor(math.log10(cond) + 1e-9)
    return "cond>=1e4" if decade >= 4 else f"cond in [1e{decade},1e{decade + 1})"


def _givens_product(d: int, angles: Sequence[float]) -> np.ndarray:
    """Product of Givens rotations over all pairs i < j (Euler angles of SO(d))."""
    q = np.eye(d)
    k = 0
    for i in range(d):
        for j in range(i + 1, d):
            c, s = math.cos(angles[k]), math.sin(angles[k])
            rot = np.eye(d)
            rot[i, i] = rot[j, j] = c
            rot[i, j], rot[j, i] = -s, s
            q = q @ rot
            k += 1
    return q


def _from_spectrum(draw: st.DrawFn, d: int, kind: str, base: float, c: float) -> np.ndarray:
    """sigma^2 I = 10**base I, or eigenvalues 10**(base + c t) (t drawn, from 0 to 1) on the
    axes ("diagonal") or rotated by drawn Givens angles ("full"), symmetrised."""
    if kind == "isotropic":
        return np.eye(d) * 10.0**base
    k = max(d - 2, 0)
    inner = draw(st.lists(bounded_floats(0.0, 1.0), min_size=k, max_size=k))
    spreads = [0.0, *inner, 1.0][:d] if d > 1 else [0.0]
    eig = 10.0 ** (base + c * np.array(spreads))
    if kind == "diagonal" or d == 1:
        return np.diag(eig)
    n_angles = d * (d - 1) // 2
    angles = draw(st.lists(bounded_floats(-math.pi, math.pi), min_size=n_angles, max_size=n_angles))
    q = _givens_product(d, angles)
    cov = (q * eig) @ q.T
    return (cov + cov.T) / 2


@st.composite
def covariances(
    draw: st.DrawFn,
    dim: int | st.SearchStrategy[int] = 2,
    *,
    min_eigenvalue: float = 1e-3,
    max_eigenvalue: float = 1e2,
    max_condition: float = 1e5,
    kind: str = "full",
    label: bool = True,
    min_condition: float = 1.0,
) -> np.ndarray:
    """Symmetric positive definite (d, d) matrices, built from eigenvalues and a rotation.

    Eigenvalues are lambda_i = 10**(e0 + c t_i) with t = (0, t_2, ..., t_{d-1}, 1):
    the base exponent e0 and the condition exponent c = log10(cond) are floats
    that shrink to 0, so the matrix shrinks to the identity; the rotation is a
    product of Givens rotations whose angles shrink to 0 (a diagonal matrix).
    Every example satisfies, by construction,

        min_eigenvalue <= lambda_min,  lambda_max <= max_eigenvalue,
        lambda_max / lambda_min <= max_condition.

    Parameters
    ----------
    dim : int or strategy of int
    min_eigenvalue, max_eigenvalue : float
        Bounds on the spectrum (0 < min <= max).
    max_condition : float
        Upper bound on the condition number (>= 1); every decade up to it is
        reached because log10(cond) itself is drawn.
    min_condition : float
        Lower bound on the condition number (default 1), to concentrate a test
        on ill-conditioned matrices (needs d >= 2 and kind "full" or "diagonal").
    kind : {"full", "diagonal", "isotropic"}
        Rotated, axis-aligned, or sigma^2 I.
    label : bool
        Emit ``event()`` labels (d, condition bucket); off for inner uses such
        as the precision matrices of an RBF mixture.
    """
    if kind not in ("full", "diagonal", "isotropic"):
        raise InputError(f"kind must be 'full', 'diagonal' or 'isotropic', got {kind!r}")
    if not 0 < min_eigenvalue <= max_eigenvalue or not max_condition >= 1:
        raise InputError(
            "need 0 < min_eigenvalue <= max_eigenvalue and max_condition >= 1, got "
            f"{min_eigenvalue}, {max_eigenvalue}, {max_condition}"
        )
    d = dimension(draw, dim)
    lo, hi = math.log10(min_eigenvalue), math.log10(max_eigenvalue)
    c_max = min(math.log10(max_condition), hi - lo)
    c_min = math.log10(min_condition) if min_condition > 1 else 0.0
    if c_min > c_max or (c_min > 0 and (kind == "isotropic" or d == 1)):
        raise InputError(
            f"min_condition={min_condition} cannot be met: the spectrum bounds allow "
            f"{10**c_max:.3g} at most, and sigma^2 I or a 1 x 1 matrix has condition 1"
        )
    if kind == "isotropic" or d == 1:
        c = 0.0
    else:
        # The condition exponent c = log10(cond) is drawn first, so every decade up to
        # max_condition is reached (not only the simple values a float strategy favours).
        c = draw(bounded_floats(c_min, c_max))
    # The base exponent e0 shrinks to 0 (lambda = 1) when 1 is admissible; the extreme
    # eigenvalues are 10**e0 and 10**(e0 + c), the others spread in between.
    base = draw(bounded_floats(lo, hi - c))
    cov = _from_spectrum(draw, d, kind, base, c)
    if label:
        event(f"d={d}")
        event(condition_bucket(cov))
    return cov


def points(dim: int, *, bound: float = 3.0) -> st.SearchStrategy[np.ndarray]:
    """Points of R^d in the box [-bound, bound]^d (shrink to 0)."""
    return hnp.arrays(np.float64, (dim,), elements=bounded_floats(-bound, bound))


@st.composite
def nearby_pairs(
    draw: st.DrawFn,
    dim: int,
    *,
    bound: float = 3.0,
    min_distance: float = 1e-3,
    max_distance: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (x, y) with min_distance <= ||x - y|| <= max_distance.

    y = x + r u / ||u||; a zero direction u becomes e_1 (no filtering).
    """
    x = draw(points(dim, bound=bound))
    u = draw(hnp.arrays(np.float64, (dim,), elements=bounded_floats(-1.0, 1.0)))
    norm = float(np.linalg.norm(u))
    u = u / norm if norm > 1e-6 else np.eye(dim)[0]
    r = draw(bounded_floats(min_distance, max_distance))
    return x, x + r * u


def seeds() -> st.SearchStrategy[int]:
    """Seeds for numpy generators (shrink to 0)."""
    return st.integers(0, 2**32 - 1)


@st.composite
def unit_vectors(draw: st.DrawFn, dim: int) -> np.ndarray:
    """Unit vectors of R^d; a draw too close to 0 becomes e_1 (no filtering)."""
    u = draw(hnp.arrays(np.float64, (dim,), elements=bounded_floats(-1.0, 1.0)))
    norm = float(np.linalg.norm(u))
    return u / norm if norm > 1e-6 else np.eye(dim)[0]

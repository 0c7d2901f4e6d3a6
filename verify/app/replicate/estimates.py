"""SmoothGrad_n and C-LIME_n for a whole grid of n from one pass over nested samples.

The estimate at n uses the first n of n_max perturbations (nested samples), so
one evaluation of f and grad f on n_max offsets per point gives every n of the
grid through prefix sums: the work is that of the largest n alone, not of the
sum of the grid. Every estimate equals, to rounding, what
:func:`verify.estimators.smoothgrad` and :func:`verify.estimators.clime` return
for ``noise=z[:n]`` (the tests check this); estimates at different n are
correlated, which changes nothing in the expectation of a curve.

The offsets are shared by the points of one call (common random numbers across
points); callers draw independent offsets for every call where independence is
needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.linalg import solve_triangular

from verify.functions import Function
from verify.validation import InputError, as_covariance, as_points, check_finite_output

__all__ = ["check_grid", "nested_estimates"]

_MAX_ROWS = 400_000  # points x samples evaluated at once (bounds memory)


def check_grid(grid: Sequence[int]) -> np.ndarray:
    """A strictly increasing grid of positive sample sizes, as an int array."""
    g = np.asarray(grid)
    if g.ndim != 1 or g.size == 0 or not np.issubdtype(g.dtype, np.integer):
        raise InputError(f"the grid of n must be a non-empty list of integers, got {grid!r}")
    if g[0] < 1 or np.any(np.diff(g) <= 0):
        raise InputError(f"the grid of n must be positive and strictly increasing, got {grid!r}")
    return g.astype(int)


def nested_estimates(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    z: np.ndarray,
    grid: Sequence[int],
    *,
    smoothgrad: bool = True,
) -> tuple[np.ndarray | None, np.ndarray]:
    """SmoothGrad_n and C-LIME_n at every n of ``grid`` on the offsets ``z[:n]``.

    Parameters
    ----------
    f : Function
    x0 : array_like, shape (m, d)
    cov : array_like, shape (d, d)
        The covariance the offsets were drawn from (C-LIME works in its whitened
        coordinates, as :func:`verify.estimators.clime` does).
    z : array_like, shape (n_max, d)
        Offsets shared by all m points; n_max >= grid[-1].
    grid : sequence of int
    smoothgrad : bool
        Also return SmoothGrad (False skips nothing costly for a Network but
        saves the gradient for other families).

    Returns
    -------
    (sg, clime) : arrays of shape (len(grid), m, d)
        ``sg`` is None when not asked for; C-LIME is NaN where n <= d (it needs
        n >= d + 1 perturbations to fit d slopes and an intercept).
    """
    X0, _ = as_points(x0, f.dim)
    cov = as_covariance(cov, f.dim)
    grid = check_grid(grid)
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[1] != f.dim or z.shape[0] < grid[-1]:
        raise InputError(
            f"z must have shape (n_max, {f.dim}) with n_max >= {grid[-1]}, got {z.shape}"
        )
    z = z[: grid[-1]]
    m, d = X0.shape
    # L^{-1} once per call: many tiny triangular solves cost more than the model here.
    linv = solve_triangular(np.linalg.cholesky(cov), np.eye(d), lower=True)
    u = z @ linv.T  # whitened offsets, ~ N(0, I)
    starts = np.concatenate([[0], grid[:-1]])
    counts = grid.astype(float)
    # Offsets-only prefix sums: shared by every point of the call.
    su = np.cumsum(np.add.reduceat(u, starts, axis=0), axis=0)  # (B, d)
    blocks = [u[a:b] for a, b in zip(starts, grid, strict=True)]
    suu = np.cumsum(np.stack([b.T @ b for b in blocks]), axis=0)  # (B, d, d)
    ubar = su / counts[:, None]
    gram = suu / counts[:, None, None] - ubar[:, :, None] * ubar[:, None, :]  # (B, d, d)
    sg = np.empty((grid.size, m, d)) if smoothgrad else None
    cl = np.full((grid.size, m, d), np.nan)
    chunk = max(1, _MAX_ROWS // grid[-1])
    for lo in range(0, m, chunk):
        part = slice(lo, min(m, lo + chunk))
        y, gsum = f.values_and_gradient_sums_near(X0[part], z, starts)
        check_finite_output(y, "f")
        if sg is not None:
            check_finite_output(gsum, "the gradient of f")
            sg[:, part] = np.cumsum(gsum, axis=1).transpose(1, 0, 2) / counts[:, None, None]
        sy = np.cumsum(np.add.reduceat(y, starts, axis=1), axis=1)  # (mc, B)
        # sum_j u_j y_ij per block: (B, mc, d)
        suy = np.cumsum(
            np.stack([y[:, a:b] @ blk for a, b, blk in zip(starts, grid, blocks, strict=True)]),
            axis=0,
        )
        for k, n in enumerate(grid):
            if n <= d:
                continue
            rhs = suy[k] / n - (sy[:, k] / n)[:, None] * ubar[k]  # (mc, d)
            beta = np.linalg.solve(gram[k], rhs.T)  # (d, mc)
            cl[k, part] = beta.T @ linv  # w = L^{-T} beta
    return sg, cl

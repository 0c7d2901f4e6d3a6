"""Reference empirical SmoothGrad and C-LIME (MATH.md section 1).

Both are vectorised over points and samples: ``x0`` of shape (m, d) gives an
(m, d) answer, computed with one batch of model evaluations on an (m, n, d)
array of perturbed points. The randomness is an input: a ``seed`` (int or
``numpy.random.Generator``) or the perturbation offsets themselves
(``noise``), so that two estimators or two functions can share common random
numbers (Proposition 2 then holds exactly).

C-LIME is ordinary (optionally ridge- and kernel-weighted) least squares with
an intercept. It is solved in whitened coordinates u = L^{-1}(a - x0),
cov = L L^T, where the Gram matrix of a Gaussian sample is close to the
identity whatever the conditioning of cov; the slope is mapped back by a
triangular solve. No ill-conditioned matrix is ever inverted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from .functions import Function, as_function
from .validation import (
    InputError,
    as_covariance,
    as_generator,
    as_kernel_width,
    as_points,
    as_ridge,
    as_sample_size,
    check_finite_output,
)

__all__ = ["clime", "draw_noise", "ridge_from_sklearn_alpha", "smoothgrad"]

SeedLike = int | np.random.Generator | None


def draw_noise(cov: Any, n: int, seed: SeedLike = 0, m: int | None = None) -> np.ndarray:
    """Perturbation offsets z ~ N(0, cov): shape (n, d), or (m, n, d) if ``m`` is given."""
    cov = as_covariance(cov)
    n = as_sample_size(n)
    shape = (n, cov.shape[0]) if m is None else (int(m), n, cov.shape[0])
    return as_generator(seed).standard_normal(shape) @ np.linalg.cholesky(cov).T


def _perturb(
    X0: np.ndarray,
    cov: np.ndarray,
    n: int | None,
    seed: SeedLike,
    noise: Any,
    shared_noise: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (offsets z, whitened offsets u, Cholesky factor L), z and u of shape (m|1, n, d)."""
    m, d = X0.shape
    chol = np.linalg.cholesky(cov)
    if noise is None:
        n = as_sample_size(n)
        shape = (1 if shared_noise else m, n, d)
        u = as_generator(seed).standard_normal(shape)
        return u @ chol.T, u, chol
    z = np.array(noise, dtype=float)
    if z.ndim == 2:
        z = z[None]
    if z.ndim != 3 or z.shape[-1] != d or z.shape[0] not in (1, m):
        raise InputError(
            f"noise must have shape (n, {d}) (shared by all points) or ({m}, n, {d}), "
            f"got {np.shape(noise)}"
        )
    if n is not None and z.shape[1] != n:
        raise InputError(
            f"noise holds {z.shape[1]} perturbations but n = {n}; pass n=None or match them"
        )
    if not np.all(np.isfinite(z)):
        raise InputError("noise contains NaN or infinite values")
    u = solve_triangular(chol, z.reshape(-1, d).T, lower=True).T.reshape(z.shape)
    return z, u, chol


def _shaped(values: np.ndarray, single: bool) -> np.ndarray:
    return values[0] if single else values


def smoothgrad(
    f: Function,
    x0: Any,
    cov: Any,
    n: int | None,
    seed: SeedLike = 0,
    *,
    noise: Any = None,
    shared_noise: bool = False,
) -> np.ndarray:
    """Empirical SmoothGrad SG_n(x0) = (1/n) sum_i grad f(x0 + z_i), z_i ~ N(0, cov).

    Parameters
    ----------
    f : Function
        A model with an exact ``gradient``.
    x0 : array_like, shape (d,) or (m, d)
    cov : array_like, shape (d, d)
    n : int
        Number of perturbations per point (``None`` if ``noise`` is given).
    seed : int, Generator or None
    noise : array_like, optional
        The offsets z themselves, shape (n, d) (shared by all points) or (m, n, d).
    shared_noise : bool
        Draw one set of n offsets and use it at every point (common random
        numbers across points: each estimate has the same distribution, draws
        are m times cheaper).

    Returns
    -------
    ndarray, shape (d,) or (m, d)
    """
    f = as_function(f)
    X0, single = as_points(x0, f.dim)
    cov = as_covariance(cov, f.dim)
    z, _, _ = _perturb(X0, cov, n, seed, noise, shared_noise)
    sg = f.mean_gradient_near(X0, z)
    check_finite_output(sg, "the gradient of f")
    return _shaped(sg, single)


def clime(
    f: Function,
    x0: Any,
    cov: Any,
    n: int | None,
    seed: SeedLike = 0,
    *,
    ridge: float = 0.0,
    kernel_width: float | None = None,
    noise: Any = None,
    shared_noise: bool = False,
    return_intercept: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Empirical C-LIME: least squares with intercept on Gaussian perturbations.

    Minimises sum_i pi_i (f(a_i) - w^T a_i - w0)^2 + ridge * ||w||^2 with the
    weights pi normalised to sum to one (pi_i = 1/n without a kernel), so that
    ``ridge`` is the mean-loss lambda of MATH.md section 7. sklearn's
    ``Ridge(alpha)`` corresponds to ``ridge = alpha / sum(raw weights)``, see
    :func:`ridge_from_sklearn_alpha`.

    Parameters
    ----------
    f, x0, cov, n, seed, noise, shared_noise
        As in :func:`smoothgrad`.
    ridge : float
        lambda >= 0; the intercept is not penalised.
    kernel_width : float, optional
        Weights pi_i = exp(-||a_i - x0||^2 / (2 kw^2)) (lime's kernel, in input units).
    return_intercept : bool
        Also return w0 of g(a) = w^T a + w0.

    Returns
    -------
    ndarray, shape (d,) or (m, d)
        The slope w (and the intercept, shape () or (m,), if asked).

    Raises
    ------
    InputError
        For n <= d without ridge, non-finite model outputs, kernel weights that
        all underflow, or perturbations that do not span R^d.
    """
    f = as_function(f)
    X0, single = as_points(x0, f.dim)
    cov = as_covariance(cov, f.dim)
    d = f.dim
    lam = as_ridge(ridge)
    n_eff = n if noise is None else np.shape(noise)[-2]
    if lam == 0 and n_eff is not None and n_eff <= d:
        raise InputError(
            f"C-LIME needs n >= d + 1 = {d + 1} perturbations to fit {d} slopes and an "
            f"intercept, got n = {n_eff}; raise n or pass ridge > 0"
        )
    z, u, chol = _perturb(X0, cov, n, seed, noise, shared_noise)
    y = f.values_near(X0, z)
    check_finite_output(y, "f")
    if kernel_width is None:
        weights = np.full(z.shape[:2], 1.0 / z.shape[1])
    else:
        kw = as_kernel_width(kernel_width)
        log_pi = -np.sum(z * z, axis=-1) / (2 * kw * kw)
        # Normalise in log space: the raw weights may all underflow for a small kw.
        weights = np.exp(log_pi - log_pi.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
    # Weighted moments of the whitened offsets u (mean ~ 0, covariance ~ I), so the
    # centring identities below lose no precision and need no (k, n, d) temporaries.
    ut = u.transpose(0, 2, 1)  # (k, d, n)
    u_bar = (ut @ weights[..., None])[..., 0]  # (k, d)
    y_bar = np.sum(weights * y, axis=-1)  # (m,)
    wu = ut if kernel_width is None else ut * weights[:, None, :]
    gram = wu @ u
    if kernel_width is None:
        gram = gram / u.shape[1]
    gram = gram - u_bar[:, :, None] * u_bar[:, None, :]  # (k, d, d), close to I
    rhs = (wu @ y[..., None])[..., 0]
    if kernel_width is None:
        rhs = rhs / u.shape[1]
    rhs = rhs - u_bar * y_bar[:, None]  # (m, d)
    gram = np.broadcast_to(gram, (X0.shape[0], d, d)) if gram.shape[0] == 1 else gram
    if lam > 0:
        # ||w||^2 = beta^T L^{-1} L^{-T} beta for beta = L^T w.
        linv = solve_triangular(chol, np.eye(d), lower=True)
        gram = gram + lam * (linv @ linv.T)
    else:
        eig = np.linalg.eigvalsh(gram)
        if np.any(eig[..., 0] <= 1e-12 * eig[..., -1]):
            raise InputError(
                "the perturbations do not span R^d (their weighted covariance is singular); "
                "raise n, check the noise you passed, or widen kernel_width"
            )
    beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    slope = solve_triangular(chol.T, beta.T, lower=False, check_finite=False).T
    if not return_intercept:
        return _shaped(slope, single)
    z_bar = (z.transpose(0, 2, 1) @ weights[..., None])[..., 0]
    intercept = y_bar - np.sum(slope * (X0 + z_bar), axis=-1)
    return _shaped(slope, single), _shaped(intercept, single)


def ridge_from_sklearn_alpha(alpha: float, n: int | None = None, weights: Any = None) -> float:
    """The mean-loss lambda equivalent to sklearn ``Ridge(alpha)``.

    sklearn minimises sum_i pi_i r_i^2 + alpha ||w||^2; dividing by sum_i pi_i
    gives lambda = alpha / sum_i pi_i (alpha / n without weights).
    """
    if weights is not None:
        total = float(np.sum(weights))
    elif n is not None:
        total = float(as_sample_size(n))
    else:
        raise InputError("give n (unweighted) or the sample weights")
    return float(alpha) / total

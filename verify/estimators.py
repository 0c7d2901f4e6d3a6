"""Reference empirical SmoothGrad and C-LIME (docs/math.md, the estimators).

Both are vectorised over points and samples: ``x0`` of shape (m, d) gives an
(m, d) answer. The randomness is an input: a ``seed`` (int or
``numpy.random.Generator``) or the perturbation offsets themselves
(``noise``), so that two estimators or two functions can share common random
numbers (Proposition 2 then holds exactly).

C-LIME is ordinary (optionally ridge- and kernel-weighted) least squares with
an intercept. It is solved in whitened coordinates u = L^{-1}(a - x0),
cov = L L^T, where the Gram matrix of a Gaussian sample is close to the
identity whatever the conditioning of cov; the slope is mapped back by a
triangular solve. No ill-conditioned matrix is ever inverted.

Memory stays bounded whatever n and m: f is evaluated on blocks of at most
``chunk_size`` perturbed points (default: 2**24 floats per block counting the
offsets and f's ``evaluation_width``, about 240 MiB at the peak). A call that
fits in one block (every call ``verify run --profile ci`` makes, the largest 200
points x 2000 samples of a 10-unit network in d = 5) runs the one-block
arithmetic unchanged, bit for bit.
A larger call is evaluated block by block, whole points per block while n
samples fit, else one point's samples split with their sums accumulated; it
agrees with the one-block answer to about 1e-14 relative (tested to 1e-12), not
bit for bit: the sums over samples are reordered, and BLAS and LAPACK round a
stack of fewer matrices differently. The random stream is consumed in the same
order either way (numpy fills a C-order array from one stream, point by point,
sample by sample), so a seed means the same sample whatever the block size.
The blocks and the offsets live in :mod:`verify.offsets`.

The offsets are z = L u with u the standard normals drawn from the seed. Families
that map u themselves (ridge functions, networks and combinations of them:
:meth:`~verify.functions.Function.values_near_whitened`) are evaluated from u, and z
is built only when a kernel weighs it: the same sample, rounded differently (within
about 1e-15 relative of the z route), and about the cost of drawing u alone
(``benchmarks/test_bench_estimators.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .closed_form import KERNEL_COVARIANCE, KERNEL_FIX, kernel_weighted
from .covariance import Covariance
from .functions import Function, as_function
from .offsets import (
    Offsets,
    mean_gradient_at,
    rows_per_block,
    sample_blocks,
    values_at,
    whole_points,
)
from .validation import (
    InputError,
    as_array,
    as_count,
    as_flag,
    as_generator,
    as_kernel_width,
    as_points,
    as_ridge,
    as_sample_size,
    check_finite_output,
)

__all__ = ["clime", "draw_noise", "ridge_from_sklearn_alpha", "smoothgrad"]

SeedLike = int | np.random.Generator | None

_SPAN_RTOL = 1e-12  # the perturbations span R^d when lambda_min > 1e-12 lambda_max


def draw_noise(cov: Any, n: int, seed: SeedLike = 0, m: int | None = None) -> np.ndarray:
    """Perturbation offsets z ~ N(0, cov): shape (n, d), or (m, n, d) if ``m`` is given.

    z = L u with u standard normal drawn from ``seed`` (C order) and cov = L L^T: the
    estimators draw the same offsets from the same seed.
    """
    cov = Covariance.of(cov)
    n = as_sample_size(n)
    shape = (n, cov.dim) if m is None else (as_count(m, "m", 0), n, cov.dim)
    return cov.colorize(as_generator(seed).standard_normal(shape))


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
    chunk_size: int | None = None,
) -> np.ndarray:
    """Empirical SmoothGrad SG_n(x0) = (1/n) sum_i grad f(x0 + z_i), z_i ~ N(0, cov).

    Parameters
    ----------
    f : Function
        A model with an exact ``gradient``.
    x0 : array_like, shape (d,) or (m, d)
    cov : array_like, shape (d, d), or Covariance
    n : int
        Number of perturbations per point (``None`` if ``noise`` is given).
    seed : int, Generator or None
    noise : array_like, optional
        The offsets z themselves, shape (n, d) (shared by all points) or (m, n, d).
    shared_noise : bool
        Draw one set of n offsets and use it at every point (common random
        numbers across points: each estimate has the same distribution, draws
        are m times cheaper).
    chunk_size : int, optional
        Most perturbed points evaluated at once (default: 32 MiB per intermediate
        array); the result does not depend on it beyond rounding (see the module).

    Returns
    -------
    ndarray, shape (d,) or (m, d)
    """
    f = as_function(f)
    X0, single = as_points(x0, f.dim)
    cov = Covariance.of(cov, f.dim)
    cov.check_resolution(X0)
    shared = as_flag(shared_noise, "shared_noise")
    offsets = Offsets(X0, cov, n, seed, noise, shared, not f.maps_whitened_offsets)
    rows = rows_per_block(f, chunk_size)
    sg = np.zeros(X0.shape)
    if offsets.n <= rows:
        for points, z, u in whole_points(offsets, X0.shape[0], rows):
            part = slice(points.start, points.stop)
            sg[part] = mean_gradient_at(f, X0[part], z, u, cov)
    else:
        for points, samples, z, u in sample_blocks(offsets, X0.shape[0], rows):
            part = mean_gradient_at(f, X0[points.start : points.stop], z, u, cov)
            sg[points.start : points.stop] += len(samples) * part
        sg /= offsets.n
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
    chunk_size: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Empirical C-LIME: least squares with intercept on Gaussian perturbations.

    Minimises sum_i pi_i (f(a_i) - w^T a_i - w0)^2 + ridge * ||w||^2 with the
    weights pi normalised to sum to one (pi_i = 1/n without a kernel), so that
    ``ridge`` is the mean-loss lambda of docs/math.md (Lemma 6). sklearn's
    ``Ridge(alpha)`` corresponds to ``ridge = alpha / sum(raw weights)``, see
    :func:`ridge_from_sklearn_alpha`.

    Parameters
    ----------
    f, x0, cov, n, seed, noise, shared_noise, chunk_size
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
        all underflow, perturbations that do not span R^d, or a covariance (or
        kernel-weighted covariance) too small for double precision.
    """
    f = as_function(f)
    X0, single = as_points(x0, f.dim)
    cov = Covariance.of(cov, f.dim)
    d = f.dim
    lam = as_ridge(ridge)
    kw = None if kernel_width is None else as_kernel_width(kernel_width)
    return_intercept = as_flag(return_intercept, "return_intercept")
    cov.check_resolution(X0)
    if kw is not None:
        kernel_weighted(cov, kw).check_resolution(X0, KERNEL_COVARIANCE, KERNEL_FIX)
    shared = as_flag(shared_noise, "shared_noise")
    need_z = kw is not None or not f.maps_whitened_offsets
    offsets = Offsets(X0, cov, n, seed, noise, shared, need_z)
    if lam == 0 and offsets.n <= d:
        raise InputError(
            f"C-LIME needs n >= d + 1 = {d + 1} perturbations to fit {d} slopes and an "
            f"intercept, got n = {offsets.n}; raise n or pass ridge > 0"
        )
    rows = rows_per_block(f, chunk_size)
    slope, intercept = _clime_fits(f, X0, offsets, rows, lam, kw, return_intercept)
    if not return_intercept:
        return _shaped(slope, single)
    return _shaped(slope, single), _shaped(intercept, single)


def _clime_fits(
    f: Function,
    X0: np.ndarray,
    offsets: Offsets,
    rows: int,
    lam: float,
    kw: float | None,
    return_intercept: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Slopes (m, d) and intercepts (m,): whole points per block, or streamed sums."""
    m, d = X0.shape
    slope, intercept = np.zeros((m, d)), np.zeros(m)
    if offsets.n <= rows:
        for points, z, u in whole_points(offsets, m, rows):
            part = slice(points.start, points.stop)
            slope[part], intercept[part] = _clime_block(
                f, X0[part], z, u, offsets.cov, lam, kw, return_intercept
            )
    else:
        for points, sums in _streamed_sums(f, X0, offsets, rows, kw):
            part = slice(points.start, points.stop)
            slope[part], intercept[part] = sums.solve(X0[part], offsets.cov, lam)
    return slope, intercept


def _clime_block(
    f: Function,
    X0: np.ndarray,
    z: np.ndarray | None,
    u: np.ndarray,
    cov: Covariance,
    lam: float,
    kernel_width: float | None,
    return_intercept: bool,
) -> tuple[np.ndarray, np.ndarray | float]:
    """Slope (and intercept) at points X0 (b, d) from all their offsets z, u (1 | b, n, d).

    z is None when it was not built (no kernel, f maps u itself).
    """
    y = values_at(f, X0, z, u, cov)
    check_finite_output(y, "f")
    if kernel_width is None:
        weights = np.full(u.shape[1], 1.0 / u.shape[1])  # shared by every point
    else:
        kw = kernel_width
        assert z is not None, "a kernel weighs the offsets z: they are built"
        log_pi = -np.sum(z * z, axis=-1) / (2 * kw * kw)
        # Normalise in log space: the raw weights may all underflow for a small kw.
        weights = np.exp(log_pi - log_pi.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
    # Weighted moments of the whitened offsets u (mean ~ 0, covariance ~ I), so the
    # centring identities below lose no precision and need no (k, n, d) temporaries.
    ut = u.transpose(0, 2, 1)  # (k, d, n)
    if kernel_width is None:
        u_bar, y_bar = ut @ weights, y @ weights  # (k, d), (m,)
    else:
        u_bar = (ut @ weights[..., None])[..., 0]
        y_bar = np.sum(weights * y, axis=-1)
    wu = ut if kernel_width is None else ut * weights[:, None, :]
    gram = wu @ u
    if kernel_width is None:
        gram = gram / u.shape[1]
    gram = gram - u_bar[:, :, None] * u_bar[:, None, :]  # (k, d, d), close to I
    rhs = (wu @ y[..., None])[..., 0]
    if kernel_width is None:
        rhs = rhs / u.shape[1]
    rhs = rhs - u_bar * y_bar[:, None]  # (m, d)
    slope = _solve(gram, rhs, cov, lam)
    if not return_intercept:
        return slope, 0.0
    if z is None:
        z_bar = u_bar @ cov.cholesky.T  # the weighted mean offset: z = L u
    elif kernel_width is None:
        z_bar = z.transpose(0, 2, 1) @ weights
    else:
        z_bar = (z.transpose(0, 2, 1) @ weights[..., None])[..., 0]
    return slope, y_bar - np.sum(slope * (X0 + z_bar), axis=-1)


def _spans(gram: np.ndarray) -> bool:
    """False when a point's Gram matrix has lambda_min <= 1e-12 lambda_max (singular).

    Gershgorin's discs bound every spectrum: when each lower bound clears the rule with
    a margin for rounding (16 d eps lambda_max, above the eigensolver's own error), no
    eigenvalue is computed; the Gram matrix of whitened Gaussian offsets is close to I,
    so this is the usual case. Otherwise the eigenvalues decide, as they always did.
    """
    diag = np.diagonal(gram, axis1=-2, axis2=-1)
    radius = np.sum(np.abs(gram), axis=-1) - np.abs(diag)
    upper = np.max(diag + radius, axis=-1)
    lower = np.min(diag - radius, axis=-1)
    margin = 16 * gram.shape[-1] * np.finfo(float).eps * upper
    if np.all(lower - margin > _SPAN_RTOL * upper):
        return True
    eig = np.linalg.eigvalsh(gram)
    return not np.any(eig[..., 0] <= _SPAN_RTOL * eig[..., -1])


def _solve(gram: np.ndarray, rhs: np.ndarray, cov: Covariance, lam: float) -> np.ndarray:
    """The slope w = L^{-T} beta from the whitened normal equations (gram, rhs) of each point."""
    m, d = rhs.shape
    gram = np.broadcast_to(gram, (m, d, d)) if gram.shape[0] == 1 else gram
    if lam > 0:
        # ||w||^2 = beta^T L^{-1} L^{-T} beta for beta = L^T w.
        linv = cov.cholesky_inverse
        gram = gram + lam * (linv @ linv.T)
    elif not _spans(gram):
        raise InputError(
            "the perturbations do not span R^d (their weighted covariance is singular); "
            "raise n, check the noise you passed, or widen kernel_width"
        )
    beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    # numpy's solve of the triangular L^T: LU leaves it as is (no pivot, zero multipliers),
    # so the answer is the triangular solve's; scipy's solve_triangular gives the same bits
    # but wakes scipy's own BLAS threads, milliseconds on a busy machine for a tiny system.
    return np.linalg.solve(cov.cholesky.T, beta.T).T


class _Sums:
    """Running weighted sums of one set of offsets and the values of the points sharing it.

    With a kernel the weights are exp(log pi - top), ``top`` the largest log-weight so
    far; a larger one rescales what was summed before (the log-sum-exp trick), so no
    weight underflows that the one-pass normalisation would have kept. Without a
    kernel every weight is 1 and plain sums are kept.
    """

    def __init__(self, m: int, d: int, kernel_width: float | None):
        self.kw = kernel_width
        self.top = -np.inf
        self.total = 0.0
        self.u, self.uu = np.zeros(d), np.zeros((d, d))
        self.y, self.uy = np.zeros(m), np.zeros((m, d))

    def add_offsets(self, z: np.ndarray | None, u: np.ndarray) -> np.ndarray | None:
        """Fold in offsets z, u (1, b, d); return their weights (b,), None for all ones."""
        if self.kw is None:
            self.total += u.shape[1]
            self.u += u[0].sum(axis=0)
            self.uu += u[0].T @ u[0]
            return None
        assert z is not None, "a kernel weighs the offsets z: they are built"
        log_pi = -np.sum(z[0] * z[0], axis=-1) / (2 * self.kw * self.kw)
        top = max(self.top, float(log_pi.max()))
        rescale = np.exp(self.top - top)  # 0 at the first block
        self.top = top
        for running in (self.u, self.uu, self.y, self.uy):
            running *= rescale
        weights = np.exp(log_pi - top)
        wu = u[0] * weights[:, None]
        self.total = rescale * self.total + float(weights.sum())
        self.u += wu.sum(axis=0)
        self.uu += wu.T @ u[0]
        return weights

    def add_values(
        self, points: slice, weights: np.ndarray | None, u: np.ndarray, y: np.ndarray
    ) -> None:
        """Fold in the values y (p, b) of ``points`` at the offsets last added."""
        wy = y if weights is None else y * weights
        self.y[points] += wy.sum(axis=-1)
        self.uy[points] += wy @ u[0]

    def solve(self, X0: np.ndarray, cov: Covariance, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """Slopes and intercepts of the points X0 (m, d) these sums hold."""
        u_bar, y_bar = self.u / self.total, self.y / self.total
        gram = self.uu / self.total - np.outer(u_bar, u_bar)
        rhs = self.uy / self.total - u_bar * y_bar[:, None]
        slope = _solve(gram[None], rhs, cov, lam)
        z_bar = cov.cholesky @ u_bar  # the weighted mean offset: z = L u
        return slope, y_bar - np.sum(slope * (X0 + z_bar), axis=-1)


def _streamed_sums(
    f: Function, X0: np.ndarray, offsets: Offsets, rows: int, kernel_width: float | None
) -> Iterator[tuple[range, _Sums]]:
    """Each group of points sharing offsets with its finished sums (one point if independent)."""
    m, d = X0.shape
    sums: _Sums | None = None
    weights: np.ndarray | None = None
    for points, samples, z, u in sample_blocks(offsets, m, rows):
        group = range(m) if offsets.k == 1 else points
        if sums is None:
            sums = _Sums(len(group), d, kernel_width)
        if offsets.k > 1 or points.start == 0:  # new offsets: once per sample block
            weights = sums.add_offsets(z, u)
        y = values_at(f, X0[points.start : points.stop], z, u, offsets.cov)
        check_finite_output(y, "f")
        local = slice(points.start - group.start, points.stop - group.start)
        sums.add_values(local, weights, u, y)
        if samples.stop == offsets.n and points.stop == group.stop:
            yield group, sums
            sums = None


def ridge_from_sklearn_alpha(alpha: float, n: int | None = None, weights: Any = None) -> float:
    """The mean-loss lambda equivalent to sklearn ``Ridge(alpha)``.

    sklearn minimises sum_i pi_i r_i^2 + alpha ||w||^2; dividing by sum_i pi_i
    gives lambda = alpha / sum_i pi_i (alpha / n without weights).
    """
    alpha = as_ridge(alpha, "alpha")
    if weights is not None:
        pi = as_array(weights, "weights")
        if np.any(pi < 0) or not np.sum(pi) > 0:
            raise InputError("weights must be non-negative with a positive sum (lime's kernel)")
        total = float(np.sum(pi))
    elif n is not None:
        total = float(as_sample_size(n))
    else:
        raise InputError("give n (unweighted) or the sample weights")
    return alpha / total

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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from .closed_form import KERNEL_COVARIANCE, KERNEL_FIX, kernel_weighted
from .covariance import Covariance
from .functions import Function, as_function
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

_BLOCK_FLOATS = 2**24  # floats per block of perturbed points: 128 MiB


def draw_noise(cov: Any, n: int, seed: SeedLike = 0, m: int | None = None) -> np.ndarray:
    """Perturbation offsets z ~ N(0, cov): shape (n, d), or (m, n, d) if ``m`` is given.

    z = L u with u standard normal drawn from ``seed`` (C order) and cov = L L^T: the
    estimators draw the same offsets from the same seed.
    """
    cov = Covariance.of(cov)
    n = as_sample_size(n)
    shape = (n, cov.dim) if m is None else (as_count(m, "m", 0), n, cov.dim)
    return cov.colorize(as_generator(seed).standard_normal(shape))


class _Offsets:
    """The offsets z = L u (u ~ N(0, I), cov = L L^T) of k in {1, m} points, block by block.

    Drawn blocks must come in the order one draw of the whole (k, n, d) array
    consumes the generator (point by point, samples in order); given ``noise`` is
    sliced in any order.
    """

    def __init__(
        self, X0: np.ndarray, cov: Covariance, n: Any, seed: Any, noise: Any, shared: bool
    ):
        m, d = X0.shape
        self.cov = cov
        self.noise: np.ndarray | None = None
        if noise is None:
            self.n = as_sample_size(n)
            self.k = 1 if shared else m
            self._rng = as_generator(seed)
            self._next = (0, 0)
            return
        if n is not None:
            n = as_sample_size(n)
        z = as_array(noise, "noise", copy=False)  # read, never written
        if z.ndim == 2:
            z = z[None]
        if z.ndim != 3 or z.shape[-1] != d or z.shape[0] not in (1, m) or z.shape[1] == 0:
            raise InputError(
                f"noise must have shape (n, {d}) (shared by all points) or ({m}, n, {d}) "
                f"with n >= 1, got {np.shape(noise)}"
            )
        if n is not None and z.shape[1] != n:
            raise InputError(
                f"noise holds {z.shape[1]} perturbations but n = {n}; pass n=None or match them"
            )
        self.noise, self.k, self.n = z, z.shape[0], z.shape[1]

    def block(self, points: range, samples: range) -> tuple[np.ndarray, np.ndarray]:
        """z and u for ``points`` (indices into the k offset sets) x ``samples``."""
        if self.noise is not None:
            z = np.ascontiguousarray(
                self.noise[points.start : points.stop, samples.start : samples.stop]
            )
            return z, self.cov.whiten(z)
        assert (points.start, samples.start) == self._next, "blocks must follow the stream"
        u = self._rng.standard_normal((len(points), len(samples), self.cov.dim))
        last = samples.stop == self.n
        self._next = (points.stop, 0) if last else (points.start, samples.stop)
        return self.cov.colorize(u), u


def _rows_per_block(f: Function, chunk_size: Any) -> int:
    if chunk_size is not None:
        return as_count(chunk_size, "chunk_size (perturbed points evaluated at once)")
    # Per perturbed point: its offsets z and u (2 d floats) and f's own intermediates.
    return max(1, _BLOCK_FLOATS // (2 * f.dim + max(1, int(f.evaluation_width))))


def _ranges(total: int, step: int) -> Iterator[range]:
    for start in range(0, total, step):
        yield range(start, min(total, start + step))


def _whole_points(
    offsets: _Offsets, m: int, rows: int
) -> Iterator[tuple[range, np.ndarray, np.ndarray]]:
    """Blocks of whole points (all n samples each) with their offsets (k = 1: shared)."""
    every = range(offsets.n)
    shared = offsets.block(range(1), every) if offsets.k == 1 else None
    for points in _ranges(m, max(1, rows // offsets.n)):
        z, u = shared if shared is not None else offsets.block(points, every)
        yield points, z, u


def _sample_blocks(
    offsets: _Offsets, m: int, rows: int
) -> Iterator[tuple[range, range, np.ndarray, np.ndarray]]:
    """(points, samples, z, u) when one point's samples do not fit, in stream order."""
    if offsets.k == 1:
        for samples in _ranges(offsets.n, rows):
            z, u = offsets.block(range(1), samples)
            for i in range(m):
                yield range(i, i + 1), samples, z, u
    else:
        for i in range(m):
            for samples in _ranges(offsets.n, rows):
                yield range(i, i + 1), samples, *offsets.block(range(i, i + 1), samples)


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
    offsets = _Offsets(X0, cov, n, seed, noise, as_flag(shared_noise, "shared_noise"))
    rows = _rows_per_block(f, chunk_size)
    sg = np.zeros(X0.shape)
    if offsets.n <= rows:
        for points, z, _ in _whole_points(offsets, X0.shape[0], rows):
            sg[points.start : points.stop] = f.mean_gradient_near(X0[points.start : points.stop], z)
    else:
        for points, samples, z, _ in _sample_blocks(offsets, X0.shape[0], rows):
            part = f.mean_gradient_near(X0[points.start : points.stop], z)
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
    offsets = _Offsets(X0, cov, n, seed, noise, as_flag(shared_noise, "shared_noise"))
    if lam == 0 and offsets.n <= d:
        raise InputError(
            f"C-LIME needs n >= d + 1 = {d + 1} perturbations to fit {d} slopes and an "
            f"intercept, got n = {offsets.n}; raise n or pass ridge > 0"
        )
    rows = _rows_per_block(f, chunk_size)
    m = X0.shape[0]
    slope, intercept = np.zeros((m, d)), np.zeros(m)
    if offsets.n <= rows:
        for points, z, u in _whole_points(offsets, m, rows):
            part = slice(points.start, points.stop)
            slope[part], intercept[part] = _clime_block(
                f, X0[part], z, u, offsets.cov, lam, kw, return_intercept
            )
    else:
        for points, sums in _streamed_sums(f, X0, offsets, rows, kw):
            part = slice(points.start, points.stop)
            slope[part], intercept[part] = sums.solve(X0[part], offsets.cov, lam)
    if not return_intercept:
        return _shaped(slope, single)
    return _shaped(slope, single), _shaped(intercept, single)


def _clime_block(
    f: Function,
    X0: np.ndarray,
    z: np.ndarray,
    u: np.ndarray,
    cov: Covariance,
    lam: float,
    kernel_width: float | None,
    return_intercept: bool,
) -> tuple[np.ndarray, np.ndarray | float]:
    """Slope (and intercept) at points X0 (b, d) from all their offsets z, u (1 | b, n, d)."""
    y = f.values_near(X0, z)
    check_finite_output(y, "f")
    if kernel_width is None:
        weights = np.full(z.shape[:2], 1.0 / z.shape[1])
    else:
        kw = kernel_width
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
    slope = _solve(gram, rhs, cov, lam)
    if not return_intercept:
        return slope, 0.0
    z_bar = (z.transpose(0, 2, 1) @ weights[..., None])[..., 0]
    return slope, y_bar - np.sum(slope * (X0 + z_bar), axis=-1)


def _solve(gram: np.ndarray, rhs: np.ndarray, cov: Covariance, lam: float) -> np.ndarray:
    """The slope w = L^{-T} beta from the whitened normal equations (gram, rhs) of each point."""
    m, d = rhs.shape
    gram = np.broadcast_to(gram, (m, d, d)) if gram.shape[0] == 1 else gram
    if lam > 0:
        # ||w||^2 = beta^T L^{-1} L^{-T} beta for beta = L^T w.
        linv = cov.cholesky_inverse
        gram = gram + lam * (linv @ linv.T)
    else:
        eig = np.linalg.eigvalsh(gram)
        if np.any(eig[..., 0] <= 1e-12 * eig[..., -1]):
            raise InputError(
                "the perturbations do not span R^d (their weighted covariance is singular); "
                "raise n, check the noise you passed, or widen kernel_width"
            )
    beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return solve_triangular(cov.cholesky.T, beta.T, lower=False, check_finite=False).T


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

    def add_offsets(self, z: np.ndarray, u: np.ndarray) -> np.ndarray | None:
        """Fold in offsets z, u (1, b, d); return their weights (b,), None for all ones."""
        if self.kw is None:
            self.total += u.shape[1]
            self.u += u[0].sum(axis=0)
            self.uu += u[0].T @ u[0]
            return None
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
    f: Function, X0: np.ndarray, offsets: _Offsets, rows: int, kernel_width: float | None
) -> Iterator[tuple[range, _Sums]]:
    """Each group of points sharing offsets with its finished sums (one point if independent)."""
    m, d = X0.shape
    sums: _Sums | None = None
    weights: np.ndarray | None = None
    for points, samples, z, u in _sample_blocks(offsets, m, rows):
        group = range(m) if offsets.k == 1 else points
        if sums is None:
            sums = _Sums(len(group), d, kernel_width)
        if offsets.k > 1 or points.start == 0:  # new offsets: once per sample block
            weights = sums.add_offsets(z, u)
        y = f.values_near(X0[points.start : points.stop], z)
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

"""The perturbations of the reference estimators, block by block (:mod:`verify.estimators`).

The estimators draw standard normals u (C order: point by point, sample by sample) and
offsets z = L u (cov = L L^T), or slice the offsets a caller gave, in blocks of at most
``rows`` perturbed points, so that memory stays bounded whatever n and the number of
points (the block size counts the offsets and f's ``evaluation_width``). The random
stream is consumed in the same order whatever the block size, so a seed means the same
sample. Families that map u themselves (:meth:`Function.values_near_whitened`) are
evaluated from u, and z is not built unless a kernel weighs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .covariance import Covariance
from .functions import Function
from .validation import InputError, as_array, as_count, as_generator, as_sample_size

__all__ = [
    "Offsets",
    "mean_gradient_at",
    "rows_per_block",
    "sample_blocks",
    "values_at",
    "whole_points",
]

_BLOCK_FLOATS = 2**24  # floats per block of perturbed points: 128 MiB


class Offsets:
    """The offsets z = L u (u ~ N(0, I), cov = L L^T) of k in {1, m} points, block by block.

    Drawn blocks must come in the order one draw of the whole (k, n, d) array
    consumes the generator (point by point, samples in order); given ``noise`` is
    sliced in any order. Drawn offsets z are built only when ``need_z`` (a kernel
    weighs them, or f does not map the standard normals u itself): otherwise a block's
    z is None and f is evaluated from u (:meth:`Function.values_near_whitened`), which
    saves the (k, n, d) product L u, the largest cost after drawing u.
    """

    def __init__(
        self,
        X0: np.ndarray,
        cov: Covariance,
        n: Any,
        seed: Any,
        noise: Any,
        shared: bool,
        need_z: bool = True,
    ):
        m, d = X0.shape
        self.cov = cov
        self.need_z = need_z
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

    def block(self, points: range, samples: range) -> tuple[np.ndarray | None, np.ndarray]:
        """z (None if not needed) and u for ``points`` (indices into the k sets) x ``samples``."""
        if self.noise is not None:
            z = np.ascontiguousarray(
                self.noise[points.start : points.stop, samples.start : samples.stop]
            )
            return z, self.cov.whiten(z)
        assert (points.start, samples.start) == self._next, "blocks must follow the stream"
        u = self._rng.standard_normal((len(points), len(samples), self.cov.dim))
        last = samples.stop == self.n
        self._next = (points.stop, 0) if last else (points.start, samples.stop)
        return (self.cov.colorize(u) if self.need_z else None), u


def rows_per_block(f: Function, chunk_size: Any) -> int:
    if chunk_size is not None:
        return as_count(chunk_size, "chunk_size (perturbed points evaluated at once)")
    # Per perturbed point: its offsets z and u (2 d floats) and f's own intermediates.
    return max(1, _BLOCK_FLOATS // (2 * f.dim + max(1, int(f.evaluation_width))))


def ranges(total: int, step: int) -> Iterator[range]:
    for start in range(0, total, step):
        yield range(start, min(total, start + step))


def whole_points(
    offsets: Offsets, m: int, rows: int
) -> Iterator[tuple[range, np.ndarray, np.ndarray]]:
    """Blocks of whole points (all n samples each) with their offsets (k = 1: shared)."""
    every = range(offsets.n)
    shared = offsets.block(range(1), every) if offsets.k == 1 else None
    for points in ranges(m, max(1, rows // offsets.n)):
        z, u = shared if shared is not None else offsets.block(points, every)
        yield points, z, u


def sample_blocks(
    offsets: Offsets, m: int, rows: int
) -> Iterator[tuple[range, range, np.ndarray, np.ndarray]]:
    """(points, samples, z, u) when one point's samples do not fit, in stream order."""
    if offsets.k == 1:
        for samples in ranges(offsets.n, rows):
            z, u = offsets.block(range(1), samples)
            for i in range(m):
                yield range(i, i + 1), samples, z, u
    else:
        for i in range(m):
            for samples in ranges(offsets.n, rows):
                yield range(i, i + 1), samples, *offsets.block(range(i, i + 1), samples)


def values_at(
    f: Function, X0: np.ndarray, z: np.ndarray | None, u: np.ndarray, cov: Covariance
) -> np.ndarray:
    """f(x0_i + z_ij), from z if it was built, else from u (f maps it through L itself)."""
    return f.values_near(X0, z) if z is not None else f.values_near_whitened(X0, u, cov)


def mean_gradient_at(
    f: Function, X0: np.ndarray, z: np.ndarray | None, u: np.ndarray, cov: Covariance
) -> np.ndarray:
    """(1/n) sum_j grad f(x0_i + z_ij), from z if it was built, else from u."""
    if z is not None:
        return f.mean_gradient_near(X0, z)
    return f.mean_gradient_near_whitened(X0, u, cov)

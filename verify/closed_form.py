"""Exact explanations under x ~ N(x0, cov).

The paper's Theorem 1 says that for absolutely continuous f

    E[grad f(x)] = cov^{-1} Cov(x, f(x)) = expected C-LIME.

This module exposes both sides, computed by independent routes (the family's
gradient moments and its covariance moments), plus ridge C-LIME (Lemma 6) and
Gaussian-kernel-weighted LIME (docs/math.md#kernel-lime). Results keep the leading
shape of ``x0``: (d,) in, (d,) out; (m, d) in, (m, d) out.

Families without a closed form (logistic links, deep or sigmoid-output
networks) are integrated by quadrature or randomised QMC;
:func:`ground_truth` returns the method and error estimates alongside.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from .covariance import Covariance
from .functions import Function, as_function, checked_moments
from .moments import GaussianMoments
from .validation import InputError, as_flag, as_kernel_width, as_points, as_ridge

__all__ = [
    "KERNEL_COVARIANCE",
    "KERNEL_FIX",
    "GroundTruth",
    "clime",
    "covariance",
    "expectation",
    "expected_kernel_weight",
    "ground_truth",
    "kernel_covariance",
    "kernel_weighted",
    "smoothgrad",
]


#: How :func:`ground_truth` and the kernel-weighted estimator name Sigma' in messages.
KERNEL_COVARIANCE = "the kernel-weighted covariance (cov^-1 + (kw^2 P)^-1)^-1"
KERNEL_FIX = "widen kernel_width (or pass kernel_width=None)"


@dataclass(frozen=True)
class GroundTruth:
    """Every exact figure for one function, covariance and batch of points.

    Arrays have a leading axis of length m (one per point) unless the record came from
    ``ground_truth(..., batched=False)`` for a single point; :meth:`point` gives the
    unbatched figures of any one point.

    Attributes
    ----------
    moments : GaussianMoments
        E f, E[grad f], Cov(x, f) at the covariance the explanation is taken
        under (the kernel-equivalent one for kernel LIME), with error estimates.
    clime : ndarray
        The expected (ridge, kernel-weighted) C-LIME slope.
    clime_error : ndarray
        Propagated absolute error estimate of ``clime`` (zero when exact).
    effective_cov : ndarray
        The covariance C-LIME is taken under: ``cov``, or (cov^{-1} + I/kw^2)^{-1}.
    ridge : float
    kernel_width : float or None
    """

    moments: GaussianMoments
    clime: np.ndarray
    clime_error: np.ndarray
    effective_cov: np.ndarray
    ridge: float
    kernel_width: float | None

    @property
    def method(self) -> str:
        return self.moments.method

    def point(self, i: int = 0) -> GroundTruth:
        """The figures at the i-th point alone, unbatched (clime shape (d,), mean shape ())."""
        if np.ndim(self.clime) != 2:
            raise InputError("this GroundTruth holds one point already (unbatched): use it as is")
        return replace(
            self,
            moments=self.moments.point(i),
            clime=self.clime[i],
            clime_error=self.clime_error[i],
        )


def _metric(metric: Any, dim: int) -> Covariance | None:
    if metric is None:
        return None
    return Covariance.of(metric, dim, name="metric")


def kernel_covariance(cov: Any, kernel_width: float | None, metric: Any = None) -> np.ndarray:
    """Sigma' = (Sigma^{-1} + K^{-1})^{-1}, the covariance kernel LIME is C-LIME under.

    K = kw^2 P, with P = ``metric`` the coordinates the kernel distance is measured
    in (the identity by default; diag(cov) for lime's standardised features).
    Computed as K (Sigma + K)^{-1} Sigma, which avoids inverting Sigma.
    ``kernel_width=None`` returns ``cov`` itself (no kernel). ``cov`` and ``metric``
    may be arrays or :class:`~verify.covariance.Covariance` objects.
    """
    return np.array(kernel_weighted(Covariance.of(cov), kernel_width, metric).matrix)


def kernel_weighted(cov: Covariance, kernel_width: float | None, metric: Any = None) -> Covariance:
    """Sigma' of :func:`kernel_covariance` as a :class:`~verify.covariance.Covariance`
    (``cov`` itself without a kernel); a too narrow kernel is refused when its factor is
    first needed, and by :meth:`~verify.covariance.Covariance.check_resolution`."""
    if kernel_width is None:
        return cov
    kw2 = as_kernel_width(kernel_width) ** 2
    P = _metric(metric, cov.dim)
    S = cov.matrix
    if P is None:
        out = kw2 * np.linalg.solve(S + kw2 * np.eye(cov.dim), S)
    else:
        K = kw2 * P.matrix
        out = K @ np.linalg.solve(S + K, S)
    return Covariance._derived((out + out.T) / 2, KERNEL_COVARIANCE)


def expected_kernel_weight(cov: Any, kernel_width: float | None, metric: Any = None) -> float:
    """E[pi] = det(I + K^{-1} Sigma)^{-1/2} for pi = exp(-z^T K^{-1} z / 2), z ~ N(0, Sigma).

    K = kw^2 P as in :func:`kernel_covariance`; 1 without a kernel. n E[pi] is the
    expected sum of the weights, which turns sklearn's ``Ridge(alpha)`` into the
    mean-loss lambda = alpha / sum(pi) (docs/math.md, kernel LIME and Lemma 6).
    """
    cov = Covariance.of(cov)
    if kernel_width is None:
        return 1.0
    d = cov.dim
    P = _metric(metric, d)
    K = as_kernel_width(kernel_width) ** 2 * (np.eye(d) if P is None else P.matrix)
    _, logdet = np.linalg.slogdet(np.eye(d) + np.linalg.solve(K, cov.matrix).T)
    return float(np.exp(-0.5 * logdet))


def ground_truth(
    f: Function,
    x0: Any,
    cov: Any,
    *,
    ridge: float = 0.0,
    kernel_width: float | None = None,
    metric: Any = None,
    batched: bool = True,
) -> GroundTruth:
    """All exact figures of f at x0 under N(x0, cov), with the method used.

    Parameters
    ----------
    f : Function
    x0 : array_like, shape (d,) or (m, d)
    cov : array_like, shape (d, d), or Covariance
    ridge : float
        lambda >= 0 of the mean-loss ridge objective (docs/math.md#lemma-6).
    kernel_width : float, optional
        Gaussian kernel exp(-||x - x0||^2 / (2 kw^2)) on the C-LIME loss.
    metric : array_like, shape (d, d), optional
        SPD matrix P of the coordinates the kernel distance and the ridge penalty
        are measured in: the kernel is exp(-z^T (kw^2 P)^{-1} z / 2) and the
        penalty lambda w^T P w (default P = I; lime's standardised features are
        P = diag(cov)).
    batched : bool
        ``True`` (the default, kept for compatibility): every array has a leading axis
        of length m, even for a single point (``truth.clime[0]``). ``False``: shapes
        follow x0's rank as in :func:`smoothgrad` and :func:`clime`, so one point of
        shape (d,) gives ``clime`` of shape (d,) and ``moments.mean`` of shape ().
        ``GroundTruth.point(i)`` gives the same unbatched view of any point.

    Returns
    -------
    GroundTruth

    Raises
    ------
    InputError
        For bad arguments, a covariance (or kernel-weighted covariance) too small for
        double precision, or moments that overflow: the estimators refuse the same
        inputs with the same messages.
    """
    f = as_function(f)
    X0, single = as_points(x0, f.dim)
    cov = Covariance.of(cov, f.dim)
    lam = as_ridge(ridge)
    batched = as_flag(batched, "batched")
    P = _metric(metric, f.dim)
    cov.check_resolution(X0)
    eff = kernel_weighted(cov, kernel_width, P)
    if kernel_width is not None:
        eff.check_resolution(X0, KERNEL_COVARIANCE, KERNEL_FIX)
    moments = checked_moments(f.moments(X0, eff))
    if lam == 0:
        factor = (eff.cholesky, True)  # the system is Sigma' itself: factorised already
    else:
        factor = cho_factor(eff.matrix + lam * (np.eye(f.dim) if P is None else P.matrix))
    slope = cho_solve(factor, moments.covariance.T).T
    # Error propagation through the linear solve: |A^{-1}| |err| bounds each entry.
    inv_abs = np.abs(cho_solve(factor, np.eye(f.dim)))
    slope_error = moments.covariance_error @ inv_abs.T
    truth = GroundTruth(moments, slope, slope_error, np.array(eff.matrix), lam, kernel_width)
    return truth.point(0) if single and not batched else truth


def _shaped(values: np.ndarray, x0: Any) -> np.ndarray:
    # x0 was validated by the call that produced ``values``: one point iff it is 1-D.
    return values[0] if np.ndim(x0) == 1 else values


def expectation(f: Function, x0: Any, cov: Any) -> np.ndarray | float:
    """E f(x), x ~ N(x0, cov); a float for one point, shape (m,) for m points."""
    f = as_function(f)
    values = f.gaussian_moments(x0, cov).mean
    out = _shaped(values, x0)
    return float(out) if np.ndim(out) == 0 else out


def smoothgrad(f: Function, x0: Any, cov: Any) -> np.ndarray:
    """Expected SmoothGrad E[grad f(x)], x ~ N(x0, cov)."""
    f = as_function(f)
    return _shaped(f.gaussian_moments(x0, cov).smoothgrad, x0)


def covariance(f: Function, x0: Any, cov: Any) -> np.ndarray:
    """Cov(x, f(x)), x ~ N(x0, cov), by a route that does not use Stein's lemma."""
    f = as_function(f)
    return _shaped(f.gaussian_moments(x0, cov).covariance, x0)


def clime(
    f: Function,
    x0: Any,
    cov: Any,
    ridge: float = 0.0,
    kernel_width: float | None = None,
    metric: Any = None,
) -> np.ndarray:
    """Expected C-LIME slope: (Sigma' + ridge I)^{-1} Cov_{Sigma'}(x, f(x)).

    With ``ridge=0`` and no kernel this is Sigma^{-1} Cov(x, f(x)) (Lemma 3);
    ``ridge`` is Lemma 6's lambda (mean-loss convention; sklearn's
    ``Ridge(alpha)`` on n samples is lambda = alpha / n); ``kernel_width``
    replaces Sigma by Sigma' = (Sigma^{-1} + I/kw^2)^{-1} (docs/math.md#kernel-lime);
    ``metric`` P measures the kernel distance and the penalty in other coordinates
    (see :func:`ground_truth`).
    """
    f = as_function(f)
    truth = ground_truth(f, x0, cov, ridge=ridge, kernel_width=kernel_width, metric=metric)
    return _shaped(truth.clime, x0)

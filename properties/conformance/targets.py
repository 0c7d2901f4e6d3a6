"""The closed form an explainer must converge to, given what it declares.

:func:`expected_explanation` asks the explainer's kind (:mod:`.kinds`) for its target;
the noise kinds' targets are here:

* ``kind="gradient"``: expected SmoothGrad E[grad f(x)], x ~ N(x0, cov).
* ``kind="perturbation"``: expected (ridge, kernel-weighted) C-LIME,

      w = (cov' + lambda P)^{-1} Cov_{cov'}(x, f(x)),

  where ``cov'`` is the kernel-equivalent covariance (docs/math.md#kernel-lime):
  cov' = (cov^{-1} + K^{-1})^{-1}, K = kw^2 P, and P is the metric the kernel
  distance and the ridge penalty are measured in: the identity for
  ``units="raw"``, D = diag(cov) for ``units="standardized"`` (lime fits in
  x_j / s_j with s_j^2 = cov_jj, so its penalty alpha ||beta||^2 on the
  standardised slopes beta = s * w is alpha w^T D w in raw units).

  The penalty lambda is the mean-loss one of Lemma 6: ``ridge_lambda`` as
  declared, or for sklearn's ``Ridge(alpha)`` on the pi-weighted *sum* of
  squares, lambda = alpha / sum_i pi_i. The sum of the weights is random; we
  use its expectation n E[pi], E[pi] = det(I + cov K^{-1})^{-1/2} (exactly n
  without a kernel; the relative error of the substitution is O(n^{-1/2}) in
  lambda, i.e. O(lambda n^{-1/2}) in the slope, far below the Monte Carlo error).
  Every formula is the engine's (:func:`verify.closed_form.ground_truth` with
  ``metric=P``, :func:`verify.closed_form.expected_kernel_weight`); this module
  only maps the tags onto it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from verify import closed_form
from verify.covariance import Covariance
from verify.functions import Function

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "clime_target",
    "effective_covariance",
    "effective_ridge",
    "expected_explanation",
    "penalty_metric",
    "smoothgrad_target",
]


def penalty_metric(explainer: Explainer, cov: np.ndarray) -> np.ndarray | None:
    """P: None (the identity) for raw units, diag(cov) for standardized units."""
    if explainer.units == "standardized":
        return np.diag(np.diag(cov))
    return None


def _kernel_width(explainer: Explainer) -> float | None:
    return None if explainer.kind == "gradient" else explainer.kernel_width


def effective_covariance(explainer: Explainer, cov: np.ndarray) -> np.ndarray:
    """cov' = (cov^{-1} + K^{-1})^{-1} with K = kw^2 P (cov itself without a kernel)."""
    return closed_form.kernel_covariance(
        cov, _kernel_width(explainer), penalty_metric(explainer, cov)
    )


def effective_ridge(explainer: Explainer, cov: np.ndarray, n: int) -> float:
    """The mean-loss lambda: declared, or alpha / (n E[pi]) for sklearn's alpha."""
    if explainer.ridge_lambda is not None:
        return explainer.ridge_lambda
    if not explainer.ridge_alpha:
        return 0.0
    mean_weight = closed_form.expected_kernel_weight(
        cov, _kernel_width(explainer), penalty_metric(explainer, cov)
    )
    return explainer.ridge_alpha / (n * mean_weight)


def expected_explanation(
    explainer: Explainer, f: Function, x0: Any, cov: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The closed form the explainer must converge to, and its absolute error bound.

    Returns
    -------
    value : ndarray, shape (d,)
    error : ndarray, shape (d,)
        Zero for closed forms; the propagated quadrature / QMC error otherwise.
    """
    return explainer.kind_spec.target(explainer, f, x0, cov, n)


def smoothgrad_target(
    explainer: Explainer, f: Function, x0: Any, cov: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``kind="gradient"``: E[grad f(x)], x ~ N(x0, cov), with its quadrature error.

    ``cov`` is an array or a :class:`~verify.covariance.Covariance` (a problem's
    ``case.covariance``: validated and factorised once for all its targets)."""
    covariance = Covariance.of(cov, f.dim)
    moments = f.gaussian_moments(np.asarray(x0, dtype=float), covariance)
    return moments.smoothgrad[0], np.asarray(moments.smoothgrad_error)[0] + 0.0


def clime_target(
    explainer: Explainer, f: Function, x0: Any, cov: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``kind="perturbation"``: expected (ridge, kernel) C-LIME with its quadrature error.

    ``cov`` is an array or a :class:`~verify.covariance.Covariance` (a problem's
    ``case.covariance``: validated and factorised once for all its targets)."""
    x0 = np.asarray(x0, dtype=float)
    covariance = Covariance.of(cov, f.dim)
    matrix = covariance.matrix
    truth = closed_form.ground_truth(
        f,
        x0,
        covariance,
        ridge=effective_ridge(explainer, matrix, n),
        kernel_width=explainer.kernel_width,
        metric=penalty_metric(explainer, matrix),
    )
    return truth.clime[0], truth.clime_error[0] + 0.0

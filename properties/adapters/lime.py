"""lime's LimeTabularExplainer as a conformance-battery explainer (docs/clients.md, lime).

With continuous features (``discretize_continuous=False``), samples around
the instance (``sample_around_instance=True``), every feature kept
(``feature_selection='none'``) and ``mode='regression'``, lime computes:

* scaler: mean mu and population std s of the training data; we pass the two
  rows mu +- s, whose population std is exactly s_j = sqrt(cov_jj), so lime
  samples x = x0 + s * eps, eps ~ N(0, I): the declared diagonal covariance;
* regression features u = (x - mu) / s (standardised units), kernel weights
  pi = exp(-||u - u0||^2 / (2 kw^2)), ``Ridge(alpha=1)`` with sample weights pi
  (row 0 is x0 itself: an O(1/n) perturbation of the fit that the slope
  barely feels, see the tests);
* raw-unit slopes = lime's coefficients / ``explainer.scaler.scale_``.

Hence the tags: ``kind='perturbation'``, ``covariance='diagonal'`` (one scale
per feature; a correlated cov is refused), ``ridge_alpha=1``,
``kernel_width=kw`` and ``units='standardized'``. The battery then checks it
against (cov' + lambda D)^{-1} Cov_{cov'}(x, f) with cov' = c D, c =
kw^2 / (1 + kw^2), D = diag(cov) and lambda = 1 / (n E[pi]): docs/clients.md's
k T(x0, c D) with k = n E[pi] c / (n E[pi] c + 1). The default
``kernel_width=1e6`` makes c = 1 and E[pi] = 1 to 1e-12.

A fresh LimeTabularExplainer per call, with ``random_state=seed``, makes
each call reproducible (lime fixes its generator at construction).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from verify.validation import InputError

from ..conformance.explainer import Explainer
from ._common import validated_inputs

__all__ = [
    "DEFAULTS_COMPUTE",
    "FAILS_AROUND_MEAN",
    "FAILS_DISCRETIZE",
    "FAILS_STANDARDISED",
    "LIBRARY_DEFAULTS",
    "lime_inputs",
    "lime_tabular",
]

_HINT = "lime is not installed: pip install 'xai-verify[lime]' (lime and scikit-learn)"


#: lime's own defaults (and its coefficients, which are slopes on the standardised
#: features). Passed to :func:`lime_tabular` they fail the checks declared below.
#: What the library computes when called with its own defaults, in one line (the ecosystem
#: table's; verify.app.ecosystem reads it from here).
DEFAULTS_COMPUTE = (
    "slopes on quartile-bin indicators (discretize_continuous=True), samples around the "
    "training mean (sample_around_instance=False), kernel width 0.75 sqrt(d) in "
    "standardised units, and coefficients per standardised feature (to_raw_units=False)"
)

LIBRARY_DEFAULTS: dict[str, Any] = {
    "kernel_width": None,
    "discretize_continuous": True,
    "sample_around_instance": False,
    "feature_selection": "auto",
    "to_raw_units": False,
}

# What each of lime's defaults makes the battery fail (check -> reason). A deviation shows
# on some drawn problems only (a unit scale near 1 hides standardised slopes), so these
# declare what may fail: the battery reports xfail, or xpass where it did not show.
FAILS_DISCRETIZE = {
    "check_scale_equivariance": "discretize_continuous=True: binary quartile-bin features, "
    "not slopes in input units",
    "check_proportionality_affine": "discretize_continuous=True: bin indicators, not w",
    "check_proportionality_single_index": "discretize_continuous=True: bin indicators",
    "check_translation_equivariance": "discretize_continuous=True: bins from the training data",
    "check_convergence": "discretize_continuous=True: another quantity",
    "check_rate": "discretize_continuous=True: another quantity (a bias)",
    "check_lipschitz_bound": "discretize_continuous=True: another quantity",
    "check_anisotropic_covariance": "discretize_continuous=True: another quantity",
    "check_sign_and_scale": "discretize_continuous=True: another quantity",
}
FAILS_AROUND_MEAN = {
    "check_translation_equivariance": "sample_around_instance=False: samples around the "
    "training mean, not x0",
    "check_convergence": "sample_around_instance=False: the explanation at a point pulled "
    "towards the training mean",
    "check_rate": "sample_around_instance=False: a bias that does not shrink",
    "check_anisotropic_covariance": "sample_around_instance=False: samples around the "
    "training mean",
    "check_proportionality_single_index": "sample_around_instance=False: samples around "
    "the training mean",
    "check_proportionality_affine": "sample_around_instance=False: the kernel weights depend "
    "on the distance to x0 of samples drawn elsewhere",
    "check_sign_and_scale": "sample_around_instance=False: samples around the training mean",
    "check_lipschitz_bound": "sample_around_instance=False: the neighbourhood does not follow x0",
}
FAILS_STANDARDISED = {
    "check_sign_and_scale": "to_raw_units=False: the scores are slopes on the "
    "standardised features (x - mu) / s",
    "check_scale_equivariance": "to_raw_units=False: standardised slopes do not scale",
    "check_anisotropic_covariance": "to_raw_units=False: standardised slopes, s_j T_j",
    "check_convergence": "to_raw_units=False: standardised slopes, s T",
    "check_rate": "to_raw_units=False: standardised slopes (a bias)",
    "check_proportionality_affine": "to_raw_units=False: s w, not w",
    "check_proportionality_single_index": "to_raw_units=False: s_j w_j, not a multiple of w",
    "check_lipschitz_bound": "to_raw_units=False: standardised slopes, s T",
}


def _import() -> Any:
    try:
        from lime.lime_tabular import LimeTabularExplainer
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return LimeTabularExplainer


def lime_inputs(f: Any, x0: Any, cov: Any, n: Any, seed: Any) -> tuple[Any, int, int, Any]:
    """What lime (and InterpretML's wrapper of it) can take: (x0, n, seed, per-feature std).

    lime scales each feature by its own standard deviation, so a correlated cov is refused,
    and its surrogate needs n >= d + 2 samples.
    """
    x0, covariance, n, seed = validated_inputs(f, x0, cov, n, seed)
    cov = covariance.matrix
    d = f.dim
    if np.any(cov != np.diag(np.diag(cov))):
        raise InputError(
            "lime scales each feature by its own standard deviation and cannot draw "
            "correlated noise: pass a diagonal cov"
        )
    if n <= d + 1:
        raise InputError(f"lime's surrogate needs n >= d + 2 = {d + 2} samples, got {n}")
    return x0, n, seed, np.sqrt(np.diag(cov))


def _lime_call(
    f: Any,
    x0: Any,
    cov: Any,
    n: int,
    seed: int,
    *,
    kernel_width: float | None,
    discretize_continuous: bool,
    sample_around_instance: bool,
    feature_selection: str,
    training_mean: Any,
    to_raw_units: bool,
) -> np.ndarray:
    """One explanation by lime's LimeTabularExplainer (module level, so it pickles)."""
    explainer_class = _import()
    x0, n, seed, s = lime_inputs(f, x0, cov, n, seed)
    d = f.dim
    if training_mean is not None:
        mu = np.asarray(training_mean, dtype=float)
    else:
        # lime's kernel distances go through sklearn's euclidean_distances, which
        # expands ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2: 1e6 sigma from mu the
        # explanation drifts by ~1e-6 relative (measured in the tests).
        mu = x0.copy() if sample_around_instance else np.zeros(d)
    training = np.stack([mu - s, mu + s])
    explainer = explainer_class(
        training,
        mode="regression",
        discretize_continuous=discretize_continuous,
        sample_around_instance=sample_around_instance,
        feature_selection=feature_selection,
        kernel_width=kernel_width,
        random_state=seed,
    )
    exp = explainer.explain_instance(x0, f, num_features=d, num_samples=n)
    coef = np.zeros(d)
    for j, value in exp.local_exp[1]:
        coef[j] = value
    return coef / explainer.scaler.scale_ if to_raw_units else coef


def lime_tabular(
    *,
    kernel_width: float | None = 1e6,
    discretize_continuous: bool = False,
    sample_around_instance: bool = True,
    feature_selection: str = "none",
    training_mean: Any = None,
    to_raw_units: bool = True,
    name: str | None = None,
) -> Explainer:
    """lime's tabular explainer on continuous features, as an Explainer.

    Parameters
    ----------
    kernel_width : float or None
        lime's ``kernel_width`` in standardised units; ``None`` is lime's default
        0.75 sqrt(d) (declared as such). 1e6 (default) is C-LIME.
    discretize_continuous, sample_around_instance, feature_selection
        Passed to lime. The defaults here are the configuration that estimates
        the closed form; lime's own defaults (True, False, 'auto') are the
        negative controls of docs/clients.md.
    training_mean : array_like, optional
        Mean mu of the two training rows mu +- s. Default: the instance x0 when
        lime samples around the instance (a training set near the data; in exact
        arithmetic mu cancels there, see below), the origin otherwise (where it
        is the centre lime samples around).
    to_raw_units : bool
        Divide lime's coefficients by ``scaler.scale_`` (True: correct).
    """
    _import()
    explain = functools.partial(
        _lime_call,
        kernel_width=kernel_width,
        discretize_continuous=discretize_continuous,
        sample_around_instance=sample_around_instance,
        feature_selection=feature_selection,
        training_mean=training_mean,
        to_raw_units=to_raw_units,
    )

    # lime's default width 0.75 sqrt(d) depends on d: one Explainer per dimension would be
    # needed to declare it exactly; declare the width of the battery's d = 3.
    width = 0.75 * np.sqrt(3) if kernel_width is None else float(kernel_width)
    parts = _name_parts(
        kernel_width, discretize_continuous, sample_around_instance, feature_selection, to_raw_units
    )
    e = Explainer(
        explain,
        kind="perturbation",
        covariance="diagonal",
        stochastic=True,
        ridge_alpha=1.0,
        kernel_width=width,
        units="standardized",
        name=name or "lime_tabular" + "".join(f"[{p}]" for p in parts),
    )
    expected: dict[str, list[str]] = {}
    for given, fails in (
        (discretize_continuous, FAILS_DISCRETIZE),
        (not sample_around_instance, FAILS_AROUND_MEAN),
        (not to_raw_units, FAILS_STANDARDISED),
    ):
        for check, reason in fails.items() if given else ():
            expected.setdefault(check, []).append(reason)
    e.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return e


def _name_parts(
    kernel_width: float | None,
    discretize_continuous: bool,
    sample_around_instance: bool,
    feature_selection: str,
    to_raw_units: bool,
) -> list[str]:
    """What departs from the conforming configuration, for the explainer's name."""
    parts = []
    if kernel_width != 1e6:
        parts.append(f"kw={'default' if kernel_width is None else f'{kernel_width:g}'}")
    if discretize_continuous:
        parts.append("discretized")
    if not sample_around_instance:
        parts.append("around_mean")
    if feature_selection != "none":
        parts.append(f"selection={feature_selection}")
    if not to_raw_units:
        parts.append("standardized_coefficients")
    return parts

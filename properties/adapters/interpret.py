"""InterpretML's ``LimeTabular`` (package ``interpret-core``) as a conformance-battery explainer.

What it computes (read in the installed source of interpret-core 0.7.8,
``interpret/blackbox/_lime.py``; ``LimeTabular(model, data, feature_names=None,
feature_types=None, **kwargs).explain_local(X, y=None, name=None, **kwargs)``):

* It wraps lime's ``LimeTabularExplainer(data, **kwargs)`` (lime 0.2.0.1 here),
  after *overwriting* ``mode="regression"`` and ``feature_names`` whatever the
  user passed; every other constructor keyword goes to lime unchanged, with
  lime's defaults: ``discretize_continuous=True``, ``sample_around_instance=False``,
  ``kernel_width=None`` (0.75 sqrt(d)), ``feature_selection='auto'``,
  ``random_state=None``.
* The model: a scikit-learn classifier is reduced to ``predict_proba(x)[:, 1]``
  (binary only; three or more classes are refused), a regressor to ``predict``,
  and a plain callable is called as is (here f, one value per row: regression).
* ``explain_local`` passes its keywords to lime's ``explain_instance``, with
  lime's defaults ``num_features=10`` and ``num_samples=5000``: n is not
  interpret's, it is lime's ``num_samples``. With ``feature_selection='auto'``
  lime keeps ``num_features`` features (forward selection up to 6, the largest
  |Ridge(alpha=0.01) coefficient x value| above), so for d > 10 the
  explanation is *truncated*: the other features get no score and are left
  out of the final fit. With ``feature_selection='none'`` every feature is kept
  whatever ``num_features`` is. (For d <= 10 'auto' keeps all features and
  equals 'none'.)
* The scores are lime's Ridge coefficients (label 1 of ``as_map()``) on the
  *standardised* features (x - mu) / s, in lime's order (by decreasing |score|),
  named ``feature_0000``, ...; interpret does not divide them by s. They are
  mapped back to feature indices here through ``feature_names_in_``.
* Randomness: ``random_state=None`` makes lime draw from numpy's *global*
  generator (``check_random_state(None)``); an int fixes lime's generator when
  the explainer is *constructed*, so two calls on one explainer differ.

So, as for :func:`properties.adapters.lime.lime_tabular` (docs/clients.md, lime):
with continuous features, samples around the instance, every feature kept, a
fresh explainer per call with ``random_state=seed``, training data whose
population std is sqrt(cov_jj) (the two rows mu +- s) and the scores divided by
``lime_.scaler.scale_``, it estimates lime's C-LIME closed form: declared
``kind='perturbation'``, ``covariance='diagonal'``, ``ridge_alpha=1``,
``kernel_width=kw``, ``units='standardized'``; the default ``kernel_width=1e6``
makes it T(x0, cov) up to lime's alpha = 1 ridge (lambda = 1 / n, declared).
These are the adapter's defaults.

interpret's defaults are :data:`LIBRARY_DEFAULTS`. Each deviation is declared
in the returned explainer's ``expected_failed_checks`` (measured on the battery):

* ``discretize_continuous=True``: ``check_scale_equivariance`` ("discretised
  features (lime's discretize_continuous=True)");
* ``sample_around_instance=False``: ``check_translation_equivariance``
  ("lime's sample_around_instance=False");
* ``random_state=None``: ``check_seed_reproducibility`` ("a global generator"),
  and the exact identities that share a seed between calls;
* ``num_samples`` given: ``check_rate`` (n is ignored);
* ``to_raw_units=False`` (interpret's scores as they are):
  ``check_proportionality_affine`` and ``check_sign_and_scale`` ("coefficients
  left in standardised units");
* ``feature_selection='auto'`` with ``num_features`` < d: truncation, caught by
  ``check_linearity`` (the kept features depend on f) once d > num_features
  (``Settings(dim=12)`` for lime's num_features=10; the battery's default d = 3
  cannot see it);
* ``kernel_width=None`` is lime's kernel 0.75 sqrt(d), declared (for the
  battery's d = 3), so it is not a failure: a different, declared closed form.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from properties.conformance.explainer import Explainer
from verify.validation import InputError

from ._common import departures
from .lime import FAILS_AROUND_MEAN, FAILS_DISCRETIZE, FAILS_STANDARDISED, lime_inputs

__all__ = ["DEFAULTS_COMPUTE", "LIBRARY_DEFAULTS", "interpret_lime_tabular"]

_HINT = (
    "interpret is not installed: pip install 'xai-verify[interpret]' "
    "(interpret-core, lime and scikit-learn)"
)

#: interpret's (that is, lime's) own defaults, and its scores left in standardised units.
#: What the library computes when called with its own defaults, in one line (the ecosystem
#: table's; verify.app.ecosystem reads it from here).
DEFAULTS_COMPUTE = (
    "lime's defaults (quartile bins, samples around the training mean, kernel width "
    "0.75 sqrt(d)) with scores left in standardised units, numpy's global generator "
    "(random_state=None) and num_samples = 5000 whatever n is"
)

LIBRARY_DEFAULTS: dict[str, Any] = {
    "kernel_width": None,
    "discretize_continuous": True,
    "sample_around_instance": False,
    "feature_selection": "auto",
    "random_state": None,
    "num_features": 10,
    "num_samples": 5000,
    "to_raw_units": False,
}

_SEED = "seed"  # random_state sentinel: a fresh explainer per call with random_state=seed

_FAILS_GLOBAL_RNG = {
    "check_seed_reproducibility": "random_state=None: lime draws from numpy's global "
    "generator, so the seed is not used",
    "check_linearity": "random_state=None: calls sharing a seed do not share the noise",
    "check_translation_equivariance": "random_state=None: calls sharing a seed do not share "
    "the noise",
    "check_scale_equivariance": "random_state=None: calls sharing a seed do not share the noise",
    "check_repeated_calls": "random_state=None: the global generator carries state from one "
    "call to the next",
    "check_output_contract": "random_state=None: calls with the same seed (float32 and float64 "
    "copies of one input) do not share the noise",
    "check_process_replay": "random_state=None: another interpreter's global generator is in "
    "another state, so the same seed gives another answer",
}
_FAILS_NUM_SAMPLES = {
    "check_rate": "num_samples is fixed: n is ignored, so the error does not shrink with n",
    "check_proportionality_affine": "num_samples is fixed: lime's Ridge(alpha=1) penalty "
    "is alpha / num_samples, not the declared alpha / n",
}
_FAILS_TRUNCATION = {
    "check_linearity": "feature selection keeping num_features < d features: the kept "
    "features depend on f",
    "check_proportionality_affine": "truncation: the features left out get no score",
    "check_proportionality_single_index": "truncation: the features left out get no score",
    "check_translation_equivariance": "truncation: lime ranks features by coefficient x "
    "(standardised) value, which a translation changes",
    "check_convergence": "truncation: the features left out get no score",
    "check_anisotropic_covariance": "truncation: the features left out get no score",
    "check_sign_and_scale": "truncation: the features left out get no score",
}


def _import() -> Any:
    try:
        from interpret.blackbox import LimeTabular
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return LimeTabular


def _interpret_call(
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
    random_state: Any,
    num_features: int | None,
    num_samples: int | None,
    to_raw_units: bool,
    training_mean: Any,
    lime_kwargs: dict[str, Any],
) -> np.ndarray:
    """One explanation by InterpretML's LimeTabular (module level, so it pickles)."""
    lime_tabular_class = _import()
    x0, n, seed, s = lime_inputs(f, x0, cov, n, seed)
    d = f.dim
    mu = np.zeros(d) if training_mean is None else np.asarray(training_mean, dtype=float)
    state = seed if isinstance(random_state, str) and random_state == _SEED else random_state
    explainer = lime_tabular_class(
        f,
        np.stack([mu - s, mu + s]),
        feature_types=["continuous"] * d,
        kernel_width=kernel_width,
        discretize_continuous=discretize_continuous,
        sample_around_instance=sample_around_instance,
        feature_selection=feature_selection,
        random_state=state,
        **lime_kwargs,
    )
    result = explainer.explain_local(
        x0[None, :],
        num_features=d if num_features is None else int(num_features),
        num_samples=n if num_samples is None else int(num_samples),
    )
    local = result.data(0)
    index = {str(nm): j for j, nm in enumerate(explainer.feature_names_in_)}
    coef = np.zeros(d)
    for nm, score in zip(local["names"], local["scores"], strict=True):
        coef[index[str(nm)]] = float(score)
    return coef / explainer.lime_.scaler.scale_ if to_raw_units else coef


def interpret_lime_tabular(
    *,
    kernel_width: float | None = 1e6,
    discretize_continuous: bool = False,
    sample_around_instance: bool = True,
    feature_selection: str = "none",
    random_state: Any = _SEED,
    num_features: int | None = None,
    num_samples: int | None = None,
    to_raw_units: bool = True,
    training_mean: Any = None,
    name: str | None = None,
    **lime_kwargs: Any,
) -> Explainer:
    """InterpretML's ``LimeTabular`` on continuous features, as an Explainer.

    Parameters
    ----------
    kernel_width, discretize_continuous, sample_around_instance, feature_selection
        Passed to lime through ``LimeTabular(model, data, **kwargs)``. The defaults
        here estimate the closed form; lime's own (None, True, False, 'auto') are
        in :data:`LIBRARY_DEFAULTS`.
    random_state : "seed", None, int or RandomState
        "seed" (default): a fresh ``LimeTabular`` per call with
        ``random_state=seed``. Anything else is passed to lime as is (None, lime's
        default: numpy's global generator).
    num_features, num_samples : int, optional
        Passed to ``explain_local`` (lime's ``explain_instance``); None: d and n.
        lime's defaults are 10 and 5000.
    to_raw_units : bool
        Divide interpret's scores by ``lime_.scaler.scale_`` (True: raw input
        units). interpret returns them in standardised units (False).
    training_mean : array_like, optional
        Mean mu of the two training rows mu +- s (default: the origin).
    name : str, optional
    **lime_kwargs
        Other keywords for lime's ``LimeTabularExplainer``.

    Returns
    -------
    Explainer
        With the attribute ``expected_failed_checks`` (check -> reason; empty for
        the defaults).
    """
    _import()
    if "mode" in lime_kwargs:
        raise InputError("interpret overwrites mode with 'regression'; do not pass it")

    explain = functools.partial(
        _interpret_call,
        kernel_width=kernel_width,
        discretize_continuous=discretize_continuous,
        sample_around_instance=sample_around_instance,
        feature_selection=feature_selection,
        random_state=random_state,
        num_features=num_features,
        num_samples=num_samples,
        to_raw_units=to_raw_units,
        training_mean=training_mean,
        lime_kwargs=dict(lime_kwargs),
    )

    parts, expected = _departures(explain.keywords)
    # lime's default width 0.75 sqrt(d) depends on d; declare it for the battery's d = 3.
    width = 0.75 * np.sqrt(3) if kernel_width is None else float(kernel_width)
    e = Explainer(
        explain,
        kind="perturbation",
        covariance="diagonal",
        stochastic=True,
        ridge_alpha=1.0,
        kernel_width=width,
        units="standardized",
        name=name or "interpret_lime_tabular" + "".join(f"[{p}]" for p in parts),
    )
    e.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return e


def _departures(options: Mapping[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """The name parts of a configuration's departures from the conforming one, and the
    checks each is expected to fail (check -> reasons); ``options`` are the keywords of
    :func:`_interpret_call` the factory bound."""
    kernel_width, random_state = options["kernel_width"], options["random_state"]
    feature_selection, num_features = options["feature_selection"], options["num_features"]
    discretize_continuous, to_raw_units = options["discretize_continuous"], options["to_raw_units"]
    sample_around_instance, num_samples = options["sample_around_instance"], options["num_samples"]
    own_seed = isinstance(random_state, str) and random_state == _SEED
    truncating = feature_selection != "none" and num_features is not None
    truncation = {
        check: f"{reason} (when d > num_features = {num_features})"
        for check, reason in _FAILS_TRUNCATION.items()
    }
    parts, expected = departures(
        (
            (discretize_continuous, FAILS_DISCRETIZE, "discretized"),
            (not sample_around_instance, FAILS_AROUND_MEAN, "around_mean"),
            (not own_seed, _FAILS_GLOBAL_RNG, f"random_state={random_state!r}"),
            (num_samples is not None, _FAILS_NUM_SAMPLES, f"num_samples={num_samples}"),
            (not to_raw_units, FAILS_STANDARDISED, "standardized_scores"),
            (truncating, truncation, f"{feature_selection}/num_features={num_features}"),
        )
    )
    if kernel_width != 1e6:
        parts.insert(0, f"kw={'default' if kernel_width is None else f'{kernel_width:g}'}")
    if random_state is not None and not own_seed:
        # A fixed generator: same answer for every seed, and the same stream reused.
        expected.setdefault("check_seed_sensitivity", []).append(
            f"random_state={random_state!r}: lime's generator is fixed, the seed is ignored"
        )
    return parts, expected

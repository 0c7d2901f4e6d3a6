"""captum's path and ablation methods as explainers of the LFA kinds (docs/clients.md, captum).

Every factory returns an :class:`~properties.conformance.explainer.Explainer` called as
``explain(f, x, reference, n, seed) -> ndarray (d,)``, ``reference`` a
:class:`verify.attribution.Baseline` or :class:`~verify.attribution.Background` (rows
with weights), ``n`` the number of steps or samples. By default each runs the captum
configuration that computes the textbook target; ``library_defaults=True`` runs captum
as users call it, and the Explainer's ``expected_failed_checks`` (check -> reason) lists
what that changes, measured by the battery. What captum 0.9.0 computes, read in the
installed source (``captum/attr/_core/...``):

* ``IntegratedGradients.attribute`` (``integrated_gradients.py``): ``baselines=None``
  (zero baseline), ``n_steps=50``, ``method="gausslegendre"``; nodes and weights from
  ``captum/attr/_utils/approximation_methods.py`` (``gauss_legendre_builders``: nodes
  (1 + x_k)/2, weights w_k/2; ``riemann_builders``: nodes from ``torch.linspace``, float32,
  and n > 1 asserted). ``_attribute`` multiplies the gradients by
  ``torch.tensor(step_sizes).float()``: the weights are rounded to float32 whatever the
  input dtype. ``riemann_trapezoid`` puts n nodes ``linspace(0, 1, n)`` (n - 1 intervals)
  but step sizes 1/n with halved ends, which sum to (n - 1)/n: it returns (1 - 1/n) times
  the trapezoid rule (measured; declared in ``expected_failed_checks``).
* ``InputXGradient`` (``input_x_gradient.py``): ``inputs * gradient``; no baseline, no n.
* ``Occlusion`` (``occlusion.py``): ``sliding_window_shapes`` required (here ``(1,)``),
  ``strides=1``, ``baselines=None`` (zero); attribution f(x) - f(occluded), averaged over
  the windows covering a feature (one window per feature here), the average taken in
  float32 (``feature_ablation.py``, ``format_result``: ``single_attrib.float() / weight``).
* ``FeatureAblation`` (``feature_ablation.py``): one feature at a time against
  ``baselines=None`` (zero).
* ``GradientShap`` (``gradient_shap.py``): ``baselines`` required (rows to draw from),
  ``n_samples=5``, ``stdevs=0.0``; the scale alpha comes from ``np.random.uniform`` and the
  baseline rows from ``np.random.choice`` (``captum/_utils/common.py``,
  ``_expand_and_update_baselines``): numpy's global generator, which
  ``torch.manual_seed`` does not reach. Its mean, (x - b) * grad f(b + alpha (x - b)) over
  alpha ~ U(0, 1) and uniform rows b, is Integrated Gradients averaged over the rows.

A :class:`Background` is handled as its definition says: captum explains x against every
row (one batch, ``baselines`` = the rows) and the attributions are averaged with the row
weights (IG, occlusion and the Shapley values are linear in the game). captum draws its
random numbers from torch's global generator (and GradientShap from numpy's): each call
seeds what it uses with ``seed`` and restores the caller's state afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.attribution import Background, Baseline
from verify.attribution.references import as_reference
from verify.validation import InputError, as_points

from ..conformance.explainer import Explainer

__all__ = [
    "LIBRARY_DEFAULTS",
    "captum_feature_ablation",
    "captum_gradient_shap",
    "captum_input_x_gradient",
    "captum_integrated_gradients",
    "captum_occlusion",
]

HINT = (
    "captum is not installed: pip install torch==2.13.0 && pip install 'xai-verify[captum]' "
    "(pin torch exactly: another version pulls a multi-GB CUDA build)"
)

#: captum's own defaults, per method (what ``library_defaults=True`` runs).
LIBRARY_DEFAULTS: dict[str, dict[str, Any]] = {
    "IntegratedGradients": {"baselines": None, "n_steps": 50, "method": "gausslegendre"},
    "InputXGradient": {},
    "Occlusion": {"baselines": None, "strides": 1, "perturbations_per_eval": 1},
    "FeatureAblation": {"baselines": None, "perturbations_per_eval": 1},
    "GradientShap": {"n_samples": 5, "stdevs": 0.0, "rng": "numpy global (np.random)"},
}
RULES = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid")

# -- deviations of the library defaults, by cause (check -> reason) ----------------------
ZERO_BASELINE = "captum's default baselines=None is the zero baseline: the reference is ignored"
FIXED_N = "a fixed number of steps/samples: n is ignored"


def imports() -> tuple[Any, Any]:
    """torch and captum.attr, or ImportError with the install hint."""
    try:
        import captum.attr
        import torch
    except ImportError as exc:
        raise ImportError(HINT) from exc
    return torch, captum.attr


def torch_model(torch: Any, f: Any) -> Any:
    """f as a torch function of float64 rows with its exact gradient (captum.py's wrapper)."""
    from .captum import _torch_model

    return _torch_model(torch, f)


@contextlib.contextmanager
def seeded(torch: Any, seed: int | None, numpy_global: bool = False) -> Iterator[None]:
    """Seed torch's (and numpy's global) generator for one call; restore them afterwards.

    ``seed=None`` leaves the generators alone (a library default that is not seeded).
    """
    if seed is None:
        yield
        return
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state() if numpy_global else None  # noqa: NPY002
    torch.manual_seed(seed)
    if numpy_global:
        np.random.seed(seed % 2**32)  # noqa: NPY002 (captum's GradientShap draws from it)
    try:
        yield
    finally:
        torch.set_rng_state(torch_state)
        if numpy_state is not None:
            np.random.set_state(numpy_state)  # noqa: NPY002


def validated(
    f: Any, x: Any, reference: Any, n: Any, seed: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """(x, reference rows (R, d), row weights (R,), n, seed) checked against f."""
    dim = getattr(f, "dim", None)
    if dim is None:
        raise InputError("f must be a verify.functions.Function (it has no .dim)")
    X, single = as_points(x, dim)
    if not single:
        raise InputError(f"x must have shape ({dim},) for one point, got {np.shape(x)}")
    ref = as_reference(reference, dim)
    if isinstance(ref, Baseline):
        rows, weights = ref.point[None, :], np.ones(1)
    elif isinstance(ref, Background):
        rows, weights = ref.rows, ref.weights
    else:
        raise InputError(
            f"captum takes baseline points, not a {type(ref).__name__}: pass Baseline(b) or "
            "Background(rows) drawn from the distribution"
        )
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n (number of steps or samples) must be a positive int, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    return X[0], np.array(rows, dtype=float), np.array(weights, dtype=float), int(n), int(seed)


def batch(torch: Any, x: np.ndarray, rows: np.ndarray) -> tuple[Any, Any]:
    """x repeated once per reference row, and the rows, as float64 tensors."""
    inputs = torch.tensor(np.tile(x, (rows.shape[0], 1)), dtype=torch.float64)
    return inputs, torch.tensor(rows, dtype=torch.float64)


def averaged(out: Any, weights: np.ndarray) -> np.ndarray:
    """The row attributions (R, d) averaged with the reference weights."""
    return weights @ out.detach().double().numpy().reshape(weights.size, -1)


def declare(explainer: Explainer, deviations: list[tuple[bool, str, dict[str, str]]]) -> Explainer:
    """Attach ``expected_failed_checks``: check -> '; '-joined reasons of the active causes."""
    expected: dict[str, list[str]] = {}
    for active, label, fails in deviations:
        if active:
            for check, reason in fails.items():
                expected.setdefault(check, []).append(f"{label}: {reason}")
    explainer.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return explainer


# -- Integrated Gradients ----------------------------------------------------------------
@dataclass(frozen=True)
class _IGConfig:
    rule: str
    library_defaults: bool
    delta: bool = False


def _ig_call(config: _IGConfig, f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """captum's IntegratedGradients (module level, so it pickles)."""
    torch, attr = imports()
    x, rows, weights, n, seed = validated(f, x, reference, n, seed)
    ig = attr.IntegratedGradients(torch_model(torch, f))
    if config.library_defaults:
        rows, weights = np.zeros((1, x.size)), np.ones(1)
        kwargs: dict[str, Any] = {}
    else:
        if config.rule != "gausslegendre" and n < 2:
            raise InputError(f"captum's {config.rule} rule needs n >= 2 steps, got n = {n}")
        kwargs = {"baselines": torch.tensor(rows, dtype=torch.float64)}
        kwargs.update(n_steps=n, method=config.rule)
    inputs = torch.tensor(np.tile(x, (rows.shape[0], 1)), dtype=torch.float64)
    if not config.delta:
        return averaged(ig.attribute(inputs, **kwargs), weights)
    out, delta = ig.attribute(inputs, return_convergence_delta=True, **kwargs)
    return averaged(out, weights), float(weights @ delta.detach().double().numpy())


def captum_integrated_gradients(
    *,
    rule: str = "gausslegendre",
    delta: bool = False,
    precision: str = "float32",
    library_defaults: bool = False,
    name: str | None = None,
) -> Explainer:
    """captum's ``IntegratedGradients`` (kind ``integrated_gradients``).

    Default: ``attribute(x, baselines=<reference rows>, n_steps=n, method=rule)`` in
    float64, averaged over background rows; the target is IG from the reference
    (:func:`verify.attribution.integrated_gradients`). captum rounds the quadrature
    weights to float32 (``_attribute``: ``torch.tensor(step_sizes).float()``), so even on
    float64 inputs the result carries float32 rounding (about 1e-9 to 3e-8 relative,
    measured): ``precision="float32"`` (default) declares it; ``precision="float64"``
    declares what a float64 user expects and fails the exact identities
    (``expected_failed_checks``). ``library_defaults=True``: ``attribute(x)``, i.e. the
    zero baseline and 50 Gauss-Legendre steps whatever the reference and n. ``delta=True`` returns
    ``(attributions, delta)`` with captum's ``return_convergence_delta`` (kind tag
    ``delta``): sum(attributions) - (f(x) - f(b)), as captum computes it.
    """
    imports()
    if precision not in ("float32", "float64"):
        raise InputError(f"precision must be 'float32' or 'float64', got {precision!r}")
    if rule not in RULES:
        raise InputError(f"rule must be one of {RULES} (captum's `method`), got {rule!r}")
    if library_defaults and rule != "gausslegendre":
        raise InputError("library_defaults=True runs captum's default rule 'gausslegendre'")
    explain = functools.partial(_ig_call, _IGConfig(rule, bool(library_defaults), bool(delta)))
    label = "[defaults]" if library_defaults else f"[{rule}]"
    e = Explainer(
        explain,
        kind="integrated_gradients",
        rule=rule,
        delta=bool(delta),
        stochastic=False,
        precision=precision,
        name=name
        or "captum_integrated_gradients" + label + ("[float64]" * (precision == "float64")),
    )
    from . import captum_attribution_fails as fails

    return declare(
        e,
        [
            (True, "autograd", fails.IG_STEP),
            (library_defaults, "library defaults", fails.IG_DEFAULTS),
            (rule == "riemann_trapezoid", "riemann_trapezoid", fails.IG_TRAPEZOID),
            (precision == "float64", "float32 weights", fails.IG_FLOAT32_WEIGHTS),
        ],
    )


# -- Gradient x Input ---------------------------------------------------------------------
def _gxi_call(f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """captum's InputXGradient (module level, so it pickles); reference and n unused."""
    torch, attr = imports()
    x, *_ = validated(f, x, reference, n, seed)
    out = attr.InputXGradient(torch_model(torch, f)).attribute(
        torch.tensor(x[None, :], dtype=torch.float64)
    )
    return averaged(out, np.ones(1))


def captum_input_x_gradient(
    *, library_defaults: bool = False, name: str | None = None
) -> Explainer:
    """captum's ``InputXGradient`` (kind ``gradient_x_input``): x * grad f(x), float64.

    It has no options: ``library_defaults`` changes nothing (accepted for uniformity).
    """
    imports()
    e = Explainer(
        _gxi_call,
        kind="gradient_x_input",
        stochastic=False,
        name=name or "captum_input_x_gradient",
    )
    return declare(e, [])


# -- Occlusion and FeatureAblation ---------------------------------------------------------
@dataclass(frozen=True)
class _AblationConfig:
    method: str  # "Occlusion" or "FeatureAblation"
    library_defaults: bool


def _ablation_call(
    config: _AblationConfig, f: Any, x: Any, reference: Any, n: int, seed: int
) -> np.ndarray:
    """captum's Occlusion / FeatureAblation, one feature at a time (module level)."""
    torch, attr = imports()
    x, rows, weights, n, seed = validated(f, x, reference, n, seed)
    method = getattr(attr, config.method)(torch_model(torch, f))
    kwargs: dict[str, Any] = {"sliding_window_shapes": (1,)} if config.method == "Occlusion" else {}
    if config.library_defaults:
        inputs = torch.tensor(x[None, :], dtype=torch.float64)
        return averaged(method.attribute(inputs, **kwargs), np.ones(1))
    inputs, baselines = batch(torch, x, rows)
    out = method.attribute(inputs, baselines=baselines, perturbations_per_eval=x.size, **kwargs)
    return averaged(out, weights)


def _ablation(method: str, library_defaults: bool, name: str | None) -> Explainer:
    imports()
    explain = functools.partial(_ablation_call, _AblationConfig(method, bool(library_defaults)))
    label = "[defaults]" if library_defaults else ""
    e = Explainer(
        explain,
        kind="occlusion",
        stochastic=False,
        # Occlusion divides by its window counts in float32 (feature_ablation.py,
        # format_result: single_attrib.float() / weight); FeatureAblation stays float64.
        precision="float32" if method == "Occlusion" else "float64",
        name=name
        or f"captum_{'occlusion' if method == 'Occlusion' else 'feature_ablation'}{label}",
    )
    from . import captum_attribution_fails as fails

    return declare(e, [(library_defaults, "library defaults", fails.ABLATION_DEFAULTS)])


def captum_occlusion(*, library_defaults: bool = False, name: str | None = None) -> Explainer:
    """captum's ``Occlusion`` with one-feature windows (kind ``occlusion``).

    Default: ``attribute(x, sliding_window_shapes=(1,), baselines=<reference rows>)``:
    f(x) - f(x with x_i := b_i), averaged over background rows
    (:func:`verify.attribution.occlusion`). ``library_defaults=True``: ``baselines=None``
    (zero). ``n`` is unused (deterministic).
    """
    return _ablation("Occlusion", library_defaults, name)


def captum_feature_ablation(
    *, library_defaults: bool = False, name: str | None = None
) -> Explainer:
    """captum's ``FeatureAblation`` (kind ``occlusion``): the same target as Occlusion.

    ``library_defaults=True``: ``baselines=None`` (zero). ``n`` is unused.
    """
    return _ablation("FeatureAblation", library_defaults, name)


# -- GradientShap --------------------------------------------------------------------------
@dataclass(frozen=True)
class _GradientShapConfig:
    library_defaults: bool


def _gradient_shap_call(
    config: _GradientShapConfig, f: Any, x: Any, reference: Any, n: int, seed: int
) -> np.ndarray:
    """captum's GradientShap (module level, so it pickles)."""
    torch, attr = imports()
    x, rows, weights, n, seed = validated(f, x, reference, n, seed)
    if not np.allclose(weights, weights[0], rtol=1e-12, atol=0):
        raise InputError(
            "captum's GradientShap draws background rows uniformly (np.random.choice): pass a "
            "Background with equal weights (repeat rows to weight them)"
        )
    gs = attr.GradientShap(torch_model(torch, f))
    inputs = torch.tensor(x[None, :], dtype=torch.float64)
    baselines = torch.tensor(rows, dtype=torch.float64)
    # The library default seeds torch only (as a user would): numpy's draws stay unseeded.
    with seeded(torch, seed, numpy_global=not config.library_defaults):
        if config.library_defaults:
            out = gs.attribute(inputs, baselines=baselines)
        else:
            out = gs.attribute(inputs, baselines=baselines, n_samples=n, stdevs=0.0)
    return averaged(out, np.ones(1))


def captum_gradient_shap(*, library_defaults: bool = False, name: str | None = None) -> Explainer:
    """captum's ``GradientShap`` (kind ``expected_gradients``, ``weighted=False``).

    Per sample captum draws a row b of ``baselines`` uniformly (``np.random.choice``) and
    alpha ~ U(0, 1) (``np.random.uniform``) and averages (x - b) * grad f(b + alpha (x - b))
    over ``n_samples``: an unbiased estimate of IG averaged over the rows. It has no row
    weights, so a Background with unequal weights is refused (repeating rows would only
    approximate real weights; pass equal weights).

    Default: ``attribute(x, baselines=<reference rows>, n_samples=n, stdevs=0.0)`` with
    numpy's global generator seeded for the call (and restored): the textbook estimator,
    declared with no expected failure. ``library_defaults=True``: ``n_samples=5`` and torch
    seeded but not numpy (as a user calling ``torch.manual_seed`` does), so two calls with
    one seed differ and n is ignored; ``expected_failed_checks`` lists what the battery
    measures of it.
    """
    imports()
    explain = functools.partial(_gradient_shap_call, _GradientShapConfig(bool(library_defaults)))
    e = Explainer(
        explain,
        kind="expected_gradients",
        weighted=False,
        stochastic=True,
        name=name or "captum_gradient_shap" + ("[defaults]" if library_defaults else ""),
    )
    from . import captum_attribution_fails as fails

    return declare(e, [(library_defaults, "library defaults", fails.GRADIENT_SHAP_DEFAULTS)])

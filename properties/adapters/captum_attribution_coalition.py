"""captum's coalition methods as explainers of the LFA kinds (docs/clients.md, captum).

The same contract as :mod:`.captum_attribution` (``explain(f, x, reference, n, seed)``,
``library_defaults``, ``expected_failed_checks``). What captum 0.9.0 computes, read in
the installed source (``captum/attr/_core/...``):

* ``ShapleyValueSampling.attribute`` (``shapley_value.py``): ``n_samples=25`` random
  permutations from ``torch.randperm`` (``_perm_generator``), ``baselines=None`` (zero);
  each permutation's marginal contributions sum to f(x) - f(b) (exactly efficient), no
  antithetic pairing. ``ShapleyValues``: every one of the d! permutations
  (``_all_perm_generator``), d * d! evaluations; the docstring advises fewer than 7
  features. Both sum the contributions in a ``dtype=torch.float`` tensor: float32
  results for float64 inputs (declared ``precision="float32"``).
* ``KernelShap`` (``kernel_shap.py``) is a ``Lime`` with ``SkLearnLinearRegression``
  (intercept free), the masks all-ones and all-zeros yielded first
  (``kernel_shap_perturb_generator``) with similarity ``self.inf_weight = 1000000.0``
  (``kernel_shap_similarity_kernel``; every other mask weighs 1), then k ~ p(k) proportional
  to (d - 1)/(k (d - k)) and a uniform subset of size k, with replacement;
  ``n_samples=25`` (the docstring says 50) counting the two anchors; ``baselines=None``
  (zero): baseline Shapley. The efficiency constraint is a penalty of fixed weight 1e6,
  so its violation grows in proportion to n: the estimator tends to the *unconstrained*
  Shapley-kernel regression (Shapley + a common shift) as n grows. Here
  ``n_samples = n + 2`` (n draws beside the anchors) and ``inf_weight = 1e6 * n`` keeps
  the penalty ahead of the n unit weights (the violation stays at float32 rounding). With
  one feature the size law is 0/0 and ``Categorical`` raises: the adapter explains d = 1
  with a second, ignored feature at its baseline (a null player).
* ``Lime`` (``lime.py``): ``interpretable_model=SkLearnLasso(alpha=0.01)``,
  ``similarity_func=get_exp_kernel_similarity_function()`` = exp(-d^2 / (2 * 1^2)) with d
  the *cosine* distance between x and the perturbed input (not a product kernel),
  ``perturb_func=default_perturb_func`` (Bernoulli(1/2) masks), ``n_samples=25`` (the
  docstring says 50), ``baselines=None`` (zero). ``LimeBase._attribute`` fits in float32
  (``.float()`` on masks, outputs and weights). sklearn's Lasso (``random_state=None``)
  draws from numpy's global generator at every fit.

For the textbook binary LIME, :func:`captum_lime_binary` uses ``SkLearnLinearRegression``
(least squares with intercept) and captum's kernel convention exp(-D^2 / (2 kw^2)), a
product kernel whose target is the weighted Banzhaf value
(``verify.attribution.ExponentialKernel(kw, space, convention="captum")``): D^2 the
number of absent features (``space="binary"``, a ``similarity_func`` on captum's
interpretable sample) or ||x - h(z)||^2, h(z) = x on z and b elsewhere (``space="input"``,
captum's ``get_exp_kernel_similarity_function("euclidean", kw)``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.validation import InputError

from ..conformance.explainer import Explainer
from ._common import FIXED_SAMPLER_SIZES, LOOPED_SAMPLER_SIZES
from .captum_attribution import averaged, batch, declare, imports, seeded, torch_model, validated

__all__ = [
    "LIBRARY_DEFAULTS",
    "captum_kernel_shap",
    "captum_lime_binary",
    "captum_shapley_value_sampling",
    "captum_shapley_values",
]

#: captum's own defaults, per method (what ``library_defaults=True`` runs).
LIBRARY_DEFAULTS: dict[str, dict[str, Any]] = {
    "ShapleyValueSampling": {"baselines": None, "n_samples": 25, "perturbations_per_eval": 1},
    "ShapleyValues": {"baselines": None, "perturbations_per_eval": 1},
    "KernelShap": {"baselines": None, "n_samples": 25, "inf_weight": 1e6},
    "Lime": {
        "baselines": None,
        "n_samples": 25,
        "interpretable_model": "SkLearnLasso(alpha=0.01)",
        "similarity_func": "exp(-cosine_distance^2 / 2)",
    },
}
#: ShapleyValues evaluates d * d! coalitions: refused above this d (d = 7: 7 s a call here,
#: d = 8 about a minute).
MAX_EXACT_DIM = 7
#: Model evaluations per captum forward call in the conforming configurations.
_PER_EVAL = 512


@dataclass(frozen=True)
class _Config:
    method: str
    library_defaults: bool
    kernel_width: float = 1.0
    penalty: float | None = None  # KernelShap's inf_weight; None: 1e6 * n
    space: str = "binary"  # where Lime's kernel measures the distance


def _call(config: _Config, f: Any, x: Any, reference: Any, n: int, seed: int) -> np.ndarray:
    """One captum coalition attribution (module level, so it pickles)."""
    torch, attr = imports()
    x, rows, weights, n, seed = validated(f, x, reference, n, seed)
    model = torch_model(torch, f)
    if config.method == "ShapleyValues" and x.size > MAX_EXACT_DIM:
        raise InputError(
            f"captum's ShapleyValues enumerates d * d! coalitions: d = {x.size} is more than "
            f"{MAX_EXACT_DIM}; use captum_shapley_value_sampling or captum_kernel_shap"
        )
    if config.method == "KernelShap" and x.size == 1:
        return _padded(config, f, x, rows, weights, n, seed)
    method = _method(config, attr, model, rows)
    if config.library_defaults:
        with seeded(torch, seed):
            out = method.attribute(torch.tensor(x[None, :], dtype=torch.float64))
        return averaged(out, np.ones(1))
    inputs, baselines = batch(torch, x, rows)
    kwargs: dict[str, Any] = {"baselines": baselines}
    if config.method != "ShapleyValues":  # KernelShap's n_samples counts its two anchors
        kwargs["n_samples"] = n + 2 if config.method == "KernelShap" else n
    if config.method == "KernelShap":  # the anchors' weight (None: ahead of the n unit weights)
        method.inf_weight = 1e6 * n if config.penalty is None else config.penalty
    if config.method in ("ShapleyValues", "ShapleyValueSampling"):
        kwargs["perturbations_per_eval"] = x.size
    else:
        kwargs["perturbations_per_eval"] = min(n, _PER_EVAL)
    with seeded(torch, seed):
        try:
            out = method.attribute(inputs, **kwargs)
        except ValueError as exc:
            if "Sample weights must contain at least one non-zero" not in str(exc):
                raise
            raise InputError(
                "every kernel weight exp(-||x - h(z)||^2 / (2 kw^2)) of the drawn masks is 0 in "
                f"float32 (||x - b|| = {np.linalg.norm(x - rows[0]):.3g}, kernel_width = "
                f"{config.kernel_width:g}): pass a kernel_width of the scale of x - b, or "
                "space='binary'"
            ) from exc
    return averaged(out, weights)


def _binary_similarity(width: float, original: Any, perturbed: Any, mask: Any, **kw: Any) -> float:
    """exp(-(number of absent features) / (2 w^2)): captum's kernel on the binary mask."""
    absent = float(mask.numel() - mask.sum())
    return math.exp(-absent / (2.0 * width * width))


class _Padded:
    """f of d features as a function of d + 1, the last one ignored (picklable)."""

    def __init__(self, f: Any):
        self.f, self.dim = f, f.dim + 1

    def __call__(self, X: Any) -> np.ndarray:
        return self.f(np.asarray(X)[..., :-1])

    def gradient(self, X: Any) -> np.ndarray:
        X = np.asarray(X)
        grad = self.f.gradient(X[..., :-1])
        return np.concatenate([grad, np.zeros((*X.shape[:-1], 1))], axis=-1)


def _padded(
    config: _Config,
    f: Any,
    x: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    n: int,
    seed: int,
) -> np.ndarray:
    """KernelShap for d = 1 on a second feature f ignores, equal to the baseline.

    captum's KernelShap cannot run one feature: its size law (d - 1) / (k (d - k)) is 0/0
    and ``Categorical`` refuses the NaN (kernel_shap.py, ``attribute``). The padded game
    has the same value for the first feature and a null second player.
    """
    from verify.attribution import Background

    pad = np.zeros((rows.shape[0], 1))
    ref = Background(np.hstack([rows, pad]), weights)
    return _call(config, _Padded(f), np.append(x, 0.0), ref, n, seed)[:1]


def _method(config: _Config, attr: Any, model: Any, rows: np.ndarray) -> Any:
    if config.method != "Lime":
        return getattr(attr, config.method)(model)
    if config.library_defaults:
        return attr.Lime(model)
    from captum._utils.models.linear_model import SkLearnLinearRegression
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    if config.space == "binary":
        similarity: Any = functools.partial(_binary_similarity, config.kernel_width)
    elif rows.shape[0] != 1:
        raise InputError(
            "captum's Lime with space='input' measures the distance from x to x_S with b "
            "elsewhere: it needs one baseline point; pass Baseline(b), not Background rows "
            "(or use space='binary')"
        )
    else:
        similarity = get_exp_kernel_similarity_function("euclidean", config.kernel_width)
    return attr.Lime(
        model, interpretable_model=SkLearnLinearRegression(), similarity_func=similarity
    )


def _make(
    method: str,
    library_defaults: bool,
    name: str | None,
    label: str,
    width: float = 1.0,
    inf_weight: float | None = None,
    space: str = "binary",
    **tags: Any,
) -> Explainer:
    imports()
    from . import captum_attribution_fails as fails

    config = _Config(method, bool(library_defaults), width, inf_weight, space)
    if "space_tag" in tags:
        tags["space"] = tags.pop("space_tag")
    e = Explainer(
        functools.partial(_call, config),
        stochastic=method != "ShapleyValues",
        name=name or label + ("[defaults]" if library_defaults else ""),
        **tags,
    )
    e.battery_sizes = FIXED_SAMPLER_SIZES if library_defaults else LOOPED_SAMPLER_SIZES
    return declare(e, [(library_defaults, "library defaults", fails.COALITION_DEFAULTS[method])])


def captum_shapley_value_sampling(
    *, library_defaults: bool = False, name: str | None = None
) -> Explainer:
    """captum's ``ShapleyValueSampling`` (kind ``shapley``, exactly efficient).

    Default: ``attribute(x, baselines=<reference rows>, n_samples=n)``, n random
    permutations, averaged over background rows: an unbiased estimate of the Shapley value
    of v(S) = f(x_S, b_S') (baseline; interventional for rows). ``library_defaults=True``:
    zero baseline and 25 permutations whatever n.
    """
    return _make(
        "ShapleyValueSampling",
        library_defaults,
        name,
        "captum_shapley_value_sampling",
        kind="shapley",
        value="interventional",
        efficiency="exact",
        precision="float32",  # shapley_value.py sums in a torch.float tensor
    )


def captum_shapley_values(*, library_defaults: bool = False, name: str | None = None) -> Explainer:
    """captum's ``ShapleyValues`` (kind ``shapley``): all d! permutations, exact, d <= 7.

    ``library_defaults=True``: the zero baseline. ``n`` is unused.
    """
    return _make(
        "ShapleyValues",
        library_defaults,
        name,
        "captum_shapley_values",
        kind="shapley",
        value="interventional",
        efficiency="exact",
        precision="float32",  # shapley_value.py sums in a torch.float tensor
    )


def captum_kernel_shap(
    *, penalty: float | None = None, library_defaults: bool = False, name: str | None = None
) -> Explainer:
    """captum's ``KernelShap`` (kind ``shapley``), float32 fit.

    Default (``penalty=None``): ``attribute(x, baselines=<reference rows>, n_samples=n + 2)``
    (n draws beside the two anchors, which captum counts in ``n_samples``) with
    ``inf_weight = 1e6 * n``: the Shapley-kernel regression with the efficiency
    constraint held to float32 rounding at every n, consistent for the Shapley value
    (declared ``efficiency="exact"``). ``penalty=W``: captum's fixed ``inf_weight = W``
    (its own is 1e6), declared ``efficiency="penalty", penalty=W``: the kind's target is
    then the finite-n fit between the Shapley value and the unconstrained limit.
    ``library_defaults=True``: ``KernelShap(model).attribute(x)``: zero baseline,
    ``n_samples=25`` whatever n, ``inf_weight = 1e6``.
    """
    if library_defaults:
        penalty = 1e6
    elif penalty is not None:
        try:
            penalty = float(penalty)
        except (TypeError, ValueError):
            raise InputError(
                f"penalty must be a positive number or None, got {penalty!r}"
            ) from None
        if not (np.isfinite(penalty) and penalty > 0):
            raise InputError(f"penalty must be a positive number or None, got {penalty!r}")
    efficiency = {"efficiency": "exact"} if penalty is None else {"efficiency": "penalty"}
    label = "captum_kernel_shap" + (
        "" if penalty is None or library_defaults else f"[W={penalty:g}]"
    )
    return _make(
        "KernelShap",
        library_defaults,
        name,
        label,
        inf_weight=penalty,
        kind="shapley",
        value="interventional",
        precision="float32",
        **efficiency,
        **({} if penalty is None else {"penalty": penalty}),
    )


def captum_lime_binary(
    *,
    kernel_width: float = 1.0,
    space: str = "binary",
    library_defaults: bool = False,
    name: str | None = None,
) -> Explainer:
    """captum's ``Lime`` on binary masks (kind ``lime_binary``), float32 fit.

    Default: ``Lime(model, interpretable_model=SkLearnLinearRegression(),
    similarity_func=<kernel>)`` and ``attribute(x, baselines=<reference rows>,
    n_samples=n)``: least squares with intercept on uniform Bernoulli(1/2) masks weighted
    by exp(-D^2 / (2 kw^2)) (captum's convention); target the weighted Banzhaf value of that
    product kernel (``verify.attribution.ExponentialKernel(kw, space, "captum")``).
    ``space="binary"`` (default): D^2 = the number of absent features, a similarity on
    captum's interpretable sample; scale-free, and background rows are averaged (value
    ``"interventional"``). ``space="input"``: captum's
    ``get_exp_kernel_similarity_function("euclidean", kernel_width)``, D = ||x - h(z)||, one
    baseline point only; captum casts the weights to float32, so they vanish (an InputError
    naming the fix) once ||x - b|| is some 14 kernel widths. ``library_defaults=True``:
    ``Lime(model).attribute(x)``: Lasso(alpha=0.01), the cosine kernel (declared; not a
    product kernel), zero baseline, 25 samples. (The Gaussian-noise negative control is
    :func:`.captum.captum_lime`.)
    """
    if space not in ("binary", "input"):
        raise InputError(f"space must be 'binary' or 'input', got {space!r}")
    if library_defaults:
        width, space = 1.0, "input"  # get_exp_kernel_similarity_function()'s cosine kernel
    else:
        try:
            width = float(kernel_width)
        except (TypeError, ValueError):
            raise InputError(
                f"kernel_width must be a positive number, got {kernel_width!r}"
            ) from None
        if not (np.isfinite(width) and width > 0):
            raise InputError(f"kernel_width must be a positive number, got {kernel_width!r}")
    return _make(
        "Lime",
        library_defaults,
        name,
        "captum_lime_binary" + ("" if library_defaults or space == "binary" else "[input]"),
        width=width,
        space=space,
        kind="lime_binary",
        value="interventional" if space == "binary" else "baseline",
        kernel="cosine" if library_defaults else "captum",
        kernel_width=width,
        space_tag=space,
        precision="float32",
    )

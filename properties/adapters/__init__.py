"""Real explainers wrapped for the conformance battery (optional extras).

* :func:`captum_smoothgrad`  captum ``NoiseTunnel(Saliency)`` SmoothGrad, full covariance;
* :func:`captum_limebase`    captum ``LimeBase`` configured as C-LIME;
* :func:`captum_lime`        captum ``Lime`` with its defaults (a negative control);
* :func:`captum_integrated_gradients`, :func:`captum_input_x_gradient`,
  :func:`captum_occlusion`, :func:`captum_feature_ablation`, :func:`captum_gradient_shap`,
  :func:`captum_shapley_value_sampling`, :func:`captum_shapley_values`,
  :func:`captum_kernel_shap`, :func:`captum_lime_binary`  captum's LFA methods
  (:mod:`.captum_attribution`, :mod:`.captum_attribution_coalition`);
* :func:`lime_tabular`       lime's ``LimeTabularExplainer`` on continuous features;
* :func:`zennit_smoothgrad`  zennit's ``SmoothGrad`` attributor (torch);
* :func:`saliency_smoothgrad` PAIR's ``saliency`` core ``GetSmoothedMask`` (numpy);
* :func:`interpret_lime_tabular` InterpretML's ``LimeTabular`` (which wraps lime);
* :func:`shap_kernel_explainer`, :func:`shap_exact_explainer`,
  :func:`shap_permutation_explainer`  shap's model-agnostic Shapley explainers.

Each is imported only when used; a missing client raises ImportError with the
install hint (``pip install 'xai-verify[<client>]'``). Each returned Explainer
carries ``expected_failed_checks`` (empty when the configuration conforms), and
each module a ``LIBRARY_DEFAULTS`` dict that reproduces the library's own defaults.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "captum_feature_ablation",
    "captum_gradient_shap",
    "captum_input_x_gradient",
    "captum_integrated_gradients",
    "captum_kernel_shap",
    "captum_lime",
    "captum_lime_binary",
    "captum_limebase",
    "captum_occlusion",
    "captum_shapley_value_sampling",
    "captum_shapley_values",
    "captum_smoothgrad",
    "interpret_lime_tabular",
    "lime_tabular",
    "saliency_smoothgrad",
    "shap_exact_explainer",
    "shap_kernel_explainer",
    "shap_permutation_explainer",
    "zennit_smoothgrad",
]


def captum_smoothgrad(**kwargs: Any) -> Any:
    from .captum import captum_smoothgrad as make

    return make(**kwargs)


def captum_limebase(**kwargs: Any) -> Any:
    from .captum import captum_limebase as make

    return make(**kwargs)


def captum_lime(**kwargs: Any) -> Any:
    from .captum import captum_lime as make

    return make(**kwargs)


def lime_tabular(**kwargs: Any) -> Any:
    from .lime import lime_tabular as make

    return make(**kwargs)


def zennit_smoothgrad(**kwargs: Any) -> Any:
    from .zennit import zennit_smoothgrad as make

    return make(**kwargs)


def saliency_smoothgrad(**kwargs: Any) -> Any:
    from .saliency import saliency_smoothgrad as make

    return make(**kwargs)


def interpret_lime_tabular(**kwargs: Any) -> Any:
    from .interpret import interpret_lime_tabular as make

    return make(**kwargs)


def shap_kernel_explainer(**kwargs: Any) -> Any:
    from .shap import shap_kernel_explainer as make

    return make(**kwargs)


def shap_exact_explainer(**kwargs: Any) -> Any:
    from .shap import shap_exact_explainer as make

    return make(**kwargs)


def shap_permutation_explainer(**kwargs: Any) -> Any:
    from .shap import shap_permutation_explainer as make

    return make(**kwargs)


def captum_feature_ablation(**kwargs: Any) -> Any:
    from .captum_attribution import captum_feature_ablation as make

    return make(**kwargs)


def captum_gradient_shap(**kwargs: Any) -> Any:
    from .captum_attribution import captum_gradient_shap as make

    return make(**kwargs)


def captum_input_x_gradient(**kwargs: Any) -> Any:
    from .captum_attribution import captum_input_x_gradient as make

    return make(**kwargs)


def captum_integrated_gradients(**kwargs: Any) -> Any:
    from .captum_attribution import captum_integrated_gradients as make

    return make(**kwargs)


def captum_occlusion(**kwargs: Any) -> Any:
    from .captum_attribution import captum_occlusion as make

    return make(**kwargs)


def captum_kernel_shap(**kwargs: Any) -> Any:
    from .captum_attribution_coalition import captum_kernel_shap as make

    return make(**kwargs)


def captum_lime_binary(**kwargs: Any) -> Any:
    from .captum_attribution_coalition import captum_lime_binary as make

    return make(**kwargs)


def captum_shapley_value_sampling(**kwargs: Any) -> Any:
    from .captum_attribution_coalition import captum_shapley_value_sampling as make

    return make(**kwargs)


def captum_shapley_values(**kwargs: Any) -> Any:
    from .captum_attribution_coalition import captum_shapley_values as make

    return make(**kwargs)


for _f in (
    captum_smoothgrad,
    captum_limebase,
    captum_lime,
    captum_feature_ablation,
    captum_gradient_shap,
    captum_input_x_gradient,
    captum_integrated_gradients,
    captum_occlusion,
    captum_kernel_shap,
    captum_lime_binary,
    captum_shapley_value_sampling,
    captum_shapley_values,
    lime_tabular,
    zennit_smoothgrad,
    saliency_smoothgrad,
    interpret_lime_tabular,
    shap_kernel_explainer,
    shap_exact_explainer,
    shap_permutation_explainer,
):
    _f.__doc__ = f"Lazy front for :func:`properties.adapters.{_f.__name__}` (see its module)."

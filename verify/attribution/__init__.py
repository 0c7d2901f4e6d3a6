"""Exact targets of the local-function-approximation family (Han, Srinivas & Lakkaraju 2022).

Every target is a pure function of (f, points x of shape (..., d), reference), vectorised
over the points, returning an :class:`Attribution` (values, method, error, f(x), f at the
reference). *Exact* means closed form or exact enumeration, never Monte Carlo; the few
numeric rules (smooth deep networks, links without a Gaussian closed form) say so in
``method`` and carry an error bar. Derivations: docs/math.md, "Local function
approximation: exact targets".

=====================  ======================================================================
:mod:`.references`     :class:`Baseline`, :class:`Background`, :class:`GaussianBackground`
:mod:`.gradients`      :func:`integrated_gradients`, :func:`gradient_x_input`
:mod:`.coalition_methods`  :func:`shapley_values`, :func:`banzhaf_values`, :func:`lime_binary`,
                       :func:`kernel_shap_limit`, :func:`kernel_shap_penalised`, :func:`occlusion`
:mod:`.kernels`        binary-LIME kernel conventions (:class:`ExponentialKernel`, ...)
:mod:`.restrict`       :func:`restrict`: partial evaluation that stays in the family
:mod:`.result`         :class:`Attribution`
internals              :mod:`.coalitions` (values v(S)), :mod:`.games`, :mod:`.products`
                       (product games), :mod:`.tables` (enumerated games), :mod:`.expectation`,
                       :mod:`.ig_ridge`, :mod:`.ig_rbf`, :mod:`.ig_network`
=====================  ======================================================================
"""

from .coalition_methods import (
    banzhaf_values,
    kernel_shap_limit,
    kernel_shap_penalised,
    lime_binary,
    occlusion,
    shapley_values,
)
from .coalitions import MAX_ENUMERATION_DIM
from .gradients import gradient_x_input, integrated_gradients
from .kernels import CosineKernel, ExponentialKernel, LimeKernel, ProductKernel, UniformKernel
from .references import Background, Baseline, GaussianBackground
from .restrict import restrict
from .result import Attribution

__all__ = [
    "MAX_ENUMERATION_DIM",
    "Attribution",
    "Background",
    "Baseline",
    "CosineKernel",
    "ExponentialKernel",
    "GaussianBackground",
    "LimeKernel",
    "ProductKernel",
    "UniformKernel",
    "banzhaf_values",
    "gradient_x_input",
    "integrated_gradients",
    "kernel_shap_limit",
    "kernel_shap_penalised",
    "lime_binary",
    "occlusion",
    "restrict",
    "shapley_values",
]

"""``kind="lime_binary"``: LIME on binary masks, a weighted least-squares fit of v(z) on z.

Target: :func:`verify.attribution.lime_binary` with the declared kernel convention
(:mod:`verify.attribution.kernels`): ``kernel="uniform"`` (the Banzhaf value), ``"lfa"``
exp(-D^2 / w^2) (Han et al.), ``"captum"`` exp(-D^2 / (2 w^2)), ``"lime"`` lime's
sqrt(exp(-D^2 / w^2)) (the same as captum's), ``"cosine"`` captum ``Lime``'s default; D^2 is
the number of absent features (``space="binary"``) or ||x - h(z)||^2 (``space="input"``, one
baseline point: ``value="baseline"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from verify import attribution as A
from verify.validation import InputError

from ..checks_coalitions_kinds import LIME_OWN, SIGNATURE, VALUE_TAG, coalition_checks, register
from .base import Kind, Tag, choice, optional_number

__all__ = ["KERNELS", "KIND", "kernel_of", "lime_target"]

KERNELS = ("uniform", "lfa", "captum", "lime", "cosine")
_HELP = {
    "kernel": "the kernel convention pi(z): 'uniform' (1: the Banzhaf value), 'lfa' "
    "exp(-D^2 / w^2), 'captum' exp(-D^2 / (2 w^2)), 'lime' sqrt(exp(-D^2 / w^2)) (lime's, "
    "equal to captum's), 'cosine' exp(-(1 - cos(x, h(z)))^2 / (2 w^2)) (captum Lime's default)",
    "kernel_width": "the kernel width w > 0 (required unless kernel='uniform')",
    "space": "where D is measured: 'binary' (D^2 = number of absent features) or 'input' "
    "(D^2 = ||x - h(z)||^2, h(z) the hybrid point; needs value='baseline')",
}

TAGS: Mapping[str, Tag] = {
    "value": VALUE_TAG,
    "kernel": Tag(_HELP["kernel"], choice(*KERNELS, help=_HELP["kernel"]), example="lfa"),
    "kernel_width": Tag(
        _HELP["kernel_width"], optional_number(positive=True, help=_HELP["kernel_width"]), None
    ),
    "space": Tag(_HELP["space"], choice("binary", "input", help=_HELP["space"]), "binary"),
}


def _validate(tags: Mapping[str, Any]) -> None:
    if tags["kernel"] != "uniform" and tags["kernel_width"] is None:
        raise InputError(f"kernel={tags['kernel']!r} needs kernel_width=w (e.g. 1.0)")
    if tags["kernel"] == "cosine" and tags["space"] != "input":
        raise InputError("the cosine kernel measures in input space: declare space='input'")
    if (tags["space"] == "input" or tags["kernel"] == "cosine") and tags["value"] != "baseline":
        raise InputError(
            "an input-space kernel measures distances to one baseline point: declare "
            "value='baseline' (and refuse Background rows)"
        )


def kernel_of(explainer: Any) -> A.LimeKernel:
    """The engine's kernel object for the declared tags."""
    if explainer.kernel == "uniform":
        return A.UniformKernel()
    if explainer.kernel == "cosine":
        return A.CosineKernel(explainer.kernel_width)
    convention = "lfa" if explainer.kernel == "lfa" else "captum"
    return A.ExponentialKernel(explainer.kernel_width, explainer.space, convention)


def lime_target(
    explainer: Any, f: Any, x: Any, reference: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Binary LIME's population target for the declared kernel, and its error bar."""
    out = A.lime_binary(f, x, reference, kernel_of(explainer))
    return np.asarray(out.values), np.asarray(out.error)


register("lime_binary")

KIND = Kind(
    name="lime_binary",
    help="LIME on binary masks: weighted least squares of v(z) on z with a declared kernel",
    signature=SIGNATURE,
    reference="reference",
    tags=TAGS,
    target=lime_target,
    checks=coalition_checks(LIME_OWN),
    validate=_validate,
)

"""``kind="perturbation"``: LIME-like explainers, linear surrogates fitted to Gaussian noise.

Target: expected (ridge, kernel-weighted) C-LIME, w = (cov' + lambda P)^{-1}
Cov_{cov'}(x, f(x)) with the kernel-equivalent covariance cov' and the penalty
metric P of the declared units (:mod:`properties.conformance.targets`).
"""

from __future__ import annotations

from ..targets import clime_target
from .base import Kind
from .noise import CHECKS
from .noise_tags import SIGNATURE, TAGS, validate_noise_tags

KIND = Kind(
    name="perturbation",
    help="fits a linear surrogate to f on Gaussian perturbations (C-LIME, LIME)",
    signature=SIGNATURE,
    reference="cov",
    tags=TAGS,
    target=clime_target,
    checks=CHECKS,
    validate=lambda tags: validate_noise_tags(tags, gradient=False),
)

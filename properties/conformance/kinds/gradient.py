"""``kind="gradient"``: SmoothGrad-like explainers, averages of grad f under Gaussian noise.

Target: expected SmoothGrad E[grad f(x)], x ~ N(x0, cov) (the engine's Gaussian moments,
exact for the closed-form families, quadrature with an error bar otherwise).
"""

from __future__ import annotations

from ..targets import smoothgrad_target
from .base import Kind
from .noise import CHECKS
from .noise_tags import SIGNATURE, TAGS, validate_noise_tags

KIND = Kind(
    name="gradient",
    help="averages grad f under Gaussian noise (SmoothGrad)",
    signature=SIGNATURE,
    reference="cov",
    tags=TAGS,
    target=smoothgrad_target,
    checks=CHECKS,
    validate=lambda tags: validate_noise_tags(tags, gradient=True),
)

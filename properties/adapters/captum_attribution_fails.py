"""What captum's configurations fail in the LFA batteries, measured (check -> reason).

Each table lists the checks a deviation makes fail, found by running the battery
(tests/conformance/test_conformance_captum_attribution.py asserts that exactly these fail).
"""

from __future__ import annotations

__all__ = [
    "ABLATION_DEFAULTS",
    "COALITION_DEFAULTS",
    "GRADIENT_SHAP_DEFAULTS",
    "IG_DEFAULTS",
    "IG_FLOAT32_WEIGHTS",
    "IG_STEP",
    "IG_TRAPEZOID",
]

_ZERO = "the zero baseline (baselines=None), not the reference"
IG_STEP = {
    "check_step_completeness": "autograd's a.e. gradient of a step link is 0: IG is 0 across "
    "the jump (ig_step_function, every gradient-based IG)",
}
_FIXED_STEPS = "n_steps=50 whatever n: the rule's error at n is not what it returns"
IG_DEFAULTS = {
    "check_affine_recovery": _ZERO,
    "check_exactness": _ZERO,
    "check_completeness": _ZERO + ": the sum is f(x) - f(0)",
    "check_translation_equivariance": _ZERO + " (it does not move with x and b)",
    "check_antisymmetry": _ZERO + ": IG(b; x) is another path",
    "check_rule_signature": _FIXED_STEPS + "; " + _ZERO,
}
#: captum's riemann_trapezoid: n nodes linspace(0, 1, n) (n - 1 intervals) but step sizes
#: 1/n with halved ends (approximation_methods.py, riemann_builders), summing to (n - 1)/n.
IG_TRAPEZOID = {
    check: "riemann_trapezoid weights 1/n on n - 1 intervals (they sum to (n - 1)/n): the "
    "result is (1 - 1/n) times the trapezoid rule"
    for check in (
        "check_affine_recovery",
        "check_exactness",
        "check_rule_signature",
        "check_completeness",
    )
}
IG_FLOAT32_WEIGHTS = {
    check: "quadrature weights cast to float32 (torch.tensor(step_sizes).float()): about "
    "1e-9 to 3e-8 relative in float64, above the float64 tolerance"
    for check in (
        "check_affine_recovery",
        "check_exactness",
        "check_rule_signature",
        "check_completeness",
        "check_homogeneity",
    )
}
ABLATION_DEFAULTS = {
    "check_affine_recovery": _ZERO,
    "check_exactness": _ZERO,
    "check_translation_equivariance": _ZERO + " (it does not move with x and b)",
}
GRADIENT_SHAP_DEFAULTS: dict[str, str] = {}
COALITION_DEFAULTS: dict[str, dict[str, str]] = {
    "ShapleyValueSampling": {},
    "ShapleyValues": {},
    "KernelShap": {},
    "Lime": {},
}

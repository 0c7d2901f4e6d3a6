"""What captum's configurations fail in the LFA batteries, measured (check -> reason).

Each table lists the checks a deviation makes fail, found by running the battery
(tests/properties/conformance/test_conformance_captum_attribution.py asserts that exactly
these fail).
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
    "check_reference_translation": _ZERO + " (it does not move with x and b)",
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
    "check_reference_translation": _ZERO + " (it does not move with x and b)",
}
_NUMPY = "alpha and the rows come from numpy's global generator, which torch.manual_seed misses"
#: GradientShap as users call it (kind expected_gradients; the conforming one fails nothing).
GRADIENT_SHAP_DEFAULTS = {
    "check_attribution_output": _NUMPY + ": two calls differ whatever the input dtype",
    "check_attribution_reproducibility": _NUMPY + ": the same seed gives other draws",
    "check_row_weights": _NUMPY + ": the same seed draws other rows",
    "check_expected_gradients_rate": "n_samples=5 whatever n: the error does not shrink",
}
_EFFICIENCY_ZERO = _ZERO + ": the sum is f(x) - f(0), not f(x) - v(empty)"
_FIXED_DRAWS = "a fixed number of draws (n_samples=25) whatever n: the error does not shrink"
COALITION_DEFAULTS: dict[str, dict[str, str]] = {
    "ShapleyValueSampling": {
        "check_additive_recovery": _ZERO,
        "check_background_semantics": _ZERO + ": background rows ignored",
        "check_offset_and_scale": _ZERO + ": a common offset moves x and b, not 0",
        "check_efficiency": _EFFICIENCY_ZERO,
        "check_coalition_convergence": _ZERO,
        "check_coalition_rate": _FIXED_DRAWS + "; " + _ZERO,
    },
    "ShapleyValues": {
        "check_coalition_exactness": _ZERO,
        "check_additive_recovery": _ZERO,
        "check_background_semantics": _ZERO + ": background rows ignored",
        "check_offset_and_scale": _ZERO + ": a common offset moves x and b, not 0",
        "check_efficiency": _EFFICIENCY_ZERO,
    },
    "KernelShap": {
        "check_additive_recovery": _ZERO,
        "check_background_semantics": _ZERO + ": background rows ignored",
        "check_offset_and_scale": _ZERO + ": a common offset moves x and b, not 0",
        "check_efficiency": _EFFICIENCY_ZERO,
        "check_coalition_convergence": _ZERO,
        "check_coalition_rate": _FIXED_DRAWS + "; " + _ZERO,
    },
    "Lime": {
        "check_random_streams": "SkLearnLasso: sklearn's coordinate descent draws a seed from "
        "numpy's global generator (random_state=None) at every fit",
        "check_additive_recovery": "Lasso(alpha=0.01) shrinks the slopes; " + _ZERO,
        "check_background_semantics": _ZERO + ": given background rows it does not refuse them",
        "check_offset_and_scale": "Lasso(alpha=0.01) is an absolute penalty: f scaled by 1e-12 "
        "gives exact zeros",
        "check_lime_kernel": "Lasso(alpha=0.01), not the least-squares fit of the cosine kernel; "
        + _ZERO,
        "check_coalition_convergence": "Lasso(alpha=0.01) is biased; " + _ZERO,
        "check_coalition_rate": _FIXED_DRAWS + "; Lasso(alpha=0.01); " + _ZERO,
    },
}

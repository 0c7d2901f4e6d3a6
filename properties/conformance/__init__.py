"""Conformance battery: check any SmoothGrad or LIME implementation against the closed form.

Modelled on scikit-learn's estimator checks. Wrap the callable
``explain(f, x0, cov, n, seed) -> ndarray (d,)`` in an :class:`Explainer`
declaring what it does, then run the battery::

    from properties import Explainer, check_explainer
    e = Explainer(explain, kind="gradient", covariance="full", stochastic=True)
    results = check_explainer(e, on_fail=None)     # one CheckResult per check

or under pytest with :func:`parametrize_with_checks`, or from the command
line with ``pytest --explainer mypkg.mod:explain`` (the plugin in
:mod:`properties.plugin`). :func:`run_spec` is the entry point for a CLI.
"""

from __future__ import annotations

from .battery import (
    ALL_CHECKS,
    CHECKS,
    ConformanceError,
    ConformanceResult,
    ConformanceWarning,
    check_explainer,
    explainer_checks,
    parametrize_with_checks,
    report,
    run_check,
)
from .checks_affine import check_proportionality_affine, check_small_sigma_limit
from .checks_calls import check_repeated_calls, check_seed_independence
from .checks_contract import (
    check_input_validation,
    check_no_mutation,
    check_output_contract,
    check_seed_reproducibility,
    check_seed_sensitivity,
)
from .checks_exact import (
    check_linearity,
    check_proportionality_single_index,
    check_scale_equivariance,
    check_translation_equivariance,
)
from .checks_lipschitz import check_lipschitz_bound
from .checks_rate import check_rate
from .checks_statistical import (
    check_anisotropic_covariance,
    check_convergence,
    check_correlated_covariance,
    check_sign_and_scale,
)
from .explainer import Explainer, as_explainer
from .loader import load_explainer, parse_tags, run_spec
from .replay import check_process_replay
from .runner import CheckFailure, CheckSkipped, CheckTimeout, Settings
from .targets import expected_explanation

__all__ = [
    "ALL_CHECKS",
    "CHECKS",
    "CheckFailure",
    "CheckSkipped",
    "CheckTimeout",
    "ConformanceError",
    "ConformanceResult",
    "ConformanceWarning",
    "Explainer",
    "Settings",
    "as_explainer",
    "check_anisotropic_covariance",
    "check_convergence",
    "check_correlated_covariance",
    "check_explainer",
    "check_input_validation",
    "check_linearity",
    "check_lipschitz_bound",
    "check_no_mutation",
    "check_output_contract",
    "check_process_replay",
    "check_proportionality_affine",
    "check_proportionality_single_index",
    "check_rate",
    "check_repeated_calls",
    "check_scale_equivariance",
    "check_seed_independence",
    "check_seed_reproducibility",
    "check_seed_sensitivity",
    "check_sign_and_scale",
    "check_small_sigma_limit",
    "check_translation_equivariance",
    "expected_explanation",
    "explainer_checks",
    "load_explainer",
    "parametrize_with_checks",
    "parse_tags",
    "report",
    "run_check",
    "run_spec",
]

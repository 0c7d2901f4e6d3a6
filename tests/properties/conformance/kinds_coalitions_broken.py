"""Broken coalition explainers: each a correct reference design with one usual mistake.

``CATALOGUE`` lists (explainer, the check that must catch it, a phrase its message must
contain). Each entry declares what a correct implementation would declare, so the mistake
is the only thing wrong.
"""

from __future__ import annotations

import numpy as np

from properties import Explainer
from properties.conformance import coalition_references as R
from verify.attribution import Background, Baseline


def _shapley(explain, name, **tags):
    tags = {"value": "interventional", "efficiency": "exact", "stochastic": True, **tags}
    return Explainer(explain, kind="shapley", name=name, **tags)


def _lime(explain, name, **tags):
    tags = {"value": "interventional", "stochastic": True, **tags}
    return Explainer(explain, kind="lime_binary", name=name, **tags)


def mean_imputation(f, x, reference, n, seed):
    """Background rows replaced by their weighted mean row (f at the mean row)."""
    if isinstance(reference, Background):
        reference = Baseline(reference.weights @ reference.rows)
    return R.permutation_shapley(f, x, reference, n, seed)


def fixed_permutations(f, x, reference, n, seed):
    """The seed ignored: the same permutations whatever it is."""
    return R.permutation_shapley(f, x, reference, n, 12345)


def global_rng(f, x, reference, n, seed):
    """np.random.seed(seed), then permutations from numpy's global generator."""
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the mistake under test)
    d = np.asarray(x).size
    perms = np.array([np.random.permutation(d) for _ in range(n)])  # noqa: NPY002
    return R._permutation_values(f, x, reference, perms)


def sign_flip(f, x, reference, n, seed):
    out = R.permutation_shapley(f, x, reference, n, seed)
    out[-1] = -out[-1]
    return out


def one_permutation(f, x, reference, n, seed):
    """One random permutation reused for all n samples (unbiased, never converging)."""
    d = np.asarray(x).size
    perm = np.random.default_rng(seed).permutation(d)
    return R._permutation_values(f, x, reference, np.tile(perm, (n, 1)))


def allclose_pruning(f, x, reference, n, seed):
    """shap-like: a feature np.isclose to the reference (every row) gets 0 and no turn."""
    out = R.permutation_shapley(f, x, reference, n, seed)
    rows = reference.point[None] if isinstance(reference, Baseline) else reference.rows
    out[np.all(np.isclose(np.asarray(x, float), rows), axis=0)] = 0.0
    return out


def absolute_zeroing(f, x, reference, n, seed):
    out = R.permutation_shapley(f, x, reference, n, seed)
    out[np.abs(out) < 1e-10] = 0.0
    return out


def baseline_takes_rows(f, x, reference, n, seed):
    """Declared value='baseline' but reduces Background rows to their first row silently."""
    if isinstance(reference, Background):
        reference = Baseline(reference.rows[0])
    return R.permutation_shapley(f, x, reference, n, seed)


def rows_averaged_equally(design):
    """shap's maskers: the Background's rows averaged equally, their weights lost."""

    def explain(f, x, reference, n, seed):
        if isinstance(reference, Background):
            reference = Background(reference.rows)
        return design(f, x, reference, n, seed)

    explain.__name__ = f"{design.__name__}_rows_averaged_equally"
    return explain


def _unconstrained(f, x, reference, n, seed):
    return R.kernel_shap_penalty(1e-9)(f, x, reference, n, seed)


CATALOGUE = [
    (
        Explainer(
            R.exact_banzhaf,
            kind="shapley",
            value="interventional",
            efficiency="none",
            stochastic=False,
            name="banzhaf_weights_declared_shapley",
        ),
        "check_coalition_exactness",
        "Banzhaf's",
    ),
    (
        Explainer(
            R.exact_shapley,
            kind="banzhaf",
            value="interventional",
            stochastic=False,
            name="shapley_weights_declared_banzhaf",
        ),
        "check_coalition_exactness",
        "Shapley's",
    ),
    (
        Explainer(
            R.permutation_shapley,
            kind="banzhaf",
            value="interventional",
            stochastic=True,
            name="sampled_shapley_declared_banzhaf",
        ),
        "check_coalition_convergence",
        "biased estimate",
    ),
    (
        _shapley(mean_imputation, "mean_imputation_declared_interventional"),
        "check_background_semantics",
        "mean imputation",
    ),
    (
        _shapley(baseline_takes_rows, "baseline_explainer_taking_rows", value="baseline"),
        "check_background_semantics",
        "instead of refusing",
    ),
    (
        _shapley(fixed_permutations, "one_permutation_set_for_every_seed"),
        "check_random_streams",
        "reused for every seed",
    ),
    (
        _shapley(global_rng, "numpy_global_generator"),
        "check_random_streams",
        "numpy's global generator",
    ),
    (
        _shapley(R.permutation_shapley, "sampler_declared_deterministic", stochastic=False),
        "check_random_streams",
        "declare stochastic=True",
    ),
    (_shapley(sign_flip, "sign_flip_last_feature"), "check_additive_recovery", "sign flipped"),
    (
        _shapley(
            rows_averaged_equally(R.exact_shapley), "exact_row_weights_lost", stochastic=False
        ),
        "check_additive_recovery",
        "not recovered exactly",
    ),
    (
        _shapley(
            rows_averaged_equally(R.antithetic_shapley),
            "antithetic_row_weights_lost",
            antithetic=True,
        ),
        "check_antithetic_pairs",
        "not exact on a pairwise game",
    ),
    (
        _shapley(R.kernel_shap_penalty(5.0), "penalty_declared_exact_efficiency"),
        "check_efficiency",
        "declared efficiency='exact'",
    ),
    (
        _shapley(
            R.kernel_shap_penalty(5.0), "penalty_5_declared_1e6", efficiency="penalty", penalty=1e6
        ),
        "check_efficiency",
        "not the declared penalty's",
    ),
    (
        _shapley(
            _unconstrained, "unconstrained_regression_crediting_null_player", efficiency="none"
        ),
        "check_null_and_symmetric_players",
        "null player credited",
    ),
    (
        _shapley(one_permutation, "one_permutation_reused_n_times"),
        "check_coalition_rate",
        "reused for all n",
    ),
    (
        _shapley(
            R.permutation_shapley, "independent_permutations_declared_antithetic", antithetic=True
        ),
        "check_antithetic_pairs",
        "not paired",
    ),
    (
        _shapley(allclose_pruning, "isclose_pruning_at_an_offset"),
        "check_offset_and_scale",
        "np.allclose",
    ),
    (_shapley(absolute_zeroing, "absolute_1e-10_zeroing"), "check_offset_and_scale", "1e-10"),
    (
        _lime(
            R.binary_lime("captum", 1.0, "binary"),
            "captum_kernel_declared_lfa",
            kernel="lfa",
            kernel_width=1.0,
        ),
        "check_lime_kernel",
        "kernel='captum'",
    ),
    (
        _lime(
            R.binary_lime("lfa", 1.0, "input"),
            "input_distance_declared_binary",
            value="baseline",
            kernel="lfa",
            kernel_width=1.0,
        ),
        "check_lime_kernel",
        "space='input'",
    ),
    (
        _lime(
            R.binary_lime("uniform"), "kernel_ignored_declared_lfa", kernel="lfa", kernel_width=1.0
        ),
        "check_lime_kernel",
        "kernel='uniform'",
    ),
]

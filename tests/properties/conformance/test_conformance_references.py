"""Correct explainers pass the whole battery: no false alarms.

Each statistical check has a false-alarm probability <= 1e-6 (Settings.false_alarm)
by construction; the exact checks cannot fail a correct explainer beyond
rounding. The references are eleven correct designs: plain Monte Carlo SmoothGrad,
least-squares C-LIME (plain, ridge, kernel, lime-style standardised), faster than
Monte Carlo (randomised QMC, antithetic pairs, a deterministic Sobol rule),
unbiased but not exact (importance weights, Sigma^-1 times a sample covariance),
and float32 arithmetic (declared). Least squares on the uncentred design is not one:
the search found where it breaks (test below).
"""

from __future__ import annotations

import numpy as np
import pytest

from properties import check_explainer, explainer_checks, parametrize_with_checks
from properties.conformance.references import references

REFERENCES = references()
# The default run leaves out the mean-loss ridge reference (its fits cost ten times the
# others'); the slow experiment below runs every reference at 40 seeds.
QUICK = [e for e in REFERENCES if e.ridge_lambda is None]


@parametrize_with_checks(QUICK)
def test_reference_passes(explainer, check):
    check(explainer)


def test_parametrize_ids_are_readable():
    mark = parametrize_with_checks(REFERENCES[:1])
    ids = [p.id for p in mark.args[1]]
    assert ids[0] == "smoothgrad-check_output_contract"


def test_the_references_are_at_least_eight_designs():
    assert len(REFERENCES) >= 8 and len({e.name for e in REFERENCES}) == len(REFERENCES)
    assert {e.kind for e in REFERENCES} == {"gradient", "perturbation"}
    assert any(not e.stochastic for e in REFERENCES)
    assert any(e.precision == "float32" for e in REFERENCES)


@pytest.mark.slow
@pytest.mark.parametrize("explainer", REFERENCES, ids=[e.name for e in REFERENCES])
def test_reference_passes_over_many_seeds(explainer):
    # 40 seeds x every applicable check (17 to 19), each seed a fresh search of problems.
    applicable = sum(c.skip_reason is None for _, c in explainer_checks(explainer))
    failures = []
    runs = 0
    for seed in range(1000, 1040):
        for r in check_explainer(explainer, on_fail=None, seed=seed):
            runs += r.status != "skipped"
            if r.status == "failed":
                failures.append((seed, r.name, r.message[:300]))
    assert runs == 40 * applicable >= 40 * 17
    assert not failures, failures


def test_uncentred_least_squares_breaks_where_the_search_found_it():
    """numpy's lstsq on [x, 1] far from the origin: a singular value under rcond, a wrong fit.

    The problem the battery found (seed 1019, check_scale_equivariance), rebuilt without
    the search so that it does not depend on Hypothesis' draws: |x0| ~ 2e8, noise stds
    44 and 28,900, n = 4. The centred fit on the same sample is the reference.
    """
    from properties.conformance.references import clime, lstsq_clime
    from verify.functions import RidgeFunction, Translated

    f = RidgeFunction([-0.0154 / 558, 0.0209 / 558], -0.356, "sin")
    turn = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    cov = turn @ np.diag([43.8**2, 28900.0**2]) @ turn.T

    def worst(x0):
        g = Translated(f, -x0)  # the same function around x0
        errors = []
        for seed in range(20):
            a = lstsq_clime().explain(g, x0, cov, 4, seed)
            b = clime().explain(g, x0, cov, 4, seed)
            errors.append(np.abs(a - b).max() / np.abs(b).max())
        return max(errors)

    assert worst(np.zeros(2)) < 1e-9  # at the origin the two fits agree
    assert worst(np.array([-336322.1, 140866.7]) * 558) > 0.5  # far away it is wrong

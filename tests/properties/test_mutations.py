"""Deliberate bugs in the engine, the bounds, the strategies, the checks and the claims,
and the named test that catches each one at every seed tried.

The companion of test_broken_inputs.py (broken explainers and closed forms passed
as arguments): here the code itself is broken, with pytest's monkeypatch, and a
test that passes on the real code must fail. Each mutation names that test and
runs its body (the same function, or the same fixed-problem check the named test
runs) under the mutation for seeds 0, 1 and 2. ``test_mutation_table`` prints the
table that goes into the closing note.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import test_broken_inputs as broken
import test_strategy_draws as draws
import test_suite
import test_truth_errors as truth_errors
from engine_mutations import scale_exact_answers
from scipy.special import ndtr

from properties import strategies as S
from properties.strategies import cases, families
from properties.theorems import bands, check_theorem1, equivalence, sample_complexity
from verify import bounds, closed_form
from verify.app.replicate import claims, groups
from verify.asymptotics import sandwich_variance as bands_sandwich
from verify.functions import Polynomial, RBFMixture, RidgeFunction
from verify.functions import polynomial as polynomial_module

SEEDS = (0, 1, 2)


def _load(relative: str, name: str):
    """A test module of another folder, by path (pytest's rootdir import mode)."""
    path = Path(__file__).resolve().parents[1] / relative
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bound_tests = _load("verify/test_bounds.py", "bound_tests_for_mutations")
claim_tests = _load("verify/app/replicate/test_replicate_claims.py", "claim_tests_for_mutations")


def _fails(test: Callable, *args) -> bool:
    """True when the test fails (an assertion, as pytest would report it)."""
    try:
        test(*args)
    except AssertionError:
        return True
    return False


def _case(check: str, defect: str) -> broken.Broken:
    return next(c for c in broken.CASES if c.check == check and c.defect == defect)


def _correct_counterpart_falsified(check: str, defect: str) -> Callable[[int], bool]:
    case = _case(check, defect)
    return lambda seed: case.run(seed, False).falsified


def _broken_input_missed(check: str, defect: str) -> Callable[[int], bool]:
    case = _case(check, defect)
    return lambda seed: not case.run(seed, True).falsified


QUARTIC = Polynomial({(4, 0, 0): 0.5, (1, 2, 0): -1.0, (0, 0, 3): 0.3})


def quartic_is_verified(seed: int) -> None:
    """The named catcher of moment mutations: Theorem 1 on a quartic is verified."""
    assert check_theorem1(QUARTIC, broken.X0, broken.COV, n=1000, seed=seed).verified


def test_quartic_polynomial_is_verified():
    for seed in SEEDS:
        quartic_is_verified(seed)


@dataclass(frozen=True)
class Mutation:
    kind: str
    bug: str
    catcher: str  # the named test
    apply: Callable[[pytest.MonkeyPatch], None]
    caught: Callable[[int], bool]


def _wrap_moments(cls, change) -> Callable[[pytest.MonkeyPatch], None]:
    original = cls.__dict__["moments"]

    def apply(mp: pytest.MonkeyPatch) -> None:
        mp.setattr(cls, "moments", lambda self, X0, cov: change(self, X0, cov, original))

    return apply


def _rbf_normalisation(self, X0, cov, original):
    out = original(self, X0, cov)  # every bump scaled by a det(I + Sigma A)^(-1/2) too many
    extra = np.linalg.det(np.eye(self.dim) + cov @ self.precisions[0]) ** -0.5
    return out.scaled(extra)


def _sin_phase(self, X0, cov, original):
    out = original(self, X0, cov)
    if self.link.name != "sin":
        return out
    return type(out)(out.mean, -out.smoothgrad, -out.covariance, out.method)


def _isserlis(original):
    def moment(beta, cov, cache=None):
        value = original(beta, cov, cache)
        return value / 3 if sum(beta) == 4 else value  # one pairing instead of three

    return moment


def _unpaired_ratio(num, den, w):
    r, _ = groups.ratio(num, den, w)
    return r, (np.asarray(num) - float(w @ np.asarray(num))) / float(w @ np.asarray(den))


def _tv_without_half(x, y, cov):
    diff = np.asarray(y, float) - np.asarray(x, float)
    delta = float(np.sqrt(diff @ np.linalg.solve(np.atleast_2d(cov), diff)))
    return float(2 * ndtr(delta) - 1)


def _suite_takes_unjudged_inputs(seed: int) -> bool:
    with pytest.MonkeyPatch.context() as inner:
        return _fails(
            test_suite.test_a_step_statement_whose_check_never_fires_is_not_falsified, seed, inner
        )


def _meat_only(f, x0, cov, **kw):
    V, se = bands_sandwich(f, x0, cov, **kw)
    return cov @ V @ cov, se  # Sigma^-1 E[r^2 z z^T] Sigma^-1 without the Sigma^-1's


def _lax_band(estimate, truth, standard_error, alpha, dof, floor=0.0):
    error = np.abs(np.asarray(estimate, float) - np.asarray(truth, float))
    return bands.band(estimate, truth, standard_error, alpha, dof, floor + error)


T1 = "test_broken_inputs.py::test_the_correct_counterpart_passes"
TB = "tests/verify/test_bounds.py::"
MUTATIONS = [
    # -- the engine -------------------------------------------------------------------------
    Mutation(
        "engine",
        "every exact figure 20 % too large, consistently with Stein",
        "test_truth_errors.py::test_checks_see_a_wrong_exact_answer[theorem1]",
        scale_exact_answers,
        lambda s: truth_errors.FIXED["theorem1"](s).falsified,
    ),
    Mutation(
        "engine",
        "RBF normalising constant: an extra det(I + Sigma A)^(-1/2)",
        f"{T1}[theorem1: closed-form C-LIME without Sigma^-1]",
        _wrap_moments(RBFMixture, _rbf_normalisation),
        _correct_counterpart_falsified("theorem1", "closed-form C-LIME without Sigma^-1"),
    ),
    Mutation(
        "engine",
        "sin ridge: sign of the phase derivative flipped (both routes)",
        f"{T1}[theorem1: SmoothGrad of |grad f| (captum abs=True)]",
        _wrap_moments(RidgeFunction, _sin_phase),
        _correct_counterpart_falsified("theorem1", "SmoothGrad of |grad f| (captum abs=True)"),
    ),
    Mutation(
        "engine",
        "Isserlis: fourth moments with one pairing instead of three",
        "test_mutations.py::test_quartic_polynomial_is_verified",
        lambda mp: mp.setattr(
            polynomial_module,
            "gaussian_central_moment",
            _isserlis(polynomial_module.gaussian_central_moment),
        ),
        lambda s: _fails(quartic_is_verified, s),
    ),
    Mutation(
        "engine",
        "kernel covariance ignores the kernel (Sigma' = Sigma)",
        f"{T1}[kernel_lime: lime kernel without the square root (estimator)]",
        lambda mp: mp.setattr(closed_form, "kernel_covariance", lambda cov, kw, metric=None: cov),
        _correct_counterpart_falsified(
            "kernel_lime", "lime kernel without the square root (estimator)"
        ),
    ),
    Mutation(
        "engine",
        "ground truth drops the ridge penalty",
        f"{T1}[lemma6: closed form that ignores the ridge]",
        lambda mp: mp.setattr(closed_form, "as_ridge", lambda ridge: 0.0),
        _correct_counterpart_falsified("lemma6", "closed form that ignores the ridge"),
    ),
    Mutation(
        "engine",
        "sandwich variance without its bread: E[r^2 z z^T] for V",
        f"{T1}[theorem3: C-LIME without intercept]",
        lambda mp: mp.setattr(sample_complexity, "sandwich_variance", _meat_only),
        _correct_counterpart_falsified("theorem3", "C-LIME without intercept"),
    ),
    Mutation(
        "engine",
        "C-LIME influence values ten times too small",
        f"{T1}[theorem1: C-LIME without intercept]",
        lambda mp: mp.setattr(
            bands,
            "clime_influence",
            lambda *a, _c=bands.clime_influence, **k: (_c(*a, **k)[0], _c(*a, **k)[1] / 10),
        ),
        _correct_counterpart_falsified("theorem1", "C-LIME without intercept"),
    ),
    # -- the bounds ---------------------------------------------------------------------------
    Mutation(
        "bounds",
        "TV of two Gaussians: 2 Phi(Delta) - 1 (the /2 lost)",
        f"{TB}test_total_variation_matches_one_dimensional_quadrature",
        lambda mp: mp.setattr(bounds, "total_variation_gaussians", _tv_without_half),
        lambda s: _fails(bound_tests.test_total_variation_matches_one_dimensional_quadrature, s),
    ),
    Mutation(
        "bounds",
        "Pinsker constant without the factor 2 (the published G / (2 sigma))",
        f"{TB}test_pinsker_constant_follows_the_papers_chain_with_the_factor_two_kept",
        lambda mp: mp.setattr(
            bounds,
            "lipschitz_pinsker",
            lambda G, cov: G / (2 * np.sqrt(np.linalg.eigvalsh(cov)[0])),
        ),
        lambda s: _fails(
            bound_tests.test_pinsker_constant_follows_the_papers_chain_with_the_factor_two_kept, s
        ),
    ),
    Mutation(
        "bounds",
        "sharp constant with lambda_max instead of lambda_min",
        f"{TB}test_sharp_constant_is_attained_by_an_absolute_value_ridge",
        lambda mp: mp.setattr(
            bounds,
            "lipschitz_sharp",
            lambda G, cov: bounds.SQRT_2_OVER_PI * G / np.sqrt(np.linalg.eigvalsh(cov)[-1]),
        ),
        lambda s: _fails(bound_tests.test_sharp_constant_is_attained_by_an_absolute_value_ridge, s),
    ),
    Mutation(
        "bounds",
        "sharp constant with 1/2 in place of sqrt(2/pi)",
        f"{TB}test_sharp_constant_is_attained_by_an_absolute_value_ridge",
        lambda mp: mp.setattr(bounds, "SQRT_2_OVER_PI", 0.5),
        lambda s: _fails(bound_tests.test_sharp_constant_is_attained_by_an_absolute_value_ridge, s),
    ),
    Mutation(
        "bounds",
        "bounded-f C-LIME constant with phi(0) instead of phi(1)",
        f"{TB}test_bounded_clime_constant_is_attained",
        lambda mp: mp.setattr(
            bounds, "bounded_clime_lipschitz", lambda B, s: 4 * B / np.sqrt(2 * np.pi) / s**2
        ),
        lambda s: _fails(bound_tests.test_bounded_clime_constant_is_attained, s),
    ),
    Mutation(
        "bounds",
        "Proposition 1 radius without the leading 1",
        f"{TB}test_proposition1_radius_and_sample_size_re_derived",
        lambda mp: mp.setattr(
            bounds,
            "proposition1_radius",
            lambda G, n, d: G / np.sqrt(n) * np.sqrt(2 * np.log(1 / d)),
        ),
        lambda s: _fails(bound_tests.test_proposition1_radius_and_sample_size_re_derived, s),
    ),
    Mutation(
        "bounds",
        "Proposition 1 sample size without the square",
        f"{TB}test_proposition1_radius_and_sample_size_re_derived",
        lambda mp: mp.setattr(
            bounds,
            "proposition1_sample_size",
            lambda G, e, d: int(np.ceil(G / e * (1 + np.sqrt(2 * np.log(1 / d))))),
        ),
        lambda s: _fails(bound_tests.test_proposition1_radius_and_sample_size_re_derived, s),
    ),
    Mutation(
        "bounds",
        "Theorem 3's published threshold without the square on the minimum",
        f"{TB}test_theorem3_published_threshold_re_derived_exactly",
        lambda mp: mp.setattr(
            bounds,
            "theorem3_published_sample_size",
            lambda d, de, e, x, s, constant=1.0: (
                constant * d * np.log(d / de) / min(e * de**2, e * de**3 / x, x, 1 / s**2)
            ),
        ),
        lambda s: _fails(bound_tests.test_theorem3_published_threshold_re_derived_exactly, s),
    ),
    Mutation(
        "bounds",
        "non-linear modulus G TV instead of 2 G TV",
        f"{TB}test_the_modulus_has_the_sharp_constant_as_its_slope_at_zero",
        lambda mp: mp.setattr(
            bounds,
            "smoothgrad_difference_bound",
            lambda G, x, y, cov: G * bounds.total_variation_gaussians(x, y, cov),
        ),
        lambda s: _fails(
            bound_tests.test_the_modulus_has_the_sharp_constant_as_its_slope_at_zero, s
        ),
    ),
    Mutation(
        "bounds",
        "published constant 'corrected' to G / sigma",
        f"{TB}test_published_constant_is_beaten_by_a_sinusoid",
        lambda mp: mp.setattr(bounds, "lipschitz_published", lambda G, s: G / s),
        lambda s: _fails(bound_tests.test_published_constant_is_beaten_by_a_sinusoid, s),
    ),
    # -- the strategies ------------------------------------------------------------------------
    Mutation(
        "strategies",
        "step cases draw a smooth (probit) link",
        "test_strategy_draws.py::test_seeded_step_cases_are_step_functions",
        lambda mp: mp.setattr(
            cases,
            "ridge_functions",
            lambda d, links=None, _r=cases.ridge_functions, **k: _r(d, links=("probit",), **k),
        ),
        lambda s: _fails(draws.test_seeded_step_cases_are_step_functions, s),
    ),
    Mutation(
        "strategies",
        "unit vectors not normalised (ridge norms out of bounds)",
        "test_strategy_draws.py::test_seeded_ridge_functions_respect_their_norm_bounds",
        lambda mp: mp.setattr(
            families, "unit_vectors", lambda d, _u=families.unit_vectors: _u(d).map(lambda u: 4 * u)
        ),
        lambda s: _fails(draws.test_seeded_ridge_functions_respect_their_norm_bounds, s),
    ),
    Mutation(
        "strategies",
        "covariances ignore the condition-number cap",
        "test_strategy_draws.py::test_seeded_covariances_respect_their_bounds",
        lambda mp: mp.setattr(
            S,
            "covariances",
            lambda *a, _c=S.covariances, **k: _c(*a, **{**k, "max_condition": 1e6}),
        ),
        lambda s: _fails(draws.test_seeded_covariances_respect_their_bounds, s),
    ),
    Mutation(
        "strategies",
        "problems ignore the point bound",
        "test_strategy_draws.py::test_seeded_problems_respect_the_point_bound",
        lambda mp: mp.setattr(
            cases, "points", lambda d, bound=3.0, _p=cases.points: _p(d, bound=10 * bound)
        ),
        lambda s: _fails(draws.test_seeded_problems_respect_the_point_bound, s),
    ),
    # -- the checks ----------------------------------------------------------------------------
    Mutation(
        "checks",
        "Theorem 1's bands absorb the error (a floor of |estimate - truth|)",
        "test_broken_inputs.py::test_broken_input_is_caught[theorem1: SmoothGrad of |grad f|]",
        lambda mp: mp.setattr(equivalence, "band", _lax_band),
        _broken_input_missed("theorem1", "SmoothGrad of |grad f| (captum abs=True)"),
    ),
    Mutation(
        "checks",
        "pilot standard error divided by n instead of sqrt(n)",
        f"{T1}[theorem1: SmoothGrad noise with a std passed as variance]",
        lambda mp: mp.setattr(
            equivalence,
            "pilot_standard_error",
            lambda psi, n, _p=bands.pilot_standard_error, **k: _p(psi, n, **k) / np.sqrt(n),
        ),
        _correct_counterpart_falsified(
            "theorem1", "SmoothGrad noise with a std passed as variance"
        ),
    ),
    Mutation(
        "checks",
        "pilot-sample rule never lets a C-LIME band be asserted",
        "test_broken_inputs.py::test_broken_input_is_caught[theorem1: C-LIME without intercept]",
        lambda mp: mp.setattr(bands, "MIN_EFFECTIVE_COUNT", np.inf),
        _broken_input_missed("theorem1", "C-LIME without intercept"),
    ),
    Mutation(
        "checks",
        "Proposition 1's binomial test always consistent",
        "test_broken_inputs.py::test_broken_input_is_caught[proposition1: non-vanishing bias]",
        lambda mp: mp.setattr(
            sample_complexity, "binomial_upper_consistent", lambda *a, **k: (True, 1.0)
        ),
        _broken_input_missed("proposition1", "SmoothGrad with a non-vanishing bias (0.2 G)"),
    ),
    Mutation(
        "checks",
        "suite takes not-applicable inputs as evidence (a step statement 'falsified' unjudged)",
        "test_suite.py::test_a_step_statement_whose_check_never_fires_is_not_falsified",
        lambda mp: mp.setattr(test_suite.suite, "NOT_APPLICABLE", "never-returned"),
        _suite_takes_unjudged_inputs,
    ),
    # -- the replication's claims --------------------------------------------------------------
    Mutation(
        "claims",
        "decision quantile 1.96 whatever the comparisons and degrees of freedom",
        "tests/verify/app/replicate/test_replicate_claims.py::test_decide_is_three_valued",
        lambda mp: mp.setattr(claims, "student_t", SimpleNamespace(isf=lambda *a, **k: 1.96)),
        lambda s: _fails(claim_tests.test_decide_is_three_valued),
    ),
    Mutation(
        "claims",
        "unpaired standard errors (the test points' spread left in the ratio)",
        "tests/verify/app/replicate/test_replicate_claims.py::test_pairing_removes_the_point_to_point_spread",
        lambda mp: mp.setattr(claims, "ratio", _unpaired_ratio),
        lambda s: _fails(claim_tests.test_pairing_removes_the_point_to_point_spread),
    ),
]


# bug -> number of seeds at which its catcher failed (filled by the parametrized test).
CAUGHT: dict[str, int] = {}


def _caught_count(mutation: Mutation) -> int:
    if mutation.bug not in CAUGHT:
        with pytest.MonkeyPatch.context() as mp:
            mutation.apply(mp)
            CAUGHT[mutation.bug] = sum(bool(mutation.caught(seed)) for seed in SEEDS)
    return CAUGHT[mutation.bug]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.kind}: {m.bug}")
def test_mutation_is_caught_at_every_seed(mutation):
    caught = _caught_count(mutation)
    assert caught == len(SEEDS), f"{mutation.bug}: caught by {mutation.catcher} at {caught} seeds"


def test_the_catchers_pass_on_the_real_code():
    """Without the mutation every catcher passes: the detection is due to the bug."""
    for mutation in MUTATIONS:
        assert not any(mutation.caught(seed) for seed in SEEDS[:1]), mutation.bug


def test_at_least_twenty_mutations_in_every_layer():
    assert len(MUTATIONS) >= 20
    assert {m.kind for m in MUTATIONS} == {"engine", "bounds", "strategies", "checks", "claims"}


def test_mutation_table(capsys):
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = [
        f"| {m.kind} | {cell(m.bug)} | `{cell(m.catcher)}` | {_caught_count(m)}/{len(SEEDS)} |"
        for m in MUTATIONS
    ]
    with capsys.disabled():
        print("\n| layer | deliberate bug | caught by | seeds |\n|---|---|---|---|")
        print("\n".join(rows))
    assert all(_caught_count(m) == len(SEEDS) for m in MUTATIONS)

"""Deliberate bugs in the symbolic layer, and the named test that catches each one.

Each row breaks the code with pytest's monkeypatch and runs the body of the named test
(which passes on the real code, see its own file); the test must fail under the mutant.
Rows 1 and 2 are the mutants issue 18 found no test killed; the others are the further
mutants tried on the admission step, the zero decision, the integrability settlement and
the second route. ``test_symbolic_mutation_table`` prints the table for the closing note.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sympy as sp
import test_symbolic_admission as admission_tests
import test_symbolic_second_route as route_tests

from verify.symbolic import admission, canonical, corroborate, integrability, tilted_quadrature
from verify.symbolic.proofs import common


@dataclass(frozen=True)
class Mutant:
    name: str
    apply: Callable[[pytest.MonkeyPatch], None]
    killed_by: str
    run: Callable[[pytest.MonkeyPatch], None]


def _leading_minors_only(mp: pytest.MonkeyPatch) -> None:
    def psd_proved(A: sp.Matrix) -> bool:
        d = A.shape[0]
        return all(sp.factor(A[:k, :k].det()).is_nonnegative is True for k in range(1, d + 1))

    mp.setattr(integrability, "psd_proved", psd_proved)
    integrability._proved.cache_clear()


def _threshold_looser(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(corroborate, "WITHDRAW_RTOL", corroborate.WITHDRAW_RTOL * 1e6)


def _no_unification(mp: pytest.MonkeyPatch) -> None:
    real = admission._unify

    def unify(values, xs, xmap):
        subs, restore, notes = real(values, xs, xmap)
        by_name = {x.name for x in xs}
        return {k: v for k, v in subs.items() if k.name not in by_name}, restore, notes

    mp.setattr(admission, "_unify", unify)


def _nsimplify_constants(mp: pytest.MonkeyPatch) -> None:
    real = canonical._split_constant.__wrapped__

    def split(arg):
        c0, rest = real(arg)
        return sp.nsimplify(c0), rest

    mp.setattr(canonical, "_split_constant", split)


def _fold_every_exp_power(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(canonical, "_exp_power_folds", lambda f: True)


def _never_refuse_divergence(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(integrability, "_refuse_if_never", lambda cond: None)
    integrability._proved.cache_clear()


def _conditions_always_met(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(common, "conditions_satisfiable", lambda trace, seed=0: True)


def _no_tilt(mp: pytest.MonkeyPatch) -> None:
    def law(mu, S, Sinv, g, A):  # nodes on the law itself, as before issue 18
        import numpy as np

        w, U = np.linalg.eigh(S)
        return mu, S, U * np.sqrt(w)

    mp.setattr(tilted_quadrature, "_tilted_law", law)


def _large_error_is_never_a_disagreement(mp: pytest.MonkeyPatch) -> None:
    real = corroborate.judge

    def judge(discrepancy, error, scale):
        return (
            "inconclusive"
            if error > corroborate.NOT_CONVERGED * scale
            else real(discrepancy, error, scale)
        )

    mp.setattr(corroborate, "judge", judge)


def _sides_not_noted(mp: pytest.MonkeyPatch) -> None:
    from verify.symbolic.proofs import equivalence

    mp.setattr(equivalence, "_note_sides", lambda *a, **k: None)


def _cov_minors_unchecked(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(admission, "positive_definite", lambda c, generated: [])


MUTANTS = [
    Mutant(
        "integrability: PSD test on leading minors only",
        _leading_minors_only,
        "test_a_divergent_factor_on_a_later_variable_is_a_stated_condition",
        lambda mp: admission_tests.assert_later_variable_condition_stated(),
    ),
    Mutant(
        "second route: withdrawal threshold 10^6 times looser",
        _threshold_looser,
        "test_an_engine_error_of_2e_6_relative_is_withdrawn",
        route_tests.assert_small_engine_error_withdrawn,
    ),
    Mutant(
        "admission: free symbols not unified by name",
        _no_unification,
        "test_plain_symbol_in_f_is_the_real_integration_variable",
        lambda mp: admission_tests.test_plain_symbol_in_f_is_the_real_integration_variable(),
    ),
    Mutant(
        "zero decision: exponent constants nsimplified",
        _nsimplify_constants,
        "test_exact_constants_are_never_approximated",
        lambda mp: admission_tests.test_exact_constants_are_never_approximated(),
    ),
    Mutant(
        "zero decision: exp(u)**e folded for complex u",
        _fold_every_exp_power,
        "test_powers_of_exp_fold_only_for_real_exponents",
        lambda mp: admission_tests.test_powers_of_exp_fold_only_for_real_exponents(),
    ),
    Mutant(
        "integrability: a condition false everywhere kept as an assumption",
        _never_refuse_divergence,
        "test_a_condition_false_for_every_parameter_is_a_refusal_not_an_assumption",
        lambda mp: _raises_assertion(
            admission_tests.test_a_condition_false_for_every_parameter_is_a_refusal_not_an_assumption
        ),
    ),
    Mutant(
        "harness: unsatisfiable conditions kept",
        _conditions_always_met,
        "test_a_condition_no_admissible_value_meets_withdraws_the_proof",
        lambda mp: admission_tests.test_a_condition_no_admissible_value_meets_withdraws_the_proof(),
    ),
    Mutant(
        "admission: symbolic covariance never checked",
        _cov_minors_unchecked,
        "test_a_symbolic_covariance_never_positive_definite_is_refused",
        lambda mp: _raises_assertion(
            lambda: admission_tests.test_a_symbolic_covariance_never_positive_definite_is_refused(
                "never"
            )
        ),
    ),
    Mutant(
        "second route: nodes on the law, not the integrand's Gaussian",
        _no_tilt,
        "test_a_narrow_feature_is_resolved_not_a_false_alarm",
        lambda mp: route_tests.test_a_narrow_feature_is_resolved_not_a_false_alarm(),
    ),
    Mutant(
        "second route: a large error bar hides any disagreement",
        _large_error_is_never_a_disagreement,
        "test_a_large_disagreement_withdraws_even_with_a_large_error_bar",
        lambda mp: route_tests.test_a_large_disagreement_withdraws_even_with_a_large_error_bar(),
    ),
    Mutant(
        "second route: the record's sides not recomputed",
        _sides_not_noted,
        "test_the_sides_attached_to_a_record_are_recomputed",
        route_tests.test_the_sides_attached_to_a_record_are_recomputed,
    ),
]


def _raises_assertion(test: Callable[[], None]) -> None:
    """A test expecting a refusal fails (pytest.raises' Failed) when none comes."""
    try:
        test()
    except pytest.fail.Exception as exc:
        raise AssertionError(str(exc)) from None


def _killed(mutant: Mutant, mp: pytest.MonkeyPatch) -> bool:
    mutant.apply(mp)
    try:
        mutant.run(mp)
    except AssertionError:
        return True
    finally:
        mp.undo()
        integrability._proved.cache_clear()
    return False


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_each_symbolic_mutant_is_killed_by_its_named_test(mutant):
    with pytest.MonkeyPatch.context() as mp:
        mutant.run(mp)  # the named test passes on the real code
    with pytest.MonkeyPatch.context() as mp:
        assert _killed(mutant, mp), f"{mutant.name} survives {mutant.killed_by}"


def test_symbolic_mutation_table(capsys):
    """The table for the closing note (every row also a test above)."""
    names = {m.killed_by for m in MUTANTS}
    assert len(names) == len(MUTANTS)
    with capsys.disabled():
        for i, m in zip(itertools.count(1), MUTANTS):
            print(f"  {i:2d}. {m.name}  <-  {m.killed_by}")

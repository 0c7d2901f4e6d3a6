"""The admission step: "proved" means proved for whatever a user writes.

One test per kind of input a skeptical user found to give a false "proved" or a wrong value
before the admission step existed (issue 18); each is now refused with a message naming the
fix, or decided correctly.
"""

from __future__ import annotations

import warnings

import pytest
import sympy as sp

from verify import symbolic
from verify.symbolic import Phi, decide_zero
from verify.symbolic.admission import InadmissibleInput, admit, require_parameter
from verify.symbolic.errors import NotIntegrable, UnsupportedExpression

X1 = sp.Symbol("x1", real=True)
X1_PLAIN = sp.Symbol("x1")
X, Y = sp.symbols("x y", real=True)


# -- symbols that differ only in their assumptions -------------------------------------------


def test_plain_symbol_in_f_is_the_real_integration_variable():
    """Before: f = x1**3 written with Symbol('x1') was a constant: SmoothGrad 0, "proved"."""
    rec = symbolic.prove_equivalence(X1_PLAIN**3, [X1], [0], [[1]])
    assert rec.status == "proved"
    assert rec.details["smoothgrad"] == sp.Matrix([3])  # E[3 x^2] = 3 under N(0, 1)
    assert symbolic.gaussian_expectation(X1_PLAIN**2, [X1], [0], [[1]]) == 1


def test_string_input_is_parsed_with_real_symbols():
    assert symbolic.gaussian_expectation("x1**2", [X1], [0], [[1]]) == 1
    assert symbolic.gaussian_expectation("x1**2 + 2*x2", "x1 x2", [1, 0], [[1, 0], [0, 1]]) == 2
    rec = symbolic.prove_equivalence("sin(x1) * x1", [X1], [0], [[2]])
    assert rec.status == "proved"


def test_plain_integration_variables_are_taken_real_and_said():
    rec = symbolic.prove_equivalence(X1_PLAIN**2, [X1_PLAIN], [1], [[1]])
    assert rec.status == "proved"
    assert any("taken real" in n for n in rec.details["admission"])


def test_plain_parameters_are_taken_real_and_mapped_back():
    a = sp.Symbol("a")  # complex to SymPy
    value = symbolic.gaussian_expectation(sp.exp(a * X), [X], [0], [[1]])
    assert value == sp.exp(a**2 / 2)  # in the user's own symbol a
    assert value.free_symbols == {a}


@pytest.mark.parametrize(
    "declared",
    [dict(positive=True), dict(integer=True), dict(nonnegative=True), dict(imaginary=True)],
    ids=lambda d: next(iter(d)),
)
def test_integration_variables_with_extra_assumptions_are_refused(declared):
    x = sp.Symbol("x", **declared)
    with pytest.raises(InadmissibleInput, match=r"Symbol\('x', real=True\)"):
        symbolic.gaussian_expectation(x**2, [x], [0], [[1]])


def test_rewrites_sympy_made_from_assumptions_never_reach_a_verdict():
    """Before: E|x| = 0 (x positive), E cos(2 pi n) = 1 (n integer), Heaviside "proved"."""
    xp, n = sp.Symbol("x", positive=True), sp.Symbol("n", integer=True)
    with pytest.raises(InadmissibleInput):
        symbolic.gaussian_expectation(sp.Abs(xp), [xp], [0], [[1]])
    with pytest.raises(InadmissibleInput):
        symbolic.gaussian_expectation(sp.cos(2 * sp.pi * n), [n], [0], [[1]])
    with pytest.raises(InadmissibleInput):
        symbolic.prove_equivalence(sp.Heaviside(xp), [xp], [0], [[1]])


def test_a_truly_different_symbol_of_the_same_name_is_refused_naming_both():
    with pytest.raises(InadmissibleInput, match=r"positive=True.*real=True"):
        symbolic.prove_equivalence(sp.Symbol("x1", positive=True) ** 2, [X1], [0], [[1]])
    with pytest.raises(InadmissibleInput, match="two different symbols are both named 'a'"):
        a1, a2 = sp.Symbol("a", positive=True), sp.Symbol("a", negative=True)
        symbolic.gaussian_expectation(a1 * X + a2, [X], [0], [[1]])


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f,mean,cov,match",
    [
        (sp.exp(sp.I * X**2), [0], [[1]], "complex"),
        ((1 + 2 * sp.I) * X, [0], [[1]], "complex"),
        (sp.oo * X, [0], [[1]], "infinity"),
        (X**2, [0], [[sp.oo]], "infinity"),
        (X**2, [sp.nan], [[1]], "NaN"),
        (X**2, [0], [[float("nan")]], "NaN"),
        (X**2, [0], [[-1]], "not positive definite"),
    ],
)
def test_complex_infinite_nan_and_non_spd_input_is_refused(f, mean, cov, match):
    with pytest.raises(InadmissibleInput, match=match):
        symbolic.prove_equivalence(f, [X], mean, cov)


def test_exact_constants_are_never_approximated():
    """Before: nsimplify merged exp(1/3 + 1e-20 + a) with exp(1/3 + a): "proved" zero."""
    a = sp.Symbol("a", real=True)
    tiny = sp.Rational(1, 10**20)
    dec = decide_zero(sp.exp(sp.Rational(1, 3) + tiny + a) - sp.exp(sp.Rational(1, 3) + a))
    assert dec.status == "disproved"
    assert dec.witness["certificate"]["sign"] == 1


def test_a_smoothgrad_side_sabotaged_by_exp_1e_minus_20_is_not_proved(monkeypatch):
    from verify.symbolic import engine

    real = engine._expect
    factor = sp.exp(sp.Rational(1, 10**20))

    def expect(expr, xs, mean, cov):  # every expectation of a derivative of f off by e^1e-20
        value = real(expr, xs, mean, cov)
        return value * factor if expr.has(sp.cos) else value

    monkeypatch.setattr(engine, "_expect", expect)
    rec = symbolic.prove_equivalence(sp.sin(X + Y), [X, Y], [0, 0], [[1, 0], [0, 1]])
    assert rec.status != "proved", str(rec)


def test_powers_of_exp_fold_only_for_real_exponents():
    """sqrt(exp(a)) = exp(a/2) only for real a (principal branch): a complex a is undecided."""
    a_complex = sp.Symbol("a", complex=True)
    assert decide_zero(sp.sqrt(sp.exp(a_complex)) - sp.exp(a_complex / 2)).status != "proved"
    a = sp.Symbol("a", real=True)
    assert decide_zero(sp.sqrt(sp.exp(a)) - sp.exp(a / 2)).status == "proved"


def test_high_degree_moments_do_not_wrap_the_packing():
    """Before: exponents were packed in 8 bits, so mu**256 was read as s_11."""
    k = 256
    got = symbolic.gaussian_expectation(X**k, [X], [1], [[2]])
    want = sum(sp.binomial(k, j) * sp.factorial2(j - 1) * 2 ** (j // 2) for j in range(0, k + 1, 2))
    assert got == want


# -- integrability and the law -------------------------------------------------------------


def test_a_condition_false_for_every_parameter_is_a_refusal_not_an_assumption():
    p = sp.Symbol("p", positive=True)
    with pytest.raises(NotIntegrable, match="for every admissible value"):
        symbolic.prove_equivalence(sp.exp((p + 1) * X**2), [X], [0], [[1]])
    with pytest.raises(NotIntegrable):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symbolic.gaussian_expectation(sp.exp((1 + p) * X**2), [X], [0], [[1]])


def test_a_condition_no_admissible_value_meets_withdraws_the_proof():
    """1 - 2(p + 1/p) > 0 never holds for p > 0, though SymPy cannot show it."""
    p = sp.Symbol("p", positive=True)
    rec = symbolic.prove_equivalence(sp.exp((p + 1 / p) * X**2), [X], [0], [[1]])
    assert rec.status == "undecided"
    assert "vacuous" in rec.reason


def test_a_divergent_factor_on_a_later_variable_is_a_stated_condition():
    """exp(p y^2) with y the second variable: A = diag(0, -2p) has non-negative *leading*
    minors (0 and 0) but is not positive semidefinite; the condition must be stated."""
    assert_later_variable_condition_stated()


def assert_later_variable_condition_stated() -> None:
    p = sp.Symbol("p", positive=True)
    rec = symbolic.prove_equivalence(sp.exp(p * Y**2) + X, [X, Y], [0, 0], [[1, 0], [0, 1]])
    assert rec.status == "proved"
    conditions = [a for a in rec.assumptions if a.startswith("integrability")]
    assert len(conditions) == 1 and "-2*p" in conditions[0], rec.assumptions


@pytest.mark.parametrize(
    "cov",
    [[[-sp.Symbol("a", positive=True)]], "never"],
    ids=["negative variance", "[[a, 2a], [2a, a]]"],
)
def test_a_symbolic_covariance_never_positive_definite_is_refused(cov):
    a = sp.Symbol("a", positive=True)
    if cov == "never":
        cov, xs = [[a, 2 * a], [2 * a, a]], [X, Y]
    else:
        xs = [X]
    with pytest.raises(InadmissibleInput, match="never positive definite"):
        symbolic.prove_equivalence(sum(xs) ** 2, xs, [0] * len(xs), cov)


def test_a_symbolic_covariance_that_can_be_spd_is_kept_as_an_assumption():
    b = sp.Symbol("b", real=True)
    adm = admit(X * Y, [X, Y], [0, 0], [[1, b], [b, 1]])
    assert any("positive definite (an assumption" in n for n in adm.notes)


# -- statements' hypotheses ---------------------------------------------------------------


def test_parameters_outside_a_statements_hypotheses_are_refused():
    with pytest.raises(InadmissibleInput, match="lam = -1"):
        symbolic.prove_lemma6(X**2, [X], [0], [[1]], lam=-1)
    with pytest.raises(InadmissibleInput, match="lam"):
        symbolic.prove_lemma6(X**2 + Y, [X, Y], [0, 0], [[1, 0], [0, 1]], lam=sp.Rational(-1, 2))
    with pytest.raises(InadmissibleInput, match="kw"):
        symbolic.prove_kernel_lime(X**2, [X], [0], [[1]], kw=0)
    with pytest.raises(InadmissibleInput, match="k = -1"):
        symbolic.prove_theorem1_generic(2, -1)
    with pytest.raises(InadmissibleInput, match="d = 0"):
        symbolic.prove_theorem1_generic(0, 2)
    with pytest.raises(InadmissibleInput, match="d = 0"):
        symbolic.prove_equivalence(sp.Integer(1), [], [], [])
    assert require_parameter("1/2", "lam", "nonnegative", "Lemma 6") == sp.Rational(1, 2)


# -- forms outside the classes --------------------------------------------------------------


@pytest.mark.parametrize(
    "f",
    [
        sp.Piecewise((X, X > 0), (0, True)),
        sp.Max(X, 0),
        sp.Heaviside(X),
        sp.Abs(X),
        sp.sqrt(X**2 + 1),
        2**X,
        sp.log(1 + X**2),
    ],
    ids=["Piecewise", "Max", "Heaviside", "Abs", "sqrt", "2**x", "log"],
)
def test_unsupported_forms_are_refused_not_a_type_error(f):
    with pytest.raises(UnsupportedExpression):
        symbolic.prove_equivalence(f, [X], [0], [[1]])
    with pytest.raises(UnsupportedExpression):
        symbolic.gaussian_expectation(f, [X], [0], [[1]])


def test_functions_of_parameters_only_are_fine():
    a = sp.Symbol("a", real=True)
    assert symbolic.gaussian_expectation(sp.Abs(a) * X**2, [X], [0], [[1]]) == sp.Abs(a)
    rec = symbolic.prove_equivalence(Phi(X) * sp.Abs(a), [X], [0], [[1]])
    assert rec.status == "proved"


def test_a_float_inside_a_value_is_enclosed_not_an_error():
    """Before: certified_sign raised NotImplementedError on a sympy Float (mpmath 1.3)."""
    from verify.symbolic.interval import certified_sign

    cert = certified_sign(sp.Float(0.5) * sp.exp(1) - 1)
    assert cert is not None and cert.sign == 1

"""The classes issue 11 widened: each proved, each proof's key step shown to bite."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from verify import symbolic
from verify.symbolic import decide_zero
from verify.symbolic.canonical import decide_matrix
from verify.symbolic.proofs.common import ridge_case
from verify.symbolic.proofs.general_f import (
    kernel_covariance_checks,
    prove_kernel_lime_generic,
    prove_lemma6_every_f,
)
from verify.symbolic.proofs.sample_algebra import (
    prove_empirical_linearity,
    prove_sklearn_ridge_mapping,
)

X1, X2 = sp.symbols("x1 x2", real=True)


# -- users' polynomials through the sparse engine ----------------------------------------------


def test_user_polynomial_takes_the_sparse_route():
    xs = sp.symbols("x1:5", real=True)
    f, coeffs = symbolic.generic_polynomial(xs, 4)
    rec = symbolic.prove_equivalence(f, xs)
    assert rec.status == "proved"
    assert all("sparse exact engine" in c["method"] for c in rec.checks)
    assert rec.details["monomials_in_polynomial_part"] == len(coeffs) == 70
    assert rec.corroboration["status"] == "agreed" and rec.corroboration["moments"] > 0


def test_mixed_function_splits_into_polynomial_and_rest():
    a = sp.Symbol("a", real=True)
    f = a * X1**3 * X2 + sp.exp(a) * X2**2 + sp.sin(X1 - 2 * X2)
    rec = symbolic.prove_equivalence(
        f, [X1, X2], [1, 0], [[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]]
    )
    assert rec.status == "proved"
    names = [c["name"] for c in rec.checks]
    assert any(n.startswith("polynomial part:") for n in names)
    assert any(n.startswith("non-polynomial part:") for n in names)
    # the recorded sides are the general engine's, term for term
    sg = symbolic.expected_gradient(
        f, [X1, X2], [1, 0], [[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]]
    )
    assert all(decide_zero(e).status == "proved" for e in rec.details["smoothgrad"] - sg)


def test_sparse_route_reports_a_wrong_engine(monkeypatch):
    """The identity fails with a certified witness, and the second route names the moment."""
    from verify.symbolic.moments import MomentTable

    real = MomentTable.raw

    def raw(self, beta):  # a fourth moment 3 S^2 -> 2 S^2 (breaks Stein's identity)
        out = real(self, beta)
        if beta == (4, 0):
            key = 2 * self.s_key(0, 0)
            out = {**out, key: out[key] - 1}
        return out

    monkeypatch.setattr(MomentTable, "raw", raw)
    rec = symbolic.prove_equivalence(3 * X1**3 + X2, [X1, X2])
    assert rec.details["verdict_before_second_route"] == "disproved"
    assert rec.witness and rec.witness["certificate"]["sign"] != 0
    # the disproof rests on the wrong moment: withdrawn, with the moment named
    assert rec.status == "undecided" and "second route disagrees" in rec.reason
    assert [4, 0] in rec.corroboration["disagreements"][0]["wrong_moments"]


# -- Theorem 2: the upper bound's lemmas bite --------------------------------------------------


def test_upper_bound_lemmas_reject_wrong_constants():
    y, tau = sp.Symbol("y", real=True), sp.Symbol("tau", positive=True)
    dens = sp.exp(-(y**2) / (2 * tau**2)) / (sp.sqrt(2 * sp.pi) * tau)
    half = (-(tau**2) * dens).subs(y, sp.oo) - (-(tau**2) * dens).subs(y, 0)
    assert decide_zero(2 * half - sp.sqrt(2 / sp.pi) * tau).status == "proved"
    assert decide_zero(2 * half - tau / 2).status == "disproved"  # the published 1/2
    # L1 with the sign of the score flipped
    S = symbolic.symbolic_covariance(2)
    x, a = sp.Matrix(sp.symbols("x1:3", real=True)), sp.Matrix(sp.symbols("a1:3", real=True))
    inv = S.adjugate() / S.det()
    dens2 = sp.exp(-((a - x).T * inv * (a - x))[0] / 2)
    grad = sp.Matrix([sp.diff(dens2, xi) for xi in x])
    assert decide_matrix(grad - dens2 * inv * (a - x)).status == "proved"
    assert decide_matrix(grad + dens2 * inv * (a - x)).status == "disproved"


# -- Lemma 6 -----------------------------------------------------------------------------------


def test_lemma6_for_every_f_and_its_bite():
    rec = prove_lemma6_every_f((1, 2, 3))
    assert rec.status == "proved", str(rec)
    assert "every f with E f^2 < inf" in rec.function_class
    # the row operation needs E[x x'] = cov + mean mean'; with E[x x'] = cov it fails
    m, S = symbolic.symbolic_mean(2), symbolic.symbolic_covariance(2)
    w = sp.Matrix(sp.symbols("w1 w2", real=True))
    c, e, w0, lam = sp.Matrix(sp.symbols("c1 c2", real=True)), *sp.symbols("e w0 l", real=True)
    N1 = c + m * e - S * w - m * w0 - lam * w
    N2 = e - (m.T * w)[0] - w0
    assert decide_matrix(N1 - m * N2 - (c - (S + lam * sp.eye(2)) * w)).status == "disproved"


def test_sklearn_mapping_is_proved():
    rec = prove_sklearn_ridge_mapping()
    assert rec.status == "proved" and len(rec.checks) == 6
    assert "alpha / sum(pi)" in rec.statement


def test_sklearn_mapping_matches_scikit_learn():
    """The proof assumes sklearn's documented objective; scikit-learn itself agrees."""
    linear_model = pytest.importorskip("sklearn.linear_model", reason="pip install scikit-learn")
    rng = np.random.default_rng(11)
    n, d, alpha = 40, 3, 2.5
    Z, y = rng.normal(size=(n, d)), rng.normal(size=n)
    pi = rng.uniform(0.1, 2.0, size=n)
    fit = linear_model.Ridge(alpha=alpha).fit(Z, y, sample_weight=pi)

    def mean_loss_ridge(lam):
        P = pi.sum()
        zbar, ybar = pi @ Z / P, pi @ y / P
        Zc, yc = Z - zbar, y - ybar
        S = (Zc * pi[:, None]).T @ Zc / P
        c = (Zc * pi[:, None]).T @ yc / P
        return np.linalg.solve(S + lam * np.eye(d), c)

    np.testing.assert_allclose(fit.coef_, mean_loss_ridge(alpha / pi.sum()), rtol=1e-10)
    # bite: the unweighted rule lambda = alpha / n is a different estimator here
    assert not np.allclose(fit.coef_, mean_loss_ridge(alpha / n), rtol=1e-6)


# -- Proposition 2, empirical ------------------------------------------------------------------


def test_empirical_linearity_is_proved_and_bites():
    rec = prove_empirical_linearity()
    assert rec.status == "proved"
    assert "shared sample" in rec.statement
    # a response-dependent design is not linear: weights pi_i = y_i^2 (a toy "selection")
    y1, y2, al = sp.symbols("y1 y2 alpha", real=True)
    z = sp.Matrix([1, 2])

    def slope(y):  # weighted least squares through the origin, weights y_i^2
        return sum(y[i] ** 2 * z[i] * y[i] for i in range(2)) / sum(
            y[i] ** 2 * z[i] ** 2 for i in range(2)
        )

    assert decide_zero(slope([al * y1, al * y2]) - al * slope([y1, y2])).status == "proved"
    assert decide_zero(slope([y1 + 1, y2]) - slope([y1, y2]) - slope([1, 0])).status == (
        "disproved"
    )


# -- kernel LIME for generic polynomials -------------------------------------------------------


@pytest.mark.parametrize("d,k", [(1, 3), (2, 3), (2, 5)])
def test_kernel_lime_generic_classes(d, k):
    rec = prove_kernel_lime_generic(d, k)
    assert rec.status == "proved"
    assert rec.details["coefficients"] == sp.binomial(d + k, k)


def test_kernel_covariance_lemma_bites():
    assert all(dec.status == "proved" for _, dec in kernel_covariance_checks(2))
    S = symbolic.symbolic_covariance(2)
    kw = sp.Symbol("k_w", positive=True)
    wrong = S  # ignoring the kernel: cov' = cov
    inv = S.adjugate() / S.det()
    assert decide_matrix(wrong * (inv + sp.eye(2) / kw**2) - sp.eye(2)).status == "disproved"


# -- ridge functions and class sets ------------------------------------------------------------


@pytest.mark.parametrize("link", ["sin", "exp", "probit"])
def test_ridge_functions_in_one_dimension(link):
    xs, f = ridge_case(1, link)
    assert symbolic.prove_equivalence(f, xs).status == "proved"


def test_unknown_class_set_is_refused():
    with pytest.raises(ValueError, match="unknown class set 'everything'"):
        symbolic.prove_all(classes="everything")


@pytest.mark.slow
def test_thorough_classes():
    """The heavier classes (minutes): ridge functions up to d = 5, RBF in d = 2 symbolic."""
    from verify.symbolic.proofs.equivalence import theorem1_proofs

    recs = theorem1_proofs(generic_classes=(), classes="thorough")
    labels = {r.function_class: r.status for r in recs}
    for d in (3, 4, 5):
        for link in ("sin", "exp", "probit") if d < 5 else ("sin", "exp"):
            assert labels[f"ridge function {link}(w'x + b), d={d}, symbolic w, b, mean, cov"] == (
                "proved"
            )
    assert all(status == "proved" for status in labels.values()), labels

"""Every check bites: a deliberately broken input per check, which it must report falsified.

Each case pairs a broken explainer, closed form or bound with the check that
must catch it, on a fixed problem, over three seeds; the same call with the
correct (reference) pieces is verified, so the detection is due to the break.
``test_detection_table`` prints the table that goes into the closing note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from lfa_breaks import LFA_CASES
from scipy.linalg import sqrtm

from properties.examples import ABS, AFFINE, COV, PROBIT, SIN, SMOOTH, STEP, X0
from properties.theorems import (
    CheckResult,
    StatementViolation,
    check_kernel_lime,
    check_lemma6,
    check_proposition1,
    check_proposition2,
    check_proposition3,
    check_stein_step_function,
    check_theorem1,
    check_theorem2_published,
    check_theorem2_sharp,
    check_theorem3,
    gaussian_kernel,
    require,
)
from verify import closed_form, estimators
from verify.functions import RBFMixture

# -- fixed problems ---------------------------------------------------------------------

# The fixed problems are the testing library's (one place for tests and benchmarks).


# -- broken explainers and closed forms ------------------------------------------------------


def sg_std_for_variance(f, x0, cov, n, seed, **kw):
    """SmoothGrad whose noise covariance is the matrix square root (a std passed as variance)."""
    return estimators.smoothgrad(f, x0, np.real(sqrtm(cov)), n, seed, **kw)


def sg_absolute(f, x0, cov, n, seed, *, noise=None, **kw):
    """captum's Saliency default abs=True: mean of |grad f|."""
    X0 = np.atleast_2d(x0)
    z = estimators.draw_noise(cov, n, seed) if noise is None else np.asarray(noise)
    grads = np.abs(f.gradient(X0[:, None, :] + z))
    out = grads.mean(axis=1)
    return out[0] if np.ndim(x0) == 1 else out


def sg_biased(f, x0, cov, n, seed, **kw):
    """SmoothGrad with a bias that does not vanish with n (here 0.2 G per coordinate)."""
    return estimators.smoothgrad(f, x0, cov, n, seed, **kw) + 0.2 * f.gradient_bound


def clime_no_intercept(f, x0, cov, n, seed, *, noise=None, ridge=0.0, **kw):
    """Least squares of f(a) on a without an intercept (a common slip)."""
    X0 = np.atleast_2d(x0)
    m, d = X0.shape
    if noise is None:
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((m, n, d)) @ np.linalg.cholesky(cov).T
    else:
        z = np.broadcast_to(np.asarray(noise), (m, *np.shape(noise)[-2:]))
    a = X0[:, None, :] + z
    y = f(a)
    gram = np.einsum("mni,mnj->mij", a, a) + ridge * np.shape(a)[1] * np.eye(d)
    out = np.linalg.solve(gram, np.einsum("mni,mn->mi", a, y)[..., None])[..., 0]
    return out[0] if np.ndim(x0) == 1 else out


def clime_by_gradients(f, x0, cov, n, seed, **kw):
    """A 'C-LIME' that returns SmoothGrad, i.e. assumes Theorem 1 where it fails."""
    return estimators.smoothgrad(f, x0, cov, n, seed)


def clime_quarter_sample(f, x0, cov, n, seed, **kw):
    """C-LIME that silently fits on n // 4 perturbations (a batching bug)."""
    if kw.get("noise") is not None:
        noise = np.asarray(kw.pop("noise"))
        return estimators.clime(f, x0, cov, None, None, noise=noise[..., : len(noise) // 4, :])
    return estimators.clime(f, x0, cov, max(n // 4, f.dim + 2), seed, **kw)


def clime_normalised(f, x0, cov, n, seed, **kw):
    """An explanation rescaled to unit norm (as some dashboards do)."""
    w = estimators.clime(f, x0, cov, n, seed, **kw)
    return w / np.linalg.norm(w, axis=-1, keepdims=True)


def clime_sklearn_alpha_as_lambda(f, x0, cov, n, seed, *, ridge=0.0, noise=None, **kw):
    """Ridge C-LIME given sklearn's alpha where the mean-loss lambda = alpha / n is meant."""
    size = n if noise is None else np.shape(noise)[-2]
    return estimators.clime(f, x0, cov, n, seed, ridge=ridge * size, noise=noise, **kw)


def clime_kernel_without_sqrt(f, x0, cov, n, seed, *, kernel_width=None, **kw):
    """lime's kernel sqrt(exp(-d^2/kw^2)) implemented as exp(-d^2/kw^2): width kw / sqrt 2."""
    return estimators.clime(f, x0, cov, n, seed, kernel_width=kernel_width / np.sqrt(2), **kw)


def closed_clime_without_inverse(f, x0, cov, **kw):
    """The C-LIME closed form that forgets Sigma^-1: returns Cov(x, f)."""
    return closed_form.covariance(f, x0, cov)


def closed_clime_ignoring_ridge(f, x0, cov, ridge=0.0, kernel_width=None):
    return closed_form.clime(f, x0, cov, kernel_width=kernel_width)


def closed_clime_ignoring_kernel(f, x0, cov, ridge=0.0, kernel_width=None):
    return closed_form.clime(f, x0, cov, ridge=ridge)


def vanilla_gradient(f, x0, cov, **kw):
    """The gradient at x0 passed off as the Gaussian average."""
    return f.gradient(x0)


def kernel_without_sqrt(z, kernel_width):
    return gaussian_kernel(z, kernel_width / np.sqrt(2))


# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    check: str
    defect: str
    run: Callable[[int, bool], CheckResult]  # (seed, broken?) -> result


def _sharp_pair():
    u = ABS.w / np.linalg.norm(ABS.w)
    return -0.05 * u, 0.05 * u


CASES = [
    Broken(
        "theorem1",
        "closed-form C-LIME without Sigma^-1",
        lambda s, b: check_theorem1(
            SMOOTH,
            X0,
            COV,
            seed=s,
            closed_clime=closed_clime_without_inverse if b else closed_form.clime,
        ),
    ),
    Broken(
        "theorem1",
        "SmoothGrad noise with a std passed as variance",
        lambda s, b: check_theorem1(
            SMOOTH,
            X0,
            COV,
            seed=s,
            smoothgrad_estimator=sg_std_for_variance if b else estimators.smoothgrad,
        ),
    ),
    Broken(
        "theorem1",
        "SmoothGrad of |grad f| (captum abs=True)",
        lambda s, b: check_theorem1(
            SMOOTH,
            X0,
            COV,
            seed=s,
            smoothgrad_estimator=sg_absolute if b else estimators.smoothgrad,
        ),
    ),
    Broken(
        "theorem1",
        "C-LIME without intercept",
        lambda s, b: check_theorem1(
            SMOOTH,
            X0,
            COV,
            seed=s,
            clime_estimator=clime_no_intercept if b else estimators.clime,
        ),
    ),
    Broken(
        "stein_step_function",
        "C-LIME computed from gradients on a step model",
        lambda s, b: check_stein_step_function(
            STEP,
            X0,
            COV,
            seed=s,
            clime_estimator=clime_by_gradients if b else estimators.clime,
        ),
    ),
    Broken(
        "theorem2_sharp",
        "vanilla gradient instead of SmoothGrad",
        lambda s, b: check_theorem2_sharp(
            ABS,
            *_sharp_pair(),
            COV,
            closed_smoothgrad=vanilla_gradient if b else closed_form.smoothgrad,
        ),
    ),
    Broken(
        "theorem2_sharp",
        "gradient bound too small (G / 2)",
        lambda s, b: check_theorem2_sharp(
            ABS, *_sharp_pair(), COV, gradient_bound=ABS.gradient_bound / (2 if b else 1)
        ),
    ),
    Broken(
        "theorem2_published",
        "the published constant G/(2 sigma) itself, at a kink",
        lambda s, b: check_theorem2_published(
            ABS, *((_sharp_pair()) if b else (np.full(3, 2.0), np.full(3, 2.05))), 0.5
        ),
    ),
    Broken(
        "proposition1",
        "SmoothGrad noise with a std passed as variance",
        lambda s, b: check_proposition1(
            SIN,
            X0,
            COV,
            n=4000,
            seed=s,
            smoothgrad_estimator=sg_std_for_variance if b else estimators.smoothgrad,
        ),
    ),
    Broken(
        "proposition1",
        "SmoothGrad with a non-vanishing bias (0.2 G)",
        lambda s, b: check_proposition1(
            SMOOTH,
            X0,
            COV,
            n=400,
            seed=s,
            smoothgrad_estimator=sg_biased if b else estimators.smoothgrad,
        ),
    ),
    Broken(
        "proposition1",
        "gradient bound too small (G / 4)",
        lambda s, b: check_proposition1(
            ABS,
            X0,
            COV,
            n=400,
            seed=s,
            gradient_bound=ABS.gradient_bound / (4 if b else 1),
        ),
    ),
    Broken(
        "theorem3",
        "C-LIME fitted on n // 4 perturbations",
        lambda s, b: check_theorem3(
            SMOOTH,
            X0,
            COV,
            seed=s,
            n_grid=(200, 800),
            repetitions=100,
            trends=False,
            clime_estimator=clime_quarter_sample if b else estimators.clime,
        ),
    ),
    Broken(
        "theorem3",
        "C-LIME without intercept",
        lambda s, b: check_theorem3(
            SMOOTH,
            X0,
            COV,
            seed=s,
            n_grid=(200, 800),
            repetitions=100,
            trends=False,
            clime_estimator=clime_no_intercept if b else estimators.clime,
        ),
    ),
    Broken(
        "proposition2",
        "SmoothGrad of |grad f| (captum abs=True)",
        lambda s, b: check_proposition2(
            SMOOTH,
            PROBIT,
            X0,
            COV,
            seed=s,
            smoothgrad_estimator=sg_absolute if b else estimators.smoothgrad,
        ),
    ),
    Broken(
        "proposition2",
        "unit-norm (normalised) C-LIME",
        lambda s, b: check_proposition2(
            SMOOTH,
            PROBIT,
            X0,
            COV,
            seed=s,
            clime_estimator=clime_normalised if b else estimators.clime,
        ),
    ),
    Broken(
        "proposition3",
        "vanilla gradient at x0 as the closed form",
        lambda s, b: check_proposition3(
            PROBIT,
            X0,
            COV,
            seed=s,
            closed_smoothgrad=vanilla_gradient if b else closed_form.smoothgrad,
        ),
    ),
    Broken(
        "proposition3",
        "C-LIME without intercept on an affine model",
        lambda s, b: check_proposition3(
            AFFINE,
            X0,
            COV,
            seed=s,
            clime_estimator=clime_no_intercept if b else estimators.clime,
        ),
    ),
    Broken(
        "lemma6",
        "sklearn alpha used as the mean-loss lambda",
        lambda s, b: check_lemma6(
            SMOOTH,
            X0,
            COV,
            ridge=0.05,
            seed=s,
            clime_estimator=clime_sklearn_alpha_as_lambda if b else estimators.clime,
        ),
    ),
    Broken(
        "lemma6",
        "closed form that ignores the ridge",
        lambda s, b: check_lemma6(
            SMOOTH,
            X0,
            COV,
            ridge=0.05,
            seed=s,
            closed_clime=closed_clime_ignoring_ridge if b else closed_form.clime,
        ),
    ),
    Broken(
        "kernel_lime",
        "lime kernel without the square root (estimator)",
        lambda s, b: check_kernel_lime(
            SIN,
            X0,
            COV,
            kernel_width=0.6,
            seed=s,
            clime_estimator=clime_kernel_without_sqrt if b else estimators.clime,
        ),
    ),
    Broken(
        "kernel_lime",
        "lime kernel without the square root (weights)",
        lambda s, b: check_kernel_lime(
            SMOOTH,
            X0,
            COV,
            kernel_width=0.6,
            seed=s,
            kernel=kernel_without_sqrt if b else gaussian_kernel,
        ),
    ),
    Broken(
        "kernel_lime",
        "closed form under Sigma instead of Sigma'",
        lambda s, b: check_kernel_lime(
            SMOOTH,
            X0,
            COV,
            kernel_width=0.6,
            seed=s,
            closed_clime=closed_clime_ignoring_kernel if b else closed_form.clime,
        ),
    ),
    # the LFA statements' rows: tests/properties/lfa_breaks.py
    *(Broken(check, defect, run) for check, defect, run in LFA_CASES),
]
SEEDS = (0, 1, 2)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.check}: {c.defect}")
def test_broken_input_is_caught(case):
    for seed in SEEDS:
        result = case.run(seed, True)
        assert result.statement == case.check
        assert result.falsified, f"{case.defect} was not caught with seed {seed}: {result}"
        assert result.message and result.counterexample is not None
        with pytest.raises(StatementViolation, match=case.check):
            require(result)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.check}: {c.defect}")
def test_the_correct_counterpart_passes(case):
    for seed in SEEDS:
        require(case.run(seed, False))


def test_every_statement_has_a_broken_input():
    from properties.theorems import STATEMENTS

    assert {c.check for c in CASES} == set(STATEMENTS)


def test_detection_table(capsys):
    rows = []
    for case in CASES:
        caught = sum(case.run(seed, True).falsified for seed in SEEDS)
        rows.append(f"| {case.defect} | {case.check} | {caught}/{len(SEEDS)} |")
    with capsys.disabled():
        print("\n| broken input | check | caught (seeds) |\n|---|---|---|")
        print("\n".join(rows))
    assert all(r.endswith(f"{len(SEEDS)}/{len(SEEDS)} |") for r in rows)


def test_rbf_fixture_is_not_degenerate():
    # The smooth fixture must have a non-zero, non-linear explanation for the breaks to show.
    assert isinstance(SMOOTH.terms[1][1], RBFMixture)
    sg = closed_form.smoothgrad(SMOOTH, X0, COV)
    assert np.linalg.norm(sg) > 0.1

"""shap's Kernel, Exact and Permutation explainers as clients: the textbook configurations
compute the interventional Shapley value of the engine; each library default is measured.

What the explainers compute is read from the installed source and documented in
properties/adapters/shap.py; the tests below measure every claim made there on functions
whose Shapley values the engine computes exactly (verify.attribution.shapley_values).
"""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest

pytest.importorskip("shap", reason="shap is not installed: pip install 'xai-verify[shap]'")

import shap

from properties.adapters import shap as S
from verify.attribution import (
    Background,
    Baseline,
    GaussianBackground,
    shapley_values,
)
from verify.functions import Network, Polynomial, RBFMixture, Translated


# -- the explainers under test (their explain callables) ---------------------------------------
def kernel(**kwargs):
    return S.shap_kernel_explainer(**kwargs).explain


def exact(**kwargs):
    return S.shap_exact_explainer(**kwargs).explain


def permutation(**kwargs):
    return S.shap_permutation_explainer(**kwargs).explain


# -- functions with exact Shapley values ----------------------------------------------------
def poly(d: int, seed: int) -> Polynomial:
    """Pure powers of every feature and a few interactions up to degree 3."""
    rng = np.random.default_rng(seed)
    terms = {(0,) * d: 0.3}
    for j in range(d):
        e = [0] * d
        e[j] = int(rng.integers(1, 3))
        terms[tuple(e)] = float(rng.normal())
    for _ in range(3):
        e = [0] * d
        for j in rng.choice(d, size=min(3, d), replace=False):
            e[j] = 1
        terms[tuple(e)] = float(rng.normal())
    return Polynomial(terms)


def rbf(d: int, seed: int) -> RBFMixture:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return RBFMixture(
        rng.normal(size=2), rng.normal(size=(2, d)), (q * rng.uniform(0.3, 1, d)) @ q.T
    )


def relu(d: int, seed: int) -> Network:
    return Network.random(d, hidden=(8,), activation="relu", seed=seed)


FUNCTIONS = {"poly": poly, "rbf": rbf, "relu": relu}


def problem(d: int, seed: int, rows: int = 0, weighted: bool = False):
    """x and a reference: a baseline (rows = 0) or background rows."""
    rng = np.random.default_rng(100 + seed)
    x = rng.normal(size=d)
    if rows == 0:
        return x, Baseline(rng.normal(size=d))
    weights = rng.uniform(0.2, 1.0, size=rows) if weighted else None
    return x, Background(rng.normal(size=(rows, d)), weights)


def target(f, x, reference) -> np.ndarray:
    return shapley_values(f, x, reference).values


def close(a, b, scale=1.0, rtol=1e-10):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) <= rtol * max(scale, 1.0)


# -- the textbook configurations compute the engine's target --------------------------------
@pytest.mark.parametrize("family", sorted(FUNCTIONS))
@pytest.mark.parametrize(
    "d, rows, weighted", [(3, 0, False), (6, 4, True), (12, 0, False), (12, 3, False)]
)
def test_kernel_and_exact_equal_the_engine(family, d, rows, weighted):
    f = FUNCTIONS[family](d, d)
    x, reference = problem(d, d + rows, rows, weighted)
    t = target(f, x, reference)
    # KernelExplainer enumerates every coalition once n >= 2^d - 2.
    assert close(kernel()(f, x, reference, 2**d - 2, 0), t, np.max(np.abs(t)))
    assert close(exact()(f, x, reference, 1, 0), t, np.max(np.abs(t)))


def quadratic(d: int, seed: int) -> Polynomial:
    """Every pure square and every pairwise product: a game of pairwise interactions."""
    rng = np.random.default_rng(seed)
    terms = {}
    for i in range(d):
        for j in range(i, d):
            e = [0] * d
            e[i] += 1
            e[j] += 1
            terms[tuple(e)] = float(rng.normal())
    return Polynomial(terms)


@pytest.mark.parametrize("d, rows", [(4, 0), (7, 3)])
def test_one_antithetic_pair_is_exact_for_pairwise_games(d, rows):
    """PermutationExplainer's reversed permutation: one pair (n = 2 permutations, max_evals =
    2d + 1) is exact for games of at most pairwise interactions, every seed; a third-order
    term breaks it."""
    f = quadratic(d, d)
    x, reference = problem(d, d, rows, weighted=True)
    t = target(f, x, reference)
    for seed in range(5):
        assert close(permutation()(f, x, reference, 2, seed), t, np.max(np.abs(t)))
    cubic = Polynomial({(1, 1, 1, 0): 1.0, (0, 1, 0, 1): 0.5})
    x, reference = problem(4, 1)
    errors = [
        np.max(np.abs(permutation()(cubic, x, reference, 2, s) - target(cubic, x, reference)))
        for s in range(5)
    ]
    assert max(errors) > 1e-3


@pytest.mark.parametrize("family", sorted(FUNCTIONS))
def test_permutation_is_efficient_and_unbiased(family):
    """Exactly efficient at every seed; the mean over 40 seeds is within 5 standard errors of
    the engine's value in every coordinate (t with 39 degrees of freedom: about 1e-5 false
    alarms per coordinate, 7e-5 per test; the seeds are fixed, so the test never flakes)."""
    d = 7
    f = FUNCTIONS[family](d, 3)
    x, reference = problem(d, 5, rows=3)
    t = target(f, x, reference)
    runs = np.array([permutation()(f, x, reference, 4, s) for s in range(40)])
    gap = f(x[None])[0] - np.mean(f(reference.rows))
    assert np.allclose(runs.sum(axis=1), gap, rtol=1e-12, atol=1e-12)
    se = runs.std(axis=0, ddof=1) / np.sqrt(len(runs))
    assert np.all(np.abs(runs.mean(axis=0) - t) <= 5 * se + 1e-12)


@pytest.mark.parametrize("invariants", [False, True], ids=["by position", "by linearity"])
def test_row_weights_in_exact_and_permutation(invariants):
    """shap's maskers weigh the rows equally. The textbook configurations take row weights
    through the model (row r times N w_r, every row evaluated) or, with shap's invariants
    kept, by linearity (one call per row); the plain array of library defaults loses them:
    the value and the efficiency sum are those of equal weights."""
    d = 5
    f = rbf(d, 2)
    x, reference = problem(d, 2, rows=4, weighted=True)
    t = target(f, x, reference)
    assert close(exact(invariants=invariants)(f, x, reference, 1, 0), t)
    q = quadratic(d, 1)  # pairwise: one antithetic pair is exact
    tq = target(q, x, reference)
    assert close(permutation(invariants=invariants)(q, x, reference, 2, 4), tq, np.max(np.abs(tq)))
    equal = Background(reference.rows)
    lib = exact(library_defaults=True)(f, x, reference, 1, 0)
    assert close(lib, target(f, x, equal)) and not close(lib, t, rtol=1e-3)
    lib = permutation(max_samples=100)(q, x, reference, 2, 4)
    assert close(lib, target(q, x, equal), np.max(np.abs(tq)))
    unweighted_gap = q(x[None])[0] - np.mean(q(reference.rows))
    assert close(lib.sum(), unweighted_gap, np.max(np.abs(tq)))
    assert abs(lib.sum() - tq.sum()) > 1e-3


# -- the library defaults, measured -------------------------------------------------------------
def test_l1_reg_num_features_10_keeps_at_most_10_values_which_still_sum_to_the_gap():
    """shap#5/#996, PR #3858: with 12 varying features and every coalition enumerated,
    l1_reg='num_features(10)' leaves exactly 10 non-zero values; the efficiency constraint
    still holds (the "values do not sum to the output" of shap#996 is refuted in 0.51)."""
    d = 12
    for family in ("rbf", "relu"):
        f = FUNCTIONS[family](d, 1)
        x, reference = problem(d, 7)
        t = target(f, x, reference)
        assert np.count_nonzero(t) == d
        out = kernel(l1_reg="num_features(10)")(f, x, reference, 2**d - 2, 0)
        assert np.count_nonzero(out) == 10
        assert np.max(np.abs(out - t)) > 1e-4 * np.max(np.abs(t))
        assert close(out.sum(), t.sum(), np.max(np.abs(t)))
        # With at most 10 features the selection keeps every one: exact.
        g = FUNCTIONS[family](10, 1)
        x10, ref10 = problem(10, 7)
        lib = kernel(l1_reg="num_features(10)")(g, x10, ref10, 2**10 - 2, 0)
        assert close(lib, target(g, x10, ref10), np.max(np.abs(lib)))


def offset_problem(d: int = 5, offset: float = 1e4):
    """A baseline 0.05 from x in feature 0, both 1e4 from the origin: within np.allclose's
    1e-5 relative tolerance of the background (0.1 here), however steep f is there."""
    f0 = quadratic(d, 4)  # pairwise: one antithetic pair is exact too
    c = np.full(d, offset)
    f = Translated(f0, -c)
    x, _ = problem(d, 4)
    b = x + np.r_[0.05, 1.0, -1.0, 0.5, 2.0][:d]
    return f, x + c, Baseline(b + c)


@pytest.mark.parametrize("make", [kernel, exact, permutation], ids=["kernel", "exact", "perm"])
def test_allclose_pruning_drops_a_feature_near_a_large_background_value(make):
    """KernelExplainer.varying_groups (np.allclose) and Tabular.invariants (np.isclose):
    feature 0 differs from the baseline by 0.05, the tolerance at 1e4 is 0.1, so shap gives it
    phi = 0. Kernel stays efficient (f(x) itself is evaluated: the others absorb phi_0); the
    maskers of Exact and Permutation keep feature 0 at the background everywhere, so their
    values sum to f(x with x_0 := b_0) - f(b): not efficient. Standardized units: exact."""
    f, x, reference = offset_problem()
    t = target(f, x, reference)
    assert abs(t[0]) > 1e-3
    n = 2 if make is permutation else 30
    lib = make(**{"standardize" if make is kernel else "invariants": make is not kernel})(
        f, x, reference, n, 0
    )
    assert lib[0] == 0.0
    b = reference.point
    if make is kernel:
        assert close(lib.sum(), f(x[None])[0] - f(b[None])[0])
    else:
        moved = np.r_[b[0], x[1:]]
        assert close(lib.sum(), f(moved[None])[0] - f(b[None])[0])
        assert abs(lib.sum() - t.sum()) > 1e-3
    assert close(make()(f, x, reference, n, 0), t, rtol=1e-9)


def test_kernel_zeroes_every_value_below_1e_10_absolutely():
    """KernelExplainer.solve sets |phi_i| < 1e-10 to 0: f scaled by 1e-12 explains to zeros;
    ExactExplainer has no such threshold (refuted there); standardized units keep the values."""
    f = 1e-12 * rbf(5, 6)
    x, reference = problem(5, 6, rows=3)
    t = target(f, x, reference)
    assert 1e-14 < np.max(np.abs(t)) < 1e-10
    assert np.all(kernel(standardize=False)(f, x, reference, 30, 0) == 0.0)
    assert close(kernel()(f, x, reference, 30, 0), t, rtol=1e-22)
    assert close(exact()(f, x, reference, 1, 0), t, rtol=1e-22)


class Counting:
    """f that records the size of every batch it is called with."""

    def __init__(self, f):
        self.f, self.dim, self.batches = f, f.dim, []

    def __call__(self, X):
        X = np.atleast_2d(X)
        self.batches.append(len(X))
        return self.f(X)


@pytest.mark.parametrize("d, expected", [(11, 2**11 - 2), (12, 2 * 12 + 2048)])
def test_nsamples_auto_is_2M_plus_2048_capped_at_every_coalition(d, expected):
    """nsamples='auto' = 2 M + 2048 coalitions, capped at 2^M - 2: exact (and seed-free) up to
    M = 11, sampled from numpy's global generator from M = 12 on."""
    f = Counting(relu(d, 2))
    x, reference = problem(d, 2)
    explain = kernel(nsamples="auto")
    out = explain(f, x, reference, 1, 0)
    assert max(f.batches) == expected  # one background row: one model row per coalition
    t = target(f.f, x, reference)
    again = explain(f, x, reference, 1, 1)
    if expected == 2**d - 2:
        assert close(out, t, np.max(np.abs(t))) and np.array_equal(out, again)
    else:
        assert not close(out, t, np.max(np.abs(t)), rtol=1e-6) and not np.array_equal(out, again)


def test_kernel_is_exact_only_once_every_coalition_is_enumerated():
    """shap#370: below 2^M - 2 coalitions the regression is an estimate (efficient, not
    exact); at 2^M - 2 it is the Shapley value to rounding."""
    d = 8
    f = rbf(d, 3)
    x, reference = problem(d, 3, rows=2)
    t = target(f, x, reference)
    for n in (2**d - 2, 2**d + 100):
        assert close(kernel()(f, x, reference, n, 0), t, np.max(np.abs(t)))
    for n in (40, 2**d - 3):
        out = kernel()(f, x, reference, n, 0)
        assert close(out.sum(), t.sum(), np.max(np.abs(t)))
        assert np.max(np.abs(out - t)) > 1e-6 * np.max(np.abs(t))


def test_the_value_is_interventional_not_conditional():
    """shap#478: f = x1 with a correlated background: shap gives x2 nothing (the
    interventional value, the mean of f over the rows), the conditional value credits x2."""
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    rows = rng.multivariate_normal([0.0, 0.0], cov, size=60)
    f = Polynomial({(1, 0): 1.0})
    x = np.array([1.0, 2.0])
    out = kernel(library_defaults=True)(f, x, Background(rows), 1, 0)
    assert out[1] == 0.0 and close(out, target(f, x, Background(rows)))
    conditional = shapley_values(f, x, GaussianBackground([0.0, 0.0], cov, "conditional"))
    assert abs(conditional.values[1] - 0.8 * 2.0 / 2) < 1e-9  # rho x2 / 2


# -- seeding --------------------------------------------------------------------------------
def test_kernel_has_no_seed_argument_and_draws_from_numpys_global_generator():
    """shap#1835: KernelExplainer takes no seed; its coalitions come from np.random.*, so the
    caller's global state decides the answer. The adapter seeds it per call and restores it."""
    assert "seed" not in inspect.signature(shap.KernelExplainer.__init__).parameters
    assert "seed" not in inspect.signature(shap.KernelExplainer.shap_values).parameters
    d = 9
    f = rbf(d, 5)
    x, reference = problem(d, 5, rows=2)
    model = lambda z: f(np.atleast_2d(z))  # noqa: E731
    explainer = shap.KernelExplainer(model, reference.rows)

    def direct(global_seed: int) -> np.ndarray:
        np.random.seed(global_seed)  # noqa: NPY002
        return explainer.shap_values(x, nsamples=100, l1_reg=False, silent=True)

    state = np.random.get_state()  # noqa: NPY002
    try:
        assert np.array_equal(direct(3), direct(3)) and not np.array_equal(direct(3), direct(4))
    finally:
        np.random.set_state(state)  # noqa: NPY002


@pytest.mark.parametrize("make", [kernel, permutation], ids=["kernel", "perm"])
def test_same_seed_same_answer_and_the_global_state_restored(make):
    d = 9
    f = rbf(d, 8)
    x, reference = problem(d, 8, rows=2, weighted=True)
    explain = make()
    np.random.seed(12345)  # noqa: NPY002
    before = np.random.get_state()  # noqa: NPY002
    first = explain(f, x, reference, 100, 7)
    other = explain(f, x, reference, 100, 8)
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(before[1:], after[1:], strict=True))
    assert before[0] == after[0] and np.array_equal(before[1], after[1])
    np.random.seed(999)  # noqa: NPY002 (another global state: the answer does not move)
    assert np.array_equal(explain(f, x, reference, 100, 7), first)
    assert not np.array_equal(first, other)


def test_permutation_explainers_seed_reseeds_numpys_global_generator_at_construction():
    """PermutationExplainer(seed=s) runs np.random.seed(s) in __init__: the caller's global
    state is replaced (seed=None: reseeded from the OS), and the seed acts once, at
    construction: two calls on one explainer differ."""
    d = 6
    f = rbf(d, 9)
    x, reference = problem(d, 9, rows=2)
    model = lambda z: f(np.atleast_2d(z))  # noqa: E731
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(1)  # noqa: NPY002
        explainer = shap.explainers.Permutation(model, reference.rows, seed=5)
        assert np.random.random() == np.random.RandomState(5).random_sample()  # noqa: NPY002
        one = explainer(x[None], max_evals=26, silent=True).values
        two = explainer(x[None], max_evals=26, silent=True).values
        assert not np.array_equal(one, two)
        draws = []
        for _ in range(2):
            np.random.seed(1)  # noqa: NPY002
            shap.explainers.Permutation(model, reference.rows, seed=None)
            draws.append(np.random.random())  # noqa: NPY002
        assert draws[0] != draws[1]  # fresh OS entropy each time
    finally:
        np.random.set_state(state)  # noqa: NPY002
    # The library default (seed=None): the adapter's seed is ignored.
    lib = permutation(seed=None)
    assert not np.array_equal(lib(f, x, reference, 26, 0), lib(f, x, reference, 26, 0))


def test_permutation_max_evals_500_ignores_n_and_exact_subsamples_100_rows():
    """Library defaults: max_evals=500 whatever n (the same answer at n = 100 and 5000 for
    one seed); a background of 150 rows is the mean over shap.utils.sample(rows, 100)."""
    d = 4
    f = rbf(d, 11)
    x, reference = problem(d, 11, rows=150)
    fixed = permutation(max_evals=500)
    assert np.array_equal(fixed(f, x, reference, 100, 3), fixed(f, x, reference, 5000, 3))
    lib = exact(library_defaults=True)(f, x, reference, 1, 0)
    kept = Background(shap.utils.sample(np.array(reference.rows), 100))
    assert close(lib, target(f, x, kept)) and not close(lib, target(f, x, reference), rtol=1e-4)
    assert close(exact()(f, x, reference, 1, 0), target(f, x, reference))


def test_exact_refuses_17_varying_features_under_max_evals_100000():
    d = 17
    f = Polynomial({tuple(int(i == j) for i in range(d)): 1.0 for j in range(d)})
    x, reference = problem(d, 0)
    with pytest.raises(ValueError, match="max_evals=100000"):
        exact()(f, x, reference, 1, 0)


@pytest.mark.parametrize("library_defaults", [False, True])
def test_the_explainers_pickle_and_replay(library_defaults):
    d = 4
    f = rbf(d, 12)
    x, reference = problem(d, 12, rows=2)
    for make in (S.shap_kernel_explainer, S.shap_exact_explainer, S.shap_permutation_explainer):
        e = make(library_defaults=library_defaults)
        again = pickle.loads(pickle.dumps(e))
        assert (again.name, again.kind, again.expected_failed_checks) == (
            e.name,
            "shapley",
            e.expected_failed_checks,
        )
        if not (library_defaults and make is S.shap_permutation_explainer):  # seed=None
            assert np.array_equal(again(f, x, reference, 30, 1), e(f, x, reference, 30, 1))


@pytest.mark.parametrize("name", sorted(S.LIBRARY_DEFAULTS))
def test_library_defaults_are_the_arguments_of_library_defaults_true(name):
    make = getattr(S, name)
    by_flag, by_arguments = make(library_defaults=True), make(**S.LIBRARY_DEFAULTS[name])
    assert by_flag.name == by_arguments.name != make().name
    assert by_flag.expected_failed_checks == by_arguments.expected_failed_checks
    assert by_flag.explain.keywords == by_arguments.explain.keywords

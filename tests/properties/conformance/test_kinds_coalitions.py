"""The coalition kinds (shapley, banzhaf, lime_binary): tags, targets, reference designs.

The fast tests run each correct reference design through its battery at one seed and the
permutation-Shapley battery in full; the slow false-alarm experiment runs every design at
40 seeds (0 failures expected: the exact checks have no false alarm, the statistical ones
1e-6 each).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from properties import Explainer, check_explainer
from properties.conformance import Settings
from properties.conformance import coalition_references as R
from properties.conformance.checks_coalitions import case_options, seeded_case
from properties.conformance.checks_coalitions_seeds import global_streams
from properties.conformance.kinds import KINDS
from properties.strategies.battery import local_function
from verify import attribution as A
from verify.validation import InputError

SEEDS = range(1, 41)


def _shapley(explain, name, **tags):
    tags = {"value": "interventional", "efficiency": "exact", "stochastic": True, **tags}
    return Explainer(explain, kind="shapley", name=name, **tags)


def _lime(explain, name, **tags):
    return Explainer(explain, kind="lime_binary", name=name, stochastic=True, **tags)


def designs() -> list[Explainer]:
    """Every correct reference design with what it declares."""
    return [
        _shapley(R.exact_shapley, "exact_shapley", stochastic=False),
        _shapley(R.permutation_shapley, "permutation_shapley"),
        _shapley(R.antithetic_shapley, "antithetic_shapley", antithetic=True),
        _shapley(R.kernel_shap, "kernel_shap_exact_constraints"),
        _shapley(
            R.kernel_shap_penalty(50.0),
            "kernel_shap_penalty_50",
            efficiency="penalty",
            penalty=50.0,
        ),
        Explainer(
            R.exact_banzhaf,
            kind="banzhaf",
            value="interventional",
            stochastic=False,
            name="exact_banzhaf",
        ),
        Explainer(
            R.sampled_banzhaf,
            kind="banzhaf",
            value="interventional",
            stochastic=True,
            name="sampled_banzhaf",
        ),
        _lime(R.binary_lime("uniform"), "lime_uniform", value="interventional", kernel="uniform"),
        _lime(
            R.binary_lime("lfa", 1.0, "binary"),
            "lime_lfa_binary",
            value="interventional",
            kernel="lfa",
            kernel_width=1.0,
        ),
        _lime(
            R.binary_lime("captum", 1.0, "input"),
            "lime_captum_input",
            value="baseline",
            kernel="captum",
            kernel_width=1.0,
            space="input",
        ),
        _lime(
            R.binary_lime("lime", 2.0, "input"),
            "lime_sqrt_input",
            value="baseline",
            kernel="lime",
            kernel_width=2.0,
            space="input",
        ),
        _lime(
            R.binary_lime("cosine", 1.0, "input"),
            "lime_cosine",
            value="baseline",
            kernel="cosine",
            kernel_width=1.0,
            space="input",
        ),
    ]


DESIGNS = designs()
IDS = [e.name for e in DESIGNS]


def _battery(explainer, seed, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return check_explainer(explainer, on_fail=None, seed=seed, **kw)


def test_the_coalition_kinds_are_registered_with_their_tags():
    assert {"shapley", "banzhaf", "lime_binary"} <= set(KINDS)
    e = _shapley(R.kernel_shap_penalty(1e6), "k", efficiency="penalty", penalty=1e6)
    assert e.tags["penalty"] == 1e6 and e.tags["antithetic"] is False
    with pytest.raises(InputError, match="penalty=W"):
        _shapley(R.kernel_shap, "k", efficiency="penalty")
    with pytest.raises(InputError, match="penalty=W"):
        _shapley(R.kernel_shap, "k", penalty=1e6)
    with pytest.raises(InputError, match="value="):
        Explainer(R.exact_shapley, kind="shapley", efficiency="exact", stochastic=False)
    with pytest.raises(InputError, match="kernel_width"):
        _lime(R.binary_lime("lfa"), "l", value="interventional", kernel="lfa")
    with pytest.raises(InputError, match="value='baseline'"):
        _lime(
            R.binary_lime("lfa"),
            "l",
            value="interventional",
            kernel="lfa",
            kernel_width=1.0,
            space="input",
        )
    with pytest.raises(InputError, match="space='input'"):
        _lime(R.binary_lime("cosine"), "l", value="baseline", kernel="cosine", kernel_width=1.0)


def _problem(d, seed=0):
    rng = np.random.default_rng(seed)
    f = local_function(rng, d, 1.0, "rbf")
    return f, rng.uniform(-1.5, 1.5, d), rng.uniform(-1.5, 1.5, (3, d))


@pytest.mark.parametrize("d", [1, 3, 5])
def test_penalty_target_is_the_weighted_fit_over_all_coalitions(d):
    """The finite-penalty target (phi + rho (beta_inf - phi)) equals the weighted least
    squares over all 2^d coalitions with weight W on empty and N and n P(S) on the rest."""
    f, x, rows = _problem(d)
    ref = A.Background(rows)
    masks = R._all_masks(d)
    v = R.game(f, x, ref, masks)
    sizes = masks.sum(axis=1)
    s = np.arange(1, d)
    law = np.zeros(d + 1)
    if d > 1:
        law[1:d] = 1.0 / (s * (d - s))
        law /= law.sum()
    counts = np.array([math.comb(d, k) for k in range(d + 1)], dtype=float)
    for W, n in ((50.0, 10.0), (50.0, 5000.0), (1e6, 1000.0)):
        w = np.where((sizes == 0) | (sizes == d), W, n * law[sizes] / counts[sizes])
        X = np.hstack([np.ones((2**d, 1)), masks])
        beta = np.linalg.lstsq(X * np.sqrt(w)[:, None], v * np.sqrt(w), rcond=None)[0][1:]
        e = _shapley(R.kernel_shap_penalty(W), "k", efficiency="penalty", penalty=W)
        target, _ = e.target(f, x, ref, n)
        np.testing.assert_allclose(target, beta, rtol=1e-9, atol=1e-12)
    # the engine's two ends: weight 0 is the unconstrained limit (d >= 3), a huge one the
    # Shapley value
    if d >= 3:
        limit = A.kernel_shap_limit(f, x, ref, constrained=False).values
        got = A.kernel_shap_penalised(f, x, ref, 0.0).values
        np.testing.assert_allclose(got, limit, rtol=1e-12)
    np.testing.assert_allclose(
        A.kernel_shap_penalised(f, x, ref, 1e12).values,
        A.shapley_values(f, x, ref).values,
        rtol=1e-9,
        atol=1e-12,
    )


@pytest.mark.parametrize("explainer", DESIGNS, ids=IDS)
def test_reference_design_converges_to_its_target(explainer):
    f, x, rows = _problem(4, seed=3)
    ref = A.Baseline(rows[0]) if explainer.tags["value"] == "baseline" else A.Background(rows)
    target, _ = explainer.target(f, x, ref, 20000)
    out = np.mean([explainer(f, x, ref, 20000, k) for k in range(4)], axis=0)
    np.testing.assert_allclose(out, target, atol=5e-3 * max(1.0, np.abs(target).max()))


@pytest.mark.parametrize("explainer", DESIGNS, ids=IDS)
def test_reference_design_passes_its_battery(explainer):
    results = _battery(explainer, seed=0)
    failed = [r.message for r in results if r.status == "failed"]
    assert not failed, failed
    assert all(r.message for r in results if r.status == "skipped")


def test_the_permutation_shapley_battery_passes_or_skips_with_reasons():
    e = _shapley(R.permutation_shapley, "permutation_shapley")
    results = _battery(e, seed=7)
    names = {r.name for r in results}
    assert {
        "check_random_streams",
        "check_background_semantics",
        "check_efficiency",
        "check_coalition_rate",
        "check_attribution_output",
    } <= names
    assert {r.status for r in results} <= {"passed", "skipped"}
    skipped = {r.name: r.message for r in results if r.status == "skipped"}
    assert set(skipped) == {"check_coalition_exactness", "check_antithetic_pairs"}
    assert all(len(m) > 40 for m in skipped.values())
    rate = next(r for r in results if r.name == "check_coalition_rate")
    assert rate.figures["power"]["n_cap"] > 0


def test_the_random_streams_check_restores_the_global_generators():
    np.random.seed(5)  # noqa: NPY002
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002

    def greedy(f, x, reference, n, seed):
        np.random.seed(seed)  # noqa: NPY002
        return R.permutation_shapley(f, x, reference, n, np.random.randint(2**31))  # noqa: NPY002

    e = _shapley(greedy, "greedy")
    (result,) = _battery(e, seed=0, checks=["check_random_streams"])
    assert result.status == "failed" and "numpy's global generator" in result.message
    assert np.random.random() == expected  # noqa: NPY002
    with global_streams() as changed:
        np.random.random()  # noqa: NPY002
    assert changed == ["numpy's global generator (np.random.*)"]


@pytest.mark.slow
@pytest.mark.parametrize("explainer", DESIGNS, ids=IDS)
def test_false_alarms_of_each_design_over_40_seeds(explainer):
    """0 failures in 40 batteries (each check's false alarm <= 1e-6, or none)."""
    failures, runs = [], 0
    for seed in SEEDS:
        for r in _battery(explainer, seed=seed, settings=Settings()):
            runs += r.status != "skipped"
            if r.status == "failed":
                failures.append((seed, r.message[:300]))
    assert not failures, failures
    assert runs >= 40 * 8


def _enumerating_sampler(f, x, reference, n, seed):
    """Permutation sampling that enumerates the 2^d coalitions once n allows, as shap's
    KernelExplainer does: at n >= 2^d (every n the seed and rate checks draw, d <= 6) every
    seed gives the exact value."""
    d = np.asarray(x).size
    if n >= 2**d:
        return R.exact_shapley(f, x, reference, n, seed)
    return R.permutation_shapley(f, x, reference, n, seed)


def _exact_but_biased(f, x, reference, n, seed):
    """The same answer at every seed that is *not* the target: the escape hatch must not
    take it (a fixed sample reused for every seed, shifted off the target)."""
    out = R.exact_shapley(f, x, reference, n, seed)
    return out + 1e-3 * np.abs(out).max()


@pytest.mark.parametrize("seed", range(5))
def test_the_exact_at_n_escape_hatch_takes_exactly_the_exact_answers(seed):
    """The seed and rate checks accept one answer for every seed only when it is the target
    (measured: taken at 5 of 5 seeds for an enumerating sampler, at 0 of 5 for a fixed
    answer off the target)."""
    checks = ["check_random_streams", "check_coalition_rate"]
    tags = {"value": "interventional", "efficiency": "exact", "stochastic": True}
    good = Explainer(_enumerating_sampler, kind="shapley", name="enumerating", **tags)
    for r in check_explainer(good, checks=checks, on_fail=None, seed=seed):
        assert r.status == "passed", r.message
    bad = Explainer(_exact_but_biased, kind="shapley", name="fixed_off_target", **tags)
    (r,) = check_explainer(bad, checks=checks[:1], on_fail=None, seed=seed)
    assert r.status == "failed" and "reused for every seed" in r.message


@pytest.mark.parametrize(
    "check", ["check_coalition_exactness", "check_additive_recovery", "check_efficiency"]
)
def test_the_seeded_problem_is_judged_at_every_seed_whatever_hypothesis_draws(check):
    """Each check judges, besides its drawn problems, one problem made from its seed alone
    (numpy keyed on the seed and the check's name: no Hypothesis draw enters it): weighted
    rows with unequal weights, moved with the seed. A recording explainer sees its x."""
    s = Settings()
    e = _shapley(R.exact_shapley, "exact_shapley", stochastic=False)
    options = case_options(e, s, additive=check == "check_additive_recovery")
    for seed in (0, 1, 2):
        case = seeded_case(seed, check, **options)
        again = seeded_case(seed, check, **options)
        assert case.key() == again.key()
        assert isinstance(case.reference, A.Background) and case.d >= 2
        w = case.reference.weights
        assert w.max() / w.min() == pytest.approx(20.0)
        seen = []

        def recording(f, x, reference, n, k, seen=seen):
            seen.append(np.asarray(x, dtype=float).copy())
            return R.exact_shapley(f, x, reference, n, k)

        recorder = _shapley(recording, "recording", stochastic=False)
        (result,) = _battery(recorder, seed=seed, settings=s, checks=[check])
        assert result.status == "passed", result.message
        assert any(x.shape == case.x.shape and np.array_equal(x, case.x) for x in seen)
    assert seeded_case(1, check, **options).key() != seeded_case(0, check, **options).key()

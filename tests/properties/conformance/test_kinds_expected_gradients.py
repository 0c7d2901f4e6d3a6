"""The expected_gradients kind: tags, target, a correct numpy design and broken ones.

The correct design (:func:`expected_gradients`) is written from the definition: per sample
a row b drawn by its weight and alpha ~ U(0, 1), the mean of (x - b) grad f(b + alpha
(x - b)). The broken designs each make one usual mistake and must fail the check that
names it. Fast tests: the correct designs' batteries at 3 seeds, each broken design's
targeted check at one seed. Slow tests: the false-alarm experiment (each correct design x
40 battery seeds, 0 failures expected: the exact checks have none, the statistical ones
1e-6 each) and the detection table (each broken design at 40 seeds).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from properties import Explainer, check_explainer
from properties.conformance import Settings
from properties.conformance.kinds import KINDS
from properties.strategies.battery import local_function
from verify import attribution as A
from verify.validation import InputError

SEEDS = range(1, 41)


# -- designs ----------------------------------------------------------------------------
def _inputs(f, x, reference, n):
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size != f.dim or not np.all(np.isfinite(x)):
        raise ValueError(f"x must be a finite vector of shape ({f.dim},), got shape {x.shape}")
    if isinstance(reference, A.Baseline):
        rows, w = reference.point[None, :], np.ones(1)
    elif isinstance(reference, A.Background):
        rows, w = reference.rows, reference.weights
    else:
        raise TypeError("reference must be a Baseline or Background")
    if rows.shape[1] != x.size:
        raise ValueError(f"the reference has {rows.shape[1]} features, x has {x.size}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return x, rows, w / w.sum(), int(n)


def _samples(f, x, rows, idx, alpha):
    b = rows[idx]
    return (x - b) * f.gradient(b + alpha[:, None] * (x - b))


def expected_gradients(f, x, reference, n, seed):
    """Correct: a row by its weight and alpha ~ U(0, 1) per sample."""
    x, rows, w, n = _inputs(f, x, reference, n)
    rng = np.random.default_rng(seed)
    idx = rng.choice(rows.shape[0], size=n, p=w)
    return _samples(f, x, rows, idx, rng.random(n)).mean(axis=0)


def uniform_rows(f, x, reference, n, seed):
    """Correct for weighted=False: rows drawn uniformly, unequal weights refused (captum)."""
    _, _, w, _ = _inputs(f, x, reference, n)
    if not np.allclose(w, w[0], rtol=1e-12, atol=0):
        raise ValueError("rows are drawn uniformly: pass equal weights (or repeat rows)")
    return expected_gradients(f, x, reference, n, seed)


def missing_factor(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    rng = np.random.default_rng(seed)
    b = rows[rng.choice(rows.shape[0], size=n, p=w)]
    return f.gradient(b + rng.random(n)[:, None] * (x - b)).mean(axis=0)


def sign_flip(f, x, reference, n, seed):
    return -expected_gradients(f, x, reference, n, seed)


def alpha_half(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    idx = np.random.default_rng(seed).choice(rows.shape[0], size=n, p=w)
    return _samples(f, x, rows, idx, np.full(n, 0.5)).mean(axis=0)


def first_row(f, x, reference, n, seed):
    x, rows, _, n = _inputs(f, x, reference, n)
    return _samples(f, x, rows, np.zeros(n, int), np.random.default_rng(seed).random(n)).mean(0)


def one_alpha(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    rng = np.random.default_rng(seed)
    idx = rng.choice(rows.shape[0], size=n, p=w)
    return _samples(f, x, rows, idx, np.full(n, rng.random())).mean(axis=0)


def one_row_per_call(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    rng = np.random.default_rng(seed)
    idx = np.full(n, rng.choice(rows.shape[0], p=w))
    return _samples(f, x, rows, idx, rng.random(n)).mean(axis=0)


def weights_ignored(f, x, reference, n, seed):
    x, rows, _, n = _inputs(f, x, reference, n)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, rows.shape[0], n)
    return _samples(f, x, rows, idx, rng.random(n)).mean(axis=0)


def mean_row(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    centre = (w @ rows)[None, :]
    alpha = np.random.default_rng(seed).random(n)
    return _samples(f, x, centre, np.zeros(n, int), alpha).mean(axis=0)


def global_generator(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    idx = np.random.choice(rows.shape[0], size=n, p=w)  # noqa: NPY002
    return _samples(f, x, rows, idx, np.random.uniform(0, 1, n)).mean(axis=0)  # noqa: NPY002


def rows_from_global(f, x, reference, n, seed):
    x, rows, w, n = _inputs(f, x, reference, n)
    idx = np.random.choice(rows.shape[0], size=n, p=w)  # noqa: NPY002
    return _samples(f, x, rows, idx, np.random.default_rng(seed).random(n)).mean(axis=0)


def seed_ignored(f, x, reference, n, seed):
    return expected_gradients(f, x, reference, n, 12345)


def five_samples(f, x, reference, n, seed):
    return expected_gradients(f, x, reference, 5, seed)


def _eg(explain, name, **tags):
    return Explainer(explain, kind="expected_gradients", stochastic=True, name=name, **tags)


CORRECT = [
    _eg(expected_gradients, "expected_gradients"),
    _eg(uniform_rows, "uniform_rows", weighted=False),
]
#: (explainer, the check that must fail, a phrase of its message)
BROKEN = [
    (_eg(missing_factor, "missing_factor"), "check_single_row_exactness", "factor missing"),
    (_eg(sign_flip, "sign_flip"), "check_single_row_exactness", "sign flipped"),
    (_eg(alpha_half, "alpha_half"), "check_expected_gradients_unbiased", "midpoint"),
    (_eg(mean_row, "mean_row"), "check_expected_gradients_unbiased", "mean row"),
    (_eg(first_row, "first_row"), "check_row_weights", "always the first row"),
    (_eg(weights_ignored, "weights_ignored"), "check_row_weights", "uniformly whatever"),
    (
        _eg(weights_ignored, "weights_ignored_unrefused", weighted=False),
        "check_row_weights",
        "instead of refusing",
    ),
    (_eg(one_alpha, "one_alpha"), "check_expected_gradients_rate", "one alpha"),
    (_eg(one_row_per_call, "one_row_per_call"), "check_expected_gradients_rate", "one row"),
    (_eg(five_samples, "n_fixed_at_5"), "check_expected_gradients_rate", "n silently capped"),
    (
        _eg(global_generator, "global_generator"),
        "check_attribution_reproducibility",
        "numpy's global generator",
    ),
    (_eg(rows_from_global, "rows_from_global"), "check_row_weights", "the seed does not reach"),
    (_eg(seed_ignored, "seed_ignored"), "check_attribution_seed_sensitivity", "seed argument"),
]
BROKEN_IDS = [e.name for e, _, _ in BROKEN]


def _battery(explainer, seed, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return check_explainer(explainer, on_fail=None, seed=seed, **kw)


def _run(explainer, target, seed=0):
    (result,) = _battery(explainer, seed, checks=[target])
    return result


# -- the kind ---------------------------------------------------------------------------
def test_the_kind_is_registered_with_its_tag_and_target():
    kind = KINDS["expected_gradients"]
    assert kind.signature == "explain(f, x, reference, n, seed)"
    assert _eg(expected_gradients, "e").tags["weighted"] is True
    with pytest.raises(InputError, match="weighted must be True or False"):
        _eg(expected_gradients, "e", weighted="yes")
    with pytest.raises(InputError, match="unknown tag 'rule'"):
        _eg(expected_gradients, "e", rule="gausslegendre")
    names = [c.__name__ for c, _ in kind.checks]
    assert names[-4:] == [
        "check_single_row_exactness",
        "check_row_weights",
        "check_expected_gradients_unbiased",
        "check_expected_gradients_rate",
    ]
    assert "check_attribution_reproducibility" in names


def test_the_target_is_ig_averaged_over_the_rows_with_their_weights():
    rng = np.random.default_rng(4)
    f = local_function(rng, 3, 1.0, "rbf")
    x, rows, w = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, (3, 3)), np.array([1.0, 2.0, 5.0])
    target, _ = _eg(expected_gradients, "e").target(f, x, A.Background(rows, w), 100)
    per_row = [A.integrated_gradients(f, x, A.Baseline(r)).values for r in rows]
    np.testing.assert_allclose(target, (w / w.sum()) @ np.array(per_row), rtol=1e-10)


def test_the_reference_design_converges_to_the_target():
    rng = np.random.default_rng(5)
    f = local_function(rng, 4, 1.0, "sine")
    x, ref = rng.uniform(-1, 1, 4), A.Background(rng.uniform(-1, 1, (3, 4)), [1.0, 2.0, 3.0])
    target, _ = _eg(expected_gradients, "e").target(f, x, ref, 1)
    out = np.mean([expected_gradients(f, x, ref, 50_000, k) for k in range(4)], axis=0)
    np.testing.assert_allclose(out, target, atol=1e-2 * np.abs(target).max())


# -- false alarms -----------------------------------------------------------------------
@pytest.mark.parametrize("explainer", CORRECT, ids=[e.name for e in CORRECT])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_correct_designs_pass_their_battery(explainer, seed):
    results = _battery(explainer, seed)
    assert len(results) == len(KINDS["expected_gradients"].checks)
    failed = [r.message for r in results if r.status == "failed"]
    assert not failed, failed
    assert {r.status for r in results} == {"passed"}
    powers = {r.name: r.figures.get("power") for r in results}
    assert powers["check_expected_gradients_unbiased"]["relative_bias"] < 0.05
    assert powers["check_expected_gradients_rate"]["n_cap"] > 5


@pytest.mark.slow
@pytest.mark.parametrize("explainer", CORRECT, ids=[e.name for e in CORRECT])
def test_false_alarms_of_each_correct_design_over_40_seeds(explainer):
    """0 failures in 40 batteries (each check's false alarm 0 or <= 1e-6)."""
    failures, runs = [], 0
    for seed in SEEDS:
        for r in _battery(explainer, seed, settings=Settings()):
            runs += r.status == "passed"
            if r.status == "failed":
                failures.append((seed, r.name, r.message[:300]))
    assert not failures, failures
    assert runs == 40 * len(KINDS["expected_gradients"].checks)


# -- detection --------------------------------------------------------------------------
def test_the_broken_designs_cover_every_check_of_the_kind_but_output_and_mutation():
    targeted = {check for _, check, _ in BROKEN}
    own = {c.__name__ for c, _ in KINDS["expected_gradients"].checks}
    assert targeted <= own
    assert own - targeted == {
        "check_attribution_output",
        "check_attribution_no_mutation",
        "check_attribution_input_validation",
    }


@pytest.mark.parametrize(("explainer", "target", "phrase"), BROKEN, ids=BROKEN_IDS)
def test_broken_design_fails_its_check_naming_the_cause(explainer, target, phrase):
    result = _run(explainer, target)
    assert result.status == "failed", f"{explainer.name} passed {target}"
    assert phrase in result.message, result.message
    assert "Usual cause:" in result.message and "on the minimal problem found" in result.message


@pytest.mark.slow
@pytest.mark.parametrize(("explainer", "target", "phrase"), BROKEN, ids=BROKEN_IDS)
def test_broken_design_is_caught_at_every_one_of_40_seeds(explainer, target, phrase):
    missed = []
    for seed in SEEDS:
        result = _run(explainer, target, seed)
        if result.status != "failed" or phrase not in result.message:
            missed.append((seed, result.status, result.message[:200]))
    assert not missed, missed

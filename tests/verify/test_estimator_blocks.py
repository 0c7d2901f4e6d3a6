"""The estimators in bounded memory: blocks of perturbed points, the same sample, the same answer.

A call whose n samples per point fit in one block (every call of the suite) runs
the one-block route. Larger calls are evaluated block by block; these tests force
small blocks with ``chunk_size`` and check that

* the answer equals the one-block answer to 1e-12 relative (bit-identity is not
  promised: the sums over samples are reordered, and BLAS and LAPACK round a
  stack of m matrices differently from a stack of fewer);
* the seed means the same sample: the offsets are the generator's draws in the
  order one (m, n, d) draw consumes them, and the generator ends in the same state;
* memory stays bounded: tracemalloc's peak for n = 4e6, d = 10 in blocks of 2**16
  points is under 50 MiB where the one-block route would hold over 600 MiB.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from verify import estimators, functions
from verify.random import random_covariance, random_function
from verify.validation import InputError

FAMILIES = ["polynomial", "rbf", "ridge", "network", "deep_network", "combination"]
# (estimator, keyword arguments): every route through the block code.
CONFIGS = [
    ("smoothgrad", {}),
    ("smoothgrad", {"shared_noise": True}),
    ("clime", {}),
    ("clime", {"shared_noise": True}),
    ("clime", {"ridge": 0.1}),
    ("clime", {"kernel_width": 0.8}),
    ("clime", {"kernel_width": 0.8, "ridge": 0.1, "shared_noise": True}),
]
N = 60


def _run(f, X0, cov, name, options, seed, chunk_size=None, **extra):
    run = getattr(estimators, name)
    if name == "clime":
        options = {**options, "return_intercept": True}
    out = run(f, X0, cov, N, seed, chunk_size=chunk_size, **options, **extra)
    return np.column_stack(out) if name == "clime" else out


def _assert_close(got, reference):
    # 1e-12 relative to the estimate's scale: reordered sums of N terms round by ~N eps.
    scale = np.max(np.abs(reference))
    np.testing.assert_allclose(got, reference, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("name", "options"), CONFIGS)
def test_blocks_give_the_one_block_answer(family, name, options, rng):
    d = 3
    f = random_function(rng, d, family)
    cov = random_covariance(rng, d, condition=100.0, scale=0.5)
    X0 = rng.normal(size=(5, d))
    reference = _run(f, X0, cov, name, options, seed=7)
    # Whole points per block (N, 2N + 1 rows), then one point's samples split
    # (N - 1, 16, 7 and 1 rows per block: the streamed sums).
    for chunk_size in (N, 2 * N + 1, N - 1, 16, 7, 1):
        _assert_close(_run(f, X0, cov, name, options, seed=7, chunk_size=chunk_size), reference)


@pytest.mark.parametrize(("name", "options"), CONFIGS)
def test_blocks_of_given_noise_give_the_same_answer(name, options, rng):
    d = 2
    f = random_function(rng, d, "network")
    cov = random_covariance(rng, d, condition=10.0)
    X0 = rng.normal(size=(4, d))
    shape = (N, d) if options.get("shared_noise") else (4, N, d)
    noise = rng.normal(size=shape) @ np.linalg.cholesky(cov).T
    given = {k: v for k, v in options.items() if k != "shared_noise"}
    run = getattr(estimators, name)
    reference = np.asarray(run(f, X0, cov, None, noise=noise, **given))
    for chunk_size in (N, 13, 1):
        got = run(f, X0, cov, None, noise=noise, chunk_size=chunk_size, **given)
        _assert_close(np.asarray(got), reference)


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("chunk_size", [None, 2 * N, 7])
def test_a_seed_means_the_same_sample_whatever_the_blocks(shared, chunk_size, rng):
    """SmoothGrad of x1^2 is 2 (x0_1 + mean of z_1): it reads the sample's mean exactly.

    The generator passed in ends in the state one draw of the whole sample leaves.
    """
    d, m = 2, 3
    f = functions.Polynomial({(2, 0): 1.0})
    cov = random_covariance(rng, d, condition=5.0)
    X0 = rng.normal(size=(m, d))
    z = estimators.draw_noise(cov, N, seed=11, m=1 if shared else m)
    expected = 2 * (X0[:, 0] + z[..., 0].mean(axis=-1))
    generator = np.random.default_rng(11)
    sg = estimators.smoothgrad(f, X0, cov, N, generator, shared_noise=shared, chunk_size=chunk_size)
    np.testing.assert_allclose(sg[:, 0], expected, rtol=1e-12)
    np.testing.assert_array_equal(sg[:, 1], 0.0)
    after_one_draw = np.random.default_rng(11)
    after_one_draw.standard_normal((1 if shared else m, N, d))
    assert generator.bit_generator.state == after_one_draw.bit_generator.state


def test_kernel_weights_that_grow_late_are_rescaled(rng):
    """The largest kernel weight arrives in the last block: the running sums are rescaled."""
    d = 2
    f = random_function(rng, d, "rbf")
    cov = np.eye(d)
    noise = 1.5 + rng.normal(size=(40, d))  # away from x0: small weights ...
    noise[-1] = 0.01  # ... and the heaviest one last
    one_block = estimators.clime(f, np.zeros(d), cov, None, noise=noise, kernel_width=1.0)
    blocks = estimators.clime(
        f, np.zeros(d), cov, None, noise=noise, kernel_width=1.0, chunk_size=3
    )
    _assert_close(blocks, one_block)


def _peak_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("name", "options"),
    [("smoothgrad", {}), ("clime", {}), ("clime", {"kernel_width": 2.0, "shared_noise": True})],
)
def test_memory_is_bounded_at_four_million_samples(name, options):
    """n = 4e6, d = 10 in blocks of 2**16 points: the one-block route's offsets alone
    (z and u) would take 2 * 4e6 * 10 * 8 bytes = 610 MiB; the blocks need under 50 MiB."""
    n, d, chunk = 4_000_000, 10, 2**16
    f = functions.RidgeFunction(np.linspace(-1.0, 1.0, d), 0.2, "logistic")
    x0, cov = np.zeros(d), 0.25 * np.eye(d)
    run = getattr(estimators, name)
    result: list[np.ndarray] = []
    peak = _peak_bytes(lambda: result.append(run(f, x0, cov, n, 3, chunk_size=chunk, **options)))
    # Memory model: about two (block, 2 d + width) float arrays at once; allow 4.
    bound = 4 * chunk * (2 * d + f.evaluation_width) * 8
    one_block_offsets = 2 * n * d * 8
    assert peak < bound < one_block_offsets / 12, (peak, bound)
    assert np.all(np.isfinite(result[0])) and result[0].shape == (d,)


@pytest.mark.slow
def test_default_blocks_stay_under_one_gibibyte():
    """Default blocks at n = 3e7, d = 10: the one-block route would need 4.5 GiB for z and u."""
    n, d = 30_000_000, 10
    f = functions.Network.random(d, (10,), "elu", seed=0)
    peak = _peak_bytes(lambda: estimators.clime(f, np.zeros(d), 0.25 * np.eye(d), n, 0))
    assert peak < 2**30, peak


@pytest.mark.parametrize("chunk_size", [0, -3, 2.5, True, "64"])
def test_bad_chunk_sizes_are_refused(chunk_size):
    f = functions.RidgeFunction([1.0, 2.0], 0.0, "sin")
    with pytest.raises(InputError, match="chunk_size"):
        estimators.smoothgrad(f, np.zeros(2), np.eye(2), 10, chunk_size=chunk_size)


@pytest.mark.parametrize("estimator", [estimators.smoothgrad, estimators.clime])
@pytest.mark.parametrize("shared", [False, True])
def test_no_points_give_empty_answers(estimator, shared):
    f = functions.RidgeFunction([1.0, 2.0], 0.0, "sin")
    out = estimator(f, np.zeros((0, 2)), np.eye(2), 10, shared_noise=shared)
    assert out.shape == (0, 2)

"""The bound formulas of verify.bounds against independent computations.

Nothing here calls the formula under test to compute its own reference:

* total variation: numerical integration of |p - q| / 2 (adaptive quadrature in
  one dimension, a fine tensor grid in two with a rotated, anisotropic covariance);
* Pinsker: the Kullback-Leibler divergence integrated numerically, then the
  paper's chain ||Delta SG|| <= G int|p - q| = 2 G TV <= 2 G sqrt(KL / 2);
* the sharp Lipschitz constant: attained by f = G |u^T x| (u the eigenvector of
  lambda_min), whose SmoothGrad is computed by one-dimensional quadrature and
  differentiated numerically; never exceeded by random bounded-gradient ridge sums;
* the published constant: exceeded by (M / omega) sin(omega x_1), omega = 1/sigma,
  whose SmoothGrad slope M e^{-1/2} / sigma comes from quadrature;
* the bounded-f C-LIME constant 4 phi(1) B / sigma^2: E|Z^2 - 1| integrated, and the
  slope of C-LIME of B sign(a_1^2 - sigma^2) by quadrature and finite differences;
* Proposition 1: the radius re-derived, the sample size as the smallest n that
  reaches it, and the coverage simulated for gradients on a sphere (d = 20);
* Theorem 3's published threshold re-derived in exact rational arithmetic.

Each test takes a seed (three seeds each), so a deliberately broken formula is
caught at every seed tried (tests/properties/test_mutations.py).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from scipy.integrate import quad, trapezoid
from scipy.stats import binomtest

from verify import bounds

SEEDS = (0, 1, 2)
PHI_1 = float(np.exp(-0.5) / np.sqrt(2 * np.pi))


def _random_cov(rng: np.random.Generator, d: int, condition: float) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    eig = float(rng.uniform(0.2, 2.0)) * condition ** np.linspace(0, 1, d)
    return (q * eig) @ q.T


def _gauss_pdf_1d(t: np.ndarray, mean: float, var: float) -> np.ndarray:
    return np.exp(-0.5 * (t - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)


# -- total variation ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_total_variation_matches_one_dimensional_quadrature(seed):
    rng = np.random.default_rng([11, seed])
    for _ in range(5):
        x, y = rng.normal(scale=2.0, size=2)
        var = float(rng.uniform(0.05, 3.0))

        def integrand(t, x=x, y=y, var=var):
            return abs(_gauss_pdf_1d(t, x, var) - _gauss_pdf_1d(t, y, var))

        lo, hi = min(x, y) - 12 * np.sqrt(var), max(x, y) + 12 * np.sqrt(var)
        # Split at the crossing (x + y) / 2, where |p - q| has its kink.
        mid = (x + y) / 2
        tv = 0.5 * (quad(integrand, lo, mid, epsabs=1e-13)[0] + quad(integrand, mid, hi)[0])
        assert bounds.total_variation_gaussians([x], [y], [[var]]) == pytest.approx(tv, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_total_variation_matches_a_two_dimensional_grid(seed):
    rng = np.random.default_rng([12, seed])
    cov = _random_cov(rng, 2, condition=float(rng.uniform(1, 8)))
    x = rng.normal(size=2)
    y = x + rng.normal(scale=0.8, size=2)
    prec = np.linalg.inv(cov)
    norm = 1 / (2 * np.pi * np.sqrt(np.linalg.det(cov)))
    half = 9 * np.sqrt(np.max(np.linalg.eigvalsh(cov)))
    centre = (x + y) / 2
    g1 = np.linspace(centre[0] - half - 1, centre[0] + half + 1, 1601)
    g2 = np.linspace(centre[1] - half - 1, centre[1] + half + 1, 1601)
    A, B = np.meshgrid(g1, g2, indexing="ij")
    pts = np.stack([A, B], axis=-1)

    def density(mean: np.ndarray) -> np.ndarray:
        u = pts - mean
        return norm * np.exp(-0.5 * np.einsum("...i,ij,...j->...", u, prec, u))

    tv = 0.5 * trapezoid(trapezoid(np.abs(density(x) - density(y)), g2, axis=1), g1)
    assert bounds.total_variation_gaussians(x, y, cov) == pytest.approx(tv, abs=2e-5)


# -- Pinsker --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_pinsker_constant_follows_the_papers_chain_with_the_factor_two_kept(seed):
    rng = np.random.default_rng([13, seed])
    d = int(rng.integers(1, 4))
    cov = _random_cov(rng, d, condition=float(rng.uniform(1, 20)))
    G = float(rng.uniform(0.5, 3.0))
    eig, vec = np.linalg.eigh(cov)
    u, lam = vec[:, 0], float(eig[0])
    r = float(rng.uniform(0.01, 0.3))
    # Along u the two Gaussians differ only in the 1-D marginal N(., lam): KL by quadrature.
    p = lambda t: _gauss_pdf_1d(t, 0.0, lam)  # noqa: E731
    q = lambda t: _gauss_pdf_1d(t, r, lam)  # noqa: E731
    s = 15 * np.sqrt(lam)
    kl = quad(lambda t: p(t) * np.log(p(t) / q(t)), -s, s + r, epsabs=1e-14)[0]
    chain = 2 * G * np.sqrt(kl / 2) / r  # ||Delta SG|| / ||x - y|| <= this (Pinsker step)
    assert bounds.lipschitz_pinsker(G, cov) == pytest.approx(chain, rel=1e-6)
    # Pinsker's inequality itself holds on this pair, and the chain is looser than TV.
    tv = bounds.total_variation_gaussians(np.zeros(d), r * u, cov)
    assert tv <= np.sqrt(kl / 2) + 1e-12
    assert bounds.lipschitz_sharp(G, cov) < bounds.lipschitz_pinsker(G, cov)


# -- the sharp and the published Lipschitz constants ----------------------------------------


def _smoothgrad_abs_along(u_coord: float, lam: float, G: float) -> float:
    """d/du of E[G |u^T a|] at u^T x = u_coord, a ~ N(x, Sigma): E[G sign(s)], s ~ N(u_coord, lam),
    by quadrature of the 1-D density (no normal cdf)."""
    sd = np.sqrt(lam)
    above = quad(lambda t: _gauss_pdf_1d(t, u_coord, lam), 0, u_coord + 40 * sd, epsabs=1e-14)[0]
    below = quad(lambda t: _gauss_pdf_1d(t, u_coord, lam), u_coord - 40 * sd, 0, epsabs=1e-14)[0]
    return G * (above - below)


@pytest.mark.parametrize("seed", SEEDS)
def test_sharp_constant_is_attained_by_an_absolute_value_ridge(seed):
    rng = np.random.default_rng([14, seed])
    # d >= 2 and a condition number >= 2: the smallest eigenvalue is the one that matters.
    d = int(rng.integers(2, 4))
    cov = _random_cov(rng, d, condition=float(rng.uniform(2, 50)))
    G = float(rng.uniform(0.5, 3.0))
    lam = float(np.linalg.eigvalsh(cov)[0])
    h = 1e-4 * np.sqrt(lam)
    slope = (_smoothgrad_abs_along(h, lam, G) - _smoothgrad_abs_along(-h, lam, G)) / (2 * h)
    assert bounds.lipschitz_sharp(G, cov) == pytest.approx(slope, rel=1e-6)
    assert bounds.SQRT_2_OVER_PI == pytest.approx(2 / np.sqrt(2 * np.pi), rel=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_sharp_constant_bounds_random_ridge_sums(seed):
    """sum_k c_k sin(w_k^T x + b_k) with sum |c_k| ||w_k|| <= G: SG in closed form by 1-D
    Gaussian averaging (E sin(s) = sin(m) e^{-v/2}), so every slope is exact."""
    rng = np.random.default_rng([15, seed])
    for _ in range(20):
        d = int(rng.integers(1, 4))
        cov = _random_cov(rng, d, condition=float(rng.uniform(1, 30)))
        k = int(rng.integers(1, 4))
        W = rng.normal(size=(k, d)) * rng.uniform(0.3, 4.0, size=(k, 1))
        b = rng.uniform(-np.pi, np.pi, size=k)
        c = rng.normal(size=k)
        G = float(np.sum(np.abs(c) * np.linalg.norm(W, axis=1)))
        v = np.einsum("ki,ij,kj->k", W, cov, W)

        def sg(x, W=W, b=b, c=c, v=v):
            return (c * np.cos(W @ x + b) * np.exp(-v / 2)) @ W

        x = rng.normal(size=d)
        y = x + rng.normal(scale=0.2, size=d)
        ratio = np.linalg.norm(sg(x) - sg(y)) / np.linalg.norm(x - y)
        assert ratio <= bounds.lipschitz_sharp(G, cov) * (1 + 1e-12)
        assert np.linalg.norm(sg(x) - sg(y)) <= bounds.smoothgrad_difference_bound(G, x, y, cov) * (
            1 + 1e-12
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_modulus_has_the_sharp_constant_as_its_slope_at_zero(seed):
    rng = np.random.default_rng([16, seed])
    d = int(rng.integers(1, 4))
    cov = _random_cov(rng, d, condition=float(rng.uniform(1, 20)))
    G = float(rng.uniform(0.5, 3.0))
    eig, vec = np.linalg.eigh(cov)
    h = 1e-6 * np.sqrt(eig[0])
    modulus = bounds.smoothgrad_difference_bound(G, np.zeros(d), h * vec[:, 0], cov)
    assert modulus / h == pytest.approx(bounds.lipschitz_sharp(G, cov), rel=1e-5)
    # It saturates at 2 G (TV <= 1) far away.
    assert bounds.smoothgrad_difference_bound(G, np.zeros(d), 1e3 * vec[:, 0], cov) == (
        pytest.approx(2 * G)
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_published_constant_is_beaten_by_a_sinusoid(seed):
    rng = np.random.default_rng([17, seed])
    sigma = float(rng.uniform(0.1, 2.0))
    M = float(rng.uniform(0.5, 3.0))
    omega = 1 / sigma

    def sg(x1: float) -> float:  # E[M cos(omega a)], a ~ N(x1, sigma^2), by quadrature
        f = lambda t: M * np.cos(omega * t) * _gauss_pdf_1d(t, x1, sigma**2)  # noqa: E731
        return quad(f, x1 - 40 * sigma, x1 + 40 * sigma, limit=400, epsabs=1e-13)[0]

    x = np.pi / 2 * sigma  # where cos' is steepest
    h = 1e-4 * sigma
    slope = abs(sg(x + h) - sg(x - h)) / (2 * h)
    assert slope == pytest.approx(M * np.exp(-0.5) / sigma, rel=1e-5)
    assert bounds.lipschitz_published(M, sigma) == pytest.approx(M / (2 * sigma), rel=1e-15)
    assert slope > 1.2 * bounds.lipschitz_published(M, sigma)
    assert slope < bounds.lipschitz_sharp(M, np.eye(1) * sigma**2)


# -- bounded f: C-LIME's constant -----------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_bounded_clime_constant_is_attained(seed):
    rng = np.random.default_rng([18, seed])
    sigma = float(rng.uniform(0.2, 2.0))
    B = float(rng.uniform(0.2, 3.0))
    # E|Z^2 - 1| by quadrature is 4 phi(1).
    e_abs = quad(lambda t: abs(t * t - 1) * _gauss_pdf_1d(t, 0, 1), -40, 40, points=[-1, 1])[0]
    assert e_abs == pytest.approx(4 * PHI_1, rel=1e-10)

    # C-LIME_1 of f(a) = B sign(a_1^2 - sigma^2) is sigma^-2 E[z f(x + z)] (1-D in a_1).
    def clime(x1: float) -> float:
        f = lambda t: (t - x1) * B * np.sign(t * t - sigma**2) * _gauss_pdf_1d(t, x1, sigma**2)  # noqa: E731
        edges = sorted([x1 - 40 * sigma, -sigma, sigma, x1 + 40 * sigma])
        return sum(quad(f, a, b, epsabs=1e-14)[0] for a, b in itertools.pairwise(edges)) / sigma**2

    h = 1e-4 * sigma
    slope = (clime(h) - clime(-h)) / (2 * h)
    assert bounds.bounded_clime_lipschitz(B, sigma) == pytest.approx(slope, rel=1e-5)
    # And random bounded step patterns stay below it.
    for _ in range(5):
        cuts = np.sort(rng.uniform(-2, 2, size=3)) * sigma
        signs = rng.choice([-1.0, 1.0], size=4)

        def g(t, cuts=cuts, signs=signs):
            return B * signs[np.searchsorted(cuts, t)]

        def clime_g(x1: float, g=g, cuts=cuts) -> float:
            f = lambda t: (t - x1) * g(t) * _gauss_pdf_1d(t, x1, sigma**2)  # noqa: E731
            edges = sorted([x1 - 40 * sigma, *cuts, x1 + 40 * sigma])
            return sum(quad(f, a, b, epsabs=1e-14)[0] for a, b in itertools.pairwise(edges)) / (
                sigma**2
            )

        x1 = float(rng.uniform(-sigma, sigma))
        local = abs(clime_g(x1 + h) - clime_g(x1 - h)) / (2 * h)
        assert local <= bounds.bounded_clime_lipschitz(B, sigma) * (1 + 1e-6)


# -- Proposition 1 ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_proposition1_radius_and_sample_size_re_derived(seed):
    rng = np.random.default_rng([19, seed])
    for _ in range(20):
        G = float(rng.uniform(0.1, 5.0))
        delta = float(rng.uniform(0.001, 0.9))
        n = int(rng.integers(1, 10_000))
        radius = G / np.sqrt(n) * (1 + np.sqrt(2 * np.log(1 / delta)))
        assert bounds.proposition1_radius(G, n, delta) == pytest.approx(radius, rel=1e-12)
        eps = float(rng.uniform(0.01, 1.0)) * G
        size = bounds.proposition1_sample_size(G, eps, delta)
        # The smallest n whose radius reaches eps.
        assert bounds.proposition1_radius(G, size, delta) <= eps * (1 + 1e-12)
        if size > 1:
            assert bounds.proposition1_radius(G, size - 1, delta) > eps


@pytest.mark.parametrize("seed", SEEDS)
def test_proposition1_radius_covers_simulated_smoothgrad(seed):
    """Gradients uniform on the sphere of radius G in d = 20 (the largest spread a G-bounded
    gradient can have): the exceedance rate is consistent with <= delta (exact binomial test
    at 1e-6), and the radius is not loose by more than the theory's factor."""
    rng = np.random.default_rng([20, seed])
    d, G, reps = 20, 1.0, 2000
    for n, delta in ((10, 0.5), (100, 0.1), (400, 0.01)):
        g = rng.normal(size=(reps, n, d))
        g *= G / np.linalg.norm(g, axis=-1, keepdims=True)
        dist = np.linalg.norm(g.mean(axis=1), axis=-1)  # the truth E[grad f] is 0
        r = bounds.proposition1_radius(G, n, delta)
        exceed = int(np.sum(dist > r))
        assert binomtest(exceed, reps, delta, alternative="greater").pvalue > 1e-6
        # E||SG_n - SG||^2 = tr Cov / n = G^2 / n exactly here: the radius is above sqrt of it.
        assert r > np.sqrt(np.mean(dist**2))


# -- Theorem 3's published threshold --------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_theorem3_published_threshold_re_derived_exactly(seed):
    rng = np.random.default_rng([21, seed])
    for _ in range(20):
        d = int(rng.integers(1, 30))
        delta = Fraction(int(rng.integers(1, 99)), 100)
        eps = Fraction(int(rng.integers(1, 200)), 100)
        x_norm = Fraction(int(rng.integers(1, 500)), 100)
        sigma = Fraction(int(rng.integers(1, 300)), 100)
        C = Fraction(int(rng.integers(1, 20)), 4)
        floor = min(eps * delta**2, eps * delta**3 / x_norm, x_norm, 1 / sigma**2)
        exact = C * d * np.log(d / float(delta)) / float(floor) ** 2
        got = bounds.theorem3_published_sample_size(
            d, float(delta), float(eps), float(x_norm), float(sigma), constant=float(C)
        )
        assert got == pytest.approx(exact, rel=1e-12)


def test_theorem3_published_threshold_trends():
    # It blows up as ||x|| -> 0 (translation-equivariant C-LIME cannot), grows polynomially
    # in 1/delta, and ignores sigma while 1/sigma^2 does not bind.
    base = bounds.theorem3_published_sample_size(5, 0.1, 0.1, 1.0, 0.1)
    assert bounds.theorem3_published_sample_size(5, 0.1, 0.1, 1e-6, 0.1) > 1e3 * base
    assert bounds.theorem3_published_sample_size(5, 0.01, 0.1, 1.0, 0.1) > 1e4 * base
    assert bounds.theorem3_published_sample_size(5, 0.1, 0.1, 1.0, 0.01) == base


def test_bounds_refuse_bad_input():
    from verify.validation import InputError

    with pytest.raises(InputError, match="gradient_bound"):
        bounds.lipschitz_sharp(-1.0, np.eye(2))
    with pytest.raises(InputError, match="delta"):
        bounds.proposition1_radius(1.0, 10, 1.5)
    with pytest.raises(InputError, match="sigma"):
        bounds.bounded_clime_lipschitz(1.0, 0.0)

"""Theorem 1's check in the rare-event regime: a kink several standard deviations away.

There the pilot sample sees the kink a handful of times or never, so the C-LIME
variance is unknown and a CLT band would be a guess (a correct estimator was once
falsified this way). The check then does not assert the C-LIME band, says so, and
still asserts everything else.
"""

from __future__ import annotations

import numpy as np

from properties.theorems import check_theorem1
from properties.theorems.bands import effective_count
from verify import estimators
from verify.functions import Polynomial, RidgeFunction

FAR_KINK = (
    RidgeFunction([0.50390625], -1.0, "relu"),
    np.array([1.3671875]),
    np.array([[0.02458244]]),
)


def test_far_kink_does_not_falsify_a_correct_estimator():
    f, x0, cov = FAR_KINK
    result = check_theorem1(f, x0, cov, n=1000, seed=3532739)
    assert result.status == "verified", result.message
    assert result.bound["clime_band_asserted"] is False
    assert "rare-event" in result.message


def test_far_kink_still_catches_a_broken_smoothgrad():
    f, x0, cov = FAR_KINK

    def biased(f, x0, cov, n, rng):
        return estimators.smoothgrad(f, x0, cov, n, rng) + 0.05  # a 10% G bias

    result = check_theorem1(f, x0, cov, n=1000, seed=1, smoothgrad_estimator=biased)
    assert result.status == "falsified"


def test_affine_functions_keep_the_exact_clime_assertion():
    f = Polynomial({(1, 0): 0.5, (0, 1): -1.0, (0, 0): 2.0})
    assert f.is_affine and RidgeFunction([1.0, 2.0], 0.0, "identity").is_affine
    assert not RidgeFunction([1.0, 2.0], 0.0, "relu").is_affine
    result = check_theorem1(f, np.zeros(2), np.eye(2), n=200, seed=0)
    assert result.bound["clime_band_asserted"] is True

    def no_intercept(f, x0, cov, n, rng):
        z = estimators.draw_noise(cov, n, rng)
        a = x0 + z
        return np.linalg.lstsq(a, f(a), rcond=None)[0]

    broken = check_theorem1(f, np.zeros(2), np.eye(2), n=200, seed=0, clime_estimator=no_intercept)
    assert broken.status == "falsified"


def test_effective_count():
    rng = np.random.default_rng(0)
    assert effective_count(rng.normal(size=(4000, 2))) > 1000
    spike = np.zeros((4000, 2))
    spike[7] = 1.0
    assert effective_count(spike) == 1.0
    assert effective_count(np.zeros((10, 2))) == 0.0

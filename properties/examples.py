"""Fixed example problems in d = 3: a point, a correlated covariance, and functions of
every regularity (smooth, kinked, jumping, affine, a fast sinusoid).

The statement checks' broken-input table, the engine's truth-error tests and the property
benchmarks judge the same problems; a user's own tests can start from them too::

    from properties.examples import COV, SMOOTH, X0
    require(check_theorem1(SMOOTH, X0, COV, n=2000, seed=0))
"""

from __future__ import annotations

import numpy as np

from verify.functions import LinearCombination, RidgeFunction
from verify.random import random_rbf_mixture

__all__ = ["ABS", "AFFINE", "COV", "PROBIT", "SIN", "SMOOTH", "STEP", "X0"]

#: A correlated covariance (condition about 3.6).
COV = np.array([[0.5, 0.2, 0.0], [0.2, 0.4, 0.1], [0.0, 0.1, 0.3]])
#: The point explained.
X0 = np.array([0.3, -0.2, 0.1])
#: Smooth: a sine ridge plus a seeded mixture of three Gaussian bumps.
SMOOTH = LinearCombination(
    [
        (1.0, RidgeFunction([1.2, -0.7, 0.4], 0.3, "sin")),
        (0.8, random_rbf_mixture(np.random.default_rng(3), 3)),
    ]
)
#: Kinked (|w.x|): absolutely continuous, its gradient jumps.
ABS = RidgeFunction([1.0, 0.5, -0.5], 0.0, "abs")
#: A jump (hard label): Stein's identity fails.
STEP = RidgeFunction([1.0, 0.5, -0.5], 0.1, "step")
#: Affine: every explanation is exact.
AFFINE = RidgeFunction([1.0, -2.0, 0.5], 1.5, "identity")
#: Smooth and bounded (a probit ridge).
PROBIT = RidgeFunction([1.0, -2.0, 0.5], 0.4, "probit")
#: A sinusoid with sigma ||w|| ~ 1.7 at a crest of cos(m): its explanation moves fast with
#: the covariance, which is what a mis-scaled covariance or kernel changes.
SIN = RidgeFunction([2.0, -1.5, 1.0], -1.0, "sin")

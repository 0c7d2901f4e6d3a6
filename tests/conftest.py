"""Shared test configuration: Hypothesis profiles and common fixtures.

Profiles (choose with ``--hypothesis-profile NAME``; the default is ``ci`` on
CI and ``dev`` elsewhere):

* ``dev``      quick local feedback, random;
* ``ci``       derandomised (a fixed database-free search), no deadline, few
               examples: the whole default run stays well under 10 minutes;
* ``thorough`` many examples and larger problems, for release checks.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from properties.determinism import pin_local_constants

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True, scope="session")
def _pinned_hypothesis_constants() -> None:
    """Hypothesis also draws literal constants from every *local* module loaded, test files
    included (and caches them on disk), so a derandomised test's examples would change
    whenever a test file is added, a subset is run or the cache appears. Pin an empty pool."""
    pin_local_constants()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)

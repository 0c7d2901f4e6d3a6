"""verify.statistics.detectable_relative_bias against an independent oracle (bisection on
the detection condition itself), over a grammar of truths, standard errors and floors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.statistics import POWER_Z, detectable_relative_bias

positive = st.floats(1e-6, 1e3, allow_nan=False, allow_infinity=False)


def _caught(delta: float, mu: float, se: float, q: float, floor: float) -> bool:
    """Both a (1 + delta) and a (1 - delta) scaled estimate fail w.p. >= 0.99 in this
    component: |delta mu| >= (q + z) (1 +- delta) se + floor."""
    band = (q + POWER_Z) * se
    return delta * mu >= (1 + delta) * band + floor and delta * mu >= (1 - delta) * band + floor


def _oracle(mu: np.ndarray, se: np.ndarray, q: float, floor: np.ndarray) -> float:
    best = math.inf
    for m, s, f in zip(np.abs(mu), se, floor, strict=True):
        hi = 1e12
        if not _caught(hi, m, s, q, f):
            continue  # no bias of any size is seen in this component
        lo = 0.0
        for _ in range(200):  # bisection on a monotone condition
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if _caught(mid, m, s, q, f) else (mid, hi)
        best = min(best, hi)
    return best


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda d: st.tuples(
            st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=d, max_size=d),
            st.lists(positive, min_size=d, max_size=d),
            st.lists(st.floats(0, 10, allow_nan=False), min_size=d, max_size=d),
        )
    ),
    st.floats(0.5, 8),
)
def test_the_stated_bias_is_the_smallest_the_band_catches(arrays, q):
    mu, se, floor = (np.array(a, float) for a in arrays)
    stated = detectable_relative_bias(mu, se, q, floor)
    expected = _oracle(mu, se, q, floor)
    if math.isinf(expected) or expected > 1e11:
        assert stated > 1e11  # nothing (reasonable) is seen
    else:
        assert stated == pytest.approx(expected, rel=1e-9, abs=1e-12)
        # and at the stated size the condition holds in some component
        components = zip(np.abs(mu), se, floor, strict=True)
        assert any(_caught(stated * (1 + 1e-9), m, s, q, f) for m, s, f in components)


def test_a_zero_truth_shows_no_bias():
    assert math.isinf(detectable_relative_bias(np.zeros(3), np.ones(3), 5.0, 0.0))

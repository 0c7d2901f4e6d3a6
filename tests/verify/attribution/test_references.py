"""References are validated once, immutable, and mean what they say (interventional rows)."""

from __future__ import annotations

import numpy as np
import pytest

from verify.attribution import (
    Background,
    Baseline,
    GaussianBackground,
    occlusion,
    shapley_values,
)
from verify.attribution.references import as_reference
from verify.covariance import Covariance
from verify.functions import Polynomial
from verify.validation import InputError


def test_baseline_is_a_read_only_copy():
    b = np.array([1.0, 2.0])
    ref = Baseline(b)
    b[0] = 5.0
    assert ref.point.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        ref.point[0] = 3.0


def test_background_weights_are_normalised_and_default_equal():
    assert np.allclose(Background(np.zeros((4, 2))).weights, 0.25)
    ref = Background(np.zeros((2, 3)), [1.0, 3.0])
    assert ref.weights.tolist() == [0.25, 0.75]
    assert Background(np.zeros(3)).rows.shape == (1, 3)  # one row


@pytest.mark.parametrize(
    ("rows", "weights", "match"),
    [
        (np.zeros((0, 2)), None, "non-empty"),
        (np.zeros((2, 0)), None, "non-empty"),
        (np.zeros((2, 2, 2)), None, "shape"),
        ([[0.0, np.nan]], None, "NaN"),
        ([[0.0, np.inf]], None, "NaN or infinite"),
        (np.zeros((2, 2)), [1.0, -1.0], "non-negative"),
        (np.zeros((2, 2)), [0.0, 0.0], "all zero"),
        (np.zeros((2, 2)), [1.0, 1.0, 1.0], "one entry per row"),
        (np.zeros((2, 2)), [1.0, np.nan], "NaN"),
        ("rows", None, "numeric"),
    ],
)
def test_background_refuses_bad_rows_and_weights(rows, weights, match):
    with pytest.raises(InputError, match=match):
        Background(rows, weights)


@pytest.mark.parametrize(
    ("mean", "cov", "value", "match"),
    [
        ([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], "interventional", "positive definite"),
        ([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], "interventional", "symmetric"),
        ([0.0, 0.0], np.eye(3), "interventional", "3"),
        ([0.0, np.nan], np.eye(2), "interventional", "NaN"),
        ([0.0, 0.0], [[1.0, np.inf], [np.inf, 1.0]], "interventional", "NaN or infinite"),
        ([0.0, 0.0], np.eye(2), "marginal", "interventional' or 'conditional"),
    ],
)
def test_gaussian_background_refuses_bad_input(mean, cov, value, match):
    with pytest.raises(InputError, match=match):
        GaussianBackground(mean, cov, value)


def test_gaussian_background_keeps_a_validated_covariance():
    ref = GaussianBackground([0.0, 1.0], np.diag([1.0, 2.0]))
    assert isinstance(ref.cov, Covariance)
    assert ref.independent
    assert not GaussianBackground([0.0, 1.0], [[1.0, 0.5], [0.5, 1.0]]).independent


def test_as_reference_reads_a_vector_as_a_baseline_and_checks_dimensions():
    assert isinstance(as_reference([1.0, 2.0], 2), Baseline)
    with pytest.raises(InputError, match="ambiguous: wrap background rows"):
        as_reference(np.zeros((3, 2)), 2)
    with pytest.raises(InputError, match="dimension 3 but f has dimension 2"):
        as_reference(Baseline([1.0, 2.0, 3.0]), 2)
    with pytest.raises(InputError, match="dimension 3"):
        as_reference(GaussianBackground(np.zeros(3), np.eye(3)), 2)


def test_background_value_is_the_mean_of_outputs_not_f_at_the_mean_row():
    # f = x1^2: v(empty) = mean of b1^2 = 1 over rows (-1, 1), while f(mean row) = 0.
    f = Polynomial({(2, 0): 1.0})
    rows = np.array([[-1.0, 0.0], [1.0, 0.0]])
    result = shapley_values(f, [2.0, 0.0], Background(rows))
    assert result.reference_value == pytest.approx(1.0)
    assert result.values[0] == pytest.approx(3.0)
    # The mean-row reading (a Baseline at the mean) is a different target: it would give 4.
    assert shapley_values(f, [2.0, 0.0], Baseline([0.0, 0.0])).values[0] == pytest.approx(4.0)


def test_weighted_rows_equal_repeated_rows():
    f = Polynomial({(1, 1): 1.0, (2, 0): -0.5})
    rows = np.array([[0.3, -1.0], [1.5, 2.0]])
    weighted = occlusion(f, [1.0, 2.0], Background(rows, [1.0, 2.0]))
    repeated = occlusion(f, [1.0, 2.0], Background(rows[[0, 1, 1]]))
    assert np.allclose(weighted.values, repeated.values, rtol=1e-14, atol=1e-14)

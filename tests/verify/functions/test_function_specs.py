"""Functions as data: ``to_spec()`` / ``from_spec()`` round trips through JSON, bit for bit.

Every family of :mod:`properties.strategies.families` (and translations and multiples of
them) is written to a spec, through ``json.dumps``/``json.loads``, read back, and both
functions are evaluated at the same drawn points: values and gradients must agree in
every bit, and the rebuilt function's spec must be the same JSON text. Malformed specs
are refused with a message that names the field.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.strategies.families import functions, networks, polynomials
from properties.strategies.matrices import bounded_floats
from verify import functions as F
from verify.validation import InputError


@st.composite
def _any_function(draw: st.DrawFn) -> tuple[F.Function, np.ndarray]:
    dim = draw(st.integers(1, 3))
    base = st.one_of(
        functions(dim),
        networks(dim, output="sigmoid", activations=("sigmoid", "elu")),
        polynomials(dim, max_degree=4),
    )
    f = draw(base)
    wrap = draw(st.sampled_from(["none", "translated", "multiple", "both"]))
    if wrap in ("translated", "both"):
        f = F.Translated(f, draw(hnp.arrays(np.float64, (dim,), elements=bounded_floats(-3, 3))))
    if wrap in ("multiple", "both"):
        f = draw(bounded_floats(-4, 4)) * f
    X = draw(
        hnp.arrays(np.float64, (draw(st.integers(1, 6)), dim), elements=bounded_floats(-5.0, 5.0))
    )
    return f, X


def _json_round_trip(f: F.Function) -> tuple[dict, F.Function]:
    spec = f.to_spec()
    text = json.dumps(spec, allow_nan=False)
    return spec, F.from_spec(json.loads(text))


def _same_bits(f: F.Function, g: F.Function, X: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        return (
            f(X).tobytes() == g(X).tobytes() and f.gradient(X).tobytes() == g.gradient(X).tobytes()
        )


@settings(max_examples=60)
@given(_any_function())
def test_spec_round_trip_is_bit_identical(case):
    f, X = case
    spec, g = _json_round_trip(f)
    assert spec["family"] == f.family and spec["version"] == F.SPEC_VERSION
    assert type(g) is type(f) and g.dim == f.dim
    assert json.dumps(g.to_spec()) == json.dumps(spec)
    assert _same_bits(f, g, X)


def test_the_bit_comparison_bites_on_a_spec_written_with_15_digits():
    # A writer that keeps 15 significant digits (as "%.15g" would) loses the last bits:
    # the comparison above must see it.
    f = F.RidgeFunction([0.1 + 2**-56, np.pi], np.e, "logistic")
    spec = json.loads(json.dumps(f.to_spec()))
    spec["w"] = [float(f"{w:.15g}") for w in spec["w"]]
    X = np.random.default_rng(0).normal(size=(50, 2))
    assert not _same_bits(f, F.from_spec(spec), X)
    assert _same_bits(f, _json_round_trip(f)[1], X)


def test_every_family_is_registered_and_round_trips(rng):
    from verify.random import random_function

    seen = set()
    for family in ("polynomial", "rbf", "ridge", "network", "sigmoid_network", "combination"):
        f = random_function(rng, 2, family)
        seen.add(type(f).family)
        spec, g = _json_round_trip(F.Translated(f, [0.5, -1.0]))
        X = rng.normal(size=(9, 2))
        assert g(X).tobytes() == F.Translated(f, [0.5, -1.0])(X).tobytes()
        assert spec["function"]["family"] == type(f).family
    assert seen | {"translated"} == set(F.Function.spec_families)


def test_a_spec_is_plain_json_data():
    f = 2.0 * F.RidgeFunction([0.1, 0.2], 0.3, "sigmoid") - F.Polynomial({(1, 2): -0.0})
    spec = f.to_spec()
    assert spec == {
        "family": "combination",
        "version": 1,
        "terms": [
            [2.0, {"family": "ridge", "version": 1, "w": [0.1, 0.2], "b": 0.3, "link": "logistic"}],
            [-1.0, {"family": "polynomial", "version": 1, "terms": [[[1, 2], 0.0]]}],
        ],
    }


def test_a_network_keeps_its_activation_name():
    f = F.Network.random(2, hidden=(3, 2), activation="sigmoid", output="sigmoid", seed=1)
    spec, g = _json_round_trip(f)
    assert spec["activation"] == "sigmoid" and g.activation_name == "sigmoid"


RIDGE = {"family": "ridge", "version": 1, "w": [1.0, 2.0], "b": 0.0, "link": "tanh"}

BAD_SPECS = {
    "not a dict": ("ridge", "must be a dict"),
    "no family": ({"version": 1}, "spec['family'] is None"),
    "misspelt family": ({**RIDGE, "family": "rigde"}, "did you mean 'ridge'"),
    "no version": ({k: v for k, v in RIDGE.items() if k != "version"}, "spec['version']"),
    "future version": ({**RIDGE, "version": 2}, "version 1"),
    "boolean version": ({**RIDGE, "version": True}, "spec['version']"),
    "missing field": ({k: v for k, v in RIDGE.items() if k != "b"}, "lacks the field(s) ['b']"),
    "unknown field": ({**RIDGE, "bias": 1.0}, "unknown field(s) ['bias']"),
    "text weight": ({**RIDGE, "w": ["a", 1.0]}, "spec['w']"),
    "NaN weight": ({**RIDGE, "w": [float("nan"), 1.0]}, "spec['w']"),
    "text offset": ({**RIDGE, "b": "0.5"}, "spec['b']: expected a number"),
    "unknown link": ({**RIDGE, "link": "sigmoidd"}, "spec['link']: unknown link"),
    "link not text": ({**RIDGE, "link": 3}, "spec['link']"),
    "polynomial term not a pair": (
        {"family": "polynomial", "version": 1, "terms": [[1, 2, 3]]},
        "spec['terms']: term 0 must be a pair",
    ),
    "fractional exponent": (
        {"family": "polynomial", "version": 1, "terms": [[[1.5], 1.0]]},
        "spec['terms']",
    ),
    "repeated exponents": (
        {"family": "polynomial", "version": 1, "terms": [[[1], 1.0], [[1], 2.0]]},
        "repeats the exponents [1]",
    ),
    "network shapes": (
        {
            "family": "network",
            "version": 1,
            "weights": [[[1.0, 2.0]], [[1.0, 1.0]]],
            "biases": [[0.0], [0.0]],
            "activation": "tanh",
            "output": "identity",
        },
        "spec of family 'network': layer 1",
    ),
    "network activation": (
        {
            "family": "network",
            "version": 1,
            "weights": [[[1.0, 2.0]], [[1.0]]],
            "biases": [[0.0], [0.0]],
            "activation": "gelu",
            "output": "identity",
        },
        "unknown activation 'gelu'",
    ),
    "nested bad term": (
        {
            "family": "combination",
            "version": 1,
            "terms": [[1.0, RIDGE], [2.0, {**RIDGE, "w": "x"}]],
        },
        "spec['terms'][1][1]['w']: w must be a numeric array",
    ),
    "nested coefficient": (
        {"family": "combination", "version": 1, "terms": [["2", RIDGE]]},
        "spec['terms'][0]['c']: expected a number",
    ),
    "translated shift length": (
        {"family": "translated", "version": 1, "function": RIDGE, "shift": [1.0]},
        "spec['shift']: shift must have shape (2,)",
    ),
    "translated inner spec": (
        {"family": "translated", "version": 1, "function": {**RIDGE, "link": "x"}, "shift": [0, 0]},
        "spec['function']['link']",
    ),
}


@pytest.mark.parametrize("name", list(BAD_SPECS))
def test_malformed_specs_name_the_field(name):
    spec, message = BAD_SPECS[name]
    with pytest.raises(InputError) as info:
        F.from_spec(spec)
    assert message in str(info.value), str(info.value)


def test_a_family_without_a_spec_says_how_to_add_one():
    class Cubic(F.RidgeFunction):  # a subclass is not its parent family
        pass

    with pytest.raises(NotImplementedError, match="family and spec_fields"):
        Cubic([1.0]).to_spec()

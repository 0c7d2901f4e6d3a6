"""The class a proof covers, as data: built, validated and required of every proof."""

from __future__ import annotations

import pytest
import sympy as sp

from verify.symbolic.classes import SCOPE_KEYS, class_scope, free_parameters
from verify.symbolic.proofs.common import described_scope, run_proof

X, A, B = sp.symbols("x a b", real=True)


def test_a_scope_has_fixed_keys_sorted_lists_and_counts_free_parameters():
    scope = class_scope(
        "ridge functions",
        d=[2, 1, 2],
        links=["sin", "exp", "sin"],
        variables=[X],
        function=A * sp.sin(X),
        mean=sp.Matrix([B]),
        covariance=sp.Matrix([[2]]),
    )
    assert tuple(scope) == SCOPE_KEYS
    assert scope["d"] == [1, 2] and scope["links"] == ["exp", "sin"]
    assert scope["symbolic"] == ["function", "mean"]  # the numeric covariance is not
    assert scope["parameters"] == 2 and scope["instance"] is False
    assert free_parameters([{"a": A * X}, [B, (X,)]], [X]) == {A, B}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"family": "splines", "d": 1}, "unknown family 'splines'"),
        ({"family": None, "d": 0}, "d must be a positive integer"),
        ({"family": None, "d": []}, "d must be a positive integer"),
        ({"family": "polynomials", "d": 1, "k": -1}, "k must be a non-negative integer"),
        ({"family": None, "d": 1, "parameters": -2}, "parameters must be a non-negative"),
    ],
)
def test_a_malformed_scope_is_refused_by_name(kwargs, message):
    family = kwargs.pop("family")
    with pytest.raises(ValueError, match=message):
        class_scope(family, **kwargs)


def test_what_a_caller_says_is_completed_from_the_input_and_unknown_keys_refused():
    own = described_scope(None, d=1, variables=[X], function=A * X)
    assert own["family"] is None and own["instance"] is True and own["symbolic"] == ["function"]
    said = described_scope({"family": "polynomials", "k": 1}, d=1, variables=[X], function=X)
    assert said["instance"] is False and said["k"] == 1 and said["parameters"] == 0
    with pytest.raises(ValueError, match="scope= takes the keys"):
        described_scope({"links": ["sin"], "colour": "red"}, d=1)


def test_every_proof_must_give_its_scope():
    def body() -> dict:
        return {"status": "proved", "method": "nothing to do"}

    args = ("theorem1", "statement", "class", (), None, body)
    with pytest.raises(TypeError, match="scope"):
        run_proof(*args)  # a keyword without a default: no proof can forget it
    with pytest.raises(ValueError, match="scope must be made by class_scope"):
        run_proof(*args, scope={"family": None})
    rec = run_proof(*args, scope=class_scope(None, d=1))
    assert rec.status == "proved" and rec.scope == class_scope(None, d=1)

"""The kinds registry: every kind module registered once, a second kind of one name refused,
and Explainer reading the registry without importing any check."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from properties.conformance.kinds import KINDS, register
from properties.conformance.kinds.registry import KINDS as REGISTRY


def test_the_package_and_the_registry_are_one_table():
    assert KINDS is REGISTRY
    assert list(KINDS)[:2] == ["gradient", "perturbation"] and "expected_gradients" in KINDS


def test_registering_a_kind_again_is_a_no_op_and_another_of_its_name_is_refused():
    kind = KINDS["occlusion"]
    register(kind)  # the same object: nothing changes
    assert KINDS["occlusion"] is kind
    with pytest.raises(ValueError, match="'occlusion' is registered twice"):
        register(dataclasses.replace(kind, help="another occlusion"))
    assert KINDS["occlusion"] is kind


def test_explainer_imports_no_check_module():
    """explainer.py reads kinds/registry.py and kinds/noise_tags.py only: the checks (which
    name Explainer in their signatures) are imported by the kinds package, not by it."""
    source = open(sys.modules["properties.conformance.explainer"].__file__).read()
    assert "from .kinds.registry import" in source and "from .kinds import" not in source
    assert "checks_" not in source.split('"""', 2)[2].split("\n\n\n", 1)[0]
    # and importing it in a fresh interpreter fills the registry all the same
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from properties.conformance.explainer import Explainer; "
            "from properties.conformance.kinds.registry import KINDS; print(len(KINDS))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout) == len(KINDS)

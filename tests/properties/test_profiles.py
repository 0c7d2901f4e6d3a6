"""One table of profiles: every number a profile sets in properties is read from it."""

from __future__ import annotations

import dataclasses

import pytest

from properties import profiles
from properties.conformance.runner import Settings
from properties.suite import EXAMPLES
from properties.theorems.theorem2_search import THEOREM2_PUBLISHED


def test_every_consumer_reads_its_column_of_the_table():
    assert profiles.NAMES == ("dev", "ci", "thorough")
    for name in profiles.NAMES:
        row = profiles.profile(name)
        settings = Settings.for_profile(name)
        for field, value in row.battery.items():
            assert getattr(settings, field) == value
        untouched = {f.name for f in dataclasses.fields(Settings)} - set(row.battery)
        for field in untouched - {"n_large"}:  # n_large follows n_rate
            assert getattr(settings, field) == getattr(Settings(), field)
        assert EXAMPLES[name] == row.property_examples
        assert THEOREM2_PUBLISHED.search_examples[name] == row.counterexample_search
    assert Settings.for_profile(profiles.DEFAULT) == Settings()


def test_an_unknown_profile_is_refused_with_the_names():
    with pytest.raises(ValueError, match="use one of dev, ci, thorough"):
        profiles.profile("fast")
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        Settings.for_profile("fast")

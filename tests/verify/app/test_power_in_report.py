"""A verified property states what it could have seen (its power), in the scope and the report."""

from __future__ import annotations

from verify.app.report.views import power_phrase
from verify.app.scope import _verified_entry

POWER = {
    "smoothgrad": {
        "problems": 20,
        "relative_bias": 0.0134,
        "median": 13.7,
        "caught": {"0.01": 0, "0.03": 4, "0.1": 5},
    },
    "clime": {"problems": 20, "relative_bias": None, "median": None, "caught": {}},
    "n": [1000, 1000],
}


def test_the_phrase_names_each_estimator_its_figure_and_the_problems_that_catch_3_percent():
    text = power_phrase(POWER)
    assert text.startswith("power: ")
    assert "a SmoothGrad off by 1.3 % or more would have been falsified" in text
    assert "probability >= 0.99 (a 3 % bias alone on 4 of 20 problems)" in text
    assert "no relative bias of C-LIME was visible on any problem" in text
    assert power_phrase(None) == "" and power_phrase({}) == ""


def test_the_scope_entry_carries_the_record_power():
    record = {
        "id": "properties/theorem1",
        "title": "theorem1 on 20 generated inputs",
        "examples": 20,
        "events": {},
        "false_alarm": 2e-5,
        "figures": {"coverage": None, "power": POWER},
    }
    assert _verified_entry(record)["power"] == POWER
    assert _verified_entry({**record, "figures": {}})["power"] is None

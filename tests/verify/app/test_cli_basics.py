"""Small promises of the command line: its version, a shadowed package, the input helper, the
one table of cell words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import verify
from verify.app.cli import main
from verify.functions import RidgeFunction
from verify.status import CONFORMANCE_STATUSES, ERROR, XPASS
from verify.validation import InputError, explainer_inputs

ROOT = Path(verify.__file__).resolve().parents[1]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"xai-verify {verify.__version__}"


def test_a_properties_module_that_shadows_the_testing_library_is_named(tmp_path):
    """A properties.py in the folder a user runs from (or another distribution named
    'properties') must not turn into an obscure ImportError deep in a run."""
    (tmp_path / "properties.py").write_text("x = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "verify.app.cli", "compare", "a", "b"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert str(tmp_path / "properties.py") in proc.stderr
    assert "shadows xai-verify's testing library" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- the input validation users can call ------------------------------------------------------

F = RidgeFunction([1.0, -0.5], 0.1, "probit")
GOOD = (F, [0.1, 0.2], [[1.0, 0.2], [0.2, 0.5]], 100, 3)


def test_explainer_inputs_returns_float_copies_and_ints():
    x0, cov, n, seed = explainer_inputs(*GOOD)
    assert x0.dtype == cov.dtype == np.float64 and x0.shape == (2,) and cov.shape == (2, 2)
    assert (n, seed) == (100, 3) and type(n) is int and type(seed) is int


@pytest.mark.parametrize(
    ("where", "bad", "words"),
    [
        (1, [0.1, np.nan], "x0"),
        (1, [0.1, 0.2, 0.3], "x0"),
        (2, [[1.0, 0.3], [0.2, 0.5]], "symmetric"),
        (2, [[1.0, 0.0], [0.0, -0.5]], "positive definite"),
        (2, [[1.0, np.nan], [np.nan, 0.5]], "cov"),
        (2, np.eye(3), "cov"),
        (3, 0, "n"),
        (3, 2.5, "n"),
        (4, -1, "seed"),
        (0, "not a function", "Function"),
    ],
    ids=[
        "nan-x0",
        "x0-shape",
        "asymmetric",
        "not-pd",
        "nan-cov",
        "cov-shape",
        "n-0",
        "n-float",
        "seed",
        "f",
    ],
)
def test_explainer_inputs_refuses_what_the_battery_sends(where, bad, words):
    """The bad inputs of check_input_validation, each refused with a ValueError naming it."""
    args = list(GOOD)
    args[where] = bad
    with pytest.raises(InputError, match=words) as exc:
        explainer_inputs(*args)
    assert isinstance(exc.value, ValueError)


# -- one table of cell words ---------------------------------------------------------------------


def test_the_matrix_and_the_ecosystem_share_one_table_of_cell_words():
    from verify.app.report import ecosystem, views

    words = views.CELL_WORDS
    assert set(words) == {*CONFORMANCE_STATUSES, XPASS, ERROR}
    assert not hasattr(ecosystem, "WORDS")  # no second table
    record = {"status": XPASS, "title": "check_rate", "message": "", "figures": {}, "seed": 0}
    results = {
        "profile": "dev",
        "seed": 0,
        "figures": {},
        "records": [
            {
                **record,
                "id": "conformance/x/check_rate",
                "source": "conformance",
                "explainer": "x",
                "statement": None,
                "counterexample": None,
                "elapsed_seconds": 0.0,
                "figures": {"library": "lib", "configuration": "closed form"},
            }
        ],
    }
    assert f"{words[XPASS]} rate" in ecosystem.ecosystem_text(results)
    from verify.app.report.render import render_markdown

    matrix = render_markdown(
        {
            **results,
            "run_id": "r",
            "complete": True,
            "statements": [],
            "elapsed_seconds": 0.0,
            "command": "c",
            "tasks": [],
            "environment": {"python": "3", "platform": "p"},
        }
    )
    assert f"| `x` | {words[XPASS]} |" in matrix

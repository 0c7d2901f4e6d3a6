"""One full `verify run` shared by the report tests (it is the expensive part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verify.app.cli import main


@pytest.fixture(scope="session")
def full_run(tmp_path_factory) -> tuple[int, Path]:
    """The README's main command, `verify run`, with the default profile and seed."""
    out = tmp_path_factory.mktemp("full") / "run"
    code = main(["run", "--output", str(out), "--quiet"])
    return code, out

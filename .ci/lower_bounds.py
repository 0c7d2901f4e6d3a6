"""Print pip constraints pinning every dependency to the lowest version pyproject.toml allows.

Read from pyproject.toml itself (the core dependencies and the ``test`` extra), so the
bounds live in one place. CI installs with ``-c`` these constraints and runs the tests.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def lower_bounds(extras: tuple[str, ...] = ("test",)) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in extras:
        specs += project["optional-dependencies"][extra]
    pins = []
    for spec in specs:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)\s*", spec)
        if match is None:
            raise SystemExit(f"{spec!r}: every dependency needs a plain lower bound (name>=x.y)")
        pins.append(f"{match.group(1)}=={match.group(3)}")
    return pins


if __name__ == "__main__":
    sys.stdout.write("\n".join(lower_bounds()) + "\n")

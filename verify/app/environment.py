"""What a run ran on: package versions, platform, git commit."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["environment"]

_PACKAGES = (
    "xai-verify",
    "numpy",
    "scipy",
    "sympy",
    "hypothesis",
    "matplotlib",
    "pytest",
    "torch",
    "captum",
    "lime",
    "scikit-learn",
    "dask",
    "distributed",
)


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment() -> dict:
    """Versions of every relevant package that is installed (absent ones are omitted)."""
    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
        "git_commit": _git_commit(),
    }

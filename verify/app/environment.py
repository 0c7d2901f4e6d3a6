"""What a run ran on: package versions, platform, git commit."""

from __future__ import annotations

import importlib.util
import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["environment", "shadowed_packages"]

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
    from verify import __version__

    return {
        "xai_verify": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
        "git_commit": _git_commit(),
    }


def shadowed_packages() -> str | None:
    """Why ``properties`` is not xai-verify's testing library, if it is not (else None).

    ``verify`` and ``properties`` are also the names of unrelated distributions on the
    package index, and a ``properties.py`` in the folder a command runs from comes first
    on sys.path: either would shadow the testing library that ships next to ``verify``.
    """
    root = Path(__file__).resolve().parents[2]
    try:
        spec = importlib.util.find_spec("properties")
    except (ImportError, ValueError):
        spec = None
    origin = Path(spec.origin).resolve() if spec is not None and spec.origin else None
    if origin is not None and origin == root / "properties" / "__init__.py":
        return None
    where = f"from {origin}" if origin is not None else "nowhere (it is not importable)"
    return (
        f"the module 'properties' comes {where}, not from xai-verify ({root / 'properties'}): "
        "another package or a properties.py in this folder shadows xai-verify's testing "
        "library. Rename the local file, or uninstall the other distribution (pip uninstall "
        "properties) and reinstall xai-verify (pip install -e .)"
    )

"""Names that moved keep working for a release, with a DeprecationWarning saying where to.

A module that lost names sets ``__getattr__ = moved_names(__name__, {...})``; the
mapping gives, for each old name, ``"new.module"`` (same name there) or
``"new.module:new_name"``.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["moved_names"]


def moved_names(
    module: str, moved: Mapping[str, str], *, stacklevel: int = 2
) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` that forwards moved names with a DeprecationWarning.

    ``stacklevel`` 3 when the returned function is called from another ``__getattr__``.
    """

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        target, _, new_name = moved[name].partition(":")
        new_name = new_name or name
        warnings.warn(
            f"{module}.{name} is deprecated: use {target}.{new_name} (the old name goes in 0.3)",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return getattr(importlib.import_module(target), new_name)

    return __getattr__

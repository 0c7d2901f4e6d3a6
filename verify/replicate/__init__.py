"""Deprecated: the replication moved to :mod:`verify.app.replicate` (this alias goes in 0.3)."""

from __future__ import annotations

from verify.deprecation import moved_names

_NAMES = ("claims", "data", "estimates", "experiments", "plots", "tasks", "train", "uci")
__getattr__ = moved_names(
    __name__, dict.fromkeys((*_NAMES, "FIGURES", "replication_tasks"), "verify.app.replicate")
)

"""Deprecated: the command line moved to :mod:`verify.app.cli` (this alias goes in 0.3)."""

from __future__ import annotations

from verify.deprecation import moved_names

__getattr__ = moved_names(__name__, {"main": "verify.app.cli", "build_parser": "verify.app.cli"})

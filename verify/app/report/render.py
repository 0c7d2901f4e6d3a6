"""Markdown and self-contained HTML views of a ``results.json`` run.

The two renderings share their data preparation (:mod:`.views`); this module is
the one import the rest of the application uses.
"""

from __future__ import annotations

from .html import render_html
from .markdown import render_markdown

__all__ = ["render_html", "render_markdown"]

"""The benchmarks' recorder of explainer calls: a battery's calls, then the same calls made
directly (the naive route a battery's overhead is measured against)."""

from __future__ import annotations

import time
from typing import Any

from properties import Explainer

__all__ = ["Recorder"]


class Recorder:
    """Wraps an explainer: records every call's arguments and the seconds spent inside."""

    def __init__(self, explainer: Explainer):
        self.inner = explainer
        self.calls: list[tuple[Any, ...]] = []
        self.seconds = 0.0
        self.explainer = Explainer(self, **explainer.tags)

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.inner(*args)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls.append(args)

    def replay(self) -> float:
        """The naive route: the same calls, made directly; seconds."""
        start = time.perf_counter()
        for args in self.calls:
            try:
                self.inner(*args)
            except (ValueError, TypeError):
                pass  # the bad inputs of the input-validation checks
        return time.perf_counter() - start

"""The two matplotlib steps every figure of the report shares: new axes, PNG bytes."""

from __future__ import annotations

import io
from typing import Any

__all__ = ["new_axes", "png"]


def new_axes(ncols: int = 1, width: float = 6.0, height: float = 4.2) -> tuple[Any, Any, list]:
    """(pyplot, figure, [axes]) on the Agg backend (no display on CI machines)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), dpi=110, squeeze=False)
    return plt, fig, list(axes[0])


def png(plt: Any, fig: Any) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()

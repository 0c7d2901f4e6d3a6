"""``verify replicate``: the paper's Section 6 experiments, with ground truth and theory.

Submodules, each with one job:

* :mod:`~verify.app.replicate.data`        simulated, breast-cancer and wine data sets;
* :mod:`~verify.app.replicate.uci`         the paper's UCI files from a user-given path;
* :mod:`~verify.app.replicate.train`       the paper's 10-10 ELU network in numpy (Adam);
* :mod:`~verify.app.replicate.estimates`   SmoothGrad_n / C-LIME_n for a grid of n in one pass;
* :mod:`~verify.app.replicate.groups`      means over test points, group standard errors, ratios;
* :mod:`~verify.app.replicate.theory`      the CLT variance terms on the figures' axes;
* :mod:`~verify.app.replicate.experiments` Figures 2-5, ground truth and theory per data set;
* :mod:`~verify.app.replicate.sweep`       the saturation claim's sigma swept;
* :mod:`~verify.app.replicate.claims`      the paper's claims judged on the measurements;
* :mod:`~verify.app.replicate.plots`       matplotlib renderers (``FIGURES`` registry);
* :mod:`~verify.app.replicate.tasks`       ``verify run`` tasks and :func:`replication_tasks`.

Submodules load on first access, so ``import verify.app.replicate`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = (
    "claims",
    "data",
    "estimates",
    "experiments",
    "groups",
    "plots",
    "sweep",
    "tasks",
    "theory",
    "train",
    "uci",
)
__all__ = [*_SUBMODULES, "FIGURES", "replication_tasks"]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "FIGURES":
        return importlib.import_module(f"{__name__}.plots").FIGURES
    if name == "replication_tasks":
        return importlib.import_module(f"{__name__}.tasks").replication_tasks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

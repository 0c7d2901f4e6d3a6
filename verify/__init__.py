"""xai-verify's exact engine.

Submodules, each with one job:

* :mod:`verify.functions`   test-function families with exact gradients;
* :mod:`verify.closed_form` exact (or quadrature, flagged) explanations under
  x ~ N(x0, cov): E f, E[grad f], Cov(x, f), C-LIME, ridge and kernel LIME;
* :mod:`verify.estimators`  the reference empirical SmoothGrad and C-LIME;
* :mod:`verify.bounds`      the paper's bounds, corrected where MATH.md says so;
* :mod:`verify.symbolic`    exact SymPy proofs of the identities.

Submodules load on first access, so ``import verify`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "bounds",
    "closed_form",
    "estimators",
    "functions",
    "links",
    "quadrature",
    "random",
    "statistics",
    "symbolic",
    "validation",
)
__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

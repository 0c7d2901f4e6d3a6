"""xai-verify's exact engine (the bottom layer), with the application in :mod:`verify.app`.

The engine, each module with one job:

* :mod:`verify.catalogue`   the statements the suite judges (ids, wording, registrations);
* :mod:`verify.status`      the one status vocabulary and the merge rule;
* :mod:`verify.functions`   test-function families, one module each (``base`` is the protocol);
* :mod:`verify.closed_form` exact (or quadrature, flagged) explanations under
  x ~ N(x0, cov): E f, E[grad f], Cov(x, f), C-LIME, ridge and kernel LIME;
* :mod:`verify.covariance`  the covariance value object (validated and factorised once);
* :mod:`verify.estimators`  the reference empirical SmoothGrad and C-LIME (their
  perturbations block by block in :mod:`verify.offsets`);
* :mod:`verify.asymptotics` the sandwich variance and influence values of C-LIME;
* :mod:`verify.bounds`      the paper's bounds, as published and as corrected;
* :mod:`verify.symbolic`    exact SymPy proofs (:mod:`verify.symbolic.proofs`);
* :mod:`verify.quadrature`, :mod:`verify.links`, :mod:`verify.moments`,
  :mod:`verify.statistics`, :mod:`verify.validation`, :mod:`verify.deadline`,
  :mod:`verify.jsonable`, :mod:`verify.random`: the parts they share.

The testing library (:mod:`properties`) builds on the engine; the application
(:mod:`verify.app`: runs, reports, replication, the ``verify`` command) builds on
both. Submodules load on first access, so ``import verify`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "asymptotics",
    "attribution",
    "bounds",
    "catalogue",
    "closed_form",
    "covariance",
    "deadline",
    "estimators",
    "functions",
    "jsonable",
    "links",
    "moments",
    "offsets",
    "quadrature",
    "random",
    "statistics",
    "status",
    "symbolic",
    "validation",
)
__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

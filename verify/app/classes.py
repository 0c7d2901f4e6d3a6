"""The function class a symbolic proof covers, as data: family, d, k, link.

A proof record (:class:`verify.symbolic.records.ProofRecord`) names its class in
words ("generic polynomial, d=4, k=4 (70 symbolic coefficients)", "ridge
function sin(w'x + b), d=2, ...") and carries sizes in ``details``.
:func:`proof_class` reads both once, when ``verify run`` makes the record
(:func:`verify.app.tasks.symbolic_proofs`), and stores the result in the
record's figures (``class``); the statement scope and its headline read that
field, never the title. Sizes come from ``details`` where the engine gives them.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FAMILIES", "proof_class"]

#: The families a proved class can belong to, as the headline names them.
FAMILIES = ("polynomials", "ridge functions", "RBF mixtures")


def _first_int(pattern: str, text: str) -> int | None:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else None


def _size(details: dict[str, Any], key: str, title: str) -> int | None:
    value = details.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _first_int(rf"\b{key}\s*=\s*(\d+)", title)


def proof_class(title: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"family", "d", "k", "link"}`` of a proof's class (``family`` None: none of
    :data:`FAMILIES`, or several: the class is then shown in its own words)."""
    details = details or {}
    low = title.lower()
    kinds = []
    k = None
    if re.search(r"polynomial|quadratic|cubic", low):
        kinds.append("polynomials")
        k = _size(details, "k", low)
        if k is None and "cubic" in low:
            k = 3
        elif k is None and "quadratic" in low:
            k = 2
    link = re.search(r"ridge function (\w+)\(|link (\w+):", low)
    if link or "ridge" in low:
        kinds.append("ridge functions")
    if "rbf" in low:
        kinds.append("RBF mixtures")
    return {
        "family": kinds[0] if len(kinds) == 1 else None,
        "d": _size(details, "d", low),
        "k": k,
        "link": (link.group(1) or link.group(2)) if link else None,
    }

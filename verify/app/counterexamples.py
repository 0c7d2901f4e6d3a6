"""Counterexamples as a person reads them: the function, x0, Σ, n, seed, the deciding figure.

A counterexample record holds data: a symbolic witness, or the whole problem a
property check failed on (the function as its spec, x0 or x and y, Σ or σ, n,
the seed) with the figures that decide it. :func:`readable` turns it into
labelled values, never truncated: a function spec becomes its formula
(:mod:`verify.app.formulas`; ``{"family": "ridge", "link": "abs", ...}`` reads
``|x|``), numbers get four significant digits, matrices stay matrices.
:func:`summary` is the one line the console and a statement's headline use;
:func:`verify.app.replay.problem` rebuilds the problem itself, so a user can call
their own code on it (``verify replay`` reruns the check).
"""

from __future__ import annotations

from typing import Any

from .formulas import formula, number

__all__ = ["LABELS", "format_value", "readable", "summary"]

_DECIMAL_CHARS = set("-0123456789.")
#: Key of a counterexample -> its label, in reading order (the problem first).
LABELS = {
    "f": "function f",
    "g": "function g",
    "x0": "point x0",
    "x": "x",
    "y": "y",
    "sigma": "σ",
    "cov": "covariance Σ",
    "n": "sample size n",
    "seed": "seed",
    "ridge": "ridge λ",
    "kernel_width": "kernel width",
    "epsilon": "accuracy ε",
    "ratio": "ratio to the published bound",
    "gradient_bound": "gradient bound G",
    "smoothgrad_n": "SmoothGrad_n (by differentiation)",
    "clime_n": "C-LIME_n",
    "engine_smoothgrad": "SmoothGrad (closed form)",
    "engine_clime": "C-LIME (closed form)",
    "disagreement": "distance between them",
    "case": "case (a run written before problems were data)",
}


def format_value(value: Any) -> str:
    """Numbers to four significant digits, lists and matrices in brackets, specs as formulas."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if "family" in value and "version" in value:
            return formula(value)
        if set(value) >= {"value", "float"}:  # an exact value with its float
            exact = str(value["value"])
            if set(exact) <= _DECIMAL_CHARS:  # a high-precision decimal says no more than its float
                return number(value["float"])
            return f"{exact} ≈ {number(value['float'])}"
        return ", ".join(f"{k} = {format_value(v)}" for k, v in value.items())
    return str(value)


def _symbolic(ce: dict) -> list[tuple[str, str]]:
    items = []
    witness = ce.get("witness") or {}
    if witness.get("function"):
        items.append(("function f", f"f = {witness['function']}"))
    if witness.get("point"):
        items.append(("at", ", ".join(f"{k} = {v}" for k, v in witness["point"].items())))
    difference = ce.get("difference")
    if isinstance(difference, dict) and difference.get("str"):
        items.append(("exact difference of the two sides", difference["str"]))
    exact = witness.get("value_exact")
    if exact is not None:
        items.append(("difference there (exact)", format_value(exact)))
    elif witness.get("value") is not None:
        items.append(("difference there", format_value(witness["value"])))
    if witness.get("ratio_to_claimed") is not None:
        items.append(("ratio to the claimed bound", format_value(witness["ratio_to_claimed"])))
    return items


def _item(key: str, value: Any) -> tuple[str, str]:
    label = LABELS.get(key, key.replace("_", " "))
    if key in ("f", "g"):
        return label, f"{key}(x) = {formula(value)}"
    return label, format_value(value)


def readable(ce: dict) -> list[tuple[str, str]]:
    """Labelled, untruncated values of a counterexample: the problem first, then its figures."""
    if "difference" in ce or "witness" in ce:
        return _symbolic(ce)
    order = [k for k in LABELS if k in ce] + [k for k in ce if k not in LABELS]
    return [_item(key, ce[key]) for key in order]


def summary(ce: dict) -> str:
    """One line: the function and where it fails, then the deciding figure."""
    items = dict(readable(ce))
    parts = []
    for label in ("function f", "σ", "point x0", "x", "y", "at"):
        if label in items:
            value = items[label]
            parts.append(value if label in ("function f", "at") else f"{label} = {value}")
    for label in (
        "ratio to the published bound",
        "ratio to the claimed bound",
        "distance between them",
        "difference there (exact)",
    ):
        if label in items:
            parts.append(f"{label} {items[label]}")
            break
    return ", ".join(parts) if parts else "; ".join(f"{k} = {v}" for k, v in items.items())

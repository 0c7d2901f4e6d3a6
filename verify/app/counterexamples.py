"""Counterexamples as a person reads them: the function, sigma, x, y, the ratio.

A counterexample record holds data (a symbolic witness, or the input a property
check failed on, with the function as its ``repr``). :func:`readable` turns it
into labelled values, never truncated: ridge functions and polynomials become
formulas (``RidgeFunction(w=[1.0], b=0.0, link='abs')`` reads ``|x|``), numbers
get four significant digits, matrices stay matrices. :func:`summary` is the one
line the console and a statement's headline use.
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any

__all__ = ["format_function", "format_value", "parse_ridge", "readable", "summary"]

_RIDGE = re.compile(r"RidgeFunction\(w=\[([^\]]*)\], b=([^,]+), link='(\w+)'\)")
_POLY = re.compile(r"Polynomial\((\{[^}]*\})\)")
_ARRAY = re.compile(r"array\((\[.*?\]\])\)|array\((\[[^\[\]]*\])\)", re.S)
_DECIMAL = re.compile(r"^-?\d+\.\d*$")
_LABELS = {
    "f": "function f",
    "g": "function g",
    "sigma": "σ",
    "cov": "covariance Σ",
    "x0": "point x0",
    "x": "x",
    "y": "y",
    "ratio": "ratio to the published bound",
    "gradient_bound": "gradient bound G",
    "ridge": "ridge λ",
    "kernel_width": "kernel width",
    "smoothgrad_n": "SmoothGrad_n (by differentiation)",
    "clime_n": "C-LIME_n",
    "engine_smoothgrad": "SmoothGrad (closed form)",
    "engine_clime": "C-LIME (closed form)",
    "disagreement": "distance between them",
}


def _num(v: float) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    text = f"{v:.4g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


def format_value(value: Any) -> str:
    """Numbers to four significant digits, lists and matrices in brackets, text as is."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if set(value) >= {"value", "float"}:  # an exact value with its float
            exact = str(value["value"])
            if _DECIMAL.match(exact):  # a high-precision decimal says no more than its float
                return _num(value["float"])
            return f"{exact} ≈ {_num(value['float'])}"
        return ", ".join(f"{k} = {format_value(v)}" for k, v in value.items())
    if isinstance(value, str):
        return format_function(value)
    return str(value)


def _affine(w: list[float], b: float) -> str:
    names = ["x"] if len(w) == 1 else [f"x{i + 1}" for i in range(len(w))]
    terms = []
    for c, name in zip(w, names, strict=True):
        if c == 0:
            continue
        coef = "" if c == 1 else "−" if c == -1 else _num(c) + " "
        terms.append(f"{coef}{name}")
    if b != 0 or not terms:
        terms.append(_num(b))
    text = " + ".join(terms)
    return text.replace("+ -", "− ").replace("+ −", "− ")


def parse_ridge(text: str) -> tuple[float, list[float], float, str] | None:
    """(c, w, b, link) of ``RidgeFunction(...)`` or ``c * RidgeFunction(...)``; else None.

    A one-term combination is how the Theorem 2 search reports a single ridge
    function drawn from its bounded-gradient combinations.
    """
    text = text.strip()
    scale = 1.0
    head, sep, rest = text.partition(" * ")
    if sep and not head.startswith("RidgeFunction"):
        try:
            scale = float(head)
        except ValueError:
            return None
        text = rest.strip()
    match = _RIDGE.fullmatch(text)
    if match is None:
        return None
    try:
        w = [float(v) for v in match.group(1).split(",") if v.strip()]
        return scale, w, float(match.group(2)), match.group(3)
    except ValueError:
        return None


def _ridge(match: re.Match) -> str:
    try:
        w = [float(v) for v in match.group(1).split(",") if v.strip()]
        b = float(match.group(2))
    except ValueError:
        return match.group(0)
    inner, link = _affine(w, b), match.group(3)
    if link == "abs":
        return f"|{inner}|"
    if link == "step":
        return f"1[{inner} > 0]"
    if link == "identity":
        return f"({inner})"
    return f"{link}({inner})"


def _monomial(exponents: tuple[int, ...]) -> str:
    names = ["x"] if len(exponents) == 1 else [f"x{i + 1}" for i in range(len(exponents))]
    parts = [n if e == 1 else f"{n}^{e}" for n, e in zip(names, exponents, strict=True) if e]
    return " ".join(parts)


def _polynomial(match: re.Match) -> str:
    try:
        coefficients = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return match.group(0)
    terms = []
    for exponents, c in coefficients.items():
        mono = _monomial(tuple(exponents))
        terms.append(_num(c) if not mono else (mono if c == 1 else f"{_num(c)} {mono}"))
    return "(" + (" + ".join(terms) or "0").replace("+ -", "− ") + ")"


def format_function(text: str) -> str:
    """A function's ``repr`` as a formula where its family is known, otherwise unchanged."""
    out = _RIDGE.sub(_ridge, text)
    out = _POLY.sub(_polynomial, out)
    out = out.replace(" * ", "·").replace("+ -", "− ")
    if out.startswith("(") and out.endswith(")") and out.count("(") == 1:
        out = out[1:-1]
    return out


def _case(text: str) -> list[tuple[str, str]]:
    """The ``repr`` of a generated case ``(f, cov, seed)``: its function, covariance and seed."""
    items = []
    ridge = _RIDGE.search(text)
    if ridge:
        items.append(("function f", "f(x) = " + _ridge(ridge)))
    arrays = [a or b for a, b in _ARRAY.findall(text)]
    for i, raw in enumerate(arrays):
        try:
            value = ast.literal_eval(re.sub(r"\s+", " ", raw))
        except (ValueError, SyntaxError):
            continue
        label = "covariance Σ" if isinstance(value[0], list) else f"array {i + 1}"
        items.append((label, format_value(value)))
    seed = re.search(r",\s*(\d+)\)\s*$", text)
    if seed:
        items.append(("seed", seed.group(1)))
    return items or [("case", text)]


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


def readable(ce: dict) -> list[tuple[str, str]]:
    """Labelled, untruncated values of a counterexample, in reading order."""
    if "difference" in ce or "witness" in ce:
        return _symbolic(ce)
    items: list[tuple[str, str]] = []
    for key, value in ce.items():
        if key == "case" and isinstance(value, str):
            items += _case(value)
        elif key in ("f", "g") and isinstance(value, str):
            items.append((_LABELS[key], f"{key}(x) = {format_function(value)}"))
        else:
            items.append((_LABELS.get(key, key.replace("_", " ")), format_value(value)))
    return items


def summary(ce: dict) -> str:
    """One line: the function and where it fails, then the deciding figure."""
    items = dict(readable(ce))
    parts = []
    for label in ("function f", "σ", "x", "y", "at"):
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

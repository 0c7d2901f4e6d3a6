"""A function's spec (:meth:`verify.functions.base.Function.to_spec`) as a formula people read.

``{"family": "ridge", "w": [1.0], "b": 0.0, "link": "abs"}`` reads ``|x|``; a
polynomial reads ``x1^2 − 3 x1 x2``; a combination ``0.5·sin(2 x)``; families
without a short formula (RBF mixtures, networks) read as what they are, with
their size. The spec itself stays in results.json: this is only its caption,
and nothing is ever parsed back from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["formula", "number"]


def number(v: Any) -> str:
    """Four significant digits, no ``e-05`` padding; integers and booleans as they are."""
    if isinstance(v, bool | int) or not isinstance(v, float):
        return str(v)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    return f"{v:.4g}".replace("e-0", "e-").replace("e+0", "e+")


def _names(d: int) -> list[str]:
    return ["x"] if d == 1 else [f"x{i + 1}" for i in range(d)]


def _signed(terms: list[str]) -> str:
    """Terms joined with + and −, a leading minus kept as is."""
    text = " + ".join(terms) or "0"
    return text.replace("+ -", "− ").replace("+ −", "− ")


def _affine(w: list[float], b: float) -> str:
    terms = []
    for c, name in zip(w, _names(len(w)), strict=True):
        if c == 0:
            continue
        coef = "" if c == 1 else "−" if c == -1 else number(c) + " "
        terms.append(f"{coef}{name}")
    if b != 0 or not terms:
        terms.append(number(b))
    return _signed(terms)


def _ridge(spec: dict) -> str:
    inner, link = _affine(list(spec["w"]), float(spec["b"])), spec["link"]
    if link == "abs":
        return f"|{inner}|"
    if link == "step":
        return f"1[{inner} > 0]"
    if link == "identity":
        return inner
    return f"{link}({inner})"


def _polynomial(spec: dict) -> str:
    terms = []
    for exponents, c in spec["terms"]:
        names = _names(len(exponents))
        mono = " ".join(
            n if e == 1 else f"{n}^{e}" for n, e in zip(names, exponents, strict=True) if e
        )
        terms.append(number(c) if not mono else (mono if c == 1 else f"{number(c)} {mono}"))
    return _signed(terms)


def _combination(spec: dict) -> str:
    terms = []
    for c, inner in spec["terms"]:
        text = formula(inner)
        bracket = f"({text})" if any(s in text for s in (" + ", " − ")) else text
        terms.append(bracket if c == 1 else f"{number(float(c))}·{bracket}")
    return _signed(terms)


def _translated(spec: dict) -> str:
    shift = ", ".join(number(float(v)) for v in spec["shift"])
    return f"g(x + [{shift}]) with g(x) = {formula(spec['function'])}"


def _rbf(spec: dict) -> str:
    k, d = len(spec["weights"]), len(spec["centers"][0]) if spec["centers"] else 0
    return f"RBF mixture of {k} Gaussian bump{'s' if k != 1 else ''} in d = {d}"


def _network(spec: dict) -> str:
    sizes = [len(spec["weights"][0][0])] + [len(w) for w in spec["weights"]]
    activation = spec.get("activation", "")
    return f"network {'→'.join(map(str, sizes))} ({activation})".replace(" ()", "")


_FAMILIES: dict[str, Callable[[dict], str]] = {
    "ridge": _ridge,
    "polynomial": _polynomial,
    "combination": _combination,
    "translated": _translated,
    "rbf": _rbf,
    "network": _network,
}


def formula(spec: Any) -> str:
    """The formula of a function spec; a string (a run written before specs) as it is."""
    if isinstance(spec, dict) and spec.get("family") in _FAMILIES:
        try:
            return _FAMILIES[spec["family"]](spec)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # a malformed spec: say what it is rather than guess
        return f"a {spec['family']} function (malformed spec)"
    if isinstance(spec, dict):
        return f"a {spec.get('family', 'unknown')} function"
    return str(spec)

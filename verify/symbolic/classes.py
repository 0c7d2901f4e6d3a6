"""The class of functions a proof covers, as data: :attr:`ProofRecord.scope`.

A proof record names its class in words for readers (``function_class``, "generic
polynomial, d=4, k=4 (70 symbolic coefficients), fully symbolic mean and covariance") and
carries the same facts as a structured field that programs read, filled by the proof
that knows them (never parsed back from the words):

``family``
    One of :data:`FAMILIES` (``"polynomials"``, ``"games"``, ...), or None for a class
    that is none of them (a combination, a specific construction; its words say what).
``d``
    The dimensions (numbers of variables, or players of a game) covered, sorted.
``k``
    The total degree bound of a polynomial class (None where no bound applies).
``links``
    The ridge links of a ridge-function class (sorted; empty otherwise).
``variant``
    A qualifier of the class ("multilinear", "uniform kernel", "unconstrained", the
    condition on f of a class of all functions, ...), or None.
``instance``
    True for one function, game or sample rather than a class (a witness beyond a class,
    a counterexample, an example that attains a bound); False for a class.
``symbolic``
    What of the problem is symbolic, as role words (``"function"``, ``"mean"``,
    ``"covariance"``, ``"point"``, ``"baseline"``, ...), sorted.
``parameters``
    The number of free parameter symbols the proof carries (variables of integration
    excluded).

:func:`class_scope` builds and validates it; the order of keys is fixed, so records stay
byte-identical across runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp

__all__ = ["FAMILIES", "SCOPE_KEYS", "class_scope", "free_parameters"]

#: The families a proved class can belong to.
FAMILIES = (
    "polynomials",
    "ridge functions",
    "RBF mixtures",
    "games",
    "additively separable functions",
    "all functions",
    "finite samples",
)

#: The keys of a scope, in the order records hold them.
SCOPE_KEYS = ("family", "d", "k", "links", "variant", "instance", "symbolic", "parameters")


def free_parameters(objects: Iterable[Any], variables: Iterable[sp.Symbol] = ()) -> set:
    """The free symbols of ``objects`` (SymPy expressions, matrices, nested sequences and
    mappings' values; anything else ignored) other than ``variables``."""
    found: set = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if isinstance(obj, sp.Basic | sp.MatrixBase):
            found |= obj.free_symbols
        elif isinstance(obj, Mapping):
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
    return found - set(variables)


def _dimensions(d: int | Iterable[int]) -> list[int]:
    dims = [d] if isinstance(d, int) else list(d)
    if not dims or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in dims):
        raise ValueError(f"d must be a positive integer or a list of them, got {d!r}")
    return sorted(set(dims))


def class_scope(
    family: str | None,
    *,
    d: int | Iterable[int],
    k: int | None = None,
    links: Iterable[str] = (),
    variant: str | None = None,
    instance: bool = False,
    variables: Iterable[sp.Symbol] = (),
    symbolic: Iterable[str] = (),
    parameters: int | None = None,
    **parts: Any,
) -> dict[str, Any]:
    """The scope of a proof (see the module docstring), validated.

    Parameters
    ----------
    family : str or None
        One of :data:`FAMILIES`, or None.
    d : int or iterable of int
        The dimension(s) covered.
    k, links, variant, instance
        As in the module docstring.
    variables : iterable of sympy.Symbol
        The variables of integration (not counted as parameters).
    symbolic : iterable of str
        Roles the proof declares symbolic without passing their objects (a generic class
        whose coefficients live in a moment table, not in an expression).
    parameters : int, optional
        The number of free parameters, when the proof counts them itself; by default the
        free symbols of ``parts`` other than ``variables``.
    **parts
        The problem by role (``function=f, mean=m, covariance=S, point=x0, ...``): a role
        is listed as symbolic when its object has a free symbol other than ``variables``.

    Raises
    ------
    ValueError
        An unknown family, a dimension that is not a positive integer, a negative degree.
    """
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)} or None")
    if k is not None and (not isinstance(k, int) or k < 0):
        raise ValueError(f"k must be a non-negative integer or None, got {k!r}")
    variables = tuple(variables)
    roles = {role for role, obj in parts.items() if free_parameters([obj], variables)}
    if parameters is not None and (not isinstance(parameters, int) or parameters < 0):
        raise ValueError(f"parameters must be a non-negative integer, got {parameters!r}")
    if parameters is None:
        parameters = len(free_parameters(parts.values(), variables))
    return {
        "family": family,
        "d": _dimensions(d),
        "k": k,
        "links": sorted(set(links)),
        "variant": variant,
        "instance": bool(instance),
        "symbolic": sorted(roles | set(symbolic)),
        "parameters": int(parameters),
    }

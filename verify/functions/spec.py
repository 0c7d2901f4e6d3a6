"""Functions as data: ``f.to_spec()`` and :func:`from_spec`, a JSON round trip that is exact.

A spec is a plain dict of lists, floats, ints and strings::

    {"family": "ridge", "version": 1, "w": [0.5, -1.0], "b": 0.25, "link": "logistic"}

``json.loads(json.dumps(f.to_spec()))`` rebuilds, through :func:`from_spec`, a function
with the same parameters to the last bit (Python writes floats as the shortest string
that reads back to the same double), hence the same values and gradients bit for bit.
Records (results.json) store specs instead of reprs, and figures redraw from them.

Every family declares its name (``family``), its fields (``spec_fields``) and builds
itself from them (``from_spec_fields``); combinations and translations nest the specs of
their parts. A malformed spec is refused with an :class:`~verify.validation.InputError`
that names the field (``spec['terms'][1][1]['w']``) and what was expected.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..validation import InputError
from .base import SPEC_VERSION, Function

__all__ = [
    "SPEC_VERSION",
    "from_spec",
    "spec_field",
    "spec_list",
    "spec_number",
    "spec_text",
]

T = TypeVar("T")


def from_spec(spec: Any, *, path: str = "spec") -> Function:
    """The function a spec describes (the inverse of :meth:`Function.to_spec`).

    Parameters
    ----------
    spec : dict
        ``{"family": name, "version": 1, <the family's fields>}``, as ``f.to_spec()``
        returns it or as ``json.loads`` reads it back.
    path : str
        How messages name the spec (nested specs are named by their place).

    Raises
    ------
    InputError
        For a spec that is not a dict, an unknown family or version, a missing or
        unknown field, or a field the family refuses; the message names the field.
    """
    if not isinstance(spec, Mapping):
        raise InputError(
            f"{path} must be a dict with a 'family' and a 'version' key, as Function.to_spec() "
            f"returns it, got {type(spec).__name__}"
        )
    cls = _family(spec, path)
    version = spec.get("version")
    if isinstance(version, bool) or version != SPEC_VERSION:
        raise InputError(
            f"{path}['version'] is {version!r}; this version of verify reads function specs of "
            f"version {SPEC_VERSION} (write the spec with the same version of verify)"
        )
    fields = {k: v for k, v in spec.items() if k not in ("family", "version")}
    expected = tuple(cls.spec_fields)
    missing = [k for k in expected if k not in fields]
    unknown = [k for k in fields if k not in expected]
    if missing or unknown:
        problem = f"lacks the field(s) {missing}" if missing else f"has unknown field(s) {unknown}"
        raise InputError(
            f"{path} of family {cls.family!r} {problem}; its fields are "
            f"{['family', 'version', *expected]}"
        )
    try:
        return cls.from_spec_fields(fields, path)
    except InputError as exc:
        if str(exc).startswith(path):
            raise
        # The family's own refusal (a shape that does not fit, an unknown activation).
        raise InputError(f"{path} of family {cls.family!r}: {exc}") from None


def _family(spec: Mapping, path: str) -> type[Function]:
    name = spec.get("family")
    known = Function.spec_families
    if not isinstance(name, str) or name not in known:
        close = difflib.get_close_matches(str(name), list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"{path}['family'] is {name!r}{hint}; a function spec names one of the families "
            f"{sorted(known)}"
        )
    return known[name]


def spec_field(fields: Mapping, name: str, convert: Callable[[Any], T], path: str) -> T:
    """``convert(fields[name])``, with any refusal re-worded to name the field."""
    try:
        return convert(fields[name])
    except InputError as exc:
        raise InputError(f"{path}[{name!r}]: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{path}[{name!r}] is malformed ({exc}); write it with to_spec()"
        ) from None


def spec_list(value: Any, what: str) -> list:
    """``value`` if it is a list (or tuple), else an InputError saying what was expected."""
    if not isinstance(value, list | tuple):
        raise InputError(f"expected a list of {what}, got {type(value).__name__}")
    return list(value)


def spec_text(value: Any, what: str) -> str:
    """``value`` if it is a string, else an InputError."""
    if not isinstance(value, str):
        raise InputError(f"expected {what} (a string), got {value!r}")
    return value


def spec_number(value: Any) -> float:
    """A JSON number as a float (bool and strings refused: ``as_real`` says how)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"expected a number, got {value!r} ({type(value).__name__})")
    return float(value)

"""What an explainer kind is: its tags, its signature, its target and its checks.

A kind is one module of this package holding one :class:`Kind`; the package's
``__init__`` registers them. :class:`~properties.conformance.explainer.Explainer`
validates an explainer's tags with its kind's :class:`Tag` table, the battery runs
the kind's checks, and :func:`~properties.conformance.targets.expected_explanation`
asks the kind for the engine's closed form.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.validation import InputError

__all__ = ["Kind", "Tag", "choice", "flag", "optional_number"]

Parser = Callable[[str, Any], Any]
#: ``(explainer, f, x, reference, n) -> (value (d,), absolute error (d,))``
Target = Callable[..., tuple[np.ndarray, np.ndarray]]
#: ``(check, rule)``: the rule returns why the check does not apply (None if it does).
CheckRule = tuple[Callable[..., dict[str, Any]], Callable[[Any], str | None]]

_MISSING = object()


@dataclass(frozen=True)
class Tag:
    """One declaration an explainer of a kind makes about itself.

    ``parse(name, value)`` returns the validated value or raises
    :class:`~verify.validation.InputError` naming the fix; ``default`` is
    ``MISSING`` for a required tag; ``example`` fills the hint of a missing one.
    """

    help: str
    parse: Parser
    default: Any = _MISSING
    example: Any = None

    @property
    def required(self) -> bool:
        return self.default is _MISSING


@dataclass(frozen=True)
class Kind:
    """An explainer kind.

    Attributes
    ----------
    name : str
        The ``kind=`` tag value.
    help : str
        One line: what an explainer of this kind computes.
    signature : str
        How the battery calls it, e.g. ``"explain(f, x0, cov, n, seed)"``.
    reference : str
        What its third argument is (``"cov"``, or ``"reference"``: a
        :class:`verify.attribution.Baseline` or ``Background``).
    tags : mapping of str -> Tag
        The kind's own tags (``kind``, ``stochastic``, ``precision`` and ``name``
        are every kind's).
    target : callable
        ``target(explainer, f, x, reference, n) -> (value, error)``: the engine's
        closed form the explainer must compute or converge to.
    checks : tuple of (check, rule)
        The checks that apply, in running order.
    validate : callable, optional
        ``validate(tags) -> None``: rules across tags (raises InputError).
    """

    name: str
    help: str
    signature: str
    reference: str
    tags: Mapping[str, Tag]
    target: Target
    checks: tuple[CheckRule, ...]
    validate: Callable[[Mapping[str, Any]], None] | None = None
    examples: Mapping[str, Any] = field(default_factory=dict)

    def parse_tags(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``given`` (the kind's own tags only) and fill the defaults."""
        missing = [t for t, spec in self.tags.items() if spec.required and t not in given]
        if missing:
            hints = "; ".join(f"{t}= {self.tags[t].help}" for t in missing)
            example = ", ".join(f"{t}={self.tags[t].example!r}" for t in missing)
            raise InputError(
                f"missing tag(s) {', '.join(missing)} for kind={self.name!r}: declare {hints}, "
                f"e.g. Explainer(explain, kind={self.name!r}, {example}, stochastic=True)"
            )
        out = {
            t: spec.parse(t, given[t]) if t in given else spec.default
            for t, spec in self.tags.items()
        }
        if self.validate is not None:
            self.validate(out)
        return out


def choice(*allowed: str, help: str) -> Parser:
    """A parser accepting one of ``allowed`` (strings); None stands for ``"none"`` where that
    is a name, since a command line's ``--tag KEY=none`` reaches the tags as None."""

    def parse(tag: str, value: Any) -> str:
        if value is None and "none" in allowed:
            return "none"
        # str only: an array compared with the names is ambiguous, not an answer
        if not isinstance(value, str) or value not in allowed:
            raise InputError(
                f"unknown {tag}={value!r}; declare one of {', '.join(map(repr, allowed))} ({help})"
            )
        return str(value)

    parse.allowed = allowed  # type: ignore[attr-defined]
    return parse


def optional_number(*, positive: bool, help: str) -> Parser:
    """A parser accepting None or a finite real number (> 0 if ``positive``, else >= 0); a
    bool, a string or an array is not a number here."""

    def parse(tag: str, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            bound = "> 0" if positive else ">= 0"
            raise InputError(
                f"{tag} must be a number {bound} or None, got {value!r} "
                f"({type(value).__name__}); {tag}= {help}"
            )
        v = float(value)
        if not np.isfinite(v) or v < 0 or (positive and v == 0):
            bound = "> 0" if positive else ">= 0"
            raise InputError(f"{tag} must be finite and {bound}, got {value!r}; {tag}= {help}")
        return v

    return parse


def flag(*, optional: bool, help: str) -> Parser:
    """A parser accepting True or False (and None if ``optional``)."""

    def parse(tag: str, value: Any) -> bool | None:
        if value is None and optional:
            return None
        if not isinstance(value, bool | np.bool_):
            allowed = "True, False or None" if optional else "True or False"
            raise InputError(f"{tag} must be {allowed}, got {value!r}; {tag}= {help}")
        return bool(value)

    return parse

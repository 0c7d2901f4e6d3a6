"""The function classes symbolic proofs cover, in the headline's words.

Every proof record carries its class as data (``ProofRecord.scope``, built by the proof
that knows it: :mod:`verify.symbolic.classes`: family, dimensions ``d``, degree ``k``,
``links``, ``variant``, ``instance``, what is symbolic, how many parameters).
``verify run`` stores it unchanged in the record's figures (``class``,
:func:`verify.app.tasks.symbolic_proofs`); :func:`group_words` names a group of classes of
one family for the statement's headline. Nothing here reads a class's title.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FAMILY_WORDS", "group_key", "group_words", "value_range"]

#: Each family of :data:`verify.symbolic.classes.FAMILIES` as the headline names it.
FAMILY_WORDS = {
    "polynomials": "polynomials",
    "ridge functions": "ridge functions",
    "RBF mixtures": "RBF mixtures",
    "games": "generic games",
    "additively separable functions": "additively separable f",
    "all functions": "every f",
    "finite samples": "any finite sample",
}


def _ints(value: Any) -> list[int]:
    """A class's ``d`` as a list (records of earlier versions held one int)."""
    if value is None:
        return []
    return [value] if isinstance(value, int) else [int(v) for v in value]


def _links(c: dict[str, Any]) -> list[str]:
    """A class's links (records of earlier versions held one ``link`` or None)."""
    if c.get("links") is not None:
        return list(c["links"])
    return [c["link"]] if c.get("link") else []


def group_key(c: dict[str, Any]) -> tuple[str, str | None] | None:
    """The group a proved class joins in the headline: (family, variant); None for a
    single instance or a class of no named family (shown by its own words)."""
    if c.get("instance") or c.get("family") not in FAMILY_WORDS:
        return None
    return c["family"], c.get("variant")


def value_range(values: set[int], name: str) -> str:
    """``d ≤ 5``, ``d = 2``, ``d ∈ {2, 4}``: a set of sizes in a few characters."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return f"{name} = {ordered[0]}"
    if ordered == list(range(1, ordered[-1] + 1)):
        return f"{name} ≤ {ordered[-1]}"
    return f"{name} ∈ {{{', '.join(map(str, ordered))}}}"


def _sizes(members: list[dict[str, Any]]) -> str | None:
    """The dimensions and degrees proved: a grid as ranges, else the (d, k) pairs."""
    pairs = {(d, m.get("k")) for m in members for d in _ints(m.get("d"))}
    ds = {d for d, _ in pairs}
    ks = {k for _, k in pairs if k is not None}
    if ds and ks and len(ds) * len(ks) == len(pairs):
        return f"{value_range(ds, 'd')}, {value_range(ks, 'k')}"  # the full grid was proved
    if ds and ks:
        shown = sorted((d, k) for d, k in pairs if k is not None)
        return "(d, k) ∈ {" + ", ".join(f"({d}, {k})" for d, k in shown) + "}"
    return value_range(ds, "d") if ds else None


def group_words(family: str, variant: str | None, members: Iterable[dict[str, Any]]) -> str:
    """``generic games (uniform kernel; d ≤ 5)``: a family's proved classes in one phrase."""
    members = list(members)
    links = sorted({link for m in members for link in _links(m)})
    parts = [variant] if variant else []
    if links:
        parts.append(", ".join(links) + (" links" if len(links) > 1 else " link"))
    sizes = _sizes(members)
    if sizes:
        parts.append(sizes)
    words = FAMILY_WORDS[family]
    return f"{words} ({'; '.join(parts)})" if parts else words

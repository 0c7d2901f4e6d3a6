"""What a run showed about each statement: proved for which classes, verified on what, open.

A statement's status merges its records (:func:`verify.status.merge`), so one
word cannot say how far the evidence reaches. :func:`statement_entry` lists it
separately:

* ``proved``: each function class a symbolic proof covers, with its assumptions;
* ``verified``: each Hypothesis property run, with the number of examples, the
  regimes drawn and the false-alarm budget spent;
* ``falsified``: each counterexample, readable;
* ``undecided``: proofs that reached no verdict, with the reason;
* ``discounted``: records not counted as evidence, with why (a "falsified" record
  without a counterexample, a "verified" record on no example);
* ``open``: what the catalogue declares the run cannot show;

and a ``headline`` that says what holds ("proved for polynomials (d ≤ 5, k ≤ 5);
ridge functions (...). Verified on 20 generated inputs (networks, ...)").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from verify.catalogue import Statement
from verify.status import (
    ERROR,
    FALSIFIED,
    NOT_RUN,
    PROVED,
    UNDECIDED,
    VERIFIED,
    merge,
)

from .classes import group_key, group_words, value_range
from .counterexamples import summary

__all__ = ["evidence_status", "headline", "proof_groups", "statement_entry", "statement_scope"]

_FAMILY_WORDS = {
    "Polynomial": "polynomials",
    "RidgeFunction": "ridge functions",
    "RBFMixture": "RBF mixtures",
    "Network": "networks",
    "LinearCombination": "linear combinations",
}


def evidence_status(record: dict) -> tuple[str, str | None]:
    """The status a record contributes to its statement, and why it was discounted (or None).

    A falsification counts only with its counterexample, a numeric verification
    only on at least one example: a check that never fired is no evidence.
    """
    status = record["status"]
    if status == FALSIFIED and not record.get("counterexample"):
        return UNDECIDED, "falsified without a counterexample: not counted"
    if status == VERIFIED and record["source"] == "properties" and not record.get("examples"):
        return UNDECIDED, "verified on no example: not counted"
    return status, None


# -- proved classes, grouped for the headline ------------------------------------------


def proof_groups(classes: Iterable[dict[str, Any]]) -> list[str]:
    """The proved classes grouped by family and variant, in first-seen order.

    Each class is the data a proof record carries (``figures["class"]``, the proof's own
    scope: family, d, k, links, variant, instance; see :mod:`verify.app.classes`) plus its
    ``title``; a single instance, or a class of no named family, is shown by its title.
    """
    groups: dict[Any, list[dict[str, Any]]] = {}
    for c in classes:
        key = group_key(c)
        groups.setdefault(key if key is not None else c.get("title", "a class"), []).append(c)
    return [
        group_words(key[0], key[1], members) if isinstance(key, tuple) else key
        for key, members in groups.items()
    ]


# -- verified: what the generated inputs covered -----------------------------------------


def _covered(coverage: dict[str, Any] | None) -> tuple[list[str], list[int]]:
    """The families (in words) and dimensions a property's inputs covered (its coverage data)."""
    coverage = coverage or {}
    links = list(coverage.get("links") or {})
    families = []
    for name in coverage.get("families") or {}:
        word = _FAMILY_WORDS.get(name, name)
        if name == "RidgeFunction" and links:
            word = f"ridge functions ({', '.join(links)} link{'s' if len(links) > 1 else ''})"
        if word not in families:
            families.append(word)
    return families, sorted(int(d) for d in coverage.get("dimensions") or {})


def _verified_entry(record: dict) -> dict[str, Any]:
    families, dims = _covered((record.get("figures") or {}).get("coverage"))
    return {
        "record": record["id"],
        "inputs": record["title"],
        "examples": record.get("examples"),
        "regimes": record.get("events"),
        "families": families,
        "dimensions": dims,
        "false_alarm": record.get("false_alarm"),
        "power": (record.get("figures") or {}).get("power"),
    }


# -- the scope and its headline ---------------------------------------------------------


def statement_scope(statement: Statement, records: list[dict]) -> dict[str, Any]:
    """The evidence on ``statement`` in ``records`` (its own records), sorted by kind."""
    scope: dict[str, Any] = {
        "proved": [],
        "verified": [],
        "falsified": [],
        "undecided": [],
        "discounted": [],
        "errors": [],
        "open": list(statement.open),
    }
    for r in records:
        status, why = evidence_status(r)
        if why:
            scope["discounted"].append({"record": r["id"], "status": r["status"], "why": why})
        if status == PROVED:
            figures = r.get("figures") or {}
            scope["proved"].append(
                {
                    "record": r["id"],
                    "class": r["title"],
                    "class_data": figures.get("class") or {},
                    "assumptions": list(figures.get("assumptions") or []),
                    "method": figures.get("method", ""),
                }
            )
        elif status == VERIFIED:
            scope["verified"].append(_verified_entry(r))
        elif status == FALSIFIED:
            scope["falsified"].append(
                {
                    "record": r["id"],
                    "source": r["source"],
                    "class": r["title"],
                    "summary": summary(r["counterexample"]),
                }
            )
        elif status == ERROR:
            scope["errors"].append({"record": r["id"], "message": r["message"]})
        elif not why:
            scope["undecided"].append(
                {"record": r["id"], "class": r["title"], "reason": r["message"]}
            )
    return scope


def _verified_phrase(entries: list[dict[str, Any]]) -> str:
    examples = sum(e["examples"] or 0 for e in entries)
    families = [f for e in entries for f in e["families"]]
    dims = sorted({d for e in entries for d in e["dimensions"]})
    detail = ", ".join(dict.fromkeys(families))
    if dims:
        detail += ("; " if detail else "") + value_range(set(dims), "d")
    text = f"verified on {examples} generated inputs"
    return f"{text} ({detail})" if detail else text


def headline(status: str, scope: dict[str, Any]) -> str:
    """One sentence that says what holds, and for what (or what fails, and where)."""
    if status == NOT_RUN:
        return "not run: outside this run's selection"
    if status == ERROR:
        return "error: a task that gives evidence on it crashed; nothing was judged"
    if status == FALSIFIED:
        found = []
        for c in scope["falsified"]:
            where = c["summary"]
            if c["source"] == "symbolic" and not where.startswith("f"):
                where = f"{c['class']}, {where}"  # the witness names no function: the class does
            kind = "an exact witness" if c["source"] == "symbolic" else "a counterexample"
            found.append(f"{kind} ({where})")
        return "falsified by " + " and ".join(found)
    parts = []
    if scope["proved"]:
        classes = ({**p.get("class_data", {}), "title": p["class"]} for p in scope["proved"])
        parts.append("proved for " + "; ".join(proof_groups(classes)))
    if scope["verified"]:
        parts.append(_verified_phrase(scope["verified"]))
    if not parts:
        return "undecided: no proof and no numeric verification"
    return ". ".join(p[0].upper() + p[1:] if i else p for i, p in enumerate(parts))


def statement_entry(statement: Statement, records: list[dict], ran: bool) -> dict[str, Any]:
    """The statement's entry in results.json: catalogue data, merged status, scope, headline.

    ``ran`` is False when no task of the run sought evidence on it (status ``not_run``,
    ``as_expected`` None: a partial run does not judge it).
    """
    own = [r for r in records if r["statement"] == statement.id]
    scope = statement_scope(statement, own)
    status = merge(evidence_status(r)[0] for r in own) if ran or own else NOT_RUN
    entry = statement.as_dict()
    entry["status"] = status
    entry["as_expected"] = None if status == NOT_RUN else status in statement.expected
    entry["headline"] = headline(status, scope)
    entry["scope"] = scope
    return entry

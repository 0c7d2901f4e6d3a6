"""A fuzzer for Explainer tag parsing over every registered kind.

A Hypothesis grammar draws tag declarations: a valid one, or a valid one with exactly one
fault (a wrong type, an unknown or near-miss name, a tag of another kind, a bool for a
number, NaN or infinity, a string for a flag, a required tag missing). An oracle written
here from each Tag's *declared* allowed values (a choice's names, a flag's optional None, a
number's sign; never by calling the parser) and from the kinds' documented rules across
tags says what must happen: a valid declaration is accepted and round-trips
(``explainer.tags`` is what was declared plus the documented defaults); a faulty one raises
InputError naming the offending tag and what is allowed. The same declaration made as
``__explainer_tags__`` on a plain callable, and as ``verify check --tag KEY=VALUE``
strings (:func:`properties.conformance.loader.parse_tags`), gives the same Explainer.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from properties import Explainer
from properties.conformance.explainer import as_explainer
from properties.conformance.kinds import KINDS
from properties.conformance.loader import parse_tags
from verify.validation import InputError

COMMON = ("kind", "stochastic", "precision", "name")
PRECISIONS = ("float64", "float32")
FACTORIES = {
    "choice.<locals>.parse": "choice",
    "flag.<locals>.parse": "flag",
    "optional_number.<locals>.parse": "number",
}


def declared_spec(tag: Any) -> tuple[str, Any]:
    """(type, what it allows) read from the Tag's declaration: a choice's ``allowed`` names,
    a flag's ``optional``, a number's ``positive`` (the factory's arguments), not by calling
    the parser."""
    parse = tag.parse
    factory = FACTORIES.get(parse.__qualname__)
    assert factory is not None, f"a tag parser the fuzzer does not know: {parse.__qualname__}"
    cells = dict(zip(parse.__code__.co_freevars, parse.__closure__ or (), strict=True))
    key = {"choice": "allowed", "flag": "optional", "number": "positive"}[factory]
    return factory, cells[key].cell_contents


SPECS = {k: {t: declared_spec(tag) for t, tag in kind.tags.items()} for k, kind in KINDS.items()}
ALL_TAGS = {t for kind in KINDS.values() for t in kind.tags}


def explain(f, x, reference, n, seed):  # the callable under every declaration
    return np.zeros(np.asarray(x).size)


# -- the oracle: valid values and the rules across tags, as documented ---------------------
def valid_values(spec: tuple[str, Any]) -> st.SearchStrategy[Any]:
    kind, allowed = spec
    if kind == "choice":  # None stands for a choice named "none" (documented)
        return st.sampled_from([*allowed, *([None] if "none" in allowed else [])])
    if kind == "flag":
        return st.sampled_from([True, False, *([None] if allowed else [])])
    low = 1e-6 if allowed else 0.0
    numbers = st.one_of(
        st.floats(low, 1e6, allow_nan=False), st.integers(1, 10**6), st.sampled_from([0.5, 1e6])
    )
    return st.one_of(st.none(), numbers)


def cross_rule(kind: str, tags: dict[str, Any]) -> tuple[str, ...] | None:
    """The tags a documented rule across tags names, if the declaration breaks one
    (docs: the kinds' modules; None if it breaks none)."""
    get = tags.get
    if kind in ("gradient", "perturbation"):
        if get("ridge_alpha") is not None and get("ridge_lambda") is not None:
            return ("ridge_alpha", "ridge_lambda")
        noise_fit = ("ridge_alpha", "ridge_lambda", "kernel_width")
        if kind == "gradient" and any(get(t) is not None for t in noise_fit):
            return ("ridge", "kernel_width")
        if get("units") == "standardized" and get("covariance") == "full":
            return ("units", "covariance")
    if kind == "shapley" and (get("efficiency") == "penalty") != (get("penalty") is not None):
        return ("penalty",)
    if kind == "lime_binary":
        space = get("space", "binary")
        if get("kernel") != "uniform" and get("kernel_width") is None:
            return ("kernel_width",)
        if get("kernel") == "cosine" and space != "input":
            return ("space",)
        if (space == "input" or get("kernel") == "cosine") and get("value") != "baseline":
            return ("value",)
    return None


def defaults(kind: str) -> dict[str, Any]:
    return {t: tag.default for t, tag in KINDS[kind].tags.items() if not tag.required}


@st.composite
def valid_declarations(
    draw: st.DrawFn, kinds: tuple[str, ...] | None = None
) -> tuple[str, dict[str, Any]]:
    """A kind and its own tags: every required one, some optional ones, obeying the rules
    across tags (drawn, then the few that break one are repaired to the defaults' values)."""
    kind = draw(st.sampled_from(sorted(kinds or KINDS)))
    own: dict[str, Any] = {}
    for t, tag in KINDS[kind].tags.items():
        if tag.required or draw(st.booleans()):
            own[t] = draw(valid_values(SPECS[kind][t]))
    full = {**defaults(kind), **own}
    if cross_rule(kind, full) is not None:  # e.g. penalty without efficiency='penalty'
        own = _repair(kind, own)
    return kind, own


def _repair(kind: str, own: dict[str, Any]) -> dict[str, Any]:
    """A declaration that keeps every rule across tags (the oracle's own construction)."""
    own = dict(own)
    if kind in ("gradient", "perturbation"):
        own.pop("ridge_lambda", None)
        if kind == "gradient":
            for t in ("ridge_alpha", "kernel_width"):
                own.pop(t, None)
        if own.get("covariance") == "full":
            own.pop("units", None)
    if kind == "shapley":
        own["penalty"] = 1e6 if own["efficiency"] == "penalty" else None
    if kind == "lime_binary":
        own.update(kernel="uniform", space="binary")
    assert cross_rule(kind, {**defaults(kind), **own}) is None, (kind, own)
    return own


@st.composite
def common_tags(draw: st.DrawFn) -> dict[str, Any]:
    tags: dict[str, Any] = {"stochastic": draw(st.booleans())}
    if draw(st.booleans()):
        tags["precision"] = draw(st.sampled_from(PRECISIONS))
    if draw(st.booleans()):
        # any word, those parse_tags would otherwise type ("none", "1", "true") included
        tags["name"] = draw(
            st.one_of(
                st.text(string.ascii_letters + "_", min_size=1, max_size=12),
                st.sampled_from(["none", "null", "true", "False", "1", "2.5", "inf"]),
            )
        )
    return tags


def expected_tags(kind: str, own: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """What ``explainer.tags`` must hold: the declaration, typed, plus the defaults."""
    return {
        "kind": kind,
        "stochastic": common["stochastic"],
        **defaults(kind),
        **{t: typed(SPECS[kind][t], v) for t, v in own.items()},
        "precision": common.get("precision", "float64"),
        "name": common.get("name", "explain"),
    }


def typed(spec: tuple[str, Any], value: Any) -> Any:
    if spec[0] == "number" and value is not None:
        return float(value)
    if spec[0] == "choice" and value is None:
        return "none"
    return value


# -- faults: one per declaration, with what the error must name ----------------------------
WRONG_FOR = {
    "choice": st.one_of(
        st.integers(-3, 3),
        st.floats(allow_nan=True),
        st.none(),
        st.booleans(),
        st.lists(st.sampled_from(["a", "b"]), max_size=2),
        st.just(np.array(["x", "y"])),
        st.text(string.ascii_lowercase, max_size=6),
    ),
    "flag": st.one_of(
        st.sampled_from(["true", "false", "True", "yes", "1", ""]),
        st.integers(0, 1),
        st.floats(0, 1),
    ),
    "number": st.one_of(
        st.booleans(),
        st.just(np.bool_(True)),
        st.sampled_from([math.nan, math.inf, -math.inf, -1.0, -1e-9]),
        st.sampled_from(["1.5", "1", "inf", b"1"]),
        st.just(np.array([1.0, 2.0])),
        st.just(1 + 0j),
    ),
}


def is_wrong(spec: tuple[str, Any], value: Any) -> bool:
    """The oracle's verdict on one value (independent of the parser)."""
    kind, allowed = spec
    if kind == "choice":  # None stands for a choice named "none" (documented)
        return not (
            (isinstance(value, str) and value in allowed) or (value is None and "none" in allowed)
        )
    if kind == "flag":
        return not (isinstance(value, bool | np.bool_) or (value is None and allowed))
    if value is None:
        return False
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float):
        return True
    return not math.isfinite(value) or value < 0 or (allowed and value == 0)


def allowed_words(spec: tuple[str, Any]) -> list[str]:
    """What a message must say is allowed."""
    kind, allowed = spec
    if kind == "choice":
        return [repr(a) for a in allowed]
    if kind == "flag":
        return ["True", "False", *(["None"] if allowed else [])]
    return ["> 0" if allowed else ">= 0"]


def near_misses(name: str) -> st.SearchStrategy[str]:
    """One-character edits (deletion, substitution, transposition) of a tag name."""
    i = st.integers(0, len(name) - 1)
    return st.one_of(
        i.map(lambda k: name[:k] + name[k + 1 :]),
        st.tuples(i, st.sampled_from("xqz")).map(lambda p: name[: p[0]] + p[1] + name[p[0] + 1 :]),
        st.integers(0, len(name) - 2).map(
            lambda k: name[:k] + name[k + 1] + name[k] + name[k + 2 :]
        ),
    ).filter(lambda s: s != name and s not in ALL_TAGS and s not in COMMON)


@st.composite
def faulty_declarations(draw: st.DrawFn) -> tuple[str, dict[str, Any], str, list[str]]:
    """(kind, all tags, the tag the error must name, words it must contain)."""
    kind, own = draw(valid_declarations())
    tags = {"kind": kind, **draw(common_tags()), **own}
    specs = {**SPECS[kind], "stochastic": ("flag", False), "precision": ("choice", PRECISIONS)}
    fault = draw(st.sampled_from(["wrong", "unknown", "near", "other", "missing"]))
    if fault == "wrong":
        tag = draw(st.sampled_from(sorted(specs)))
        value = draw(WRONG_FOR[specs[tag][0]].filter(lambda v: is_wrong(specs[tag], v)))
        return kind, {**tags, tag: value}, tag, allowed_words(specs[tag])
    if fault == "unknown":
        name = draw(st.text(string.ascii_lowercase, min_size=12, max_size=16))
        return kind, {**tags, name: 1.0}, name, ["unknown tag", "Valid tags"]
    if fault == "near":
        target = draw(
            st.sampled_from(sorted(t for t in (*COMMON[1:], *SPECS[kind]) if len(t) >= 5))
        )
        name = draw(near_misses(target))
        return kind, {**tags, name: None}, name, ["unknown tag", "did you mean"]
    others = sorted(ALL_TAGS - set(SPECS[kind]))
    if fault == "other" and others:
        tag = draw(st.sampled_from(others))
        return kind, {**tags, tag: None}, tag, ["unknown tag", "Valid tags"]
    required = [t for t, spec in KINDS[kind].tags.items() if spec.required]
    dropped = draw(st.sampled_from(["kind", "stochastic", *required]))
    tags.pop(dropped)
    return kind, tags, dropped, ["missing tag"]


# -- the properties -------------------------------------------------------------------------
@settings(max_examples=150)
@given(valid_declarations(), common_tags())
def test_valid_declarations_are_accepted_and_round_trip(declaration, common):
    kind, own = declaration
    e = Explainer(explain, kind=kind, **common, **own)
    assert e.tags == expected_tags(kind, own, common)
    assert e.kind_spec is KINDS[kind]
    for t, v in expected_tags(kind, own, common).items():
        assert getattr(e, t) == v


@settings(max_examples=250)
@given(faulty_declarations())
def test_a_faulty_declaration_is_refused_naming_the_tag_and_what_is_allowed(fault):
    _, tags, tag, words = fault
    with pytest.raises(InputError) as info:
        Explainer(explain, **tags)
    message = str(info.value)
    assert tag in message, message
    for word in words:
        assert word in message, (word, message)


BREAKS = {
    "gradient": {"ridge_alpha": 1.0},
    "perturbation": {"ridge_alpha": 1.0, "ridge_lambda": 1.0},
    "shapley": {"efficiency": "exact", "penalty": 1e6},
    "lime_binary": {"kernel": "lfa", "kernel_width": None},
}


@settings(max_examples=60)
@given(valid_declarations(tuple(BREAKS)), common_tags())
def test_a_broken_rule_across_tags_is_refused_naming_its_tags(declaration, common):
    kind, own = declaration
    bad = {**own, **BREAKS[kind]}
    named = cross_rule(kind, {**defaults(kind), **bad})
    assert named is not None
    with pytest.raises(InputError) as info:
        Explainer(explain, kind=kind, **common, **bad)
    assert any(t in str(info.value) for t in named), str(info.value)


def _as_string(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


@settings(max_examples=100)
@given(valid_declarations(), common_tags())
def test_dunder_tags_and_command_line_strings_parse_to_the_same_explainer(declaration, common):
    kind, own = declaration
    declared = {"kind": kind, **common, **own}
    expected = Explainer(explain, **declared).tags

    def plain(f, x, reference, n, seed):
        return explain(f, x, reference, n, seed)

    plain.__explainer_tags__ = declared
    assert as_explainer(plain).tags == {**expected, "name": common.get("name", "plain")}
    # verify check --tag KEY=VALUE (a name is text as written, even "none" or "1")
    pairs = [f"{k}={_as_string(v)}" for k, v in declared.items()]
    assert as_explainer(explain, parse_tags(pairs)).tags == expected


def test_the_oracle_covers_every_registered_kind_and_tag():
    assert set(SPECS) == set(KINDS)
    assert all(
        spec[0] in ("choice", "flag", "number") for s in SPECS.values() for spec in s.values()
    )

"""Load an explainer from a ``"module:attr"`` string and run the battery on it.

This is what a command line (``verify check mypkg.mod:explain``) and the
pytest plugin (``pytest --explainer mypkg.mod:explain``) call.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from verify.validation import InputError

from .battery import check_explainer, report
from .explainer import EXAMPLE_TAGS, Explainer, as_explainer, missing_tags, tag_help
from .kinds import KINDS
from .runner import Settings

__all__ = ["load_explainer", "parse_tags", "run_spec"]


#: Tags whose value is text as written (``--tag name=1`` names the explainer "1").
_TEXT_TAGS = ("name", "kind")


def parse_tags(pairs: list[str] | None) -> dict[str, Any]:
    """``["kind=gradient", "stochastic=true", "ridge_alpha=1"]`` -> typed tag dict.

    ``true``/``false`` become booleans, ``none``/``null`` None and numbers floats, except
    for the text tags ``name`` and ``kind``, which keep the value as written."""
    tags: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"tag {pair!r} is not KEY=VALUE (e.g. kind=gradient)")
        value: Any = raw
        low = raw.lower()
        if key.strip() in _TEXT_TAGS:
            pass
        elif low in ("true", "false"):
            value = low == "true"
        elif low in ("none", "null"):
            value = None
        else:
            try:
                value = float(raw)
            except ValueError:
                value = raw
        tags[key.strip()] = value
    return tags


def load_explainer(
    spec: str, tags: Mapping[str, Any] | None = None, *, cli_hint: str | None = None
) -> Explainer:
    """Import ``"package.module:attribute"`` and wrap it as an :class:`Explainer`.

    The attribute may be an Explainer, a callable with ``__explainer_tags__``,
    or a plain callable (then ``tags`` must declare at least kind, covariance
    and stochastic). A dotted attribute path (``mod:obj.method``) is followed.

    Parameters
    ----------
    spec : str
    tags : mapping, optional
        Tags for a plain callable (from ``--tag KEY=VALUE`` on a command line).
    cli_hint : str, optional
        The command-line flag that declares a tag (``"--tag"`` for ``verify check``,
        ``"--explainer-tag"`` for pytest): a missing tag is then explained with that
        flag (``--tag kind=gradient``) instead of Python code.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(
            f"explainer spec {spec!r} must read 'package.module:attribute', e.g. "
            "'mypkg.explainers:smoothgrad'"
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(
            f"cannot import module {module_name!r} for explainer {spec!r}: {exc}; is it on "
            "sys.path (run from the project root or pip install -e it)?"
        ) from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"module {module_name!r} has no attribute {attr!r}") from None
    try:
        return as_explainer(obj, dict(tags or {}))
    except InputError:
        declared = {**(getattr(obj, "__explainer_tags__", None) or {}), **dict(tags or {})}
        missing = missing_tags(declared)
        if not cli_hint or isinstance(obj, Explainer) or not missing:
            raise
        flags = " ".join(f"{cli_hint} {t}={_flag_value(_example(declared, t))}" for t in missing)
        what = "; ".join(f"{t}: {tag_help(t)}" for t in missing)
        raise InputError(
            f"explainer {spec!r}: missing tag(s) {', '.join(missing)}; declare them on the "
            f"command line, e.g. {flags} ({what})"
        ) from None


def _example(declared: Mapping[str, Any], tag: str) -> Any:
    """An example value of ``tag``: the common one, else the declared kind's."""
    if tag in EXAMPLE_TAGS:
        return EXAMPLE_TAGS[tag]
    kind = KINDS.get(declared.get("kind"))
    spec = kind.tags.get(tag) if kind is not None else None
    return spec.example if spec is not None and spec.example is not None else "..."


def _flag_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def run_spec(
    spec: str,
    tags: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    settings: Settings | None = None,
    expected_failed_checks: Mapping[str, str] | None = None,
    checks: list[str] | None = None,
    cli_hint: str | None = None,
) -> dict[str, Any]:
    """Load ``spec``, run the battery, return the JSON-serialisable report.

    The report has ``schema``, ``explainer`` (its tags), ``seed``, ``settings``,
    ``summary`` (counts per status and ``ok``) and ``results`` (one record per
    check: name, status, message, seed, figures, duration, explainer).
    """
    explainer = load_explainer(spec, tags, cli_hint=cli_hint)
    results = check_explainer(
        explainer,
        expected_failed_checks=expected_failed_checks,
        on_fail=None,
        seed=seed,
        settings=settings,
        checks=checks,
    )
    return report(results, explainer, seed, settings)

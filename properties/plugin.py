"""pytest plugin: ``pytest --explainer mypkg.mod:explain`` runs the conformance battery.

Registered through the ``pytest11`` entry point. Loading it imports nothing
but pytest and the standard library; the battery (numpy, scipy, the engine)
is imported only when ``--explainer`` is given.

Options (group "explainer conformance", prefix ``--explainer``):

* ``--explainer SPEC``           ``package.module:attribute`` (repeatable): an
  :class:`~properties.conformance.Explainer`, a callable with
  ``__explainer_tags__``, or a plain callable plus ``--explainer-tag``; the
  module is imported from the rootdir or the working directory too;
* ``--explainer-tag KEY=VALUE``  a tag for plain callables (repeatable), e.g.
  ``kind=gradient covariance=full stochastic=true``;
* ``--explainer-seed N``         base seed of every check (default 0);
* ``--explainer-time-limit S``   seconds per check;
* ``--explainer-report PATH``    write the JSON report(s) there (one per explainer: its tags,
  seed, settings, summary, and one record per check in results.json's record format);
* ``--explainer-keep-tests``     also run the tests collected as usual (by
  default only the battery runs when ``--explainer`` is given).

Each check becomes one test item ``<explainer>::<check>`` marked ``conformance``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from verify.status import FAILED, SKIPPED

_RESULTS_KEY = pytest.StashKey[list]()
_SETTINGS_KEY = pytest.StashKey[object]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("explainer conformance", "xai-verify conformance battery")
    group.addoption(
        "--explainer",
        action="append",
        default=[],
        metavar="SPEC",
        help="run the conformance battery on package.module:attribute (repeatable)",
    )
    group.addoption(
        "--explainer-tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="declare a tag of a plain-callable explainer (repeatable)",
    )
    group.addoption("--explainer-seed", type=int, default=0, help="base seed of the checks")
    group.addoption(
        "--explainer-time-limit", type=float, default=None, help="seconds allowed per check"
    )
    group.addoption("--explainer-report", default=None, metavar="PATH", help="JSON report path")
    group.addoption(
        "--explainer-keep-tests",
        action="store_true",
        default=False,
        help="run the usually collected tests too",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance: a check of the xai-verify explainer conformance battery"
    )
    config.stash[_RESULTS_KEY] = []
    seed = config.getoption("--explainer-seed", default=0)
    if seed is not None and seed < 0:
        raise pytest.UsageError(f"--explainer-seed must be >= 0, got {seed}")
    limit = config.getoption("--explainer-time-limit", default=None)
    if limit is not None and limit <= 0:
        raise pytest.UsageError(f"--explainer-time-limit must be > 0, got {limit}")


class ExplainerCheckItem(pytest.Item):
    """One check of the battery on one explainer."""

    def __init__(self, *, explainer: Any, bound: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.explainer = explainer
        self.bound = bound
        self.add_marker("conformance")

    def runtest(self) -> None:
        from properties.conformance.battery import run_check

        result = run_check(self.explainer, self.bound)
        self.config.stash[_RESULTS_KEY].append((self.explainer, result))
        if result.status == SKIPPED:
            pytest.skip(result.message)
        if result.status == FAILED:
            raise _Failed(result.message)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, _Failed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return f"explainer {self.explainer.name}", None, f"{self.explainer.name}::{self.name}"


class _Failed(AssertionError):
    pass


def _importable_from_here(config: pytest.Config) -> None:
    """Put the rootdir and the working directory on ``sys.path``, as ``python -m pytest`` does.

    ``pytest --explainer mymodule:explain`` then finds ``mymodule.py`` in the folder the
    user stands in (the console script alone does not put it on the path).
    """
    for folder in (str(config.rootpath), os.getcwd()):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def _with_tag_hint(exc: Exception) -> str:
    """The loader's message; a missing tag gets the option that declares it."""
    text = str(exc)
    if "missing tag" in text:
        text = text.split(", e.g. Explainer(")[0] + (
            "; declare them with --explainer-tag kind=gradient --explainer-tag "
            "covariance=full --explainer-tag stochastic=true"
        )
    return text


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    specs = config.getoption("--explainer")
    if not specs:
        return
    from properties.conformance.battery import explainer_checks
    from properties.conformance.loader import load_explainer, parse_tags
    from properties.conformance.runner import Settings

    _importable_from_here(config)
    try:
        tags = parse_tags(config.getoption("--explainer-tag"))
        explainers = [load_explainer(spec, tags) for spec in specs]
    except ValueError as exc:
        raise pytest.UsageError(f"--explainer: {_with_tag_hint(exc)}") from None
    limit = config.getoption("--explainer-time-limit")
    settings = Settings() if limit is None else Settings(time_limit=limit)
    config.stash[_SETTINGS_KEY] = settings
    seed = config.getoption("--explainer-seed")
    new = []
    for explainer in explainers:
        for _, bound in explainer_checks(explainer, seed=seed, settings=settings):
            new.append(
                ExplainerCheckItem.from_parent(
                    session,
                    name=f"{explainer.name}::{bound.name}",
                    explainer=explainer,
                    bound=bound,
                )
            )
    if not config.getoption("--explainer-keep-tests") and items:
        config.hook.pytest_deselected(items=list(items))
        items.clear()
    items.extend(new)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--explainer-report", default=None)
    records = session.config.stash.get(_RESULTS_KEY, [])
    if not path or not records:
        return
    from properties.conformance.battery import report

    by_explainer: dict[str, tuple[Any, list[Any]]] = {}
    for explainer, result in records:
        by_explainer.setdefault(explainer.name, (explainer, []))[1].append(result)
    seed = session.config.getoption("--explainer-seed")
    settings = session.config.stash.get(_SETTINGS_KEY, None)
    reports = [report(results, e, seed, settings) for e, results in by_explainer.values()]
    Path(path).write_text(json.dumps(reports, indent=2))

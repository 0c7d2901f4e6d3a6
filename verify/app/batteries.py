"""The conformance batteries of a run: the references, a user's explainer, the client libraries.

A battery task runs the checks one by one (:func:`conformance_battery`), each as
the whole battery would (one battery seed), and makes one record per check. Each
record of a check that did not pass carries ``replay`` in its figures: what
reruns exactly that check (``verify replay``).

Time is bounded twice (:mod:`verify.app.limits`): every call of the explainer by
the per-call limit, and the battery as a whole: it stops at the second check
that timed out, or when its budget is spent; the checks not run are error
records that say why. A battery split into one task per check (``verify
check``) shares its clock through a small file (:class:`Clock`).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verify.status import ERROR, PASSED, SKIPPED

from .limits import battery_budget, call_limit
from .runner import Task, task_seed

__all__ = [
    "Clock",
    "battery_settings",
    "check_names",
    "check_tasks",
    "client_tasks",
    "conformance_battery",
    "ecosystem_libraries",
    "load_explainer",
    "reference_explainer_names",
]

#: A battery stops at this many checks that timed out: an explainer that hangs on two
#: problems hangs on the rest, and each of them would cost a whole call limit.
TIMEOUTS_TO_STOP = 2


def battery_settings(profile: str, time_limit: float | None = None) -> Any:
    """The battery's settings for a profile, with the run's per-call limit (see limits)."""
    from properties.conformance.runner import Settings

    return dataclasses.replace(
        Settings.for_profile(profile), time_limit=call_limit(profile, time_limit)
    )


def check_names(kind: str | None = None) -> list[str]:
    """The battery's checks, in running order: every registered kind's, or ``kind``'s."""
    from properties.conformance.battery import ALL_CHECKS, CHECKS

    return (
        [c.__name__ for c in ALL_CHECKS] if kind is None else [c.__name__ for c, _ in CHECKS[kind]]
    )


def kind_check_names(explainer: Any) -> list[str]:
    """The checks of the explainer's kind, in running order."""
    return [check.__name__ for check, _ in explainer.kind_spec.checks]


def _import(spec: str) -> Any:
    """The object ``module:attr`` names (the loader's own errors when it does not exist)."""
    from properties.conformance.loader import load_explainer as load

    module, _, attr = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError):
        load(spec)  # raises the loader's message, naming what is missing
        raise
    return obj


def _is_factory(obj: Any) -> bool:
    """A callable of no required argument that is not itself an explainer (an adapter)."""
    if getattr(obj, "__explainer_tags__", None) is not None or not callable(obj):
        return False
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params
    )


def load_explainer(
    spec: str, tags: dict | None = None, cli_hint: str | None = "--tag"
) -> tuple[Any, dict[str, str]]:
    """The explainer ``module:attr`` names, and the failures it declares.

    ``attr`` may be an Explainer, a callable with ``__explainer_tags__``, a plain
    callable with ``tags``, or a factory called with no argument that returns an
    Explainer (``properties.adapters:captum_smoothgrad``); an adapter's declared
    failures (``expected_failed_checks``) come back with it. ``cli_hint`` is the flag a
    missing tag's message names (None: the message shows Python code).
    """
    from properties.conformance import Explainer
    from properties.conformance.loader import load_explainer as load

    obj = _import(spec)
    if not isinstance(obj, Explainer) and _is_factory(obj):
        made = obj()
        if isinstance(made, Explainer):
            if tags:
                raise ValueError(
                    f"{spec} builds an Explainer that declares its own tags; drop --tag "
                    "(--tag is for a plain callable)"
                )
            return made, dict(getattr(made, "expected_failed_checks", None) or {})
    return load(spec, tags, cli_hint=cli_hint), {}


def reference_explainer_names() -> list[str]:
    """Names of the reference explainers, in the order ``conformance_battery`` indexes them."""
    from properties.conformance.references import references

    return [e.name for e in references()]


def _explainer(
    reference: int | None, spec: str | None, client: str | None, tags: dict | None
) -> tuple[Any, dict[str, str], dict[str, Any], dict[str, Any]]:
    """(explainer, declared failures, what its records carry, how to load it again)."""
    if client is not None:
        from .ecosystem import make_client

        explainer, declared, meta = make_client(client)
        return explainer, declared, meta, {"client": client}
    if spec is not None:
        explainer, declared = load_explainer(spec, tags)
        return explainer, declared, {}, {"spec": spec, "tags": dict(tags or {})}
    from properties.conformance.references import references

    return references()[reference or 0], {}, {}, {"reference": reference or 0}


@dataclasses.dataclass(frozen=True)
class Clock:
    """A battery's time: its deadline (wall clock) and, shared by the tasks of one battery
    split over processes, a file that counts the checks that timed out."""

    deadline: float
    timeouts_file: str | None = None

    def timeouts(self) -> int:
        if self.timeouts_file is None:
            return 0
        try:
            return len(Path(self.timeouts_file).read_text().split())
        except OSError:
            return 0

    def timed_out(self, check: str) -> None:
        if self.timeouts_file is not None:
            with open(self.timeouts_file, "a") as handle:
                handle.write(f"{check}\n")

    def why_not(self, timeouts: int) -> str | None:
        """Why the next check must not start (None: it may)."""
        if timeouts >= TIMEOUTS_TO_STOP:
            return (
                f"not run: the battery stopped after {timeouts} checks timed out (an explainer "
                "that hangs would spend a whole call limit on every check). Usual cause: the "
                "explainer hangs; if it is just slow, raise --time-limit"
            )
        if time.time() >= self.deadline:
            return (
                "not run: the battery's time budget was spent before this check started. "
                "Usual cause: a very slow explainer; raise --battery-budget (or --time-limit)"
            )
        return None


def _not_run(explainer: Any, name: str, why: str, seed: int) -> Any:
    """The result of a check the battery did not start (an error: nothing was judged)."""
    from properties.conformance.battery import ConformanceResult

    return ConformanceResult(name, ERROR, why, seed, {}, 0.0, explainer.name)


def _run_checks(explainer, names, expected, seed, settings, clock) -> list[Any]:
    """Each check as the whole battery would run it, until the clock says stop."""
    from properties.conformance import check_explainer

    results, timeouts = [], clock.timeouts()
    for name in names:
        why = clock.why_not(timeouts)
        if why is not None:
            results.append(_not_run(explainer, name, why, seed))
            continue
        (result,) = check_explainer(
            explainer,
            expected_failed_checks=expected,
            on_fail=None,
            seed=seed,
            settings=settings,
            checks=[name],
        )
        results.append(result)
        if "timed out after" in result.message:
            timeouts += 1
            clock.timed_out(name)
    return results


def _records(explainer, results, profile, false_alarm, expected, meta, replay) -> list[dict]:
    from properties.conformance.battery import conformance_record

    records = []
    for r in results:
        figures = dict(meta)
        if meta and r.name in expected:
            figures["declared_failure"] = expected[r.name]
        if r.status not in (PASSED, SKIPPED):  # what reruns exactly this check: `verify replay`
            figures["replay"] = {**replay, "check": r.name, "seed": r.seed, "profile": profile}
        records.append(
            conformance_record(
                explainer,
                r,
                profile=profile,
                false_alarm=false_alarm,
                expected=expected,
                figures=figures,
            )
        )
    return records


def conformance_battery(
    seed: int,
    profile: str,
    reference: int | None = None,
    spec: str | None = None,
    client: str | None = None,
    tags: dict | None = None,
    expected_failed_checks: dict | None = None,
    checks: list[str] | None = None,
    battery_seed: int | None = None,
    time_limit: float | None = None,
    budget: float | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """The conformance battery (or the ``checks`` named) on one explainer.

    The explainer is a reference (by index), an importable ``module:attr`` (an
    Explainer, a tagged or plain callable, or a factory such as an adapter), or a
    client configuration of :mod:`verify.app.ecosystem` (``library:factory``,
    ``library:factory:defaults``, or an adapter's name for its closed form), whose
    declared failures (the adapter's ``expected_failed_checks``) count as xfail.
    ``battery_seed`` replaces the task's own seed, so that a battery split into
    one task per check seeds every check as the whole battery would;
    ``time_limit`` bounds each call of the explainer and ``budget`` the battery
    (seconds; defaults by profile, :mod:`verify.app.limits`); ``clock`` is the
    shared clock of a split battery.
    """
    explainer, declared, meta, how = _explainer(reference, spec, client, tags)
    expected = {**declared, **(expected_failed_checks or {})}
    settings = battery_settings(profile, time_limit)
    clock = clock or Clock(time.time() + battery_budget(profile, budget, time_limit))
    seed = seed if battery_seed is None else battery_seed
    names = checks or kind_check_names(explainer)
    results = _run_checks(explainer, names, expected, seed, settings, clock)
    replay = {
        "explainer": how,
        "expected_failed_checks": dict(expected_failed_checks or {}),
        "time_limit": settings.time_limit,
    }
    return {
        "records": _records(
            explainer, results, profile, settings.false_alarm, expected, meta, replay
        ),
        "figures": {},
    }


def ecosystem_libraries(seed: int, profile: str, libraries: list[str]) -> dict[str, Any]:
    """The ``ecosystem`` figure: each library's install state, version and defaults line."""
    from .ecosystem import ecosystem_summary

    return {"records": [], "figures": {"ecosystem": ecosystem_summary(libraries)}}


def _limits(time_limit: float | None, budget: float | None) -> dict[str, float]:
    out = {} if time_limit is None else {"time_limit": time_limit}
    return out if budget is None else {**out, "budget": budget}


def client_tasks(
    libraries: Sequence[str], time_limit: float | None = None, budget: float | None = None
) -> list[Task]:
    """One battery per configuration of each installed library of ``libraries``, and the
    ``ecosystem`` figure (which also names the libraries that are not installed)."""
    from .ecosystem import installed_clients

    limits = _limits(time_limit, budget)
    tasks = [Task("ecosystem", ecosystem_libraries, {"libraries": list(libraries)})]
    for lib in installed_clients(list(libraries)):
        tasks += [
            Task(c.task_name, conformance_battery, {"client": c.key, **limits})
            for c in lib.configurations
        ]
    return tasks


def explainer_tasks(
    specs: Sequence[str], time_limit: float | None = None, budget: float | None = None
) -> list[Task]:
    """One battery per ``module:attr`` of ``verify run --explainer``."""
    limits = _limits(time_limit, budget)
    return [Task(f"conformance {s}", conformance_battery, {"spec": s, **limits}) for s in specs]


def check_tasks(
    spec: str,
    tags: dict,
    expected_failed_checks: dict,
    run_seed: int,
    time_limit: float | None = None,
    clock: Clock | None = None,
) -> list[Task]:
    """``verify check``: one task per check of the battery, so that ``--workers`` spreads them.

    Every check gets the seed the whole battery would give it (one battery seed,
    from the run seed and the spec), so the verdicts do not depend on the split;
    ``clock`` (the battery's deadline and timeout count) is shared by the tasks.
    """
    options = {
        "spec": spec,
        "tags": tags,
        "expected_failed_checks": expected_failed_checks,
        "battery_seed": task_seed(run_seed, f"conformance {spec}"),
        "time_limit": time_limit,
        "clock": clock,
    }
    explainer, _ = load_explainer(spec, tags)
    return [
        Task(name, conformance_battery, {**options, "checks": [name]})
        for name in kind_check_names(explainer)
    ]

"""The work ``verify run`` does, as independent tasks (see :mod:`verify.app.runner`).

Each task returns ``{"records": [...], "figures": {...}}``; records follow
:mod:`verify.app.records`, figures hold the data the renderers plot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from verify.catalogue import CATALOGUE
from verify.status import DISPROVED, PASSED, XPASS, as_record_status

from .experiments import EXPERIMENTS
from .records import make_record
from .runner import Task

__all__ = [
    "SECTIONS",
    "battery_settings",
    "build_tasks",
    "check_names",
    "check_tasks",
    "client_tasks",
    "conformance_battery",
    "ecosystem_libraries",
    "property_check",
    "reference_explainer_names",
    "symbolic_proofs",
]

# Theorem 1 for every generic polynomial class (d, k): all 25 classes d, k <= 5 take
# about half a second, so every profile proves them; thorough adds d = 6.
_GENERIC_CLASSES = {"thorough": tuple((d, k) for d in range(1, 7) for k in range(1, 7))}
_DEFAULT_CLASSES = tuple((d, k) for d in range(1, 6) for k in range(1, 6))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def symbolic_proofs(seed: int, profile: str) -> dict[str, Any]:
    """Every symbolic proof of :mod:`verify.symbolic`, one record each."""
    from verify import symbolic

    classes = _GENERIC_CLASSES.get(profile, _DEFAULT_CLASSES)
    # The thorough profile also proves the heavier classes (minutes, not seconds).
    proofs = symbolic.prove_all(
        generic_classes=classes, classes="thorough" if profile == "thorough" else "default"
    )
    records, seen = [], set()
    for proof in proofs:
        data = proof.to_dict()
        rid = f"symbolic/{proof.statement_id}/{_slug(proof.function_class)}"
        while rid in seen:
            rid += "+"
        seen.add(rid)
        message = proof.statement
        if proof.reason:
            message += f" ({proof.reason})"
        records.append(
            make_record(
                id=rid,
                statement=proof.statement_id,
                source="symbolic",
                title=proof.function_class,
                status=as_record_status(proof.status),
                message=message,
                figures={
                    "method": data["method"],
                    "relation": data["relation"],
                    "assumptions": data["assumptions"],
                    "details": data["details"],
                    "lhs": data["lhs"],
                    "rhs": data["rhs"],
                    # Each expectation recomputed by an independent route (or why not).
                    "corroboration": data.get("corroboration"),
                },
                counterexample=(
                    {"difference": data["difference"], "witness": data["witness"]}
                    if proof.status == DISPROVED
                    else None
                ),
                seed=None,
                profile=profile,
                elapsed_seconds=proof.elapsed,
            )
        )
    sizes = [
        {
            "d": r.details.get("d"),
            "k": r.details.get("k"),
            "seconds": r.elapsed,
            "coefficients": r.details.get("coefficients"),
            "status": r.status,
        }
        for r in proofs
        if r.statement_id == "theorem1" and "generic polynomial" in r.function_class
    ]
    return {"records": records, "figures": {"symbolic_classes": sizes}}


def property_check(seed: int, profile: str, statement: str) -> dict[str, Any]:
    """One statement on Hypothesis-generated inputs (:func:`properties.suite.run_property`)."""
    from properties.suite import run_property

    out = run_property(statement, seed=seed, profile=profile)
    record = make_record(
        id=f"properties/{statement}",
        statement=statement,
        source="properties",
        title=f"{statement} on {out['examples']} generated inputs",
        status=out["status"],
        message=out["message"],
        figures={"observed": out["observed"], "bound": out["bound"]},
        false_alarm=out["false_alarm"],
        seed=seed,
        profile=profile,
        examples=out["examples"],
        events=out["events"],
        counterexample=out["counterexample"],
        elapsed_seconds=out["elapsed_seconds"],
    )
    return {"records": [record], "figures": {}}


def _conformance_records(
    explainer, results, profile: str, false_alarm: float, expected: dict, client: dict
) -> list[dict]:
    return [
        make_record(
            id=f"conformance/{explainer.name}/{r.name}",
            source="conformance",
            title=r.name,
            # declared to fail, but passed: say so (the battery's message tells how to fix it)
            status=XPASS if r.status == PASSED and r.name in expected else r.status,
            message=r.message,
            # a client's records say which library, version and configuration they judge,
            # and the adapter's reason where it declares the failure
            figures={
                **r.figures,
                **client,
                **({"declared_failure": expected[r.name]} if client and r.name in expected else {}),
            },
            false_alarm=false_alarm,
            seed=r.seed,
            profile=profile,
            explainer=explainer.name,
            elapsed_seconds=r.duration,
        )
        for r in results
    ]


def battery_settings(profile: str, time_limit: float | None = None) -> Any:
    """The battery's settings for a profile (where the battery offers them), with a time limit."""
    import dataclasses

    from properties.conformance.runner import Settings

    for_profile = getattr(Settings, "for_profile", None)
    settings = for_profile(profile) if callable(for_profile) else Settings()
    if time_limit is not None:
        settings = dataclasses.replace(settings, time_limit=float(time_limit))
    return settings


def check_names() -> list[str]:
    """The battery's checks, in running order."""
    from properties.conformance.battery import ALL_CHECKS

    return [c.__name__ for c in ALL_CHECKS]


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
) -> dict[str, Any]:
    """The conformance battery (or the ``checks`` named) on one explainer.

    The explainer is a reference (by index), an importable ``module:attr``, or a
    client configuration of :mod:`verify.app.ecosystem` (``library:factory``,
    ``library:factory:defaults``, or an adapter's name for its closed form), whose
    declared failures (the adapter's ``expected_failed_checks``) count as xfail.
    ``battery_seed`` replaces the task's own seed, so that a battery split into
    one task per check seeds every check as the whole battery would;
    ``time_limit`` bounds each call of the explainer (seconds).
    """
    from properties.conformance import check_explainer
    from properties.conformance.loader import load_explainer
    from properties.conformance.references import references

    settings = battery_settings(profile, time_limit)
    declared: dict[str, str] = {}
    meta: dict[str, Any] = {}
    if client is not None:
        from .ecosystem import make_client

        explainer, declared, meta = make_client(client)
    elif spec is not None:
        explainer = load_explainer(spec, tags)
    else:
        explainer = references()[reference or 0]
    expected = {**declared, **(expected_failed_checks or {})}
    results = check_explainer(
        explainer,
        expected_failed_checks=expected,
        on_fail=None,
        seed=seed if battery_seed is None else battery_seed,
        settings=settings,
        checks=checks,
    )
    return {
        "records": _conformance_records(
            explainer, results, profile, settings.false_alarm, expected, meta
        ),
        "figures": {},
    }


def ecosystem_libraries(seed: int, profile: str, libraries: list[str]) -> dict[str, Any]:
    """The ``ecosystem`` figure: each library's install state, version and defaults line."""
    from .ecosystem import ecosystem_summary

    return {"records": [], "figures": {"ecosystem": ecosystem_summary(libraries)}}


def client_tasks(libraries: Sequence[str], time_limit: float | None = None) -> list[Task]:
    """One battery per configuration of each installed library of ``libraries``, and the
    ``ecosystem`` figure (which also names the libraries that are not installed)."""
    from .ecosystem import installed_clients

    limit = {} if time_limit is None else {"time_limit": time_limit}
    tasks = [Task("ecosystem", ecosystem_libraries, {"libraries": list(libraries)})]
    for lib in installed_clients(list(libraries)):
        tasks += [
            Task(c.task_name, conformance_battery, {"client": c.key, **limit})
            for c in lib.configurations
        ]
    return tasks


def reference_explainer_names() -> list[str]:
    """Names of the reference explainers, in the order ``conformance_battery`` indexes them."""
    from properties.conformance.references import references

    return [e.name for e in references()]


#: The sections of ``verify run``, in running order.
SECTIONS = ("symbolic", "properties", "experiments", "conformance")
#: The sections whose records judge the paper's statements.
STATEMENT_SECTIONS = ("symbolic", "properties")


def build_tasks(
    sections: Sequence[str] = SECTIONS,
    explainers: Sequence[str] = (),
    clients: Sequence[str] = (),
    replicate: bool = False,
    data_dir: str | None = None,
    time_limit: float | None = None,
) -> list[Task]:
    """The tasks of a run: every section asked for, then the replication, clients, explainers.

    The properties are the catalogue's (one task per statement with a property).
    ``clients`` names libraries of :mod:`verify.app.ecosystem` (every configuration
    of each installed one is checked, see :func:`client_tasks`).
    ``time_limit`` (seconds per call) applies to the clients and explainers checked.
    """
    proved = tuple(s.id for s in CATALOGUE if s.proofs)
    table = {
        "symbolic": lambda: [Task("symbolic proofs", symbolic_proofs, statements=proved)],
        "properties": lambda: [
            Task(f"property {s.id}", property_check, {"statement": s.id}, statements=(s.id,))
            for s in CATALOGUE
            if s.property
        ],
        "experiments": lambda: [Task(name, fn) for name, fn in EXPERIMENTS.items()],
        "conformance": lambda: [
            Task(f"conformance {name}", conformance_battery, {"reference": i})
            for i, name in enumerate(reference_explainer_names())
        ],
    }
    tasks = [t for s in sections for t in table[s]()]
    if replicate:
        from .replicate import replication_tasks

        tasks += replication_tasks(data_dir)
    limit = {} if time_limit is None else {"time_limit": time_limit}
    if clients:
        tasks += client_tasks(clients, time_limit)
    for spec in explainers:
        tasks.append(Task(f"conformance {spec}", conformance_battery, {"spec": spec, **limit}))
    return tasks


def check_tasks(
    spec: str,
    tags: dict,
    expected_failed_checks: dict,
    run_seed: int,
    time_limit: float | None = None,
) -> list[Task]:
    """``verify check``: one task per check of the battery, so that ``--workers`` spreads them.

    Every check gets the seed the whole battery would give it (one battery seed,
    from the run seed and the spec), so the verdicts do not depend on the split.
    """
    from .runner import task_seed

    options = {
        "spec": spec,
        "tags": tags,
        "expected_failed_checks": expected_failed_checks,
        "battery_seed": task_seed(run_seed, f"conformance {spec}"),
        "time_limit": time_limit,
    }
    return [
        Task(name, conformance_battery, {**options, "checks": [name]}) for name in check_names()
    ]

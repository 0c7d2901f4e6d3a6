"""The work ``verify run`` does, as independent tasks (see :mod:`verify.app.runner`).

Each task returns ``{"records": [...], "figures": {...}}``; records follow
:mod:`verify.app.records`, figures hold the data the renderers plot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from verify.catalogue import CATALOGUE
from verify.status import DISPROVED, as_record_status

from .experiments import EXPERIMENTS
from .records import make_record
from .runner import Task

__all__ = [
    "SECTIONS",
    "build_tasks",
    "conformance_battery",
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
    proofs = symbolic.prove_all(generic_classes=classes)
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


def _conformance_records(explainer, results, profile: str, false_alarm: float) -> list[dict]:
    return [
        make_record(
            id=f"conformance/{explainer.name}/{r.name}",
            source="conformance",
            title=r.name,
            status=r.status,
            message=r.message,
            figures=r.figures,
            false_alarm=false_alarm,
            seed=r.seed,
            profile=profile,
            explainer=explainer.name,
            elapsed_seconds=r.duration,
        )
        for r in results
    ]


def conformance_battery(
    seed: int,
    profile: str,
    reference: int | None = None,
    spec: str | None = None,
    client: str | None = None,
    tags: dict | None = None,
    expected_failed_checks: dict | None = None,
) -> dict[str, Any]:
    """The conformance battery on one explainer.

    The explainer is a reference (by index), an importable ``module:attr``, or a
    real client adapter of :mod:`properties.adapters` (by function name).
    """
    from properties.conformance import check_explainer
    from properties.conformance.loader import load_explainer
    from properties.conformance.references import references
    from properties.conformance.runner import Settings

    settings = Settings()
    if client is not None:
        from properties import adapters

        explainer = getattr(adapters, client)()
    elif spec is not None:
        explainer = load_explainer(spec, tags)
    else:
        explainer = references()[reference or 0]
    results = check_explainer(
        explainer,
        expected_failed_checks=expected_failed_checks,
        on_fail=None,
        seed=seed,
        settings=settings,
    )
    return {
        "records": _conformance_records(explainer, results, profile, settings.false_alarm),
        "figures": {},
    }


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
) -> list[Task]:
    """The tasks of a run: every section asked for, then the replication, clients, explainers.

    The properties are the catalogue's (one task per statement with a property).
    """
    table = {
        "symbolic": [Task("symbolic proofs", symbolic_proofs)],
        "properties": [
            Task(f"property {s.id}", property_check, {"statement": s.id})
            for s in CATALOGUE
            if s.property
        ],
        "experiments": [Task(name, fn) for name, fn in EXPERIMENTS.items()],
        "conformance": [
            Task(f"conformance {name}", conformance_battery, {"reference": i})
            for i, name in enumerate(reference_explainer_names())
        ],
    }
    tasks = [t for s in sections for t in table[s]]
    if replicate:
        from .replicate import replication_tasks

        tasks += replication_tasks(data_dir)
    for client in clients:
        tasks.append(Task(f"conformance {client}", conformance_battery, {"client": client}))
    for spec in explainers:
        tasks.append(Task(f"conformance {spec}", conformance_battery, {"spec": spec}))
    return tasks

"""The work ``verify run`` does, as independent tasks (see :mod:`verify.app.runner`).

Each task returns ``{"records": [...], "figures": {...}}``; records follow
:mod:`verify.records`, figures hold the data the renderers plot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from verify.catalogue import CATALOGUE
from verify.records import make_record
from verify.status import DISPROVED, as_record_status

from .batteries import client_tasks, conformance_battery, explainer_tasks, reference_explainer_names
from .experiments import EXPERIMENTS
from .runner import Task

__all__ = ["SECTIONS", "STATEMENT_SECTIONS", "build_tasks", "property_check", "symbolic_proofs"]

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
                    # the class as data, as the proof gave it (family, d, k, links,
                    # variant, instance, ...): what the headline groups
                    "class": data["scope"],
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
    # The timing table of the generic classes (every coefficient symbolic), of any statement.
    sizes = [
        {
            "statement": r.statement_id,
            "d": r.details.get("d"),
            "k": r.details.get("k"),
            "seconds": r.elapsed,
            "coefficients": r.details.get("coefficients"),
            "status": r.status,
        }
        for r in proofs
        if "coefficients" in r.details
        and r.scope["family"] == "polynomials"
        and not r.scope["instance"]
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
        # what the generated inputs covered, as data (dimensions, families, links -> count)
        figures={
            "observed": out["observed"],
            "bound": out["bound"],
            "coverage": out["coverage"],
            # what the judged problems could have seen (None for a check that states none)
            "power": out.get("power"),
        },
        false_alarm=out["false_alarm"],
        seed=seed,
        profile=profile,
        examples=out["examples"],
        events=out["events"],
        counterexample=out["counterexample"],
        elapsed_seconds=out["elapsed_seconds"],
    )
    return {"records": [record], "figures": {}}


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
    budget: float | None = None,
) -> list[Task]:
    """The tasks of a run: every section asked for, then the replication, clients, explainers.

    The properties are the catalogue's (one task per statement with a property).
    ``clients`` names libraries of :mod:`verify.app.ecosystem` (every configuration
    of each installed one is checked, see :func:`client_tasks`).
    ``time_limit`` (seconds per call) and ``budget`` (seconds per battery) apply to the
    clients and explainers checked (defaults: :mod:`verify.app.limits`).
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
    if clients:
        tasks += client_tasks(clients, time_limit, budget)
    return tasks + explainer_tasks(explainers, time_limit, budget)

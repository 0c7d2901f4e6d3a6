"""The work ``verify run`` does, as independent tasks (see :mod:`verify.report.runner`).

Each task returns ``{"records": [...], "figures": {...}}``; records follow
:mod:`verify.report.records`, figures hold the data the renderers plot.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np

from .records import make_record

__all__ = [
    "conformance_battery",
    "experiment_convergence",
    "experiment_lipschitz",
    "property_check",
    "reference_explainer_names",
    "symbolic_proofs",
]

# Theorem 1 for every generic polynomial class (d, k): all 25 classes d, k <= 5 take
# about half a second, so every profile proves them; thorough adds d = 6.
_GENERIC_CLASSES = {"thorough": tuple((d, k) for d in range(1, 7) for k in range(1, 7))}
_DEFAULT_CLASSES = tuple((d, k) for d in range(1, 6) for k in range(1, 6))
_SYMBOLIC_STATUS = {"proved": "proved", "disproved": "falsified", "undecided": "undecided"}


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
                status=_SYMBOLIC_STATUS[proof.status],
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
                    if proof.status == "disproved"
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


def _trace_terms(f, x0: np.ndarray, cov: np.ndarray, seed: int, n: int):
    """tr Cov(grad f) (SmoothGrad's n*MSE, Monte Carlo) and tr V (C-LIME's sandwich variance)."""
    from properties.theorems import sandwich_variance

    z = np.random.default_rng(seed).standard_normal((n, x0.size)) @ np.linalg.cholesky(cov).T
    tr_sg = float(np.sum(np.var(f.gradient(x0 + z), axis=0)))
    V, _ = sandwich_variance(f, x0, cov, seed=seed)
    return tr_sg, float(np.trace(V))


def experiment_convergence(seed: int, profile: str) -> dict[str, Any]:
    """Error of SmoothGrad_n and C-LIME_n against the exact answer, and their distance, vs n.

    A one-hidden-layer ELU network (closed-form truth), d = 5, Sigma = 0.25 I.
    """
    from verify import closed_form, estimators
    from verify.bounds import proposition1_radius
    from verify.functions import Network

    start = time.perf_counter()
    d, replicates = 5, {"dev": 100, "ci": 200, "thorough": 1000}.get(profile, 200)
    grid = [10, 20, 50, 100, 200, 500, 1000, 2000]
    f = Network.random(d, (10,), "elu", seed=seed % 1000)
    x0 = np.random.default_rng(seed).normal(size=d)
    cov = 0.25 * np.eye(d)
    truth = closed_form.smoothgrad(f, x0, cov)
    batch = np.tile(x0, (replicates, 1))
    rows = {"smoothgrad_rmse": [], "clime_rmse": [], "sg_clime_distance": []}
    for i, n in enumerate(grid):
        sg = estimators.smoothgrad(f, batch, cov, n, seed=seed + i)
        cl = estimators.clime(f, batch, cov, n, seed=seed + i)  # same seed: shared samples
        rows["smoothgrad_rmse"].append(float(np.sqrt(np.mean(np.sum((sg - truth) ** 2, 1)))))
        rows["clime_rmse"].append(float(np.sqrt(np.mean(np.sum((cl - truth) ** 2, 1)))))
        rows["sg_clime_distance"].append(float(np.mean(np.linalg.norm(sg - cl, axis=1))))
    tr_sg, tr_v = _trace_terms(f, x0, cov, seed, 400_000)
    grid_arr = np.array(grid, dtype=float)
    figures = {
        "convergence": {
            "setup": f"{f!r}, x0 ~ N(0, I), Sigma = 0.25 I, {replicates} replicates per n",
            "n": grid,
            **rows,
            "smoothgrad_theory": list(np.sqrt(tr_sg / grid_arr)),
            "clime_theory": list(np.sqrt(tr_v / grid_arr)),
            "proposition1_radius_delta_0.05": [
                proposition1_radius(f.gradient_bound, n, 0.05) for n in grid
            ],
            "gradient_bound": f.gradient_bound,
            "trace_cov_grad": tr_sg,
            "trace_sandwich": tr_v,
            "elapsed_seconds": time.perf_counter() - start,
        }
    }
    return {"records": [], "figures": figures}


def experiment_lipschitz(seed: int, profile: str) -> dict[str, Any]:
    """Local slope of SmoothGrad for the two counterexamples of MATH.md section 3.1.

    f = |x| (grad_max = 1) and f = sigma sin(x / sigma) (grad_max = 1), d = 1,
    sigma = 0.5; the slope of SG is compared with the published, Pinsker and
    sharp constants.
    """
    from verify import closed_form
    from verify.bounds import lipschitz_pinsker, lipschitz_published, lipschitz_sharp
    from verify.functions import RidgeFunction

    sigma = 0.5
    cov = np.array([[sigma**2]])
    x = np.linspace(-2.0, 2.0, 401)
    h = 1e-5
    curves = {}
    for name, f in (
        ("abs", RidgeFunction([1.0], 0.0, "abs")),
        ("sin", sigma * RidgeFunction([1.0 / sigma], 0.0, "sin")),
    ):
        sg = closed_form.smoothgrad(f, x[:, None], cov)[:, 0]
        slope = (
            closed_form.smoothgrad(f, x[:, None] + h, cov)[:, 0]
            - closed_form.smoothgrad(f, x[:, None] - h, cov)[:, 0]
        ) / (2 * h)
        curves[name] = {
            "f": list(f(x[:, None])),
            "smoothgrad": list(sg),
            "slope": list(np.abs(slope)),
        }
    figures = {
        "lipschitz": {
            "sigma": sigma,
            "gradient_bound": 1.0,
            "x": list(x),
            "curves": curves,
            "published": lipschitz_published(1.0, sigma),
            "pinsker": lipschitz_pinsker(1.0, cov),
            "sharp": lipschitz_sharp(1.0, cov),
            "max_slope": {k: float(np.max(v["slope"])) for k, v in curves.items()},
        }
    }
    return {"records": [], "figures": figures}


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

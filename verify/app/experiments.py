"""The numeric experiments behind the report's figures (registered in :mod:`verify.catalogue`).

Each experiment is a task (``fn(seed=..., profile=...)``) that returns figure data
only, no records: the statements' verdicts come from the proofs and properties.

* :func:`experiment_convergence` -- figures "convergence" and "distance" (Theorem 1,
  Proposition 1, Theorem 3);
* :func:`experiment_lipschitz` -- figures "lipschitz" and "counterexample" (Theorem 2);
* :func:`experiment_no_free_lunch` -- figure "no_free_lunch" (``nfl_quantitative``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = [
    "EXPERIMENTS",
    "counterexample_data",
    "experiment_convergence",
    "experiment_lipschitz",
    "experiment_no_free_lunch",
]


def _rmse_with_se(squared_errors: np.ndarray) -> tuple[float, float]:
    """RMSE over replicates and its standard error (delta method: se(MSE) / (2 RMSE))."""
    mse = float(np.mean(squared_errors))
    se_mse = float(np.std(squared_errors, ddof=1) / np.sqrt(squared_errors.size))
    rmse = float(np.sqrt(mse))
    return rmse, se_mse / (2 * rmse) if rmse > 0 else 0.0


def experiment_convergence(seed: int, profile: str) -> dict[str, Any]:
    """Error of SmoothGrad_n and C-LIME_n against the exact answer, and their distance, vs n.

    A one-hidden-layer ELU network (closed-form truth), d = 5, Sigma = 0.25 I.
    """
    from verify import closed_form, estimators
    from verify.asymptotics import clt_trace_terms
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
    keys = ("smoothgrad_rmse", "clime_rmse", "sg_clime_distance")
    rows: dict[str, list[float]] = {k: [] for k in (*keys, *(f"{k}_se" for k in keys))}
    for i, n in enumerate(grid):
        sg = estimators.smoothgrad(f, batch, cov, n, seed=seed + i)
        cl = estimators.clime(f, batch, cov, n, seed=seed + i)  # same seed: shared samples
        for key, est in (("smoothgrad_rmse", sg), ("clime_rmse", cl)):
            rmse, se = _rmse_with_se(np.sum((est - truth) ** 2, axis=1))
            rows[key].append(rmse)
            rows[f"{key}_se"].append(se)
        distance = np.linalg.norm(sg - cl, axis=1)
        rows["sg_clime_distance"].append(float(np.mean(distance)))
        rows["sg_clime_distance_se"].append(float(np.std(distance, ddof=1) / np.sqrt(replicates)))
    tr_sg, tr_v = clt_trace_terms(f, x0, cov, n=400_000, seed=seed)
    grid_arr = np.array(grid, dtype=float)
    figures = {
        "convergence": {
            "setup": f"a 10-unit ELU network in d = {d}, x0 ~ N(0, I), Sigma = 0.25 I, "
            f"{replicates} replicates per n",
            "function": f.to_spec(),
            "x0": list(x0),
            "replicates": replicates,
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
    """Local slope of SmoothGrad for the two counterexamples of docs/math.md (Theorem 2).

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


#: Draws per width of the no-free-lunch experiment, by profile.
_NFL_DRAWS = {"dev": 5_000, "ci": 20_000, "thorough": 100_000}


def experiment_no_free_lunch(seed: int, profile: str) -> dict[str, Any]:
    """Excess loss of an explanation fitted at one neighbourhood width and used at others.

    f = sin(x1 - x2/2 + 0.3) in d = 2 at x0 = (0.5, -0.2); C-LIME and SmoothGrad fitted on
    Z1 = N(x0, 0.5^2 I) and judged on Z2 = N(x0, s^2 I) for nine widths s from 0.1 to 2:
    the exact excess losses of docs/math.md#no-free-lunch-quantitatively against their
    Monte Carlo estimates (:func:`properties.theorems.lfa_nfl.no_free_lunch_curve`).
    """
    from properties.theorems.lfa_nfl import no_free_lunch_curve
    from verify.functions import RidgeFunction

    start = time.perf_counter()
    f = RidgeFunction([1.0, -0.5], 0.3, "sin")
    x0 = [0.5, -0.2]
    widths = [float(s) for s in np.geomspace(0.1, 2.0, 9)]
    n = _NFL_DRAWS.get(profile, _NFL_DRAWS["ci"])
    curve = no_free_lunch_curve(f, x0, widths, reference_width=0.5, n=n, seed=seed)
    figures = {
        "no_free_lunch": {
            "setup": f"f = sin(x1 - x2/2 + 0.3), d = 2, x0 = (0.5, -0.2); explanations fitted "
            f"on N(x0, 0.5^2 I), judged on N(x0, s^2 I); {n} draws per width",
            "function": f.to_spec(),
            "x0": x0,
            **curve,
            "elapsed_seconds": time.perf_counter() - start,
        }
    }
    return {"records": [], "figures": figures}


def counterexample_data(record: dict | None) -> dict[str, Any] | None:
    """Figure data for a Theorem 2 counterexample found by the property search, in its own sigma.

    The exact SmoothGrad along the line through the counterexample's x and y
    (closed form, cov = sigma^2 I), projected on SG(y) - SG(x), against the cones
    that the published and the sharp constants allow around SG(x). The function is
    rebuilt from its spec (:func:`verify.functions.from_spec`); None when the record
    has no counterexample with a function spec, sigma, x and y.
    """
    from verify import closed_form
    from verify.bounds import lipschitz_published, lipschitz_sharp
    from verify.functions import from_spec

    ce = (record or {}).get("counterexample") or {}
    if not isinstance(ce.get("f"), dict) or not {"sigma", "x", "y"} <= set(ce):
        return None
    f = from_spec(ce["f"])
    sigma = float(ce["sigma"])
    x, y = np.asarray(ce["x"], float), np.asarray(ce["y"], float)
    cov = sigma**2 * np.eye(x.size)
    length = float(np.linalg.norm(y - x))
    t = np.linspace(-1.0, 2.0, 301)
    sg = closed_form.smoothgrad(f, x + t[:, None] * (y - x), cov)
    sg_x, sg_y = closed_form.smoothgrad(f, x, cov), closed_form.smoothgrad(f, y, cov)
    direction = (sg_y - sg_x) / max(float(np.linalg.norm(sg_y - sg_x)), 1e-300)
    bound = float(ce.get("gradient_bound", f.gradient_bound))
    return {
        "record": record["id"],
        "function": f.to_spec(),
        "sigma": sigma,
        "x": list(x),
        "y": list(y),
        "distance": list(t * length),
        "projection": list((sg - sg_x) @ direction),
        "gap": float(np.linalg.norm(sg_y - sg_x)),
        "length": length,
        "gradient_bound": bound,
        "published": lipschitz_published(bound, sigma),
        "sharp": float(lipschitz_sharp(bound, cov)),
        "ratio": float(np.linalg.norm(sg_y - sg_x)) / (lipschitz_published(bound, sigma) * length),
    }


#: Experiment name -> task function (``verify run`` runs each once).
EXPERIMENTS = {
    "convergence experiment": experiment_convergence,
    "lipschitz experiment": experiment_lipschitz,
    "no free lunch experiment": experiment_no_free_lunch,
}

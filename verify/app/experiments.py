"""The numeric experiments behind the report's figures (registered in :mod:`verify.catalogue`).

Each experiment is a task (``fn(seed=..., profile=...)``) that returns figure data
only, no records: the statements' verdicts come from the proofs and properties.

* :func:`experiment_convergence` -- figures "convergence" and "distance" (Theorem 1,
  Proposition 1, Theorem 3);
* :func:`experiment_lipschitz` -- figures "lipschitz" and "counterexample" (Theorem 2).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = ["EXPERIMENTS", "experiment_convergence", "experiment_lipschitz"]


def _trace_terms(f, x0: np.ndarray, cov: np.ndarray, seed: int, n: int):
    """tr Cov(grad f) (SmoothGrad's n*MSE, Monte Carlo) and tr V (C-LIME's sandwich variance)."""
    from verify.asymptotics import sandwich_variance


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


#: Experiment name -> task function (``verify run`` runs each once).
EXPERIMENTS = {
    "convergence experiment": experiment_convergence,
    "lipschitz experiment": experiment_lipschitz,
}

"""The paper's Section 6 experiments on one data set, plus ground truth and theory.

For a trained model f and the test points x (this project's proposed
settings where the paper is silent):

* Figure 2, equivalence: mean over x of ||SG_n(x) - C-LIME_n(x)||_2 against n.
  *Independent* pairing (each explainer draws its own perturbations, as two
  separate calls do) is the paper's metric; the *shared* pairing (C-LIME refitted
  on SmoothGrad's own perturbations) isolates the estimators' difference.
* Figure 3, robustness: 10 neighbours x' = x + rho u (u uniform on the sphere,
  rho = 0.01); mean over x of max over x' of ||E_n(x) - E_n(x')||.
* Figure 4: both for sigma in {0.01, 0.1, 1}; Figure 5: well- vs under-trained.
* Beyond the paper: each estimator's distance to the exact explanation
  (randomised QMC, with its error bars) on a subset of test points, and the
  theory on the same axes: SmoothGrad's sqrt(tr Cov(grad f)/n), C-LIME's sandwich
  sqrt(tr V/n), their CLT predictions for both metrics, Proposition 1's radius and
  Theorem 2's bound on the exact robustness floor.

Noise design. The explanation of x and those of its neighbours use independent
perturbations: the paper's metric is what a user sees explaining nearby points in
separate calls, so Monte Carlo scatter is part of it (with shared noise the metric
would measure only the smoothness of the fixed-seed estimator). Test points are
split into groups; points of one group share their perturbations (common random
numbers: each estimate keeps its exact marginal distribution, the work is m times
cheaper) and groups are independent, so group means give honest standard errors.
The truth subset takes one point per group, hence independent estimates.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from verify.bounds import lipschitz_published, lipschitz_sharp, proposition1_radius
from verify.functions import Function
from verify.quadrature import qmc_moments
from verify.validation import InputError

from .data import Dataset
from .estimates import check_grid, nested_estimates
from .groups import floats, summarise
from .sweep import robustness_curve, sweep_points
from .theory import theory_curves, theory_terms
from .train import TrainedModel, train_network

__all__ = [
    "PAPER_GRID",
    "SIZES",
    "ReplicationSettings",
    "Sizes",
    "explanation_curves",
    "neighbours",
    "run_dataset",
    "single_threaded_blas",
    "sizes_for",
    "theory_terms",
    "truth_terms",
]

PAPER_GRID = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000)  # as this project proposes


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one profile (all overridable through task options)."""

    grid: tuple[int, ...] = PAPER_GRID
    # Independent noise groups of test points. The claims' standard errors have
    # groups - 1 degrees of freedom: at false alarm 1e-6 over four comparisons the t
    # quantile is 8.8 with 16 groups and 6.6 with 32, at almost no cost (the model
    # evaluations are the same).
    groups: int = 32
    truth_points: int = 16  # test points with a QMC ground truth (one per group)
    floor_points: int = 8  # of those, points whose neighbours also get a truth
    qmc_log2: int = 12  # 2^qmc_log2 scrambled-Sobol nodes per replicate
    qmc_replicates: int = 16
    floor_log2: int = 10
    theory_samples: int = 2048  # Monte Carlo samples per test point for tr Cov and tr V
    max_test_points: int | None = None  # None: the full test split
    sweep_points: int | None = 32  # test points of the saturation sweep's extra sigmas


SIZES: dict[str, Sizes] = {
    "dev": Sizes(
        grid=(10, 20, 50, 100, 200, 500, 1000),
        groups=8,
        truth_points=8,
        floor_points=4,
        qmc_log2=10,
        floor_log2=9,
        theory_samples=1024,
        max_test_points=80,
        sweep_points=16,
    ),
    "ci": Sizes(),
    "thorough": Sizes(
        groups=64,
        truth_points=32,
        floor_points=16,
        qmc_log2=14,
        floor_log2=12,
        theory_samples=8192,
        sweep_points=None,
    ),
}


def sizes_for(profile: str, **overrides: Any) -> Sizes:
    """The sizes of ``profile`` (unknown profiles get ``ci``'s) with overrides applied."""
    sizes = replace(SIZES.get(profile, SIZES["ci"]), **overrides)
    check_grid(sizes.grid)
    if not 2 <= sizes.groups or not 1 <= sizes.truth_points <= sizes.groups:
        raise InputError(
            f"need groups >= 2 and 1 <= truth_points <= groups (one truth point per "
            f"independent group); got groups={sizes.groups}, truth_points={sizes.truth_points}"
        )
    if not 1 <= sizes.floor_points <= sizes.truth_points:
        raise InputError("floor_points must be between 1 and truth_points")
    if sizes.sweep_points is not None and sizes.sweep_points < 2:
        raise InputError("sweep_points must be at least 2 (two independent groups), or None")
    return sizes


@dataclass(frozen=True)
class ReplicationSettings:
    """The experiment's free parameters (this project's proposals by default)."""

    sigma: float = 0.1  # Figures 2, 3, 5 (the paper's value is stripped)
    sigmas: tuple[float, ...] = (0.01, 0.1, 1.0)  # Figure 4, read as standard deviations
    rho: float = 0.01  # neighbour distance
    neighbours: int = 10
    delta: float = 0.05  # Proposition 1's failure probability for the drawn radius
    # The saturation claim's setting swept (with ``sigmas``): SmoothGrad's robustness only.
    saturation_sigmas: tuple[float, ...] = (0.003, 0.03)

    def __post_init__(self) -> None:
        swept = (*self.sigmas, *self.saturation_sigmas)
        if self.sigma <= 0 or any(s <= 0 for s in swept) or self.rho <= 0:
            raise InputError("sigma, every sigma of the sweeps and rho must be positive")
        if self.neighbours < 1:
            raise InputError("need at least one neighbour")


def neighbours(X: np.ndarray, rho: float, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` points at distance exactly rho from each row of X, uniform directions."""
    u = rng.standard_normal((X.shape[0], count, X.shape[1]))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    return X[:, None, :] + rho * u


def explanation_curves(
    f: Function,
    X: np.ndarray,
    nbrs: np.ndarray,
    sigma: float,
    grid: tuple[int, ...],
    groups: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Figures 2 and 3 for one model and sigma: the paper's metrics with standard errors.

    Returns the arrays ``sg0``/``cl0`` (estimates at the test points, shape
    (len(grid), m, d)) and ``parts`` (the groups), and for every metric its mean
    curve, standard errors and group means (:func:`~verify.app.replicate.groups.summarise`).
    """
    m, K, d = nbrs.shape
    grid_arr = check_grid(grid)
    n_max = int(grid_arr[-1])
    cov = sigma**2 * np.eye(d)
    parts = np.array_split(np.arange(m), min(groups, m))
    B = grid_arr.size
    sg = np.empty((B, m, K + 1, d))
    cl = np.empty((B, m, K + 1, d))
    cl_alt = np.empty((B, m, d))
    for idx in parts:
        for slot in range(K + 1):
            pts = X[idx] if slot == 0 else nbrs[idx, slot - 1]
            z = sigma * rng.standard_normal((n_max, d))
            sg[:, idx, slot], cl[:, idx, slot] = nested_estimates(f, pts, cov, z, grid_arr)
        z = sigma * rng.standard_normal((n_max, d))
        cl_alt[:, idx] = nested_estimates(f, X[idx], cov, z, grid_arr, smoothgrad=False)[1]
    metrics = {
        "equivalence": np.linalg.norm(sg[:, :, 0] - cl_alt, axis=-1),
        "equivalence_shared": np.linalg.norm(sg[:, :, 0] - cl[:, :, 0], axis=-1),
        "robustness_sg": np.linalg.norm(sg[:, :, :1] - sg[:, :, 1:], axis=-1).max(axis=-1),
        "robustness_clime": np.linalg.norm(cl[:, :, :1] - cl[:, :, 1:], axis=-1).max(axis=-1),
    }
    # Paired per point, so its standard error is that of the difference itself.
    metrics["robustness_gap"] = metrics["robustness_clime"] - metrics["robustness_sg"]
    out: dict[str, Any] = {"sg0": sg[:, :, 0], "cl0": cl[:, :, 0], "parts": parts}
    for key, values in metrics.items():
        out[key] = summarise(values, parts)
    # The scale of an explanation, for relative distances (and its group means, for the
    # paired ratios of the claims).
    norms = np.linalg.norm(sg[-1, :, 0], axis=-1)[None]  # (1, m)
    scale = summarise(norms, parts)
    out["scale"] = scale["mean"][0]
    out["scale_groups"] = [g[0] for g in scale["groups"]]
    out["group_sizes"] = [int(p.size) for p in parts]
    return out


def truth_terms(
    f: Function,
    X: np.ndarray,
    nbrs: np.ndarray,
    sigma: float,
    sizes: Sizes,
    seed: int,
) -> dict[str, Any]:
    """Exact explanations by randomised QMC (:func:`verify.quadrature.qmc_moments`).

    The SmoothGrad route E[grad f] is the truth for both estimators (Theorem 1);
    the covariance route Sigma^-1 Cov(x, f) is computed too, as a check. The exact
    robustness floor max_j ||E(x) - E(x'_j)|| uses common QMC nodes for x and its
    neighbours; its error bar adds the two points' error norms (conservative).
    """
    d = X.shape[1]
    chol = sigma * np.eye(d)
    mom = qmc_moments(f, X, chol, sizes.qmc_log2, sizes.qmc_replicates, seed)
    truth, truth_err = mom.smoothgrad, mom.smoothgrad_error
    clime_truth = mom.covariance / sigma**2
    clime_err = mom.covariance_error / sigma**2
    theorem1_z = np.abs(truth - clime_truth) / np.sqrt(truth_err**2 + clime_err**2 + 1e-300)
    s_f = sizes.floor_points
    pts = np.concatenate([X[:s_f, None, :], nbrs[:s_f]], axis=1)  # (s_f, K+1, d)
    floor_mom = qmc_moments(
        f, pts.reshape(-1, d), chol, sizes.floor_log2, max(2, sizes.qmc_replicates // 2), seed + 1
    )
    T = floor_mom.smoothgrad.reshape(pts.shape)
    E = np.linalg.norm(floor_mom.smoothgrad_error.reshape(pts.shape), axis=-1)
    floor = np.linalg.norm(T[:, :1] - T[:, 1:], axis=-1).max(axis=-1)
    floor_err = (E[:, :1] + E[:, 1:]).max(axis=-1)
    return {
        "smoothgrad": truth,
        "smoothgrad_error": truth_err,
        "method": mom.method,
        "theorem1_max_z": float(theorem1_z.max()),
        "theorem1_max_difference": float(np.abs(truth - clime_truth).max()),
        "floor": float(floor.mean()),
        "floor_error": float(floor_err.mean()),
        "floor_method": floor_mom.method,
    }


def _config_data(
    f: Function,
    X: np.ndarray,
    nbrs: np.ndarray,
    sigma: float,
    sizes: Sizes,
    settings: ReplicationSettings,
    rng: np.random.Generator,
    truth_seed: int | None,
) -> dict[str, Any]:
    """Curves, theory and (if ``truth_seed`` is given) ground truth for one (model, sigma)."""
    start = time.perf_counter()
    curves = explanation_curves(f, X, nbrs, sigma, sizes.grid, sizes.groups, rng)
    parts = curves.pop("parts")
    subset = np.array([p[0] for p in parts[: sizes.truth_points]])
    terms = theory_terms(f, X, sigma, sizes.theory_samples, settings.neighbours, rng, subset=subset)
    G = f.gradient_bound
    cov = sigma**2 * np.eye(X.shape[1])
    data: dict[str, Any] = {
        "sigma": sigma,
        "scale": curves["scale"],
        "scale_groups": curves["scale_groups"],
        "group_sizes": curves["group_sizes"],
        "gradient_bound": G,
        "theory_terms": terms,
        "theory": theory_curves(terms, sizes.grid),
        "theory_truth_points": theory_curves(terms["subset"], sizes.grid),
        # Theorem 2 bounds the exact robustness floor by L * rho.
        "floor_bound_sharp": lipschitz_sharp(G, cov) * settings.rho,
        "floor_bound_published": lipschitz_published(G, sigma) * settings.rho,
    }
    for key in (
        "equivalence",
        "equivalence_shared",
        "robustness_sg",
        "robustness_clime",
        "robustness_gap",
    ):
        data[key] = curves[key]
    if truth_seed is not None:
        truth = truth_terms(f, X[subset], nbrs[subset], sigma, sizes, truth_seed)
        T = truth.pop("smoothgrad")
        T_err = truth.pop("smoothgrad_error")
        s = subset.size
        for name, est in (("smoothgrad", curves["sg0"]), ("clime", curves["cl0"])):
            dist = np.linalg.norm(est[:, subset] - T, axis=-1)  # (B, s), independent columns
            data[f"{name}_to_truth"] = {
                "mean": floats(dist.mean(axis=1)),
                "se": floats(dist.std(axis=1, ddof=1) / np.sqrt(s)),
            }
        truth["truth_error"] = float(np.mean(np.linalg.norm(T_err, axis=-1)))
        truth["points"] = int(s)
        truth["proposition1_radius"] = floats(
            [proposition1_radius(G, n, settings.delta) for n in sizes.grid]
        )
        truth["delta"] = settings.delta
        data["truth"] = truth
    data["elapsed_seconds"] = time.perf_counter() - start
    return data


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread (when threadpoolctl is available).

    The experiment multiplies many small matrices; a multi-threaded OpenBLAS spends
    more time waking threads than computing (measured 20x slower on a loaded
    2-core machine), and ``--workers`` already uses the cores.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it run as is
        return contextlib.nullcontext()
    return threadpool_limits(1)


def config_key(model: str, sigma: float) -> str:
    """The key of one (model, sigma) configuration in the figure data."""
    return f"{model}/sigma={sigma:g}"


def run_dataset(
    dataset: Dataset,
    *,
    epochs: int,
    under_epochs: int = 1,
    under_target: float | None = 0.5,
    seed: int,
    profile: str,
    settings: ReplicationSettings | None = None,
    sizes: Sizes | None = None,
    model: TrainedModel | None = None,
) -> dict[str, Any]:
    """Train the paper's model on ``dataset`` and run every figure's experiment.

    The under-trained model is the snapshot chosen by ``under_target`` (see
    :func:`verify.app.replicate.train.train_network`), or the one after ``under_epochs``
    epochs when ``under_target`` is None. Returns the JSON-ready figure data (the
    claims are judged from it by :mod:`verify.app.replicate.claims`).
    """
    with single_threaded_blas():
        return _run_dataset(
            dataset, epochs, under_epochs, under_target, seed, profile, settings, sizes, model
        )


def _run_dataset(
    dataset: Dataset,
    epochs: int,
    under_epochs: int,
    under_target: float | None,
    seed: int,
    profile: str,
    settings: ReplicationSettings | None,
    sizes: Sizes | None,
    model: TrainedModel | None,
) -> dict[str, Any]:
    settings = settings or ReplicationSettings()
    sizes = sizes or sizes_for(profile)
    start = time.perf_counter()
    seeds = np.random.SeedSequence(seed).spawn(4)
    if model is None:
        model = train_network(
            dataset.X_train,
            dataset.y_train,
            dataset.X_test,
            dataset.y_test,
            epochs=epochs,
            under_epochs=under_epochs,
            under_target=under_target,
            seed=int(seeds[0].generate_state(1)[0]),
        )
    X = dataset.X_test
    if sizes.max_test_points is not None and X.shape[0] > sizes.max_test_points:
        keep = np.random.default_rng(seeds[1]).choice(X.shape[0], sizes.max_test_points, False)
        X = X[np.sort(keep)]
    rng = np.random.default_rng(seeds[2])
    nbrs = neighbours(X, settings.rho, settings.neighbours, rng)
    sigmas = tuple(dict.fromkeys((*settings.sigmas, settings.sigma)))
    configs: dict[str, Any] = {}
    for sigma in sigmas:
        default = sigma == settings.sigma
        truth_seed = int(seeds[3].generate_state(1)[0]) if default else None
        configs[config_key("well", sigma)] = _config_data(
            model.network, X, nbrs, sigma, sizes, settings, rng, truth_seed
        )
    configs[config_key("under", settings.sigma)] = _config_data(
        model.under_network, X, nbrs, settings.sigma, sizes, settings, rng, None
    )
    # The saturation claim's sweep: the sigmas above, plus SmoothGrad alone at the others.
    subset = sweep_points(X.shape[0], sizes.sweep_points, rng)
    for sigma in settings.saturation_sigmas:
        if config_key("well", sigma) not in configs:
            configs[config_key("well", sigma)] = robustness_curve(
                model.network, X[subset], nbrs[subset], sigma, sizes.grid, sizes.groups, rng
            )
    saturation = sorted({*settings.sigmas, *settings.saturation_sigmas})
    return {
        "dataset": dataset.summary(),
        "model": model.summary(),
        "settings": asdict(settings),
        "sizes": asdict(sizes),
        "profile": profile,
        "seed": seed,
        "n": list(sizes.grid),
        "test_points": int(X.shape[0]),
        "default": config_key("well", settings.sigma),
        "under": config_key("under", settings.sigma),
        "sweep": [config_key("well", s) for s in settings.sigmas],
        "saturation_sweep": [config_key("well", s) for s in saturation],
        "configs": configs,
        "elapsed_seconds": time.perf_counter() - start,
    }

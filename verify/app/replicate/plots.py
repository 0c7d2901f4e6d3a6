"""Matplotlib renderers of the replication's figure data (PNG bytes), report-ready.

``FIGURES`` has the format of :data:`verify.app.report.figures.FIGURES`:
figure name -> (data key in ``results["figures"]``, renderer(data) -> PNG bytes,
caption). One data key per data set (``replicate_<name>``), five figures each:
the paper's Figures 2 to 5 and the ground-truth overlay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plotting import new_axes, png

__all__ = [
    "DATASETS",
    "FIGURES",
    "equivalence_figure",
    "robustness_figure",
    "sigma_figure",
    "training_figure",
    "truth_figure",
]

DATASETS = ("simulated", "breast_cancer", "wine", "bankruptcy", "shoppers")


def _a(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _curve(ax, n, summary: dict, label: str, fmt: str, scale: float = 1.0, **kw) -> None:
    mean, se = _a(summary["mean"]) / scale, _a(summary["se"]) / scale
    ax.errorbar(n, mean, yerr=se, fmt=fmt, ms=4, capsize=2, label=label, **kw)


def _finish(ax, title: str, ylabel: str) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("perturbations n")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)


def _title(data: dict, what: str) -> str:
    ds, model = data["dataset"], data["model"]
    return (
        f"{what}\n{ds['name']}: d = {ds['dim']}, {data['test_points']} test points, "
        f"accuracy {model['test_accuracy']:.3f}"
    )


def equivalence_figure(data: dict) -> bytes:
    """Figure 2: mean ||SG_n - C-LIME_n|| against n, both pairings, with the CLT theory."""
    plt, fig, (ax,) = new_axes()
    cfg = data["configs"][data["default"]]
    n = np.asarray(data["n"], dtype=float)
    _curve(ax, n, cfg["equivalence"], "independent perturbations (paper)", "o-")
    _curve(ax, n, cfg["equivalence_shared"], "shared perturbations", "s-")
    ax.plot(
        n,
        _a(cfg["theory"]["equivalence"]),
        "k--",
        lw=1,
        label=r"mean $\sqrt{(\mathrm{tr\,Cov}\nabla f + \mathrm{tr}\,V)/n}$",
    )
    ax.plot(
        n,
        _a(cfg["theory"]["equivalence_shared"]),
        "k:",
        lw=1,
        label=r"mean $\sqrt{\mathrm{tr\,Cov}(\nabla f - \Sigma^{-1} z r)/n}$",
    )
    _finish(ax, _title(data, f"Fig. 2, sigma = {cfg['sigma']:g}"), "mean distance SG vs C-LIME")
    return png(plt, fig)


def robustness_figure(data: dict) -> bytes:
    """Figure 3: mean max distance to 10 neighbours' explanations, with truth and theory."""
    plt, fig, (ax,) = new_axes()
    cfg = data["configs"][data["default"]]
    n = np.asarray(data["n"], dtype=float)
    _curve(ax, n, cfg["robustness_sg"], "SmoothGrad", "o-", color="C0")
    _curve(ax, n, cfg["robustness_clime"], "C-LIME", "s-", color="C1")
    ax.plot(n, _a(cfg["theory"]["robustness_sg"]), "--", color="C0", lw=1, label="SG, CLT")
    ax.plot(n, _a(cfg["theory"]["robustness_clime"]), "--", color="C1", lw=1, label="C-LIME, CLT")
    truth = cfg.get("truth")
    if truth:
        ax.axhline(
            truth["floor"], color="k", lw=1, label=f"exact explanations ({truth['floor']:.2g})"
        )
    ax.axhline(
        cfg["floor_bound_sharp"],
        color="g",
        ls="-.",
        lw=1,
        label=r"Thm 2 corrected, $\rho\sqrt{2/\pi}G/\sigma$",
    )
    ax.axhline(
        cfg["floor_bound_published"],
        color="r",
        ls=":",
        lw=1,
        label=r"Thm 2 published, $\rho G/(2\sigma)$ (false)",
    )
    rho = data["settings"]["rho"]
    _finish(
        ax,
        _title(data, f"Fig. 3, sigma = {cfg['sigma']:g}, rho = {rho:g}"),
        "mean max neighbour distance",
    )
    return png(plt, fig)


def sigma_figure(data: dict) -> bytes:
    """Figure 4: equivalence (relative) and robustness for every sigma of the sweep."""
    plt, fig, (left, right) = new_axes(2)
    n = np.asarray(data["n"], dtype=float)
    for i, key in enumerate(data["sweep"]):
        cfg = data["configs"][key]
        label = f"sigma = {cfg['sigma']:g}"
        _curve(left, n, cfg["equivalence"], label, "o-", scale=cfg["scale"], color=f"C{i}")
        _curve(right, n, cfg["robustness_sg"], f"SG, {label}", "o-", color=f"C{i}")
        _curve(right, n, cfg["robustness_clime"], f"C-LIME, {label}", "s--", color=f"C{i}")
    _finish(left, _title(data, "Fig. 4"), "mean distance SG vs C-LIME / mean ||SG||")
    _finish(right, "robustness for each sigma", "mean max neighbour distance")
    return png(plt, fig)


def training_figure(data: dict) -> bytes:
    """Figure 5: equivalence and robustness for the well- and the under-trained model."""
    plt, fig, (left, right) = new_axes(2)
    n = np.asarray(data["n"], dtype=float)
    model = data["model"]
    rows = (
        (
            data["default"],
            f"well trained ({model['epochs']} epochs, acc. {model['test_accuracy']:.3f})",
        ),
        (
            data["under"],
            f"under-trained ({model['under_epochs']:.2g} epochs, acc. "
            f"{model['under_test_accuracy']:.3f})",
        ),
    )
    for i, (key, label) in enumerate(rows):
        cfg = data["configs"][key]
        _curve(left, n, cfg["equivalence"], label, "o-", color=f"C{i}")
        _curve(right, n, cfg["robustness_sg"], f"SG, {label}", "o-", color=f"C{i}")
        _curve(right, n, cfg["robustness_clime"], f"C-LIME, {label}", "s--", color=f"C{i}")
    _finish(left, _title(data, "Fig. 5"), "mean distance SG vs C-LIME")
    _finish(right, "robustness, well vs under-trained", "mean max neighbour distance")
    return png(plt, fig)


def truth_figure(data: dict) -> bytes:
    """Beyond the paper: each estimator's distance to the exact explanation, with theory."""
    plt, fig, (ax,) = new_axes()
    cfg = data["configs"][data["default"]]
    truth = cfg["truth"]
    n = np.asarray(data["n"], dtype=float)
    _curve(ax, n, cfg["smoothgrad_to_truth"], "SmoothGrad$_n$", "o-", color="C0")
    _curve(ax, n, cfg["clime_to_truth"], "C-LIME$_n$", "s-", color="C1")
    ax.plot(
        n,
        _a(cfg["theory_truth_points"]["smoothgrad_rmse"]),
        "--",
        color="C0",
        lw=1,
        label=r"mean $\sqrt{\mathrm{tr\,Cov}(\nabla f)/n}$",
    )
    ax.plot(
        n,
        _a(cfg["theory_truth_points"]["clime_rmse"]),
        "--",
        color="C1",
        lw=1,
        label=r"mean $\sqrt{\mathrm{tr}\,V/n}$ (sandwich)",
    )
    ax.plot(
        n,
        _a(truth["proposition1_radius"]),
        "r-.",
        lw=1,
        label=rf"Prop. 1 radius, $\delta={truth['delta']:g}$, G = {cfg['gradient_bound']:.2g}",
    )
    ax.axhline(
        truth["truth_error"],
        color="0.5",
        lw=1,
        ls=":",
        label=f"QMC error of the truth ({truth['truth_error']:.1g})",
    )
    _finish(
        ax,
        _title(data, f"Distance to the exact explanation ({truth['points']} points)"),
        r"mean $\|\hat E_n - E\|_2$",
    )
    return png(plt, fig)


_KINDS = {
    "equivalence": (
        equivalence_figure,
        "Figure 2 ({name}): mean distance between SmoothGrad and C-LIME against n, for "
        "independent (the paper's) and shared perturbations, with the CLT prediction.",
    ),
    "robustness": (
        robustness_figure,
        "Figure 3 ({name}): mean over test points of the maximum distance to the "
        "explanations of 10 neighbours at distance rho, with the CLT prediction, the exact "
        "explanations' value and Theorem 2's bounds on it (published and corrected).",
    ),
    "sigma": (
        sigma_figure,
        "Figure 4 ({name}): equivalence (relative to the explanation's size) and robustness "
        "for sigma in {{0.01, 0.1, 1}}.",
    ),
    "training": (
        training_figure,
        "Figure 5 ({name}): equivalence and robustness of the well-trained and the "
        "under-trained model.",
    ),
    "truth": (
        truth_figure,
        "Beyond the paper ({name}): each estimator's distance to the exact explanation "
        "(randomised QMC, error bars), with sqrt(tr Cov(grad f)/n), the sandwich sqrt(tr V/n) "
        "and Proposition 1's radius.",
    ),
}

# figure name -> (data key, renderer, caption)
FIGURES: dict[str, tuple[str, Any, str]] = {
    f"replicate_{kind}_{name}": (f"replicate_{name}", fn, caption.format(name=name))
    for name in DATASETS
    for kind, (fn, caption) in _KINDS.items()
}

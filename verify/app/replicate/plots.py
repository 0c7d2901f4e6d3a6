"""Matplotlib renderers of the replication's figure data (PNG bytes), report-ready.

``FIGURES`` has the format of :data:`verify.app.report.figures.FIGURES`:
figure name -> (data key in ``results["figures"]``, renderer(data) -> PNG bytes,
caption). One data key per data set (``replicate_<name>``), six figures each:
the paper's Figures 2 to 5, the ground-truth overlay and the saturation claim's
sigma sweep. Two-panel figures stack their panels (each at the width of a
one-panel figure, so a report never shrinks them below legibility), and every
caption says what its error bars are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plotting import new_axes, png
from .claims import FAILED, INCONCLUSIVE, PASSED, Thresholds, saturation_sweep
from .groups import group_standard_error, ratio

__all__ = [
    "DATASETS",
    "FIGURES",
    "equivalence_figure",
    "robustness_figure",
    "saturation_figure",
    "sigma_figure",
    "training_figure",
    "truth_figure",
]

DATASETS = ("simulated", "breast_cancer", "wine", "bankruptcy", "shoppers")


def _stacked_axes(rows: int = 2) -> tuple[Any, Any, list]:
    """(pyplot, figure, [axes]) with the panels stacked, each as wide as a one-panel figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, 1, figsize=(6.4, 4.4 * rows), dpi=110, squeeze=False)
    return plt, fig, [row[0] for row in axes]


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
    plt, fig, (left, right) = _stacked_axes()
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
    plt, fig, (left, right) = _stacked_axes()
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


_VERDICT_COLOURS = {PASSED: "#1a7f37", FAILED: "#cf222e", INCONCLUSIVE: "#6e7781"}


def saturation_figure(data: dict) -> bytes:
    """The saturation claim over sigma: R(n) / R(n_max) per sigma, and each sigma's verdict."""
    th = Thresholds()
    sweep = saturation_sweep(data, th)
    plt, fig, (curves, verdicts) = _stacked_axes()
    n = np.asarray(data["n"], dtype=float)
    threshold = 1 + th.saturation_tolerance
    for i, row in enumerate(sweep["rows"]):
        cfg = data["configs"][f"well/sigma={row['sigma']:g}"]
        w = np.asarray(cfg["group_sizes"], float)
        w /= w.sum()
        R = np.array(cfg["robustness_sg"]["groups"], float)
        values = [ratio(R[:, j], R[:, -1], w) for j in range(n.size)]
        mean = np.array([v for v, _ in values])
        se = np.array([group_standard_error(psi, w) for _, psi in values])
        curves.errorbar(
            n * (1 + 0.03 * (i - len(sweep["rows"]) / 2)),  # side by side, not on top
            mean,
            yerr=se,
            fmt="o-",
            ms=3,
            capsize=2,
            color=_VERDICT_COLOURS[row["status"]],
            alpha=0.35 + 0.65 * (i + 1) / len(sweep["rows"]),
            label=f"sigma = {row['sigma']:g} ({row['status']}, {row['points']} points)",
        )
    curves.axhline(threshold, color="k", ls="--", lw=1, label=f"claim: <= {threshold:g}")
    curves.axvline(th.about_factor * th.saturation_n, color="k", ls=":", lw=1)
    curves.set_xscale("log")
    curves.set_yscale("log")
    curves.set_xlabel("perturbations n (dotted: the claim's 'about 200', admitted up to 400)")
    curves.set_ylabel(f"R(n) / R({int(n[-1])}), SmoothGrad")
    curves.set_title(_title(data, "SmoothGrad's robustness: distance to its plateau"), fontsize=10)
    curves.legend(fontsize=7)
    for row in sweep["rows"]:
        if not row["margins_se"]:  # the grid ends before the claim's limit: nothing judged
            continue
        j = int(np.argmin(row["margins_se"]))  # the deciding comparison
        verdicts.errorbar(
            row["sigma"],
            row["ratios"][j],
            yerr=row["quantile"] * row["ratio_se"][j],
            fmt="o",
            capsize=4,
            color=_VERDICT_COLOURS[row["status"]],
        )
        verdicts.annotate(
            f"{row['status']}\nn = {row['n'][j]}",
            (row["sigma"], row["ratios"][j]),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=7,
        )
    verdicts.axhline(threshold, color="k", ls="--", lw=1)
    b = sweep["boundary"]
    if b:
        verdicts.axvspan(b["passed_at"], b["failed_at"], color="#bf8700", alpha=0.15)
        verdicts.set_title(
            f"boundary between sigma = {b['passed_at']:g} (passed) and {b['failed_at']:g} (failed)",
            fontsize=10,
        )
    else:
        verdicts.set_title("no passed-to-failed boundary in the sweep", fontsize=10)
    verdicts.set_xscale("log")
    verdicts.set_yscale("log")
    verdicts.set_xlabel("sigma")
    verdicts.set_ylabel("deciding R(n) / R(n_max)")
    return png(plt, fig)


_GROUPS = (
    "the independent groups of test points (16 groups in the ci profile; points of a group "
    "share their perturbations, groups do not)"
)

_KINDS = {
    "equivalence": (
        equivalence_figure,
        "Figure 2 ({name}): mean distance between SmoothGrad and C-LIME against n, for "
        "independent (the paper's) and shared perturbations, with the CLT prediction. Error "
        "bars: one standard error of the mean over test points, from " + _GROUPS + ".",
    ),
    "robustness": (
        robustness_figure,
        "Figure 3 ({name}): mean over test points of the maximum distance to the "
        "explanations of 10 neighbours at distance rho, with the CLT prediction, the exact "
        "explanations' value and Theorem 2's bounds on it (published and corrected). Error "
        "bars: one standard error of the mean over test points, from " + _GROUPS + ".",
    ),
    "sigma": (
        sigma_figure,
        "Figure 4 ({name}): equivalence (top, relative to the explanation's size) and "
        "robustness (bottom) for sigma in {{0.01, 0.1, 1}}. Error bars: one standard error of "
        "the mean over test points, from " + _GROUPS + ".",
    ),
    "training": (
        training_figure,
        "Figure 5 ({name}): equivalence (top) and robustness (bottom) of the well-trained and "
        "the under-trained model. Error bars: one standard error of the mean over test "
        "points, from " + _GROUPS + ".",
    ),
    "truth": (
        truth_figure,
        "Beyond the paper ({name}): each estimator's distance to the exact explanation "
        "(randomised QMC), with sqrt(tr Cov(grad f)/n), the sandwich sqrt(tr V/n) and "
        "Proposition 1's radius. Error bars: one standard error of the mean over the "
        "ground-truth points (one per independent group); the dotted line is the truth's own "
        "QMC error.",
    ),
    "saturation": (
        saturation_figure,
        "The saturation claim over sigma ({name}). Top: SmoothGrad's robustness R(n) over its "
        "value at the largest n, for every sigma of the sweep, coloured by that sigma's "
        "verdict (green passed, red failed, grey inconclusive); error bars: one standard "
        "error of the paired ratio (delta method over " + _GROUPS + "; the extra sigmas "
        "use a seeded subset of the test points, as the legend says). Bottom: each sigma's "
        "deciding comparison (the n with the smallest margin); its error bar is the decision "
        "interval, ratio +- q standard errors with q the Student t quantile at false alarm "
        "1e-6 (Bonferroni over the claim's comparisons): passed when every comparison's "
        "interval is below the dashed threshold, failed when one is above it. Shaded: the "
        "boundary between the largest sigma that passed and the next that failed.",
    ),
}

# figure name -> (data key, renderer, caption)
FIGURES: dict[str, tuple[str, Any, str]] = {
    f"replicate_{kind}_{name}": (f"replicate_{name}", fn, caption.format(name=name))
    for name in DATASETS
    for kind, (fn, caption) in _KINDS.items()
}

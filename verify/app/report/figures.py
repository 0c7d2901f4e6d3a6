"""Matplotlib figures drawn from the ``figures`` data of ``results.json``.

Each function takes the stored data and returns PNG bytes, so a report can be
re-rendered from a saved run without recomputing anything. Every caption says
what each axis plots and what any error bar means.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plotting import new_axes, png

__all__ = ["FIGURES", "render_figures"]


def _legend_below(ax: Any, ncol: int = 2) -> None:
    """The legend under the axes, where it cannot cover a line."""
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol, frameon=False)


def _with_errors(ax: Any, n: list, data: dict, key: str, fmt: str, label: str) -> None:
    se = data.get(f"{key}_se")
    yerr = None if se is None else 2 * np.asarray(se, float)
    ax.errorbar(n, data[key], yerr=yerr, fmt=fmt, ms=4, capsize=2, label=label)


def convergence_figure(data: dict[str, Any]) -> bytes:
    """Estimator error vs n, log-log, with the n^-1/2 theory and the Proposition 1 radius."""
    plt, fig, (ax,) = new_axes(height=5.0)
    n = data["n"]
    _with_errors(ax, n, data, "smoothgrad_rmse", "o-", "SmoothGrad$_n$ RMSE")
    _with_errors(ax, n, data, "clime_rmse", "s-", "C-LIME$_n$ RMSE")
    ax.plot(
        n, data["smoothgrad_theory"], "k--", lw=1, label=r"$\sqrt{\mathrm{tr\,Cov}(\nabla f)/n}$"
    )
    ax.plot(n, data["clime_theory"], "k:", lw=1, label=r"$\sqrt{\mathrm{tr}\,V/n}$ (sandwich)")
    ax.plot(
        n,
        data["proposition1_radius_delta_0.05"],
        "r-.",
        lw=1,
        label=r"Prop. 1 radius, $\delta=0.05$",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("perturbations n")
    ax.set_ylabel(r"RMSE $\|\hat E_n - E\|_2$ against the closed form")
    ax.set_title("Convergence to the exact explanation")
    _legend_below(ax)
    return png(plt, fig)


def distance_figure(data: dict[str, Any]) -> bytes:
    """Mean distance between SmoothGrad_n and C-LIME_n on shared samples, vs n."""
    plt, fig, (ax,) = new_axes(height=4.6)
    _with_errors(
        ax, data["n"], data, "sg_clime_distance", "o-", r"$\|SG_n - \mathrm{C\text{-}LIME}_n\|$"
    )
    ref = data["sg_clime_distance"][0] * np.sqrt(data["n"][0] / np.asarray(data["n"], float))
    ax.plot(data["n"], ref, "k--", lw=1, label=r"$\propto n^{-1/2}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("perturbations n")
    ax.set_ylabel(r"mean $\|SG_n - \mathrm{C\text{-}LIME}_n\|_2$, shared samples")
    ax.set_title("SmoothGrad vs C-LIME (Theorem 1, empirically)")
    _legend_below(ax)
    return png(plt, fig)


def lipschitz_figure(data: dict[str, Any]) -> bytes:
    """Local slope of SmoothGrad for the counterexamples against the three constants."""
    plt, fig, (ax,) = new_axes(height=5.0)
    for name, curve in data["curves"].items():
        label = {"abs": "f = |x|", "sin": r"f = $\sigma\sin(x/\sigma)$"}.get(name, name)
        ax.plot(data["x"], curve["slope"], label=f"{label}")
    for key, style, words in (
        ("published", "r--", "published"),
        ("pinsker", "g:", "Pinsker, factor 2 kept"),
        ("sharp", "k-.", "sharp"),
    ):
        ax.axhline(data[key], color=style[0], ls=style[1:], lw=1, label=f"{words}: {data[key]:.3f}")
    ax.set_xlabel(rf"point $x_0$ (d = 1, $\sigma$ = {data['sigma']:g})")
    ax.set_ylabel(r"local Lipschitz ratio $|d\,SG/dx_0|$")
    ax.set_title(r"Theorem 2: slope of SmoothGrad, $\nabla f_{max} = 1$")
    _legend_below(ax, ncol=3)
    return png(plt, fig)


def counterexample_figure(data: dict[str, Any]) -> bytes:
    """The found counterexample in its own sigma: SG against the cones each constant allows."""
    from ..formulas import formula

    plt, fig, (ax,) = new_axes(height=5.0)
    t = np.asarray(data["distance"], float)
    ax.fill_between(
        t,
        -data["published"] * np.abs(t),
        data["published"] * np.abs(t),
        color="tab:red",
        alpha=0.15,
        label=f"allowed by the published constant {data['published']:.3g}",
    )
    for sign in (1, -1):
        ax.plot(
            t,
            sign * data["sharp"] * np.abs(t),
            "k-.",
            lw=1,
            label=f"sharp constant {data['sharp']:.3g}" if sign == 1 else None,
        )
    ax.plot(t, data["projection"], "tab:blue", lw=2, label="SmoothGrad (exact)")
    ax.plot([data["length"]], [data["gap"]], "o", color="tab:red", ms=8, zorder=5)
    ax.annotate(
        f"SG(y): {data['ratio']:.3f} × the published bound",
        (data["length"], data["gap"]),
        xytext=(10, -18),
        textcoords="offset points",
        fontsize=9,
        color="tab:red",
    )
    ax.set_xlabel(r"distance from x along the segment x $\to$ y")
    ax.set_ylabel(r"$SG(\cdot) - SG(x)$ along $SG(y) - SG(x)$")
    ax.set_title(f"Counterexample: f(x) = {formula(data['function'])}, σ = {data['sigma']:g}")
    _legend_below(ax)
    return png(plt, fig)


def no_free_lunch_figure(data: dict[str, Any]) -> bytes:
    """Excess loss across neighbourhood widths, exact against sampled, one panel per loss."""
    from ..formulas import formula

    plt, fig, axes = new_axes(ncols=2, width=5.0, height=4.4)
    widths = np.asarray(data["widths"], float)
    panels = (
        ("squared", "C-LIME (squared loss)", r"$L_2(g_1) - L_2(g_2)$"),
        ("gradient_matching", "SmoothGrad (gradient matching)", r"$\|SG_1 - SG_2\|^2$"),
    )
    for ax, (key, title, exact_label) in zip(axes, panels, strict=True):
        series = data[key]
        exact = np.asarray(series["exact"], float)
        ax.plot(widths, exact, "k-", lw=1.5, label=f"exact: {exact_label}")
        ax.errorbar(
            widths,
            series["sampled"],
            yerr=series["half_width"],
            fmt="o",
            ms=4,
            capsize=3,
            color="tab:blue",
            label=f"sampled (n = {data['n']})",
        )
        ax.axvline(data["reference_width"], color="tab:red", ls="--", lw=1, label="fitted at s₁")
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=max(float(np.max(np.abs(exact))) * 1e-3, 1e-12))
        ax.set_xlabel(r"width $s$ of the neighbourhood $Z_2 = N(x_0, s^2 I)$ (log)")
        ax.set_ylabel("excess loss on $Z_2$ (symlog)")
        ax.set_title(title, fontsize=10)
        _legend_below(ax, ncol=1)
    fig.suptitle(f"No free lunch: f(x) = {formula(data['function'])}", fontsize=10)
    return png(plt, fig)


def _no_free_lunch_caption(data: dict[str, Any]) -> str:
    return (
        "Excess loss of an explanation fitted on Z1 = N(x0, s1^2 I), s1 = "
        f"{data['reference_width']:g}, and used on Z2 = N(x0, s^2 I), across widths s: left "
        "C-LIME (squared loss; exactly (E2 f - E1 f)^2 + dw' S2 dw), right SmoothGrad "
        "(gradient matching; exactly ||SG1 - SG2||^2), both zero at s = s1 (dashed line). "
        "Lines: the exact closed forms (no error). Points: the Monte Carlo mean of the "
        f"defining differences over n = {data['n']} draws of Z2 (seed {data['seed']}); error "
        f"bars: the two-sided {100 * data['confidence']:g} % normal-approximation interval of "
        "that mean, ± z sd/sqrt(n) from the draws' own standard deviation, per width. "
        "Symlog vertical axis: linear within 1e-3 of the largest value."
    )


_EXACT = "Exact closed forms: no sampling, hence no error bars."

# figure name -> (data key, renderer, caption: a string, or a function of the figure data)
FIGURES = {
    "convergence": (
        "convergence",
        convergence_figure,
        "RMSE of SmoothGrad_n and C-LIME_n against the closed-form explanation, over n, with "
        "the n^-1/2 theory (sqrt(tr Cov(grad f)/n) and the sandwich sqrt(tr V/n)) and "
        "Proposition 1's radius at delta = 0.05. Error bars: ±2 standard errors of the RMSE "
        "over the replicates (delta method).",
    ),
    "distance": (
        "convergence",
        distance_figure,
        "Mean distance between SmoothGrad_n and C-LIME_n computed on the same samples, over n. "
        "Error bars: ±2 standard errors of the mean over the replicates.",
    ),
    "lipschitz": (
        "lipschitz",
        lipschitz_figure,
        "Local Lipschitz ratio |d SG/dx0| of SmoothGrad for f = |x| and f = σ sin(x/σ) "
        "against the published, Pinsker and sharp constants (horizontal lines). " + _EXACT,
    ),
    "counterexample": (
        "counterexample",
        counterexample_figure,
        "The counterexample the property search found, in its own σ: SmoothGrad along the "
        "segment from x to y (component along SG(y) - SG(x)) leaves the cone the published "
        "constant allows (shaded) and stays inside the sharp one. " + _EXACT,
    ),
    "no_free_lunch": ("no_free_lunch", no_free_lunch_figure, _no_free_lunch_caption),
}


def render_figures(figure_data: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    """All figures whose data is present: name -> (PNG bytes, caption)."""
    registry = dict(FIGURES)
    if any(key.startswith("replicate_") for key in figure_data):
        from verify.app.replicate.plots import FIGURES as REPLICATION_FIGURES

        registry.update(REPLICATION_FIGURES)
    out = {}
    for name, (key, fn, caption) in registry.items():
        if key in figure_data:
            data = figure_data[key]
            out[name] = (fn(data), caption(data) if callable(caption) else caption)
    return out

"""Matplotlib figures drawn from the ``figures`` data of ``results.json``.

Each function takes the stored data and returns PNG bytes, so a report can be
re-rendered from a saved run without recomputing anything.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plotting import new_axes, png

__all__ = ["FIGURES", "render_figures"]


def convergence_figure(data: dict[str, Any]) -> bytes:
    """Estimator error vs n, log-log, with the n^-1/2 theory and the Proposition 1 radius."""
    plt, fig, (ax,) = new_axes(height=4.0)
    n = data["n"]
    ax.loglog(n, data["smoothgrad_rmse"], "o-", label="SmoothGrad$_n$ RMSE")
    ax.loglog(n, data["clime_rmse"], "s-", label="C-LIME$_n$ RMSE")
    ax.loglog(
        n, data["smoothgrad_theory"], "k--", lw=1, label=r"$\sqrt{\mathrm{tr\,Cov}(\nabla f)/n}$"
    )
    ax.loglog(n, data["clime_theory"], "k:", lw=1, label=r"$\sqrt{\mathrm{tr}\,V/n}$ (sandwich)")
    ax.loglog(
        n,
        data["proposition1_radius_delta_0.05"],
        "r-.",
        lw=1,
        label=r"Prop. 1 radius, $\delta=0.05$",
    )
    ax.set_xlabel("perturbations n")
    ax.set_ylabel(r"$\|\hat E - E\|_2$")
    ax.set_title("Convergence to the exact explanation")
    ax.legend(fontsize=8)
    return png(plt, fig)


def distance_figure(data: dict[str, Any]) -> bytes:
    """Mean distance between SmoothGrad_n and C-LIME_n on shared samples, vs n."""
    plt, fig, (ax,) = new_axes(height=4.0)
    ax.loglog(
        data["n"], data["sg_clime_distance"], "o-", label=r"$\|SG_n - \mathrm{C\text{-}LIME}_n\|$"
    )
    ref = data["sg_clime_distance"][0] * np.sqrt(data["n"][0] / np.asarray(data["n"], float))
    ax.loglog(data["n"], ref, "k--", lw=1, label=r"$\propto n^{-1/2}$")
    ax.set_xlabel("perturbations n")
    ax.set_ylabel("mean distance")
    ax.set_title("SmoothGrad vs C-LIME (Theorem 1, empirically)")
    ax.legend(fontsize=8)
    return png(plt, fig)


def lipschitz_figure(data: dict[str, Any]) -> bytes:
    """Local slope of SmoothGrad for the counterexamples against the three constants."""
    plt, fig, (ax,) = new_axes(height=4.0)
    for name, curve in data["curves"].items():
        label = {"abs": "f = |x|", "sin": r"f = $\sigma\sin(x/\sigma)$"}.get(name, name)
        ax.plot(data["x"], curve["slope"], label=f"|d SG/dx|, {label}")
    for key, style in (("published", "r--"), ("pinsker", "g:"), ("sharp", "k-.")):
        ax.axhline(
            data[key], color=style[0], ls=style[1:], lw=1, label=f"{key} constant {data[key]:.3f}"
        )
    ax.set_xlabel("x")
    ax.set_ylabel("Lipschitz ratio")
    ax.set_title(rf"Theorem 2: $\nabla f_{{max}}=1$, $\sigma={data['sigma']}$")
    ax.legend(fontsize=7)
    return png(plt, fig)


def counterexample_figure(data: dict[str, Any]) -> bytes:
    """The counterexample f = |x| and its SmoothGrad, with the published slope bound."""
    plt, fig, (ax,) = new_axes(height=4.0)
    curve = data["curves"]["abs"]
    x = data["x"]
    ax.plot(x, curve["f"], label="f(x) = |x|")
    ax.plot(x, curve["smoothgrad"], label="SmoothGrad (exact)")
    ax.plot(
        x,
        [data["published"] * t for t in x],
        "r--",
        lw=1,
        label=f"slope {data['published']:.2f} (published bound)",
    )
    ax.set_ylim(-1.5, 1.5)
    ax.set_xlabel("x")
    ax.set_title("Counterexample to the published Theorem 2")
    ax.legend(fontsize=8)
    return png(plt, fig)


# figure name -> (data key, renderer, caption)
FIGURES = {
    "convergence": (
        "convergence",
        convergence_figure,
        "Estimator error against n with the n^-1/2 theory and Proposition 1's radius.",
    ),
    "distance": (
        "convergence",
        distance_figure,
        "Distance between SmoothGrad and C-LIME on shared samples against n.",
    ),
    "lipschitz": (
        "lipschitz",
        lipschitz_figure,
        "Lipschitz ratio of SmoothGrad against the published, Pinsker and sharp constants.",
    ),
    "counterexample": (
        "lipschitz",
        counterexample_figure,
        "The counterexample function and its SmoothGrad.",
    ),
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
            out[name] = (fn(figure_data[key]), caption)
    return out

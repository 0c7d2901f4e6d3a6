"""Helpers shared by the check modules: settings, replicates, formatting, diagnosis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from verify.covariance import Covariance
from verify.jsonable import to_json

from .runner import DEFAULT_SETTINGS, CheckFailure, Settings, call_explainer
from .tolerances import exact_tolerance

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "adjacent",
    "case_options",
    "diagnose_ratios",
    "fail",
    "fmt",
    "replicates",
    "resolve",
    "summand_scale",
    "tolerance",
]


def resolve(settings: Settings | None) -> Settings:
    return DEFAULT_SETTINGS if settings is None else settings


def fmt(values: Any) -> str:
    """Short printable form of a number or array."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.4g}"
    if arr.ndim > 1:
        return "[" + ", ".join(fmt(row) for row in arr) + "]"
    # A plain list on one line (numpy pads and wraps): up to 12 entries, then how many more.
    shown = ", ".join(f"{v:.4g}" for v in arr[:12])
    return f"[{shown}{f', ... ({arr.size - 12} more)' if arr.size > 12 else ''}]"


def fail(check: str, what: str, seed: int, hint: str, figures: dict[str, Any]) -> CheckFailure:
    """A failure whose message reads: what went wrong, the seed, the usual causes."""
    return CheckFailure(
        f"{check} failed: {what} [seed={seed}]. Usual cause: {hint}", to_json(figures)
    )


def case_options(explainer: Explainer, s: Settings, **overrides: Any) -> dict[str, Any]:
    """Options of :func:`properties.strategies.battery.cases` for this explainer.

    The declared covariance structure and precision, the settings' dimensions,
    and at least d + 2 draws for a perturbation explainer (a fit needs them).
    """
    options: dict[str, Any] = {
        "structure": explainer.covariance,
        "precision": explainer.precision,
        "max_dim": s.max_dim,
        "min_dim": s.min_dim,
        "n_range": (1, s.n_exact),
        "min_n_per_dim": 1 if explainer.kind == "perturbation" else 0,
    }
    if explainer.kind == "perturbation" and explainer.kernel_width and explainer.units == "raw":
        # A width fixed in input units: noise far wider than it leaves no sample weight.
        options["max_eigenvalue"] = (2 * explainer.kernel_width) ** 2
    options.update(overrides)
    return options


def adjacent(seed: int, count: int) -> list[int]:
    """``count`` adjacent explainer seeds from ``seed``."""
    return [int(seed) + k for k in range(count)]


def tolerance(explainer: Explainer, case: Any, scale: float) -> float:
    """The tolerance of an exact identity between outputs of size ``scale`` on ``case``."""
    return exact_tolerance(
        explainer.exact_rtol, explainer.eps, scale, case.distance, case.condition
    )


def summand_scale(case: Any, output: np.ndarray) -> float:
    """The size an exact identity's round-off is relative to: the larger of the output and
    the terms it averages (max |grad f| on a fixed pilot of 64 noise draws).

    Round-off in a mean is relative to its terms, not to the mean: with cancellation (a
    sine ridge with sigma |w| = 2.5) the explanation can be 10^5 times smaller than the
    gradients it averages, and a float32 explainer's translated twin then differs by
    float32 round-off of the terms (a false alarm of captum's SmoothGrad at 72 sigma).
    The pilot is the engine's (f is the battery's own), never the explainer's.
    """
    size = max(float(np.max(np.abs(output))), 1e-300)
    if not hasattr(case.f, "gradient"):
        return size
    u = np.random.default_rng(0).standard_normal((64, case.d))
    points = case.x0 + Covariance.of(case.cov, case.d).colorize(u)
    with np.errstate(all="ignore"):
        terms = float(np.max(np.abs(case.f.gradient(points))))
    return max(size, terms) if np.isfinite(terms) else size


def replicates(
    explainer: Explainer,
    f: Any,
    x0: np.ndarray,
    cov: np.ndarray,
    n: int,
    seeds: list[int],
    check: str,
) -> np.ndarray:
    """The explainer's output for each seed: shape (R, d)."""
    return np.array([call_explainer(explainer, f, x0, cov, n, s, check) for s in seeds])


def diagnose_ratios(
    observed: np.ndarray, expected: np.ndarray, stds: np.ndarray, default: str
) -> str:
    """``default``, preceded by the mistake the per-feature ratios point to, if any."""
    pattern = _ratio_pattern(observed, expected, stds)
    return default if pattern is None else f"{pattern}; more generally: {default}"


def _ratio_pattern(observed: np.ndarray, expected: np.ndarray, stds: np.ndarray) -> str | None:
    """Name the usual mistake from the per-feature ratios observed / expected.

    ``stds`` are the per-feature noise standard deviations sqrt(cov_jj). The
    patterns recognised (ratios within 10 %): a sign flipped on some features;
    absolute values; the variance passed where a standard deviation is
    expected (for an explanation proportional to cov_jj the ratio is cov_jj);
    a standard deviation passed as a variance or a coefficient divided twice by
    the feature scale (ratio 1 / std_j); coefficients left in standardised
    units (ratio std_j); a common factor (shrinkage).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / expected
    big = np.abs(expected) > 0.01 * np.max(np.abs(expected))
    if not np.any(big) or not np.all(np.isfinite(ratio[big])):
        return None
    r = ratio[big]

    def near(target: np.ndarray) -> bool:
        target = np.broadcast_to(np.asarray(target, dtype=float), ratio.shape)[big]
        return bool(np.all(np.sign(r) == np.sign(target))) and bool(
            np.all(np.abs(np.log(np.abs(r) / np.abs(target))) < 0.1)
        )

    flipped = np.flatnonzero(big & (ratio < 0))
    if near(np.ones_like(ratio)):
        return None
    if near(np.sign(expected)) and np.all(observed[big] >= 0):
        return (
            "absolute values: the explanation is |grad f| (e.g. captum Saliency's default "
            "abs=True; pass abs=False)"
        )
    if near(np.where(ratio < 0, -1.0, 1.0)):
        return f"the sign of feature(s) {flipped.tolist()} is flipped"
    if near(stds**2):
        return (
            "the variance was passed where a standard deviation is expected (noise std = "
            "cov_jj instead of sqrt(cov_jj); e.g. captum's stdevs is a standard deviation)"
        )
    if near(1 / stds):
        return (
            "a standard deviation passed as a variance, or a slope divided twice by the "
            "feature scale"
        )
    if near(stds):
        return (
            "coefficients left in standardised units: divide them by the feature scale "
            "(lime: explainer.scaler.scale_)"
        )
    if np.all(r > 0) and np.ptp(np.log(r)) < 0.1:
        return (
            f"every feature is scaled by about {np.exp(np.mean(np.log(r))):.3g}: an undeclared "
            "ridge or kernel shrinkage, or a wrong noise scale"
        )
    return None

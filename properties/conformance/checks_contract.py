"""Contract checks: output shape, no mutation, input validation, seeds.

None is statistical: each compares exact values (to the working precision).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import problems as P
from .common import fail, fmt, resolve
from .explainer import Explainer
from .runner import CheckTimeout, Settings, call_explainer, guarded

__all__ = [
    "check_input_validation",
    "check_no_mutation",
    "check_output_contract",
    "check_seed_reproducibility",
    "check_seed_sensitivity",
]

_ACCEPTED_ERRORS = (ValueError, TypeError)


def check_output_contract(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """A finite float array of shape (d,) for every dimension d in {2, dim, 5}.

    Fails with the reason if the explainer raises, returns a batch axis, a
    tensor that is not convertible, or NaN/inf.
    """
    name = "check_output_contract"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    dims = sorted({2, s.dim, 5})
    for d in dims:
        f = P.rbf(rng, d)
        cov = P.covariance(rng, d, explainer.covariance)
        call_explainer(explainer, f, P.point(rng, d), cov, max(s.n_exact, 4 * d), seed, name)
    return {"dims": dims}


def check_no_mutation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The caller's ``x0`` and ``cov`` arrays are unchanged after the call."""
    name = "check_no_mutation"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    x0 = P.point(rng, d)
    cov = P.covariance(rng, d, explainer.covariance)
    x0_arg, cov_arg = x0.copy(), cov.copy()
    call_explainer(explainer, f, x0_arg, cov_arg, s.n_exact, seed, name)
    for label, before, after in (("x0", x0, x0_arg), ("cov", cov, cov_arg)):
        if not np.array_equal(before, after):
            raise fail(
                name,
                f"the explainer modified the caller's {label} in place: before {fmt(before)}, "
                f"after {fmt(after)} (expected: unchanged, tolerance: exact equality)",
                seed,
                f"an in-place operation on the argument ({label} += noise, {label} -= mean, "
                f"np.fill_diagonal); copy first with np.array({label}, dtype=float)",
                {"argument": label, "before": before, "after": after},
            )
    return {"arguments": ["x0", "cov"]}


def _bad_inputs(
    rng: np.random.Generator, d: int, structure: str
) -> list[tuple[str, np.ndarray, np.ndarray, Any]]:
    x0 = P.point(rng, d)
    cov = P.covariance(rng, d, structure)
    asym = cov.copy()
    asym[0, 1] += 0.3 * cov[0, 0]
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    eig = np.diag(cov).copy()
    eig[-1] = -eig[-1]
    indefinite = np.diag(eig) if structure != "full" else (q * eig) @ q.T
    nan_cov = cov.copy()
    nan_cov[0, 0] = np.nan
    nan_x0 = x0.copy()
    nan_x0[-1] = np.nan
    return [
        ("a non-symmetric cov", x0, asym, None),
        ("a cov that is not positive definite (one negative eigenvalue)", x0, indefinite, None),
        (f"a cov of shape ({d + 1}, {d + 1}) for d = {d}", x0, np.eye(d + 1), None),
        ("a vector of variances instead of a (d, d) cov", x0, np.diag(cov), None),
        ("a cov containing NaN", x0, nan_cov, None),
        (f"an x0 of length {d + 1} for d = {d}", np.append(x0, 0.5), cov, None),
        ("an x0 containing NaN", nan_x0, cov, None),
        ("n = 0", x0, cov, 0),
        ("n = -5", x0, cov, -5),
    ]


def check_input_validation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Bad covariances, shapes and sample sizes raise ValueError or TypeError.

    Returning a value for them is garbage in, garbage out; raising anything
    else (AssertionError, KeyError, ...) hides the problem from the user.
    """
    name = "check_input_validation"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    problems = []
    for label, x0, cov, n in _bad_inputs(rng, d, explainer.covariance):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # garbage in: the verdict, not the noise, counts
                out = guarded(explainer, f, x0, cov, s.n_exact if n is None else n, seed)
        except _ACCEPTED_ERRORS:
            continue
        except CheckTimeout:
            raise
        except Exception as exc:
            problems.append(f"{label}: raised {type(exc).__name__} ({exc})")
            continue
        problems.append(f"{label}: returned {fmt(np.asarray(out, dtype=float).ravel()[:6])}")
    if problems:
        raise fail(
            name,
            f"{len(problems)} bad input(s) were not refused with ValueError/TypeError: "
            + "; ".join(problems),
            seed,
            "no validation of cov (symmetric, positive definite, (d, d)), x0 (shape (d,), "
            "finite) and n (positive int) before use; raise ValueError naming the problem",
            {"not_refused": problems},
        )
    return {"refused": len(_bad_inputs(rng, d, explainer.covariance))}


def _three_calls(explainer: Explainer, name: str, seed: int, s: Settings) -> tuple[Any, ...]:
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    x0 = P.point(rng, d)
    cov = P.covariance(rng, d, explainer.covariance)
    seeds = P.explainer_seeds(rng, 3)
    outs = [call_explainer(explainer, f, x0, cov, s.n_exact, k, name) for k in seeds]
    return outs, seeds


def check_seed_reproducibility(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Same seed, same answer, even after a call with another seed in between."""
    name = "check_seed_reproducibility"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    f = P.rbf(rng, d)
    x0 = P.point(rng, d)
    cov = P.covariance(rng, d, explainer.covariance)
    a, b = P.explainer_seeds(rng, 2)
    first = call_explainer(explainer, f, x0, cov, s.n_exact, a, name)
    call_explainer(explainer, f, x0, cov, s.n_exact, b, name)
    again = call_explainer(explainer, f, x0, cov, s.n_exact, a, name)
    tol = 1e-9 * max(float(np.max(np.abs(first))), 1e-12)
    diff = float(np.max(np.abs(first - again)))
    if diff > tol:
        raise fail(
            name,
            f"two calls with seed {a} gave {fmt(first)} and {fmt(again)} (max difference "
            f"{diff:.3g}, tolerance {tol:.3g})",
            seed,
            "the seed is not used to seed the noise: a global generator (np.random.*, "
            "torch's global RNG without torch.manual_seed(seed)) or a generator created once "
            "and reused across calls (lime's random_state fixed at construction)",
            {"first": first, "again": again, "difference": diff, "tolerance": tol},
        )
    return {"difference": diff, "tolerance": tol}


def check_seed_sensitivity(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Stochastic: different seeds give different answers. Deterministic: they do not."""
    name = "check_seed_sensitivity"
    s = resolve(settings)
    outs, seeds = _three_calls(explainer, name, seed, s)
    scale = max(float(np.max(np.abs(outs[0]))), 1e-12)
    diffs = [float(np.max(np.abs(outs[i] - outs[j]))) for i, j in ((0, 1), (0, 2), (1, 2))]
    if explainer.stochastic:
        tol = 1e-12 * scale
        if min(diffs) <= tol:
            raise fail(
                name,
                f"seeds {seeds} gave identical explanations (smallest max difference "
                f"{min(diffs):.3g} <= {tol:.3g}) although the explainer is declared stochastic",
                seed,
                "the seed argument is ignored (a hard-coded seed or random_state inside the "
                "explainer); if the explainer is deterministic by design declare "
                "stochastic=False",
                {"outputs": outs, "seeds": seeds, "differences": diffs},
            )
        return {"smallest_difference": min(diffs), "tolerance": tol}
    tol = explainer.exact_rtol * scale
    if max(diffs) > tol:
        raise fail(
            name,
            f"declared deterministic but seeds {seeds} gave {fmt(outs[0])}, {fmt(outs[1])}, "
            f"{fmt(outs[2])} (max difference {max(diffs):.3g} > {tol:.3g})",
            seed,
            "the explainer draws random numbers: declare stochastic=True",
            {"outputs": outs, "seeds": seeds, "differences": diffs},
        )
    return {"largest_difference": max(diffs), "tolerance": tol}

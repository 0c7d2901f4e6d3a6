"""Propositions 2 (linearity) and 3 (proportionality): exact identities, no false alarms.

* :func:`check_proposition2` -- SG and C-LIME of alpha f + beta g equal
  alpha (.)(f) + beta (.)(g): exactly for the empirical estimators when the
  three share one perturbation sample (OLS is linear in y), and for the
  closed forms (also through an independent route when f and g are
  polynomials: the merged polynomial's moments).
* :func:`check_proposition3` -- for f = g(theta^T x + b): SG = C-LIME =
  k(x) theta with k(x) = E g'(s), s ~ N(m, v), from :func:`single_index_slope`
  (this module's own formulas, docs/math.md#ridge-functions); for affine f, k = 1,
  SG_n = theta for every n >= 1 and C-LIME_n = theta for n >= d + 1.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from scipy.integrate import quad
from scipy.special import ndtr

from verify.estimators import draw_noise
from verify.functions import Function, Polynomial, RidgeFunction

from .. import strategies as S
from .inputs import (
    ClosedForm,
    Estimator,
    check_inputs,
    check_n,
    default_clime,
    default_closed_clime,
    default_closed_smoothgrad,
    default_smoothgrad,
    exact_scale,
)
from .records import FALSIFIED, NOT_APPLICABLE, VERIFIED, CheckResult, StatementProperty

__all__ = ["check_proposition2", "check_proposition3", "single_index_slope"]

_RTOL = 1e-9


def _phi(t: float) -> float:
    return float(np.exp(-0.5 * t * t) / np.sqrt(2 * np.pi))


def single_index_slope(link: str, m: float, v: float) -> float:
    """k = E g'(s), s ~ N(m, v), for f = g(theta^T x + b) (docs/math.md#ridge-functions).

    Closed forms for identity (1), probit (phi(m/sqrt(1+v))/sqrt(1+v)), sin
    (cos m e^{-v/2}), exp (e^{m+v/2}), relu (Phi(m/sqrt v)), abs
    (2 Phi(m/sqrt v) - 1), elu (Phi(m/sqrt v) + e^{m+v/2} Phi(-(m+v)/sqrt v))
    and step (0, the a.e. derivative); adaptive quadrature (scipy.integrate.quad)
    of g' for the other links (logistic, tanh, softplus).
    """
    if v <= 0:
        raise ValueError(f"v = theta^T Sigma theta must be positive, got {v}")
    sd = float(np.sqrt(v))
    closed = {
        "identity": lambda: 1.0,
        "probit": lambda: _phi(m / np.sqrt(1 + v)) / float(np.sqrt(1 + v)),
        "sin": lambda: float(np.cos(m) * np.exp(-v / 2)),
        "exp": lambda: float(np.exp(m + v / 2)),
        "relu": lambda: float(ndtr(m / sd)),
        "abs": lambda: float(2 * ndtr(m / sd) - 1),
        "step": lambda: 0.0,
        # P(s > 0) + E[e^s; s < 0], the latter by tilting N(m, v) to N(m + v, v).
        "elu": lambda: float(ndtr(m / sd) + np.exp(m + v / 2) * ndtr(-(m + v) / sd)),
    }
    if link in closed:
        return closed[link]()
    derivatives = {
        "logistic": lambda s: np.exp(-np.logaddexp(0, -s) - np.logaddexp(0, s)),
        "sigmoid": lambda s: np.exp(-np.logaddexp(0, -s) - np.logaddexp(0, s)),
        "tanh": lambda s: 1 / np.cosh(np.clip(s, -350, 350)) ** 2,
        "softplus": lambda s: 1 / (1 + np.exp(-np.clip(s, -700, 700))),
    }
    if link not in derivatives:
        raise ValueError(f"no slope formula for link {link!r}")

    # Adaptive quadrature on the real line, split where g' varies (near 0) and
    # where the Gaussian weight sits: independent of the engine's Gauss-Hermite rule.
    def integrand(s: float) -> float:
        return float(derivatives[link](np.array(s))) * _phi((s - m) / sd) / sd

    lo, hi = m - 40 * sd, m + 40 * sd
    cuts = sorted({lo, hi, *[c for c in (-20.0, 0.0, 20.0, m - sd, m + sd) if lo < c < hi]})
    return float(
        sum(quad(integrand, a, c, limit=200, epsabs=1e-13)[0] for a, c in itertools.pairwise(cuts))
    )


def _merged_polynomial(f: Polynomial, g: Polynomial, alpha: float, beta: float) -> Polynomial:
    """alpha f + beta g as one polynomial (its coefficients merged monomial by monomial)."""
    merged = dict.fromkeys(set(f.coefficients) | set(g.coefficients), 0.0)
    for key, c in f.coefficients.items():
        merged[key] += alpha * c
    for key, c in g.coefficients.items():
        merged[key] += beta * c
    return Polynomial(merged)


def check_proposition2(
    f: Any,
    g: Any,
    x0: Any,
    cov: Any,
    *,
    alpha: float = 2.0,
    beta: float = -1.5,
    n: int = 200,
    seed: int = 0,
    smoothgrad_estimator: Estimator = default_smoothgrad,
    clime_estimator: Estimator = default_clime,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check Proposition 2 (linearity) for h = alpha f + beta g at x0.

    Every comparison is an exact identity up to round-off (relative 1e-9 of
    the magnitudes, times sqrt(cond(cov)) for the linear solves); the
    estimators are called with the same perturbation offsets ``noise`` (shape
    (n, d)) for f, g and h.

    Returns
    -------
    CheckResult
        Statement "proposition2"; ``observed`` holds the largest gap of each
        comparison.
    """
    f, x0, cov = check_inputs(f, x0, cov)
    g, _, _ = check_inputs(g, x0, cov)
    d = f.dim
    n = check_n(n, d + 2, "C-LIME with an intercept")
    alpha, beta = float(alpha), float(beta)
    h = alpha * f + beta * g
    z = draw_noise(cov, n, seed)
    cond = float(np.linalg.cond(cov)) ** 0.5
    gaps: dict[str, float] = {}
    tolerances: dict[str, float] = {}

    def compare(name: str, whole: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
        combined = alpha * left + beta * right
        gaps[name] = float(np.max(np.abs(np.asarray(whole, float) - combined)))
        tolerances[name] = _RTOL * cond * exact_scale(alpha * left, beta * right, whole)

    for name, est in (("smoothgrad_n", smoothgrad_estimator), ("clime_n", clime_estimator)):
        compare(
            name,
            est(h, x0, cov, None, None, noise=z),
            est(f, x0, cov, None, None, noise=z),
            est(g, x0, cov, None, None, noise=z),
        )
    for name, closed in (("smoothgrad", closed_smoothgrad), ("clime", closed_clime)):
        compare(name, closed(h, x0, cov), closed(f, x0, cov), closed(g, x0, cov))
        if isinstance(f, Polynomial) and isinstance(g, Polynomial):
            # An independent route: one merged polynomial, not a LinearCombination.
            merged = _merged_polynomial(f, g, alpha, beta)
            compare(
                f"{name}_merged_polynomial",
                closed(merged, x0, cov),
                closed(f, x0, cov),
                closed(g, x0, cov),
            )
    return _proposition2_result(f, g, x0, cov, (alpha, beta, n, seed), gaps, tolerances)


def _proposition2_result(
    f: Function,
    g: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    settings: tuple[float, float, int, int],
    gaps: dict[str, float],
    tolerances: dict[str, float],
) -> CheckResult:
    """Proposition 2's record from its gaps and tolerances (``settings``: alpha, beta, n,
    seed); the problem is the counterexample when a gap exceeds its tolerance."""
    alpha, beta, n, seed = settings
    failures = [k for k in gaps if not gaps[k] <= tolerances[k]]
    return CheckResult(
        "proposition2",
        FALSIFIED if failures else VERIFIED,
        observed={"gaps": gaps, "alpha": alpha, "beta": beta, "n": n},
        bound={"tolerances": tolerances},
        seed=seed,
        counterexample={
            "f": f.to_spec(),
            "g": g.to_spec(),
            "x0": x0,
            "cov": cov,
            "alpha": alpha,
            "beta": beta,
            "n": n,
            "seed": seed,
        }
        if failures
        else None,
        message=f"not linear: {', '.join(failures)} (absolute values? normalisation? "
        "different samples for f and g?)"
        if failures
        else f"linear to round-off in all {len(gaps)} comparisons",
    )


def _as_single_index(f: Function) -> tuple[np.ndarray, float, str] | None:
    if isinstance(f, RidgeFunction):
        return f.w, f.b, f.link.name
    if isinstance(f, Polynomial) and f.degree <= 1:
        theta = np.array(
            [
                f.coefficients.get(tuple(int(i == j) for i in range(f.dim)), 0.0)
                for j in range(f.dim)
            ]
        )
        return theta, f.coefficients.get((0,) * f.dim, 0.0), "identity"
    return None


def _identity_link_rows(
    f: Function,
    x0: np.ndarray,
    cov: np.ndarray,
    z: np.ndarray,
    theta: np.ndarray,
    estimators: tuple[Estimator, Estimator],
    sizes: tuple[float, float, float],
    gaps: dict[str, float],
    tols: dict[str, float],
) -> None:
    """Proposition 3's exact rows for the identity link (into ``gaps``, ``tols``): SG_n =
    theta for n = 1 and len(z), C-LIME_n = theta for n = d + 1 and len(z); ``sizes`` are
    the scale, sqrt(cond(cov)) and 1 + |b| + |m| the round-off tolerances grow with."""
    smoothgrad_estimator, clime_estimator = estimators
    scale, cond, offset = sizes
    n, d = z.shape
    for size in sorted({1, n}):
        sg = smoothgrad_estimator(f, x0, cov, None, None, noise=z[:size])
        gaps[f"smoothgrad_n={size}"] = float(np.max(np.abs(np.asarray(sg) - theta)))
        tols[f"smoothgrad_n={size}"] = _RTOL * scale
    for size in sorted({d + 1, n}):
        zs = z[:size]
        cl = clime_estimator(f, x0, cov, None, None, noise=zs)
        # n = d + 1 fits exactly: round-off grows with the design's condition number.
        centred = np.linalg.solve(np.linalg.cholesky(cov), (zs - zs.mean(0)).T)
        design = float(np.linalg.cond(centred)) if size > 1 else 1.0
        gaps[f"clime_n={size}"] = float(np.max(np.abs(np.asarray(cl) - theta)))
        tols[f"clime_n={size}"] = 1e-10 * scale * cond * design**2 * offset


def check_proposition3(
    f: Any,
    x0: Any,
    cov: Any,
    *,
    n: int = 50,
    seed: int = 0,
    smoothgrad_estimator: Estimator = default_smoothgrad,
    clime_estimator: Estimator = default_clime,
    closed_smoothgrad: ClosedForm = default_closed_smoothgrad,
    closed_clime: ClosedForm = default_closed_clime,
) -> CheckResult:
    """Check Proposition 3 for a single-index f = g(theta^T x + b) (a RidgeFunction, or a
    Polynomial of degree <= 1).

    Exact comparisons (round-off tolerances, plus the engine's quadrature
    error for links without closed forms):

    * closed-form SG and C-LIME equal k(x0) theta, k from :func:`single_index_slope`;
    * empirical SG_n is parallel to theta (every gradient is a multiple of theta);
    * if g is the identity: SG_n = theta for n = 1 and for ``n``, and
      C-LIME_n = theta for n = d + 1 and for ``n`` (r = 0: OLS is exact).

    A step link is "not_applicable" (see check_stein_step_function).
    """
    f, x0, cov = check_inputs(f, x0, cov)
    d = f.dim
    n = check_n(n, d + 1, "C-LIME with an intercept")
    single = _as_single_index(f)
    if single is None or single[2] == "step":
        return CheckResult(
            "proposition3",
            NOT_APPLICABLE,
            seed=seed,
            message=f"{f!r} is not an absolutely continuous single-index function g(theta^T x + b)",
        )
    theta, b, link = single
    m = float(x0 @ theta + b)
    v = float(theta @ cov @ theta)
    if v == 0:
        raise ValueError("theta = 0: a constant function has no direction to be proportional to")
    k = single_index_slope(link, m, v)
    expected = k * theta
    cond = float(np.linalg.cond(cov)) ** 0.5
    scale = exact_scale(theta, expected)
    # Links without a closed form: quadrature on both sides; allow the engine's
    # own error estimate (Gauss-Hermite orders 80 vs 160) plus 1e-9.
    quad_err = 0.0
    if link not in ("identity", "probit", "sin", "exp", "relu", "abs", "elu"):
        quad_err = 1e-9 + float(f.link.quadrature_error(np.array(m), np.array(v)))
    gaps: dict[str, float] = {}
    tols: dict[str, float] = {}
    for name, closed in (("smoothgrad", closed_smoothgrad), ("clime", closed_clime)):
        gaps[name] = float(np.max(np.abs(np.asarray(closed(f, x0, cov), float) - expected)))
        tols[name] = _RTOL * cond * scale + quad_err * float(np.max(np.abs(theta)))
    z = draw_noise(cov, n, seed)
    sg_n = np.asarray(smoothgrad_estimator(f, x0, cov, None, None, noise=z), float)
    unit = theta / np.linalg.norm(theta)
    gaps["smoothgrad_n_orthogonal_part"] = float(np.max(np.abs(sg_n - (sg_n @ unit) * unit)))
    tols["smoothgrad_n_orthogonal_part"] = _RTOL * exact_scale(sg_n, theta)
    if link == "identity":
        estimators = (smoothgrad_estimator, clime_estimator)
        sizes = (scale, cond, 1 + abs(b) + abs(m))
        _identity_link_rows(f, x0, cov, z, theta, estimators, sizes, gaps, tols)
    failures = [key for key in gaps if not gaps[key] <= tols[key]]
    return CheckResult(
        "proposition3",
        FALSIFIED if failures else VERIFIED,
        observed={"gaps": gaps, "k": k, "m": m, "v": v},
        bound={"expected": expected, "tolerances": tols},
        seed=seed,
        counterexample={"f": f.to_spec(), "x0": x0, "cov": cov, "n": n, "seed": seed}
        if failures
        else None,
        message=f"not k(x0) theta: {', '.join(failures)} (gradient at x0 instead of its "
        "Gaussian average? intercept missing?)"
        if failures
        else f"SG = C-LIME = k(x0) theta with k = {k:.6g} in all {len(gaps)} comparisons",
    )


#: Proposition 2 on generated pairs of functions (registered in the catalogue).
PROPOSITION2 = StatementProperty(
    S.pair_cases,
    lambda c, seed: check_proposition2(
        c[0], c[1], c[2], c[3], alpha=c[4], beta=c[5], n=50, seed=seed
    ),
    lambda c: f"d={c[2].size}, {type(c[0]).__name__} + {type(c[1]).__name__}",
)

#: Proposition 3 on generated single-index functions (registered in the catalogue).
PROPOSITION3 = StatementProperty(
    S.single_index_cases,
    lambda c, seed: check_proposition3(c[0], c[1], c[2], n=20, seed=seed),
    lambda c: f"d={c[1].size}, link {c[0].link.name}",
)

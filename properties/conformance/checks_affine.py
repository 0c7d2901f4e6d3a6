"""The affine and small-sigma checks: exact call by call, or unbiased in expectation.

Plain averages and least squares satisfy both identities in every call: an
affine f = w^T x + b is explained by w, and SmoothGrad under tiny noise is
grad f(x0) within an explicit bound. Unbiased estimators of another form
(importance weights, Sigma^-1 times a sample covariance) satisfy them only in
expectation. So each check first tests exactness (at n, n + 1 and a prime,
with adjacent seeds); where that fails, unless the explainer declares
``exact=True``, it takes a second look: the mean over R adjacent seeds against
the same target (:func:`.tolerances.mean_error_test`, false alarm ``alpha``).
An explainer that is exact, or unbiased, passes; one that is neither fails
with the cause the numbers point to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB

from . import problems as P
from .common import adjacent, case_options, diagnose_ratios, fmt, replicates, resolve, tolerance
from .runner import CheckSkipped, Settings, call_explainer
from .search import Finding, search
from .second_look import second_look_n
from .targets import expected_explanation
from .tolerances import (
    mean_error_test,
    precision_pattern,
    resolvable_noise,
    rounding_allowance,
)

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "check_proportionality_affine",
    "check_small_sigma_limit",
    "small_sigma_not_applicable",
]

_AFFINE_HINT = (
    "a surrogate fitted without intercept, an O(1/n) bias (an off-by-one in the average, "
    "draws dropped from the sum but not from the count, an undeclared sklearn Ridge(alpha)), "
    "or explanations not in raw input units (discretised features; w * x0 attributions, as "
    "from baseline masking)"
)


def small_sigma_not_applicable(explainer: Explainer) -> str | None:
    """Why :func:`check_small_sigma_limit` does not apply (None if it does).

    A perturbation explainer's small-sigma fit is ill-conditioned numerically; its
    closed form is tested by check_convergence.
    """
    if explainer.kind != "gradient":
        return "applies to gradient explainers (kind='gradient')"
    return None


def _next_prime(n: int) -> int:
    def prime(k: int) -> bool:
        return k > 1 and all(k % p for p in range(2, int(k**0.5) + 1))

    while not prime(n):
        n += 1
    return n


def sizes(n: int) -> list[int]:
    """n, n + 1 and the next prime after them: one odd, one even, one prime n per problem;
    a large n (2**15 and up, the battery's large primes) alone: one call there is enough."""
    if n >= SB.LARGE_N[0]:
        return [n]
    return [n, n + 1, _next_prime(n + 2)]


_second_look_n = second_look_n


def large_n_options(options: dict[str, Any], s: Settings) -> dict[str, Any]:
    """The extreme problem of a check at the battery's large n: a prime in ``s.n_large``,
    d <= 2 (a large-n mistake does not depend on d; the calls stay cheap)."""
    small = max(s.min_dim, min(2, options["max_dim"]))
    return {**options, "n_primes": s.n_large, "max_dim": small, "min_dim": min(small, s.min_dim)}


def exact_cause(
    explainer: Explainer, case: Any, observed: np.ndarray, expected: np.ndarray, hint: str
) -> str:
    """The usual cause of a failed exact identity, sharpened by what the numbers show."""
    rel = float(np.linalg.norm(observed - expected) / max(np.linalg.norm(expected), 1e-300))
    float32 = precision_pattern(rel, explainer.precision)
    if float32:
        return f"{float32}; otherwise: {hint}"
    if case.distance >= 10:
        return (
            f"precision lost far from the origin (x0 is {case.distance:.3g} sigma away): a fit "
            "on raw, uncentred coordinates (normal equations X^T X) or noise added to a "
            "rounded point; centre the perturbations (x - mean) or solve in whitened "
            f"coordinates. Otherwise: {hint}"
        )
    return hint


def _look_in_expectation(
    explainer: Explainer,
    name: str,
    case: Any,
    f: Any,
    cov: np.ndarray,
    n: int,
    target: np.ndarray,
    floor: np.ndarray,
    alpha: float,
    s: Settings,
) -> dict[str, Any]:
    seeds = adjacent(case.seed, s.replicates)
    outs = replicates(explainer, f, case.x0, cov, n, seeds, name)
    res = mean_error_test(outs, target, floor, alpha)
    return {**res, "n": n, "seeds": [seeds[0], seeds[-1]]}


@st.composite
def _affine_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**{**options, "families": ("sine",)}))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = case.covariance.largest_std
    w = P.mixed_signs(rng, case.d) / scale
    b = float(rng.uniform(1.0, 2.0)) - float(w @ case.x0)
    f = P.affine(w, b)
    return case.replace(f=f, family="affine", extras={"w": w})


def check_proportionality_affine(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """An affine f = w^T x + b is explained by w: exactly, or (second look) in expectation.

    Exactly at n, n + 1 and a prime n (adjacent seeds); where that fails and the
    explainer does not declare ``exact=True``, the mean over R adjacent seeds
    (at least 64 draws each) must be w. With a declared ridge the target is the
    ridge-shrunk (Sigma' + lambda P)^{-1} Sigma' w, tested in expectation only.
    Catches a missing intercept, an O(1/n) bias (odd n included), an undeclared
    ridge, outputs not in raw input units, and precision lost far from the origin.
    """
    name = "check_proportionality_affine"
    s = resolve(settings)
    options = case_options(explainer, s)
    strategy = _affine_cases(options)
    extreme = _affine_cases(large_n_options(options, s))

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        w, f = case.extras["w"], case.f
        stds = np.sqrt(np.diag(case.cov))
        if explainer.has_ridge:
            n2 = _second_look_n(case.n)
            target, terr = expected_explanation(explainer, f, case.x0, case.covariance, n2)
            floor = tolerance(explainer, case, 1.0) * np.abs(target) + terr
            res = _look_in_expectation(
                explainer, name, case, f, case.cov, n2, target, floor, alpha, s
            )
            if not res["ok"]:
                raise Finding(
                    f"for affine f with slope w = {fmt(w)} and the declared ridge, the mean "
                    f"explanation over {s.replicates} seeds at n = {n2} is {fmt(res['mean'])}, "
                    f"expected {fmt(target)} (tolerance {fmt(res['tolerance'])}, false alarm "
                    f"{alpha:.2g})",
                    diagnose_ratios(
                        res["mean"],
                        target,
                        stds,
                        "the declared ridge is not the one used: check ridge_alpha / "
                        "ridge_lambda / units, or " + _AFFINE_HINT,
                    ),
                    res,
                )
            return {"worst": res["worst"]}
        tol = tolerance(explainer, case, float(np.linalg.norm(w)))
        failures = []
        ns = sizes(case.n)
        for n, k in zip(ns, adjacent(case.seed, len(ns)), strict=True):
            out = call_explainer(explainer, f, case.x0, case.cov, n, k, name)
            err = float(np.linalg.norm(out - w))
            if err > tol:
                failures.append((n, k, out, err))
        if not failures:
            return {"worst": 0.0, "exact": True}
        n, k, observed, err = failures[0]
        exact_what = (
            f"for affine f with slope w = {fmt(w)} the explanation at n = {n} is {fmt(observed)} "
            f"(explainer seed {k}); ||error|| = {err:.3g} > tolerance {tol:.3g} (exact identity)"
        )
        cause = _affine_cause(explainer, case, failures, w, stds)
        if explainer.exact or not explainer.stochastic:
            raise Finding(exact_what, cause, {"w": w, "observed": observed, "error": err, "n": n})
        n2 = _second_look_n(n)
        res = _look_in_expectation(
            explainer, name, case, f, case.cov, n2, w, np.full(case.d, tol), alpha, s
        )
        if res["ok"]:  # not exact, but unbiased: an estimator of another form
            return {"worst": res["worst"], "exact": False, "unbiased_in_expectation": True}
        raise Finding(
            f"{exact_what}; and in expectation (second look) the mean over {s.replicates} "
            f"adjacent seeds at n = {n2} is {fmt(res['mean'])}, not w (tolerance "
            f"{fmt(res['tolerance'])}, false alarm {alpha:.2g}): neither exact nor unbiased",
            cause,
            {"w": w, "observed": observed, "error": err, "n": n, "second_look": res},
        )

    return search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)


def _affine_cause(
    explainer: Explainer, case: Any, failures: list[tuple[Any, ...]], w: np.ndarray, stds: Any
) -> str:
    _, _, observed, _ = failures[0]
    odd = all(k % 2 == 1 for k, *_ in failures)
    for m, _, out, _ in failures:
        c = float(out @ w / (w @ w))
        kept = c * m  # draws that entered a sum divided by m, if the answer is c w
        if np.allclose(out, c * w, rtol=1e-9, atol=0) and abs(kept - round(kept)) < 1e-6:
            kept = round(kept)
            if kept != m:
                return (
                    f"an O(1/n) bias: the explanation is {kept}/{m} x w at n = {m}: {kept} "
                    f"draws summed but the sum divided by n = {m} (an off-by-one in the "
                    "average, the last partial batch dropped"
                    + (", antithetic pairs that lose the unpaired draw of an odd n" if odd else "")
                    + ")"
                )
    if np.allclose(observed, w * case.x0, rtol=0.05, atol=0.01 * np.linalg.norm(w)):
        return "attributions w * x0 in output units (baseline masking, input x gradient)"
    return exact_cause(
        explainer, case, observed, w, diagnose_ratios(observed, w, stds, _AFFINE_HINT)
    )


@st.composite
def _small_sigma_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    case = draw(SB.cases(**{**options, "families": ("rbf",)}))
    epsilon = 10.0 ** draw(st.floats(-6.0, -3.0))
    f_local = case.f.f if case.distance else case.f
    return case.replace(
        extras={"epsilon": epsilon, "local": f_local},
    )


def _small_sigma_bound(
    explainer: Explainer, case: SB.Case, alpha: float
) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    """The small-sigma problem and its bound: eps (raised to what x0 + z resolves), the
    covariance eps^2 cov, grad f(x0), the rounding allowance and the tolerance."""
    eps = case.extras["epsilon"]
    # Noise far above the rounding of x0 in the declared precision: smaller noise is
    # below what x0 + z can resolve, and an explainer may rightly refuse it.
    resolvable = resolvable_noise(explainer.eps, case.x0)
    eps = max(eps, resolvable / case.covariance.smallest_std)
    cov = eps**2 * case.cov
    grad = case.f.gradient(case.x0)
    hess = P.hessian_bound(case.extras["local"])
    lam = eps**2 * float(case.covariance.eigenvalues[-1])  # of cov = eps^2 case.cov
    ns = sizes(case.n)
    radius = np.sqrt(lam) * (np.sqrt(case.d) + np.sqrt(2 * np.log(sum(ns) / alpha)))
    rounding = rounding_allowance(hess, explainer.eps, np.linalg.norm(case.x0) + radius)
    tol = hess * radius + rounding + explainer.exact_rtol * np.linalg.norm(grad)
    return eps, cov, grad, rounding, tol


def check_small_sigma_limit(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """SmoothGrad under eps^2 cov tends to grad f(x0) as eps -> 0 (gradient explainers).

    eps is drawn from 1e-6 to 1e-3, and raised where the noise would fall below
    10^4 eps_p max(1, |x0|) (what x0 + z can resolve in the declared precision).
    Bound: ||SG_n - grad f(x0)|| <= H max_i ||z_i|| + rounding, H >= sup ||Hess f||,
    and by Gaussian norm concentration max_i ||z_i|| <= eps sqrt(lambda_max) (sqrt(d) +
    sqrt(2 ln(3 n / alpha))) for all draws of the three calls with probability >=
    1 - alpha; rounding is H 16 eps_p (|x0| + radius) for the declared precision.
    Where the bound fails and ``exact`` is not declared True, the second look tests
    the mean over R adjacent seeds against the closed form at eps^2 cov.
    """
    name = "check_small_sigma_limit"
    reason = small_sigma_not_applicable(explainer)
    if reason:
        raise CheckSkipped(f"{name}: {reason}")
    s = resolve(settings)
    strategy = _small_sigma_cases(case_options(explainer, s))

    def judge(case: SB.Case, alpha: float) -> dict[str, Any]:
        eps, cov, grad, rounding, tol = _small_sigma_bound(explainer, case, alpha)
        ns, seeds = sizes(case.n), adjacent(case.seed, 3)
        worst = 0.0
        for n, k in zip(ns, seeds, strict=True):
            out = call_explainer(explainer, case.f, case.x0, cov, n, k, name)
            err = float(np.linalg.norm(out - grad))
            worst = max(worst, err / tol)
            if err <= tol:
                continue
            what = (
                f"with noise eps^2 cov, eps = {eps:.3g}, the explanation {fmt(out)} at n = {n} "
                f"should equal grad f(x0) = {fmt(grad)} within {tol:.3g} (||error|| = {err:.3g}, "
                f"explainer seed {k})"
            )
            cause = exact_cause(
                explainer,
                case,
                out,
                grad,
                diagnose_ratios(
                    out,
                    grad,
                    np.sqrt(np.diag(cov)),
                    "the noise is not scaled by the covariance (unit-variance noise, or its "
                    "Cholesky factor ignored), samples drawn around the wrong centre, or a "
                    "sign/scale error",
                ),
            )
            if explainer.exact or not explainer.stochastic:
                raise Finding(what, cause, {"observed": out, "gradient": grad, "error": err})
            n2 = _second_look_n(n)
            target, terr = expected_explanation(explainer, case.f, case.x0, cov, n2)
            floor = rounding + explainer.exact_rtol * np.abs(grad) + terr
            res = _look_in_expectation(
                explainer, name, case, case.f, cov, n2, target, floor, alpha, s
            )
            if res["ok"]:
                return {"worst": res["worst"], "exact": False, "unbiased_in_expectation": True}
            raise Finding(
                f"{what}; and in expectation (second look) the mean over {s.replicates} adjacent "
                f"seeds at n = {n2} is {fmt(res['mean'])}, expected {fmt(target)} (tolerance "
                f"{fmt(res['tolerance'])}, false alarm {alpha:.2g}): neither exact nor unbiased",
                cause,
                {"observed": out, "gradient": grad, "error": err, "second_look": res},
            )
        return {"worst": worst, "exact": True}

    return search(name, seed, s, strategy, judge, examples=s.examples)

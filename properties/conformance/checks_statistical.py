"""Statistical checks against the closed form, with false alarm <= ``Settings.false_alarm``.

The explainer's spread is estimated from R replicate seeds (see
:mod:`.tolerances`), so a faster-than-Monte-Carlo explainer (quasi-Monte
Carlo, antithetic or control variates) is judged by its own, smaller spread
and passes as long as it is unbiased and converges at least as fast as
n^{-1/2}. Each check is one assertion: its false alarm is split (Bonferroni)
over every component it tests.

Deterministic explainers (``stochastic=False``) have no spread to estimate;
their convergence is judged by the decay of the error between two sample
sizes instead (documented in :func:`check_convergence`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verify import statistics
from verify.bounds import lipschitz_sharp
from verify.functions import RidgeFunction

from . import problems as P
from .common import diagnose_ratios, fail, fmt, replicates, resolve
from .explainer import Explainer
from .runner import Settings, call_explainer, guarded
from .targets import effective_covariance, expected_explanation
from .tolerances import mean_error_test

__all__ = [
    "check_anisotropic_covariance",
    "check_convergence",
    "check_correlated_covariance",
    "check_lipschitz_bound",
    "check_rate",
    "check_sign_and_scale",
]

_BIAS_HINT = (
    "the explanation converges to something else (a plateau, not zero error): a ridge "
    "penalty that does not vanish with n (declare ridge_lambda / ridge_alpha), a kernel that "
    "is not declared (kernel_width), noise that is not Gaussian (uniform?), the wrong noise "
    "covariance (variance passed as standard deviation?), or samples around the wrong centre"
)


def _problems(rng: np.random.Generator, d: int, structure: str) -> list[tuple[Any, ...]]:
    """Two problems with closed forms, both sensitive to the shape of the noise law.

    An RBF mixture, and sin(w^T x + b) with sigma |w_j| about 0.9, whose
    expected gradient cos(m) e^{-v/2} w differs by about 15 % under uniform
    noise of the same covariance. (A polynomial of degree <= 3 would not do:
    its expected gradient involves only the first two moments of the noise.)
    """
    sigma = 0.7
    x0 = P.point(rng, d)
    w = P.mixed_signs(rng, d, 1.1, 1.5)
    ridge = P.sine_ridge(w, float(rng.uniform(-0.5, 0.5) - w @ x0))
    return [
        (P.rbf(rng, d), P.point(rng, d), P.covariance(rng, d, structure, sigma)),
        (ridge, x0, P.covariance(rng, d, structure, sigma)),
    ]


def _bias_test(
    explainer: Explainer,
    name: str,
    seed: int,
    s: Settings,
    problems: list[tuple[Any, ...]],
    n: int,
    what: str,
    hint: str,
) -> dict[str, Any]:
    """Mean error over replicates at n is within t * se of zero for every component."""
    if not explainer.stochastic:
        return _deterministic_convergence(explainer, name, seed, s, problems, hint)
    rng = P.check_rng(seed, name + "/seeds")
    seeds = P.explainer_seeds(rng, s.replicates)
    estimates, truths, floors = [], [], []
    for f, x0, cov in problems:
        estimates.append(replicates(explainer, f, x0, cov, n, seeds, name))
        target, terr = expected_explanation(explainer, f, x0, cov, n)
        truths.append(target)
        floors.append(6 * terr + explainer.exact_rtol * np.max(np.abs(target)))
    res = mean_error_test(
        np.concatenate(estimates, axis=1),
        np.concatenate(truths),
        np.concatenate(floors),
        s.false_alarm,
    )
    if not res["ok"]:
        d = problems[0][1].shape[0]
        k = int(np.argmax(np.abs(res["mean"] - res["truth"]) / res["tolerance"])) // d
        f, x0, cov = problems[k]
        sl = slice(k * d, (k + 1) * d)
        rel_bias = np.linalg.norm(res["mean"][sl] - res["truth"][sl]) / np.linalg.norm(
            res["truth"][sl]
        )
        raise fail(
            name,
            f"{what}: for f = {f!r} at x0 = {fmt(x0)} the mean explanation over {len(seeds)} "
            f"seeds at n = {n} is {fmt(res['mean'][sl])}, expected {fmt(res['truth'][sl])} "
            f"(tolerance {fmt(res['tolerance'][sl])} = {res['t']:.3g} x replicate standard error "
            f"+ precision, false alarm {s.false_alarm:g}); relative bias "
            f"{rel_bias:.3g}",
            seed,
            diagnose_ratios(res["mean"][sl], res["truth"][sl], np.sqrt(np.diag(cov)), hint),
            {**res, "n": n, "seeds": seeds},
        )
    return {"worst": res["worst"], "n": n, "replicates": len(seeds), "t": res["t"]}


def _deterministic_convergence(
    explainer: Explainer,
    name: str,
    seed: int,
    s: Settings,
    problems: list[tuple[Any, ...]],
    hint: str,
) -> dict[str, Any]:
    """No spread to estimate: require the error to fall at least like n^{-1/2}.

    ||e(n2)|| <= 2 ||e(n1)|| sqrt(n1 / n2) + precision, n1 < n2 = ``n_rate``; a
    plateau (bias) does not fall and fails. Not a statistical statement.
    """
    n1, n2 = s.n_rate
    errs = {}
    for n in (n1, n2):
        total, floor = 0.0, 0.0
        for f, x0, cov in problems:
            out = call_explainer(explainer, f, x0, cov, n, seed, name)
            target, terr = expected_explanation(explainer, f, x0, cov, n)
            total += float(np.sum((out - target) ** 2))
            floor += float(np.sum((6 * terr + explainer.exact_rtol * np.abs(target)) ** 2))
        errs[n] = (np.sqrt(total), np.sqrt(floor))
    bound = 2 * errs[n1][0] * np.sqrt(n1 / n2) + errs[n2][1]
    if errs[n2][0] > bound:
        raise fail(
            name,
            f"deterministic explainer: ||error|| = {errs[n1][0]:.3g} at n = {n1} and "
            f"{errs[n2][0]:.3g} at n = {n2}, expected <= {bound:.3g} (at least n^-1/2 decay, "
            "factor 2 slack)",
            seed,
            hint,
            {"errors": {str(k): v[0] for k, v in errs.items()}, "bound": bound},
        )
    return {"errors": {str(k): v[0] for k, v in errs.items()}, "bound": bound}


def check_convergence(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """No bias: at n = ``n_convergence`` the mean error over R seeds is within t se of zero.

    Two problems under isotropic noise (an RBF mixture and a cubic), compared
    with the closed form the explainer's tags imply (SmoothGrad, or C-LIME with
    the declared kernel and ridge). A plateau (a constant bias) fails; an
    unbiased explainer, however fast, passes.
    """
    name = "check_convergence"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    return _bias_test(
        explainer,
        name,
        seed,
        s,
        _problems(rng, s.dim, "isotropic"),
        s.n_convergence,
        "biased estimate",
        _BIAS_HINT,
    )


def _structure_check(
    explainer: Explainer, seed: int, settings: Settings | None, structure: str, name: str
) -> dict[str, Any]:
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    problems = [(P.rbf(rng, s.dim), P.point(rng, s.dim), P.covariance(rng, s.dim, structure))]
    label = {"diagonal": "an anisotropic diagonal", "full": "a correlated"}[structure]
    if not explainer.supports(structure):
        f, x0, cov = problems[0]
        try:
            out = guarded(explainer, f, x0, cov, s.n_exact, seed)
        except (ValueError, TypeError, NotImplementedError) as exc:
            return {"refused": f"{type(exc).__name__}: {exc}"}
        raise fail(
            name,
            f"declared covariance={explainer.covariance!r} but given {label} covariance "
            f"{fmt(cov)} it returned {fmt(np.asarray(out, dtype=float).ravel())} instead of "
            "refusing it",
            seed,
            "an explainer silently ignoring the off-diagonal or per-feature part of cov; raise "
            "ValueError for covariances you do not support, or declare covariance="
            f"{structure!r} if you do",
            {"covariance": cov},
        )
    hint = (
        "the noise is not drawn with the covariance's factor: z = L u with cov = L L^T "
        "(Cholesky), not sqrt(diag(cov)) * u, cov @ u or sigma * u"
    )
    return _bias_test(
        explainer,
        name,
        seed,
        s,
        problems,
        s.n_convergence,
        f"wrong answer under {label} covariance",
        hint,
    )


def check_anisotropic_covariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Diagonal cov with unequal variances: unbiased if declared, refused (ValueError) if not."""
    return _structure_check(explainer, seed, settings, "diagonal", "check_anisotropic_covariance")


def check_correlated_covariance(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Full cov (condition 16): unbiased if declared, refused (ValueError) if not."""
    return _structure_check(explainer, seed, settings, "full", "check_correlated_covariance")


def check_rate(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The error shrinks at least as fast as n^{-1/2}: MSE(n2) n2 <= F MSE(n1) n1.

    MSE over R replicates and the components of two problems; F is the upper
    false-alarm quantile of F(R, R) (see :mod:`.tolerances`). A faster
    explainer (QMC) passes with room to spare; one whose n is silently capped
    or whose error is dominated by a bias fails.
    """
    name = "check_rate"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    problems = _problems(rng, s.dim, "isotropic")
    if not explainer.stochastic:
        return _deterministic_convergence(
            explainer, name, seed, s, problems, "the error does not shrink with n"
        )
    n1, n2 = s.n_rate
    mse, floor2 = {}, {}
    for n, tag in ((n1, "lo"), (n2, "hi")):
        seeds = P.explainer_seeds(P.check_rng(seed, f"{name}/{tag}"), s.replicates)
        sq = np.zeros(len(seeds))
        fl = 0.0
        for f, x0, cov in problems:
            target, terr = expected_explanation(explainer, f, x0, cov, n)
            outs = replicates(explainer, f, x0, cov, n, seeds, name)
            sq += np.sum((outs - target) ** 2, axis=1)
            fl += float(np.sum((6 * terr + explainer.exact_rtol * np.abs(target)) ** 2))
        mse[n], floor2[n] = float(sq.mean()), fl
    q = statistics.f_quantile(s.false_alarm, s.replicates, s.replicates)
    bound = q * mse[n1] * n1 / n2 + floor2[n2]
    observed_rate = 0.5 * np.log(mse[n1] / max(mse[n2], 1e-300)) / np.log(n2 / n1)
    figures = {
        "rmse": {str(n1): np.sqrt(mse[n1]), str(n2): np.sqrt(mse[n2])},
        "observed_rate": float(observed_rate),
        "f_quantile": q,
        "bound_mse": bound,
    }
    if mse[n2] > bound:
        raise fail(
            name,
            f"RMSE {np.sqrt(mse[n1]):.3g} at n = {n1} and {np.sqrt(mse[n2]):.3g} at n = {n2}: "
            f"error ~ n^-{observed_rate:.2f}, expected at least n^-0.5 (MSE at n = {n2} "
            f"{mse[n2]:.3g} > bound {bound:.3g} = F-quantile {q:.3g} x MSE({n1}) x {n1}/{n2}, "
            f"false alarm {s.false_alarm:g})",
            seed,
            "n silently capped (a maximum sample or batch size), samples reused across the n "
            "draws, or a bias that dominates the error",
            figures,
        )
    return figures


def check_lipschitz_bound(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """||E(x) - E(y)|| <= L ||x - y|| with the sharp L = sqrt(2/pi) G / sqrt(lambda_min).

    MATH.md section 3.1 (corrected Theorem 2), under the covariance the
    explanation is taken under (the kernel-equivalent one for kernel LIME;
    a ridge only shrinks). Tested on the extremal function f = G |u^T x| with
    x and y straddling the kink at distance r = sigma / 2, where the expected
    SmoothGrad difference is 99 % of the bound; seeds are shared between x and
    y. One-sided: ||mean difference|| <= L r + sqrt(sum_j (t se_j)^2) (Bonferroni
    over the d components, so the slack holds for the norm). A deterministic
    explainer has no spread: its slack is the Hoeffding deviation
    2G sqrt(2 ln(2 / false_alarm) / n) of a Monte Carlo mean of differences
    bounded by 2G.
    """
    name = "check_lipschitz_bound"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    sigma = 0.5
    cov = sigma**2 * np.eye(d)
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    G = 1.5
    f = RidgeFunction(G * u, 0.0, "abs")
    bound = lipschitz_sharp(G, effective_covariance(explainer, cov))
    r = sigma / 2
    base = rng.normal(size=d)
    x = base - (base @ u + r / 2) * u
    y = x + r * u
    seeds = P.explainer_seeds(rng, s.replicates)
    n = s.n_convergence
    diffs = np.array(
        [
            call_explainer(explainer, f, y, cov, n, k, name)
            - call_explainer(explainer, f, x, cov, n, k, name)
            for k in seeds
        ]
    )
    mean = diffs.mean(axis=0)
    if explainer.stochastic:
        se = diffs.std(axis=0, ddof=1) / np.sqrt(len(seeds))
        t = statistics.t_quantile(s.false_alarm, d, len(seeds) - 1)
        slack = float(np.sqrt(np.sum((t * se) ** 2)))
    else:
        # No spread to estimate: allow the Hoeffding deviation of an n-sample Monte Carlo
        # mean of differences bounded by 2G (a deterministic rule is assumed no worse).
        slack = 2 * G * float(np.sqrt(2 * np.log(2 / s.false_alarm) / n))
    slack += explainer.exact_rtol * G
    observed = float(np.linalg.norm(mean)) / r
    limit = bound + slack / r
    figures = {
        "observed_slope": observed,
        "sharp_bound": bound,
        "published_bound": G / (2 * sigma),
        "limit": limit,
        "r": r,
        "n": n,
    }
    if observed > limit:
        raise fail(
            name,
            f"the explanation changes by {observed * r:.3g} over a distance r = {r:g}: slope "
            f"{observed:.3g} > sharp Lipschitz bound sqrt(2/pi) G / sqrt(lambda_min) = "
            f"{bound:.3g} (+ sampling slack {slack / r:.3g}, false alarm {s.false_alarm:g}) for "
            f"f = {G:g} |u^T x| under sigma = {sigma:g}",
            seed,
            "the explanation is not smoothed by the declared noise: noise smaller than declared "
            "(variance passed as standard deviation with sigma < 1), no noise at all (the plain "
            "gradient), or a kernel that is not declared",
            figures,
        )
    return figures


def check_sign_and_scale(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Per-feature sign and scale on f = sum_j c_j x_j^3 at x0 = 0.

    There the explanation is 3 c_j cov'_jj feature by feature (mixed signs,
    unequal scales when the explainer supports anisotropic noise), so a wrong
    sign, |grad f|, the variance passed as a standard deviation or a
    per-feature scaling shows up as a recognisable ratio observed / expected.
    """
    name = "check_sign_and_scale"
    s = resolve(settings)
    rng = P.check_rng(seed, name)
    d = s.dim
    c = P.mixed_signs(rng, d)
    f = P.separable_cubic(c)
    structure = "diagonal" if explainer.supports("diagonal") else "isotropic"
    cov = P.covariance(rng, d, structure, sigma=0.6)
    if structure == "isotropic":
        cov = 0.6**2 * np.eye(d)
    return _bias_test(
        explainer,
        name,
        seed,
        s,
        [(f, np.zeros(d), cov)],
        s.n_convergence,
        "per-feature sign or scale error",
        "a per-feature sign or scale error",
    )

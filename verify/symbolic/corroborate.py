"""The independent second route: every expectation a proof relied on, recomputed another way.

Both sides of a proof come from one expectation engine, so an engine error that maps a
function class into itself (a normalising constant off, the sign of a trigonometric phase
flipped) would leave the identity intact and the proof "proved". After each derivation the
harness (:func:`verify.symbolic.proofs.common.run_proof`) therefore recomputes what the
derivation used (:mod:`verify.symbolic.trace`) by algorithms that share nothing with the
engine, at random admissible rational parameter points:

* **moment tables** of the generic-polynomial proofs: every derived raw moment against the
  Taylor coefficients of the moment generating function (:func:`~verify.symbolic.mgf.
  mgf_moments_mod`), exactly, modulo the prime 2**61 - 1 at random points (a wrong
  moment of order k agrees with probability <= k / (2**61 - 1) per point, Schwartz-Zippel);
* **polynomial integrands**: the same MGF coefficients in exact rationals; agreement is
  exact equality (or 30 agreeing digits when the coefficients are transcendental numbers);
* **every other integrand** (exponentials of quadratics, sin/cos, Phi): Gauss-Hermite
  quadrature in whitened coordinates rotated so that the transcendental factors depend
  on the first r coordinates only; along those, node counts are doubled until two
  successive estimates agree to ``1e-11 scale`` (their difference is the error estimate),
  and the other coordinates get exactly enough nodes for the polynomial factor. Agreement:
  ``|engine - quadrature| <= 1e-9 scale + 10 error`` (``scale = E|integrand|``); an error
  estimate above ``1e-3 scale`` (or a non-finite value) is *inconclusive*, never a
  disagreement. This route uses one random point per expectation
  (:data:`QUADRATURE_POINTS`): a wrong closed form is an analytic function that differs
  from the truth, so it agrees with it at a random point only on a set of measure zero.
  The rate of inconclusive comparisons over :func:`~verify.symbolic.proofs.prove_all` is
  measured in the tests (zero).

Random points respect the proof's assumptions: covariances SPD, positive symbols
positive, and every open integrability condition with margin 3 (the integrand cubed still
integrable, so the quadrature converges).

The outcome is one of ``agreed``, ``disagreed`` (then the record may not say "proved"),
``inconclusive`` or ``none`` (nothing to corroborate), with the points and discrepancies.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import sympy as sp

from ..deadline import check as check_deadline
from .canonical import default_sampler, is_spd
from .mgf import PRIME, mgf_moments, mgf_moments_mod
from .tilted_quadrature import tilted_expectation
from .trace import Trace

__all__ = [
    "NOT_CONVERGED",
    "SIGMAS",
    "WITHDRAW_RTOL",
    "conditions_satisfiable",
    "corroborate",
    "judge",
]

#: Random points per moment table and per polynomial expectation (exact comparisons).
N_POINTS = 2
#: Random points per expectation compared by quadrature (the costly route).
QUADRATURE_POINTS = 1
#: A disagreement must exceed this many error bars ...
SIGMAS = 10.0
#: ... and this fraction of E|integrand| to withdraw a verdict.
WITHDRAW_RTOL = 1e-8
#: An error bar above this fraction of E|integrand| leaves a smaller discrepancy undecided.
NOT_CONVERGED = 1e-3
_MAX_DRAWS = 60


def corroborate(trace: Trace, *, seed: int = 0, n_points: int = N_POINTS) -> dict:
    """Recompute what ``trace`` recorded by the independent routes; a record-ready dict.

    Parameters
    ----------
    trace : Trace
        What the derivation used.
    seed : int
        Seed of the random parameter points (fixed: the result is reproducible).
    n_points : int
        Random points per moment table and per polynomial expectation; expectations
        compared by quadrature use the first :data:`QUADRATURE_POINTS` of them.

    Returns
    -------
    dict
        ``status`` (``agreed``, ``disagreed``, ``inconclusive`` or ``none``), ``method``,
        counts, ``max_relative_discrepancy`` and the first disagreements.
    """
    rng = random.Random(seed)
    rows: list[dict] = []
    moments = 0
    for table in trace.tables:
        check_deadline()
        moments += len(table.derived())
        rows.extend(_check_table(table, rng, n_points))
    expectations = _unique(trace.expectations)
    if expectations:
        points = _points(expectations, trace.conditions, rng, n_points)
        if not points:
            rows.append(
                {
                    "what": f"{len(expectations)} expectations",
                    "method": "none: no admissible random point (SPD covariances, "
                    f"integrability conditions) in {_MAX_DRAWS} draws",
                    "agreement": "inconclusive",
                }
            )
        for n, point in enumerate(points):
            for exp in expectations:
                check_deadline()
                if n >= QUADRATURE_POINTS and not exp.integrand.is_polynomial(*exp.xs):
                    continue
                rows.append(_check_expectation(exp, point))
    if not rows:
        return {"status": "none", "method": "nothing to corroborate"}
    bad = [r for r in rows if r["agreement"] == "disagreed"]
    open_ = [r for r in rows if r["agreement"] == "inconclusive"]
    status = "disagreed" if bad else ("inconclusive" if open_ else "agreed")
    methods = sorted({r["method"] for r in rows})
    discrepancy = max((r.get("relative_discrepancy", 0.0) for r in rows), default=0.0)
    return {
        "status": status,
        "method": "; ".join(methods),
        "expectations": len(expectations),
        "moments": moments,
        "points": n_points,
        "comparisons": len(rows),
        "max_relative_discrepancy": discrepancy,
        "disagreements": bad[:3],
        "inconclusive": open_[:3],
        "seed": seed,
    }


def _unique(expectations) -> list:
    seen, out = set(), []
    for e in expectations:
        key = (e.integrand, tuple(e.mean), tuple(e.cov), e.value)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


# ---------------------------------------------------------------------------
# moment tables: exact, modulo a prime


def _check_table(table, rng: random.Random, n_points: int) -> list[dict]:
    derived = table.derived()
    if not derived:
        return []
    d = table.d
    order = max(sum(beta) for beta in derived)
    rows = []
    for _ in range(n_points):
        mean = [rng.randrange(PRIME) for _ in range(d)]
        cov = [[0] * d for _ in range(d)]
        for i, j in table.pairs:
            cov[i][j] = cov[j][i] = rng.randrange(PRIME)
        values = mean + [cov[i][j] for i, j in table.pairs]
        reference = mgf_moments_mod(mean, cov, order)
        cache: dict = {}
        wrong = [
            beta
            for beta, poly in derived.items()
            if table.evaluate_modular(poly, values, PRIME, cache) != reference.get(beta, 0)
        ]
        rows.append(
            {
                "what": f"{len(derived)} raw moments of N(mu, S), d={d}",
                "method": "MGF Taylor coefficients mod 2**61-1 at random points",
                "agreement": "disagreed" if wrong else "agreed",
                "wrong_moments": [list(b) for b in wrong[:5]],
            }
        )
    return rows


# ---------------------------------------------------------------------------
# expectations: points


def conditions_satisfiable(trace: Trace, *, seed: int = 0) -> bool:
    """True when some admissible random point meets every open integrability condition.

    A proof whose conditions no admissible parameter value meets proves nothing (it would be
    vacuously true); :func:`verify.symbolic.proofs.common.run_proof` withdraws it.
    """
    if not trace.conditions:
        return True
    exps = _unique(trace.expectations)
    return bool(_points(exps, trace.conditions, random.Random(seed), 1, margin=1))


def _points(
    expectations, conditions, rng: random.Random, n_points: int, margin: int = 3
) -> list[dict]:
    """Random rational points: every covariance SPD, every open integrability condition
    met with ``margin`` (3 by default: the integrand cubed is still integrable, so
    quadrature converges)."""
    symbols = set()
    covs = []
    for e in expectations:
        symbols |= e.integrand.free_symbols - set(e.xs)
        symbols |= e.mean.free_symbols | e.cov.free_symbols
        if e.cov.free_symbols and all(c not in covs for c in [e.cov]):
            covs.append(e.cov)
    base = default_sampler(symbols)
    points = []
    for _ in range(n_points):
        for _ in range(_MAX_DRAWS):
            point = base(rng)
            for cov in covs:
                _spd_values(cov, point, rng)
            if all(is_spd(e.cov.xreplace(point)) for e in expectations) and all(
                c.holds_at(point, margin=margin) for c in conditions
            ):
                points.append(point)
                break
    return points


def _spd_values(cov: sp.Matrix, point: dict, rng: random.Random) -> None:
    """Give the plain-symbol entries of ``cov`` the values of a random SPD matrix.

    ``c (L L' + I/2)`` with L lower triangular and a random scale c in [1/10, 2], so that
    small covariances (which some integrability conditions need) are drawn too.
    """
    d = cov.shape[0]
    L = sp.Matrix(d, d, lambda i, j: sp.Rational(rng.randint(-10, 10), 10) if j <= i else 0)
    val = (L * L.T + sp.eye(d) / 2) * sp.Rational(rng.randint(1, 20), 10)
    for i in range(d):
        for j in range(i, d):
            if isinstance(cov[i, j], sp.Symbol):
                point[cov[i, j]] = val[i, j]


# ---------------------------------------------------------------------------
# expectations: the two routes


def _check_expectation(exp, point: dict) -> dict:
    xs = exp.xs
    integrand = exp.integrand.xreplace(point)
    mean = exp.mean.xreplace(point)
    cov = exp.cov.xreplace(point)
    engine = exp.value.xreplace(point)
    if integrand.is_polynomial(*xs):
        row = _exact_polynomial(integrand, xs, mean, cov, engine)
    else:
        row = _quadrature(integrand, xs, mean, cov, engine)
    if row["agreement"] != "agreed":  # named only when reported (printing costs time)
        row["what"] = f"E[{sp.sstr(exp.integrand)}]" + (f" ({exp.role})" if exp.role else "")
        row["point"] = {str(k): str(v) for k, v in point.items()}
    return row


def _exact_polynomial(poly, xs, mean, cov, engine) -> dict:
    terms = sp.Poly(poly, *xs).as_dict(native=False)
    order = max((sum(b) for b in terms), default=0)
    if all(v.is_Rational for v in [*mean, *cov]):
        mom = mgf_moments([_fraction(v) for v in mean], _fraction_rows(cov), order)
        moments = {b: sp.Rational(m.numerator, m.denominator) for b, m in mom.items()}
    else:  # parameters that are numbers but not rational: no exact route here
        return {"method": "none (irrational parameters)", "agreement": "inconclusive"}
    reference = sp.Add(*[c * moments.get(tuple(b), 0) for b, c in terms.items()])
    diff = sp.expand(engine - reference)
    method = "MGF Taylor coefficients, exact rationals"
    if diff == 0:
        return {"method": method, "agreement": "agreed", "relative_discrepancy": 0.0}
    scale = max(abs(float(sp.N(reference, 30))), 1e-300)
    rel = float(abs(sp.N(diff, 30))) / scale
    verdict = "agreed" if rel < 1e-25 else "disagreed"
    return {
        "method": method,
        "agreement": verdict,
        "relative_discrepancy": rel,
        "engine": str(sp.N(engine, 20)),
        "independent": str(sp.N(reference, 20)),
    }


def _fraction(v: sp.Rational) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def _fraction_rows(cov: sp.Matrix) -> list[list[Fraction]]:
    return [[_fraction(cov[i, j]) for j in range(cov.shape[1])] for i in range(cov.shape[0])]


def _quadrature(integrand, xs, mean, cov, engine) -> dict:
    """Compare the engine's value with :func:`~verify.symbolic.tilted_quadrature.
    tilted_expectation` (see the module docstring for the verdict rule)."""
    est = tilted_expectation(integrand, xs, mean, cov)
    row: dict = {"method": est.method}
    if est.reason:
        return {**row, "agreement": "inconclusive", "why": est.reason}
    engine_value = complex(sp.N(engine, 20))
    scale = max(est.scale, abs(est.value), 1e-300)
    if abs(engine_value.imag) > 1e-12 * max(abs(engine_value.real), scale):
        return {
            **row,
            "agreement": "disagreed",
            "engine": str(engine_value),
            "independent": est.value,
            "quadrature_error": est.error,
            "relative_discrepancy": abs(engine_value.imag) / scale,
            "why": "the engine's value is not real",
        }
    value = engine_value.real
    discrepancy = abs(value - est.value)
    row.update(
        engine=value,
        independent=est.value,
        quadrature_error=est.error,
        relative_discrepancy=discrepancy / scale,
    )
    return {**row, "agreement": judge(discrepancy, est.error, scale)}


def judge(discrepancy: float, error: float, scale: float) -> str:
    """``agreed``, ``disagreed`` or ``inconclusive`` for one quadrature comparison.

    * **disagreed** when the discrepancy exceeds :data:`SIGMAS` times the error estimate
      and :data:`WITHDRAW_RTOL` of the scale: a disagreement this route can vouch for,
      however large its error bar (a 50 % discrepancy with a 1e-3 error bar is one);
    * **inconclusive** when it does not, and the error bar is above :data:`NOT_CONVERGED`
      of the scale (the route cannot tell);
    * **agreed** otherwise.
    """
    if not np.isfinite([discrepancy, error, scale]).all():
        return "inconclusive"
    if discrepancy > SIGMAS * error and discrepancy > WITHDRAW_RTOL * scale:
        return "disagreed"
    if error > NOT_CONVERGED * scale:
        return "inconclusive"
    return "agreed"

"""The numeric half of the second route: quadrature on the integrand's own Gaussian.

``E_{N(mu, S)}[h(x)]`` for an integrand ``h = sum_g r_g(x) exp(q_g(x))`` with quadratic
exponents ``q_g`` (the engine's classes after admission) and ``r_g`` polynomials times
``sin``/``cos``/``Phi`` of affine forms. Each exponential group is integrated against the
Gaussian it forms with the law: with ``q(x) = c + g'x - x'Ax/2`` the product
``exp(q(x)) N(x; mu, S)`` is proportional to ``N(x; mu', S')``, ``S' = (S^-1 + A)^-1``,
``mu' = S'(S^-1 mu + g)``. Gauss-Hermite nodes are placed on that law (so a bump of width
1e-3 inside a law of width 1 is resolved, not missed), and at every node the integrand is
weighted by the pointwise density ratio ``exp(q(x)) N(x; mu, S) / N(x; mu', S')``: the
closed form of the engine's completing-the-square is never used, only where the nodes go.

Along the directions the ``sin``/``cos``/``Phi`` factors depend on (rotated so that they are
the first r whitened coordinates) node counts are doubled until two successive estimates
agree to ``1e-11`` of ``E|h|``; their difference is the error estimate. The other
coordinates see a polynomial and get exactly enough nodes for its degree. Memory is
bounded: nodes are evaluated in blocks of :data:`BLOCK` points, and a grid of more than
:data:`MAX_NODES` points is not attempted (the comparison is then inconclusive, and says
why).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from ..deadline import check as check_deadline
from .special import Phi, phi_to_erf

__all__ = ["BLOCK", "MAX_NODES", "QuadratureEstimate", "tilted_expectation"]

#: Points evaluated at once (memory: about 8 d BLOCK bytes per array).
BLOCK = 1 << 16
#: Largest grid attempted for one estimate.
MAX_NODES = 4_000_000
#: Node counts tried in turn along the transcendental directions, by their number r.
NODES = {1: (24, 48, 96, 192, 300), 2: (20, 40, 80, 160), 3: (12, 20, 32, 48)}
CONVERGED = 1e-11
_TRANSCENDENTAL = (sp.sin, sp.cos, Phi, sp.erf)


@dataclass(frozen=True)
class QuadratureEstimate:
    """A quadrature value with its error estimate; ``reason`` says why it is unusable."""

    value: float
    error: float
    scale: float
    method: str
    reason: str = ""


class _Unusable(Exception):
    pass


@lru_cache(maxsize=64)
def _hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and weights normalised to a probability."""
    t, w = np.polynomial.hermite_e.hermegauss(n)
    return t, w / np.sqrt(2 * np.pi)


def _groups(integrand: sp.Expr, xs) -> dict:
    """``{q: r}`` with ``integrand = sum r exp(q)`` and q free of other exp factors."""
    expanded = sp.expand(integrand, power_exp=False, log=False, power_base=False)
    groups: dict = {}
    for term in sp.Add.make_args(expanded):
        q, rest = sp.S.Zero, []
        for f in sp.Mul.make_args(term):
            if isinstance(f, sp.exp) and f.has(*xs):
                q += f.args[0]
            elif f.is_Pow and isinstance(f.base, sp.exp) and f.has(*xs):
                q += f.base.args[0] * f.exp
            else:
                rest.append(f)
        q = sp.expand(q)
        groups[q] = groups.get(q, sp.S.Zero) + sp.Mul(*rest)
    return groups


def _quadratic(q: sp.Expr, xs) -> tuple[float, np.ndarray, np.ndarray]:
    """``q = c + g'x - x'Ax/2`` as floats; refuse anything of higher degree."""
    d = len(xs)
    c, g, A = 0.0, np.zeros(d), np.zeros((d, d))
    if q == 0:
        return c, g, A
    try:
        terms = sp.Poly(q, *xs).as_dict()
    except sp.PolynomialError:
        raise _Unusable(f"exponent {q} is not a polynomial in x") from None
    for mono, coeff in terms.items():
        idx = [i for i, e in enumerate(mono) for _ in range(e)]
        value = float(coeff)
        if not idx:
            c += value
        elif len(idx) == 1:
            g[idx[0]] += value
        elif len(idx) == 2:  # a x_i x_j = -x'Ax/2 restricted to (i, j), A symmetric
            i, j = idx
            if i == j:
                A[i, i] -= 2 * value
            else:
                A[i, j] -= value
                A[j, i] -= value
        else:
            raise _Unusable(f"exponent {q} has degree > 2 in x")
    return c, g, A


def _spd_inverse(S: np.ndarray) -> np.ndarray:
    w, U = np.linalg.eigh((S + S.T) / 2)
    if not np.all(np.isfinite(w)) or w.min() <= 1e-13 * max(abs(w).max(), 1e-300):
        raise _Unusable(
            f"covariance numerically singular in float64 (eigenvalues {w.min():.3g} to "
            f"{w.max():.3g}): quadrature cannot be set up at this point"
        )
    return (U / w) @ U.T


def _tilted_law(mu, S, Sinv, g, A):
    P = Sinv + A
    w, U = np.linalg.eigh((P + P.T) / 2)
    if w.min() <= 1e-13 * abs(w).max():
        raise _Unusable("the exponential factor is not integrable at this point (S^-1 + A not PD)")
    S_t = (U / w) @ U.T
    mu_t = S_t @ (Sinv @ mu + g)
    root = U * np.sqrt(1 / w)  # S_t = root root'
    return mu_t, S_t, root


def _log_density(X, mu, Sinv, logdet):
    Z = X - mu[:, None]
    return -0.5 * np.einsum("ij,ik,kj->j", Z, Sinv, Z) - 0.5 * logdet


def _directions(rest: sp.Expr, xs, root: np.ndarray) -> np.ndarray:
    """Whitened directions (rows) the transcendental factors of ``rest`` depend on."""
    rows = []
    origin = dict.fromkeys(xs, 0)
    for atom in rest.atoms(*_TRANSCENDENTAL):
        for arg in atom.args:
            if not arg.has(*xs):
                continue
            grad = [sp.diff(arg, x) for x in xs]
            if any(gr.has(*xs) for gr in grad):
                raise _Unusable(f"{atom} has a non-affine argument")
            rows.append(root.T @ np.array([float(gr.xreplace(origin)) for gr in grad]))
    return np.array(rows) if rows else np.zeros((0, len(xs)))


def _degree(rest: sp.Expr, xs) -> int:
    stand_ins = {a: sp.Dummy() for a in rest.atoms(*_TRANSCENDENTAL) if a.has(*xs)}
    try:
        return sp.Poly(rest.xreplace(stand_ins), *xs).total_degree()
    except sp.PolynomialError:
        raise _Unusable(f"{rest} is not a polynomial times sin/cos/Phi factors") from None


def _grid_sum(counts, n_other, d, evaluate) -> tuple[float, float]:
    """Sum of weight * value (and of weight * |value|) over a tensor grid, block by block."""
    rules = [_hermite(n) for n in counts] + [_hermite(n_other)] * (d - len(counts))
    shape = tuple(len(t) for t, _ in rules)
    total = int(np.prod(shape, dtype=np.int64))
    if total > MAX_NODES:
        raise _Unusable(f"a grid of {total} nodes exceeds the budget of {MAX_NODES}")
    acc, acc_abs = 0.0, 0.0
    for start in range(0, total, BLOCK):
        check_deadline()
        idx = np.unravel_index(np.arange(start, min(start + BLOCK, total)), shape)
        V = np.stack([rules[k][0][idx[k]] for k in range(d)])
        W = np.prod(np.stack([rules[k][1][idx[k]] for k in range(d)]), axis=0)
        vals = evaluate(V)
        acc += float(np.sum(W * vals))
        acc_abs += float(np.sum(W * np.abs(vals)))
    return acc, acc_abs


def _group_estimate(q, rest, xs, mu, S, Sinv, logdet_S) -> tuple[float, float, float, int]:
    d = len(xs)
    c, g, A = _quadratic(q, xs)
    mu_t, S_t, root = _tilted_law(mu, S, Sinv, g, A)
    Sinv_t = np.linalg.inv(S_t)
    logdet_t = float(np.linalg.slogdet(S_t)[1])
    V = _directions(rest, xs, root)
    if V.size:
        _, sv, vt = np.linalg.svd(V)
        r = int(np.sum(sv > 1e-12 * max(sv.max(), 1e-300)))
    else:
        vt, r = np.eye(d), 0
    r = max(r, 1)
    n_poly = _degree(rest, xs) // 2 + 1
    fn = sp.lambdify(list(xs), phi_to_erf(rest), modules=["scipy", "numpy"], cse=False)
    basis = root @ vt.T  # x = mu_t + basis v

    def evaluate(v: np.ndarray) -> np.ndarray:
        X = mu_t[:, None] + basis @ v
        log_ratio = (
            c
            + g @ X
            - 0.5 * np.einsum("ij,ik,kj->j", X, A, X)
            + _log_density(X, mu, Sinv, logdet_S)
            - _log_density(X, mu_t, Sinv_t, logdet_t)
        )
        r_vals = np.broadcast_to(np.asarray(fn(*X), dtype=float), X.shape[1:])
        return r_vals * np.exp(log_ratio)

    estimates, scales = [], []
    for n_main in NODES.get(r, (6, 10, 14)):
        est, scale = _grid_sum([n_main] * r, n_poly, d, evaluate)
        estimates.append(est)
        scales.append(scale)
        if len(estimates) > 1 and abs(estimates[-1] - estimates[-2]) <= CONVERGED * scales[-1]:
            break
    return estimates[-1], abs(estimates[-1] - estimates[-2]), scales[-1], r


def tilted_expectation(integrand: sp.Expr, xs, mean, cov) -> QuadratureEstimate:
    """``E[integrand]`` under N(mean, cov) by quadrature, with an error estimate.

    Parameters
    ----------
    integrand : sympy.Expr
        Numeric but for the variables ``xs``.
    xs : sequence of sympy.Symbol
    mean, cov : sympy.Matrix
        Numeric.

    Returns
    -------
    QuadratureEstimate
        ``reason`` non-empty when no estimate could be made (then value and error are nan).
    """
    mu = np.array([float(v) for v in mean], dtype=float)
    S = np.array(cov.tolist(), dtype=float)
    method = "Gauss-Hermite quadrature on each exponential group's own Gaussian"
    try:
        Sinv = _spd_inverse(S)
        logdet_S = float(np.linalg.slogdet(S)[1])
        value = error = scale = 0.0
        dims = set()
        for q, rest in _groups(integrand, xs).items():
            est, err, sc, r = _group_estimate(q, rest, xs, mu, S, Sinv, logdet_S)
            value, error, scale = value + est, error + err, scale + sc
            dims.add(r)
    except (_Unusable, np.linalg.LinAlgError) as exc:
        nan = float("nan")
        return QuadratureEstimate(nan, nan, nan, method, reason=str(exc))
    method += f", {max(dims, default=1)} rotated direction(s) + exact polynomial rule"
    return QuadratureEstimate(value, error, scale, method)

"""Statements about the estimators on a finite sample: algebra on a symbolic sample.

* :func:`prove_sklearn_ridge_mapping` (Lemma 6): scikit-learn's ``Ridge(alpha,
  fit_intercept=True)`` with sample weights ``pi`` minimises ``sum pi_i r_i^2 + alpha
  ||w||^2`` by solving the weighted-centred system ``(Zc' Pi Zc + alpha I) w = Zc' Pi yc``,
  ``w0 = ybar - zbar'w``. Its solutions are exactly those of the mean-loss ridge normal
  equations with ``lambda = alpha / sum(pi)`` (``alpha / n`` without weights).
* :func:`prove_empirical_linearity` (Proposition 2): on a shared sample, SmoothGrad_n and
  least-squares C-LIME_n (intercept, kernel weights, ridge penalty) are linear in f.

Each is checked for a sample of fixed small size whose points, responses, gradients and
weights are all symbols, so the identity holds for every such sample: no value is drawn.
"""

from __future__ import annotations

import sympy as sp

from ..canonical import decide_matrix, default_sampler
from ..records import ProofRecord
from .common import class_scope, run_proof, verdict

__all__ = ["prove_empirical_linearity", "prove_sklearn_ridge_mapping"]


def _sample(n: int, d: int):
    z = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"z_{i + 1}{j + 1}", real=True))
    y = sp.Matrix([sp.Symbol(f"y_{i + 1}", real=True) for i in range(n)])
    pi = [sp.Symbol(f"pi_{i + 1}", positive=True) for i in range(n)]
    return z, y, pi


def _sklearn_checks(n: int, d: int) -> list:
    z, y, pi = _sample(n, d)
    alpha = sp.Symbol("alpha", nonnegative=True)
    w = sp.Matrix([sp.Symbol(f"w_{j + 1}", real=True) for j in range(d)])
    w0 = sp.Symbol("w_0", real=True)
    P = sum(pi)
    lam = alpha / P
    r = [y[i] - (z[i, :] * w)[0] - w0 for i in range(n)]
    mean_loss = sum(p * ri**2 for p, ri in zip(pi, r, strict=True)) / P + lam * (w.T * w)[0]
    sklearn_loss = sum(p * ri**2 for p, ri in zip(pi, r, strict=True)) + alpha * (w.T * w)[0]
    # sklearn's route: weighted means, centred data, ridge without intercept
    zbar = sp.Matrix([sum(pi[i] * z[i, j] for i in range(n)) / P for j in range(d)])
    ybar = sum(pi[i] * y[i] for i in range(n)) / P
    Zc = sp.Matrix(n, d, lambda i, j: z[i, j] - zbar[j])
    yc = sp.Matrix([y[i] - ybar for i in range(n)])
    Pi = sp.diag(*pi)
    G = (Zc.T * Pi * Zc + alpha * sp.eye(d)) * w - Zc.T * Pi * yc
    grad_w = sp.Matrix([sp.diff(mean_loss, wj) for wj in w])
    E2 = sum(p * ri for p, ri in zip(pi, r, strict=True))  # = -(P/2) d(mean loss)/d w0
    sampler = default_sampler({*z, *y, *pi, alpha, *w, w0})
    tag = f"n={n}, d={d}"
    return [
        (
            f"{tag}: sklearn objective = sum(pi) x mean-loss objective at lambda = alpha/sum(pi)",
            decide_matrix(sp.Matrix([sklearn_loss - P * mean_loss]), sampler=sampler),
        ),
        (
            f"{tag}: d(mean loss)/d w0 = -2 (ybar - zbar'w - w0): intercept = ybar - zbar'w",
            decide_matrix(
                sp.Matrix([sp.diff(mean_loss, w0) + 2 * (ybar - (zbar.T * w)[0] - w0)]),
                sampler=sampler,
            ),
        ),
        (
            f"{tag}: (sum pi / 2) d(mean loss)/dw - sklearn's centred system + zbar E2 = 0",
            decide_matrix(P / 2 * grad_w - G + zbar * E2, sampler=sampler),
        ),
    ]


def prove_sklearn_ridge_mapping(*, timeout: float | None = None) -> ProofRecord:
    """Lemma 6's sklearn mapping: ``Ridge(alpha)`` with weights pi is ``lambda = alpha/sum(pi)``.

    The three identities (for samples of sizes n = 3 in d = 2 and n = 4 in d = 1) show that
    the mean-loss normal equations (gradient in w, and in w0) and sklearn's weighted-centred
    system differ by an invertible row operation, so they have the same solutions.
    """

    def body() -> dict:
        checks = _sklearn_checks(3, 2) + _sklearn_checks(4, 1)
        return verdict(checks)

    return run_proof(
        "lemma6",
        "Lemma 6, scikit-learn mapping: Ridge(alpha, fit_intercept=True) with sample weights "
        "pi (objective sum pi_i r_i^2 + alpha ||w||^2, solved on weighted-centred data) has "
        "the solutions of the mean-loss ridge sum pi_i r_i^2 / sum pi + lambda ||w||^2 with "
        "lambda = alpha / sum(pi) (alpha / n without weights)",
        "any sample: symbolic points, responses and weights, n=3 in d=2 and n=4 in d=1",
        (
            "scikit-learn's documented objective ||sqrt(pi) (y - X w - w0)||^2 + alpha ||w||^2 "
            "with the intercept fitted by centring at the weighted means",
            "weights pi_i > 0, alpha >= 0",
        ),
        timeout,
        body,
        scope=class_scope(
            "finite samples",
            d=(1, 2),
            variant="scikit-learn's Ridge",
            sample=[_sample(3, 2), _sample(4, 1)],
            penalty=sp.Symbol("alpha", nonnegative=True),
        ),
    )


def _least_squares(n: int, d: int, z: sp.Matrix, pi, lam) -> tuple[sp.Matrix, sp.Expr]:
    """``G = X' Pi X + lam diag(0, I)`` and ``X' Pi`` for weighted ridge with intercept."""
    X = sp.Matrix(n, d + 1, lambda i, j: 1 if j == 0 else z[i, j - 1])
    penalty = sp.diag(0, *([lam] * d))
    G = X.T * sp.diag(*pi) * X + penalty
    return G, X.T * sp.diag(*pi)


def _linearity_checks(n: int, d: int) -> list:
    """The four identities of :func:`prove_empirical_linearity` on a symbolic sample."""
    z, _, pi = _sample(n, d)
    lam = sp.Symbol("lambda", nonnegative=True)
    al, be = sp.symbols("alpha beta", real=True)
    a = sp.symbols(f"a1:{d + 1}", real=True)
    f, g = sp.Function("f")(*a), sp.Function("g")(*a)
    h = al * f + be * g

    def at(expr, i):
        return expr.subs(dict(zip(a, z[i, :], strict=True)), simultaneous=True).doit()

    def gradients(fun):  # n x d: the gradient at each sample point
        return sp.Matrix(n, d, lambda i, j: at(sp.diff(fun, a[j]), i))

    def values(fun):
        return sp.Matrix([at(fun, i) for i in range(n)])

    G, XtPi = _least_squares(n, d, z, pi, lam)
    y = sp.Matrix([sp.Symbol(f"y_{i + 1}", real=True) for i in range(n)])
    theta = sp.Matrix([sp.Symbol(f"theta_{j}", real=True) for j in range(d + 1)])
    X = sp.diag(*[1 / p for p in pi]) * XtPi.T
    loss = sum(pi[i] * (y[i] - (X[i, :] * theta)[0]) ** 2 for i in range(n))
    loss += lam * sum(t**2 for t in theta[1:])
    grad = sp.Matrix([sp.diff(loss, t) / 2 for t in theta])
    H = sp.Matrix(d + 1, d + 1, lambda i, j: sp.Symbol(f"h_{min(i, j)}{max(i, j)}"))
    sampler = default_sampler({*z, *pi, lam, al, be, *y, *theta, *H})
    ones = sp.ones(1, n) / n
    checks = [
        (
            "normal equations: (1/2) grad of sum pi_i (y_i - x_i'theta)^2 + lambda "
            "||theta_1:||^2 is G theta - X' Pi y, G = X' Pi X + lambda diag(0, I)",
            decide_matrix(grad - (G * theta - XtPi * y), sampler=sampler),
        ),
        (
            "H adj(H) = det(H) I for every symmetric H: theta = adj(G) X' Pi y / det G, "
            "a linear map of y fixed by the sample",
            decide_matrix(H * H.adjugate() - H.det() * sp.eye(d + 1), sampler=sampler),
        ),
        (
            "SG_n = (1/n) 1' [grad f(z_i)]: gradients of alpha f + beta g at the points "
            "are alpha grad f + beta grad g",
            decide_matrix(
                ones * (gradients(h) - al * gradients(f) - be * gradients(g)),
                sampler=sampler,
            ),
        ),
        (
            "C-LIME_n: responses of alpha f + beta g are alpha y_f + beta y_g, so theta is "
            "alpha theta_f + beta theta_g",
            decide_matrix(values(h) - al * values(f) - be * values(g), sampler=sampler),
        ),
    ]
    return checks


def prove_empirical_linearity(*, timeout: float | None = None) -> ProofRecord:
    """Proposition 2 for the empirical estimators on one shared sample (n = 4, d = 2).

    SmoothGrad_n averages gradients at the sample points; C-LIME_n is the weighted ridge
    least-squares slope with an unpenalised intercept, ``theta(y) = G^-1 X' Pi y`` with
    ``G = X' Pi X + lam diag(0, I)`` (``G adj(G) = det(G) I`` is checked, so ``adj(G) X' Pi y
    / det G`` is the solution whenever ``det G != 0``). Both are checked linear in the
    responses (gradients) of ``alpha f + beta g`` for undefined functions f, g.
    """
    n, d = 4, 2

    def body() -> dict:
        return verdict(_linearity_checks(n, d))

    return run_proof(
        "proposition2",
        "Proposition 2, empirical estimators on a shared sample: SG_n and least-squares "
        "C-LIME_n (intercept, kernel weights, ridge) of alpha f + beta g equal alpha (.)^f + "
        "beta (.)^g",
        f"any f, g on any shared sample: n={n} symbolic points in d={d}, symbolic weights "
        "and lambda (X'Pi X + lambda diag(0, I) invertible)",
        ("f, g differentiable at the sample points (for SG_n)", "weights pi_i > 0, lambda >= 0"),
        timeout,
        body,
        scope=class_scope(
            "finite samples",
            d=d,
            variant="any f, g",
            sample=_sample(n, d)[::2],
            penalty=sp.Symbol("lambda", nonnegative=True),
            combination=sp.symbols("alpha beta", real=True),
        ),
    )

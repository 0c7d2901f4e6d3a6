"""Theorem 2, corrected: the upper bound sqrt(2/pi) M / sqrt(lambda_min(Sigma)) for general Sigma.

For every absolutely continuous f with ``||grad f|| <= M`` and SPD ``Sigma``, SmoothGrad
``SG(x) = E[grad f(x + z)]``, ``z ~ N(0, Sigma)``, is L-Lipschitz with
``L = sqrt(2/pi) M / sqrt(lambda_min(Sigma))``. The proof is a chain of lemmas; each
algebraic or integral step is decided symbolically here, for ``d = 1`` and ``d = 2`` with a
fully symbolic SPD Sigma:

* **L1** (density derivative) ``grad_x N(a; x, Sigma) = N(a; x, Sigma) Sigma^-1 (a - x)``,
  hence ``D SG(x) = E[grad f(x + z) z'] Sigma^-1``;
* **L2** (law of the projection) for a fixed v, ``u = Sigma^-1 v``: ``E cos(t u'z) =
  exp(-t^2 tau^2 / 2)`` and ``E sin(t u'z) = 0`` with ``tau^2 = v' Sigma^-1 v``, so ``u'z``
  has the characteristic function of ``N(0, tau^2)``;
* **L3** (absolute moment) ``E|Y| = sqrt(2/pi) tau`` for ``Y ~ N(0, tau^2)`` (direct
  integration with an antiderivative checked by differentiation);
* **L4** (Rayleigh, d = 2) with ``mu = lambda_max(Sigma) / det(Sigma)``: ``det(mu I -
  Sigma^-1) = 0``, ``tr(mu I - Sigma^-1) = sqrt(disc)/det(Sigma) >= 0`` (so ``mu I -
  Sigma^-1`` is PSD and ``v' Sigma^-1 v <= mu`` for unit v), and ``mu lambda_min(Sigma) = 1``,
  where ``lambda_min`` is a root of ``det(lambda I - Sigma)`` below ``lambda_max`` by
  ``sqrt(disc) >= 0``.

Chained: for unit v, ``||D SG(x) v|| = ||E[grad f(x+z) (u'z)]|| <= M E|u'z| = M sqrt(2/pi)
tau <= sqrt(2/pi) M / sqrt(lambda_min)``; the mean value inequality turns the bound on the
Jacobian into the Lipschitz constant. The measure-theoretic steps (differentiation under
the integral sign, ``||E X|| <= E||X||``, uniqueness of characteristic functions, the mean
value inequality, PSD of a symmetric 2x2 matrix with non-negative trace and determinant)
are standard theorems, named in the record's assumptions, not derived.
"""

from __future__ import annotations

import sympy as sp

from ..canonical import decide_matrix, decide_zero
from ..engine import gaussian_expectation
from ..params import symbolic_covariance
from .common import definite_integral, sampler_for

__all__ = ["ANALYSIS", "CITED_STEPS", "bound_sides", "upper_bound_checks"]

#: The analysis steps the upper bound cites (standard theorems, not derived symbolically).
CITED_STEPS = (
    "differentiation under the integral sign (dominated convergence: ||grad f|| <= M and the "
    "x-derivative of the Gaussian density is integrable locally uniformly in x)",
    "||E X|| <= E||X||",
    "a law is determined by its characteristic function",
    "a symmetric 2x2 matrix with non-negative trace and determinant is positive semidefinite",
    "the mean value inequality ||g(x) - g(y)|| <= sup ||Dg|| ||x - y||",
)

ANALYSIS = "standard analysis used, not derived symbolically (cited): " + "; ".join(CITED_STEPS)


def _density_derivative(d: int, S: sp.Matrix, sampler) -> list:
    xs = sp.Matrix(sp.symbols(f"x1:{d + 1}", real=True))
    a = sp.Matrix(sp.symbols(f"a1:{d + 1}", real=True))
    det = sp.expand(S.det())
    inv = S.adjugate() / det
    r = a - xs
    dens = sp.exp(-(r.T * inv * r)[0] / 2) / sp.sqrt((2 * sp.pi) ** d * det)
    grad = sp.Matrix([sp.diff(dens, x) for x in xs])
    return [
        (
            f"L1 (d={d}): grad_x N(a; x, Sigma) = N(a; x, Sigma) Sigma^-1 (a - x)",
            decide_matrix(grad - dens * inv * r, sampler=sampler),
        )
    ]


def _projection_law(d: int, S: sp.Matrix, sampler) -> list:
    z = sp.symbols(f"z1:{d + 1}", real=True)
    v = sp.Matrix(sp.symbols(f"v1:{d + 1}", real=True))
    t = sp.Symbol("t", real=True)
    det = sp.expand(S.det())
    u = S.adjugate() * v / det  # Sigma^-1 v
    proj = (u.T * sp.Matrix(z))[0]
    tau2 = (v.T * u)[0]
    zero = [0] * d
    cos_side = gaussian_expectation(sp.cos(t * proj), z, zero, S)
    sin_side = gaussian_expectation(sp.sin(t * proj), z, zero, S)
    return [
        (
            f"L2 (d={d}): E cos(t u'z) = exp(-t^2 v'Sigma^-1 v / 2), u = Sigma^-1 v",
            decide_zero(cos_side - sp.exp(-(t**2) * tau2 / 2), sampler=sampler),
        ),
        (f"L2 (d={d}): E sin(t u'z) = 0", decide_zero(sin_side, sampler=sampler)),
    ]


def _absolute_moment(sampler) -> list:
    y = sp.Symbol("y", real=True)
    tau = sp.Symbol("tau", positive=True)
    dens = sp.exp(-(y**2) / (2 * tau**2)) / (sp.sqrt(2 * sp.pi) * tau)
    half, check = definite_integral(y * dens, y, 0, sp.oo, -(tau**2) * dens, sampler)
    mean_abs = 2 * half  # |y| is even
    return [
        ("L3: d/dy (-tau^2 density) = y density (antiderivative)", check),
        (
            "L3: E|Y| = 2 int_0^oo y density = sqrt(2/pi) tau for Y ~ N(0, tau^2)",
            decide_zero(mean_abs - sp.sqrt(2 / sp.pi) * tau, sampler=sampler),
        ),
    ]


def _rayleigh_2d(S: sp.Matrix, sampler) -> list:
    det = sp.expand(S.det())
    tr = S.trace()
    root = sp.sqrt(sp.expand(tr**2 - 4 * det))
    lam_max, lam_min = (tr + root) / 2, (tr - root) / 2
    mu = lam_max / det  # = 1 / lambda_min, rationalised
    B = S.adjugate() / det  # Sigma^-1
    eye = sp.eye(2)
    return [
        (
            "L4: lambda_min, lambda_max are the roots of det(lambda I - Sigma)",
            decide_matrix(
                sp.Matrix([(lam * eye - S).det() for lam in (lam_min, lam_max)]), sampler=sampler
            ),
        ),
        ("L4: det(mu I - Sigma^-1) = 0", decide_zero((mu * eye - B).det(), sampler=sampler)),
        (
            "L4: tr(mu I - Sigma^-1) = sqrt(disc)/det(Sigma) >= 0",
            decide_zero((mu * eye - B).trace() - root / det, sampler=sampler),
        ),
        ("L4: mu lambda_min(Sigma) = 1", decide_zero(mu * lam_min - 1, sampler=sampler)),
    ]


def upper_bound_checks() -> list:
    """Lemmas L1-L4 for d = 1 and d = 2 with a fully symbolic SPD Sigma: (name, Decision)."""
    checks = []
    for d in (1, 2):
        S = symbolic_covariance(d)
        sampler = sampler_for(S, [S])
        checks += _density_derivative(d, S, sampler)
        checks += _projection_law(d, S, sampler)
    S1, S2 = symbolic_covariance(1), symbolic_covariance(2)
    checks += _absolute_moment(sampler_for(S1, [S1]))
    checks.append(
        (
            "L4 (d=1): max over unit v of v'Sigma^-1 v = 1/s_11 = 1/lambda_min",
            decide_zero(1 / S1[0, 0] - S1.inv()[0, 0], sampler=sampler_for(S1, [S1])),
        )
    )
    checks += _rayleigh_2d(S2, sampler_for(S2, [S2]))
    return checks


def bound_sides(M: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """For d = 2: ``M sqrt(2/pi) sqrt(lambda_max(Sigma^-1))`` and the claimed constant.

    Both written in the entries of the symbolic Sigma (``lambda_max(Sigma^-1) =
    lambda_max(Sigma) / det Sigma``); L4 shows they are equal.
    """
    S = symbolic_covariance(2)
    det = sp.expand(S.det())
    root = sp.sqrt(sp.expand(S.trace() ** 2 - 4 * det))
    lam_max, lam_min = (S.trace() + root) / 2, (S.trace() - root) / 2
    c = sp.sqrt(2 / sp.pi) * M
    return c * sp.sqrt(lam_max / det), c / sp.sqrt(lam_min)

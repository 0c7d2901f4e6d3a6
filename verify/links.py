"""Scalar links g: R -> R and their expectations under s ~ N(m, v).

A ridge function g(w^T x + b) and every unit of a one-hidden-layer network
reduce, under a Gaussian input, to one-dimensional expectations of a link:

* ``mean(m, v)``   = E g(s)
* ``slope(m, v)``  = E g'(s)           (g' the almost-everywhere derivative)
* ``stein(m, v)``  = E[(s - m) g(s)]   (computed *without* Stein's lemma)

Stein's lemma says ``stein == v * slope`` for absolutely continuous g; the
engine keeps the two routes separate so that tests can compare them, and so
that the step link, where the lemma fails, shows the failure.

Closed forms come from truncated-normal moments and Gaussian tilting; links
without one use probabilists' Gauss-Hermite quadrature, whose error is
estimated by comparing two orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy.special import expit, log_ndtr, ndtr

from .validation import InputError, as_count

__all__ = ["LINKS", "Link", "gauss_hermite_expectation", "get_link"]

_SQRT_2PI = np.sqrt(2 * np.pi)
_GH_ORDER = 160


def _phi(t: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * t * t) / _SQRT_2PI


@lru_cache(maxsize=8)
def _hermite_nodes(order: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    return nodes, weights / _SQRT_2PI


def gauss_hermite_expectation(
    h: Callable[[np.ndarray], np.ndarray], m: np.ndarray, v: np.ndarray, order: int = _GH_ORDER
) -> np.ndarray:
    """E h(s) for s ~ N(m, v) by Gauss-Hermite quadrature, vectorised over m and v."""
    nodes, weights = _hermite_nodes(as_count(order, "order (the number of nodes)"))
    m = np.asarray(m, dtype=float)[..., None]
    sd = np.sqrt(np.asarray(v, dtype=float))[..., None]
    return h(m + sd * nodes) @ weights


def _truncated_moments(m: np.ndarray, v: np.ndarray) -> dict[str, np.ndarray]:
    """Partial moments of s ~ N(m, v) on s > 0 and s < 0."""
    sd = np.sqrt(v)
    a = m / sd
    up, down, dens = ndtr(a), ndtr(-a), _phi(a)
    return {
        "p+": up,
        "p-": down,
        "s+": m * up + sd * dens,  # E[s; s > 0]
        "s-": m * down - sd * dens,  # E[s; s < 0]
        "ss+": (m * m + v) * up + m * sd * dens,  # E[s^2; s > 0]
        "ss-": (m * m + v) * down - m * sd * dens,
    }


def _exp_below_zero(m: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[e^s; s < 0] and E[(s - m) e^s; s < 0], by tilting N(m, v) to N(m + v, v)."""
    sd = np.sqrt(v)
    beta = (m + v) / sd
    # exp(m + v/2) * Phi(-beta) in log space: it overflows otherwise for large m.
    log_mass = m + v / 2 + log_ndtr(-beta)
    mass = np.exp(log_mass)
    # e^{m+v/2} phi(beta) == phi(m / sd): the identity keeps this term finite.
    centred = v * mass - sd * _phi(m / sd)
    return mass, centred


@dataclass(frozen=True)
class Link:
    """A scalar link with its derivative and Gaussian expectations.

    Attributes
    ----------
    name : str
        Registry name.
    lipschitz : float
        sup |g'| (``inf`` when unbounded).
    absolutely_continuous : bool
        False for jumps (Stein's lemma, hence Theorem 1, does not apply).
    smooth : bool
        True for analytic links; False for kinks or jumps (relu, elu, abs,
        step), where Gauss-Hermite quadrature converges slowly and its error
        estimate is unreliable.
    closed_form : bool
        True when ``mean``, ``slope`` and ``stein`` are closed forms; False when
        they use Gauss-Hermite quadrature.
    """

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    sympy: Callable[[sp.Expr], sp.Expr]
    lipschitz: float
    absolutely_continuous: bool = True
    smooth: bool = True
    closed_mean: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    closed_slope: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    closed_stein: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    @property
    def closed_form(self) -> bool:
        return None not in (self.closed_mean, self.closed_slope, self.closed_stein)

    def __reduce__(self) -> str | tuple:
        # A registered link pickles as its name (its fields are lambdas, which do not
        # pickle), so families using it can cross process boundaries.
        if LINKS.get(self.name) is self:
            return (get_link, (self.name,))
        return super().__reduce__()

    def mean(self, m: np.ndarray, v: np.ndarray) -> np.ndarray:
        """E g(s), s ~ N(m, v)."""
        if self.closed_mean is not None:
            return self.closed_mean(m, v)
        return gauss_hermite_expectation(self.value, m, v)

    def slope(self, m: np.ndarray, v: np.ndarray) -> np.ndarray:
        """E g'(s), s ~ N(m, v) (the a.e. derivative)."""
        if self.closed_slope is not None:
            return self.closed_slope(m, v)
        return gauss_hermite_expectation(self.derivative, m, v)

    def stein(self, m: np.ndarray, v: np.ndarray) -> np.ndarray:
        """E[(s - m) g(s)], s ~ N(m, v), computed without Stein's lemma."""
        if self.closed_stein is not None:
            return self.closed_stein(m, v)
        m_arr = np.asarray(m, dtype=float)
        return gauss_hermite_expectation(lambda s: (s - m_arr[..., None]) * self.value(s), m_arr, v)

    def quadrature_error(self, m: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Error estimate of the quadrature route: the change from order 80 to 160.

        Zero for closed-form links.
        """
        if self.closed_form:
            return np.zeros(np.broadcast(np.asarray(m), np.asarray(v)).shape)
        m_arr = np.asarray(m, dtype=float)
        errors = []
        for h in (self.value, self.derivative, lambda s: (s - m_arr[..., None]) * self.value(s)):
            fine = gauss_hermite_expectation(h, m_arr, v, _GH_ORDER)
            coarse = gauss_hermite_expectation(h, m_arr, v, _GH_ORDER // 2)
            errors.append(np.abs(fine - coarse))
        return np.maximum.reduce(errors)


def _centred_positive_part(m, v):
    """E[(s - m) s; s > 0] = v (Phi(a) - a phi(a)) + m sd phi(a), a = m / sd.

    Written in centred moments: the raw form E[s^2; s > 0] - m E[s; s > 0]
    cancels catastrophically when v << m^2 (a unit with tiny weights).
    """
    sd = np.sqrt(v)
    a = m / sd
    dens = _phi(a)
    return v * (ndtr(a) - a * dens) + m * sd * dens


def _relu_moments(m, v):
    t = _truncated_moments(m, v)
    return t["s+"], t["p+"], _centred_positive_part(m, v)


def _elu_mean(m, v):
    t = _truncated_moments(m, v)
    mass, _ = _exp_below_zero(m, v)
    return t["s+"] + mass - t["p-"]


def _elu_slope(m, v):
    return ndtr(m / np.sqrt(v)) + _exp_below_zero(m, v)[0]


def _elu_stein(m, v):
    # E[(s - m) elu(s)] = E[(s - m) s; s > 0] + E[(s - m) e^s; s < 0] - E[s - m; s < 0],
    # the first in centred form and the last as -sd phi(m / sd): the raw differences
    # E[s^2; s > 0] - m E[s; s > 0] and E[s; s < 0] - m P(s < 0) cancel catastrophically
    # when v << m^2 (all digits lost at v = 1e-16 m^2).
    sd = np.sqrt(v)
    _, centred = _exp_below_zero(m, v)
    return _centred_positive_part(m, v) + centred + sd * _phi(m / sd)


def _abs_stein(m, v):
    # E[(s - m)|s|] = E[(s - m) s; s > 0] - E[(s - m) s; s < 0], the second being
    # E[(s - m) s] - E[(s - m) s; s > 0] = v - E[(s - m) s; s > 0] (centred, stable form).
    return 2 * _centred_positive_part(m, v) - v


def _elu_value(s):
    # max(s, 0) + expm1(min(s, 0)): bit-identical to where(s > 0, s, expm1(s)) and
    # about 1.7x faster (no select pass); networks spend most of their time here.
    s = np.asarray(s, dtype=float)
    return np.maximum(s, 0.0) + np.expm1(np.minimum(s, 0.0))


def _elu_derivative(s):
    # exp(min(s, 0)) is exactly 1 for s > 0: no select pass needed.
    return np.exp(np.minimum(np.asarray(s, dtype=float), 0.0))


def _sigmoid_prime(s):
    p = expit(s)
    return p * (1 - p)


def _probit_scale(v):
    return np.sqrt(1 + v)


LINKS: dict[str, Link] = {
    "identity": Link(
        "identity",
        lambda s: np.asarray(s, dtype=float),
        lambda s: np.ones_like(s, dtype=float),
        lambda s: s,
        1.0,
        closed_mean=lambda m, v: np.asarray(m, dtype=float) + 0 * v,
        closed_slope=lambda m, v: np.ones(np.broadcast(m, v).shape),
        closed_stein=lambda m, v: np.asarray(v, dtype=float) + 0 * m,
    ),
    "probit": Link(
        "probit",
        ndtr,
        _phi,
        lambda s: (1 + sp.erf(s / sp.sqrt(2))) / 2,
        float(1 / _SQRT_2PI),
        closed_mean=lambda m, v: ndtr(m / _probit_scale(v)),
        closed_slope=lambda m, v: _phi(m / _probit_scale(v)) / _probit_scale(v),
        # Phi(s) = P(T <= s), T ~ N(0, 1): regress s - m on Y = T - s (Gaussian
        # conditioning), E[(s - m) 1{Y <= 0}] = Cov(s, Y)/Var(Y) * E[(Y - EY); Y <= 0].
        closed_stein=lambda m, v: (-v / (1 + v)) * (-_probit_scale(v) * _phi(m / _probit_scale(v))),
    ),
    "logistic": Link("logistic", expit, _sigmoid_prime, lambda s: 1 / (1 + sp.exp(-s)), 0.25),
    "tanh": Link("tanh", np.tanh, lambda s: 1 - np.tanh(s) ** 2, sp.tanh, 1.0),
    "softplus": Link(
        "softplus", lambda s: np.logaddexp(0.0, s), expit, lambda s: sp.log(1 + sp.exp(s)), 1.0
    ),
    "sin": Link(
        "sin",
        np.sin,
        np.cos,
        sp.sin,
        1.0,
        closed_mean=lambda m, v: np.sin(m) * np.exp(-v / 2),
        closed_slope=lambda m, v: np.cos(m) * np.exp(-v / 2),
        # Imaginary part of E[(s - m) e^{is}] = i v e^{im - v/2} (derivative of the
        # characteristic function).
        closed_stein=lambda m, v: v * np.cos(m) * np.exp(-v / 2),
    ),
    "exp": Link(
        "exp",
        np.exp,
        np.exp,
        sp.exp,
        np.inf,
        closed_mean=lambda m, v: np.exp(m + v / 2),
        closed_slope=lambda m, v: np.exp(m + v / 2),
        # Tilting: e^s N(m, v) is proportional to N(m + v, v), so E[(s-m) e^s] = v e^{m+v/2}.
        closed_stein=lambda m, v: v * np.exp(m + v / 2),
    ),
    "relu": Link(
        "relu",
        lambda s: np.maximum(s, 0.0),
        lambda s: (np.asarray(s) > 0).astype(float),
        lambda s: sp.Max(0, s),
        1.0,
        smooth=False,
        closed_mean=lambda m, v: _relu_moments(m, v)[0],
        closed_slope=lambda m, v: _relu_moments(m, v)[1],
        closed_stein=lambda m, v: _relu_moments(m, v)[2],
    ),
    "elu": Link(
        "elu",
        _elu_value,
        _elu_derivative,
        lambda s: sp.Piecewise((s, s > 0), (sp.exp(s) - 1, True)),
        1.0,
        smooth=False,
        closed_mean=_elu_mean,
        closed_slope=_elu_slope,
        closed_stein=_elu_stein,
    ),
    "abs": Link(
        "abs",
        np.abs,
        np.sign,
        sp.Abs,
        1.0,
        smooth=False,
        closed_mean=lambda m, v: _truncated_moments(m, v)["s+"] - _truncated_moments(m, v)["s-"],
        closed_slope=lambda m, v: 2 * ndtr(m / np.sqrt(v)) - 1,
        closed_stein=_abs_stein,
    ),
    "step": Link(
        "step",
        lambda s: (np.asarray(s) > 0).astype(float),
        lambda s: np.zeros_like(s, dtype=float),
        lambda s: sp.Heaviside(s, 0),
        np.inf,
        absolutely_continuous=False,
        smooth=False,
        closed_mean=lambda m, v: ndtr(m / np.sqrt(v)),
        closed_slope=lambda m, v: np.zeros(np.broadcast(m, v).shape),
        closed_stein=lambda m, v: np.sqrt(v) * _phi(m / np.sqrt(v)),
    ),
}
LINKS["sigmoid"] = LINKS["logistic"]


def get_link(name: str | Link) -> Link:
    """Look up a link by name (or pass a :class:`Link` through)."""
    if isinstance(name, Link):
        return name
    if not isinstance(name, str) or name not in LINKS:
        raise InputError(f"unknown link {name!r}; choose one of {sorted(LINKS)}")
    return LINKS[name]

"""Test-function families whose SmoothGrad and C-LIME explanations are known.

Every family is an immutable value object of dimension ``dim`` with

* vectorised evaluation ``f(X)`` and exact gradient ``f.gradient(X)`` for
  ``X`` of shape (..., d);
* ``f.sympy()``, an exact SymPy expression (floats become exact Rationals);
* ``f.gradient_bound``, an upper bound on sup ||grad f||_2 (``None`` when the
  gradient is unbounded), needed by Theorem 2 and Proposition 1;
* ``f.gaussian_moments(X0, cov)``: E f, E[grad f] and Cov(x, f(x)) under
  x ~ N(x0, cov), by closed form where one exists and by quadrature or
  quasi-Monte Carlo otherwise (the record says which).

Families combine linearly: ``2 * f - g`` is a :class:`LinearCombination`.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from math import comb
from typing import Any

import numpy as np
import sympy as sp
from scipy.special import expit

from .links import Link, get_link
from .moments import GaussianMoments
from .quadrature import numeric_moments
from .validation import InputError, as_covariance, as_points

__all__ = [
    "Function",
    "LinearCombination",
    "Network",
    "Polynomial",
    "RBFMixture",
    "RidgeFunction",
    "as_function",
    "gaussian_central_moment",
]


def _exact(value: float) -> sp.Rational:
    """The exact rational value of a float (no rounding to a short decimal)."""
    return sp.Rational(float(value))


def _default_symbols(dim: int) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"x1:{dim + 1}", real=True)


class Function(ABC):
    """A scalar model f: R^d -> R with an exact gradient.

    Subclasses implement ``_value``, ``_gradient``, ``sympy`` and
    ``_moments``; this base class validates shapes and supplies the algebra.
    """

    dim: int

    # -- evaluation ----------------------------------------------------------
    def _check(self, X: Any) -> np.ndarray:
        arr = np.asarray(X, dtype=float)
        if arr.ndim == 0 or arr.shape[-1] != self.dim:
            raise InputError(
                f"{type(self).__name__} has dimension {self.dim}; expected an array of shape "
                f"(..., {self.dim}), got {arr.shape}"
            )
        return arr

    def __call__(self, X: Any) -> np.ndarray:
        """f evaluated at every row of X (shape (..., d)); returns shape (...)."""
        return self._value(self._check(X))

    def gradient(self, X: Any) -> np.ndarray:
        """grad f at every row of X (shape (..., d)); returns shape (..., d)."""
        return self._gradient(self._check(X))

    @abstractmethod
    def _value(self, X: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _gradient(self, X: np.ndarray) -> np.ndarray: ...

    # -- batched evaluation around many points (the estimators' hot path) --------
    # X0 has shape (m, d) and the offsets z shape (k, n, d) with k in {1, m}
    # (k = 1: the same offsets around every point). Families whose first
    # operation is affine override these to skip building the (m, n, d) points.
    def _values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        """f(x0_i + z_ij), shape (m, n)."""
        return self._value(X0[:, None, :] + z)

    def _mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(1/n) sum_j grad f(x0_i + z_ij), shape (m, d)."""
        return self._gradient(X0[:, None, :] + z).mean(axis=1)

    # -- facts about f --------------------------------------------------------
    @property
    def gradient_bound(self) -> float | None:
        """An upper bound on sup_x ||grad f(x)||_2, or ``None`` if unbounded."""
        return None

    @property
    def absolutely_continuous(self) -> bool:
        """False when f has jumps: Stein's lemma (Theorem 1) does not apply."""
        return True

    @property
    def smooth(self) -> bool:
        """True when f is analytic, so that Gauss-Hermite quadrature converges fast."""
        return True

    @property
    def is_affine(self) -> bool:
        """True when f(x) = theta^T x + b exactly (then C-LIME_n = theta for n >= d + 1)."""
        return False

    @abstractmethod
    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        """Exact SymPy expression in ``symbols`` (default x1..xd, real)."""

    # -- Gaussian moments -----------------------------------------------------
    def gaussian_moments(self, x0: Any, cov: Any) -> GaussianMoments:
        """E f, E[grad f] and Cov(x, f(x)) for x ~ N(x0, cov) at each row of x0.

        Parameters
        ----------
        x0 : array_like, shape (d,) or (m, d)
        cov : array_like, shape (d, d)
            Symmetric positive definite.

        Returns
        -------
        GaussianMoments
            Arrays with a leading axis of length m (1 for a single point).
        """
        X0, _ = as_points(x0, self.dim)
        cov = as_covariance(cov, self.dim)
        return self._moments(X0, cov)

    def _moments(self, X0: np.ndarray, cov: np.ndarray) -> GaussianMoments:
        # Families without a closed form fall back to quadrature / QMC.
        return numeric_moments(self, X0, np.linalg.cholesky(cov))

    # -- algebra ----------------------------------------------------------------
    def __mul__(self, c: float) -> LinearCombination:
        if not np.isscalar(c):
            return NotImplemented
        return LinearCombination([(float(c), self)])

    __rmul__ = __mul__

    def __neg__(self) -> LinearCombination:
        return self * -1.0

    def __add__(self, other: Function) -> LinearCombination:
        if not isinstance(other, Function):
            return NotImplemented
        return LinearCombination([(1.0, self), (1.0, other)])

    def __sub__(self, other: Function) -> LinearCombination:
        if not isinstance(other, Function):
            return NotImplemented
        return LinearCombination([(1.0, self), (-1.0, other)])


def as_function(f: Any) -> Function:
    """Return ``f`` if it is a :class:`Function`; otherwise raise a helpful InputError."""
    if not isinstance(f, Function):
        raise InputError(
            f"f must be a verify.functions.Function (Polynomial, RBFMixture, RidgeFunction, "
            f"Network or a combination), got {type(f).__name__}; the engine needs f's exact "
            "gradient and Gaussian moments, which a plain callable does not provide"
        )
    return f


# ---------------------------------------------------------------------------
# Polynomials
# ---------------------------------------------------------------------------


def gaussian_central_moment(
    beta: tuple[int, ...], cov: np.ndarray, cache: dict[tuple[int, ...], float] | None = None
) -> float:
    """E[prod_i z_i**beta_i] for z ~ N(0, cov), by Isserlis' recursion.

    E[z_i z^b] = sum_j cov_ij b_j E[z^(b - e_j)], memoised on the exponent tuple.
    """
    if cache is None:
        cache = {}
    if beta in cache:
        return cache[beta]
    total = sum(beta)
    if total == 0:
        result = 1.0
    elif total % 2:
        result = 0.0
    else:
        i = next(k for k, b in enumerate(beta) if b)
        rest = list(beta)
        rest[i] -= 1
        result = 0.0
        for j, bj in enumerate(rest):
            if bj and cov[i, j] != 0.0:
                lower = list(rest)
                lower[j] -= 1
                result += cov[i, j] * bj * gaussian_central_moment(tuple(lower), cov, cache)
    cache[beta] = result
    return result


class Polynomial(Function):
    """f(x) = sum_alpha c_alpha prod_i x_i**alpha_i.

    Parameters
    ----------
    coefficients : mapping of exponent tuple -> coefficient
        e.g. ``{(2, 0): 1.0, (1, 1): -3.0}`` is x1**2 - 3 x1 x2. All tuples must
        have the same length d.
    """

    def __init__(self, coefficients: Mapping[Sequence[int], float]):
        if not coefficients:
            raise InputError("Polynomial needs at least one term, e.g. {(0, 0): 0.0}")
        keys = [tuple(int(e) for e in k) for k in coefficients]
        dims = {len(k) for k in keys}
        if len(dims) != 1 or 0 in dims:
            raise InputError(
                f"all exponent tuples must have the same non-zero length, got lengths {dims}"
            )
        if any(e < 0 for k in keys for e in k):
            raise InputError("exponents must be non-negative integers")
        merged: dict[tuple[int, ...], float] = {}
        for k, c in zip(keys, coefficients.values(), strict=True):
            if not np.isfinite(c):
                raise InputError(f"coefficient of {k} is not finite: {c}")
            merged[k] = merged.get(k, 0.0) + float(c)
        self.coefficients: dict[tuple[int, ...], float] = merged
        self.dim = dims.pop()
        self.degree = max(sum(k) for k in merged)

    def __repr__(self) -> str:
        return f"Polynomial({self.coefficients!r})"

    def _value(self, X: np.ndarray) -> np.ndarray:
        powers = [np.ones_like(X), X]
        for _ in range(2, self.degree + 1):
            powers.append(powers[-1] * X)
        out = np.zeros(X.shape[:-1])
        for alpha, c in self.coefficients.items():
            term = np.full(X.shape[:-1], c)
            for j, e in enumerate(alpha):
                if e:
                    term = term * powers[e][..., j]
            out = out + term
        return out

    @cached_property
    def partial_derivatives(self) -> tuple[Polynomial, ...]:
        """The d polynomials d f / d x_j."""
        parts = []
        for j in range(self.dim):
            terms: dict[tuple[int, ...], float] = {}
            for alpha, c in self.coefficients.items():
                if alpha[j]:
                    lower = list(alpha)
                    lower[j] -= 1
                    key = tuple(lower)
                    terms[key] = terms.get(key, 0.0) + c * alpha[j]
            parts.append(Polynomial(terms or {(0,) * self.dim: 0.0}))
        return tuple(parts)

    def _gradient(self, X: np.ndarray) -> np.ndarray:
        return np.stack([p._value(X) for p in self.partial_derivatives], axis=-1)

    @property
    def is_affine(self) -> bool:
        return self.degree <= 1

    @property
    def gradient_bound(self) -> float | None:
        if self.degree > 1:
            return None
        theta = [
            self.coefficients.get(tuple(int(i == j) for i in range(self.dim)), 0.0)
            for j in range(self.dim)
        ]
        return float(np.linalg.norm(theta))

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = symbols or _default_symbols(self.dim)
        return sp.Add(
            *(
                _exact(c) * sp.Mul(*(x**e for x, e in zip(xs, a, strict=True)))
                for a, c in self.coefficients.items()
            )
        )

    def _shifted_expectation(
        self, X0: np.ndarray, cov: np.ndarray, cache: dict, shift: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """E[z^shift * p(x0 + z)], z ~ N(0, cov), by binomial expansion around x0."""
        out = np.zeros(X0.shape[0])
        for alpha, c in self.coefficients.items():
            for beta in itertools.product(*(range(a + 1) for a in alpha)):
                key = (
                    beta
                    if shift is None
                    else tuple(b + s for b, s in zip(beta, shift, strict=True))
                )
                moment = gaussian_central_moment(key, cov, cache)
                if moment == 0.0:
                    continue
                weight = c * moment
                factor = np.full(X0.shape[0], weight)
                for j, (a, b) in enumerate(zip(alpha, beta, strict=True)):
                    if a > b:
                        factor = factor * comb(a, b) * X0[:, j] ** (a - b)
                    elif a:
                        factor = factor * comb(a, b)
                out += factor
        return out

    def _moments(self, X0: np.ndarray, cov: np.ndarray) -> GaussianMoments:
        cache: dict[tuple[int, ...], float] = {}
        mean = self._shifted_expectation(X0, cov, cache)
        grad = np.stack(
            [p._shifted_expectation(X0, cov, cache) for p in self.partial_derivatives], axis=-1
        )
        # Cov(x_i, f) = E[z_i f(x0 + z)]: Gaussian moments of one degree more,
        # an independent route from the gradient's.
        unit = np.eye(self.dim, dtype=int)
        covariance = np.stack(
            [self._shifted_expectation(X0, cov, cache, tuple(unit[i])) for i in range(self.dim)],
            axis=-1,
        )
        return GaussianMoments(mean, grad, covariance, "closed form")


# ---------------------------------------------------------------------------
# Gaussian-RBF mixtures
# ---------------------------------------------------------------------------


class RBFMixture(Function):
    """f(x) = sum_k a_k exp(-1/2 (x - m_k)^T A_k (x - m_k)), A_k symmetric PSD.

    Parameters
    ----------
    weights : array_like, shape (K,)
    centers : array_like, shape (K, d)
    precisions : array_like, shape (K, d, d) or (d, d)
        Symmetric positive semi-definite (singular allowed: a bump that is flat
        along some directions). A (d, d) matrix is shared by every bump.
    """

    def __init__(self, weights: Any, centers: Any, precisions: Any):
        self.weights = np.array(weights, dtype=float).reshape(-1)
        self.centers = np.array(centers, dtype=float)
        if self.centers.ndim == 1:
            self.centers = self.centers[None, :]
        K, d = self.centers.shape
        if self.weights.shape != (K,):
            raise InputError(f"weights has {self.weights.size} entries but there are {K} centers")
        prec = np.array(precisions, dtype=float)
        if prec.shape == (d, d):
            prec = np.broadcast_to(prec, (K, d, d)).copy()
        if prec.shape != (K, d, d):
            raise InputError(
                f"precisions must have shape ({K}, {d}, {d}) or ({d}, {d}), got {prec.shape}"
            )
        for name, arr in (
            ("weights", self.weights),
            ("centers", self.centers),
            ("precisions", prec),
        ):
            if not np.all(np.isfinite(arr)):
                raise InputError(f"{name} contains NaN or infinite values")
        if np.max(np.abs(prec - prec.transpose(0, 2, 1))) > 1e-10 * max(1.0, np.max(np.abs(prec))):
            raise InputError("each precision matrix must be symmetric; use (A + A.T) / 2")
        prec = (prec + prec.transpose(0, 2, 1)) / 2
        eig = np.linalg.eigvalsh(prec)
        if np.min(eig) < -1e-10 * max(1.0, np.max(np.abs(eig))):
            raise InputError(
                f"precision matrices must be positive semi-definite (smallest eigenvalue "
                f"{np.min(eig):.3g}); a negative one makes f grow without bound"
            )
        self.precisions = prec
        self.dim = d
        self._lambda_max = np.maximum(eig[:, -1], 0.0)

    def __repr__(self) -> str:
        return f"RBFMixture(K={self.weights.size}, d={self.dim})"

    def _bumps(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        values, slopes = [], []
        for a, m, A in zip(self.weights, self.centers, self.precisions, strict=True):
            u = X - m
            Au = u @ A
            values.append(a * np.exp(-0.5 * np.sum(u * Au, axis=-1)))
            slopes.append(Au)
        return values, slopes

    def _value(self, X: np.ndarray) -> np.ndarray:
        return np.sum(self._bumps(X)[0], axis=0)

    def _gradient(self, X: np.ndarray) -> np.ndarray:
        values, slopes = self._bumps(X)
        return -sum(v[..., None] * s for v, s in zip(values, slopes, strict=True))

    @property
    def gradient_bound(self) -> float:
        # sup_u ||e^{-u'Au/2} A u|| = sqrt(lambda_max(A)) e^{-1/2}; summed over bumps.
        return float(np.sum(np.abs(self.weights) * np.sqrt(self._lambda_max)) * np.exp(-0.5))

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = sp.Matrix(symbols or _default_symbols(self.dim))
        terms = []
        for a, m, A in zip(self.weights, self.centers, self.precisions, strict=True):
            u = xs - sp.Matrix([_exact(v) for v in m])
            Am = sp.Matrix(A.shape[0], A.shape[1], [_exact(v) for v in A.ravel()])
            terms.append(_exact(a) * sp.exp(-sp.Rational(1, 2) * (u.T * Am * u)[0, 0]))
        return sp.Add(*terms)

    def _moments(self, X0: np.ndarray, cov: np.ndarray) -> GaussianMoments:
        m, d = X0.shape
        mean = np.zeros(m)
        grad = np.zeros((m, d))
        covariance = np.zeros((m, d))
        eye = np.eye(d)
        for a, c, A in zip(self.weights, self.centers, self.precisions, strict=True):
            M = eye + cov @ A
            B = np.linalg.solve(M.T, A).T  # A (I + Sigma A)^{-1}, symmetric
            B = (B + B.T) / 2
            scale = a / np.sqrt(np.linalg.det(M))
            u = X0 - c
            e = scale * np.exp(-0.5 * np.sum(u @ B * u, axis=1))
            mean += e
            grad -= e[:, None] * (u @ B)
            # Independent route (Gaussian tilting): E[z g] = E[g] mu_z with
            # mu_z = -(I + Sigma A)^{-1} Sigma A u.
            mu_z = -np.linalg.solve(M, (cov @ A) @ u.T).T
            covariance += e[:, None] * mu_z
        return GaussianMoments(mean, grad, covariance, "closed form")


# ---------------------------------------------------------------------------
# Ridge (single-index) functions
# ---------------------------------------------------------------------------


class RidgeFunction(Function):
    """f(x) = g(w^T x + b) for a scalar link g.

    Parameters
    ----------
    w : array_like, shape (d,)
    b : float
    link : str or Link
        One of identity, probit, logistic (= sigmoid), sin, exp, tanh,
        softplus, relu, elu, abs, step. ``step`` (1[w^T x + b > 0]) is the
        hard-label model on which Stein's lemma fails.
    """

    def __init__(self, w: Any, b: float = 0.0, link: str | Link = "identity"):
        self.w = np.array(w, dtype=float).reshape(-1)
        if self.w.size == 0 or not np.all(np.isfinite(self.w)) or not np.isfinite(b):
            raise InputError("w must be a non-empty finite vector and b a finite number")
        self.b = float(b)
        self.link = get_link(link)
        self.dim = self.w.size

    def __repr__(self) -> str:
        return f"RidgeFunction(w={self.w.tolist()}, b={self.b}, link={self.link.name!r})"

    def _value(self, X: np.ndarray) -> np.ndarray:
        return self.link.value(X @ self.w + self.b)

    def _gradient(self, X: np.ndarray) -> np.ndarray:
        return self.link.derivative(X @ self.w + self.b)[..., None] * self.w

    def _index_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        # w^T (x0 + z) + b without forming x0 + z.
        return (X0 @ self.w + self.b)[:, None] + z @ self.w

    def _values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self.link.value(self._index_near(X0, z))

    def _mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self.link.derivative(self._index_near(X0, z)).mean(axis=1)[:, None] * self.w

    @property
    def gradient_bound(self) -> float | None:
        bound = self.link.lipschitz * float(np.linalg.norm(self.w))
        return bound if np.isfinite(bound) else None

    @property
    def absolutely_continuous(self) -> bool:
        return self.link.absolutely_continuous

    @property
    def smooth(self) -> bool:
        return self.link.smooth

    @property
    def is_affine(self) -> bool:
        return self.link.name == "identity"

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = symbols or _default_symbols(self.dim)
        s = sp.Add(*(_exact(w) * x for w, x in zip(self.w, xs, strict=True))) + _exact(self.b)
        return self.link.sympy(s)

    def _moments(self, X0: np.ndarray, cov: np.ndarray) -> GaussianMoments:
        m = X0 @ self.w + self.b
        sw = cov @ self.w
        v = np.full_like(m, float(self.w @ sw))
        if v[0] <= 0:
            raise InputError("w is zero: a constant ridge function has no explanation to check")
        err = self.link.quadrature_error(m, v)
        method = "closed form" if self.link.closed_form else "gauss-hermite 1-D (order 160)"
        return GaussianMoments(
            self.link.mean(m, v),
            self.link.slope(m, v)[:, None] * self.w,
            # Cov(x, s) / Var(s) * E[(s - m) g(s)]: x | s is Gaussian with a linear mean.
            (self.link.stein(m, v) / v)[:, None] * sw,
            method,
            err,
            err[:, None] * np.abs(self.w),
            (err / v)[:, None] * np.abs(sw),
        )


# ---------------------------------------------------------------------------
# Fully connected networks
# ---------------------------------------------------------------------------

_OUTPUTS = ("identity", "sigmoid")


class Network(Function):
    """A fully connected network with scalar output.

    f(x) = out(W_L phi(... phi(W_1 x + b_1) ...) + b_L)

    Parameters
    ----------
    weights : sequence of arrays
        ``weights[0]`` has shape (h_1, d), ``weights[i]`` shape (h_{i+1}, h_i), and
        the last one shape (1, h_L) or (h_L,) (the output layer).
    biases : sequence of arrays
        One per layer, shapes (h_i,) and a scalar (or (1,)) for the output.
    activation : str
        Hidden activation: relu, elu (alpha = 1), tanh, softplus, sigmoid.
    output : {"identity", "sigmoid"}
        ``"sigmoid"`` gives a class probability, as in the paper's models.
    """

    def __init__(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any],
        activation: str = "elu",
        output: str = "identity",
    ):
        if len(weights) < 2 or len(weights) != len(biases):
            raise InputError(
                "a Network needs at least one hidden layer plus the output layer, and one bias "
                f"per weight matrix; got {len(weights)} weights and {len(biases)} biases"
            )
        Ws = [np.array(W, dtype=float) for W in weights]
        bs = [np.array(b, dtype=float).reshape(-1) for b in biases]
        Ws[-1] = Ws[-1].reshape(1, -1)
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise InputError(
                    f"layer {i}: weight shape {W.shape} does not match bias shape {b.shape}"
                )
            if i and W.shape[1] != Ws[i - 1].shape[0]:
                raise InputError(
                    f"layer {i} expects {W.shape[1]} inputs but layer {i - 1} has "
                    f"{Ws[i - 1].shape[0]} units"
                )
            if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
                raise InputError(f"layer {i} has NaN or infinite parameters")
        if activation not in ("relu", "elu", "tanh", "softplus", "sigmoid"):
            raise InputError(
                f"unknown activation {activation!r}; use relu, elu, tanh, softplus or sigmoid"
            )
        if output not in _OUTPUTS:
            raise InputError(f"unknown output {output!r}; use 'identity' or 'sigmoid'")
        self.weights, self.biases = Ws, bs
        self.activation: Link = get_link(activation)
        self.output = output
        self.dim = Ws[0].shape[1]

    @classmethod
    def random(
        cls,
        dim: int,
        hidden: Sequence[int] = (10,),
        activation: str = "elu",
        output: str = "identity",
        seed: int | np.random.Generator = 0,
        scale: float = 1.0,
    ) -> Network:
        """A network with Glorot-like Gaussian weights (for tests and examples)."""
        rng = np.random.default_rng(seed)
        sizes = [dim, *hidden, 1]
        weights = [
            scale * rng.normal(size=(o, i)) / np.sqrt(i) for i, o in itertools.pairwise(sizes)
        ]
        biases = [0.5 * rng.normal(size=o) for o in sizes[1:]]
        return cls(weights, biases, activation, output)

    def __repr__(self) -> str:
        widths = [W.shape[0] for W in self.weights[:-1]]
        return (
            f"Network(d={self.dim}, hidden={widths}, activation={self.activation.name!r}, "
            f"output={self.output!r})"
        )

    def _forward(self, first: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Forward pass from the first pre-activation W_1 x + b_1."""
        pre = [first]
        h = self.activation.value(first)
        for W, b in zip(self.weights[1:-1], self.biases[1:-1], strict=True):
            s = h @ W.T + b
            pre.append(s)
            h = self.activation.value(s)
        out = (h @ self.weights[-1].T)[..., 0] + self.biases[-1][0]
        return pre, out

    def _first_layer(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights[0].T + self.biases[0]

    def _output(self, out: np.ndarray) -> np.ndarray:
        return expit(out) if self.output == "sigmoid" else out

    def _backward(self, pre: list[np.ndarray], out: np.ndarray) -> np.ndarray:
        """d f / d(first pre-activation), shape (..., h_1)."""
        delta = np.broadcast_to(self.weights[-1][0], (*out.shape, self.weights[-1].shape[1]))
        if self.output == "sigmoid":
            p = expit(out)
            delta = delta * (p * (1 - p))[..., None]
        for i in range(len(pre) - 1, 0, -1):
            delta = (delta * self.activation.derivative(pre[i])) @ self.weights[i]
        return delta * self.activation.derivative(pre[0])

    def _value(self, X: np.ndarray) -> np.ndarray:
        return self._output(self._forward(self._first_layer(X))[1])

    def _gradient(self, X: np.ndarray) -> np.ndarray:
        return self._backward(*self._forward(self._first_layer(X))) @ self.weights[0]

    def _first_layer_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        # W_1 (x0 + z) + b_1 without forming x0 + z; z W_1^T is shared when k = 1.
        return self._first_layer(X0)[:, None, :] + z @ self.weights[0].T

    def _values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self._output(self._forward(self._first_layer_near(X0, z))[1])

    def _mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        # Average in the first hidden layer, then apply W_1 once.
        delta = self._backward(*self._forward(self._first_layer_near(X0, z)))
        return delta.mean(axis=1) @ self.weights[0]

    @property
    def smooth(self) -> bool:
        return self.activation.smooth

    @property
    def gradient_bound(self) -> float:
        # Product of spectral norms and Lipschitz constants: an upper bound.
        bound = np.prod([np.linalg.norm(W, 2) for W in self.weights])
        bound *= self.activation.lipschitz ** (len(self.weights) - 1)
        return float(bound * (0.25 if self.output == "sigmoid" else 1.0))

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        h: list[sp.Expr] = list(symbols or _default_symbols(self.dim))
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = [
                self.activation.sympy(
                    sp.Add(*(_exact(w) * x for w, x in zip(row, h, strict=True))) + _exact(c)
                )
                for row, c in zip(W, b, strict=True)
            ]
        out = sp.Add(*(_exact(w) * x for w, x in zip(self.weights[-1][0], h, strict=True)))
        out = out + _exact(self.biases[-1][0])
        return 1 / (1 + sp.exp(-out)) if self.output == "sigmoid" else out

    def _moments(self, X0: np.ndarray, cov: np.ndarray) -> GaussianMoments:
        if len(self.weights) > 2 or self.output != "identity":
            return super()._moments(X0, cov)
        # One hidden layer, linear output: a sum of ridge functions of the units.
        W, b = self.weights[0], self.biases[0]
        v_out = self.weights[1][0]
        total: GaussianMoments | None = None
        for w_j, b_j, c_j in zip(W, b, v_out, strict=True):
            if float(w_j @ cov @ w_j) <= 0:
                # Zero (or underflowing, e.g. subnormal) weights: the unit is constant
                # under the Gaussian to double precision.
                s = X0 @ w_j + b_j
                slope = c_j * self.activation.derivative(s)[:, None] * w_j
                part = GaussianMoments(
                    c_j * self.activation.value(s), slope, slope @ cov, "closed form"
                )
            else:
                part = RidgeFunction(w_j, b_j, self.activation)._moments(X0, cov).scaled(c_j)
            total = part if total is None else total + part
        assert total is not None
        offset = self.biases[1][0]
        return GaussianMoments(
            total.mean + offset,
            total.smoothgrad,
            total.covariance,
            total.method,
            total.mean_error,
            total.smoothgrad_error,
            total.covariance_error,
        )


# ---------------------------------------------------------------------------
# Linear combinations
# ---------------------------------------------------------------------------


class LinearCombination(Function):
    """f = sum_i c_i f_i for functions of one dimension (Proposition 2)."""

    def __init__(self, terms: Iterable[tuple[float, Function]]):
        flat: list[tuple[float, Function]] = []
        for c, f in terms:
            if isinstance(f, LinearCombination):
                flat.extend((c * ci, fi) for ci, fi in f.terms)
            else:
                flat.append((float(c), f))
        if not flat:
            raise InputError("a LinearCombination needs at least one term")
        dims = {f.dim for _, f in flat}
        if len(dims) != 1:
            raise InputError(f"cannot combine functions of different dimensions {sorted(dims)}")
        self.terms = flat
        self.dim = dims.pop()

    def __repr__(self) -> str:
        return " + ".join(f"{c:g} * {f!r}" for c, f in self.terms)

    def _value(self, X: np.ndarray) -> np.ndarray:
        return sum(c * f._value(X) for c, f in self.terms)

    def _gradient(self, X: np.ndarray) -> np.ndarray:
        return sum(c * f._gradient(X) for c, f in self.terms)

    def _values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return sum(c * f._values_near(X0, z) for c, f in self.terms)

    def _mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return sum(c * f._mean_gradient_near(X0, z) for c, f in self.terms)

    @property
    def gradient_bound(self) -> float | None:
        bounds = [f.gradient_bound for _, f in self.terms]
        if any(b is None for b in bounds):
            return None
        return float(sum(abs(c) * b for (c, _), b in zip(self.terms, bounds, strict=True)))

    @property
    def absolutely_continuous(self) -> bool:
        return all(f.absolutely_continuous for _, f in self.terms)

    @property
    def smooth(self) -> bool:
        return all(f.smooth for _, f in self.terms)

    @property
    def is_affine(self) -> bool:
        return all(f.is_affine for _, f in self.terms)

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        xs = symbols or _default_symbols(self.dim)
        return sp.Add(*(_exact(c) * f.sympy(xs) for c, f in self.terms))

    def _moments(self, X0: np.ndarray, cov: np.ndarray) -> GaussianMoments:
        total = None
        for c, f in self.terms:
            part = f._moments(X0, cov).scaled(c)
            total = part if total is None else total + part
        assert total is not None
        return total

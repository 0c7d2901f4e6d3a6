"""Fully connected networks: exact gradients by backpropagation, closed-form moments for one
hidden layer with a linear output (a sum of ridge functions of the units)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp
from scipy.special import expit

from ..covariance import Covariance
from ..links import Link, get_link
from ..moments import GaussianMoments
from ..validation import InputError, as_array, as_count, as_generator, as_real
from .base import Function, default_symbols, exact
from .ridge import RidgeFunction
from .spec import spec_field, spec_list, spec_text

__all__ = ["Network"]


_OUTPUTS = ("identity", "sigmoid")
_ACTIVATIONS = ("relu", "elu", "tanh", "softplus", "sigmoid")


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

    family = "network"
    spec_fields = ("weights", "biases", "activation", "output")

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
        Ws = [as_array(W, f"layer {i} weights") for i, W in enumerate(weights)]
        bs = [as_array(b, f"layer {i} bias").reshape(-1) for i, b in enumerate(biases)]
        Ws[-1] = Ws[-1].reshape(1, -1)
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise InputError(
                    f"layer {i}: weight shape {W.shape} does not match bias shape {b.shape}"
                )
            if 0 in W.shape:
                raise InputError(f"layer {i} has weight shape {W.shape}: every layer needs a unit")
            if i and W.shape[1] != Ws[i - 1].shape[0]:
                raise InputError(
                    f"layer {i} expects {W.shape[1]} inputs but layer {i - 1} has "
                    f"{Ws[i - 1].shape[0]} units"
                )
        if not isinstance(activation, str) or activation not in _ACTIVATIONS:
            raise InputError(
                f"unknown activation {activation!r}; use relu, elu, tanh, softplus or sigmoid"
            )
        if not isinstance(output, str) or output not in _OUTPUTS:
            raise InputError(f"unknown output {output!r}; use 'identity' or 'sigmoid'")
        self.weights, self.biases = Ws, bs
        self.activation_name = activation  # "sigmoid" is the link named "logistic"
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
        rng = as_generator(seed)
        widths = tuple(hidden) if isinstance(hidden, Sequence) else (hidden,)
        sizes = [as_count(dim, "dim"), *(as_count(h, "each hidden width") for h in widths), 1]
        scale = as_real(scale, "scale")
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

    def spec_values(self) -> dict[str, Any]:
        return {
            "weights": [W.tolist() for W in self.weights],
            "biases": [b.tolist() for b in self.biases],
            "activation": self.activation_name,
            "output": self.output,
        }

    @classmethod
    def from_spec_fields(cls, fields: dict[str, Any], path: str) -> Network:
        def layers(key: str) -> Any:
            return lambda v: [
                as_array(a, f"layer {i} {key}") for i, a in enumerate(spec_list(v, "layers"))
            ]

        return cls(
            spec_field(fields, "weights", layers("weights"), path),
            spec_field(fields, "biases", layers("bias"), path),
            spec_field(fields, "activation", lambda v: spec_text(v, "an activation"), path),
            spec_field(fields, "output", lambda v: spec_text(v, "an output"), path),
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

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self._output(self._forward(self._first_layer(X))[1])

    def evaluate_gradient(self, X: np.ndarray) -> np.ndarray:
        return self._backward(*self._forward(self._first_layer(X))) @ self.weights[0]

    def _first_layer_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        # W_1 (x0 + z) + b_1 without forming x0 + z; z W_1^T is shared when k = 1.
        return self._first_layer(X0)[:, None, :] + z @ self.weights[0].T

    def values_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self._output(self._forward(self._first_layer_near(X0, z))[1])

    def mean_gradient_near(self, X0: np.ndarray, z: np.ndarray) -> np.ndarray:
        # Average in the first hidden layer, then apply W_1 once.
        delta = self._backward(*self._forward(self._first_layer_near(X0, z)))
        return delta.mean(axis=1) @ self.weights[0]

    def _first_layer_near_whitened(
        self, X0: np.ndarray, u: np.ndarray, cov: Covariance
    ) -> np.ndarray:
        # W_1 (x0 + L u) + b_1 = (W_1 x0 + b_1) + u (W_1 L)^T: z = L u is never built.
        return self._first_layer(X0)[:, None, :] + u @ (self.weights[0] @ cov.cholesky).T

    def values_near_whitened(self, X0: np.ndarray, u: np.ndarray, cov: Covariance) -> np.ndarray:
        return self._output(self._forward(self._first_layer_near_whitened(X0, u, cov))[1])

    def mean_gradient_near_whitened(
        self, X0: np.ndarray, u: np.ndarray, cov: Covariance
    ) -> np.ndarray:
        delta = self._backward(*self._forward(self._first_layer_near_whitened(X0, u, cov)))
        return delta.mean(axis=1) @ self.weights[0]

    def values_and_gradient_sums_near(
        self, X0: np.ndarray, z: np.ndarray, starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # One forward and one backward pass give values and gradients; the block sums
        # are taken in the first hidden layer and mapped back by W_1 once.
        if self.activation.name == "elu":
            return self._elu_pass(X0, z, starts)
        pre, out = self._forward(self._first_layer_near(X0, z[None]))
        delta = self._backward(pre, out)
        return self._output(out), np.add.reduceat(delta, starts, axis=1) @ self.weights[0]

    def _elu_pass(
        self, X0: np.ndarray, z: np.ndarray, starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Values and gradient block sums of an ELU network with one exponential per unit.

        elu(s) = max(s, 0) + expm1(min(s, 0)) and elu'(s) = 1 + expm1(min(s, 0)) (exactly 1
        for s > 0), so the forward pass's exponential serves the backward pass too; the
        generic path evaluates exp twice, which dominates the replication's run time.
        """
        Ws, bs = self.weights, self.biases
        s = (X0 @ Ws[0].T + bs[0])[:, None, :] + z @ Ws[0].T  # (m, n, h1)
        slopes = []
        for layer in range(len(Ws) - 1):
            e = np.minimum(s, 0.0)
            np.expm1(e, out=e)
            h = np.maximum(s, 0.0, out=s)
            h += e
            e += 1.0
            slopes.append(e)
            if layer < len(Ws) - 2:
                s = h @ Ws[layer + 1].T + bs[layer + 1]
        out = h @ Ws[-1][0] + bs[-1][0]  # (m, n)
        values = self._output(out)
        delta = np.broadcast_to(Ws[-1][0], (*out.shape, Ws[-1].shape[1]))
        if self.output == "sigmoid":
            delta = delta * (values * (1 - values))[..., None]
        for layer in range(len(slopes) - 1, 0, -1):
            delta = (delta * slopes[layer]) @ Ws[layer]
        delta = delta * slopes[0]
        return values, np.add.reduceat(delta, starts, axis=1) @ Ws[0]

    @property
    def smooth(self) -> bool:
        return self.activation.smooth

    @property
    def evaluation_width(self) -> int:
        # The forward pass keeps every pre-activation for the backward pass.
        return self.dim + 2 * sum(W.shape[0] for W in self.weights[:-1])

    @property
    def gradient_bound(self) -> float:
        # Product of spectral norms and Lipschitz constants: an upper bound.
        bound = np.prod([np.linalg.norm(W, 2) for W in self.weights])
        bound *= self.activation.lipschitz ** (len(self.weights) - 1)
        return float(bound * (0.25 if self.output == "sigmoid" else 1.0))

    def sympy(self, symbols: Sequence[sp.Symbol] | None = None) -> sp.Expr:
        h: list[sp.Expr] = list(symbols or default_symbols(self.dim))
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = [
                self.activation.sympy(
                    sp.Add(*(exact(w) * x for w, x in zip(row, h, strict=True))) + exact(c)
                )
                for row, c in zip(W, b, strict=True)
            ]
        out = sp.Add(*(exact(w) * x for w, x in zip(self.weights[-1][0], h, strict=True)))
        out = out + exact(self.biases[-1][0])
        return 1 / (1 + sp.exp(-out)) if self.output == "sigmoid" else out

    def moments(self, X0: np.ndarray, cov: Covariance) -> GaussianMoments:
        cov = Covariance.of(cov, self.dim)
        if len(self.weights) > 2 or self.output != "identity":
            return super().moments(X0, cov)
        # One hidden layer, linear output: a sum of ridge functions of the units.
        W, b = self.weights[0], self.biases[0]
        v_out = self.weights[1][0]
        total: GaussianMoments | None = None
        for w_j, b_j, c_j in zip(W, b, v_out, strict=True):
            if float(w_j @ cov.matrix @ w_j) <= 0:
                # Zero (or underflowing, e.g. subnormal) weights: the unit is constant
                # under the Gaussian to double precision.
                s = X0 @ w_j + b_j
                slope = c_j * self.activation.derivative(s)[:, None] * w_j
                part = GaussianMoments(
                    c_j * self.activation.value(s), slope, slope @ cov.matrix, "closed form"
                )
            else:
                part = RidgeFunction(w_j, b_j, self.activation).moments(X0, cov).scaled(c_j)
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

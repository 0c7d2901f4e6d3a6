"""The paper's model in plain numpy: d -> 10 ELU -> 10 ELU -> sigmoid, Adam on cross-entropy.

The trained model is returned as a :class:`verify.functions.Network` with
``activation="elu", output="sigmoid"``, so SmoothGrad uses its exact input
gradient and the ground-truth engine can integrate it. A snapshot of the same
run is the under-trained variant of the paper's accuracy-sensitivity figure
(Figure 5): taken after ``under_epochs`` epochs (the paper's rule), or, with
``under_target=t``, at the checkpoint whose *training* accuracy is closest to
majority + t (final - majority). The second rule gives a visibly weaker model
whatever the data set's difficulty (an epoch of Adam already solves easy data);
it never looks at the test split.

Initialisation follows PyTorch's ``nn.Linear`` default (uniform on
+-1/sqrt(fan_in)); Adam uses PyTorch's defaults (lr 1e-3, betas 0.9/0.999,
eps 1e-8). Everything is seeded.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from verify.functions import Network
from verify.validation import InputError

__all__ = ["TrainedModel", "accuracy", "train_network"]


@dataclass(frozen=True)
class TrainedModel:
    """A well-trained network, its under-trained snapshot, and their test accuracies."""

    network: Network
    under_network: Network
    accuracy: float
    under_accuracy: float
    train_accuracy: float
    epochs: int
    under_epochs: float
    loss_history: list[float] = field(default_factory=list)
    under_rule: str = ""

    def summary(self) -> dict:
        return {
            "architecture": f"{self.network.dim} -> 10 ELU -> 10 ELU -> sigmoid",
            "epochs": self.epochs,
            "under_epochs": self.under_epochs,
            "under_rule": self.under_rule,
            "test_accuracy": self.accuracy,
            "under_test_accuracy": self.under_accuracy,
            "train_accuracy": self.train_accuracy,
            "final_train_loss": self.loss_history[-1] if self.loss_history else None,
        }


def accuracy(f: Network, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of points whose thresholded probability f(x) > 1/2 matches the label."""
    return float(np.mean((f(X) > 0.5).astype(int) == np.asarray(y).astype(int)))


def _elu(s: np.ndarray) -> np.ndarray:
    return np.where(s > 0, s, np.expm1(np.minimum(s, 0.0)))


def _elu_prime(s: np.ndarray) -> np.ndarray:
    return np.where(s > 0, 1.0, np.exp(np.minimum(s, 0.0)))


def _init(rng: np.random.Generator, sizes: list[int]) -> list[np.ndarray]:
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)))
        params.append(rng.uniform(-bound, bound, size=fan_out))
    return params


def _loss_and_grads(params: list[np.ndarray], X: np.ndarray, y: np.ndarray):
    """Mean binary cross-entropy on the logit and its parameter gradients."""
    Ws, bs = params[0::2], params[1::2]
    h, pres, hs = X, [], [X]
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        s = h @ W.T + b
        pres.append(s)
        h = _elu(s)
        hs.append(h)
    logit = (h @ Ws[-1].T)[:, 0] + bs[-1][0]
    # log(1 + e^t) - y t, computed without overflow.
    loss = float(np.mean(np.logaddexp(0.0, logit) - y * logit))
    delta = ((expit(logit) - y) / X.shape[0])[:, None]  # d loss / d logit
    grads: list[np.ndarray] = [np.empty(0)] * len(params)
    for layer in range(len(Ws) - 1, -1, -1):
        grads[2 * layer] = delta.T @ hs[layer]
        grads[2 * layer + 1] = delta.sum(axis=0)
        if layer:
            delta = (delta @ Ws[layer]) * _elu_prime(pres[layer - 1])
    return loss, grads


def _network(params: list[np.ndarray]) -> Network:
    return Network(
        [p.copy() for p in params[0::2]], [p.copy() for p in params[1::2]], "elu", "sigmoid"
    )


def _validated(
    X_train: np.ndarray,
    y_train: np.ndarray,
    epochs: int,
    under_epochs: int,
    under_target: float | None,
    batch_size: int,
    learning_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The training split as float arrays, or a clear InputError naming what is wrong."""
    X_train = np.asarray(X_train, dtype=float)
    y_train = np.asarray(y_train, dtype=float).reshape(-1)
    if X_train.ndim != 2 or X_train.shape[0] != y_train.size or X_train.shape[0] == 0:
        raise InputError(
            f"X_train must be (n, d) with one label per row; got {X_train.shape}, {y_train.shape}"
        )
    if not set(np.unique(y_train)) <= {0.0, 1.0}:
        raise InputError("labels must be 0 or 1 (binary classification)")
    if not (isinstance(epochs, int) and epochs >= 1 and 0 <= under_epochs < epochs):
        raise InputError(
            f"need integers epochs >= 1 and 0 <= under_epochs < epochs, got {epochs}, "
            f"{under_epochs}"
        )
    if batch_size < 1 or learning_rate <= 0:
        raise InputError("batch_size must be >= 1 and learning_rate > 0")
    if under_target is not None and not 0 < under_target < 1:
        raise InputError(f"under_target must be in (0, 1), got {under_target!r}")
    return X_train, y_train


class _Adam:
    """Adam with PyTorch's defaults (betas 0.9/0.999, eps 1e-8), updating in place."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params: list[np.ndarray], learning_rate: float) -> None:
        self.learning_rate = learning_rate
        self.m1 = [np.zeros_like(p) for p in params]
        self.m2 = [np.zeros_like(p) for p in params]
        self.step = 0

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.step += 1
        beta1, beta2 = self.beta1, self.beta2
        for i, g in enumerate(grads):
            self.m1[i] = beta1 * self.m1[i] + (1 - beta1) * g
            self.m2[i] = beta2 * self.m2[i] + (1 - beta2) * g * g
            m_hat = self.m1[i] / (1 - beta1**self.step)
            v_hat = self.m2[i] / (1 - beta2**self.step)
            params[i] = params[i] - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


def _closest_checkpoint(
    net: Network,
    checkpoints: list[tuple[int, list[np.ndarray]]],
    Xp: np.ndarray,
    yp: np.ndarray,
    under_target: float,
    steps_per_epoch: int,
) -> tuple[Network, float, str]:
    """The checkpoint whose training accuracy on the probe rows is closest to
    majority + under_target (final - majority): (network, epochs, the rule in words)."""
    majority = max(np.mean(yp), 1 - np.mean(yp))
    goal = majority + under_target * (accuracy(net, Xp, yp) - majority)
    scores = [abs(accuracy(_network(c), Xp, yp) - goal) for _, c in checkpoints]
    best = int(np.argmin(scores))
    under_at = checkpoints[best][0] / steps_per_epoch
    rule = (
        f"training accuracy closest to majority + {under_target:g} (final - majority) "
        f"= {goal:.3f}, reached after {under_at:.2f} epochs"
    )
    return _network(checkpoints[best][1]), under_at, rule


def _train(
    params: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    epochs: int,
    under_epochs: int,
    batch_size: int,
    learning_rate: float,
    every: int | None,
) -> tuple[list[float], Network | None, list[tuple[int, list[np.ndarray]]]]:
    """Minibatch Adam on ``params`` in place: (mean loss per epoch, the snapshot after
    ``under_epochs``, the checkpoints taken every ``every`` steps (None: only the first))."""
    adam = _Adam(params, learning_rate)
    history: list[float] = []
    under = _network(params) if under_epochs == 0 else None
    n = X.shape[0]
    checkpoints = [(0, [p.copy() for p in params])]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            loss, grads = _loss_and_grads(params, X[idx], y[idx])
            total += loss * idx.size
            adam.update(params, grads)
            if every is not None and adam.step % every == 0:
                checkpoints.append((adam.step, [p.copy() for p in params]))
        history.append(total / n)
        if epoch == under_epochs:
            under = _network(params)
    return history, under, checkpoints


def train_network(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    *,
    epochs: int,
    under_epochs: int = 1,
    hidden: tuple[int, ...] = (10, 10),
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
    under_target: float | None = None,
) -> TrainedModel:
    """Train the paper's network with minibatch Adam; snapshot after ``under_epochs``.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : ndarray
        Features (n, d) and {0, 1} labels.
    epochs : int
        Passes over the training split for the well-trained model.
    under_epochs : int
        Passes after which the under-trained snapshot is taken (< ``epochs``).
    hidden : tuple of int
        Hidden widths; the paper's model is (10, 10).
    batch_size, learning_rate, seed
        Minibatch size, Adam step size, seed of initialisation and shuffling.
    under_target : float in (0, 1), optional
        Pick the under-trained snapshot by training accuracy instead (see the
        module docstring); checkpoints are taken at up to 400 evenly spaced steps
        and scored on at most 2000 training points.

    Returns
    -------
    TrainedModel
    """
    X_train, y_train = _validated(
        X_train, y_train, epochs, under_epochs, under_target, batch_size, learning_rate
    )
    rng = np.random.default_rng(seed)
    params = _init(rng, [X_train.shape[1], *hidden, 1])
    n = X_train.shape[0]
    steps_per_epoch = -(-n // batch_size)
    every = max(1, epochs * steps_per_epoch // 400) if under_target is not None else None
    probe = rng.choice(n, size=min(n, 2000), replace=False)
    history, under, checkpoints = _train(
        params, X_train, y_train, rng, epochs, under_epochs, batch_size, learning_rate, every
    )
    net = _network(params)
    rule = f"after {under_epochs} epochs"
    under_at = float(under_epochs)
    if under_target is not None:
        under, under_at, rule = _closest_checkpoint(
            net, checkpoints, X_train[probe], y_train[probe], under_target, steps_per_epoch
        )
    assert under is not None
    return TrainedModel(
        network=net,
        under_network=under,
        accuracy=accuracy(net, X_test, y_test),
        under_accuracy=accuracy(under, X_test, y_test),
        train_accuracy=accuracy(net, X_train, y_train),
        epochs=epochs,
        under_epochs=under_at,
        loss_history=history,
        under_rule=rule,
    )

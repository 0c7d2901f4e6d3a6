"""Data sets of the paper's Section 6, split 80/20 and scaled as the paper does.

* :func:`simulated`: two Gaussian classes in d = 2 (this project's proposed
  parameters; every one overridable).
* :func:`breast_cancer`, :func:`wine`: scikit-learn's bundled tabular data (no
  download), standardised with the training split's mean and standard deviation.
  Wine has three cultivars; the binary task is cultivar 0 against the other two.
* The paper's two UCI data sets are read from files the user supplies, see
  :mod:`verify.app.replicate.uci`.

Scaling statistics always come from the training split only, so no information
from the test points leaks into the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from verify.validation import InputError

__all__ = [
    "Dataset",
    "breast_cancer",
    "scale_split",
    "simulated",
    "simulated_bayes_accuracy",
    "split",
    "wine",
]

_SKLEARN_HINT = (
    "the breast-cancer and wine data ship with scikit-learn: pip install 'xai-verify[replicate]'"
)


@dataclass(frozen=True)
class Dataset:
    """A binary classification data set, already split and scaled.

    Attributes
    ----------
    name : str
    X_train, X_test : ndarray, shapes (n_train, d) and (n_test, d)
    y_train, y_test : ndarray of {0, 1}
    feature_names : tuple of str
    description : str
        Where the data come from and how they were preprocessed.
    notes : dict
        Counts worth reporting (dropped columns, imputed values, skipped rows).
    """

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    description: str
    notes: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return self.X_train.shape[1]

    def summary(self) -> dict:
        """JSON-ready facts about the data set (sizes, class balance, preprocessing)."""
        return {
            "name": self.name,
            "dim": self.dim,
            "n_train": int(self.X_train.shape[0]),
            "n_test": int(self.X_test.shape[0]),
            "positive_rate_train": float(np.mean(self.y_train)),
            "positive_rate_test": float(np.mean(self.y_test)),
            "feature_names": list(self.feature_names),
            "description": self.description,
            "notes": dict(self.notes),
        }


def split(
    X: np.ndarray, y: np.ndarray, seed: int, test_fraction: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded random split: (X_train, X_test, y_train, y_test), 80/20 by default."""
    if not 0 < test_fraction < 1:
        raise InputError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int).reshape(-1)
    if X.ndim != 2 or X.shape[0] != y.size:
        raise InputError(f"X must be (n, d) with one label per row; got {X.shape} and {y.shape}")
    if X.shape[0] < 5:
        raise InputError(f"need at least 5 rows to split 80/20, got {X.shape[0]}")
    order = np.random.default_rng(seed).permutation(X.shape[0])
    n_test = max(1, round(test_fraction * X.shape[0]))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def scale_split(
    X_train: np.ndarray, X_test: np.ndarray, method: str = "standard"
) -> tuple[np.ndarray, np.ndarray]:
    """Scale both splits with statistics of the training split.

    ``"standard"``: (x - mean) / std; ``"minmax"``: (x - min) / (max - min), so the
    training split lies in [0, 1]. Constant columns are left centred (scale 1).
    """
    if method == "standard":
        shift, scale = X_train.mean(axis=0), X_train.std(axis=0)
    elif method == "minmax":
        shift, scale = X_train.min(axis=0), np.ptp(X_train, axis=0)
    else:
        raise InputError(f"unknown scaling {method!r}; use 'standard' or 'minmax'")
    scale = np.where(scale > 0, scale, 1.0)
    return (X_train - shift) / scale, (X_test - shift) / scale


def simulated(
    seed: int = 0,
    n: int = 1000,
    mean0: tuple[float, float] = (-1.0, -1.0),
    mean1: tuple[float, float] = (1.0, 1.0),
    variance: float = 0.5,
    prior: float = 0.5,
) -> Dataset:
    """The paper's simulated data: y ~ Bernoulli(prior), x | y ~ N(mean_y, variance I_2).

    The paper's means, covariances and class probability were stripped from the
    text; the defaults are the paper's setting as this project proposes it. The data are
    used unscaled (they are already on a unit scale).
    """
    if n < 10 or not 0 < prior < 1 or variance <= 0:
        raise InputError(
            f"need n >= 10, 0 < prior < 1 and variance > 0; got n={n}, prior={prior}, "
            f"variance={variance}"
        )
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prior).astype(int)
    means = np.array([mean0, mean1], dtype=float)
    if means.shape != (2, 2):
        raise InputError("mean0 and mean1 must be two-dimensional points")
    X = means[y] + np.sqrt(variance) * rng.standard_normal((n, 2))
    X_train, X_test, y_train, y_test = split(X, y, seed)
    return Dataset(
        "simulated",
        X_train,
        X_test,
        y_train,
        y_test,
        ("x1", "x2"),
        f"{n} points, y ~ Bernoulli({prior}), x | y ~ N(mean_y, {variance} I), "
        f"mean_0 = {tuple(mean0)}, mean_1 = {tuple(mean1)} (as this project proposes)",
        {
            "bayes_accuracy": simulated_bayes_accuracy(mean0, mean1, variance, prior),
            "mean0": list(mean0),
            "mean1": list(mean1),
            "variance": variance,
            "prior": prior,
        },
    )


def simulated_bayes_accuracy(
    mean0: tuple[float, float], mean1: tuple[float, float], variance: float, prior: float = 0.5
) -> float:
    """Accuracy of the Bayes classifier for two Gaussians with a shared covariance.

    With Mahalanobis distance D between the means and log-odds c = log(prior / (1 - prior)),
    the optimal rule errs with probability p Phi(-D/2 - c/D) + (1-p) Phi(-D/2 + c/D)
    (class 1 is missed when its log-likelihood ratio, N(D^2/2, D^2), falls below -c).
    """
    from scipy.special import ndtr

    D = float(np.linalg.norm(np.subtract(mean1, mean0))) / np.sqrt(variance)
    c = np.log(prior / (1 - prior))
    error = prior * ndtr(-D / 2 - c / D) + (1 - prior) * ndtr(-D / 2 + c / D)
    return float(1 - error)


def _sklearn_loader(name: str):
    try:
        from sklearn import datasets
    except ImportError as exc:  # an optional extra: say how to get it
        raise ImportError(_SKLEARN_HINT) from exc
    return getattr(datasets, name)


def breast_cancer(seed: int = 0) -> Dataset:
    """Wisconsin diagnostic breast cancer (569 x 30, scikit-learn), standardised.

    The explained probability is that of class 1 (benign) in scikit-learn's coding.
    """
    bunch = _sklearn_loader("load_breast_cancer")()
    X_train, X_test, y_train, y_test = split(bunch.data, bunch.target, seed)
    X_train, X_test = scale_split(X_train, X_test, "standard")
    return Dataset(
        "breast_cancer",
        X_train,
        X_test,
        y_train,
        y_test,
        tuple(str(f) for f in bunch.feature_names),
        "scikit-learn load_breast_cancer (569 tumours, 30 continuous features), standardised "
        "with the training split's mean and standard deviation; f = P(benign)",
    )


def wine(seed: int = 0) -> Dataset:
    """UCI wine (178 x 13, scikit-learn), standardised; cultivar 0 against the rest."""
    bunch = _sklearn_loader("load_wine")()
    y = (bunch.target == 0).astype(int)
    X_train, X_test, y_train, y_test = split(bunch.data, y, seed)
    X_train, X_test = scale_split(X_train, X_test, "standard")
    return Dataset(
        "wine",
        X_train,
        X_test,
        y_train,
        y_test,
        tuple(str(f) for f in bunch.feature_names),
        "scikit-learn load_wine (178 wines, 13 continuous features), standardised with the "
        "training split's statistics; binary task cultivar 0 vs cultivars 1 and 2, "
        "f = P(cultivar 0)",
    )

"""The calls behind :mod:`properties.adapters.shap`: one shap explanation per call.

Module-level functions and classes (so the explainers pickle): validation of
(f, x, reference, n, seed), the change of units that keeps shap's tolerances out of the
way (``standardize``), numpy's global generator seeded per call and restored, and one
function per explainer. What shap computes and why each step is there: the docstring of
:mod:`properties.adapters.shap`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from verify.attribution import Background, Baseline
from verify.validation import InputError, as_points

__all__ = ["HINT", "exact_call", "import_shap", "kernel_call", "permutation_call"]

HINT = "shap is not installed: pip install 'xai-verify[shap]'"


def import_shap() -> Any:
    try:
        import shap
    except ImportError as exc:
        raise ImportError(HINT) from exc
    return shap


# -- shared plumbing --------------------------------------------------------------------
def _validated(
    f: Any, x: Any, reference: Any, n: Any, seed: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """(x, background rows, row weights, n, seed) as float64 copies and ints."""
    dim = getattr(f, "dim", None)
    if dim is None:
        raise InputError("f must be a verify.functions.Function (it has no .dim)")
    X, single = as_points(x, dim, "x")
    if not single:
        raise InputError(f"x must have shape ({dim},) for one point, got {np.shape(x)}")
    if isinstance(reference, Baseline):
        rows, weights = reference.point[None, :].copy(), np.ones(1)
    elif isinstance(reference, Background):
        rows, weights = np.array(reference.rows), np.array(reference.weights)
    else:
        raise InputError(
            f"shap needs background rows: pass verify.attribution.Baseline(b) or "
            f"Background(rows), got {type(reference).__name__} (a GaussianBackground has no "
            "rows: draw them and pass Background(rows))"
        )
    if rows.shape[1] != dim:
        raise InputError(f"the reference has dimension {rows.shape[1]} but f has {dim}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n (samples / evaluations) must be a positive int, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    return X[0], rows, weights, int(n), int(seed)


class _Units:
    """g(u) = f(x + s * u) / c: f in standardized units (module level, so it pickles)."""

    def __init__(self, f: Any, x: np.ndarray, s: np.ndarray, c: float):
        self.f, self.x, self.s, self.c = f, x, s, c

    def __call__(self, u: Any) -> np.ndarray:
        z = self.x + np.asarray(u, dtype=float) * self.s
        return np.asarray(self.f(z), dtype=float).reshape(len(z)) / self.c


class _Model:
    """f on shap's (k, d) batches, one output per row (module level, so it pickles)."""

    def __init__(self, f: Any):
        self.f = f

    def __call__(self, z: Any) -> np.ndarray:
        z = np.atleast_2d(np.asarray(z, dtype=float))
        return np.asarray(self.f(z), dtype=float).reshape(len(z))


def _power_of_two(value: float) -> float:
    """2^k nearest above ``value`` (1 for 0): scaling by it is exact."""
    return 1.0 if not value > 0 else 2.0 ** math.ceil(math.log2(value))


def _game(
    f: Any, x: np.ndarray, rows: np.ndarray, standardize: bool
) -> tuple[Any, np.ndarray, np.ndarray, float]:
    """(model, point, background rows, output scale c) as shap will see them."""
    if not standardize:
        return _Model(f), x, rows, 1.0
    spread = np.max(np.abs(rows - x), axis=0)
    s = np.where(spread > 0, [_power_of_two(v) for v in spread], 1.0)
    values = np.asarray(f(np.vstack([x, rows])), dtype=float)
    gaps = np.abs(values[1:] - values[0])
    c = _power_of_two(float(np.max(gaps)) if np.max(gaps) > 0 else float(np.max(np.abs(values))))
    return _Units(f, x, s, c), np.zeros_like(x), (rows - x) / s, c


@contextlib.contextmanager
def _global_seed(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator (shap draws from it) and restore the caller's state."""
    state = np.random.get_state()  # noqa: NPY002 (shap draws from the global RNG)
    try:
        if seed is not None:
            np.random.seed(seed)  # noqa: NPY002
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _masker(shap: Any, rows: np.ndarray, max_samples: int | None, invariants: bool) -> Any:
    """The background as shap's masker: a plain array (as users pass it: ``Explainer.__init__``
    wraps it in ``Independent(rows)``, 100 rows kept) or ``Independent(rows, max_samples=k)``;
    ``invariants=False`` replaces ``Tabular.invariants`` (np.isclose) by "every entry varies"."""
    if max_samples == 100 and invariants:
        return rows
    masker = shap.maskers.Independent(rows, max_samples=max_samples or len(rows))
    if not invariants:
        masker.invariants = _NoInvariants(masker.data.shape)
    return masker


class _NoInvariants:
    """``Tabular.invariants`` answering "nothing is invariant": ``MaskedModel`` then
    re-evaluates every background row at every flip, in the rows' order."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def __call__(self, x: Any) -> np.ndarray:
        return np.zeros(self.shape, dtype=bool)


class _RowWeighted:
    """The model on shap's blocks of the N background rows (every row evaluated, in order, as
    ``_NoInvariants`` makes ``MaskedModel`` do): row r's output times N w_r, so shap's equal
    average over the rows is the weighted mean."""

    def __init__(self, model: Any, weights: np.ndarray):
        self.model, self.factors = model, len(weights) * weights

    def __call__(self, z: Any) -> np.ndarray:
        out = self.model(z)
        blocks, partial = divmod(len(out), len(self.factors))
        if partial:
            raise RuntimeError(
                f"shap evaluated {len(out)} rows, not whole blocks of the {len(self.factors)} "
                "background rows: row weights cannot be applied (a shap version that skips rows)"
            )
        return out * np.tile(self.factors, blocks)


def _weighted_run(
    run: Any, model: Any, rows: np.ndarray, weights: np.ndarray, max_samples: Any, invariants: bool
) -> np.ndarray:
    """``run(model, rows)`` with the rows' weights: by position when every row is evaluated
    (``invariants=False``), by linearity (sum_r w_r run(row r)) when shap may skip rows; a
    plain background array (``max_samples`` set, as users pass it) carries none."""
    if max_samples is not None or np.all(weights == weights[0]):
        return np.asarray(run(model, rows), dtype=float)
    if not invariants:
        return np.asarray(run(_RowWeighted(model, weights), rows), dtype=float)
    return sum(
        w * np.asarray(run(model, rows[r : r + 1]), dtype=float) for r, w in enumerate(weights)
    )


# -- one explanation per call (module level, so the explainers pickle) -----------------------
def kernel_call(
    f: Any,
    x: Any,
    reference: Any,
    n: int,
    seed: int,
    *,
    l1_reg: Any,
    nsamples: Any,
    standardize: bool,
) -> np.ndarray:
    """One explanation by ``KernelExplainer(model, DenseData(rows, weights)).shap_values``."""
    shap = import_shap()
    from shap.utils._legacy import DenseData

    x, rows, weights, n, seed = _validated(f, x, reference, n, seed)
    model, point, background, c = _game(f, x, rows, standardize)
    data = DenseData(background, [str(i) for i in range(len(x))], None, weights.copy())
    explainer = shap.KernelExplainer(model, data)
    with _global_seed(seed):
        phi = explainer.shap_values(
            point, nsamples=n if nsamples is None else nsamples, l1_reg=l1_reg, silent=True
        )
    return c * np.asarray(phi, dtype=float).reshape(len(x))


def exact_call(
    f: Any,
    x: Any,
    reference: Any,
    n: int,
    seed: int,
    *,
    max_evals: Any,
    max_samples: int | None,
    invariants: bool,
) -> np.ndarray:
    """One explanation by ``ExactExplainer(model, masker)(x[None])`` (n and seed unused)."""
    shap = import_shap()
    x, rows, weights, n, seed = _validated(f, x, reference, n, seed)

    def run(model: Any, block: np.ndarray) -> np.ndarray:
        masker = _masker(shap, block, max_samples, invariants)
        explainer = shap.explainers.Exact(model, masker)
        return explainer(x[None, :], max_evals=max_evals, silent=True).values

    out = _weighted_run(run, _Model(f), rows, weights, max_samples, invariants)
    return out.reshape(len(x))


def permutation_call(
    f: Any,
    x: Any,
    reference: Any,
    n: int,
    seed: int,
    *,
    max_evals: int | None,
    max_samples: int | None,
    seeded: bool,
    invariants: bool,
) -> np.ndarray:
    """One explanation by ``PermutationExplainer(model, masker, seed)(x[None], max_evals)``.

    n is the number of permutations: ``max_evals=None`` asks shap for ceil(n / 2) antithetic
    pairs, ``max_evals = ceil(n / 2) (2 d + 1)`` (shap runs ``max_evals // (2 M + 1)`` pairs,
    M <= d the varying features; n odd: the last permutation's reverse too).
    """
    shap = import_shap()
    x, rows, weights, n, seed = _validated(f, x, reference, n, seed)
    evals = -(-n // 2) * (2 * len(x) + 1) if max_evals is None else max_evals
    if evals < 2 * len(x) + 1:
        raise InputError(
            f"PermutationExplainer needs max_evals >= 2 d + 1 = {2 * len(x) + 1} (one "
            f"antithetic pair of permutations), got max_evals={evals}; pass a larger max_evals"
        )

    def run(model: Any, block: np.ndarray) -> np.ndarray:
        masker = _masker(shap, block, max_samples, invariants)
        # PermutationExplainer.__init__ seeds the global generator: the caller's state back
        with _global_seed(None):
            explainer = shap.explainers.Permutation(model, masker, seed=seed if seeded else None)
            return explainer(x[None, :], max_evals=evals, silent=True).values

    out = _weighted_run(run, _Model(f), rows, weights, max_samples, invariants)
    return out.reshape(len(x))

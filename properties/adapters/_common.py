"""Input validation shared by the adapters (the clients themselves validate little)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from verify.covariance import Covariance
from verify.validation import InputError, as_points

__all__ = ["departures", "validated", "validated_inputs"]


#: Battery sizes (:meth:`properties.conformance.Settings.capped`) of the clients that call
#: f once per sample in a Python loop (captum's Shapley samplers, KernelShap, Lime and LimeBase;
#: shap's PermutationExplainer): d <= 5 and n up to 1000 keep each battery at 6 to 35 s
#: (measured) where the default sizes take 100 to 300 s. Sizes set a check's power, never
#: its false-alarm rate.
LOOPED_SAMPLER_SIZES: dict[str, Any] = {
    "max_dim": 5,
    "replicates": 12,
    "n_convergence": 400,
    "n_rate": (40, 1000),
    "n_exact": 64,
    "examples": 3,
    "statistical_examples": 2,
    "shrink_calls": 8,
}
#: The same for a library's defaults that ignore n (a fixed sample count): the rate
#: check's large n then costs nothing, and at n = 1000 it has too little power to see an
#: error that does not shrink, so its n is left at the battery's.
FIXED_SAMPLER_SIZES: dict[str, Any] = {
    k: v for k, v in LOOPED_SAMPLER_SIZES.items() if k != "n_rate"
}


def validated_inputs(
    f: Any, x0: Any, cov: Any, n: Any, seed: Any
) -> tuple[np.ndarray, Covariance, int, int]:
    """Check (x0, cov, n, seed) against f: a float64 x0, the covariance validated and
    factorised once (a :class:`~verify.covariance.Covariance`: its ``matrix``, ``cholesky``
    and spectrum are what the adapters use), and ints."""
    dim = getattr(f, "dim", None)
    if dim is None:
        raise InputError("f must be a verify.functions.Function (it has no .dim)")
    X0, single = as_points(x0, dim)
    if not single:
        raise InputError(f"x0 must have shape ({dim},) for one point, got {np.shape(x0)}")
    covariance = Covariance.of(cov, dim)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"n (number of perturbations) must be a positive int, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative int, got {seed!r}")
    return X0[0], covariance, int(n), int(seed)


def validated(
    f: Any, x0: Any, cov: Any, n: Any, seed: Any
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """:func:`validated_inputs` with the covariance as a float64 copy of its matrix."""
    x0, covariance, n, seed = validated_inputs(f, x0, cov, n, seed)
    return x0, np.array(covariance.matrix), n, seed


def departures(
    rows: Iterable[tuple[bool, Mapping[str, str], str]],
) -> tuple[list[str], dict[str, list[str]]]:
    """The name parts and expected failures of a configuration's departures.

    For each ``(given, fails, label)`` with ``given`` true, ``label`` joins the name parts
    and every ``check -> reason`` of ``fails`` is expected to fail with ``"label: reason"``.
    """
    parts: list[str] = []
    expected: dict[str, list[str]] = {}
    for given, fails, label in rows:
        if given:
            parts.append(label)
            for check, reason in fails.items():
                expected.setdefault(check, []).append(f"{label}: {reason}")
    return parts, expected

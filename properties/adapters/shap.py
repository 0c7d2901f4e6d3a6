"""shap's model-agnostic Shapley explainers as conformance-battery explainers (kind ``shapley``).

What they compute, read in the installed source of shap 0.51:

* ``KernelExplainer(model, data)`` (``shap/explainers/_kernel.py``). ``__init__``: the
  background is ``data`` (a ``DenseData`` may carry row weights), ``fnull`` its weighted
  mean output. ``explain``: the game is v(S) = sum_r w_r f(x_S, B_r,S-bar) (interventional,
  the mean of the outputs); ``varying_groups`` keeps only the features with
  ``not np.allclose(x_i, data[:, i])`` (rtol 1e-5, atol 1e-8, against every row), so a
  feature within 1e-5 *relative* of a large background value gets phi = 0 however steep f
  is; ``nsamples="auto"`` is 2 M + 2048 (M varying features), capped at 2^M - 2, where
  the subset sizes are filled completely, in complement pairs, i.e. every coalition is
  enumerated; otherwise the rest are drawn with ``np.random.choice`` and
  ``np.random.permutation`` from numpy's *global* generator (no seed argument,
  shap#1835). ``solve``: ``l1_reg`` (default ``"num_features(10)"`` since 0.47, in
  ``__call__``, ``shap_values`` and ``explain``) runs ``lars_path(..., max_iter=10)``
  whenever ``l1_reg not in ["auto", False, 0]``, even under full enumeration: with more
  than 10 varying features at most 10 are non-zero (shap#5, #996, PR #3858; measured at
  d = 12: exactly 10); the efficiency constraint eliminates one variable exactly
  (phi_last = f(x) - fnull - sum w), so the values still sum to f(x) - E f (the sums of
  shap#996 are not reproduced in 0.51); last, every |phi_i| < 1e-10 is set to 0, an
  *absolute* threshold (scale f by 1e-12 and every phi vanishes).
* ``ExactExplainer(model, masker)`` (``shap/explainers/_exact.py``, ``explain_row``):
  gray-code enumeration of the 2^M coalitions of the varying inputs
  (``MaskedModel.varying_inputs``), Shapley coefficients ``shapley_coefficients(M)``;
  ``max_evals=100000`` refuses M >= 17. No randomness. A background array passed as the
  masker becomes ``maskers.Independent(data)`` (``shap/explainers/_explainer.py``,
  ``Explainer.__init__``) whose ``max_samples=100`` subsamples a larger background with
  ``shap.utils.sample(data, 100)`` (``shap/maskers/_tabular.py``, ``Tabular.__init__``):
  the value is then the mean over 100 of the rows. ``Tabular.invariants`` marks
  ``np.isclose(x, data)`` entries: a row whose value is within 1e-5 relative of x_i is not
  re-evaluated when feature i flips (``MaskedModel._delta_masking_call``), and a feature
  close in every row is not a player at all (phi = 0) and stays at the background in every
  coalition, so the values sum to f(x with x_i := b_i) - v(empty): not efficient
  (measured; the Kernel explainer stays efficient there). shap's maskers weigh the rows
  equally (``_build_fixed_output`` averages them), so row weights cannot be passed.
* ``PermutationExplainer(model, masker, seed=None)`` (``shap/explainers/_permutation.py``):
  ``__init__`` calls ``np.random.seed(seed)`` on numpy's *global* generator (seed=None
  reseeds it from the operating system, and the caller's global state is lost either
  way); ``explain_row`` draws ``max_evals // (2 M + 1)`` permutations with
  ``np.random.shuffle`` and evaluates each forward and reversed (antithetic pairs): exactly
  efficient, and exact after one pair for games with at most pairwise interactions;
  ``max_evals=500`` by default (a ValueError below 2 M + 1). The masker is as above.

How the adapters make them compute the textbook target (their defaults), the
interventional Shapley value of :func:`verify.attribution.shapley_values` with the
reference's rows as the background (a ``Baseline`` is one row):

* ``l1_reg=False`` and ``nsamples=n`` coalitions (Kernel); n permutations (Permutation:
  ``max_evals = ceil(n / 2) (2 d + 1)``, ceil(n / 2) antithetic pairs); a masker
  ``Independent(rows, max_samples=len(rows))`` keeping every row (Exact, Permutation)
  whose ``invariants`` answer "every entry varies" (``invariants=False``), so
  ``MaskedModel`` evaluates every row at every flip, in order; unequal row weights, which
  shap's maskers cannot take, then enter through the model: row r's output times N w_r
  (shap's equal average is the weighted mean; a call that is not whole blocks of N rows
  raises). With shap's invariants kept and unequal weights, the adapter uses linearity
  of the Shapley value in the game instead: sum_r w_r phi(row r), one call per row;
* Kernel, ``standardize=True``: shap sees g(u) = f(x + s * u) / c at u = 0 with background rows
  (B_r - x) / s, s_i = max_r |B_ri - x_i| and c a power of two near the spread of f over x
  and the rows. Shapley values are unchanged by a per-feature affine change of units
  (the coalitions and v(S) are the same) and scale with f, so phi_f = c phi_g; in these
  units ``np.allclose``/``np.isclose`` drop only features equal to x in every row (whose
  phi is 0 anyway) and the 1e-10 zeroing is relative to f's spread;
* the seed: numpy's global generator is seeded with ``seed`` inside the call and the
  caller's global state is restored afterwards (``PermutationExplainer(seed=seed)``, which
  seeds the same global generator, is built inside the call).

``library_defaults=True`` runs shap as users call it (:data:`LIBRARY_DEFAULTS`): the
library's arguments, the background passed as a plain array (row weights lost), shap's
invariants, f in its own units; the
adapter still seeds numpy's global generator per call and restores it. Each deviation is
declared in the returned explainer's ``expected_failed_checks``, measured on the battery
(tests/properties/conformance/test_conformance_shap_battery.py). Two are not visible there
and are measured directly (tests/properties/conformance/test_conformance_shap.py):
``num_features(10)`` needs d > 10 (the battery draws d <= 8), ``max_samples=100`` more than
100 rows.

KernelExplainer enumerates every coalition once nsamples >= 2^M - 2 (62 at d = 6): its
answer is then exact and the same for every seed. The checks that expect a sampler to move
with the seed (``check_random_streams``, ``check_coalition_rate``) accept that, since the
one answer is the target itself.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from verify.validation import InputError

from ..conformance.explainer import Explainer
from ._common import FIXED_SAMPLER_SIZES, LOOPED_SAMPLER_SIZES
from ._shap_calls import exact_call, import_shap, kernel_call, permutation_call

__all__ = [
    "DEFAULTS_COMPUTE",
    "EXACT_DEFAULTS",
    "KERNEL_DEFAULTS",
    "LIBRARY_DEFAULTS",
    "PERMUTATION_DEFAULTS",
    "shap_exact_explainer",
    "shap_kernel_explainer",
    "shap_permutation_explainer",
]

#: ``KernelExplainer.shap_values``'s defaults since shap 0.47 (``l1_reg`` was ``"auto"``
#: before); ``standardize=False``: f in its own units.
KERNEL_DEFAULTS: dict[str, Any] = {
    "l1_reg": "num_features(10)",
    "nsamples": "auto",
    "standardize": False,
}
#: ``ExactExplainer.__call__``'s defaults, the background passed as an array (100 rows kept).
EXACT_DEFAULTS: dict[str, Any] = {"max_evals": 100000, "max_samples": 100, "invariants": True}
#: ``PermutationExplainer``'s defaults (``seed=None`` reseeds numpy from the OS).
PERMUTATION_DEFAULTS: dict[str, Any] = {
    "max_evals": 500,
    "max_samples": 100,
    "seed": None,
    "invariants": True,
}
#: Each adapter's keyword arguments that reproduce shap as users call it.
#: What the library computes when called with its own defaults, in one line (the ecosystem
#: table's; verify.app.ecosystem reads it from here).
DEFAULTS_COMPUTE = (
    "KernelExplainer: at most 10 non-zero values (l1_reg='num_features(10)'), features "
    "within np.allclose of the background dropped, |phi| < 1e-10 zeroed, numpy's global "
    "generator; Exact/Permutation: 100 background rows kept and weighed equally, "
    "np.isclose invariants, Permutation max_evals=500 whatever n is"
)

LIBRARY_DEFAULTS: dict[str, dict[str, Any]] = {
    "shap_kernel_explainer": KERNEL_DEFAULTS,
    "shap_exact_explainer": EXACT_DEFAULTS,
    "shap_permutation_explainer": PERMUTATION_DEFAULTS,
}


# What each deviation from the textbook configuration fails, measured on the battery
# (tests/properties/conformance/test_conformance_shap_battery.py).
_FAILS_UNITS = {
    "check_offset_and_scale": "np.allclose/np.isclose against the background (rtol 1e-5): at "
    "an offset of 1e4 a feature within 0.1 of the reference is dropped (phi = 0)",
}
_FAILS_KERNEL_UNITS = {
    "check_offset_and_scale": _FAILS_UNITS["check_offset_and_scale"]
    + "; and every |phi_i| < 1e-10 is set to 0 (10^-12 f explains to zeros)",
}
_FAILS_FIXED_N = {
    "check_coalition_rate": "n is ignored (max_evals fixed): the error does not shrink with n",
}
_FAILS_UNSEEDED = {
    "check_attribution_output": "seed=None reseeds numpy from the OS: a different answer at "
    "every call",
    "check_attribution_reproducibility": "seed=None: the same seed does not give the same answer",
    "check_random_streams": "seed=None: the same seed does not give the same answer",
    "check_offset_and_scale": "seed=None: the shifted problem's call draws other permutations",
}
_WEIGHTS_LOST = "a plain background array carries no row weights: shap averages the rows equally"
_FAILS_PLAIN_ARRAY = {
    "check_additive_recovery": _WEIGHTS_LOST,
    "check_background_semantics": _WEIGHTS_LOST,
    "check_efficiency": _WEIGHTS_LOST + ": sum phi = f(x) - (unweighted mean), not f(x) - v(empty)",
}
_FAILS_EXACT_PLAIN_ARRAY = {**_FAILS_PLAIN_ARRAY, "check_coalition_exactness": _WEIGHTS_LOST}
_FAILS_PERMUTATION_PLAIN_ARRAY = {**_FAILS_PLAIN_ARRAY, "check_antithetic_pairs": _WEIGHTS_LOST}


# -- the factories -----------------------------------------------------------------------------
_UNSET: Any = object()


def _settings(
    given: dict[str, Any], textbook: dict[str, Any], library: dict[str, Any], library_defaults: Any
) -> dict[str, Any]:
    if not isinstance(library_defaults, bool):
        raise InputError(f"library_defaults must be True or False, got {library_defaults!r}")
    base = dict(library if library_defaults else textbook)
    base.update({k: v for k, v in given.items() if v is not _UNSET})
    for flag in ("standardize", "invariants"):
        if flag in base and not isinstance(base[flag], bool):
            raise InputError(f"{flag} must be True or False, got {base[flag]!r}")
    return base


def _declare(explainer: Explainer, deviations: list[tuple[bool, str, dict[str, str]]]) -> Explainer:
    """Attach ``expected_failed_checks`` (check -> reasons) for the deviations in effect."""
    expected: dict[str, list[str]] = {}
    for active, label, fails in deviations:
        if active:
            for check, reason in fails.items():
                expected.setdefault(check, []).append(f"{label}: {reason}")
    explainer.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return explainer


def _label(name: str, settings: dict[str, Any], textbook: dict[str, Any]) -> str:
    shown = {**settings, "seeded": None} if "seeded" in settings else settings
    keys = {"seeded": "seed"}
    parts = [f"{keys.get(k, k)}={shown[k]!r}" for k in textbook if settings[k] != textbook[k]]
    return name + "".join(f"[{p}]" for p in parts)


_KERNEL_TEXTBOOK = {"l1_reg": False, "nsamples": None, "standardize": True}
_EXACT_TEXTBOOK = {"max_evals": 100000, "max_samples": None, "invariants": False}
_PERMUTATION_TEXTBOOK = {
    "max_evals": None,
    "max_samples": None,
    "seeded": True,
    "invariants": False,
}


def _kernel_settings(library_defaults: Any, given: dict[str, Any]) -> dict[str, Any]:
    s = _settings(given, _KERNEL_TEXTBOOK, KERNEL_DEFAULTS, library_defaults)
    nsamples = s["nsamples"]
    if nsamples not in (None, "auto") and (
        isinstance(nsamples, bool) or not isinstance(nsamples, int | np.integer) or nsamples < 1
    ):
        raise InputError(f"nsamples must be None (n), 'auto' or a positive int, got {nsamples!r}")
    return s


def _exact_settings(library_defaults: Any, given: dict[str, Any]) -> dict[str, Any]:
    s = _settings(given, _EXACT_TEXTBOOK, EXACT_DEFAULTS, library_defaults)
    s["max_samples"] = _max_samples(s["max_samples"])
    return s


def _permutation_settings(
    library_defaults: Any, given: dict[str, Any], seed: Any
) -> dict[str, Any]:
    if seed is not _UNSET and seed is not None:
        raise InputError("seed: pass None (shap's default, unseeded) or leave it unset (seeded)")
    library = {k: v for k, v in PERMUTATION_DEFAULTS.items() if k != "seed"}
    library["seeded"] = PERMUTATION_DEFAULTS["seed"] is not None
    given = {**given, "seeded": _UNSET if seed is _UNSET else False}
    s = _settings(given, _PERMUTATION_TEXTBOOK, library, library_defaults)
    evals = s["max_evals"]
    if evals is not None and (isinstance(evals, bool) or not isinstance(evals, int) or evals < 1):
        raise InputError(f"max_evals must be None (n) or a positive int, got {evals!r}")
    s["max_samples"] = _max_samples(s["max_samples"])
    return s


def _max_samples(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"max_samples must be a positive int or None (every row), got {value!r}")
    return int(value)


def shap_kernel_explainer(
    *,
    library_defaults: bool = False,
    l1_reg: Any = _UNSET,
    nsamples: Any = _UNSET,
    standardize: Any = _UNSET,
    name: str | None = None,
) -> Explainer:
    """shap's ``KernelExplainer`` (``shap/explainers/_kernel.py``) as an Explainer.

    Called ``explain(f, x, reference, n, seed)``: ``KernelExplainer(model,
    DenseData(rows, weights)).shap_values(x, nsamples=n, l1_reg=...)`` with the reference's
    rows (and weights) as the background, numpy's global generator seeded with ``seed``
    inside the call and restored afterwards (shap has no seed argument, shap#1835).

    Parameters
    ----------
    library_defaults : bool
        True: shap as users call it, ``l1_reg="num_features(10)"`` (with more than 10
        varying features at most 10 are non-zero), ``nsamples="auto"`` (2 M + 2048; every
        coalition only for M <= 11), f in its own units (``np.allclose`` pruning and the
        absolute 1e-10 zeroing in effect). False (default): ``l1_reg=False``,
        ``nsamples=n``, ``standardize=True``: the interventional Shapley value, exact once
        n >= 2^d - 2 (every coalition enumerated), a consistent estimate below.
    l1_reg, nsamples : optional
        Override shap's arguments (``nsamples=None`` means n).
    standardize : bool, optional
        Explain f in standardized units (see the module docstring).
    name : str, optional

    Returns
    -------
    Explainer
        ``kind='shapley'``, ``value='interventional'``, ``efficiency='exact'`` (the
        constraint eliminates one variable: sum phi = f(x) - E f even with ``l1_reg``);
        ``expected_failed_checks`` names the checks the deviations fail.
    """
    import_shap()
    given = {"l1_reg": l1_reg, "nsamples": nsamples, "standardize": standardize}
    s = _kernel_settings(library_defaults, given)
    textbook = _KERNEL_TEXTBOOK
    explain = functools.partial(kernel_call, **s)
    e = Explainer(
        explain,
        kind="shapley",
        value="interventional",
        efficiency="exact",
        stochastic=True,
        name=name or _label("shap_kernel_explainer", s, textbook),
    )
    return _declare(
        e,
        [
            (not s["standardize"], "f in its own units", _FAILS_KERNEL_UNITS),
        ],
    )


def shap_exact_explainer(
    *,
    library_defaults: bool = False,
    max_evals: Any = _UNSET,
    max_samples: Any = _UNSET,
    invariants: Any = _UNSET,
    name: str | None = None,
) -> Explainer:
    """shap's ``ExactExplainer`` (``shap/explainers/_exact.py``) as an Explainer.

    Called ``explain(f, x, reference, n, seed)``: ``ExactExplainer(model, masker)(x[None],
    max_evals=...)``; n and seed are not used (2^M coalitions are enumerated, no
    randomness). Row weights as in the module docstring (library defaults: ignored).

    Parameters
    ----------
    library_defaults : bool
        True: the background passed as a plain array (``Independent(rows)``, at most
        ``max_samples=100`` rows kept, a larger background subsampled by
        ``shap.utils.sample(rows, 100)``, row weights lost), ``np.isclose`` invariants in
        effect. False (default): ``Independent(rows, max_samples=len(rows))`` without
        invariants, rows weighted: the interventional Shapley value to rounding.
    max_evals : int, optional
        shap's ``max_evals`` (default 100000: refuses 17 or more varying features).
    max_samples : int or None, optional
        Rows kept by the masker, the background passed as a plain array (its weights
        lost); None keeps every row, weighted.
    invariants : bool, optional
        Keep ``Tabular.invariants`` (np.isclose: a feature within 1e-5 relative of the
        background is not flipped); False: every entry varies.
    name : str, optional

    Returns
    -------
    Explainer
        ``kind='shapley'``, ``value='interventional'``, ``efficiency='exact'``,
        ``stochastic=False``.
    """
    import_shap()
    given = {"max_evals": max_evals, "max_samples": max_samples, "invariants": invariants}
    s = _exact_settings(library_defaults, given)
    textbook = _EXACT_TEXTBOOK
    explain = functools.partial(exact_call, **s)
    e = Explainer(
        explain,
        kind="shapley",
        value="interventional",
        efficiency="exact",
        stochastic=False,
        name=name or _label("shap_exact_explainer", s, textbook),
    )
    return _declare(
        e,
        [
            (s["max_samples"] is not None, "background as an array", _FAILS_EXACT_PLAIN_ARRAY),
            (s["invariants"], "np.isclose invariants", _FAILS_UNITS),
        ],
    )


def shap_permutation_explainer(
    *,
    library_defaults: bool = False,
    max_evals: Any = _UNSET,
    max_samples: Any = _UNSET,
    seed: Any = _UNSET,
    invariants: Any = _UNSET,
    name: str | None = None,
) -> Explainer:
    """shap's ``PermutationExplainer`` (``shap/explainers/_permutation.py``) as an Explainer.

    Called ``explain(f, x, reference, n, seed)``: ``PermutationExplainer(model, masker,
    seed=seed)(x[None], max_evals=ceil(n / 2) (2 d + 1))``: n permutations as ceil(n / 2)
    antithetic pairs (``explain_row`` runs ``max_evals // (2 M + 1)`` pairs). shap seeds
    numpy's *global* generator in ``__init__``; the adapter restores the caller's state
    afterwards. Row weights as in the module docstring (library defaults: ignored).

    Parameters
    ----------
    library_defaults : bool
        True: ``max_evals=500`` whatever n, ``seed=None`` (``np.random.seed(None)``: fresh
        OS entropy, a different answer at every call), the background as a plain array
        (at most 100 rows kept, their weights lost), ``np.isclose`` invariants. False
        (default): ceil(n / 2) pairs, the battery's seed, every row weighted, no
        invariants: an unbiased estimate of the interventional Shapley value, exactly
        efficient, exact after one pair for games with at most pairwise interactions.
    max_evals : int or None, optional
        shap's ``max_evals`` (fixed: n ignored); None: ceil(n / 2) (2 d + 1).
    max_samples : int or None, optional
        Rows kept by the masker, the background passed as a plain array (its weights
        lost); None keeps every row, weighted.
    seed : None, optional
        None (shap's default) ignores the battery's seed; unset passes it.
    invariants : bool, optional
        Keep ``Tabular.invariants`` (np.isclose); False: every entry varies.
    name : str, optional

    Returns
    -------
    Explainer
        ``kind='shapley'``, ``value='interventional'``, ``efficiency='exact'``,
        ``antithetic=True``, ``stochastic=True``.
    """
    import_shap()
    given = {"max_evals": max_evals, "max_samples": max_samples, "invariants": invariants}
    s = _permutation_settings(library_defaults, given, seed)
    textbook = _PERMUTATION_TEXTBOOK
    explain = functools.partial(permutation_call, **s)
    e = Explainer(
        explain,
        kind="shapley",
        value="interventional",
        efficiency="exact",
        antithetic=True,
        stochastic=True,
        name=name or _label("shap_permutation_explainer", s, textbook),
    )
    # shap loops in Python over permutation pairs (about 0.6 ms a pair): smaller sizes
    e.battery_sizes = FIXED_SAMPLER_SIZES if s["max_evals"] is not None else LOOPED_SAMPLER_SIZES
    return _declare(
        e,
        [
            (s["max_evals"] is not None, f"max_evals={s['max_evals']}", _FAILS_FIXED_N),
            (not s["seeded"], "seed=None", _FAILS_UNSEEDED),
            (
                s["max_samples"] is not None,
                "background as an array",
                _FAILS_PERMUTATION_PLAIN_ARRAY,
            ),
            (s["invariants"], "np.isclose invariants", _FAILS_UNITS),
        ],
    )

"""PAIR's ``saliency`` (framework-free core) SmoothGrad as a conformance-battery explainer.

What it computes (read in the installed source of saliency 0.2.1,
``saliency/core/base.py`` and ``saliency/core/gradients.py``):
``GradientSaliency().GetSmoothedMask(x_value, call_model_function,
call_model_args=None, stdev_spread=.15, nsamples=25, magnitude=True)``

* **Noise scale.** ``stdev = stdev_spread * (np.max(x_value) - np.min(x_value))``:
  a *fraction of the input's range* over all its entries, one scalar for every
  feature. Not an absolute standard deviation; no per-feature or correlated
  noise; an input whose entries are all equal (x0 = 0, say) gets no noise.
* **Samples.** ``nsamples`` draws ``np.random.normal(0, stdev, x_value.shape)``,
  every one noisy (no noise-free sample), one model call per sample: the
  callback receives a batch of one, ``x_value[None]``, and returns
  ``{INPUT_OUTPUT_GRADIENTS: gradient}`` of the same shape (the shape is checked).
* **What is averaged.** ``magnitude=True`` (the default) adds ``grad * grad``:
  the default mask is E[(grad f)^2] per feature, the mean *squared* gradient,
  not SmoothGrad's E[grad f]; ``magnitude=False`` adds ``grad``: E[grad f].
* **Randomness.** The *global* ``np.random`` generator, no seed argument. The
  adapter seeds it with ``np.random.seed(seed)`` before each call and puts the
  caller's global state back afterwards.
* **Arithmetic.** The sum is kept in a float32 array
  (``np.zeros_like(x_value, dtype=np.float32)``): the mask is float32 whatever
  the model returns, hence ``precision="float32"``.

How the adapter makes it estimate T(x0, cov) = E[grad f(x)], x ~ N(x0, cov)
(its defaults): ``magnitude=False``, ``nsamples=n`` and whitening around an
anchor, as for zennit: ``x_value`` is the anchor (v, t) = (0, ..., 0, 1) with t a
dummy feature that f ignores (range 1 whatever x0 and d are, so
``stdev_spread=1.0`` is unit noise), the callback evaluates g(v, t) = f(x0 + L v)
and returns (L^T grad f, 0), and T = L^{-T} mask_v (cov = L L^T, any covariance;
the dummy's attribution is dropped). ``x_value`` holds copies of the anchor
(saliency accepts any array: every entry gets its own noise and the range is
still 1): with n = q copies + r (up to 200 copies), one call with ``copies``
rows and ``nsamples=q`` and one with r rows and ``nsamples=1``, the masks
pooled: exactly n noisy gradients in about n / 200 callback calls. With ``magnitude=True`` the
whitened mask E[(L^T grad f)^2] is divided by diag(L)^2, which is E[(grad f)^2]
per feature for a diagonal cov; a correlated one is refused (and
``covariance='diagonal'`` declared).

The library's defaults are :data:`LIBRARY_DEFAULTS` (``stdev_spread=0.15,
nsamples=25, magnitude=True``): the adapter then passes x0 itself, so the noise
std is 0.15 (max x0 - min x0) whatever cov is, 25 samples whatever n is, and
the mask is the mean squared gradient. Each deviation is declared in the
returned explainer's ``expected_failed_checks`` (measured on the battery):

* ``stdev_spread`` given: ``check_anisotropic_covariance`` ("the noise is not
  drawn with the covariance's factor") and ``check_small_sigma_limit`` ("the
  noise is not scaled by the covariance"), with translation, convergence, rate,
  correlated, Lipschitz, sign-and-scale and repeated calls (cov ignored);
* ``nsamples`` given: ``check_rate`` ("n silently capped"), and only it;
* ``magnitude=True``: ``check_proportionality_affine`` (for affine f it returns
  w^2, not w) and ``check_linearity`` ("not linear in f"), with most of the rest
  (the battery has no hint for squared gradients: the message names a
  per-feature or scale error).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from properties.conformance.explainer import Explainer
from verify.validation import InputError

from ._common import validated_inputs

__all__ = ["DEFAULTS_COMPUTE", "LIBRARY_DEFAULTS", "saliency_smoothgrad"]

_HINT = "saliency is not installed: pip install 'xai-verify[saliency]' (PAIR's saliency package)"

#: saliency's own defaults of ``GetSmoothedMask``.
#: What the library computes when called with its own defaults, in one line (the ecosystem
#: table's; verify.app.ecosystem reads it from here).
DEFAULTS_COMPUTE = (
    "E[(grad f)^2] by default (magnitude=True), noise std = 0.15 x (max x - min x), "
    "nsamples = 25 whatever n is"
)

LIBRARY_DEFAULTS: dict[str, Any] = {"stdev_spread": 0.15, "nsamples": 25, "magnitude": True}

_MAX_COPIES = 200

_FAILS_STDEV_SPREAD = {
    "check_seed_sensitivity": "an x0 whose features are all equal (d = 1, x0 = 0) has range 0: "
    "no noise at all, the same answer for every seed",
    "check_small_sigma_limit": "saliency's noise std is stdev_spread x (max x0 - min x0), "
    "not the declared covariance",
    "check_translation_equivariance": "the noise scale follows the range of x0, which a "
    "translation changes",
    "check_convergence": "noise of std stdev_spread x range(x0), not the declared cov",
    "check_rate": "the noise is not the declared cov: the bias dominates the error",
    "check_anisotropic_covariance": "one noise scale for every feature, set by range(x0)",
    "check_correlated_covariance": "isotropic noise set by range(x0): no correlation",
    "check_lipschitz_bound": "noise smaller than declared: less smoothing than the bound allows",
    "check_sign_and_scale": "at x0 = 0 the range is 0: no noise at all",
    "check_repeated_calls": "cov is ignored: a call with c^2 cov returns the earlier "
    "call's answer bit for bit",
}
_FAILS_NSAMPLES = {
    "check_rate": "nsamples is fixed: n is ignored, so the error does not shrink with n",
}
_FAILS_MAGNITUDE = {
    "check_proportionality_affine": "averages squared gradients: w^2 for affine f, not w",
    "check_proportionality_single_index": "squared gradients lose the signs of w",
    "check_linearity": "the mean squared gradient is quadratic in f",
    "check_scale_equivariance": "squared gradients scale as 1/c^2, not 1/c",
    "check_small_sigma_limit": "(grad f(x0))^2, not grad f(x0)",
    "check_convergence": "E[(grad f)^2], not E[grad f]",
    "check_rate": "E[(grad f)^2] is another limit, a bias that does not shrink",
    "check_anisotropic_covariance": "E[(grad f)^2], not E[grad f]",
    "check_sign_and_scale": "E[(grad f)^2] >= 0, not E[grad f]",
    "check_lipschitz_bound": "squared gradients are not bounded like E[grad f]",
}


def _import() -> Any:
    try:
        from saliency.core import base, gradients
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return base, gradients


def _call_model(x_batch: Any, call_model_args: Any = None, expected_keys: Any = None) -> Any:
    """saliency's model call: f's exact gradient (whitened around an anchor with chol)."""
    f, x0, chol, key = call_model_args
    z = np.asarray(x_batch, dtype=float)
    rows = z.reshape(-1, z.shape[-1])
    if chol is None:
        grad = f.gradient(rows)
    else:
        # (v, t) -> f(x0 + L v): grad_v = L^T grad_x, and the dummy feature t has none
        d = len(x0)
        grad = f.gradient(x0 + rows[:, :d] @ chol.T) @ chol
        grad = np.hstack([grad, np.zeros((len(rows), 1))])
    return {key: grad.reshape(z.shape)}


def _saliency_call(
    f: Any,
    x0: Any,
    cov: Any,
    n: int,
    seed: int,
    *,
    stdev_spread: float | None,
    nsamples: int | None,
    copies: int | None,
    magnitude: bool,
    saliency_kwargs: dict[str, Any],
) -> np.ndarray:
    """One explanation by saliency's GetSmoothedMask (module level, so it pickles)."""
    base, gradients = _import()
    x0, covariance, n, seed = validated_inputs(f, x0, cov, n, seed)
    d = f.dim
    if stdev_spread is None:
        chol = covariance.cholesky
        x_value = np.zeros(d + 1)
        x_value[d] = 1.0  # the dummy feature: range 1, so stdev_spread 1.0 is unit noise
        spread = 1.0
    else:
        chol, x_value, spread = None, x0.copy(), float(stdev_spread)
    if nsamples is None:
        # Exactly n noisy gradients: `rows` copies with q each, then r copies with one.
        rows = min(n, int(copies) if copies is not None else _MAX_COPIES)
        q, r = divmod(n, rows)
        plan = [(k, m) for k, m in ((rows, q), (r, 1)) if k > 0]
    else:
        plan = [(int(copies) if copies is not None else 1, int(nsamples))]
    state = np.random.get_state()  # noqa: NPY002 (saliency draws from the global RNG)
    total, count = 0.0, 0
    try:
        np.random.seed(seed)  # noqa: NPY002
        for rows, draws in plan:
            mask = gradients.GradientSaliency().GetSmoothedMask(
                np.tile(x_value, (rows, 1)),
                _call_model,
                call_model_args=(f, x0, chol, base.INPUT_OUTPUT_GRADIENTS),
                stdev_spread=spread,
                nsamples=draws,
                magnitude=magnitude,
                **saliency_kwargs,
            )
            total = total + np.asarray(mask, dtype=float).sum(axis=0) * draws
            count += rows * draws
    finally:
        np.random.set_state(state)  # noqa: NPY002
    out = total / count
    if chol is None:
        return out
    out = out[:d]  # drop the dummy feature
    if not magnitude:
        return solve_triangular(chol.T, out, lower=False)  # T = L^{-T} mask_v
    # Squared whitened gradients (L^T grad f)^2 map back to raw units only for a
    # diagonal L: E[(s_j df/dx_j)^2] / s_j^2 = E[(df/dx_j)^2].
    if np.any(chol != np.diag(np.diag(chol))):
        raise InputError(
            "magnitude=True averages squared whitened gradients (L^T grad f)^2, which "
            "have no raw-unit reading under a correlated cov"
        )
    return out / np.diag(chol) ** 2


def saliency_smoothgrad(
    *,
    stdev_spread: float | None = None,
    nsamples: int | None = None,
    magnitude: bool = False,
    copies: int | None = None,
    name: str | None = None,
    **saliency_kwargs: Any,
) -> Explainer:
    """PAIR saliency's ``GradientSaliency().GetSmoothedMask`` (numpy) as an Explainer.

    Parameters
    ----------
    stdev_spread : float, optional
        saliency's ``stdev_spread`` (std = stdev_spread x (max - min) of the input).
        None (default, conforming): whiten cov around an anchor of range 1 and use
        ``stdev_spread=1.0`` (any covariance). A number: saliency sees x0 itself
        and cov is ignored (saliency's default is 0.15).
    nsamples : int, optional
        saliency's ``nsamples``; None (default): n. A number: fixed, n ignored
        (saliency's default is 25).
    magnitude : bool
        saliency's ``magnitude``: False (default here) averages gradients; True
        (saliency's default) averages squared gradients.
    copies : int, optional
        Rows of one ``x_value`` (copies of the input, each with its own noise;
        their masks are pooled); default: up to 200 when nsamples is the
        adapter's, else 1.
    name : str, optional
    **saliency_kwargs
        Passed to ``GetSmoothedMask`` (``call_model_args`` is the adapter's).

    Returns
    -------
    Explainer
        ``kind='gradient'``, ``covariance='full'``, ``precision='float32'``; its
        attribute ``expected_failed_checks`` maps each check the configuration
        is known to fail to the reason (empty for the defaults).
    """
    _import()
    if stdev_spread is not None and not (np.isfinite(stdev_spread) and stdev_spread >= 0):
        raise InputError(f"stdev_spread must be a finite number >= 0, got {stdev_spread!r}")
    if copies is not None and (isinstance(copies, bool) or int(copies) < 1):
        raise InputError(f"copies must be a positive int, got {copies!r}")
    if nsamples is not None and (isinstance(nsamples, bool) or int(nsamples) < 1):
        raise InputError(f"nsamples must be a positive int, got {nsamples!r}")
    if "call_model_args" in saliency_kwargs:
        raise InputError("call_model_args is the adapter's (it carries f, x0 and cov)")

    explain = functools.partial(
        _saliency_call,
        stdev_spread=stdev_spread,
        nsamples=nsamples,
        copies=copies,
        magnitude=magnitude,
        saliency_kwargs=dict(saliency_kwargs),
    )

    expected: dict[str, list[str]] = {}
    parts = []
    for given, fails, label in (
        (stdev_spread is not None, _FAILS_STDEV_SPREAD, f"stdev_spread={stdev_spread}"),
        (nsamples is not None, _FAILS_NSAMPLES, f"nsamples={nsamples}"),
        (bool(magnitude), _FAILS_MAGNITUDE, "magnitude=True"),
    ):
        if given:
            parts.append(label)
            for check, reason in fails.items():
                expected.setdefault(check, []).append(f"{label}: {reason}")
    e = Explainer(
        explain,
        kind="gradient",
        # Squared whitened gradients map back to raw units for a diagonal cov only.
        covariance="diagonal" if magnitude and stdev_spread is None else "full",
        stochastic=True,
        precision="float32",
        name=name or "saliency_smoothgrad" + "".join(f"[{p}]" for p in parts),
    )
    e.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return e

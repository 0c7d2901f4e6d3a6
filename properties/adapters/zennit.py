"""zennit's ``SmoothGrad`` attributor as a conformance-battery explainer.

What zennit computes (read in the installed source of zennit 0.5.1,
``zennit/attribution.py``; ``SmoothGrad(model, composite=None, attr_output=None,
create_graph=False, retain_graph=None, noise_level=0.1, n_iter=20)``, called as
``output, attr = sg(x, attr_output=...)``):

* **Noise scale.** ``std = noise_level * (x.amax(dims) - x.amin(dims))`` with
  ``dims`` every axis but the batch axis: a *fraction of each input's own range*
  (max - min over its features), one scalar per row of the batch, the same for
  every feature. Not an absolute standard deviation, and no per-feature or
  correlated noise. An input whose features are all equal (x0 = 0, say) gets no
  noise at all. (zennit#201 is users misreading ``noise_level``.)
* **A noise-free sample.** The loop runs ``n_iter`` times and the *last*
  iteration uses epsilon = 0 ("so that SmoothGrad with n_iter = 1 is the
  gradient"): ``attr = (sum of n_iter - 1 noisy gradients + grad(x)) / n_iter``,
  whose expectation is ``((n_iter - 1) SG + grad f(x0)) / n_iter``, an
  O(1/n_iter) bias ``(grad f(x0) - SG) / n_iter`` towards the plain gradient.
* **What is averaged.** Each sample is the vector-Jacobian product of the model
  with ``attr_output(output)``. zennit's default ``attr_output=None`` is the
  *identity*, so for a scalar model every sample is ``f(x) grad f(x)`` and the
  default attribution estimates E[f grad f] = E[grad (f^2)] / 2, not E[grad f].
  ``attr_output=torch.ones_like`` gives E[grad f].
* **Randomness.** ``torch.randn_like``: torch's global generator, no seed
  argument. Each call here runs ``torch.manual_seed(seed)`` first.
* **Arithmetic.** ``result += gradient / n_iter`` in the input's dtype; the
  adapter feeds float64 tensors, so it works in float64.

How the adapter makes zennit estimate T(x0, cov) = E[grad f(x)], x ~ N(x0, cov)
(its defaults):

* ``attr_output=torch.ones_like`` (the adapter's ``attr_output="ones"``);
* any covariance cov = L L^T by whitening around an *anchor*: zennit explains
  g(v, t) = f(x0 + L v) at the anchor (v, t) = (0, ..., 0, 1), where t is a dummy
  feature that f ignores. The anchor's range is 1 whatever x0 and d are (x0 = 0
  and d = 1 included), so ``noise_level=1.0`` is unit noise, x = x0 + L eps ~
  N(x0, cov), and the chain rule (grad_v g = L^T grad_x f) is undone by
  T = L^{-T} SG_v (the dummy's attribution, 0, is dropped);
* ``debias=True``: ``n_iter = n / copies + 1`` so that there are exactly n noisy
  gradients, and the noise-free one is removed with zennit's own ``Gradient``
  attributor: SG = (n_iter attr - grad g(a)) / (n_iter - 1), exactly the mean of
  the n noisy gradients;
* ``copies``: the anchor is repeated in one batch (zennit draws independent
  noise for every row) and the rows pooled: n = q copies + r with up to 200
  copies, one zennit call with ``copies`` rows of q noisy samples and one with r
  rows of one, exactly n noisy gradients in about n / 200 Python iterations
  instead of n (zennit's loop costs about 0.4 ms per iteration).

The library's own defaults are :data:`LIBRARY_DEFAULTS` (``noise_level=0.1,
n_iter=20, attr_output=None, debias=False``): zennit then sees x0 itself, draws
noise of std 0.1 (max x0 - min x0) whatever cov is, averages 19 noisy samples of
f grad f and one noise-free one, whatever n is. Each deviation from the
conforming configuration is declared in the returned explainer's
``expected_failed_checks`` (check name -> reason), measured on the battery:

* ``noise_level`` given: ``check_small_sigma_limit`` ("the noise is not scaled by
  the covariance"; 7 of 8 battery seeds) and ``check_anisotropic_covariance``
  ("the noise is not drawn with the covariance's factor"; every seed), with
  translation, convergence, rate, correlated, Lipschitz and sign-and-scale;
* ``n_iter`` given: ``check_rate`` ("n silently capped"), and only it;
* ``attr_output=None``: ``check_linearity`` ("not linear in f") and
  ``check_proportionality_affine`` (for affine f it is (w^T x + b) w, not w),
  with the small-sigma, closed-form and covariance checks.

``debias=False`` (zennit's n_iter = n with its noise-free sample) is *not*
detected by the battery at its sizes: the bias (grad f(x0) - SG) / n is far
below the replicate standard error sd(grad f) / sqrt(R n) (a factor
sqrt(R / n), about 0.1 at R = 30, n = 2000); measured, the full battery passes
with it (seeds 0 and 1), and so does ``n_iter=20`` apart from ``check_rate``
(a 1/20 weight on grad f(x0)). It is declared no failure; the test suite
measures the bias directly at n_iter = 2, where zennit's mean is
(SG + grad f(x0)) / 2.

zennit 0.5.1's package ``__init__`` imports ``zennit.torchvision``, which imports
torchvision; PyPI's torchvision wheels are built against CUDA torch and do not
import with torch 2.13.0+cpu ("operator torchvision::nms does not exist"). The
attributors live in ``zennit/attribution.py``, which imports only torch: when
``import zennit.attribution`` fails for that reason, the adapter loads that file
of the installed zennit directly.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from properties.conformance.explainer import Explainer
from verify.validation import InputError

from ._common import departures, validated_inputs

__all__ = ["DEFAULTS_COMPUTE", "LIBRARY_DEFAULTS", "zennit_smoothgrad"]

_HINT = (
    "zennit is not installed: pip install 'xai-verify[zennit]' "
    "(install torch==2.13.0 first and alone: any other torch spec pulls a CUDA build)"
)

#: zennit's own defaults, as a user calling ``SmoothGrad(model)(x)`` gets them.
#: What the library computes when called with its own defaults, in one line (the ecosystem
#: table's; verify.app.ecosystem reads it from here).
DEFAULTS_COMPUTE = (
    "E[f grad f] by default (attr_output=None, the identity), noise std = 0.1 x "
    "(max x - min x), n_iter = 20 samples whatever n is, the last one noise-free"
)

LIBRARY_DEFAULTS: dict[str, Any] = {
    "noise_level": 0.1,
    "n_iter": 20,
    "attr_output": None,
    "debias": False,
}

_MAX_COPIES = 200

_FAILS_NOISE_LEVEL = {
    "check_seed_sensitivity": "an x0 whose features are all equal (d = 1, x0 = 0) has range 0: "
    "no noise at all, the same answer for every seed",
    "check_scale_equivariance": "noise set by range(x0), not cov: observed to fail at rounding "
    "level (relative ~4e-6) on some drawn problems",
    "check_small_sigma_limit": "zennit's noise std is noise_level x (max x0 - min x0), "
    "not the declared covariance",
    "check_translation_equivariance": "the noise scale follows the range of x0, which a "
    "translation changes",
    "check_convergence": "noise of std noise_level x range(x0), not the declared cov",
    "check_rate": "the noise is not the declared cov: the bias dominates the error",
    "check_anisotropic_covariance": "one noise scale for every feature, set by range(x0)",
    "check_correlated_covariance": "isotropic noise set by range(x0): no correlation",
    "check_lipschitz_bound": "noise smaller than declared: less smoothing than the bound allows",
    "check_sign_and_scale": "at x0 = 0 the range is 0: no noise at all",
    "check_repeated_calls": "cov is ignored: a call with c^2 cov returns the earlier call's "
    "answer bit for bit",
}
_FAILS_N_ITER = {
    "check_rate": "n_iter is fixed: n is ignored, so the error does not shrink with n",
}
_FAILS_ATTR_OUTPUT = {
    "check_linearity": "attr_output=None (the identity) averages f(x) grad f(x), quadratic in f",
    "check_proportionality_affine": "attr_output=None: for affine f each sample is "
    "(w^T x + b) w, not w",
    "check_small_sigma_limit": "attr_output=None: f(x0) grad f(x0), not grad f(x0)",
    "check_convergence": "attr_output=None: E[f grad f], not E[grad f]",
    "check_rate": "attr_output=None: E[f grad f] is another limit, a bias that does not shrink",
    "check_anisotropic_covariance": "attr_output=None: E[f grad f], not E[grad f]",
    "check_correlated_covariance": "attr_output=None: E[f grad f], not E[grad f]",
    "check_sign_and_scale": "attr_output=None: E[f grad f], not E[grad f]",
    "check_lipschitz_bound": "attr_output=None: f grad f is not bounded like E[grad f]",
}


def _load_attribution() -> Any:
    """zennit's attribution module (see the module docstring for the torchvision fallback)."""
    try:
        import torch  # noqa: F401
        import zennit.attribution as attribution
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("torch", "zennit"):
            raise ImportError(_HINT) from exc
        return _attribution_file()  # torchvision (or another of zennit's imports) missing
    except (ImportError, RuntimeError, OSError):
        return _attribution_file()  # torchvision built for another torch
    return attribution


@functools.cache
def _attribution_file() -> Any:
    """Load the installed zennit's ``attribution.py`` alone (it imports only torch)."""
    spec = importlib.util.find_spec("zennit")
    if spec is None or spec.origin is None:
        raise ImportError(_HINT)
    path = os.path.join(os.path.dirname(spec.origin), "attribution.py")
    file_spec = importlib.util.spec_from_file_location("_xai_verify_zennit_attribution", path)
    if file_spec is None or file_spec.loader is None:
        raise ImportError(_HINT)
    module = importlib.util.module_from_spec(file_spec)
    file_spec.loader.exec_module(module)
    return module


def _model(torch: Any, f: Any, x0: np.ndarray, chol: np.ndarray | None) -> Any:
    """A torch callable whose backward is the exact numpy gradient.

    Without chol: u -> f(u). With chol: (v, t) -> f(x0 + L v), the last input t a
    dummy feature (gradient 0) that gives the anchor its range.
    """
    d = len(x0)

    class _Model(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, u: Any) -> Any:
            z = u.detach().cpu().double().numpy()
            x = z if chol is None else x0 + z[:, :d] @ chol.T
            grad = f.gradient(x)
            if chol is not None:
                # chain rule, row by row: grad_v = L^T grad_x; the dummy feature has none
                grad = np.hstack([grad @ chol, np.zeros((len(z), 1))])
            ctx.save_for_backward(torch.from_numpy(np.ascontiguousarray(grad)).to(u.dtype))
            return torch.from_numpy(np.asarray(f(x), dtype=float)).to(u.dtype)

        @staticmethod
        def backward(ctx: Any, grad_out: Any) -> Any:
            (grad,) = ctx.saved_tensors
            return grad_out[:, None] * grad

    def model(u: Any) -> Any:  # a plain function: a builtin Function.apply has no signature
        return _Model.apply(u)

    return model


def _zennit_call(
    f: Any,
    x0: Any,
    cov: Any,
    n: int,
    seed: int,
    *,
    noise_level: float | None,
    n_iter: int | None,
    attr_output: Any,
    debias: bool,
    copies: int | None,
    zennit_kwargs: dict[str, Any],
) -> np.ndarray:
    """One explanation by zennit's SmoothGrad (module level, so it pickles)."""
    attribution = _load_attribution()
    import torch

    output_fn = torch.ones_like if isinstance(attr_output, str) else attr_output
    x0, covariance, n, seed = validated_inputs(f, x0, cov, n, seed)
    d = f.dim
    if noise_level is None:
        chol = covariance.cholesky
        start = np.zeros(d + 1)
        start[d] = 1.0  # the dummy feature: range 1, so noise_level 1.0 is unit noise
        level = 1.0
    else:
        chol, start, level = None, x0, float(noise_level)
    if n_iter is None and debias:
        # Exactly n noisy gradients: `rows` copies with q each, then r copies with one.
        rows = min(n, int(copies) if copies is not None else _MAX_COPIES)
        q, r = divmod(n, rows)
        plan = [(k, m + 1) for k, m in ((rows, q), (r, 1)) if k > 0]
    elif n_iter is not None:
        plan = [(int(copies) if copies is not None else 1, int(n_iter))]
    else:  # zennit's estimator: n_iter = n, one sample of them noise-free
        rows = int(copies) if copies is not None else 1
        plan = [(rows, max(1, n // rows))]
    model = _model(torch, f, x0, chol)
    torch.manual_seed(seed)
    total, count = 0.0, 0
    for rows, iters in plan:
        if debias and iters < 2:
            raise InputError("debias=True needs n_iter >= 2 (one noise-free sample)")
        batch = torch.tensor(np.tile(start, (rows, 1)), dtype=torch.float64)
        sg = attribution.SmoothGrad(model, noise_level=level, n_iter=iters, **zennit_kwargs)
        _, attr = sg(batch.clone(), attr_output=output_fn)
        attr = attr.detach().double().numpy()
        if debias:
            _, g0 = attribution.Gradient(model)(batch[:1].clone(), attr_output=output_fn)
            attr = (iters * attr - g0.detach().double().numpy()) / (iters - 1)
        weight = rows * (iters - 1 if debias else iters)  # the samples behind these rows
        total = total + attr.mean(axis=0) * weight
        count += weight
    out = total / count
    if chol is not None:
        out = solve_triangular(chol.T, out[:d], lower=False)  # T = L^{-T} SG_v
    return out


def _check_arguments(noise_level: Any, n_iter: Any, attr_output: Any, copies: Any) -> None:
    """Refuse the arguments of :func:`zennit_smoothgrad` zennit cannot take."""
    if isinstance(attr_output, str) and attr_output != "ones":
        raise InputError(f"attr_output must be 'ones', None or a callable, got {attr_output!r}")
    if noise_level is not None and not (np.isfinite(noise_level) and noise_level >= 0):
        raise InputError(f"noise_level must be a finite number >= 0, got {noise_level!r}")
    if n_iter is not None and (isinstance(n_iter, bool) or int(n_iter) < 1):
        raise InputError(f"n_iter must be a positive int, got {n_iter!r}")
    if copies is not None and (isinstance(copies, bool) or int(copies) < 1):
        raise InputError(f"copies must be a positive int, got {copies!r}")


def zennit_smoothgrad(
    *,
    noise_level: float | None = None,
    n_iter: int | None = None,
    attr_output: Any = "ones",
    debias: bool = True,
    copies: int | None = None,
    name: str | None = None,
    **zennit_kwargs: Any,
) -> Explainer:
    """zennit's ``SmoothGrad`` attributor (torch, CPU, float64) as an Explainer.

    Parameters
    ----------
    noise_level : float, optional
        zennit's ``noise_level`` (std = noise_level x (max - min) of the input).
        None (default, conforming): whiten cov around an anchor of range 1 (one dummy
        feature) and use
        ``noise_level=1.0`` (any covariance). A number: zennit sees x0 itself and
        cov is ignored (zennit's default is 0.1).
    n_iter : int, optional
        zennit's ``n_iter``. None (default): derived from n (n noisy samples with
        ``debias=True``, ``n_iter = n`` without). A number: fixed, n ignored
        (zennit's default is 20).
    attr_output : "ones", None or callable
        zennit's ``attr_output``: "ones" (default, conforming) is
        ``torch.ones_like`` (E[grad f]); None is zennit's default, the identity
        (E[f grad f]); a callable or tensor is passed as is.
    debias : bool
        Remove zennit's noise-free sample (True, default) with one exact gradient
        from zennit's ``Gradient`` attributor; False keeps zennit's estimator.
    copies : int, optional
        Rows of the batch explained at once (their noisy gradients are pooled);
        default: up to 200 when n_iter and debias are the adapter's, else 1.
    name : str, optional
    **zennit_kwargs
        Passed to ``zennit.attribution.SmoothGrad`` (e.g. ``composite``,
        ``create_graph``).

    Returns
    -------
    Explainer
        ``kind='gradient'``, ``covariance='full'``; its attribute
        ``expected_failed_checks`` maps each check the configuration is known to
        fail to the reason (empty for the defaults).
    """
    _load_attribution()
    _check_arguments(noise_level, n_iter, attr_output, copies)
    explain = functools.partial(
        _zennit_call,
        noise_level=noise_level,
        n_iter=n_iter,
        attr_output=attr_output,
        debias=debias,
        copies=copies,
        zennit_kwargs=dict(zennit_kwargs),
    )

    parts, expected = departures(
        (
            (noise_level is not None, _FAILS_NOISE_LEVEL, f"noise_level={noise_level}"),
            (n_iter is not None, _FAILS_N_ITER, f"n_iter={n_iter}"),
            (attr_output is None, _FAILS_ATTR_OUTPUT, "attr_output=None"),
        )
    )
    if not debias:
        parts.append("debias=False")
    e = Explainer(
        explain,
        kind="gradient",
        covariance="full",
        stochastic=True,
        name=name or "zennit_smoothgrad" + "".join(f"[{p}]" for p in parts),
    )
    e.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return e

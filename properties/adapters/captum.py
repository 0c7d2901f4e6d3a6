"""captum explainers as conformance-battery explainers (docs/clients.md, captum).

* :func:`captum_smoothgrad`: ``NoiseTunnel(Saliency(g)).attribute(u0, nt_type="smoothgrad",
  nt_samples=n, stdevs=1.0, abs=False)``. captum's noise is one scalar standard
  deviation per input tensor (``stdevs``: a float, or a tuple with one float per
  input tensor; default 1.0, an absolute std), so a full covariance cov = L L^T
  is handled by whitening: explain g(u) = f(L u) at u0 = L^{-1} x0 with unit
  noise, then map back T = L^{-T} SG_u (the chain rule: grad_u g = L^T grad_x f).
  ``stdevs="per_feature"`` is the other way for a diagonal cov: one input tensor
  per feature and ``stdevs=(sqrt(cov_11), ..., sqrt(cov_dd))``, no mapping back.
  NoiseTunnel's other modes (read in captum 0.9.0, ``noise_tunnel.py``):
  ``nt_type="smoothgrad_sq"`` returns the mean of the squared attributions,
  E[(grad f)^2]; ``"vargrad"`` returns E[a^2] - E[a]^2, the per-feature variance
  of the gradient (ddof = 0). Both are negative controls; NoiseTunnel's own
  defaults are ``nt_type="smoothgrad", nt_samples=5, stdevs=1.0`` and Saliency's
  ``abs=True`` (:data:`LIBRARY_DEFAULTS`).
* :func:`captum_limebase`: ``LimeBase`` with a Gaussian ``perturb_func`` in input
  space (x0 + L eps), identity interpretable representation, similarity 1 and
  ``SkLearnLinearRegression`` (least squares with intercept): exactly C-LIME.
* :func:`captum_lime`: captum's ``Lime`` with its defaults (Bernoulli masks
  against a zero baseline, cosine kernel, Lasso(alpha=0.01)): a different
  method, kept as a negative control.

torch draws captum's noise from its global generator: each call seeds it with
``torch.manual_seed(seed)``. Model evaluations stay in float64 numpy (f and
f.gradient behind one torch.autograd.Function, handed to captum inside a plain
Python function: captum calls ``inspect.signature`` on its forward function, which
a builtin ``Function.apply`` does not answer on every Python); captum's noise and
linear fit work in float32, hence ``precision="float32"``.

Speed. captum's Saliency takes the gradient of every NoiseTunnel sample as its own
backward output (``torch.unbind`` of the batch), about 40 us each: n = 2**16
samples cost 3 s in captum's bookkeeping alone. So :func:`captum_smoothgrad`
places k = min(n, 256) copies of the point side by side in one input row and
explains their sum: NoiseTunnel draws independent noise for every entry, and the
gradient of the sum with respect to copy i is the gradient of f at copy i's noisy
point, so q = n // k NoiseTunnel samples of the row (then the n % k remaining
copies with one sample) give exactly n noisy gradients, averaged as captum
averages them, at 1/256 of the bookkeeping. (Not for ``vargrad``, whose variance
over q samples per copy is another estimator, nor when ``nt_samples`` or
``batch_size`` is fixed.) Every explain function is a module-level function (or a
``functools.partial`` of one), so an explainer pickles and replays in another
interpreter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from verify.validation import InputError

from ..conformance.explainer import Explainer
from ._common import LOOPED_SAMPLER_SIZES, validated_inputs

__all__ = [
    "DEFAULTS_COMPUTE",
    "LIBRARY_DEFAULTS",
    "captum_lime",
    "captum_limebase",
    "captum_smoothgrad",
]

_HINT = "captum is not installed: pip install 'xai-verify[captum]' (it pins torch==2.13.0)"

#: NoiseTunnel's and Saliency's own defaults (``absolute=None`` leaves Saliency's abs=True).
#: What the library computes when called with its own defaults, in one line (the ecosystem
#: table's; verify.app.ecosystem reads it from here).
DEFAULTS_COMPUTE = (
    "E|grad f| by default (Saliency's abs=True), noise std stdevs = 1.0 in input units "
    "whatever cov is, nt_samples = 5 whatever n is"
)

LIBRARY_DEFAULTS: dict[str, Any] = {
    "absolute": None,
    "nt_type": "smoothgrad",
    "nt_samples": 5,
    "stdevs": 1.0,
}
_NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")
#: Copies of the point side by side in one captum input row (see :func:`_blocks`).
_MAX_BLOCKS = 256

# What each deviation from the conforming configuration fails, measured on the battery.
_FAILS_ABS = {
    "check_sign_and_scale": "abs=True: Saliency returns |grad f|, so SmoothGrad is E|grad f|",
    "check_linearity": "abs=True: |grad f| is not linear in f",
    "check_proportionality_affine": "abs=True: |w|, not w",
    "check_proportionality_single_index": "abs=True: |grad f| loses the signs of w",
    "check_convergence": "abs=True: E|grad f|, not E[grad f]",
    "check_rate": "abs=True: E|grad f| is another limit (a bias)",
    "check_anisotropic_covariance": "abs=True: E|grad f|",
    "check_correlated_covariance": "abs=True: E|grad f|",
    "check_small_sigma_limit": "abs=True: |grad f(x0)|",
    "check_lipschitz_bound": "abs=True: E|grad f| is not bounded like E[grad f]",
}
_FAILS_NT_TYPE = {
    "smoothgrad_sq": {
        "check_proportionality_affine": "nt_type='smoothgrad_sq': E[(grad f)^2] is w^2 for "
        "affine f, not w",
        "check_proportionality_single_index": "nt_type='smoothgrad_sq': squares lose the "
        "signs of w",
        "check_linearity": "nt_type='smoothgrad_sq': quadratic in f",
        "check_scale_equivariance": "nt_type='smoothgrad_sq': scales as 1/c^2, not 1/c",
        "check_small_sigma_limit": "nt_type='smoothgrad_sq': (grad f(x0))^2",
        "check_convergence": "nt_type='smoothgrad_sq': E[(grad f)^2], not E[grad f]",
        "check_rate": "nt_type='smoothgrad_sq': another limit (a bias)",
        "check_anisotropic_covariance": "nt_type='smoothgrad_sq': E[(grad f)^2]",
        "check_sign_and_scale": "nt_type='smoothgrad_sq': E[(grad f)^2] >= 0",
        "check_lipschitz_bound": "nt_type='smoothgrad_sq': not bounded like E[grad f]",
    },
    "vargrad": {
        "check_proportionality_affine": "nt_type='vargrad': the gradient of an affine f "
        "has no variance: 0, not w",
        "check_proportionality_single_index": "nt_type='vargrad': Var[grad f] >= 0 loses "
        "the signs of w",
        "check_linearity": "nt_type='vargrad': quadratic in f",
        "check_scale_equivariance": "nt_type='vargrad': scales as 1/c^2, not 1/c",
        "check_small_sigma_limit": "nt_type='vargrad': the variance vanishes with sigma: 0, "
        "not grad f(x0)",
        "check_convergence": "nt_type='vargrad': Var[grad f], not E[grad f]",
        "check_rate": "nt_type='vargrad': another limit (a bias)",
        "check_anisotropic_covariance": "nt_type='vargrad': Var[grad f]",
        "check_sign_and_scale": "nt_type='vargrad': Var[grad f] >= 0",
        "check_lipschitz_bound": "nt_type='vargrad': not bounded like E[grad f]",
    },
}
_FAILS_FIXED_STDEVS = {
    "check_small_sigma_limit": "stdevs is a fixed float: the noise std ignores cov",
    "check_convergence": "stdevs is a fixed float: the noise std ignores cov",
    "check_rate": "stdevs is a fixed float: a bias that does not shrink",
    "check_anisotropic_covariance": "stdevs is a fixed float: one std for every feature",
    "check_correlated_covariance": "stdevs is a fixed float: no correlation",
    "check_sign_and_scale": "stdevs is a fixed float: the noise std ignores cov",
    "check_scale_equivariance": "stdevs is a fixed float: it does not scale with the inputs",
    "check_lipschitz_bound": "stdevs is a fixed float: not the declared smoothing",
    "check_repeated_calls": "stdevs is a fixed float: cov is ignored, so a call with c^2 cov "
    "returns the earlier call's answer bit for bit",
}
_FAILS_NT_SAMPLES = {
    "check_rate": "nt_samples is fixed: n is ignored, so the error does not shrink with n",
    "check_seed_sensitivity": "nt_samples is fixed: n is ignored, so n and n + 1 give the same "
    "draws and the same answer",
}


def _imports() -> tuple[Any, Any]:
    try:
        import captum.attr
        import torch
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return torch, captum.attr


@functools.cache
def _numpy_function(torch: Any) -> Any:
    """One ``torch.autograd.Function`` (made once) evaluating a numpy f and its exact gradient.

    ``apply(u, f, factor, d)``: the rows of ``u`` (batch, k d) are k blocks of d
    coordinates each; the output is, per row, sum over blocks of f(block @ factor^T)
    and the backward is the exact numpy gradient (the chain rule L^T grad_x f per
    block). Never handed to captum itself: a builtin ``Function.apply`` has no
    signature captum's ``inspect.signature`` can read on every Python
    (:func:`_torch_model` wraps it in a plain function).
    """

    class NumpyFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, u: Any, f: Any, factor: Any, d: int) -> Any:
            rows = u.shape[0]
            x = u.detach().cpu().double().numpy().reshape(-1, d)
            if factor is not None:
                x = x @ factor.T
            grad = f.gradient(x)
            if factor is not None:
                grad = grad @ factor  # chain rule: grad_u = L^T grad_x, row-wise
            grad = np.ascontiguousarray(grad.reshape(rows, -1))
            ctx.save_for_backward(torch.from_numpy(grad).to(u.dtype))
            values = np.asarray(f(x), dtype=float).reshape(rows, -1).sum(axis=1)
            return torch.from_numpy(values).to(u.dtype)

        @staticmethod
        def backward(ctx: Any, grad_out: Any) -> Any:
            (grad,) = ctx.saved_tensors
            return grad_out[:, None] * grad, None, None, None

    return NumpyFunction


def _torch_model(torch: Any, f: Any, factor: np.ndarray | None = None) -> Any:
    """A plain Python function u -> sum over d-blocks of f(block @ factor^T), exact gradient.

    A plain function (not ``Function.apply``, a builtin): captum reads its signature.
    """
    function = _numpy_function(torch)
    d = f.dim

    def model(u: Any) -> Any:
        return function.apply(u, f, factor, d)

    return model


def _blocks(n: int, stacked: bool) -> list[tuple[int, int]]:
    """(blocks, samples) of the captum calls that draw exactly n noisy gradients.

    Stacked: k = min(n, 256) copies of the point side by side in one input row, q = n // k
    NoiseTunnel samples of them, then the r = n % k remaining copies with one sample; captum
    pays per NoiseTunnel sample (one backward output each), so n draws cost about
    n / 256 of them. Not stacked: one copy, n samples.
    """
    if not stacked:
        return [(1, n)]
    k = min(n, _MAX_BLOCKS)
    q, r = divmod(n, k)
    return [(b, m) for b, m in ((k, q), (r, 1)) if b > 0 and m > 0]


@dataclass(frozen=True)
class _SmoothGradConfig:
    absolute: bool | None
    nt_type: str
    stdevs: str | float
    nt_samples: int | None
    batch_size: int | None

    @property
    def stacked(self) -> bool:
        """Copies side by side only where the mean over blocks is captum's own mean."""
        return self.nt_samples is None and self.batch_size is None and self.nt_type != "vargrad"


def _noise_tunnel(
    config: _SmoothGradConfig, forward: Any, inputs: Any, sds: Any, samples: int
) -> Any:
    _, attr = _imports()
    kwargs: dict[str, Any] = {} if config.absolute is None else {"abs": bool(config.absolute)}
    tunnel = attr.NoiseTunnel(attr.Saliency(forward))
    return tunnel.attribute(
        inputs,
        nt_type=config.nt_type,
        nt_samples=samples if config.nt_samples is None else int(config.nt_samples),
        stdevs=sds,
        nt_samples_batch_size=config.batch_size,
        **kwargs,
    )


def _pooled(
    config: _SmoothGradConfig, start: np.ndarray, n: int, seed: int, run: Any
) -> np.ndarray:
    """The mean of the n noisy gradients over the calls of :func:`_blocks`.

    ``run(rows, samples)`` makes one captum call on ``rows`` (1, k d) copies of ``start``
    and returns its attribution as a (k, d) array.
    """
    torch, _ = _imports()
    torch.manual_seed(seed)
    total = np.zeros_like(start)
    for blocks, samples in _blocks(n, config.stacked):
        rows = np.tile(start, blocks)[None, :]
        total = total + run(rows, samples).sum(axis=0) * samples
    return total / n  # unstacked: one call, whose mean (of n or nt_samples draws) is weighted n


def _smoothgrad_call(
    config: _SmoothGradConfig, f: Any, x0: Any, cov: Any, n: int, seed: int
) -> np.ndarray:
    """One explanation by captum's NoiseTunnel(Saliency) (module level, so it pickles)."""
    torch, _ = _imports()
    x0, covariance, n, seed = validated_inputs(f, x0, cov, n, seed)
    cov = covariance.matrix
    d = f.dim

    def whole(model: Any, sds: Any) -> Any:
        def run(rows: np.ndarray, samples: int) -> np.ndarray:
            u = torch.tensor(rows, dtype=torch.float32)
            out = _noise_tunnel(config, model, u, sds, samples)
            return out.detach().double().numpy().reshape(-1, d)

        return run

    if config.stdevs == "whiten":
        chol = covariance.cholesky
        u0 = solve_triangular(chol, x0, lower=True)
        sg_u = _pooled(config, u0, n, seed, whole(_torch_model(torch, f, chol), 1.0))
        return solve_triangular(chol.T, sg_u, lower=False)  # T = L^{-T} SG_u
    if not isinstance(config.stdevs, str):
        return _pooled(config, x0, n, seed, whole(_torch_model(torch, f), config.stdevs))
    if np.any(cov != np.diag(np.diag(cov))):
        raise InputError(
            "stdevs='per_feature' gives captum one standard deviation per feature and "
            "cannot draw correlated noise: pass a diagonal cov, or use stdevs='whiten'"
        )
    model = _torch_model(torch, f)
    sds = tuple(float(v) for v in np.sqrt(np.diag(cov)))

    def forward(*cols: Any) -> Any:  # one input tensor per feature, k copies in each
        return model(torch.stack(cols, dim=2).reshape(cols[0].shape[0], -1))

    def run(rows: np.ndarray, samples: int) -> np.ndarray:
        blocks = rows.reshape(-1, d)
        columns = tuple(torch.tensor(blocks[None, :, j], dtype=torch.float32) for j in range(d))
        out = _noise_tunnel(config, forward, columns, sds, samples)
        return np.stack([o.detach().double().numpy().reshape(-1) for o in out], axis=1)

    return _pooled(config, x0, n, seed, run)


def captum_smoothgrad(
    *,
    absolute: bool | None = False,
    nt_type: str = "smoothgrad",
    stdevs: str | float | None = None,
    nt_samples: int | None = None,
    batch_size: int | None = None,
    name: str | None = None,
) -> Explainer:
    """captum's NoiseTunnel(Saliency) SmoothGrad, any covariance, as an Explainer.

    Parameters
    ----------
    absolute : bool or None
        Passed to Saliency as ``abs``. ``False`` (correct) explains E[grad f];
        ``None`` leaves captum's default ``abs=True`` (the negative control of
        docs/clients.md: E|grad f|).
    nt_type : {"smoothgrad", "smoothgrad_sq", "vargrad"}
        NoiseTunnel's mode: E[grad f] (correct), E[(grad f)^2] or Var[grad f]
        (negative controls).
    stdevs : "whiten", "per_feature", float or None
        How cov reaches captum's one-float-per-input-tensor ``stdevs``:
        "whiten" (full cov: unit noise on u = L^{-1} x, mapped back by L^{-T});
        "per_feature" (diagonal cov: one input tensor per feature, stdevs
        sqrt(cov_jj); a correlated cov is refused); a float is passed to captum
        as is and cov is ignored (captum's default is 1.0). None (default):
        "whiten" for nt_type="smoothgrad", else "per_feature" (squares and
        variances have no linear map back from whitened coordinates).
    nt_samples : int, optional
        captum's ``nt_samples``; None (default): n. A number: fixed, n ignored
        (captum's default is 5).
    batch_size : int, optional
        ``nt_samples_batch_size`` (the noise depends on it; fixed per explainer).

    Returns
    -------
    Explainer
        With the attribute ``expected_failed_checks`` (check -> reason; empty for
        the defaults).
    """
    _imports()
    stdevs, fixed = _smoothgrad_stdevs(nt_type, stdevs)
    if nt_samples is not None and (isinstance(nt_samples, bool) or int(nt_samples) < 1):
        raise InputError(f"nt_samples must be a positive int, got {nt_samples!r}")
    config = _SmoothGradConfig(absolute, nt_type, stdevs, nt_samples, batch_size)
    explain = functools.partial(_smoothgrad_call, config)
    parts, expected = _smoothgrad_departures(absolute, nt_type, stdevs, fixed, nt_samples)
    e = Explainer(
        explain,
        kind="gradient",
        covariance="diagonal" if stdevs == "per_feature" else "full",
        stochastic=True,
        precision="float32",
        name=name or "captum_smoothgrad" + "".join(f"[{p}]" for p in parts),
    )
    e.expected_failed_checks = {k: "; ".join(v) for k, v in expected.items()}
    return e


def _smoothgrad_stdevs(nt_type: str, stdevs: Any) -> tuple[Any, bool]:
    """The validated ``stdevs`` (its default for ``nt_type``) and whether it is a fixed float."""
    if nt_type not in _NT_TYPES:
        raise InputError(f"nt_type must be one of {_NT_TYPES}, got {nt_type!r}")
    if stdevs is None:
        stdevs = "whiten" if nt_type == "smoothgrad" else "per_feature"
    fixed = not isinstance(stdevs, str)
    if fixed:
        stdevs = float(stdevs)  # captum asserts a Python float
        if not (np.isfinite(stdevs) and stdevs >= 0):
            raise InputError(f"stdevs must be a finite float >= 0, got {stdevs!r}")
    elif stdevs not in ("whiten", "per_feature"):
        raise InputError(f"stdevs must be 'whiten', 'per_feature' or a float, got {stdevs!r}")
    if stdevs == "whiten" and nt_type != "smoothgrad":
        raise InputError(
            f"nt_type={nt_type!r} is not linear in the gradient: whitened coordinates cannot be "
            "mapped back; use stdevs='per_feature' (diagonal cov) or a float"
        )
    return stdevs, fixed


def _smoothgrad_departures(
    absolute: bool | None, nt_type: str, stdevs: Any, fixed: bool, nt_samples: int | None
) -> tuple[list[str], dict[str, list[str]]]:
    """The name parts of the arguments that depart from the conforming configuration, and
    the checks each departure is expected to fail (check -> reasons)."""
    expected: dict[str, list[str]] = {}
    parts = []
    if absolute is not False:
        parts.append("abs=True" if absolute else "abs=default")
    if nt_type != "smoothgrad":
        parts.append(f"nt_type={nt_type}")
    if stdevs != "whiten":
        parts.append(f"stdevs={stdevs}")
    if nt_samples is not None:
        parts.append(f"nt_samples={nt_samples}")
    for given, fails, label in (
        (absolute is not False, _FAILS_ABS, f"abs={absolute}"),
        (nt_type != "smoothgrad", _FAILS_NT_TYPE.get(nt_type, {}), f"nt_type={nt_type!r}"),
        (fixed, _FAILS_FIXED_STDEVS, f"stdevs={stdevs!r}"),
        (nt_samples is not None, _FAILS_NT_SAMPLES, f"nt_samples={nt_samples}"),
    ):
        if given:
            for check, reason in fails.items():
                expected.setdefault(check, []).append(f"{label}: {reason}")
    return parts, expected


def _limebase_call(f: Any, x0: Any, cov: Any, n: int, seed: int) -> np.ndarray:
    """One C-LIME fit by captum's LimeBase (module level, so it pickles)."""
    torch, attr = _imports()
    from captum._utils.models.linear_model import SkLearnLinearRegression

    x0, covariance, n, seed = validated_inputs(f, x0, cov, n, seed)
    if n <= f.dim + 1:
        raise InputError(f"C-LIME needs n >= d + 2 = {f.dim + 2} samples, got n = {n}")
    chol_t = torch.tensor(covariance.cholesky.T, dtype=torch.float32)

    def perturb(original: Any, **kwargs: Any) -> Any:
        return original + torch.randn_like(original) @ chol_t

    lime = attr.LimeBase(
        _torch_model(torch, f),
        interpretable_model=SkLearnLinearRegression(),
        similarity_func=lambda *args, **kwargs: 1.0,
        perturb_func=perturb,
        perturb_interpretable_space=False,
        from_interp_rep_transform=None,
        to_interp_rep_transform=lambda sample, original, **kwargs: sample,
    )
    torch.manual_seed(seed)
    coef = lime.attribute(
        torch.tensor(x0[None, :], dtype=torch.float32),
        n_samples=n,
        perturbations_per_eval=min(n, 512),
    )
    return coef.detach().double().numpy().reshape(-1)


def captum_limebase(*, name: str | None = None) -> Explainer:
    """captum's LimeBase configured as C-LIME (Gaussian perturbations, OLS with intercept).

    LimeBase calls ``perturb_func`` once per sample in a Python loop, so its battery runs
    at the looped samplers' sizes (:data:`._common.LOOPED_SAMPLER_SIZES`: the rate check's
    n up to 1000 instead of 2^16 took 91 s of its 154 s): sizes set a check's power, never
    its false-alarm rate."""
    _imports()
    e = Explainer(
        _limebase_call,
        kind="perturbation",
        covariance="full",
        stochastic=True,
        precision="float32",
        name=name or "captum_limebase",
    )
    e.battery_sizes = LOOPED_SAMPLER_SIZES
    return e


def _lime_call(f: Any, x0: Any, cov: Any, n: int, seed: int) -> np.ndarray:
    """captum's Lime with its defaults (module level, so it pickles)."""
    torch, attr = _imports()
    x0, _, n, seed = validated_inputs(f, x0, cov, n, seed)
    torch.manual_seed(seed)
    lime = attr.Lime(_torch_model(torch, f))
    coef = lime.attribute(torch.tensor(x0[None, :], dtype=torch.float32), n_samples=n)
    return coef.detach().double().numpy().reshape(-1)


def captum_lime(*, name: str | None = None) -> Explainer:
    """captum's ``Lime`` with its defaults: a different method (negative control).

    Declared as what a user would hope it is (C-LIME, full covariance); the
    covariance is ignored by captum's Lime, which perturbs by masking
    features to a zero baseline.
    """
    _imports()
    return Explainer(
        _lime_call,
        kind="perturbation",
        covariance="full",
        stochastic=True,
        precision="float32",
        name=name or "captum_lime[defaults]",
    )

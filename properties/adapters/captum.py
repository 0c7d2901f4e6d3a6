"""captum explainers as conformance-battery explainers (CLIENTS.md, captum section).

* :func:`captum_smoothgrad`: ``NoiseTunnel(Saliency(g)).attribute(u0, nt_type="smoothgrad",
  nt_samples=n, stdevs=1.0, abs=False)``. captum's noise is one scalar standard
  deviation per input tensor, so a full covariance cov = L L^T is handled by
  whitening: explain g(u) = f(L u) at u0 = L^{-1} x0 with unit noise, then map
  back T = L^{-T} SG_u (the chain rule: grad_u g = L^T grad_x f).
* :func:`captum_limebase`: ``LimeBase`` with a Gaussian ``perturb_func`` in input
  space (x0 + L eps), identity interpretable representation, similarity 1 and
  ``SkLearnLinearRegression`` (least squares with intercept): exactly C-LIME.
* :func:`captum_lime`: captum's ``Lime`` with its defaults (Bernoulli masks
  against a zero baseline, cosine kernel, Lasso(alpha=0.01)): a different
  method, kept as a negative control.

torch draws captum's noise from its global generator: each call seeds it with
``torch.manual_seed(seed)``. Model evaluations stay in float64 numpy (f and
f.gradient behind a torch.autograd.Function); captum's noise and linear fit
work in float32, hence ``precision="float32"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from verify.validation import InputError

from ..conformance.explainer import Explainer
from ._common import validated

__all__ = ["captum_lime", "captum_limebase", "captum_smoothgrad"]

_HINT = "captum is not installed: pip install 'xai-verify[captum]' (it pins torch==2.13.0)"


def _imports() -> tuple[Any, Any]:
    try:
        import captum.attr
        import torch
    except ImportError as exc:
        raise ImportError(_HINT) from exc
    return torch, captum.attr


def _torch_model(torch: Any, f: Any, factor: np.ndarray | None = None) -> Any:
    """A torch callable u -> f(u @ factor^T) whose backward is the exact numpy gradient."""

    class _Model(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, u: Any) -> Any:
            x = u.detach().cpu().double().numpy()
            if factor is not None:
                x = x @ factor.T
            grad = f.gradient(x)
            if factor is not None:
                grad = grad @ factor  # chain rule: grad_u = L^T grad_x, row-wise
            ctx.save_for_backward(torch.from_numpy(np.ascontiguousarray(grad)).to(u.dtype))
            return torch.from_numpy(np.asarray(f(x), dtype=float)).to(u.dtype)

        @staticmethod
        def backward(ctx: Any, grad_out: Any) -> Any:
            (grad,) = ctx.saved_tensors
            return grad_out[:, None] * grad

    return _Model.apply


def captum_smoothgrad(
    *, absolute: bool | None = False, batch_size: int | None = None, name: str | None = None
) -> Explainer:
    """captum's NoiseTunnel(Saliency) SmoothGrad, any covariance, as an Explainer.

    Parameters
    ----------
    absolute : bool or None
        Passed to Saliency as ``abs``. ``False`` (correct) explains E[grad f];
        ``None`` leaves captum's default ``abs=True`` (the negative control of
        CLIENTS.md: E|grad f|).
    batch_size : int, optional
        ``nt_samples_batch_size`` (the noise depends on it; fixed per explainer).
    """
    torch, attr = _imports()

    def explain(f: Any, x0: Any, cov: Any, n: int, seed: int) -> np.ndarray:
        x0, cov, n, seed = validated(f, x0, cov, n, seed)
        chol = np.linalg.cholesky(cov)
        u0 = solve_triangular(chol, x0, lower=True)
        tunnel = attr.NoiseTunnel(attr.Saliency(_torch_model(torch, f, chol)))
        kwargs: dict[str, Any] = {} if absolute is None else {"abs": bool(absolute)}
        torch.manual_seed(seed)
        out = tunnel.attribute(
            torch.tensor(u0[None, :], dtype=torch.float32),
            nt_type="smoothgrad",
            nt_samples=n,
            stdevs=1.0,
            nt_samples_batch_size=batch_size,
            **kwargs,
        )
        sg_u = out.detach().double().numpy()[0]
        return solve_triangular(chol.T, sg_u, lower=False)  # T = L^{-T} SG_u

    label = "" if absolute is False else ("[abs=True]" if absolute else "[abs=default]")
    return Explainer(
        explain,
        kind="gradient",
        covariance="full",
        stochastic=True,
        precision="float32",
        name=name or f"captum_smoothgrad{label}",
    )


def captum_limebase(*, name: str | None = None) -> Explainer:
    """captum's LimeBase configured as C-LIME (Gaussian perturbations, OLS with intercept)."""
    torch, attr = _imports()
    from captum._utils.models.linear_model import SkLearnLinearRegression

    def explain(f: Any, x0: Any, cov: Any, n: int, seed: int) -> np.ndarray:
        x0, cov, n, seed = validated(f, x0, cov, n, seed)
        if n <= f.dim + 1:
            raise InputError(f"C-LIME needs n >= d + 2 = {f.dim + 2} samples, got n = {n}")
        chol_t = torch.tensor(np.linalg.cholesky(cov).T, dtype=torch.float32)

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

    return Explainer(
        explain,
        kind="perturbation",
        covariance="full",
        stochastic=True,
        precision="float32",
        name=name or "captum_limebase",
    )


def captum_lime(*, name: str | None = None) -> Explainer:
    """captum's ``Lime`` with its defaults: a different method (negative control).

    Declared as what a user would hope it is (C-LIME, full covariance); the
    covariance is ignored by captum's Lime, which perturbs by masking
    features to a zero baseline.
    """
    torch, attr = _imports()

    def explain(f: Any, x0: Any, cov: Any, n: int, seed: int) -> np.ndarray:
        x0, cov, n, seed = validated(f, x0, cov, n, seed)
        torch.manual_seed(seed)
        lime = attr.Lime(_torch_model(torch, f))
        coef = lime.attribute(torch.tensor(x0[None, :], dtype=torch.float32), n_samples=n)
        return coef.detach().double().numpy().reshape(-1)

    return Explainer(
        explain,
        kind="perturbation",
        covariance="full",
        stochastic=True,
        precision="float32",
        name=name or "captum_lime[defaults]",
    )

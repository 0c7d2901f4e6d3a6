"""The explainer under test and what it declares about itself.

An explainer is a callable ``explain(f, x0, cov, n, seed) -> ndarray (d,)``
returning the explanation of ``f`` at ``x0`` in raw input units, estimated
from ``n`` perturbations drawn under the covariance ``cov`` with the given
``seed``. :class:`Explainer` wraps it with its *tags*: the declarations the
battery uses to choose its checks and to compute the closed form the
explainer must converge to (:func:`expected_explanation`). A missing or
unknown tag is an error that says how to fix it; a tag that contradicts what
the callable does is the user's bug, and the checks say so.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from verify.validation import InputError

__all__ = [
    "COVARIANCES",
    "EXAMPLE_TAGS",
    "KINDS",
    "PRECISIONS",
    "UNITS",
    "Explainer",
    "as_explainer",
    "missing_tags",
    "tag_help",
]

KINDS = ("gradient", "perturbation")
COVARIANCES = ("isotropic", "diagonal", "full")
UNITS = ("raw", "standardized")
PRECISIONS = ("float64", "float32")

_REQUIRED = ("kind", "covariance", "stochastic")
_OPTIONAL = (
    "ridge_alpha",
    "ridge_lambda",
    "kernel_width",
    "units",
    "precision",
    "exact",
    "name",
)
#: Example values of the required tags, for the hints of a missing declaration.
EXAMPLE_TAGS = {"kind": "gradient", "covariance": "full", "stochastic": True}
_TAG_HELP = {
    "kind": "'gradient' (averages grad f, SmoothGrad) or 'perturbation' (fits a surrogate, LIME)",
    "covariance": "the noise it supports: 'isotropic' (sigma^2 I), 'diagonal' or 'full'",
    "stochastic": "True if the output depends on the seed, False if it never does",
    "ridge_alpha": "sklearn Ridge(alpha) on the (weighted) sum of squares, or None",
    "ridge_lambda": "ridge in the mean-loss convention of docs/math.md#lemma-6, or None",
    "kernel_width": "Gaussian kernel weights exp(-d^2 / (2 kw^2)), or None",
    "units": "'raw' or 'standardized': coordinates of the kernel distance and the ridge "
    "penalty ('standardized' = x_j / sqrt(cov_jj), as lime does)",
    "precision": "'float64' or 'float32': arithmetic the explainer works in",
    "exact": "True if the noise is a fixed, scale-equivariant function of (seed, n, cov) and "
    "the estimate is linear in f and exact on affine f (plain averages, least squares on "
    "z = L u, L the Cholesky factor): every identity is then tested call by call only; "
    "False if it holds only in expectation (importance weights, Stein's identity, Sigma^-1 "
    "times a sample covariance, noise seeded per instance, an SVD or eigen square root); "
    "None to let the battery find out",
    "name": "a short name used in reports and test ids",
}
_MISSING = object()


def _fix_it(tag: str) -> str:
    return f"{tag}= {_TAG_HELP[tag]}"


def tag_help(tag: str) -> str:
    """What the tag ``tag`` declares and the values it takes."""
    return _TAG_HELP[tag]


def missing_tags(declared: Mapping[str, Any]) -> list[str]:
    """The required tags (kind, covariance, stochastic) absent from ``declared``."""
    return [t for t in _REQUIRED if t not in declared]


def _choice(tag: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(
            f"unknown {tag}={value!r}; declare one of {', '.join(map(repr, allowed))} "
            f"({_TAG_HELP[tag]})"
        )
    return str(value)


def _optional_number(tag: str, value: Any, positive: bool) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{tag} must be a number or None, got {value!r}") from None
    if not np.isfinite(v) or v < 0 or (positive and v == 0):
        bound = "> 0" if positive else ">= 0"
        raise InputError(f"{tag} must be finite and {bound}, got {value!r}; {_fix_it(tag)}")
    return v


class Explainer:
    """An explanation method with its declared capabilities (tags).

    Parameters
    ----------
    explain : callable
        ``explain(f, x0, cov, n, seed) -> ndarray (d,)`` in raw input units;
        ``f`` is a :class:`verify.functions.Function` (numpy values, ``f.gradient``).
    kind : {"gradient", "perturbation"}
        Averages gradients (SmoothGrad) or fits a linear surrogate (C-LIME, LIME).
    covariance : {"isotropic", "diagonal", "full"}
        The noise covariances it supports. It must *refuse* (raise ValueError)
        the ones it does not support rather than silently ignore them.
    stochastic : bool
        Whether the output depends on the seed.
    ridge_alpha : float, optional
        sklearn ``Ridge(alpha)`` on the (kernel-weighted) sum of squares; the
        effective mean-loss penalty is alpha / sum_i pi_i, about alpha / (n E[pi]).
    ridge_lambda : float, optional
        Ridge penalty lambda in the mean-loss convention of docs/math.md#lemma-6.
    kernel_width : float, optional
        Gaussian kernel weights exp(-||d||^2 / (2 kw^2)) on the surrogate's loss.
    units : {"raw", "standardized"}
        Coordinates in which the kernel distance and the ridge penalty are
        measured: raw inputs, or x_j / sqrt(cov_jj) (lime's StandardScaler).
    precision : {"float64", "float32"}
        Working precision; sets the tolerance of the exact identities, the
        largest condition number and the farthest point the battery draws.
    exact : bool or None
        ``True`` promises: the noise is a fixed function of (seed, n, cov) -- the
        same offsets for the same seed, n and cov whatever x0 and f -- that is
        scale-equivariant (c^2 cov gives c times the offsets, as z = L u with the
        Cholesky factor L does), and the estimate is linear in f and exact on an
        affine f (plain averages, least squares). The affine, small-sigma,
        single-index, linearity, translation and scale identities then hold call by
        call, and the battery tests them call by call only. ``False``: they hold
        in expectation only (importance weights, Stein's identity, Sigma^-1 times a
        sample covariance, noise seeded per instance, numpy's
        ``multivariate_normal`` (an SVD factor) or an eigen square root). ``None``
        (default): the battery tests each identity call by call and, where it
        fails for a stochastic explainer, takes a second look in expectation over
        R adjacent seeds (:mod:`properties.conformance.second_look`); a pass that
        needed it is counted in the check's ``second_looks``. A deterministic
        explainer gets no second look (it has no seeds to average over).
    name : str, optional
        Used in reports and pytest ids (default: the callable's name).

    Raises
    ------
    InputError
        For a missing or unknown tag or an impossible combination, with a
        message that says how to fix it.

    Examples
    --------
    >>> from verify import estimators
    >>> e = Explainer(estimators.smoothgrad, kind="gradient", covariance="full",
    ...               stochastic=True)
    >>> e.kind
    'gradient'
    """

    def __init__(
        self,
        explain: Callable[..., Any],
        *,
        kind: Any = _MISSING,
        covariance: Any = _MISSING,
        stochastic: Any = _MISSING,
        ridge_alpha: float | None = None,
        ridge_lambda: float | None = None,
        kernel_width: float | None = None,
        units: str = "raw",
        precision: str = "float64",
        exact: bool | None = None,
        name: str | None = None,
        **unknown: Any,
    ):
        if isinstance(explain, Explainer):
            raise InputError("explain is already an Explainer; pass it directly")
        if not callable(explain):
            raise InputError(
                f"explain must be a callable explain(f, x0, cov, n, seed), got "
                f"{type(explain).__name__}"
            )
        if unknown:
            msgs = []
            for tag in unknown:
                close = difflib.get_close_matches(tag, _REQUIRED + _OPTIONAL, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                msgs.append(f"unknown tag {tag!r}{hint}")
            raise InputError("; ".join(msgs) + f". Valid tags: {', '.join(_REQUIRED + _OPTIONAL)}")
        given = {"kind": kind, "covariance": covariance, "stochastic": stochastic}
        missing = [t for t, v in given.items() if v is _MISSING]
        if missing:
            raise InputError(
                "missing tag(s) "
                + ", ".join(missing)
                + ": declare "
                + "; ".join(_fix_it(t) for t in missing)
                + ", e.g. Explainer(explain, kind='gradient', covariance='full', stochastic=True)"
            )
        self.explain = explain
        self.kind = _choice("kind", kind, KINDS)
        self.covariance = _choice("covariance", covariance, COVARIANCES)
        if not isinstance(stochastic, bool | np.bool_):
            raise InputError(f"stochastic must be True or False, got {stochastic!r}")
        self.stochastic = bool(stochastic)
        self.ridge_alpha = _optional_number("ridge_alpha", ridge_alpha, positive=False)
        self.ridge_lambda = _optional_number("ridge_lambda", ridge_lambda, positive=False)
        self.kernel_width = _optional_number("kernel_width", kernel_width, positive=True)
        self.units = _choice("units", units, UNITS)
        self.precision = _choice("precision", precision, PRECISIONS)
        if exact is not None and not isinstance(exact, bool | np.bool_):
            raise InputError(
                f"exact must be True, False or None, got {exact!r}; {_fix_it('exact')}"
            )
        self.exact = None if exact is None else bool(exact)
        if self.ridge_alpha is not None and self.ridge_lambda is not None:
            raise InputError(
                "declare the ridge once: ridge_alpha (sklearn's sum-of-squares alpha) or "
                "ridge_lambda (mean-loss lambda), not both"
            )
        if self.kind == "gradient" and (
            self.ridge_alpha is not None
            or self.ridge_lambda is not None
            or self.kernel_width is not None
        ):
            raise InputError(
                "a gradient explainer has no ridge or kernel; drop ridge_*/kernel_width or "
                "declare kind='perturbation'"
            )
        if self.units == "standardized" and self.covariance == "full":
            raise InputError(
                "units='standardized' (per-feature scaling, as lime) is defined for "
                "covariance='diagonal' or 'isotropic' only"
            )
        self.name = str(name) if name else getattr(explain, "__name__", type(explain).__name__)

    # -- behaviour ----------------------------------------------------------------
    def __call__(self, f: Any, x0: Any, cov: Any, n: int, seed: int) -> Any:
        """Call the wrapped explainer (no conversion: the checks inspect its raw output)."""
        return self.explain(f, x0, cov, n, seed)

    @property
    def tags(self) -> dict[str, Any]:
        """All declared tags, JSON-serialisable."""
        return {
            "kind": self.kind,
            "covariance": self.covariance,
            "stochastic": self.stochastic,
            "ridge_alpha": self.ridge_alpha,
            "ridge_lambda": self.ridge_lambda,
            "kernel_width": self.kernel_width,
            "units": self.units,
            "precision": self.precision,
            "exact": self.exact,
            "name": self.name,
        }

    @property
    def has_ridge(self) -> bool:
        return bool(self.ridge_alpha) or bool(self.ridge_lambda)

    @property
    def exact_rtol(self) -> float:
        """Relative tolerance of identities that hold exactly in exact arithmetic."""
        return 1e-7 if self.precision == "float64" else 2e-3

    @property
    def eps(self) -> float:
        """Machine epsilon of the declared precision."""
        return float(np.finfo(np.float64 if self.precision == "float64" else np.float32).eps)

    def supports(self, structure: str) -> bool:
        """Whether a covariance of this structure ('isotropic', 'diagonal', 'full') is declared."""
        return COVARIANCES.index(structure) <= COVARIANCES.index(self.covariance)

    def __repr__(self) -> str:
        extra = ", ".join(
            f"{k}={v!r}"
            for k, v in self.tags.items()
            if k not in ("name", "kind", "covariance", "stochastic")
            and v not in (None, "raw", "float64")
        )
        return (
            f"Explainer({self.name}, kind={self.kind!r}, covariance={self.covariance!r}, "
            f"stochastic={self.stochastic}{', ' + extra if extra else ''})"
        )


def as_explainer(obj: Any, tags: Mapping[str, Any] | None = None) -> Explainer:
    """Turn ``obj`` into an :class:`Explainer`.

    ``obj`` may be an Explainer (returned as is; ``tags`` must then be empty),
    a callable with a ``__explainer_tags__`` mapping, or a plain callable with
    the tags given here.
    """
    if isinstance(obj, Explainer):
        if tags:
            raise InputError("tags were given for an object that is already an Explainer")
        return obj
    declared = dict(getattr(obj, "__explainer_tags__", {}) or {})
    declared.update(tags or {})
    return Explainer(obj, **declared)

"""The explainer under test and what it declares about itself.

An explainer is a callable ``explain(f, x, reference, n, seed) -> ndarray (d,)``
whose signature its *kind* fixes (:mod:`properties.conformance.kinds`): the noise
kinds (``gradient``, ``perturbation``) are called ``explain(f, x0, cov, n, seed)``
and return the explanation of ``f`` at ``x0`` in raw input units, estimated from
``n`` perturbations drawn under the covariance ``cov`` with the given ``seed``.
:class:`Explainer` wraps it with its *tags*: the declarations the battery uses to
choose its checks and to compute the closed form the explainer must converge to
(:func:`~properties.conformance.targets.expected_explanation`). Every kind has the
tags ``kind``, ``stochastic``, ``precision`` and ``name``; the rest are the kind's
own. A missing or unknown tag is an error that says how to fix it; a tag that
contradicts what the callable does is the user's bug, and the checks say so.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from verify.validation import InputError

from .kinds.base import Kind, choice, flag
from .kinds.noise_tags import COVARIANCES
from .kinds.registry import KINDS, get_kind
from .tolerances import working_precision

__all__ = [
    "EXAMPLE_TAGS",
    "PRECISIONS",
    "Explainer",
    "as_explainer",
    "missing_tags",
    "tag_help",
]

PRECISIONS = ("float64", "float32")

#: Every kind's tags (the kind's own follow, from its module).
_COMMON = ("kind", "stochastic", "precision", "name")
_COMMON_HELP = {
    "kind": "what it computes: " + "; ".join(f"{k!r} ({kind.help})" for k, kind in KINDS.items()),
    "stochastic": "True if the output depends on the seed, False if it never does",
    "precision": "'float64' or 'float32': arithmetic the explainer works in",
    "name": "a short name used in reports and test ids",
}
_PARSE_STOCHASTIC = flag(optional=False, help=_COMMON_HELP["stochastic"])
_PARSE_PRECISION = choice(*PRECISIONS, help=_COMMON_HELP["precision"])
#: Example values of the required tags, for the hints of a missing declaration.
EXAMPLE_TAGS = {"kind": "gradient", "covariance": "full", "stochastic": True}
_MISSING = object()


def _kind_tags() -> dict[str, str]:
    """Every kind's own tags with their help (the first kind declaring a tag wins)."""
    out: dict[str, str] = {}
    for kind in KINDS.values():
        for tag, spec in kind.tags.items():
            out.setdefault(tag, spec.help)
    return out


def _example_call(kind: Kind | None) -> str:
    """A complete declaration of ``kind`` (the gradient kind's when none is known)."""
    kind = kind or KINDS["gradient"]
    required = "".join(f", {t}={spec.example!r}" for t, spec in kind.tags.items() if spec.required)
    return f"Explainer(explain, kind={kind.name!r}{required}, stochastic=True)"


def tag_help(tag: str) -> str:
    """What the tag ``tag`` declares and the values it takes."""
    return _COMMON_HELP.get(tag) or _kind_tags()[tag]


def missing_tags(declared: Mapping[str, Any]) -> list[str]:
    """The required tags absent from ``declared`` (the noise kinds' when no kind is given)."""
    name = declared.get("kind", "gradient")
    kind = KINDS.get(name, KINDS["gradient"]) if isinstance(name, str) else KINDS["gradient"]
    required = ["kind", *(t for t, spec in kind.tags.items() if spec.required), "stochastic"]
    return [t for t in required if t not in declared]


class Explainer:
    """An explanation method with its declared capabilities (tags).

    Parameters
    ----------
    explain : callable
        ``explain(f, x0, cov, n, seed) -> ndarray (d,)`` in raw input units for the
        noise kinds, ``explain(f, x, reference, n, seed)`` for the kinds that take a
        baseline or background; ``f`` is a :class:`verify.functions.Function` (numpy
        values, ``f.gradient``).
    kind : str
        A registered kind (:data:`properties.conformance.kinds.KINDS`): ``"gradient"``
        averages gradients (SmoothGrad), ``"perturbation"`` fits a linear surrogate
        (C-LIME, LIME); the attribution family's kinds (``"integrated_gradients"``,
        ``"gradient_x_input"``, ``"occlusion"``, ``"shapley"``, ``"banzhaf"``,
        ``"lime_binary"``) declare their own tags in their modules. The tags below
        from ``covariance`` to ``exact`` are the two noise kinds'.
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
        stochastic: Any = _MISSING,
        precision: str = "float64",
        name: str | None = None,
        **tags: Any,
    ):
        if isinstance(explain, Explainer):
            raise InputError("explain is already an Explainer; pass it directly")
        if not callable(explain):
            raise InputError(
                "explain must be a callable explain(f, x0, cov, n, seed) (or, for a kind with "
                f"a reference, explain(f, x, reference, n, seed)), got {type(explain).__name__}"
            )
        known = KINDS.get(kind) if isinstance(kind, str) else None
        unknown = [t for t in tags if t not in (known.tags if known else _kind_tags())]
        if unknown:
            raise InputError(self._unknown_tags(unknown, known))
        if kind is not _MISSING:
            get_kind(kind)  # an unknown kind is named before the tags it would need
        declared = {
            **tags,
            **{t: v for t, v in (("kind", kind), ("stochastic", stochastic)) if v is not _MISSING},
        }
        missing = missing_tags(declared)
        if missing:
            raise InputError(
                "missing tag(s) "
                + ", ".join(missing)
                + ": declare "
                + "; ".join(f"{t}= {tag_help(t)}" for t in missing)
                + f", e.g. {_example_call(known)}"
            )
        spec = get_kind(kind)
        self.explain = explain
        self.kind = spec.name
        self.stochastic = _PARSE_STOCHASTIC("stochastic", stochastic)
        self._own_tags = spec.parse_tags(tags)
        self.precision = _PARSE_PRECISION("precision", precision)
        for tag, value in self._own_tags.items():
            setattr(self, tag, value)
        self.name = str(name) if name else getattr(explain, "__name__", type(explain).__name__)

    @staticmethod
    def _unknown_tags(unknown: list[str], spec: Kind | None) -> str:
        valid = (*_COMMON, *(spec.tags if spec else _kind_tags()))
        msgs = []
        for tag in unknown:
            close = difflib.get_close_matches(tag, valid, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            other = [k for k, kind in KINDS.items() if tag in kind.tags]
            if other and not close:
                hint = f"; {tag!r} is a tag of kind={other[0]!r}"
            msgs.append(f"unknown tag {tag!r}{hint}")
        of = f" of kind={spec.name!r}" if spec else ""
        return "; ".join(msgs) + f". Valid tags{of}: {', '.join(valid)}"

    # -- behaviour ----------------------------------------------------------------
    @property
    def kind_spec(self) -> Kind:
        """The registered :class:`~properties.conformance.kinds.Kind` (looked up by name, so
        an Explainer pickles as its callable and tags)."""
        return KINDS[self.kind]

    def __call__(self, f: Any, x: Any, reference: Any, n: int, seed: int) -> Any:
        """Call the wrapped explainer (no conversion: the checks inspect its raw output).

        ``reference`` is the covariance for the noise kinds, a baseline or background
        for the kinds that take one (:attr:`Kind.reference`).
        """
        return self.explain(f, x, reference, n, seed)

    def target(self, f: Any, x: Any, reference: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The engine's closed form this explainer must compute, and its error bar."""
        return self.kind_spec.target(self, f, x, reference, n)

    @property
    def tags(self) -> dict[str, Any]:
        """All declared tags, JSON-serialisable."""
        return {
            "kind": self.kind,
            "stochastic": self.stochastic,
            **self._own_tags,
            "precision": self.precision,
            "name": self.name,
        }

    @property
    def has_ridge(self) -> bool:
        return bool(self.ridge_alpha) or bool(self.ridge_lambda)

    @property
    def exact_rtol(self) -> float:
        """Relative tolerance of identities that hold exactly in exact arithmetic."""
        return working_precision(self.precision)[0]

    @property
    def eps(self) -> float:
        """Machine epsilon of the declared precision."""
        return working_precision(self.precision)[1]

    def supports(self, structure: str) -> bool:
        """Whether a covariance of this structure ('isotropic', 'diagonal', 'full') is declared.

        For the noise kinds (which declare ``covariance``) only.
        """
        return COVARIANCES.index(structure) <= COVARIANCES.index(self.covariance)

    def __repr__(self) -> str:
        required = [t for t, spec in self.kind_spec.tags.items() if spec.required]
        head = ", ".join(f"{t}={self._own_tags[t]!r}" for t in required)
        extra = ", ".join(
            f"{k}={v!r}"
            for k, v in self.tags.items()
            if k not in ("name", "kind", "stochastic", *required)
            and v not in (None, "raw", "float64")
        )
        return (
            f"Explainer({self.name}, kind={self.kind!r}{', ' + head if head else ''}, "
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

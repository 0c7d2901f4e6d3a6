"""The problems of the reference kinds' checks, and their tolerance by precision.

:class:`AttributionProblem` and :func:`attribution_problems` are the Hypothesis strategy of
the problems every reference-kind check searches (:mod:`.attribution_contract` re-exports
them): d, n, the offset of the problem from the origin (up to 10^4 feature scales in
float64, 10^3 in float32), the feature scale (10^-3 to 10^3), the function family, the
reference (a baseline point, or background rows with weights) and the explainer seed;
values built, never filtered, shrinking to d = 1, the smallest n, scale 1, the origin and
a baseline. :func:`attribution_tolerance` is the tolerance of an exact identity by the
declared precision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from properties.strategies import battery as SB
from verify.attribution import Background, Baseline
from verify.functions import Function, Polynomial, Translated

from .common import fmt
from .tolerances import exact_tolerance

__all__ = [
    "FAMILIES",
    "RTOL",
    "AttributionProblem",
    "attribution_problems",
    "attribution_tolerance",
    "polynomial",
    "problem_scale",
]

#: Working precision of an exact identity per declared precision (relative to the scale of
#: the quantities combined); the rounding of far offsets is added by exact_tolerance.
RTOL = {"float64": 1e-10, "float32": 1e-4}
_EPS = {"float64": float(np.finfo(np.float64).eps), "float32": float(np.finfo(np.float32).eps)}
#: Families of :func:`attribution_problems`: the battery's closed-form families, and
#: polynomials of a given degree (``"poly<k>"``) built by :func:`polynomial`.
FAMILIES = ("rbf", "sine", "cubic", "probit")


@dataclass(frozen=True)
class AttributionProblem:
    """One drawn problem: attribute ``f`` at ``x`` against ``reference`` with ``n`` steps.

    ``distance`` is |centre| / scale, how far the problem sits from the origin in units of
    the feature scale ``scale`` (f varies on that scale around its centre, where x and the
    reference lie).
    """

    f: Function
    x: np.ndarray
    reference: Baseline | Background
    n: int
    seed: int
    family: str
    distance: float
    scale: float
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def d(self) -> int:
        return int(self.x.shape[0])

    @property
    def rows(self) -> np.ndarray:
        """The reference as rows: (1, d) for a baseline."""
        ref = self.reference
        return ref.point[None, :] if isinstance(ref, Baseline) else ref.rows

    def key(self) -> str:
        return SB.fingerprint(
            (self.f, self.x, self.rows, self.n, self.seed, self.family, self.extras)
        )

    def describe(self) -> str:
        extras = "".join(f", {k}={SB._short(v)}" for k, v in self.extras.items())
        return (
            f"d={self.d}, n={self.n}, x={fmt(self.x)}, reference {self.reference!r} "
            f"{fmt(self.rows[0]) if self.rows.shape[0] == 1 else ''}, feature scale "
            f"{self.scale:.3g}, centre at {self.distance:.3g} scales from the origin, "
            f"f = {self.family} {self.f!r}, explainer seed {self.seed}{extras}"
        )


def polynomial(rng: np.random.Generator, d: int, scale: float, degree: int) -> Polynomial:
    """A polynomial of exactly ``degree`` in u = x / scale: every pure power up to it with
    both signs, and up to two mixed terms (coefficients of size 1 in units of the scale)."""
    terms: dict[tuple[int, ...], float] = {(0,) * d: float(rng.uniform(-1, 1))}
    for j in range(d):
        for p in range(1, degree + 1):
            e = [0] * d
            e[j] = p
            terms[tuple(e)] = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.0)) / scale**p
    for _ in range(min(2, d - 1) if degree >= 2 else 0):
        i, j = rng.choice(d, size=2, replace=False)
        e = [0] * d
        e[i], e[j] = 1, int(rng.integers(1, degree))
        terms[tuple(e)] = float(rng.uniform(-0.5, 0.5)) / scale ** (1 + e[j])
    return Polynomial(terms)


def _function(rng: np.random.Generator, d: int, scale: float, family: str) -> Function:
    if family.startswith("poly"):
        return polynomial(rng, d, scale, int(family[4:]))
    return SB.local_function(rng, d, scale, family)


@st.composite
def attribution_problems(
    draw: st.DrawFn,
    *,
    references: Sequence[str] = ("baseline",),
    precision: str = "float64",
    max_dim: int = 8,
    min_dim: int = 1,
    n_range: tuple[int, int] = (1, 512),
    families: Sequence[str] = FAMILIES,
    far: bool = True,
    max_rows: int = 5,
    min_rows: int = 1,
    spread: float = 1.0,
    scales: tuple[int, int] = (-3, 3),
    degree: Callable[[int], int] | None = None,
) -> AttributionProblem:
    """A whole problem (f, x, reference, n, seed) of a reference-kind check.

    Drawn in shrinking order: d, n (log-uniform over ``n_range``), the reference type
    (baseline first), the scale 10^k with k in ``scales`` (scale 1 first), the distance of
    the centre from the origin (:func:`properties.strategies.battery.draw_distance`), then one
    integer driving the details (family, coefficients, x and the reference, within
    ``spread`` feature scales of the centre; background rows ``min_rows`` to ``max_rows``
    with weights) and the explainer seed. ``degree(n)``, if given, makes f a polynomial of
    that degree (``"poly<k>"``) instead of one of ``families``.
    """
    d = draw(SB.dimensions(max_dim, min_dim))
    n = SB.draw_size(draw, *n_range)
    kind = references[draw(st.integers(0, len(references) - 1))]
    band = draw(st.integers(*scales))
    scale = float(10.0**band)
    distance = SB.draw_distance(draw, SB.FAR[precision]) if far else 0.0
    detail = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(detail)
    family = families[detail % len(families)] if degree is None else f"poly{degree(n)}"
    u = rng.normal(size=d)
    centre = distance * scale * u / np.linalg.norm(u) if distance else np.zeros(d)
    f = _function(rng, d, scale, family)
    if distance:
        f = Translated(f, -centre)
    x = centre + spread * scale * rng.uniform(-1, 1, size=d)
    if kind == "baseline":
        reference: Baseline | Background = Baseline(centre + spread * scale * rng.uniform(-1, 1, d))
    else:
        k = int(rng.integers(min_rows, max(min_rows, max_rows) + 1))
        rows = centre + spread * scale * rng.uniform(-1, 1, size=(k, d))
        weights = None if rng.integers(2) else rng.uniform(0.2, 1.0, size=k)
        reference = Background(rows, weights)
    seed = draw(SB.explainer_seeds())
    return AttributionProblem(f, x, reference, n, seed, family, distance, scale)


def attribution_tolerance(precision: str, scale: float, distance: float = 0.0) -> float:
    """Absolute tolerance of an exact identity between attributions of size ``scale``.

    ``RTOL[precision]`` (1e-10 in float64, where a correct numpy rule on n <= 2**12 nodes
    rounds at n eps ~ 1e-12; 1e-4 in float32) plus 16 eps (1 + distance): the rounding of
    points ``distance`` feature scales from the origin (x − b loses eps |x| / |x − b|).
    """
    if precision not in RTOL:
        raise ValueError(f"precision must be one of {list(RTOL)}, got {precision!r}")
    return exact_tolerance(RTOL[precision], _EPS[precision], max(scale, 1e-300), distance)


def problem_scale(p: AttributionProblem, *arrays: np.ndarray) -> float:
    """The size of what an attribution combines on ``p``: |f| at x and the reference,
    |x − b| |∇f| at both ends, and the ``arrays`` given (targets, outputs)."""
    X = np.vstack([p.x[None, :], p.rows])
    values = np.abs(p.f(X))
    grads = np.abs(p.f.gradient(X))
    reach = np.max(np.abs(p.x - p.rows))
    sizes = [float(np.max(values)), float(reach * np.max(grads))]
    sizes += [float(np.max(np.abs(a))) for a in arrays if np.size(a)]
    return max(sizes)

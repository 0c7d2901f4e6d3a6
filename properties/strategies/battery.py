"""Strategies of the conformance battery: the problems a user's explainer meets.

Every check of :mod:`properties.conformance` draws its problems from here, as a
seeded Hypothesis search, over the whole space: dimensions 1 to 8, sample sizes
from a handful to tens of thousands (odd, even and prime), points far from the
origin relative to the noise, covariances up to the condition number the
declared precision allows, and blocks of adjacent explainer seeds.

Values are built, never filtered, and shrink to the simplest case: d = 1, the
smallest n, Sigma = I (condition 1), x0 at the origin, explainer seed 0. A
function is built *around* its point (``Translated``), so a far point moves the
coordinates, not the shape of the problem: the closed form stays exact and the
only thing that changes is the arithmetic an explainer does on large numbers.

Import this module directly (it is not re-exported by :mod:`properties.strategies`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verify.covariance import Covariance
from verify.functions import Function, Polynomial, RBFMixture, RidgeFunction, Translated
from verify.validation import InputError

from .matrices import bounded_floats

__all__ = [
    "FAMILIES",
    "FAR",
    "MAX_CONDITION",
    "SEED_SPAN",
    "Case",
    "cases",
    "dimensions",
    "distances",
    "draw_distance",
    "draw_size",
    "explainer_seeds",
    "fingerprint",
    "integer_cases",
    "large_primes",
    "local_function",
    "noise_covariances",
    "sample_sizes",
]

#: Largest condition number of a drawn covariance, per declared precision: cond * eps
#: stays far below the exact checks' tolerances.
MAX_CONDITION = {"float64": 1e6, "float32": 1e3}
#: Largest distance |x0| / sqrt(lambda_max(cov)) of a drawn point, per declared precision.
FAR = {"float64": 1e4, "float32": 1e3}
#: Explainer seeds stay below 2**31 - SEED_SPAN, so a block of adjacent seeds fits in 31 bits.
SEED_SPAN = 4096
_SEEDS32 = st.integers(0, 2**32 - 1)
#: Function families with exact closed forms, in shrinking order.
FAMILIES = ("rbf", "sine", "cubic", "probit")
#: The battery's large n: primes between 2**15 and 2**16, a multiple of no power-of-two
#: chunk, batch or quasi-random block size (where chunked loops, n-dependent RNG paths
#: and noise caches, and rules that round n to a power of two go wrong).
LARGE_N = (2**15, 2**16)


@dataclass(frozen=True)
class Case:
    """One drawn problem: explain ``f`` at ``x0`` under N(x0, ``cov``) with ``n`` draws.

    Attributes
    ----------
    f : Function
        Built around ``x0`` (its features sit at distance about sqrt(lambda_max) of x0).
    x0 : ndarray, shape (d,)
    cov : ndarray, shape (d, d)
    n : int
    seed : int
        The first explainer seed; replicates use seed, seed + 1, ... (adjacent seeds).
    family : str
    distance : float
        |x0| / sqrt(lambda_max(cov)): how far the point is from the origin.
    extras : dict
        What a particular check draws besides (a shift, a factor, a second function).
    """

    f: Function
    x0: np.ndarray
    cov: np.ndarray
    n: int
    seed: int
    family: str
    distance: float
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def d(self) -> int:
        return int(self.x0.shape[0])

    @cached_property
    def covariance(self) -> Covariance:
        """``cov`` validated and factorised once for the whole problem (its spectrum, factor
        and condition number); the explainer is still called with the array ``cov``."""
        return Covariance(self.cov)

    @property
    def condition(self) -> float:
        return self.covariance.condition_number

    def replace(self, **changes: Any) -> Case:
        """A copy with ``changes`` (fields); the validated covariance carries over when
        ``cov`` is not among them (the factorisation is not repeated)."""
        out = dataclasses.replace(self, **changes)
        held = "cov" not in changes and "covariance" in self.__dict__
        return out.holding(self.covariance) if held else out

    def holding(self, covariance: Covariance) -> Case:
        """This case, holding ``covariance`` (built from its ``cov``) as its own."""
        self.__dict__["covariance"] = covariance
        return self

    @property
    def structure(self) -> str:
        off = self.cov - np.diag(np.diag(self.cov))
        if np.any(off != 0):
            return "full"
        return "isotropic" if np.all(np.diag(self.cov) == self.cov[0, 0]) else "diagonal"

    def key(self) -> str:
        """Identifies the case exactly (the search memoises verdicts by it)."""
        return fingerprint(
            (self.x0, self.cov, self.n, self.seed, self.f, self.family, self.distance, self.extras)
        )

    def describe(self) -> str:
        """A short account: d, n, the covariance, the distance, f, the seeds."""
        eig = self.covariance.eigenvalues
        cov = (
            f"{self.structure} cov, condition {eig[-1] / eig[0]:.3g}, "
            f"eigenvalues {eig[0]:.3g}..{eig[-1]:.3g}"
        )
        extras = "".join(f", {k}={_short(v)}" for k, v in self.extras.items())
        return (
            f"d={self.d}, n={self.n}, {cov}, x0 at {self.distance:.3g} sigma from the origin "
            f"(|x0| = {np.linalg.norm(self.x0):.3g}), f = {self.family} {self.f!r}, explainer "
            f"seed {self.seed}{extras}"
        )


def fingerprint(value: Any) -> str:
    """A digest of a value made of arrays, numbers, strings, containers and Functions."""
    digest = hashlib.sha1()

    def feed(v: Any) -> None:
        if isinstance(v, np.ndarray):
            digest.update(f"a{v.dtype}{v.shape}".encode() + np.ascontiguousarray(v).tobytes())
        elif isinstance(v, bool | int | float | str | np.number) or v is None:
            digest.update(f"{type(v).__name__}:{v!r};".encode())
        elif isinstance(v, dict):
            digest.update(b"{")
            for k in sorted(v, key=repr):
                feed(k)
                feed(v[k])
            digest.update(b"}")
        elif isinstance(v, list | tuple):
            digest.update(b"(")
            for item in v:
                feed(item)
            digest.update(b")")
        elif callable(v) and not hasattr(v, "__dict__"):
            digest.update(getattr(v, "__qualname__", repr(v)).encode())
        elif hasattr(v, "__dict__"):
            digest.update(type(v).__qualname__.encode())
            feed({k: x for k, x in vars(v).items() if not callable(x) or hasattr(x, "__dict__")})
        else:
            digest.update(repr(v).encode())

    feed(value)
    return digest.hexdigest()


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(f"{v:.4g}" for v in value.ravel()[:10]) + "]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return repr(value) if not isinstance(value, Function) else type(value).__name__


def _once(factory: Any) -> Any:
    """Build each strategy once per argument tuple: Hypothesis validates (and labels) a new
    strategy object at its first draw, which costs more than the draw itself."""
    return functools.lru_cache(maxsize=256)(factory)


@_once
def dimensions(max_dim: int = 8, min_dim: int = 1) -> st.SearchStrategy[int]:
    """d in [min_dim, max_dim], shrinking to min_dim."""
    if not 1 <= min_dim <= max_dim:
        raise InputError(f"need 1 <= min_dim <= max_dim, got {min_dim}, {max_dim}")
    return st.integers(min_dim, max_dim)


def draw_size(draw: st.DrawFn, lo: int, hi: int) -> int:
    """n log-uniform over the octaves of [lo, hi]: an octave, then n in it (integers both,
    so a failure shrinks to the smallest failing n, odd or even, exactly)."""
    octaves = max(0, math.floor(math.log2(hi / lo)))
    k = draw(_ints(0, octaves))
    start = lo * 2**k
    return int(draw(_ints(start, min(hi, 2 * start - 1) if k < octaves else hi)))


def draw_distance(draw: st.DrawFn, far: float) -> float:
    """|x0| / sigma: 0 (one regime in eight, the shrink target), else log-uniform from 0.1 to
    ``far`` in seven bands; a band is an integer draw, so every band is met evenly."""
    band = draw(_ints(0, 7))
    if band == 0:
        return 0.0
    width = (math.log10(far) + 1.0) / 7
    return float(10.0 ** (-1.0 + width * (band - 1 + draw(_UNIT))))


_UNIT = bounded_floats(0.0, 1.0)
_BOOLEANS = st.booleans()
_floats = _once(bounded_floats)
_ints = _once(st.integers)


@_once
def sample_sizes(lo: int, hi: int) -> st.SearchStrategy[int]:
    """n log-uniform over [lo, hi] (odd, even and prime alike); shrinks to lo."""
    if not 1 <= lo <= hi:
        raise InputError(f"need 1 <= lo <= hi for sample sizes, got {lo}, {hi}")

    @st.composite
    def sizes(draw: st.DrawFn) -> int:
        return draw_size(draw, lo, hi)

    return sizes()


@functools.lru_cache(maxsize=8)
def primes_between(lo: int, hi: int) -> tuple[int, ...]:
    """Every prime p with lo <= p <= hi (a sieve)."""
    if not 2 <= lo <= hi:
        raise InputError(f"need 2 <= lo <= hi for primes, got {lo}, {hi}")
    sieve = np.ones(hi + 1, dtype=bool)
    sieve[:2] = False
    for p in range(2, math.isqrt(hi) + 1):
        if sieve[p]:
            sieve[p * p :: p] = False
    return tuple(int(p) for p in np.flatnonzero(sieve[lo:]) + lo)


@_once
def large_primes(lo: int = LARGE_N[0], hi: int = LARGE_N[1]) -> st.SearchStrategy[int]:
    """A prime n in [lo, hi] (default: between 2**15 and 2**16); shrinks to the smallest."""
    return st.sampled_from(primes_between(lo, hi))


@_once
def distances(far: float = 1e4) -> st.SearchStrategy[float]:
    """|x0| / sigma: at the origin, or from 0.1 sigma to ``far`` (see :func:`draw_distance`)."""

    @st.composite
    def build(draw: st.DrawFn) -> float:
        return draw_distance(draw, far)

    return build()


@_once
def explainer_seeds(span: int = SEED_SPAN) -> st.SearchStrategy[int]:
    """The first of a block of adjacent explainer seeds (shrinks to 0)."""
    return st.integers(0, 2**31 - 1 - span)


@_once
def noise_covariances(
    d: int,
    structure: str,
    precision: str = "float64",
    min_condition: float = 1.0,
    max_eigenvalue: float = 1e4,
    mixed: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """Covariances of the given structure, eigenvalues in [1e-4, ``max_eigenvalue``], as
    ill-conditioned as the declared precision allows.

    Built from log10(cond) and log10(lambda_min) (floats that shrink to 0: the identity),
    then, for a full covariance, a flag (shrinks to "axis-aligned") and a Haar rotation
    from a drawn integer. Five draws whatever d: cheap enough to draw for every problem
    of every check. ``mixed=True`` (full covariances) turns every draw by the fixed
    reflection H = I - 2 v v^T / |v|^2, v = (1, 2, ..., d), so that even the
    axis-aligned draws the shrinker prefers correlate every pair of features.
    """
    bounds = _condition_bounds(d, structure, precision, min_condition, max_eigenvalue)
    mix = _mixing(d) if mixed and structure == "full" else None

    @st.composite
    def build(draw: st.DrawFn) -> np.ndarray:
        return _draw_covariance(
            draw, d, structure, bounds, mix, np.random.default_rng(draw(_SEEDS32))
        )

    return build()


def _condition_bounds(
    d: int, structure: str, precision: str, min_condition: float, max_eigenvalue: float
) -> tuple[float, float, float, float]:
    """(lo, hi) of log10 eigenvalues and (c_min, c_max) of log10 condition numbers."""
    if structure not in ("full", "diagonal", "isotropic"):
        raise InputError(f"structure must be full, diagonal or isotropic, got {structure!r}")
    lo, hi = -4.0, math.log10(max_eigenvalue)
    c_max = 0.0
    if structure != "isotropic" and d > 1:
        c_max = min(math.log10(MAX_CONDITION[precision]), hi - lo)
    return lo, hi, min(math.log10(max(min_condition, 1.0)), c_max), c_max


def _mixing(d: int) -> np.ndarray | None:
    if d == 1:
        return None
    v = np.arange(1.0, d + 1.0)
    return np.eye(d) - 2.0 * np.outer(v, v) / (v @ v)


def _draw_covariance(
    draw: st.DrawFn,
    d: int,
    structure: str,
    bounds: tuple[float, float, float, float],
    mix: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    lo, hi, c_min, c_max = bounds
    c = draw(_floats(c_min, c_max)) if c_max > 0 else 0.0
    base = draw(_floats(lo, hi - c))
    inner = np.sort(rng.uniform(0.0, 1.0, size=max(d - 2, 0)))
    spreads = np.concatenate([[0.0], inner, [1.0]])[:d] if d > 1 else np.zeros(1)
    eig = 10.0 ** (base + c * rng.permutation(spreads))
    if structure != "full" or d == 1 or not draw(_BOOLEANS):
        cov = np.diag(eig)
    else:
        q, r = np.linalg.qr(rng.normal(size=(d, d)))
        q = q * np.sign(np.diag(r))
        cov = (q * eig) @ q.T
    if mix is not None:
        cov = mix @ cov @ mix
    return (cov + cov.T) / 2


def local_function(rng: np.random.Generator, d: int, scale: float, family: str) -> Function:
    """A function of x - x0 with closed-form Gaussian moments, features of size ``scale``.

    ``rbf``: one to three bumps (one may be flat along all but one direction);
    ``sine``: sin(w^T u + b) with |w_j| scale about 1; ``cubic``: a separable cubic
    with mixed terms; ``probit``: Phi(w^T u + b). Coefficients have both signs.
    """
    if family == "rbf":
        k = int(rng.integers(1, 4))
        precisions = []
        for i in range(k):
            q, r = np.linalg.qr(rng.normal(size=(d, d)))
            q = q * np.sign(np.diag(r))
            if i == 2 and d > 1:
                u = q[:, 0]
                precisions.append(np.outer(u, u) / scale**2)
            else:
                eig = rng.uniform(0.4, 1.6, size=d) / scale**2
                precisions.append((q * eig) @ q.T)
        precisions = [(p + p.T) / 2 for p in precisions]
        weights = rng.choice([-1.0, 1.0], size=k) * rng.uniform(0.8, 1.6, size=k)
        return RBFMixture(weights, 0.8 * scale * rng.normal(size=(k, d)), np.array(precisions))
    signs = np.where(rng.permutation(d) % 2 == 0, 1.0, -1.0)
    w = signs * rng.uniform(0.5, 1.2, size=d) / scale
    if family == "sine":
        return RidgeFunction(w, float(rng.uniform(-1.0, 1.0)), "sin")
    if family == "probit":
        return RidgeFunction(w, float(rng.uniform(-0.5, 0.5)), "probit")
    if family == "cubic":
        terms: dict[tuple[int, ...], float] = {}
        for j in range(d):
            e = [0] * d
            e[j] = 3
            terms[tuple(e)] = float(signs[j] * rng.uniform(0.2, 0.6)) / scale**3
            e[j] = 1
            terms[tuple(e)] = float(w[j])
        if d > 1:
            e = [0] * d
            e[0], e[1] = 1, 2
            terms[tuple(e)] = float(rng.uniform(-0.4, 0.4)) / scale**3
        return Polynomial(terms)
    raise InputError(f"unknown family {family!r}; use one of {FAMILIES}")


def _direction(rng: np.random.Generator, d: int) -> np.ndarray:
    u = rng.normal(size=d)
    return u / np.linalg.norm(u)


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    structure: str = "full",
    precision: str = "float64",
    max_dim: int = 8,
    min_dim: int = 1,
    n_range: tuple[int, int] = (1, 512),
    families: Sequence[str] = FAMILIES,
    far: bool = True,
    min_condition: float = 1.0,
    min_n_per_dim: int = 0,
    max_eigenvalue: float = 1e4,
    mixed: bool = False,
    n_primes: tuple[int, int] | None = None,
) -> Case:
    """A whole problem (f, x0, cov, n, seed) of a battery check.

    ``n_primes=(lo, hi)`` draws n among the primes in [lo, hi] instead (the battery's
    large n, :data:`LARGE_N`); ``min_condition`` equal to the largest condition the
    precision allows draws covariances at exactly that condition (the extreme).

    Drawn in shrinking order: d, then n (at least ``min_n_per_dim`` * d + 2 when a
    fit needs it), the covariance, the distance of x0 from the origin and its
    direction, the family, f's coefficients (from a drawn integer), and the
    first explainer seed.
    """
    d = draw(dimensions(max_dim, min_dim))
    lo, hi = n_range
    if min_n_per_dim:
        lo = max(lo, min_n_per_dim * d + 2)
        hi = max(hi, lo)
    n = draw(large_primes(*n_primes)) if n_primes else draw_size(draw, lo, hi)
    # One integer drives every detail that need not shrink (rotation, spreads,
    # direction, family, coefficients): Hypothesis' draws cost far more than numpy's.
    detail = draw(_SEEDS32)
    rng = np.random.default_rng(detail)
    bounds = _condition_bounds(d, structure, precision, min_condition, max_eigenvalue)
    mix = _mixing(d) if mixed and structure == "full" else None
    cov = _draw_covariance(draw, d, structure, bounds, mix, rng)
    covariance = Covariance(cov)
    scale = covariance.largest_std
    distance = draw_distance(draw, FAR[precision]) if far else 0.0
    family = families[detail % len(families)]
    x0 = distance * scale * _direction(rng, d) if distance else np.zeros(d)
    f = local_function(rng, d, scale, family)
    if distance:
        f = Translated(f, -x0)
    seed = draw(explainer_seeds())
    return Case(f, x0, cov, n, seed, family, distance).holding(covariance)


@st.composite
def integer_cases(
    draw: st.DrawFn,
    *,
    structure: str = "full",
    max_dim: int = 8,
    min_dim: int = 1,
    n_range: tuple[int, int] = (1, 96),
) -> Case:
    """A problem whose x0 and cov hold integers, so every input type represents them exactly.

    cov = L L^T with an integer lower-triangular L (full), integer variances
    (diagonal) or k I (isotropic); x0 has integer entries up to 10^4 in size.
    """
    d = draw(dimensions(max_dim, min_dim))
    n = draw_size(draw, *n_range)
    if structure == "isotropic":
        cov = np.eye(d) * draw(_ints(1, 9))
    elif structure == "diagonal":
        cov = np.diag([float(draw(_ints(1, 9))) for _ in range(d)])
    else:
        low = np.zeros((d, d))
        for i in range(d):
            low[i, i] = draw(_ints(1, 3))
            for j in range(i):
                low[i, j] = draw(_ints(-2, 2))
        cov = low @ low.T
    magnitude = 10 ** draw(_ints(0, 4))
    x0 = np.array([draw(_ints(-magnitude, magnitude)) for _ in range(d)], dtype=float)
    covariance = Covariance(cov)
    scale = covariance.largest_std
    detail = draw(_SEEDS32)
    family = ("rbf", "sine")[detail % 2]
    rng = np.random.default_rng(detail)
    f = Translated(local_function(rng, d, scale, family), -x0)
    distance = float(np.linalg.norm(x0)) / scale
    case = Case(f, x0, cov, n, draw(explainer_seeds()), family, distance)
    return case.holding(covariance)

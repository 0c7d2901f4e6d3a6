"""What every reference kind shares: its problems, its tolerance and its contract checks.

The reference kinds (``integrated_gradients``, ``gradient_x_input``, ``occlusion`` and the
coalition kinds) are called ``explain(f, x, reference, n, seed) -> ndarray (d,)`` with
``reference`` a :class:`verify.attribution.Baseline` or ``Background``. This module holds

* :class:`AttributionProblem` and :func:`attribution_problems`, the Hypothesis strategy of
  the problems their checks search: d, n, the offset of the problem from the origin (up to
  10^4 feature scales in float64), the feature scale (10^-3 to 10^3), the function family,
  the reference (a baseline point or background rows with weights) and the seed; values
  built, never filtered, shrinking to d = 1, the smallest n, scale 1, the origin, a baseline;
* :func:`attribution_tolerance`, the tolerance of an exact identity by declared precision;
* :class:`ReferenceContract` and :func:`register_contract`: what a kind accepts (baseline,
  background) and whether it uses n, declared once by the kind's module;
* :func:`call_attribution`, the guarded call, which also reads a returned convergence delta
  (an explainer declaring ``delta=True`` returns ``(attributions, delta)`` with
  delta = Σ attributions − (f(x) − v(∅)), captum's ``return_convergence_delta``);
* the contract checks: output (shape, finite, float dtype, the same values for float32,
  integer and list inputs), no mutation of x, input validation, seeds.

None of the contract checks is statistical: each compares exact values, so its false-alarm
rate is 0 for a correct explainer (the rounding allowance of :func:`attribution_tolerance`
is a bound, not a quantile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.attribution import Background, Baseline
from verify.functions import Polynomial

from .attribution_problems import (
    FAMILIES,
    RTOL,
    AttributionProblem,
    attribution_problems,
    attribution_tolerance,
    polynomial,
    problem_scale,
)
from .bad_inputs import not_refused, refuse_all
from .common import adjacent, fmt, resolve
from .runner import CheckFailure, CheckTimeout, Settings, call_explainer, checked_output, guarded
from .search import Finding, search

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "CONTRACTS",
    "CONTRACT_CHECKS",
    "FAMILIES",
    "RTOL",
    "AttributionProblem",
    "ReferenceContract",
    "attribution_problems",
    "attribution_tolerance",
    "background_extreme",
    "call_attribution",
    "check_attribution_input_validation",
    "check_attribution_no_mutation",
    "check_attribution_output",
    "check_attribution_reproducibility",
    "check_attribution_seed_sensitivity",
    "contract_of",
    "polynomial",
    "problem_options",
    "problem_scale",
    "register_contract",
]


@dataclass(frozen=True)
class ReferenceContract:
    """What a reference kind accepts, declared once by the kind's module.

    Attributes
    ----------
    references : tuple of {"baseline", "background"}
        The references its explainers must accept (the problems draw each).
    uses_n : bool
        Whether n (steps or samples) is used; if not, the checks pass n = 1 and bad n
        is not part of input validation.
    min_n : int
        Smallest n the checks draw.
    """

    references: tuple[str, ...] = ("baseline",)
    uses_n: bool = True
    min_n: int = 1


#: Every reference kind's contract, by kind name (filled by :func:`register_contract`).
CONTRACTS: dict[str, ReferenceContract] = {}


def register_contract(kind: str, contract: ReferenceContract) -> ReferenceContract:
    """Declare what kind ``kind`` accepts (called once, by the kind's module)."""
    bad = set(contract.references) - {"baseline", "background"}
    if bad or not contract.references:
        raise ValueError(f"references must be 'baseline' and/or 'background', got {bad}")
    CONTRACTS[kind] = contract
    return contract


def contract_of(explainer: Explainer) -> ReferenceContract:
    """The contract of the explainer's kind (the default one if the kind declared none)."""
    return CONTRACTS.get(explainer.kind, ReferenceContract())


def call_attribution(
    explainer: Explainer, f: Any, x: Any, reference: Any, n: int, seed: int, check: str
) -> tuple[np.ndarray, float | None]:
    """The explainer's attributions (finite, shape (d,)) and its convergence delta.

    The delta is None unless the explainer declares ``delta=True``; then it must return
    ``(attributions, delta)`` with a finite scalar delta.
    """
    if not getattr(explainer, "delta", False):
        return call_explainer(explainer, f, x, reference, n, seed, check), None
    try:
        out = guarded(explainer, f, x, reference, n, seed)
    except CheckFailure:
        raise
    except Exception as exc:
        raise CheckFailure(
            f"{check} failed: the explainer raised {type(exc).__name__}: {exc} on a valid input "
            f"(f={f!r}, n={n}, seed={seed}). Usual cause: a bug or a missing dependency in the "
            "explainer, or an input it wrongly refuses",
            {"exception": type(exc).__name__},
        ) from exc
    if not (isinstance(out, tuple) and len(out) == 2):
        raise CheckFailure(
            f"{check} failed: declared delta=True but the explainer returned a "
            f"{type(out).__name__}, not (attributions, delta). Usual cause: the delta tag set "
            "for an explainer that does not return its convergence delta (declare delta=False)"
        )
    values = checked_output(out[0], np.shape(x)[-1], check, f"f={f!r}, n={n}, seed={seed}")
    delta = np.asarray(out[1], dtype=float).reshape(-1)
    if delta.size != 1 or not np.isfinite(delta[0]):
        raise CheckFailure(
            f"{check} failed: the convergence delta {out[1]!r} is not one finite number. "
            "Usual cause: a delta per batch row or per feature returned (return its scalar)"
        )
    return values, float(delta[0])


def problem_options(explainer: Explainer, s: Settings, **overrides: Any) -> dict[str, Any]:
    """Options of :func:`attribution_problems` for this explainer: the references its kind
    accepts, its precision, the settings' dimensions, n from the kind's least n to 64."""
    contract = contract_of(explainer)
    options: dict[str, Any] = {
        "references": contract.references,
        "precision": explainer.precision,
        "max_dim": s.max_dim,
        "min_dim": s.min_dim,
        "n_range": (contract.min_n, max(contract.min_n, 64)) if contract.uses_n else (1, 1),
    }
    options.update(overrides)
    return options


def background_extreme(explainer: Explainer, options: dict[str, Any]) -> Any:
    """For a kind that accepts background rows: the same problems with background rows only
    (2 to 5 rows), for :func:`.search.search`'s ``extreme`` (judged at every seed, so a
    mistake that shows only with several rows, f at the mean row instead of the mean of f,
    is met every time); None for a baseline-only kind."""
    if "background" not in contract_of(explainer).references:
        return None
    return attribution_problems(**{**options, "references": ("background",), "min_rows": 2})


def sampler_extreme(explainer: Explainer, options: dict[str, Any]) -> Any:
    """For a stochastic explainer: problems with d >= 3 and f with interactions of every
    order (rbf, sine, probit), for :func:`.search.search`'s ``extreme`` (judged at every
    seed). On d = 1 or 2, or on a game with pairwise interactions only, permutation samplers
    with antithetic pairs are exact, so an unseeded one (shap's ``seed=None``) returns one
    answer on every call and a replay looks reproducible; here it cannot. None for a
    deterministic explainer."""
    if not explainer.stochastic:
        return None
    low = max(3, options["min_dim"])
    dims = {"min_dim": low, "max_dim": max(low, options["max_dim"])}
    return attribution_problems(**{**options, **dims, "families": ("rbf", "sine", "probit")})


def _input_types(p: AttributionProblem) -> list[tuple[str, Any, Any]]:
    """x (integer valued) and the reference as every type a caller may pass."""
    ref = p.reference
    out: list[tuple[str, Any, Any]] = [
        ("x float32", p.x.astype(np.float32), ref),
        ("x int64", p.x.astype(np.int64), ref),
        ("x a list of ints", [int(v) for v in p.x], ref),
    ]
    if isinstance(ref, Baseline):
        out.append(("a baseline built from float32", p.x, Baseline(ref.point.astype(np.float32))))
    return out


def _integer_problem(p: AttributionProblem) -> AttributionProblem:
    """The same problem with x and the reference rounded to integers (exact in every type)."""
    x = np.round(p.x)
    ref = p.reference
    if isinstance(ref, Baseline):
        new: Baseline | Background = Baseline(np.round(ref.point))
    else:
        new = Background(np.round(ref.rows), ref.weights)
    return AttributionProblem(p.f, x, new, p.n, p.seed, p.family, p.distance, p.scale)


def check_attribution_output(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """A floating array of shape (d,), the same values for every input type tried.

    x and the reference hold integers; x is passed as float64 (the reference call),
    float32, int64 and a list, and a baseline also as float32. Every answer must be a
    floating array of shape (d,) equal to the float64 one (same seed) within
    :func:`attribution_tolerance` (float32 rounding allowed for float32 inputs). Fails on a
    batch axis, a tensor returned as is, NaN/inf, an integer output or an input type the
    explainer mishandles.
    """
    name = "check_attribution_output"
    s = resolve(settings)
    options = problem_options(explainer, s, scales=(1, 3), far=False)
    strategy = attribution_problems(**options)

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        p = _integer_problem(p)
        ref, _ = call_attribution(explainer, p.f, p.x, p.reference, p.n, p.seed, name)
        worst = 0.0
        for label, x, reference in _input_types(p):
            try:
                raw = guarded(explainer, p.f, x, reference, p.n, p.seed)
            except CheckTimeout:
                raise
            except Exception as exc:
                raise Finding(
                    f"the explainer raised {type(exc).__name__}: {exc} when given {label} (the "
                    "same values as a float64 call it answers)",
                    "an input type assumed (float64 arrays only): convert with "
                    "np.asarray(x, dtype=float) first",
                    {"input": label, "exception": type(exc).__name__},
                ) from exc
            out = raw[0] if getattr(explainer, "delta", False) and isinstance(raw, tuple) else raw
            arr = np.asarray(out)
            if arr.dtype.kind in "iub":
                raise Finding(
                    f"given {label} it returned dtype {arr.dtype} ({fmt(arr)}) instead of floats "
                    f"({fmt(ref)} for float64 inputs)",
                    "the output takes the input's dtype (np.zeros_like(x), out[:] = ...), so "
                    "integer inputs truncate the attributions; build it as np.zeros(d)",
                    {"input": label, "dtype": str(arr.dtype)},
                )
            got = checked_output(out, p.d, name, f"given {label}")
            single = "float32" in label or explainer.precision == "float32"
            precision = "float32" if single else "float64"
            tol = attribution_tolerance(precision, problem_scale(p, ref))
            diff = float(np.max(np.abs(got - ref)))
            worst = max(worst, diff / tol)
            if diff > tol:
                raise Finding(
                    f"given {label} it returned {fmt(got)}, but {fmt(ref)} for the same values "
                    f"as float64 arrays (max difference {diff:.3g} > tolerance {tol:.3g})",
                    "the input's dtype leaks into the arithmetic (integer x kept as integers, "
                    "x - b computed in the input's dtype); convert with np.asarray(x, dtype=float)",
                    {"input": label, "observed": got, "expected": ref, "difference": diff},
                )
        return {"worst": worst}

    extreme = sampler_extreme(explainer, options)
    figures = search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)
    return {**figures, "input_types": ["x float32", "x int64", "x list", "baseline float32"]}


def check_attribution_no_mutation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The caller's x (float64 and float32 arrays) is unchanged by the call (the references
    are read-only values: writing into one raises, and the call fails)."""
    name = "check_attribution_no_mutation"
    s = resolve(settings)
    strategy = attribution_problems(**problem_options(explainer, s))

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        for dtype in (np.float64, np.float32):
            arg = p.x.astype(dtype)
            before = arg.copy()
            call_attribution(explainer, p.f, arg, p.reference, p.n, p.seed, name)
            if not np.array_equal(before, arg):
                raise Finding(
                    f"the explainer modified the caller's x ({np.dtype(dtype).name}) in place: "
                    f"before {fmt(before)}, after {fmt(arg)} (expected: unchanged, tolerance: "
                    "exact equality)",
                    "an in-place operation on the argument (x -= baseline, x *= mask); copy "
                    "first with np.array(x, dtype=float)",
                    {"before": before, "after": arg},
                )
        return {}

    figures = search(name, seed, s, strategy, judge, examples=s.examples)
    return {**figures, "arguments": ["x"]}


def _bad_inputs(p: AttributionProblem, uses_n: bool) -> list[tuple[str, Any, Any, int]]:
    d, x = p.d, p.x
    nan_x, inf_x = x.copy(), x.copy()
    nan_x[-1], inf_x[0] = np.nan, np.inf
    wide = Baseline(np.zeros(d + 1))
    bad = [
        ("an x containing NaN", nan_x, p.reference, p.n),
        ("an x containing inf", inf_x, p.reference, p.n),
        (f"an x of length {d + 1} for d = {d}", np.append(x, 0.5), p.reference, p.n),
        (f"an x of shape (2, {d}) (two points)", np.vstack([x, x]), p.reference, p.n),
        (f"a baseline of dimension {d + 1} for d = {d}", x, wide, p.n),
    ]
    if uses_n:
        bad += [("n = 0", x, p.reference, 0), ("n = -3", x, p.reference, -3)]
    return bad


def check_attribution_input_validation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Non-finite x, wrong shapes, a reference of the wrong dimension and (for kinds that
    use n) n <= 0 raise ValueError or TypeError. Returning a value is garbage in, garbage out;
    another exception type (AssertionError, IndexError) hides the problem from the user."""
    name = "check_attribution_input_validation"
    s = resolve(settings)
    uses_n = contract_of(explainer).uses_n
    strategy = attribution_problems(**problem_options(explainer, s))

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        refuse_all(
            not_refused(explainer, p.f, _bad_inputs(p, uses_n), p.seed),
            "no validation of x (shape (d,), finite), of the reference's dimension and of "
            "n (a positive int) before use; raise ValueError naming the problem",
        )
        return {}

    figures = search(name, seed, s, strategy, judge, examples=max(2, s.examples // 2))
    return {**figures, "bad_inputs": len(_bad_inputs(_dummy(), uses_n))}


def _dummy() -> AttributionProblem:
    one = np.zeros(1)
    return AttributionProblem(Polynomial({(1,): 1.0}), one, Baseline(one), 1, 0, "", 0.0, 1.0)


def check_attribution_reproducibility(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Same seed, same answer (and the same delta), after a call with another seed between."""
    name = "check_attribution_reproducibility"
    s = resolve(settings)
    options = problem_options(explainer, s)
    strategy = attribution_problems(**options)

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        a, b = adjacent(p.seed, 2)
        first, d1 = call_attribution(explainer, p.f, p.x, p.reference, p.n, a, name)
        call_attribution(explainer, p.f, p.x, p.reference, p.n, b, name)
        again, d2 = call_attribution(explainer, p.f, p.x, p.reference, p.n, a, name)
        tol = attribution_tolerance(explainer.precision, problem_scale(p, first), p.distance)
        diff = float(np.max(np.abs(first - again)))
        if d1 is not None:
            diff = max(diff, abs(d1 - (d2 or 0.0)))
        if diff > tol:
            raise Finding(
                f"two calls with seed {a} gave {fmt(first)} and {fmt(again)} (max difference "
                f"{diff:.3g}, tolerance {tol:.3g})",
                "the seed is not used to seed the draws: numpy's global generator "
                "(np.random.*, shap's and captum's GradientShap default) or a generator created "
                "once and reused across calls",
                {"first": first, "again": again, "difference": diff, "tolerance": tol},
            )
        return {"worst": diff / tol}

    extreme = sampler_extreme(explainer, options)
    return search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)


def check_attribution_seed_sensitivity(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Stochastic: adjacent seeds give different answers, and so does the same seed at
    n + 1. Deterministic: adjacent seeds give the same answer (within the tolerance)."""
    name = "check_attribution_seed_sensitivity"
    s = resolve(settings)
    contract = contract_of(explainer)
    families = ("rbf", "sine", "probit")  # nowhere affine: a sampler's draws show
    strategy = attribution_problems(**problem_options(explainer, s, families=families))

    def judge(p: AttributionProblem, alpha: float) -> dict[str, Any]:
        seeds = adjacent(p.seed, 3)
        outs = [call_attribution(explainer, p.f, p.x, p.reference, p.n, k, name)[0] for k in seeds]
        diffs = [float(np.max(np.abs(outs[i] - outs[j]))) for i, j in ((0, 1), (0, 2), (1, 2))]
        scale = problem_scale(p, outs[0])
        figures = {"outputs": outs, "seeds": seeds, "differences": diffs}
        if not explainer.stochastic:
            tol = attribution_tolerance(explainer.precision, scale, p.distance)
            if max(diffs) > tol:
                raise Finding(
                    f"declared deterministic but adjacent seeds {seeds} gave {fmt(outs[0])}, "
                    f"{fmt(outs[1])}, {fmt(outs[2])} (max difference {max(diffs):.3g} > {tol:.3g})",
                    "the explainer draws random numbers: declare stochastic=True",
                    figures,
                )
            return {"worst": max(diffs) / tol}
        if min(diffs) <= 1e-12 * scale:
            raise Finding(
                f"adjacent seeds {seeds} gave identical attributions (smallest max difference "
                f"{min(diffs):.3g}) although the explainer is declared stochastic",
                "the seed argument is ignored (a hard-coded seed or random_state), or only its "
                "high bits are used; if the explainer is deterministic declare stochastic=False",
                figures,
            )
        if contract.uses_n:
            other = call_attribution(explainer, p.f, p.x, p.reference, p.n + 1, seeds[0], name)[0]
            if np.array_equal(other, outs[0]):
                raise Finding(
                    f"the same seed {seeds[0]} at n = {p.n} and n = {p.n + 1} gave the same "
                    f"attributions {fmt(outs[0])}, bit for bit",
                    "n is not the number of samples used (n rounded, capped, or a cache keyed "
                    "without n)",
                    figures,
                )
        return {"worst": 1e-12 * scale / max(min(diffs), 1e-300)}

    return search(name, seed, s, strategy, judge, examples=s.examples)


#: The contract checks of every reference kind, in running order (a kind's module adds
#: them to its CHECKS with the rule saying when one does not apply).
CONTRACT_CHECKS: tuple[Callable[..., dict[str, Any]], ...] = (
    check_attribution_output,
    check_attribution_no_mutation,
    check_attribution_input_validation,
    check_attribution_reproducibility,
    check_attribution_seed_sensitivity,
)

"""Contract checks: output type and shape, no mutation, input validation, seeds.

None is statistical: each compares exact values (to the working precision).
Every check searches drawn problems (:mod:`.search`): d from 1 to 8, points
far from the origin, covariances of the declared structure, n odd and even,
x0 and cov given as float64, float32 and integer arrays and as lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from properties.strategies import battery as SB

from .bad_inputs import not_refused, refuse_all
from .checks_affine import large_n_options
from .common import adjacent, case_options, fmt, resolve, tolerance
from .runner import CheckTimeout, Settings, call_explainer, checked_output, guarded
from .search import Finding, search
from .tolerances import IDENTICAL_RTOL, exact_tolerance, output_scale, working_precision

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = [
    "check_input_validation",
    "check_no_mutation",
    "check_output_contract",
    "check_seed_reproducibility",
    "check_seed_sensitivity",
]


def _input_types(x0: np.ndarray, cov: np.ndarray) -> list[tuple[str, Any, Any]]:
    """The same (integer-valued) x0 and cov as every input type a caller may pass."""
    return [
        ("x0 float32", x0.astype(np.float32), cov),
        ("x0 int64", x0.astype(np.int64), cov),
        ("x0 int32", x0.astype(np.int32), cov),
        ("x0 a list of ints", [int(v) for v in x0], cov),
        ("cov float32", x0, cov.astype(np.float32)),
        ("cov int64", x0, cov.astype(np.int64)),
        ("cov a nested list", x0, cov.tolist()),
    ]


def _raw_call(explainer: Explainer, case: Any, x0: Any, cov: Any, label: str, name: str) -> Any:
    try:
        return guarded(explainer, case.f, x0, cov, case.n, case.seed)
    except CheckTimeout:
        raise
    except Exception as exc:
        raise Finding(
            f"the explainer raised {type(exc).__name__}: {exc} when given {label} (the same "
            "values as a float64 call it answers)",
            "an input type assumed (float64 arrays only): convert with np.asarray(x0, "
            "dtype=float) and np.asarray(cov, dtype=float) first",
            {"input": label, "exception": type(exc).__name__},
        ) from exc


def check_output_contract(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """A floating array of shape (d,), the same values, for every input type tried.

    x0 and cov hold integers (x0 up to 10^4 in size), passed as float64 (the
    reference call), float32, int64 and int32 arrays and as lists; every answer
    must be a floating array of shape (d,) equal to the float64 one (same seed)
    to the working precision (float32 rounding allowed for float32 inputs).
    Fails on a batch axis, a tensor that does not convert, NaN/inf, an integer
    output (truncated) or an input type the explainer mishandles.
    """
    name = "check_output_contract"
    s = resolve(settings)
    options = case_options(explainer, s)
    strategy = SB.integer_cases(
        structure=explainer.covariance,
        max_dim=s.max_dim,
        n_range=(options["min_n_per_dim"] * s.max_dim + 2 if options["min_n_per_dim"] else 1, 96),
    )

    def judge(case: Any, alpha: float) -> dict[str, Any]:
        ref = call_explainer(explainer, case.f, case.x0, case.cov, case.n, case.seed, name)
        scale = output_scale(ref)
        worst = 0.0
        for label, x0, cov in _input_types(case.x0, case.cov):
            out = _raw_call(explainer, case, x0, cov, label, name)
            arr = np.asarray(out)
            if arr.dtype.kind in "iub":
                raise Finding(
                    f"given {label} it returned an array of dtype {arr.dtype} ({fmt(arr)}) "
                    f"instead of floats ({fmt(ref)} for float64 inputs)",
                    "the output array takes the input's dtype (np.zeros_like(x0), "
                    "np.empty_like(x0), out[:] = ...), so integer inputs truncate the explanation; "
                    "build it as np.zeros(d, dtype=float)",
                    {"input": label, "dtype": str(arr.dtype), "observed": arr, "expected": ref},
                )
            got = checked_output(out, case.d, name, f"given {label}")
            if arr.dtype.kind not in "f" and not isinstance(out, list | tuple):
                raise Finding(
                    f"given {label} it returned dtype {arr.dtype}, not a real floating array",
                    "a complex or object array returned; return np.asarray(out, dtype=float)",
                    {"input": label, "dtype": str(arr.dtype)},
                )
            single = label.endswith("float32") or explainer.precision == "float32"
            rtol, eps = working_precision("float32" if single else explainer.precision)
            tol = exact_tolerance(rtol, eps, scale, case.distance, case.condition)
            diff = float(np.max(np.abs(got - ref)))
            worst = max(worst, diff / tol)
            if diff > tol:
                raise Finding(
                    f"given {label} it returned {fmt(got)}, but {fmt(ref)} for the same values "
                    f"as float64 arrays (same seed; max difference {diff:.3g} > tolerance "
                    f"{tol:.3g})",
                    "the input's dtype leaks into the arithmetic: integer inputs kept as integers "
                    "(x0 + noise cast back to int, an integer buffer), or float32 inputs "
                    "computed in float16; convert with np.asarray(x0, dtype=float)",
                    {"input": label, "observed": got, "expected": ref, "difference": diff},
                )
        return {"worst": worst}

    figures = search(name, seed, s, strategy, judge, examples=s.examples)
    return {
        **figures,
        "input_types": [label for label, _, _ in _input_types(np.zeros(1), np.eye(1))],
    }


def check_no_mutation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """The caller's ``x0`` and ``cov`` arrays (float64 and float32) are unchanged."""
    name = "check_no_mutation"
    s = resolve(settings)
    strategy = SB.integer_cases(
        structure=explainer.covariance, max_dim=s.max_dim, n_range=(2 * s.max_dim + 2, 64)
    )

    def judge(case: Any, alpha: float) -> dict[str, Any]:
        for dtype in (np.float64, np.float32):
            x0_arg, cov_arg = case.x0.astype(dtype), case.cov.astype(dtype)
            x0, cov = x0_arg.copy(), cov_arg.copy()
            call_explainer(explainer, case.f, x0_arg, cov_arg, case.n, case.seed, name)
            for label, before, after in (("x0", x0, x0_arg), ("cov", cov, cov_arg)):
                if not np.array_equal(before, after):
                    raise Finding(
                        f"the explainer modified the caller's {label} ({np.dtype(dtype).name}) "
                        f"in place: before {fmt(before)}, after {fmt(after)} (expected: "
                        "unchanged, tolerance: exact equality)",
                        f"an in-place operation on the argument ({label} += noise, {label} -= "
                        f"mean, np.fill_diagonal); copy first with np.array({label}, dtype=float)",
                        {"argument": label, "before": before, "after": after},
                    )
        return {}

    figures = search(name, seed, s, strategy, judge, examples=s.examples)
    return {**figures, "arguments": ["x0", "cov"]}


def _bad_inputs(case: Any, structure: str) -> list[tuple[str, np.ndarray, np.ndarray, Any]]:
    x0, cov, d = case.x0, case.cov, case.d
    asym = cov.copy()
    asym[0, 1] += 0.3 * cov[0, 0]
    eig, q = np.linalg.eigh(cov)
    eig = eig.copy()
    eig[0] = -eig[-1]
    indefinite = (
        (q * eig) @ q.T
        if structure == "full"
        else np.diag(np.where(np.arange(d) == 0, -cov[0, 0], np.diag(cov)))
    )
    indefinite = (indefinite + indefinite.T) / 2
    nan_cov = cov.copy()
    nan_cov[0, 0] = np.nan
    nan_x0 = x0.copy()
    nan_x0[-1] = np.nan
    return [
        ("a non-symmetric cov", x0, asym, None),
        ("a cov that is not positive definite (one negative eigenvalue)", x0, indefinite, None),
        (f"a cov of shape ({d + 1}, {d + 1}) for d = {d}", x0, np.eye(d + 1), None),
        ("a vector of variances instead of a (d, d) cov", x0, np.diag(cov), None),
        ("a cov containing NaN", x0, nan_cov, None),
        (f"an x0 of length {d + 1} for d = {d}", np.append(x0, 0.5), cov, None),
        ("an x0 containing NaN", nan_x0, cov, None),
        ("n = 0", x0, cov, 0),
        ("n = -5", x0, cov, -5),
    ]


def check_input_validation(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Bad covariances, shapes and sample sizes raise ValueError or TypeError.

    Returning a value for them is garbage in, garbage out; raising anything
    else (AssertionError, KeyError, ...) hides the problem from the user.
    """
    name = "check_input_validation"
    s = resolve(settings)
    options = case_options(explainer, s, min_dim=max(2, s.min_dim), n_range=(1, 64))
    options["max_dim"] = max(options["max_dim"], options["min_dim"])
    strategy = SB.cases(**options)

    def judge(case: Any, alpha: float) -> dict[str, Any]:
        bad = [
            (label, x0, cov, case.n if n is None else n)
            for label, x0, cov, n in _bad_inputs(case, explainer.covariance)
        ]
        refuse_all(
            not_refused(explainer, case.f, bad, case.seed),
            "no validation of cov (symmetric, positive definite, (d, d)), x0 (shape (d,), "
            "finite) and n (positive int) before use; raise ValueError naming the problem",
        )
        return {}

    figures = search(name, seed, s, strategy, judge, examples=max(2, s.examples // 2))
    return {**figures, "bad_inputs": 9}


def check_seed_reproducibility(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Same seed, same answer: after a call with the adjacent seed in between, and at a
    large prime n too (one problem with n between 2**15 and 2**16). Across interpreters:
    :func:`.replay.check_process_replay`.
    """
    name = "check_seed_reproducibility"
    s = resolve(settings)
    options = case_options(explainer, s)
    strategy = SB.cases(**options)

    def judge(case: Any, alpha: float) -> dict[str, Any]:
        a, b = adjacent(case.seed, 2)
        first = call_explainer(explainer, case.f, case.x0, case.cov, case.n, a, name)
        call_explainer(explainer, case.f, case.x0, case.cov, case.n, b, name)
        again = call_explainer(explainer, case.f, case.x0, case.cov, case.n, a, name)
        tol = tolerance(explainer, case, output_scale(first))
        diff = float(np.max(np.abs(first - again)))
        if diff > tol:
            raise Finding(
                f"two calls with seed {a} gave {fmt(first)} and {fmt(again)} at n = {case.n} "
                f"(max difference {diff:.3g}, tolerance {tol:.3g})",
                "the seed is not used to seed the noise: a global generator (np.random.*, "
                "torch's global RNG without torch.manual_seed(seed)) or a generator created once "
                "and reused across calls (lime's random_state fixed at construction)"
                + (_LARGE_N_HINT if case.n >= s.n_large[0] else ""),
                {"first": first, "again": again, "difference": diff, "tolerance": tol},
            )
        return {"worst": diff / tol}

    extreme = SB.cases(**large_n_options(options, s))
    return search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)


_LARGE_N_HINT = (
    "; at a large n only: a code path that switches on above some n (another generator, a "
    "noise cache keyed on n, a parallel or chunked draw)"
)


def check_seed_sensitivity(
    explainer: Explainer, seed: int = 0, settings: Settings | None = None
) -> dict[str, Any]:
    """Stochastic: adjacent seeds give different answers. Deterministic: they do not.
    Both: the same seed at another n gives another answer (n and n + 1 on every problem,
    and two primes between 2**15 and 2**16 on the large-n problem).

    Catches a seed ignored (or only its high bits used), noise caches and RNG paths that
    ignore the seed above some n, and rules that silently use another number of draws
    than n (n rounded to a power of two, n capped, a last partial chunk dropped).
    """
    name = "check_seed_sensitivity"
    s = resolve(settings)
    options = case_options(explainer, s, n_range=(8, s.n_exact))
    strategy = SB.cases(**options)

    def judge(case: Any, alpha: float) -> dict[str, Any]:
        seeds = adjacent(case.seed, 3)
        outs = [
            call_explainer(explainer, case.f, case.x0, case.cov, case.n, k, name) for k in seeds
        ]
        scale = output_scale(outs[0])
        diffs = [float(np.max(np.abs(outs[i] - outs[j]))) for i, j in ((0, 1), (0, 2), (1, 2))]
        figures = {"outputs": outs, "seeds": seeds, "differences": diffs}
        if explainer.stochastic:
            tol = IDENTICAL_RTOL * scale
            if min(diffs) <= tol:
                raise Finding(
                    f"adjacent seeds {seeds} gave identical explanations at n = {case.n} "
                    f"(smallest max difference {min(diffs):.3g} <= {tol:.3g}) although the "
                    "explainer is declared stochastic",
                    "the seed argument is ignored (a hard-coded seed or random_state inside the "
                    "explainer), or only its high bits are used (seed // k); if the explainer "
                    "is deterministic by design declare stochastic=False"
                    + (_LARGE_N_HINT if case.n >= s.n_large[0] else ""),
                    figures,
                )
            worst = tol / max(min(diffs), 1e-300)
        else:
            tol = tolerance(explainer, case, scale)
            if max(diffs) > tol:
                raise Finding(
                    f"declared deterministic but adjacent seeds {seeds} gave {fmt(outs[0])}, "
                    f"{fmt(outs[1])}, {fmt(outs[2])} (max difference {max(diffs):.3g} > {tol:.3g})",
                    "the explainer draws random numbers: declare stochastic=True",
                    figures,
                )
            worst = max(diffs) / tol
        other = _other_n(case, s)
        again = call_explainer(explainer, case.f, case.x0, case.cov, other, seeds[0], name)
        base = outs[0]
        if np.array_equal(again, base):
            raise Finding(
                f"the same seed {seeds[0]} at n = {case.n} and at n = {other} gave the same "
                f"explanation {fmt(base)}, bit for bit",
                "n is not the number of draws used: a rule that rounds n to a power of two "
                "(a Sobol or other quasi-random block), n capped (a maximum sample or batch "
                "size), or a cache keyed without n",
                {**figures, "other_n": other},
            )
        return {"worst": worst}

    extreme = SB.cases(**large_n_options(options, s))
    return search(name, seed, s, strategy, judge, examples=s.examples, extreme=extreme)


def _other_n(case: Any, s: Settings) -> int:
    """Another n for the same seed: n + 1, or on the large-n problem another large prime
    (the next one above n, or below it at the top of the range)."""
    if case.n < s.n_large[0]:
        return case.n + 1
    primes = SB.primes_between(*s.n_large)
    i = primes.index(case.n) if case.n in primes else 0
    return primes[i + 1] if i + 1 < len(primes) else primes[i - 1]

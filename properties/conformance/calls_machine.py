"""What callers do across calls: a Hypothesis state machine drives one explainer.

:func:`run_call_machine` runs a seeded ``RuleBasedStateMachine`` that makes interleaved
calls the way a user's code does -- a sigma sweep (the covariance scaled), a rotated
covariance, other points, other n, neighbouring seeds, a second model of the same
family and shape with other weights (the same ``repr``), an equal model given as a new
object, repeats of earlier calls -- and writes into the answers it gets back, as a
caller normalising a heat map does (``attr /= abs(attr).max()``). After every call:

* a repeated call (equal f, x0, cov, n and seed, whatever came between) gives the
  answer it gave the first time, to the working precision;
* a call that differs in f, x0, cov or n (or in the seed, for a stochastic explainer)
  does not give, bit for bit, the answer of an earlier call: that is a stale entry of
  a cache whose key forgets what differs;
* no answer the caller holds (and did not write into) has changed: the explainer does
  not hand out an array it keeps and reuses.

Every invariant is exact (no false alarm to budget). A failure is shrunk by Hypothesis
to a short sequence of calls, within ``Settings.shrink_calls`` explainer calls; the
failure reported is a sequence that was seen to fail (once the budget is spent, the
sequences tried pass unjudged, and the last failure seen stands).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from properties.determinism import derived_rng, no_local_constants, search_seed
from properties.strategies import battery as SB
from verify.functions import RBFMixture, Translated
from verify.jsonable import to_json

from .common import fmt, tolerance
from .runner import CheckFailure, CheckTimeout, Settings, call_explainer
from .search import Finding
from .tolerances import output_scale

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["run_call_machine"]

_WRITES = {
    "attr /= abs(attr).max()": lambda a: a.__itruediv__(max(float(np.max(np.abs(a))), 1e-300)),
    "attr *= -1": lambda a: a.__imul__(-1.0),
    "attr[:] = 0": lambda a: a.fill(0.0),
}
#: One argument changed, the way a caller varies a call (see ``_CallMachine.vary``).
_NEXT = {
    "x0": {"x0": "x1", "x1": "x0"},
    "cov": {"cov": "c^2 cov", "c^2 cov": "rotated cov", "rotated cov": "cov"},
    "f": {
        "f": "f2 (other weights, same repr)",
        "f again as a new object": "f2 (other weights, same repr)",
        "f2 (other weights, same repr)": "f",
        "g": "f",
    },
    "n": {"n": "n + 1", "n + 1": "larger n", "larger n": "n"},
    "seed": {"0": "1", "1": "0"},
}
_CAUSES = {
    "cov": "a cache whose key forgets cov (a sigma sweep gets the first sigma's answer), "
    "or an explainer that ignores cov altogether",
    "f": "a cache keyed on the model's repr or shape, not its weights (a retrained model of "
    "the same shape gets stale explanations)",
    "x0": "a cache keyed on f (or on the seed) but not on the point x0",
    "n": "a cache keyed without n, or n capped or rounded (the same draws at another n)",
    "seed": "the seed ignored (a cache keyed without it, or a fixed generator)",
}


@dataclass
class _Tracker:
    """What the runs share: the call budget, the failure seen, memoised failing logs."""

    explainer: Explainer
    name: str
    budget: int
    calls: int = 0
    shrinks: int = 0
    failure: tuple[list[str], BaseException, Any] | None = None
    memo: dict[tuple[str, ...], BaseException] = field(default_factory=dict)
    runs: int = 0


class _Abort(BaseException):
    pass


@dataclass
class _Answer:
    label: str
    key: dict[str, str]
    held: np.ndarray  # the object the caller holds
    copy: np.ndarray  # what it held when it got it
    written: str | None = None


def _has_answers(machine: _CallMachine) -> bool:
    return bool(machine.answers)


def _last_answer_untouched(machine: _CallMachine) -> bool:
    return bool(machine.answers) and machine.answers[-1].written is None


class _CallMachine(RuleBasedStateMachine):
    """The caller's moves; :func:`_machine` adds the problem and the shared tracker."""

    tracker: _Tracker
    case: Any
    pools: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []
        self.answers: list[_Answer] = []
        self.tracker.runs += 1

    # -- the caller's moves ------------------------------------------------------
    @rule(
        f=st.sampled_from(("f", "f again as a new object", "f2 (other weights, same repr)", "g")),
        x=st.sampled_from(("x0", "x1")),
        cov=st.sampled_from(("cov", "c^2 cov", "rotated cov")),
        n=st.sampled_from(("n", "n + 1", "larger n")),
        seed=st.sampled_from((0, 1)),
    )
    def call(self, f: str, x: str, cov: str, n: str, seed: int) -> None:
        self._call({"f": f, "x0": x, "cov": cov, "n": n, "seed": str(seed)})

    # Preconditions are named functions, not lambdas: Hypothesis describes a precondition
    # by its source, and on Python 3.10 with Hypothesis 6.100 the source it reads for a
    # lambda in a decorator stack is the next method's, which fails an internal assertion.
    @precondition(_has_answers)
    @rule(arg=st.sampled_from(tuple(_NEXT)))
    def vary(self, arg: str) -> None:
        """The last call again with one argument changed (a sigma sweep, a retrained model)."""
        key = dict(self.answers[-1].key)
        key[arg] = _NEXT[arg][key[arg]]
        self._call(key)

    @precondition(_has_answers)
    @rule(i=st.integers(0, 1000))
    def repeat(self, i: int) -> None:
        self._call(dict(self.answers[i % len(self.answers)].key))

    @precondition(_last_answer_untouched)
    @rule(how=st.sampled_from(tuple(_WRITES)))
    def write_into_last(self, how: str) -> None:
        last = self.answers[-1]
        self.log.append(f"the caller wrote `{how}` into that answer")
        _WRITES[how](last.held)
        last.written = how
        for before in self.answers[:-1]:
            if before.written is None and not np.array_equal(before.held, before.copy):
                self._fail(
                    Finding(
                        f"the caller's in-place `{how}` on the answer of `{last.label}` also "
                        f"changed the answer it holds from `{before.label}` (now "
                        f"{fmt(before.held)}, was {fmt(before.copy)}): both calls returned the "
                        "same array object",
                        "the explainer returns its own (cached) array, so the caller's "
                        "in-place change corrupts it for every holder and every later call: "
                        "return a copy",
                        {"log": list(self.log)},
                    )
                )

    def sweep(self) -> None:
        """The first run's opening: a call, then each argument varied once from it (a sigma
        sweep, a retrained model, another point, n and seed), the caller writing into the
        last answer, and that call repeated; so every seed meets every single change."""
        base = {"f": "f", "x0": "x0", "cov": "cov", "n": "n", "seed": "0"}
        self._call(base)
        for arg in _NEXT:
            self._call({**base, arg: _NEXT[arg][base[arg]]})
        # Negation, not normalisation: a cache filled by an earlier run may hold an answer
        # normalised already, which dividing by its largest entry would not change.
        self.write_into_last("attr *= -1")
        self._call(dict(self.answers[-1].key))

    # -- one call and the invariants -----------------------------------------------
    def _call(self, key: dict[str, str]) -> None:
        label = "f = {f}, x0 = {x0}, cov = {cov}, n = {n}, seed {seed}".format(**key)
        self.log.append(f"call {label}")
        t = self.tracker
        replay = t.memo.get(tuple(self.log))
        if replay is not None:
            raise replay
        if t.failure is not None:
            if t.shrinks >= t.budget:
                return  # the budget is spent: the last failure seen stands
            t.shrinks += 1
        try:
            out = call_explainer(t.explainer, *self._arguments(key), t.name)
        except CheckTimeout as exc:
            if t.failure is None:
                t.failure = (list(self.log), exc, self.case)
            raise _Abort() from None
        except CheckFailure as exc:  # the explainer raised or returned a bad output
            self._fail(exc)
            return
        problem = self._judge(key, label, out)
        self.answers.append(_Answer(label, key, out, out.copy()))
        if problem is not None:
            self._fail(problem)

    def _arguments(self, key: dict[str, str]) -> tuple[Any, ...]:
        p = self.pools
        functions = {
            "f": self.case.f,
            "f again as a new object": copy.deepcopy(self.case.f),
            "f2 (other weights, same repr)": p["f2"],
            "g": p["g"],
        }
        ns = {"n": self.case.n, "n + 1": self.case.n + 1, "larger n": p["larger_n"]}
        covs = {"cov": self.case.cov, "c^2 cov": p["scaled_cov"], "rotated cov": p["rotated_cov"]}
        x0 = {"x0": self.case.x0, "x1": p["x1"]}[key["x0"]]
        seed = self.case.seed + int(key["seed"])
        # New arrays for every call: a caller's arrays are not the explainer's.
        return functions[key["f"]], x0.copy(), covs[key["cov"]].copy(), ns[key["n"]], seed

    def _judge(self, key: dict[str, str], label: str, out: np.ndarray) -> Finding | None:
        scale = output_scale(out)
        tol = tolerance(self.tracker.explainer, self.case, scale)
        for before in self.answers:
            if before.written is None and not np.array_equal(before.held, before.copy):
                return Finding(
                    f"the answer the caller holds from `{before.label}` changed from "
                    f"{fmt(before.copy)} to {fmt(before.held)} after the call `{label}`",
                    "the explainer returned an array it keeps and reuses (an output buffer, "
                    "a cache entry): return a copy",
                    {"log": list(self.log)},
                )
        for before in self.answers:
            same = _same_call(before.key, key)
            if same and float(np.max(np.abs(out - before.copy))) > tol:
                return self._changed(before, label, out, tol)
            differs = _differs(before.key, key, self.tracker.explainer.stochastic)
            if differs and np.array_equal(out, before.copy):
                cause = (
                    _CAUSES[differs[0]]
                    if len(differs) == 1
                    else f"a cache whose key forgets {' and '.join(differs)}"
                )
                return Finding(
                    f"`{label}` gave {fmt(out)}, bit for bit the answer of the earlier "
                    f"`{before.label}`, although its {' and '.join(differs)} differ(s)",
                    cause,
                    {"log": list(self.log)},
                )
        return None

    def _changed(self, before: _Answer, label: str, out: np.ndarray, tol: float) -> Finding:
        diff = float(np.max(np.abs(out - before.copy)))
        what = (
            f"the repeated call `{label}` gave {fmt(out)}, the first time {fmt(before.copy)} "
            f"(max difference {diff:.3g} > tolerance {tol:.3g})"
        )
        written = [a for a in self.answers if a.written is not None]
        if any(np.array_equal(out, a.held) for a in written):
            return Finding(
                what + "; it is the array the caller wrote into",
                "the explainer returns its own (cached) array, so the caller's in-place change "
                "(attr /= abs(attr).max()) corrupted a later answer: return a copy",
                {"log": list(self.log)},
            )
        return Finding(
            what,
            "state carried from one call to the next: a cache with an incomplete key (f, "
            "seed, x0, cov and n all matter), a generator shared across calls, or noise that "
            "depends on the order of the calls",
            {"log": list(self.log)},
        )

    def _fail(self, problem: BaseException) -> None:
        t = self.tracker
        first = t.failure
        if first is not None and _kind(problem) != _kind(first[1]):
            return  # another mistake: not a shorter instance of the first one
        t.failure = (list(self.log), problem, self.case)
        t.memo[tuple(self.log)] = problem
        raise problem


def _kind(exc: BaseException) -> str:
    return exc.hint if isinstance(exc, Finding) else type(exc).__name__


def _same_call(a: dict[str, str], b: dict[str, str]) -> bool:
    def norm(k: dict[str, str]) -> dict[str, str]:
        return {**k, "f": "f" if k["f"] == "f again as a new object" else k["f"]}

    return norm(a) == norm(b)


def _differs(a: dict[str, str], b: dict[str, str], stochastic: bool) -> list[str]:
    """The arguments in which two calls differ and which must change the answer."""
    fa = "f" if a["f"] == "f again as a new object" else a["f"]
    fb = "f" if b["f"] == "f again as a new object" else b["f"]
    diff = [k for k in ("cov", "x0", "n") if a[k] != b[k]]
    if fa != fb:
        diff.append("f")
    if stochastic and a["seed"] != b["seed"]:
        diff.append("seed")
    return diff


def _machine(tracker: _Tracker, problems: st.SearchStrategy[Any]) -> type[_CallMachine]:
    class CallSequences(_CallMachine):
        @initialize(case=problems)
        def setup(self, case: Any) -> None:
            self.case = case
            self.pools = case.extras
            if self.tracker.runs == 1:
                self.sweep()

    CallSequences.tracker = tracker
    return CallSequences


@st.composite
def _machine_cases(draw: st.DrawFn, options: dict[str, Any]) -> SB.Case:
    """A problem and the pools the machine draws its calls from."""
    case = draw(SB.cases(**{**options, "families": ("rbf",)}))
    rng = derived_rng(draw(st.integers(0, 2**32 - 1)), 0xCA11)
    d, scale = case.d, case.covariance.largest_std

    def around(g: Any) -> Any:
        return Translated(g, -case.x0) if case.distance else g

    inner = case.f.f if isinstance(case.f, Translated) else case.f
    # The same family and shape (the same repr), other weights: a retrained model.
    factors = rng.uniform(1.2, 1.8, size=inner.weights.shape) * rng.choice([-1.0, 1.0])
    f2 = around(RBFMixture(inner.weights * factors, inner.centers, inner.precisions))
    g = around(SB.local_function(rng, d, scale, "sine"))
    rotated = _other_covariance(case.cov, options["structure"], rng)
    extras = {
        "f2": f2,
        "g": g,
        "x1": case.x0 + scale * rng.uniform(0.5, 2.0) * np.eye(d)[int(rng.integers(d))],
        "scaled_cov": rng.uniform(1.5, 3.0) ** 2 * case.cov,
        "rotated_cov": (rotated + rotated.T) / 2,  # "rotated" where the structure allows
        "larger_n": int(SB.primes_between(4 * case.n, 4 * case.n + 200)[0]),
    }
    return case.replace(extras=extras)


def _other_covariance(cov: np.ndarray, structure: str, rng: np.random.Generator) -> np.ndarray:
    """Another covariance of the declared structure, materially different from cov (by more
    than any working precision resolves): rotated (full), permuted or reweighted
    (diagonal); isotropic has only its scale to vary."""
    d = cov.shape[0]
    atol = 1e-2 * float(np.max(np.abs(cov)))
    if structure == "full" and d > 1:
        q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        other = q @ cov @ q.T
        if not np.allclose(other, cov, rtol=0, atol=atol):
            return other
    if structure != "isotropic" and d > 1:
        diag = np.diag(cov)[np.roll(np.arange(d), 1)]
        if np.allclose(diag, np.diag(cov), rtol=0, atol=atol):
            diag = diag * np.linspace(0.5, 1.5, d)
        return np.diag(diag)
    return 0.6**2 * cov


def run_call_machine(
    explainer: Explainer, name: str, seed: int, s: Settings, options: dict[str, Any]
) -> dict[str, Any]:
    """Run the state machine (``s.examples`` runs of up to 12 steps); figures or CheckFailure."""
    tracker = _Tracker(explainer, name, s.shrink_calls)
    machine = _machine(tracker, _machine_cases(options))
    hypothesis_seed(search_seed(name, seed))(machine)
    config = hypothesis_settings(
        max_examples=s.examples,
        stateful_step_count=12,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    try:
        with no_local_constants():  # the user's pool is back after the block
            run_state_machine_as_test(machine, settings=config)
    except (Finding, CheckFailure, Flaky, _Abort):
        pass  # the failure seen is in the tracker
    if tracker.failure is None:
        return {"runs": tracker.runs, "examples": s.examples}
    log, exc, case = tracker.failure
    steps = "; ".join(f"({i + 1}) {step}" for i, step in enumerate(log))
    tried = f"{tracker.runs} run(s), {tracker.shrinks} shrinking call(s)"
    where = (
        f"on the minimal problem found ({tried}): {case.describe()}; after the call sequence "
        f"{steps} [seed={seed}]"
    )
    replay = f"Replay: check_explainer(explainer, seed={seed}, checks=[{name!r}])"
    figures = {"log": log, "problem": case.describe(), "calls": steps}
    if isinstance(exc, Finding):
        return _raise(
            f"{name} failed: {exc.what}; {where}. Usual cause: {exc.hint}. {replay}", figures
        )
    return _raise(f"{str(exc).rstrip('. ')}; {where}. {replay}", figures)


def _raise(message: str, figures: dict[str, Any]) -> dict[str, Any]:
    raise CheckFailure(message, to_json(figures))

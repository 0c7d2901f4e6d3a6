"""Each check is a seeded Hypothesis search for a problem the explainer gets wrong.

:func:`search` draws up to ``examples`` problems from a strategy of
:mod:`properties.strategies.battery` and judges each with the check's
``judge(problem, alpha)``. The first failure is shrunk (Hypothesis moves to
smaller d, n, a simpler covariance, a point nearer the origin) and the check
fails on the *minimal* problem found, with the seed that replays the search.

False alarms: a judge that is statistical is given ``alpha = false_alarm /
examples`` and at most ``examples`` problems are judged before the first
failure (a counter enforces it whatever Hypothesis does), so a correct
explainer fails the check with probability at most ``false_alarm``
(Bonferroni). Shrinking starts only after a failure, so it cannot add false
alarms; it is bounded by ``Settings.shrink_calls`` judged calls (every later
candidate is passed at once), only failures of the first failure's kind (the
check's verdict, or the same complaint about a call) count while shrinking, so
the minimal problem shows the mistake first found and not another one met on
the way, and each verdict is memoised so that Hypothesis' replay of the minimal
problem sees the same verdict. A call past the time limit ends the search at
once (no shrinking of a hang).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from properties.determinism import no_local_constants, search_seed
from verify.jsonable import to_json

from .power import merge_power
from .runner import CheckFailure, CheckTimeout, Settings

__all__ = ["Finding", "search"]


class Finding(Exception):
    """Raised by a judge: what went wrong, the usual cause, the figures behind it."""

    def __init__(self, what: str, hint: str, figures: dict[str, Any] | None = None):
        super().__init__(what)
        self.what = what
        self.hint = hint
        self.figures = figures or {}


class _Found(Exception):
    pass


class _Abort(BaseException):  # not an Exception: Hypothesis lets it through unshrunk
    pass


def _kind(exc: BaseException) -> str:
    """What kind of failure: the check's own verdict, or the guarded call's complaint
    (the explainer raised, returned the wrong shape or non-finite values)."""
    if isinstance(exc, Finding):
        return "verdict"
    body = str(exc).partition(" failed: ")[2] or str(exc)
    return body.partition(":")[0][:40] if "raised" not in body[:40] else body[:30]


def _describe(problem: Any) -> str:
    describe = getattr(problem, "describe", None)
    return describe() if callable(describe) else repr(problem)


def _key(problem: Any) -> Any:
    key = getattr(problem, "key", None)
    return key() if callable(key) else repr(problem)


def search(
    name: str,
    seed: int,
    settings: Settings,
    strategy: st.SearchStrategy[Any],
    judge: Callable[[Any, float], dict[str, Any] | None],
    *,
    examples: int,
    shrink_calls: int | None = None,
    extreme: st.SearchStrategy[Any] | None = None,
) -> dict[str, Any]:
    """Run the check ``name`` as a seeded search; return its figures or raise CheckFailure.

    Parameters
    ----------
    name : str
        The check's name (it also salts the Hypothesis seed).
    seed : int
        The check's seed: the same seed replays the same search.
    settings : Settings
    strategy : SearchStrategy
        Problems (a :class:`~properties.strategies.battery.Case`, or a tuple of them).
    judge : callable
        ``judge(problem, alpha) -> figures``; raises :class:`Finding` (or CheckFailure
        from a guarded call) when the explainer is wrong on ``problem``. ``alpha`` is
        the false-alarm budget of one problem.
    examples : int
        Problems judged at most before the first failure.
    shrink_calls : int, optional
        Judged calls spent shrinking (default ``settings.shrink_calls``); a statistical
        check, whose every judgement costs R explainer calls, passes a smaller budget.
    extreme : SearchStrategy, optional
        Problems at an extreme of the space (the largest condition number the profile
        allows, a prime n near 2**16): one of them is judged at every seed, after the
        ordinary problems passed (and shrunk within this strategy if it fails), so a
        mistake that shows only there is met every time, not at a few seeds. It counts
        as one more problem in the false-alarm split.

    Returns
    -------
    dict
        ``examples`` judged, the ``dims`` and ``n`` covered, the worst margin
        (``worst``: the largest observed / tolerance ratio a judge reported) and
        ``second_looks``: problems passed in expectation only (a judge's ``exact``
        figure False; the escape hatch of the affine and small-sigma checks), and
        ``worst_problem``: the figures of the problem closest to failing.
    """
    # The extreme problem last: a mistake that shows anywhere is found and shrunk among the
    # ordinary (cheap) problems; the extreme one then catches what shows only there.
    runs = [(strategy, examples, "")] + ([(extreme, 1, "/extreme")] if extreme is not None else [])
    alpha = settings.false_alarm / sum(count for _, count, _ in runs)
    shrink_budget = settings.shrink_calls if shrink_calls is None else shrink_calls
    state: dict[str, Any] = {
        "judged": 0,
        "limit": 0,
        "shrinks": 0,
        "failure": None,
        "worst": 0.0,
        "second_looks": 0,
    }
    covered: dict[str, set] = {"dims": set(), "n": set()}
    verdict = _verdicts(judge, alpha, shrink_budget, state, covered)
    for problems, count, salt in runs:
        state["limit"] = state["judged"] + count
        _probe(name + salt, seed, problems, count, verdict, state)()
        if state["failure"] is not None:
            break
    if state["failure"] is not None:
        raise _failure(name, seed, state, *state["failure"])
    return _figures(state, covered, alpha)


def _verdicts(
    judge: Callable[[Any, float], dict[str, Any] | None],
    alpha: float,
    shrink_budget: int,
    state: dict[str, Any],
    covered: dict[str, set],
) -> Callable[[Any], BaseException | None]:
    """The memoised verdict on a problem: None (passed, or beyond the budgets: every later
    candidate passes at once) or the failure; counts judged problems and shrinking steps
    in ``state``, and only a failure of the first failure's kind counts while shrinking."""
    memo: dict[Any, BaseException | None] = {}

    def verdict(problem: Any) -> BaseException | None:
        key = _key(problem)
        if key in memo:
            return memo[key]
        if state["failure"] is None:
            if state["judged"] >= state["limit"]:
                return None
            state["judged"] += 1
        else:
            if state["shrinks"] >= shrink_budget:
                return None
            state["shrinks"] += 1
        outcome: BaseException | None = None
        try:
            figures = judge(problem, alpha) or {}
            _record(state, covered, problem, figures)
        except CheckTimeout as exc:
            if state["failure"] is None:  # a hang while shrinking keeps the failure found
                state["failure"] = (problem, exc)
            raise _Abort() from None
        except (Finding, CheckFailure) as exc:
            outcome = exc
            first = state["failure"]
            if first is not None and _kind(exc) != _kind(first[1]):
                outcome = None  # another mistake: not a smaller instance of the first one
        memo[key] = outcome
        return outcome

    return verdict


def _figures(state: dict[str, Any], covered: dict[str, set], alpha: float) -> dict[str, Any]:
    """What a passed search reports (see :func:`search`)."""
    return {
        "examples": state["judged"],
        "dims": sorted(covered["dims"]),
        "n": sorted(covered["n"]),
        "worst": state["worst"],
        "second_looks": state["second_looks"],
        "false_alarm_per_problem": alpha,
        "worst_problem": to_json(state.get("worst_problem", {})),
        **({"power": state["power"]} if "power" in state else {}),
    }


def _record(
    state: dict[str, Any], covered: dict[str, set], problem: Any, figures: dict[str, Any]
) -> None:
    """Keep the worst margin, the second looks, the sizes covered and the best power."""
    if float(figures.get("worst", 0.0)) >= state["worst"]:
        state["worst_problem"] = {**figures, "problem": _describe(problem)}
    state["worst"] = max(state["worst"], float(figures.get("worst", 0.0)))
    state["second_looks"] += figures.get("exact") is False
    power = figures.get("power")
    if power is not None:
        best = state.get("power")
        state["power"] = merge_power(best, power)
    for label, attr in (("dims", "d"), ("n", "n")):
        value = getattr(problem, attr, None)
        if value is not None:
            covered[label].add(int(value))


def _probe(
    name: str,
    seed: int,
    strategy: st.SearchStrategy[Any],
    examples: int,
    verdict: Callable[[Any], BaseException | None],
    state: dict[str, Any],
) -> Callable[[], None]:
    """The seeded Hypothesis run of one strategy; returns a callable that never raises."""

    @hypothesis_settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    @hypothesis_seed(search_seed(name, seed))
    @given(strategy)
    def probe(problem: Any) -> None:
        outcome = verdict(problem)
        if outcome is not None:
            state["failure"] = (problem, outcome)
            raise _Found()

    def run() -> None:
        try:
            with no_local_constants():  # the same search everywhere; the user's pool after
                probe()
        except (_Found, _Abort, Flaky):
            pass

    return run


def _failure(
    name: str, seed: int, state: dict[str, Any], problem: Any, exc: BaseException
) -> CheckFailure:
    tried = f"{state['judged']} problem(s) drawn, {state['shrinks']} shrinking step(s)"
    where = f"on the minimal problem found ({tried}): {_describe(problem)}"
    replay = f"Replay: check_explainer(explainer, seed={seed}, checks=[{name!r}])"
    if isinstance(exc, Finding):
        figures = {**exc.figures, "problem": _describe(problem)}
        return CheckFailure(
            f"{name} failed: {exc.what}; {where} [seed={seed}]. Usual cause: {exc.hint}. {replay}",
            to_json(figures),
        )
    assert isinstance(exc, CheckFailure)
    message = str(exc)
    prefix = f"{name} failed: "
    body = message[len(prefix) :] if message.startswith(prefix) else message
    if "Usual cause:" in body:
        what, _, cause = body.partition(" Usual cause: ")
        text = f"{prefix}{what.rstrip('. ')}; {where} [seed={seed}]. Usual cause: {cause}"
    else:
        text = f"{prefix}{body.rstrip('. ')}; {where} [seed={seed}]"
    figures = {**exc.figures, "problem": _describe(problem)}
    return type(exc)(f"{text} {replay}", to_json(figures))

"""The battery: which checks apply, and three ways to run them.

Modelled on scikit-learn's estimator checks:

* :func:`explainer_checks` yields (explainer, check) pairs;
* :func:`parametrize_with_checks` turns them into pytest parameters with
  readable ids (``<explainer>-<check>``);
* :func:`check_explainer` runs them without pytest and returns one
  :class:`ConformanceResult` per check, never stopping at the first failure.

The checks that apply are chosen from the explainer's tags by
:func:`_yield_checks`; one that does not apply is reported as skipped with
the reason.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from verify.jsonable import to_json
from verify.records import make_record
from verify.status import CONFORMANCE_STATUSES, FAILED, PASSED, SKIPPED, XFAIL, XPASS

from .explainer import Explainer, as_explainer
from .kinds import KINDS
from .replay import check_process_replay, warm_up
from .runner import CheckFailure, CheckSkipped, Settings, call_time_limit

__all__ = [
    "ALL_CHECKS",
    "CHECKS",
    "BoundCheck",
    "ConformanceError",
    "ConformanceResult",
    "ConformanceWarning",
    "check_explainer",
    "conformance_record",
    "explainer_checks",
    "parametrize_with_checks",
    "report",
    "run_check",
]

CheckFunction = Callable[..., dict[str, Any]]


#: Every registered kind's checks, in running order (each kind's module lists the checks
#: that apply to it, with the rule that says when one does not).
CHECKS: dict[str, tuple[tuple[CheckFunction, Callable[[Explainer], str | None]], ...]] = {
    name: kind.checks for name, kind in KINDS.items()
}
ALL_CHECKS: tuple[CheckFunction, ...] = tuple(
    dict.fromkeys(check for checks in CHECKS.values() for check, _ in checks)
)
_BY_NAME = {c.__name__: c for c in ALL_CHECKS}
STATUSES = CONFORMANCE_STATUSES


class ConformanceError(AssertionError):
    """Raised by ``check_explainer(..., on_fail="raise")``; ``results`` holds every record."""

    def __init__(self, message: str, results: list[ConformanceResult]):
        super().__init__(message)
        self.results = results


class ConformanceWarning(UserWarning):
    """Emitted per failed check by ``check_explainer(..., on_fail="warn")``."""


@dataclass
class ConformanceResult:
    """The verdict of one check on one explainer.

    Attributes
    ----------
    name : str
        ``"check_..."``.
    status : {"passed", "failed", "skipped", "xfail"}
    message : str
        Why it failed or was skipped (observed, expected, tolerance, seed, usual cause).
    seed : int
        Re-running the check with this seed reproduces the verdict.
    figures : dict
        The numbers behind the verdict (JSON-serialisable).
    duration : float
        Seconds.
    explainer : str
    """

    name: str
    status: str
    message: str
    seed: int
    figures: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    explainer: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_json(asdict(self))


def _yield_checks(explainer: Explainer) -> Iterator[tuple[CheckFunction, str | None]]:
    """Every check with the reason it does not apply to this explainer (None if it does)."""
    for check, applies in explainer.kind_spec.checks:
        yield check, applies(explainer)


class BoundCheck:
    """A check with its seed, settings and time limit, callable as ``check(explainer)``.

    Raises :class:`CheckFailure` (an AssertionError) on failure and
    :class:`CheckSkipped` (a unittest.SkipTest) when it does not apply.
    """

    def __init__(
        self,
        check: CheckFunction,
        seed: int = 0,
        settings: Settings | None = None,
        skip_reason: str | None = None,
    ):
        self.check = check
        self.name = self.__name__ = check.__name__
        self.seed = int(seed)
        self.settings = settings or Settings()
        self.skip_reason = skip_reason

    def __call__(self, explainer: Explainer) -> dict[str, Any]:
        if self.skip_reason:
            raise CheckSkipped(f"{self.name}: {self.skip_reason}")
        try:
            # an adapter whose calls are slow declares smaller sizes (power, not false alarms)
            settings = self.settings.capped(getattr(explainer, "battery_sizes", None))
            with call_time_limit(settings.time_limit):
                return self.check(explainer, seed=self.seed, settings=settings)
        except CheckFailure as exc:
            if "[seed=" not in str(exc):  # failures raised by the guarded call: add the seed
                raise type(exc)(f"{exc} [seed={self.seed}]", exc.figures) from exc
            raise

    def __repr__(self) -> str:
        return self.name


def _expected(
    explainer: Explainer, expected_failed_checks: Mapping[str, str] | None
) -> dict[str, str]:
    expected = dict(expected_failed_checks or {})
    unknown = sorted(set(expected) - set(_BY_NAME))
    if unknown:
        raise ValueError(
            f"expected_failed_checks names unknown check(s) {unknown}; known checks: "
            f"{', '.join(_BY_NAME)}"
        )
    return expected


def explainer_checks(
    explainer: Explainer, *, seed: int = 0, settings: Settings | None = None
) -> Iterator[tuple[Explainer, BoundCheck]]:
    """Yield ``(explainer, check)`` pairs; call ``check(explainer)`` to run one.

    Checks that do not apply are still yielded and raise :class:`CheckSkipped`
    with the reason when called.
    """
    explainer = as_explainer(explainer)
    for check, reason in _yield_checks(explainer):
        yield explainer, BoundCheck(check, seed, settings, reason)


def check_explainer(
    explainer: Explainer,
    *,
    expected_failed_checks: Mapping[str, str] | None = None,
    on_fail: str | None = "raise",
    seed: int = 0,
    settings: Settings | None = None,
    checks: Iterable[str] | None = None,
) -> list[ConformanceResult]:
    """Run the battery on one explainer and return one record per check.

    Parameters
    ----------
    explainer : Explainer
    expected_failed_checks : mapping of check name -> reason, optional
        Failures of these checks are recorded as ``"xfail"`` with the reason.
    on_fail : {"raise", "warn", None}
        After running every check: raise :class:`ConformanceError` listing the
        failures, emit one :class:`ConformanceWarning` per failure, or do nothing.
    seed : int
        Base seed of every check (recorded in each result).
    settings : Settings, optional
        Sizes, replicates, false alarm and time limit.
    checks : iterable of str, optional
        Run only these checks (by name).

    Returns
    -------
    list of ConformanceResult
    """
    if on_fail not in ("raise", "warn", None):
        raise ValueError(f"on_fail must be 'raise', 'warn' or None, got {on_fail!r}")
    explainer = as_explainer(explainer)
    expected = _expected(explainer, expected_failed_checks)
    wanted = None if checks is None else set(checks)
    if wanted is not None and wanted - set(_BY_NAME):
        raise ValueError(
            f"unknown check(s) {sorted(wanted - set(_BY_NAME))}; known: {', '.join(_BY_NAME)}"
        )
    bounds = [
        bound
        for _, bound in explainer_checks(explainer, seed=seed, settings=settings)
        if wanted is None or bound.name in wanted
    ]
    if any(b.check is check_process_replay and not b.skip_reason for b in bounds):
        if (settings or Settings()).process_replay:
            warm_up()  # the other interpreter imports while the other checks run
    results = [run_check(explainer, bound, expected.get(bound.name)) for bound in bounds]
    failed = [r for r in results if r.status == FAILED]
    if failed and on_fail == "raise":
        raise ConformanceError(
            f"{explainer.name}: {len(failed)} of {len(results)} checks failed:\n"
            + "\n".join(f"- {r.message}" for r in failed),
            results,
        )
    if on_fail == "warn":
        for r in failed:
            warnings.warn(r.message, ConformanceWarning, stacklevel=2)
    return results


def run_check(
    explainer: Explainer, bound: BoundCheck, xfail_reason: str | None = None
) -> ConformanceResult:
    start = time.perf_counter()
    figures: dict[str, Any] = {}
    try:
        figures = bound(explainer)
        status, message = PASSED, ""
        if xfail_reason is not None:
            message = (
                f"expected to fail ({xfail_reason}) but passed; remove it from "
                "expected_failed_checks"
            )
            status = XPASS
    except CheckSkipped as exc:
        status, message = SKIPPED, str(exc)
    except CheckFailure as exc:
        status, message, figures = FAILED, str(exc), exc.figures
    except Exception as exc:  # a bug in the check itself: record it, go on
        status = FAILED
        message = f"{bound.name} crashed: {type(exc).__name__}: {exc}\n" + "".join(
            traceback.format_exception(exc)[-3:]
        )
    if status == FAILED and xfail_reason is not None:
        status, message = XFAIL, f"{message} (expected: {xfail_reason})"
    return ConformanceResult(
        bound.name,
        status,
        message,
        bound.seed,
        to_json(figures or {}),
        time.perf_counter() - start,
        explainer.name,
    )


def parametrize_with_checks(
    explainers: Iterable[Explainer],
    *,
    expected_failed_checks: Callable[[Explainer], Mapping[str, str]] | None = None,
    seed: int = 0,
    settings: Settings | None = None,
) -> Any:
    """A ``pytest.mark.parametrize("explainer, check", ...)`` over every explainer and check.

    Ids read ``<explainer name>-<check name>``; expected failures are marked
    ``xfail`` with their reason.

    Examples
    --------
    >>> @parametrize_with_checks([my_explainer])          # doctest: +SKIP
    ... def test_conforms(explainer, check):
    ...     check(explainer)
    """
    import pytest

    params = []
    for e in explainers:
        e = as_explainer(e)
        expected = _expected(e, expected_failed_checks(e) if expected_failed_checks else None)
        for _, bound in explainer_checks(e, seed=seed, settings=settings):
            marks = []
            if bound.name in expected:
                marks.append(pytest.mark.xfail(reason=expected[bound.name], strict=False))
            params.append(pytest.param(e, bound, id=f"{e.name}-{bound.name}", marks=marks))
    return pytest.mark.parametrize("explainer, check", params)


def conformance_record(
    explainer: Explainer,
    result: ConformanceResult,
    *,
    profile: str | None = None,
    false_alarm: float | None = None,
    expected: Mapping[str, str] | None = None,
    figures: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One check's result as a record of :func:`verify.records.make_record` (the format of
    results.json): ``id`` ``conformance/<explainer>/<check>``; a check declared to fail
    (``expected``) that passed reads ``xpass``; ``figures`` are added to the check's own."""
    declared = expected or {}
    return make_record(
        id=f"conformance/{explainer.name}/{result.name}",
        source="conformance",
        title=result.name,
        # declared to fail, but passed: say so (the battery's message tells how to fix it)
        status=XPASS if result.status == PASSED and result.name in declared else result.status,
        message=result.message,
        figures={**result.figures, **(figures or {})},
        false_alarm=false_alarm,
        seed=result.seed,
        profile=profile,
        explainer=explainer.name,
        elapsed_seconds=result.duration,
    )


def report(
    results: list[ConformanceResult],
    explainer: Explainer,
    seed: int = 0,
    settings: Settings | None = None,
    expected_failed_checks: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A fixed-schema, JSON-serialisable report of one battery run: the explainer's tags,
    the seed and settings, a summary, and one record per check in results.json's format
    (:func:`conformance_record`; a declared failure that passed reads ``xpass``)."""
    settings = settings or Settings()
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    expected = expected_failed_checks
    records = [
        conformance_record(explainer, r, false_alarm=settings.false_alarm, expected=expected)
        for r in results
    ]
    return to_json(
        {
            "schema": "xai-verify/conformance-report/2",
            "explainer": explainer.tags,
            "seed": seed,
            "settings": asdict(settings),
            "summary": {**counts, "total": len(results), "ok": counts[FAILED] == 0},
            "records": records,
        }
    )

"""The battery: which checks apply, and three ways to run them.

Modelled on scikit-learn's estimator checks:

* :func:`explainer_checks` yields (explainer, check) pairs;
* :func:`parametrize_with_checks` turns them into pytest parameters with
  readable ids (``<explainer>-<check>``);
* :func:`check_explainer` runs them without pytest and returns one
  :class:`CheckResult` per check, never stopping at the first failure.

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

from .checks_contract import (
    check_input_validation,
    check_no_mutation,
    check_output_contract,
    check_seed_reproducibility,
    check_seed_sensitivity,
)
from .checks_exact import (
    check_linearity,
    check_proportionality_affine,
    check_proportionality_single_index,
    check_scale_equivariance,
    check_small_sigma_limit,
    check_translation_equivariance,
)
from .checks_statistical import (
    check_anisotropic_covariance,
    check_convergence,
    check_correlated_covariance,
    check_lipschitz_bound,
    check_rate,
    check_sign_and_scale,
)
from .common import to_json
from .explainer import Explainer, as_explainer
from .runner import CheckFailure, CheckSkipped, Settings, call_time_limit

__all__ = [
    "ALL_CHECKS",
    "CheckResult",
    "ConformanceError",
    "ConformanceWarning",
    "check_explainer",
    "explainer_checks",
    "parametrize_with_checks",
    "report",
]

CheckFunction = Callable[..., dict[str, Any]]

ALL_CHECKS: tuple[CheckFunction, ...] = (
    check_output_contract,
    check_no_mutation,
    check_input_validation,
    check_seed_reproducibility,
    check_seed_sensitivity,
    check_proportionality_affine,
    check_proportionality_single_index,
    check_linearity,
    check_translation_equivariance,
    check_scale_equivariance,
    check_small_sigma_limit,
    check_convergence,
    check_rate,
    check_anisotropic_covariance,
    check_correlated_covariance,
    check_lipschitz_bound,
    check_sign_and_scale,
)
_BY_NAME = {c.__name__: c for c in ALL_CHECKS}
STATUSES = ("passed", "failed", "skipped", "xfail")


class ConformanceError(AssertionError):
    """Raised by ``check_explainer(..., on_fail="raise")``; ``results`` holds every record."""

    def __init__(self, message: str, results: list[CheckResult]):
        super().__init__(message)
        self.results = results


class ConformanceWarning(UserWarning):
    """Emitted per failed check by ``check_explainer(..., on_fail="warn")``."""


@dataclass
class CheckResult:
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
    yield from (
        (check_output_contract, None),
        (check_no_mutation, None),
        (check_input_validation, None),
        (check_seed_reproducibility, None),
        (check_seed_sensitivity, None),
        (check_proportionality_affine, None),
        (check_proportionality_single_index, None),
        (check_linearity, None),
        (check_translation_equivariance, None),
    )
    if explainer.units == "raw" and (explainer.kernel_width is not None or explainer.has_ridge):
        yield (
            check_scale_equivariance,
            (
                "a kernel width or ridge in raw input units is not scale-free (tested against its "
                "closed form by check_convergence)"
            ),
        )
    else:
        yield check_scale_equivariance, None
    if explainer.kind == "gradient":
        yield check_small_sigma_limit, None
    else:
        yield check_small_sigma_limit, "applies to gradient explainers (kind='gradient')"
    yield from (
        (check_convergence, None),
        (check_rate, None),
        (check_anisotropic_covariance, None),
        (check_correlated_covariance, None),
        (check_lipschitz_bound, None),
        (check_sign_and_scale, None),
    )


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
            with call_time_limit(self.settings.time_limit):
                return self.check(explainer, seed=self.seed, settings=self.settings)
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
) -> list[CheckResult]:
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
    list of CheckResult
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
    results = []
    for _, bound in explainer_checks(explainer, seed=seed, settings=settings):
        if wanted is not None and bound.name not in wanted:
            continue
        results.append(_run_one(explainer, bound, expected.get(bound.name)))
    failed = [r for r in results if r.status == "failed"]
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


def _run_one(explainer: Explainer, bound: BoundCheck, xfail_reason: str | None) -> CheckResult:
    start = time.perf_counter()
    figures: dict[str, Any] = {}
    try:
        figures = bound(explainer)
        status, message = "passed", ""
        if xfail_reason is not None:
            message = (
                f"expected to fail ({xfail_reason}) but passed; remove it from "
                "expected_failed_checks"
            )
    except CheckSkipped as exc:
        status, message = "skipped", str(exc)
    except CheckFailure as exc:
        status, message, figures = "failed", str(exc), exc.figures
    except Exception as exc:  # a bug in the check itself: record it, go on
        status = "failed"
        message = f"{bound.name} crashed: {type(exc).__name__}: {exc}\n" + "".join(
            traceback.format_exception(exc)[-3:]
        )
    if status == "failed" and xfail_reason is not None:
        status, message = "xfail", f"{message} (expected: {xfail_reason})"
    return CheckResult(
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


def report(
    results: list[CheckResult],
    explainer: Explainer,
    seed: int = 0,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """A fixed-schema, JSON-serialisable report of one battery run."""
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    return to_json(
        {
            "schema": "xai-verify/conformance-report/1",
            "explainer": explainer.tags,
            "seed": seed,
            "settings": asdict(settings or Settings()),
            "summary": {**counts, "total": len(results), "ok": counts["failed"] == 0},
            "results": [r.to_dict() for r in results],
        }
    )

"""Calling an explainer on bad input, and which inputs it did not refuse.

Shared by the noise kinds' ``check_input_validation`` and the reference kinds'
``check_attribution_input_validation``: each lists its own bad inputs; refusing one
means raising ValueError or TypeError. Returning a value is garbage in, garbage out;
another exception type (AssertionError, KeyError, IndexError) hides the problem.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .common import fmt
from .runner import CheckTimeout, guarded
from .search import Finding

if TYPE_CHECKING:
    from .explainer import Explainer

__all__ = ["ACCEPTED_ERRORS", "not_refused", "refuse_all", "shown"]

#: What refusing a bad input means.
ACCEPTED_ERRORS = (ValueError, TypeError)


def shown(out: Any) -> str:
    """An explainer's answer to a bad input, short (the first six values, or its repr)."""
    try:
        return fmt(np.asarray(out[0] if isinstance(out, tuple) else out, dtype=float).ravel()[:6])
    except (TypeError, ValueError):
        return repr(out)[:80]


def not_refused(
    explainer: Explainer, f: Any, bad: Iterable[tuple[str, Any, Any, int]], seed: int
) -> list[str]:
    """Call ``explainer(f, point, third, n, seed)`` on each ``(label, point, third, n)``;
    the labels of the inputs it did not refuse, with what it did instead."""
    problems = []
    for label, point, third, n in bad:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # garbage in: the verdict counts
                out = guarded(explainer, f, point, third, n, seed)
        except ACCEPTED_ERRORS:
            continue
        except CheckTimeout:
            raise
        except Exception as exc:
            problems.append(f"{label}: raised {type(exc).__name__} ({exc})")
            continue
        problems.append(f"{label}: returned {shown(out)}")
    return problems


def refuse_all(problems: list[str], fix: str) -> None:
    """A :class:`Finding` naming every bad input not refused (nothing when all were)."""
    if problems:
        raise Finding(
            f"{len(problems)} bad input(s) were not refused with ValueError/TypeError: "
            + "; ".join(problems),
            fix,
            {"not_refused": problems},
        )

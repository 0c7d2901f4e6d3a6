"""Admission of a Gaussian law's covariance: symmetric, and positive definite or never.

Part of the admission step (:mod:`verify.symbolic.admission`). A numeric covariance must be
positive definite (exact Sylvester test). A symbolic one is refused when one of its
principal minors is provably non-positive for every admissible value of its parameters, or
when no admissible value making it positive definite can be found; otherwise its positive
definiteness is the stated assumption of every proof (a proof under an assumption nobody
can meet would prove nothing).
"""

from __future__ import annotations

import itertools
import random

import sympy as sp

from .errors import InadmissibleInput

__all__ = ["positive_definite", "symmetric"]

_MAX_PD_DRAWS = 200


def symmetric(c: sp.Matrix) -> None:
    """Refuse a covariance that is not symmetric (entries compared after expansion)."""
    d = c.shape[0]
    for i in range(d):
        for j in range(i + 1, d):
            if sp.expand(c[i, j] - c[j, i]) != 0:
                raise InadmissibleInput(
                    f"covariance is not symmetric: entry [{i},{j}] = {c[i, j]} but "
                    f"[{j},{i}] = {c[j, i]}. A covariance matrix must equal its transpose; "
                    "symmetrise it, e.g. (C + C.T)/2, or build it with "
                    "verify.symbolic.symbolic_covariance(d)."
                )


def _principal_minors(c: sp.Matrix, *, leading_only: bool):
    d = c.shape[0]
    if leading_only:
        for k in range(1, d + 1):
            yield tuple(range(k)), c[:k, :k].det()
        return
    for size in range(1, d + 1):
        for idx in itertools.combinations(range(d), size):
            yield idx, c.extract(list(idx), list(idx)).det()


def positive_definite(c: sp.Matrix, generated: bool) -> list[str]:
    """Refuse a covariance that is never (or provably not) positive definite."""
    d = c.shape[0]
    if not c.free_symbols:
        for idx, minor in _principal_minors(c, leading_only=True):
            if not bool(minor > 0):
                raise InadmissibleInput(
                    f"covariance is not positive definite (leading {len(idx)}x{len(idx)} "
                    f"minor = {minor}); a Gaussian N(mean, cov) needs a symmetric positive "
                    "definite cov"
                )
        return []
    if generated:
        return []
    for idx, minor in _principal_minors(c, leading_only=d > 4):
        minor = sp.factor(minor)
        if minor.is_nonpositive is True:
            raise InadmissibleInput(
                f"covariance {sp.sstr(c.tolist())} is never positive definite: its principal "
                f"minor on rows {list(idx)} is {minor}, which is <= 0 for every admissible value "
                "of its parameters. A Gaussian N(mean, cov) needs a symmetric positive "
                "definite cov"
            )
    if all(sp.factor(m).is_positive is True for _, m in _principal_minors(c, leading_only=True)):
        return []
    if _pd_point(c) is None:
        raise InadmissibleInput(
            f"covariance {sp.sstr(c.tolist())} could not be shown positive definite for any "
            f"admissible value of its parameters ({_MAX_PD_DRAWS} random rational draws "
            "within their declared domains). A proof under an assumption nobody can meet "
            "would prove nothing: declare the parameters' domain (e.g. positive=True) or "
            "pass a covariance that is positive definite"
        )
    return [
        f"covariance {sp.sstr(c.tolist())} positive definite (an assumption: it holds for "
        "some but not provably all admissible parameter values)"
    ]


def _pd_point(c: sp.Matrix) -> dict | None:
    from .canonical import is_spd, spd_sampler  # canonical imports nothing from here

    sample = spd_sampler(c, c.free_symbols - set(c))
    rng = random.Random(0)
    for _ in range(_MAX_PD_DRAWS // 50):
        try:
            point = sample(rng)
        except ValueError:
            continue
        if is_spd(c.xreplace(point)):
            return point
    return None

"""What a derivation relied on: the expectations it took and the conditions they need.

While a proof runs (:func:`tracing`), the engine notes here every Gaussian expectation it
evaluates (integrand, law, result) and every integrability condition it could not settle
from the stated assumptions. The proof harness then corroborates each expectation by an
independent route (:mod:`verify.symbolic.corroborate`) and writes each condition into the
record's assumptions. Outside :func:`tracing` nothing is kept.

The trace is a context variable, so concurrent proofs in threads do not mix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

import sympy as sp

__all__ = ["Expectation", "IntegrabilityCondition", "Trace", "active", "note_sides", "tracing"]


@dataclass(frozen=True)
class Expectation:
    """One exact expectation ``E[integrand(x)] = value`` for x ~ N(mean, cov).

    ``role`` is empty for an expectation the engine took, and names the record's side
    (``"lhs[0]"``, ...) for a side a proof attaches to its record: the second route
    recomputes those too, so a record can never show sides nobody checked.
    """

    integrand: sp.Expr
    xs: tuple
    mean: sp.Matrix
    cov: sp.Matrix
    value: sp.Expr
    role: str = ""


@dataclass(frozen=True)
class IntegrabilityCondition:
    """``cov^-1 + A`` must be positive definite for ``E[exp(-x'Ax/2 + ...)]`` to be finite.

    Kept in the equivalent polynomial form ``cov + cov A cov`` (positive definite iff
    ``cov^-1 + A`` is, because cov is), which needs no inverse.

    Attributes
    ----------
    A : sympy.Matrix
        The (symmetric) quadratic part of the exponent, written ``-x'Ax/2``.
    cov : sympy.Matrix
        The covariance of the law.
    """

    A: sp.Matrix
    cov: sp.Matrix

    @property
    def matrix(self) -> sp.Matrix:
        """``cov + cov A cov``: positive definite iff the expectation is finite."""
        return (self.cov + self.cov * self.A * self.cov).applyfunc(sp.expand)

    @property
    def text(self) -> str:
        """The condition in words, for a record's assumptions."""
        return (
            "integrability (not implied by the other assumptions): cov^-1 + A positive "
            f"definite, i.e. cov + cov A cov > 0, for the factor exp(-x'Ax/2 + ...) with "
            f"A = {sp.sstr(self.A.tolist())}, cov = {sp.sstr(self.cov.tolist())}"
        )

    def holds_at(self, point: dict, margin: int = 1) -> bool:
        """Sylvester's criterion at a numeric point (exact when the point is rational).

        ``margin`` m > 1 asks for ``cov^-1 + m A`` positive definite: then the integrand
        stays integrable when raised to the power m (quadrature converges fast there).
        """
        mat = self.matrix if margin == 1 else (self.cov + margin * self.cov * self.A * self.cov)
        mat = mat.xreplace(point)
        for k in range(1, mat.shape[0] + 1):
            minor = mat[:k, :k].det()
            if not (minor.is_number and bool(minor > 0)):
                return False
        return True


@dataclass
class Trace:
    """Expectations taken, moment tables used and conditions left open in one derivation."""

    expectations: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    tables: list = field(default_factory=list)

    def add_table(self, table) -> None:
        """Note a :class:`~verify.symbolic.moments.MomentTable` whose moments a proof used."""
        if all(t is not table for t in self.tables):
            self.tables.append(table)

    def add_side(self, role: str, integrand, xs, mean, cov, value) -> None:
        """Note that a record shows ``value`` as ``E[integrand]`` (checked by the second route)."""
        self.expectations.append(
            Expectation(sp.sympify(integrand), tuple(xs), mean, cov, sp.sympify(value), role)
        )

    def add_condition(self, cond: IntegrabilityCondition) -> None:
        """Note a condition once (conditions compare by their text)."""
        if all(c.text != cond.text for c in self.conditions):
            self.conditions.append(cond)


_ACTIVE: ContextVar[Trace | None] = ContextVar("verify_symbolic_trace", default=None)


def active() -> Trace | None:
    """The trace of the derivation in progress, or None outside :func:`tracing`."""
    return _ACTIVE.get()


@contextlib.contextmanager
def tracing() -> Iterator[Trace]:
    """Collect a :class:`Trace` for the code in the ``with`` block (nests: inner wins)."""
    trace = Trace()
    token = _ACTIVE.set(trace)
    try:
        yield trace
    finally:
        _ACTIVE.reset(token)


def note_sides(role: str, values, integrands, xs, mean, cov) -> None:
    """Note a record's side ``values[i] = E[integrands[i]]`` in the active trace (if any)."""
    trace = active()
    if trace is None:
        return
    for i, (v, h) in enumerate(zip(values, integrands, strict=True)):
        trace.add_side(f"{role}[{i}]", h, xs, mean, cov, v)

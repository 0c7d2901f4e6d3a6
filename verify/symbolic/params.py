"""Gaussian parameters: symbolic constructors and validation of user input.

The engine accepts a mean vector and a covariance matrix whose entries are
SymPy expressions (symbols, Rationals, ...). Floats are converted at the door to
exactly the binary fraction they hold (:func:`~verify.symbolic.exact.exactify`), so every
later step is exact and works on the numbers the user wrote.
"""

from __future__ import annotations

import sympy as sp

from .exact import exactify

__all__ = [
    "as_covariance",
    "as_mean",
    "as_variables",
    "symbolic_covariance",
    "symbolic_mean",
]


def symbolic_mean(d: int, name: str = "mu") -> sp.Matrix:
    """Column vector of real symbols ``mu_1 .. mu_d``."""
    return sp.Matrix([sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(d)])


def symbolic_covariance(d: int, name: str = "s") -> sp.Matrix:
    """Fully symbolic symmetric matrix with entries ``s_ij`` (i <= j).

    Diagonal symbols are declared positive (variances), off-diagonal ones real.
    Positive definiteness itself is a stated assumption of every proof.
    """
    entries = {}
    for i in range(d):
        for j in range(i, d):
            entries[i, j] = sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True, positive=(i == j))
    return sp.Matrix(d, d, lambda i, j: entries[min(i, j), max(i, j)])


def as_variables(xs) -> tuple[sp.Symbol, ...]:
    """Validate the integration variables: a non-empty sequence of distinct Symbols."""
    if isinstance(xs, sp.Symbol):
        xs = (xs,)
    xs = tuple(xs)
    if not xs:
        raise ValueError("xs is empty: pass the integration variables, e.g. sympy.symbols('x1 x2')")
    for x in xs:
        if not isinstance(x, sp.Symbol):
            raise ValueError(f"integration variable {x!r} is not a sympy Symbol")
    if len(set(xs)) != len(xs):
        raise ValueError(f"integration variables {xs} contain duplicates")
    return xs


def as_mean(mean, d: int) -> sp.Matrix:
    """Mean as a ``d x 1`` exact SymPy column; ``None`` gives ``symbolic_mean(d)``."""
    if mean is None:
        return symbolic_mean(d)
    m = sp.Matrix(mean)
    if m.shape == (1, d):
        m = m.T
    if m.shape != (d, 1):
        raise ValueError(
            f"mean has shape {m.shape} but there are {d} variables: pass a length-{d} vector"
        )
    return m.applyfunc(exactify)


def as_covariance(cov, d: int, *, check_pd: bool = True) -> sp.Matrix:
    """Covariance as an exact symmetric ``d x d`` SymPy matrix.

    ``None`` gives :func:`symbolic_covariance`. A matrix that is not symmetric is
    refused (symbolically: ``cov[i, j] - cov[j, i]`` must expand to 0). A numeric
    matrix (no free symbols) must be positive definite.

    Raises
    ------
    ValueError
        Wrong shape, not symmetric, or numerically not positive definite.
    """
    if cov is None:
        return symbolic_covariance(d)
    c = sp.Matrix(cov)
    if c.shape != (d, d):
        raise ValueError(
            f"covariance has shape {c.shape} but there are {d} variables: pass a {d}x{d} matrix"
        )
    c = c.applyfunc(exactify)
    for i in range(d):
        for j in range(i + 1, d):
            if sp.expand(c[i, j] - c[j, i]) != 0:
                raise ValueError(
                    f"covariance is not symmetric: entry [{i},{j}] = {c[i, j]} but "
                    f"[{j},{i}] = {c[j, i]}. A covariance matrix must equal its transpose; "
                    "symmetrise it, e.g. (C + C.T)/2, or build it with "
                    "verify.symbolic.symbolic_covariance(d)."
                )
    if check_pd and not c.free_symbols:
        # Sylvester's criterion on exact Rationals: leading principal minors > 0.
        for k in range(1, d + 1):
            minor = c[:k, :k].det()
            if not bool(minor > 0):
                raise ValueError(
                    f"covariance is not positive definite (leading {k}x{k} minor = {minor}); "
                    "a Gaussian N(mean, cov) needs a symmetric positive definite cov"
                )
    return c

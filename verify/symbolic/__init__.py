"""Exact symbolic Gaussian expectations and proofs of the paper's statements.

Public API
----------
gaussian_expectation(expr, xs, mean, cov)
    Exact ``E[expr(x)]`` for x ~ N(mean, cov), symbolic parameters allowed.
expected_gradient(expr, xs, mean, cov)
    ``E[grad expr]`` (SmoothGrad), a SymPy column Matrix.
stein_side(expr, xs, mean, cov)
    ``cov^{-1} Cov(x, expr)`` (C-LIME), a SymPy column Matrix.
prove_equivalence(expr, xs, mean=None, cov=None)
    Theorem 1 for one function; ``None`` means fully symbolic mean / covariance.
prove_theorem1_generic, prove_lemma6, prove_kernel_lime, prove_linearity,
prove_proportionality, prove_theorem2_published, prove_theorem2_sharp,
prove_stein_step_function
    The other statements (see :mod:`verify.symbolic.proofs`).
prove_all(classes="default")
    Every statement (``"thorough"``: heavier classes too); a list of :class:`ProofRecord`.
proved_polynomial_classes(max_d, max_k)
    Theorem 1 for every generic polynomial class (d, k), with timings.

Admission: every public function first sends its input through one admission step
(:mod:`verify.symbolic.admission`): strings parsed with real symbols, plain symbols unified
with the real integration variables by name, plain parameters taken real, variables with
other assumptions (``positive=True``, ...) and complex, infinite or NaN input refused with
:class:`InadmissibleInput`, forms outside the classes refused with
:class:`UnsupportedExpression`, a symbolic covariance that can never be positive definite
refused.

Soundness: a divergent Gaussian expectation raises :class:`NotIntegrable` (numeric
parameters) or becomes an assumption of the proof (symbolic ones); floats are taken as
the binary fractions they hold; "disproved" carries a certified witness; every
expectation a proof used is recomputed by an independent route (``record.corroboration``)
and a disagreement withdraws the verdict.

Examples
--------
>>> import sympy as sp
>>> from verify import symbolic
>>> x1, x2 = sp.symbols("x1 x2", real=True)
>>> rec = symbolic.prove_equivalence(sp.sin(x1 - 2 * x2) + x1**3 * x2, [x1, x2])
>>> rec.status
'proved'
"""

from .boundary import to_numeric
from .canonical import decide_zero
from .engine import (
    covariance_vector,
    expected_gradient,
    gaussian_expectation,
    second_moment_matrix,
    stein_side,
)
from .errors import (
    InadmissibleInput,
    IntegrabilityWarning,
    NotIntegrable,
    ProofTimeout,
    UnsupportedExpression,
)
from .params import symbolic_covariance, symbolic_mean
from .proofs import (
    generic_polynomial,
    prove_all,
    prove_equivalence,
    prove_kernel_lime,
    prove_lemma6,
    prove_linearity,
    prove_proportionality,
    prove_stein_step_function,
    prove_theorem1_generic,
    prove_theorem2_published,
    prove_theorem2_sharp,
    proved_polynomial_classes,
)
from .records import STATEMENT_IDS, ProofRecord
from .special import Phi, phi

__all__ = [
    "STATEMENT_IDS",
    "InadmissibleInput",
    "IntegrabilityWarning",
    "NotIntegrable",
    "Phi",
    "ProofRecord",
    "ProofTimeout",
    "UnsupportedExpression",
    "covariance_vector",
    "decide_zero",
    "expected_gradient",
    "gaussian_expectation",
    "generic_polynomial",
    "phi",
    "prove_all",
    "prove_equivalence",
    "prove_kernel_lime",
    "prove_lemma6",
    "prove_linearity",
    "prove_proportionality",
    "prove_stein_step_function",
    "prove_theorem1_generic",
    "prove_theorem2_published",
    "prove_theorem2_sharp",
    "proved_polynomial_classes",
    "second_moment_matrix",
    "stein_side",
    "symbolic_covariance",
    "symbolic_mean",
    "to_numeric",
]

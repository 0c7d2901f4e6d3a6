"""Public checks of every statement of docs/math.md, one function per statement.

Each ``check_*`` returns a :class:`CheckResult` (statement id, status
"verified" / "falsified" / "not_applicable", observed figures, bounds and
tolerances, false-alarm budget, seed, counterexample, message) and never
raises on a false statement; :func:`require` turns a record into a pytest
assertion::

    from properties.theorems import check_theorem1, require

    def test_my_model(f, x0, cov):
        require(check_theorem1(f, x0, cov, n=2000, seed=0))

The empirical explainers and closed forms under test are arguments
(``smoothgrad_estimator=``, ``clime_estimator=``, ``closed_smoothgrad=``,
``closed_clime=``), defaulting to the reference ones of :mod:`verify`.

=====================  ========================================  =====================
statement id           check                                     module
=====================  ========================================  =====================
theorem1               :func:`check_theorem1`                    equivalence
stein_step_function    :func:`check_stein_step_function`         stein
theorem2_sharp         :func:`check_theorem2_sharp`              robustness
theorem2_published     :func:`check_theorem2_published`,         robustness
                       :func:`search_theorem2_counterexample`    theorem2_search
proposition1           :func:`check_proposition1`                sample_complexity
theorem3               :func:`check_theorem3`                    sample_complexity
proposition2           :func:`check_proposition2`                algebra
proposition3           :func:`check_proposition3`                algebra
lemma6                 :func:`check_lemma6`                      ridge_kernel
kernel_lime            :func:`check_kernel_lime`                 ridge_kernel
=====================  ========================================  =====================
"""

from __future__ import annotations

from .algebra import check_proposition2, check_proposition3, single_index_slope
from .equivalence import check_theorem1
from .records import (
    FALSIFIED,
    NOT_APPLICABLE,
    STATEMENTS,
    VERIFIED,
    CheckResult,
    StatementProperty,
    StatementViolation,
    require,
)
from .ridge_kernel import check_kernel_lime, check_lemma6, gaussian_kernel, sklearn_available
from .robustness import check_theorem2_published, check_theorem2_sharp, published_ratio
from .sample_complexity import check_proposition1, check_theorem3
from .stein import check_stein_step_function, step_function_clime
from .theorem2_search import (
    ascend_theorem2_case,
    find_theorem2_counterexample,
    link_supremum,
    search_theorem2_counterexample,
)

__all__ = [
    "FALSIFIED",
    "NOT_APPLICABLE",
    "STATEMENTS",
    "VERIFIED",
    "CheckResult",
    "StatementProperty",
    "StatementViolation",
    "ascend_theorem2_case",
    "check_kernel_lime",
    "check_lemma6",
    "check_proposition1",
    "check_proposition2",
    "check_proposition3",
    "check_stein_step_function",
    "check_theorem1",
    "check_theorem2_published",
    "check_theorem2_sharp",
    "check_theorem3",
    "find_theorem2_counterexample",
    "gaussian_kernel",
    "link_supremum",
    "published_ratio",
    "require",
    "search_theorem2_counterexample",
    "single_index_slope",
    "sklearn_available",
    "step_function_clime",
]

"""What the three coalition kinds share: the ``value`` tag and the battery of checks.

``shapley``, ``banzhaf`` and ``lime_binary`` explainers are called
``explain(f, x, reference, n, seed)`` with ``reference`` a
:class:`verify.attribution.Baseline` or :class:`~verify.attribution.Background`; each
kind module (:mod:`.kinds.shapley`, :mod:`.kinds.banzhaf`, :mod:`.kinds.lime_binary`)
adds its own tags and target and picks its checks from :func:`coalition_checks`.
"""

from __future__ import annotations

from typing import Any

from .attribution_contract import (
    ReferenceContract,
    check_attribution_input_validation,
    check_attribution_no_mutation,
    check_attribution_output,
    check_attribution_reproducibility,
    register_contract,
)
from .checks_coalitions import (
    check_additive_recovery,
    check_coalition_exactness,
)
from .checks_coalitions_games import (
    check_background_semantics,
    check_efficiency,
    check_null_and_symmetric_players,
    efficiency_not_applicable,
)
from .checks_coalitions_seeds import check_random_streams
from .checks_coalitions_stats import (
    antithetic_not_applicable,
    check_antithetic_pairs,
    check_coalition_convergence,
    check_coalition_rate,
    check_lime_kernel,
    sampling_not_applicable,
)
from .checks_coalitions_units import check_offset_and_scale
from .kinds.base import CheckRule, Tag, choice

__all__ = [
    "CONTRACT",
    "LIME_OWN",
    "SHAPLEY_OWN",
    "SIGNATURE",
    "VALUES",
    "VALUE_TAG",
    "applies",
    "coalition_checks",
    "register",
]

SIGNATURE = "explain(f, x, reference, n, seed)"
VALUES = ("baseline", "interventional")
_VALUE_HELP = (
    "the references it supports: 'baseline' (one point, Baseline(b): v(S) = f(x_S, b_S-bar); "
    "it must refuse Background rows with ValueError) or 'interventional' (also Background "
    "rows: v(S) = the weighted mean of f(x_S, B_r S-bar) over the rows, not f at the mean row)"
)
VALUE_TAG = Tag(_VALUE_HELP, choice(*VALUES, help=_VALUE_HELP), example="interventional")


def applies(explainer: Any) -> str | None:
    """Every coalition check that has no rule of its own applies."""
    return None


#: The shared contract checks of the reference kinds that fit sampling estimators. Not
#: check_attribution_seed_sensitivity: it draws d = 1 and small n, where a correct
#: permutation or coalition sampler has one possible answer (check_random_streams asks for
#: different answers at d >= 5 and n >= 64 instead).
CONTRACT: tuple[CheckRule, ...] = tuple(
    (check, applies)
    for check in (
        check_attribution_output,
        check_attribution_no_mutation,
        check_attribution_input_validation,
        check_attribution_reproducibility,
    )
)


def register(kind: str) -> None:
    """Declare the kind's contract: the contract checks draw Baseline problems only (an
    explainer declaring value='baseline' refuses rows; check_background_semantics judges
    Background rows against the value declared), n from 1."""
    register_contract(kind, ReferenceContract(("baseline",), uses_n=True, min_n=1))


def coalition_checks(own: tuple[CheckRule, ...] = ()) -> tuple[CheckRule, ...]:
    """The coalition battery in running order: the shared contract checks, the random
    streams, the exact identities, the kind's ``own`` checks, then the statistical ones."""
    return (
        *CONTRACT,
        (check_random_streams, applies),
        (check_coalition_exactness, applies),
        (check_additive_recovery, applies),
        (check_background_semantics, applies),
        (check_null_and_symmetric_players, applies),
        (check_offset_and_scale, applies),
        *own,
        (check_coalition_convergence, sampling_not_applicable),
        (check_coalition_rate, sampling_not_applicable),
    )


#: The kinds' own checks.
SHAPLEY_OWN: tuple[CheckRule, ...] = (
    (check_efficiency, efficiency_not_applicable),
    (check_antithetic_pairs, antithetic_not_applicable),
)
LIME_OWN: tuple[CheckRule, ...] = ((check_lime_kernel, applies),)

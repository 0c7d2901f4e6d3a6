"""Broken inputs for the LFA statements, one row each in ``test_broken_inputs``' table.

Each entry is ``(check, defect, run)`` with ``run(seed, broken) -> CheckResult``: the same
problem with a deliberately broken target (``broken=True``) or the engine's own (``False``).
The LFA checks compare against quadrature and exact enumeration, so most ignore the seed;
the rows still run over the table's seeds so every statement is judged alike.
"""

from __future__ import annotations

import numpy as np

from properties.theorems import lfa_coalitions as C
from properties.theorems import lfa_nfl as N
from properties.theorems import lfa_paths as P
from properties.theorems.lfa_cases import AffineCase, GameCase, reindex
from verify import attribution as A
from verify.functions import LinearCombination, Polynomial, RBFMixture, RidgeFunction

CUBIC = Polynomial({(3, 0): 0.5, (1, 1): -1.0, (0, 2): 2.0, (0, 0): 0.3})
BUMP = RBFMixture([1.5], [[0.2, -0.4]], [[2.0, 0.5], [0.5, 1.0]])
X, B = np.array([1.2, -0.7]), np.array([-0.4, 0.9])
ROWS = A.Background(np.array([[0.0, 1, -1], [2, 0, 0.5]]), [0.3, 0.7])
STEP = RidgeFunction([1.0, 1.0], 0.0, "step")
MULTILINEAR = Polynomial({(1, 1, 0): 2.0, (1, 1, 1): -1.0})
AFFINE = AffineCase(
    RidgeFunction([1.0, -2.0], 1.0, "identity"),
    np.array([1.0, -2.0]),
    np.array([0.3, 1]),
    np.array([1, -1.0]),
    np.eye(2),
    np.zeros((1, 2)),
)
# a three-way interaction: the unconstrained KernelSHAP fit's shift does not vanish
INTERACTING = Polynomial({(1, 1, 1): 1.0, (2, 0, 0): 0.5, (0, 1, 0): 1.0})
PARTS = (
    reindex(Polynomial({(2,): 1.0}), [0], 3),
    reindex(Polynomial({(3,): 1.0}), [1], 3),
    reindex(Polynomial({(1,): 2.0}), [2], 3),
)
ADDITIVE = GameCase(
    LinearCombination([(1.0, p) for p in PARTS]), np.array([1.0, -0.5, 2.0]), ROWS, PARTS
)
# three interacting players (for two, Banzhaf = Shapley) and a fourth unused
AXIOMS = GameCase(
    reindex(Polynomial({(1, 1, 1): 1.0, (2, 0, 0): 0.5}), [0, 1, 2], 4),
    np.array([1.0, -0.5, 2.0, 0.3]),
    A.GaussianBackground(np.zeros(4), np.eye(4) + 0.2),
    seed=1,
)
NULL_PLAYER = GameCase(
    reindex(CUBIC, [0, 1], 3), np.array([1.0, -0.5, 2.0]), A.Baseline([0.5, 0.5, -1.0]), seed=3
)


def _game(f, reference) -> GameCase:
    return GameCase(f, np.array([1.0, -0.5, 2.0]), reference, seed=3)


def scaled(target, factor):
    """``target`` with its attribution multiplied by ``factor`` (a 1 % slip, a sign flip)."""

    def broken(*args, **kwargs):
        out = target(*args, **kwargs)
        return A.Attribution(
            out.values * factor, out.method, out.error, out.value, out.reference_value
        )

    return broken


def gradient_without_input(f, x):
    """Gradient x Input that forgets the input: the plain gradient."""
    return A.Attribution(f.gradient(np.asarray(x)), "closed form")


def midpoint_ig(f, x, b):
    """IG by a one-node rule: exact for quadratics only."""
    x, b = np.asarray(x), np.asarray(b)
    return A.Attribution((x - b) * f.gradient((x + b) / 2), "midpoint")


def secant_ig(f, x, b):
    """What a smoothed IG gives on a step: the jump spread along the path."""
    gain = float(f(np.asarray(x)) - f(np.asarray(b)))
    delta = np.asarray(x) - np.asarray(b)
    return A.Attribution(delta * f.w / float(f.w @ delta) * gain, "secant")


def banzhaf_for_shapley(f, x, b):
    return A.banzhaf_values(f, x, b)


def unconstrained_kernel_shap(f, x, r, constrained=True):
    """KernelSHAP fitted without the efficiency constraint."""
    return A.kernel_shap_limit(f, x, r, constrained=False)


def captum_kernel_convention(f, x, r, kernel=None):
    """lime_binary under captum's kernel convention where the LFA one is declared."""
    return A.lime_binary(f, x, r, A.ExponentialKernel(1.0, "input", "captum"))


def shapley_at_mean_row(f, x, r):
    """f at the background's mean row instead of the mean of f over the rows."""
    return A.shapley_values(f, x, A.Baseline(r.rows.T @ r.weights))


def interventional_for_conditional(f, x, r):
    """The conditional value computed as the interventional one."""
    if isinstance(r, A.GaussianBackground):
        r = A.GaussianBackground(r.mean, r.cov, "interventional")
    return A.shapley_values(f, x, r)


def nfl_without_slope_term(f, x0, cov1, cov2):
    """The squared-loss excess without its dw' S2 dw term."""
    exact = N.excess_losses(f, x0, cov1, cov2)
    a1 = f.gaussian_moments(x0, cov1).mean[0]
    a2 = f.gaussian_moments(x0, cov2).mean[0]
    return {**exact, "squared": float((a2 - a1) ** 2)}


def _pick(broken, bad, good):
    return bad if broken else good


DECLARED = A.ExponentialKernel(1.0, "input", "lfa")

LFA_CASES = [
    (
        "lfa_gradient_matching",
        "Integrated Gradients 1 % too large",
        lambda s, b: P.check_lfa_gradient_matching(
            BUMP,
            X,
            B,
            integrated_gradients=_pick(
                b, scaled(A.integrated_gradients, 1.01), A.integrated_gradients
            ),
        ),
    ),
    (
        "lfa_gradient_matching",
        "Gradient x Input without the input",
        lambda s, b: P.check_lfa_gradient_matching(
            CUBIC, X, B, gradient_x_input=_pick(b, gradient_without_input, A.gradient_x_input)
        ),
    ),
    (
        "ig_completeness",
        "IG by a one-node (midpoint) rule",
        lambda s, b: P.check_ig_completeness(
            CUBIC, X, B, integrated_gradients=_pick(b, midpoint_ig, A.integrated_gradients)
        ),
    ),
    (
        "ig_step_function",
        "IG that spreads a step's jump along the path",
        lambda s, b: P.check_ig_step_function(
            STEP, X + 1, -X - 1, integrated_gradients=_pick(b, secant_ig, A.integrated_gradients)
        ),
    ),
    (
        "ig_bshap_multilinear",
        "Banzhaf values passed off as Shapley values",
        lambda s, b: P.check_ig_bshap_multilinear(
            MULTILINEAR,
            [1.0, 2, -1],
            [0.5, 0, 1],
            shapley_values=_pick(b, banzhaf_for_shapley, A.shapley_values),
        ),
    ),
    (
        "lfa_recovery",
        "occlusion with its sign flipped",
        lambda s, b: P.check_lfa_recovery(
            AFFINE, targets={"occlusion": _pick(b, scaled(A.occlusion, -1.0), A.occlusion)}
        ),
    ),
    (
        "kernelshap_shapley",
        "KernelSHAP without the efficiency constraint",
        lambda s, b: C.check_kernelshap_shapley(
            _game(INTERACTING, ROWS),
            targets={"kernel_shap_limit": _pick(b, unconstrained_kernel_shap, A.kernel_shap_limit)},
        ),
    ),
    (
        "lime_binary_banzhaf",
        "captum's kernel convention where the LFA one is declared",
        lambda s, b: C.check_lime_binary_banzhaf(
            _game(INTERACTING, A.Baseline([0.5, 0.5, -1.0])),
            DECLARED,
            targets={"lime_binary": _pick(b, captum_kernel_convention, A.lime_binary)},
        ),
    ),
    (
        "additive_agreement",
        "Shapley values of f at the background's mean row",
        lambda s, b: C.check_additive_agreement(
            ADDITIVE, targets={"shapley_values": _pick(b, shapley_at_mean_row, A.shapley_values)}
        ),
    ),
    (
        "shapley_axioms",
        "Banzhaf values as Shapley values (efficiency fails)",
        lambda s, b: C.check_shapley_axioms(
            AXIOMS, targets={"shapley_values": _pick(b, A.banzhaf_values, A.shapley_values)}
        ),
    ),
    (
        "shapley_axioms",
        "the conditional value computed as the interventional one",
        lambda s, b: C.check_shapley_axioms(
            NULL_PLAYER,
            targets={"shapley_values": _pick(b, interventional_for_conditional, A.shapley_values)},
        ),
    ),
    (
        "nfl_quantitative",
        "squared-loss excess without the slope term",
        lambda s, b: N.check_nfl_quantitative(
            CUBIC,
            [0.3, -0.2],
            np.eye(2) * 0.5,
            np.diag([2.0, 0.3]),
            seed=s + 1,
            exact=_pick(b, nfl_without_slope_term, N.excess_losses),
        ),
    ),
]

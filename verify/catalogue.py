"""The statement catalogue: every statement the suite judges, once.

Each :class:`Statement` carries its stable id (users' CI relies on it), the
paper's wording, the corrected wording the suite checks, the section of the
specification (``docs/math.md``) that discusses it, the statuses a correct run
gives it, and what is registered against it:

* ``proofs``: symbolic proof providers, ``"module:function"`` names; each is
  called as ``function(**options)`` (``options``: ``timeout``,
  ``generic_classes``; a provider ignores what it does not use) and returns
  :class:`~verify.symbolic.records.ProofRecord` objects;
* ``property``: the Hypothesis property, ``"module:attribute"`` naming a
  :class:`properties.theorems.records.StatementProperty`;
* ``figures``: names of report figures (:mod:`verify.app.report.figures`).

Names, not imports: the catalogue sits at the bottom of the house and imports
nothing of the layers that register against it; ``tests/test_catalogue.py``
checks that every name resolves. Adding a statement is one entry here plus its
proof and its property.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .status import FALSIFIED, PROVED, VERIFIED

__all__ = ["CATALOGUE", "STATEMENTS", "Statement", "get"]

_HOLDS = (PROVED, VERIFIED)


@dataclass(frozen=True)
class Statement:
    """One claim of the paper, or one of the corrections the suite makes to it.

    Attributes
    ----------
    id : str
        Stable identifier (``"theorem2_sharp"``).
    title : str
        Short human name.
    paper : str
        What the paper says (or ``"not in the paper"`` for the suite's own additions).
    claim : str
        The statement the suite checks, in its corrected form.
    formula : str
        The same in one line of formulas (used in check records).
    reference : str
        Where the specification discusses it.
    expected : tuple of str
        Statuses a correct run gives it (``("falsified",)`` for a false claim).
    check_confirms_failure : bool
        True when the statement's property check demonstrates that the claim
        *fails* (a "verified" demonstration falsifies the statement), as for
        Theorem 1 stretched to step functions.
    open : tuple of str
        What the run cannot show about the statement as worded: the cases that
        are neither proved symbolically nor checked numerically, or checked
        only numerically. Reported next to what was proved and verified, so a
        verdict never reads wider than its evidence. Empty for a false claim
        (one counterexample settles it).
    proofs, property, figures
        What is registered against it (see the module docstring).
    """

    id: str
    title: str
    paper: str
    claim: str
    formula: str
    reference: str
    expected: tuple[str, ...]
    check_confirms_failure: bool = False
    open: tuple[str, ...] = ()
    proofs: tuple[str, ...] = ()
    property: str | None = None
    figures: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        """The statement as results.json lists it."""
        return {
            "id": self.id,
            "title": self.title,
            "claim": self.claim,
            "reference": self.reference,
            "expected": list(self.expected),
        }


_EQ = "verify.symbolic.proofs.equivalence"
_ROB = "verify.symbolic.proofs.robustness"
_ALG = "verify.symbolic.proofs.algebra"
_RK = "verify.symbolic.proofs.ridge_kernel"
_LFA = "verify.symbolic.proofs.lfa"
_IG = "verify.symbolic.proofs.ig"
_CO = "verify.symbolic.proofs.coalitions"
_AX = "verify.symbolic.proofs.game_axioms"
_NFL = "verify.symbolic.proofs.nfl"
_HAN = "Han, Srinivas & Lakkaraju (NeurIPS 2022)"

CATALOGUE: tuple[Statement, ...] = (
    Statement(
        "theorem1",
        "Theorem 1 (equivalence)",
        paper="For f satisfying Stein's lemma (partial derivatives a.e., E|d_i f| finite), any x "
        "and invertible Sigma: SmoothGrad = C-LIME = Sigma^-1 Cov(a, f(a)), a ~ N(x, Sigma).",
        claim="For absolutely continuous f, E[grad f(x)] = Sigma^-1 Cov(x, f(x)) = expected "
        "C-LIME, x ~ N(x0, Sigma).",
        formula="E[grad f] = Sigma^-1 Cov(x, f) = expected C-LIME; SG_n and C-LIME_n "
        "converge to it",
        reference="docs/math.md#theorem-1",
        expected=_HOLDS,
        open=(
            "every absolutely continuous f: the general statement (Stein's lemma) is analysis; "
            "the engine proves the classes listed, nothing wider",
            "networks and the logistic, tanh, relu, elu, softplus and abs links: numeric "
            "evidence only",
        ),
        proofs=(f"{_EQ}:theorem1_proofs",),
        property="properties.theorems.equivalence:THEOREM1",
        figures=("convergence", "distance"),
    ),
    Statement(
        "theorem2_published",
        "Theorem 2 as published",
        paper="If ||grad f|| <= grad_max and Sigma = sigma^2 I, SmoothGrad and C-LIME are "
        "grad_max / (2 sigma)-Lipschitz.",
        claim="SmoothGrad and C-LIME are grad_max / (2 sigma)-Lipschitz under sigma^2 I.",
        formula="||SG(x) - SG(y)|| <= grad_max / (2 sigma) ||x - y|| (as published)",
        reference="docs/math.md#theorem-2",
        expected=(FALSIFIED,),
        proofs=(f"{_ROB}:theorem2_published_proofs",),
        property="properties.theorems.theorem2_search:THEOREM2_PUBLISHED",
        figures=("lipschitz", "counterexample"),
    ),
    Statement(
        "theorem2_sharp",
        "Theorem 2, corrected constant",
        paper="(Theorem 2 with the constant grad_max / (2 sigma); see theorem2_published.)",
        claim="SmoothGrad is sqrt(2/pi) grad_max / sqrt(lambda_min(Sigma))-Lipschitz, and the "
        "constant cannot be improved.",
        formula="||SG(x) - SG(y)|| <= sqrt(2/pi) grad_max / sqrt(lambda_min) ||x - y||",
        reference="docs/math.md#theorem-2",
        expected=_HOLDS,
        open=(
            "the upper bound for f and dimensions beyond those the symbolic records name: "
            "checked numerically on generated f, not derived",
        ),
        proofs=(f"{_ROB}:theorem2_sharp_proofs",),
        property="properties.theorems.robustness:THEOREM2_SHARP",
        figures=("lipschitz",),
    ),
    Statement(
        "proposition1",
        "Proposition 1 (SmoothGrad sample size)",
        paper="n >= C (grad_max / eps)^2 ln(d / delta) for an absolute constant C gives "
        "||SG - SG_n|| <= eps with probability >= 1 - delta.",
        claim="n >= (grad_max/eps)^2 (1 + sqrt(2 ln(1/delta)))^2 gives ||SG_n - SG|| <= eps with "
        "probability >= 1 - delta (explicit, dimension-free form).",
        formula="n >= (G/eps)^2 (1 + sqrt(2 ln(1/delta)))^2 => P(||SG_n - SG|| > eps) <= delta",
        reference="docs/math.md#proposition-1",
        expected=_HOLDS,
        open=(
            "no symbolic proof: the McDiarmid argument of docs/math.md is checked "
            "statistically (a binomial test of the failure rate), not derived",
        ),
        property="properties.theorems.sample_complexity:PROPOSITION1",
        figures=("convergence",),
    ),
    Statement(
        "theorem3",
        "Theorem 3 (C-LIME sample size)",
        paper="For f with values in [-1, 1] and Sigma = sigma^2 I, n >= C d ln(d/delta) / "
        "min(eps delta^2, eps delta^3 / ||x||, ||x||, 1/sigma^2)^2 gives ||C-LIME - C-LIME_n|| "
        "<= eps with probability >= 1 - delta.",
        claim="C-LIME_n converges to C-LIME at rate n^-1/2 with n E||w_n - w*||^2 -> tr V "
        "(sandwich variance); the published threshold is usable only for trends.",
        formula="n E||w_n - w*||^2 -> tr V (sandwich); error ~ n^-1/2; C-LIME_n "
        "translation-equivariant",
        reference="docs/math.md#theorem-3",
        expected=_HOLDS,
        open=(
            "no symbolic proof: the central limit theorem with the sandwich variance is "
            "checked statistically, not derived",
            "the published threshold's absolute constant C: only its trends are reported",
        ),
        property="properties.theorems.sample_complexity:THEOREM3",
        figures=("convergence",),
    ),
    Statement(
        "proposition2",
        "Proposition 2 (linearity)",
        paper="For all f, g and reals alpha, beta: the SmoothGrad and C-LIME of alpha f + beta g "
        "are alpha times those of f plus beta times those of g.",
        claim="SmoothGrad and C-LIME are linear in f, exactly for the empirical versions on a "
        "shared sample.",
        formula="SG and C-LIME are linear in f (exactly, also empirically with shared samples)",
        reference="docs/math.md#proposition-2",
        expected=_HOLDS,
        open=(
            "the expected explanations for function classes beyond the proved ones: numeric "
            "evidence only",
            "the empirical estimators for sample sizes and dimensions beyond those the symbolic "
            "records name: checked numerically, to round-off",
        ),
        proofs=(f"{_ALG}:proposition2_proofs",),
        property="properties.theorems.algebra:PROPOSITION2",
    ),
    Statement(
        "proposition3",
        "Proposition 3 (proportionality)",
        paper="For f(x) = theta^T x + b, SmoothGrad = C-LIME = k(x) theta for some function k.",
        claim="For affine f the explanations equal theta; for f = g(w^T x + b) they equal k(x0) w.",
        formula="SG = C-LIME = k(x) theta for f = g(theta^T x + b); k = 1 and SG_n = theta "
        "if affine",
        reference="docs/math.md#proposition-3",
        expected=_HOLDS,
        open=(
            "single-index links beyond the proved ones (logistic, tanh, relu, elu, softplus, "
            "abs): numeric evidence only",
        ),
        proofs=(f"{_ALG}:proposition3_proofs",),
        property="properties.theorems.algebra:PROPOSITION3",
    ),
    Statement(
        "lemma6",
        "Lemma 6 (ridge C-LIME)",
        paper="Regularised C-LIME (Appendix D): the minimiser of the expected squared loss plus "
        "lambda ||w||^2 has a closed form.",
        claim="The population ridge solution is (Sigma + lambda I)^-1 Cov(x, f(x)); sklearn "
        "Ridge(alpha) on n samples is lambda = alpha / n.",
        formula="ridge C-LIME = (Sigma + lambda I)^-1 Cov(x, f); sklearn Ridge(alpha) is "
        "lambda = alpha/n",
        reference="docs/math.md#lemma-6",
        expected=_HOLDS,
        open=(
            "dimensions, function classes and sample sizes beyond those the symbolic records "
            "name: numeric evidence only",
            "scikit-learn's own Ridge(alpha) as implemented: compared numerically (exact "
            "agreement expected when scikit-learn is installed), not derived",
        ),
        proofs=(f"{_RK}:lemma6_proofs",),
        property="properties.theorems.ridge_kernel:LEMMA6",
    ),
    Statement(
        "kernel_lime",
        "Kernel-weighted LIME",
        paper="Not in the paper: the suite's own statement about LIME's Gaussian kernel.",
        claim="Gaussian-kernel-weighted least squares under N(x0, Sigma) equals C-LIME under "
        "N(x0, (Sigma^-1 + I/kw^2)^-1).",
        formula="Gaussian-kernel LIME = C-LIME under Sigma' = (Sigma^-1 + I/kw^2)^-1",
        reference="docs/math.md#kernel-lime",
        expected=_HOLDS,
        open=(
            "ridge functions, networks and dimensions beyond the proved classes: numeric "
            "evidence only",
        ),
        proofs=(f"{_RK}:kernel_lime_proofs",),
        property="properties.theorems.ridge_kernel:KERNEL_LIME",
    ),
    Statement(
        "stein_step_function",
        "Theorem 1 for a step function",
        paper="Stein's lemma as the paper states it needs partial derivatives only almost "
        "everywhere, which a step function has.",
        claim="Theorem 1 with only an a.e. gradient: for f = 1[a_1 > 0], E[grad f] equals "
        "Sigma^-1 Cov(x, f). (False: Stein's lemma needs absolute continuity.)",
        formula="for a step f, SG by differentiation (0) and C-LIME (phi(m/sqrt v)/sqrt v w) "
        "disagree: the boundary of Theorem 1",
        reference="docs/math.md#steins-identity-and-step-functions",
        expected=(FALSIFIED,),
        check_confirms_failure=True,
        proofs=(f"{_EQ}:stein_step_function_proofs",),
        property="properties.theorems.stein:STEIN_STEP_FUNCTION",
    ),
    # -- the local-function-approximation family (Han, Srinivas & Lakkaraju 2022) -------
    Statement(
        "lfa_gradient_matching",
        "LFA with gradient matching (SmoothGrad, vanilla gradients, IG, Gradient x Input)",
        paper=f"{_HAN}, Table 1: SmoothGrad (x0 + xi, xi ~ N(0, sigma^2)), vanilla gradients "
        "(sigma -> 0), Integrated Gradients (xi x0, xi ~ U(0, 1)) and Gradient x Input (xi x0, "
        "xi ~ U(a, 1), a -> 1) are local function approximations with the gradient-matching "
        "loss ||grad_xi f(x0 (+) xi) - grad_xi g(x0 (+) xi)||^2.",
        claim="For g(xi) = w'xi and any neighbourhood Z with E||grad_xi f||^2 finite, the "
        "gradient-matching LFA is w* = E_Z[grad_xi f(x0 (+) xi)], uniquely; with Table 1's "
        "neighbourhoods it is SmoothGrad, grad f(x0), IG(x0; b) = (x0 - b) (.) int_0^1 "
        "grad f(b + alpha (x0 - b)) d alpha and x0 (.) grad f(x0).",
        formula="argmin_w E_Z||grad_xi f(x0 (+) xi) - w||^2 = E_Z[grad_xi f(x0 (+) xi)]: SG, VG, "
        "IG, GxI",
        reference="docs/math.md#lfa-gradient-matching",
        expected=_HOLDS,
        open=(
            "the instances for families beyond the proved classes (RBF mixtures, networks, "
            "other links): checked numerically against quadrature of the LFA objective",
            "the limits sigma -> 0 and a -> 1 are derived for polynomials; for other classes "
            "the closed form is evaluated at the limit point (continuity), not derived",
        ),
        proofs=(f"{_LFA}:lfa_gradient_matching_proofs",),
        property="properties.theorems.lfa_paths:LFA_GRADIENT_MATCHING",
    ),
    Statement(
        "ig_completeness",
        "Integrated Gradients completeness",
        paper="Sundararajan, Taly & Yan (ICML 2017), Proposition 1, as usually quoted: if F is "
        "differentiable almost everywhere, sum_i IG_i(x) = F(x) - F(x').",
        claim="For f absolutely continuous on the segment from b to x0, sum_i IG_i(x0; b) = "
        "f(x0) - f(b); the step link (differentiable almost everywhere) is outside it, see "
        "ig_step_function.",
        formula="sum_i IG_i(x0; b) = f(x0) - f(b) for f absolutely continuous on [b, x0]",
        reference="docs/math.md#ig-completeness",
        expected=_HOLDS,
        open=(
            "every absolutely continuous f: the fundamental theorem of calculus is analysis; the "
            "engine derives each IG_i for the classes listed, nothing wider",
            "networks with kinked activations (relu, abs, elu) and other links: checked "
            "numerically (adaptive quadrature split at the kinks)",
        ),
        proofs=(f"{_IG}:ig_completeness_proofs",),
        property="properties.theorems.lfa_paths:IG_COMPLETENESS",
    ),
    Statement(
        "ig_step_function",
        "Integrated Gradients completeness for a step function",
        paper="(Proposition 1 of Sundararajan et al. asks only for differentiability almost "
        "everywhere, which a step function has; see ig_completeness.)",
        claim="Completeness with only an a.e. gradient: for f = 1[w'x + c > 0], the IG of the "
        "a.e. gradient sums to f(x0) - f(b). (False: completeness needs absolute continuity.)",
        formula="for a step f, IG by the a.e. gradient (0) and f(x0) - f(b) (1 across the jump) "
        "disagree: the boundary of completeness",
        reference="docs/math.md#ig-and-step-functions",
        expected=(FALSIFIED,),
        check_confirms_failure=True,
        proofs=(f"{_IG}:ig_step_function_proofs",),
        property="properties.theorems.lfa_paths:IG_STEP_FUNCTION",
    ),
    Statement(
        "ig_bshap_multilinear",
        "IG equals baseline Shapley for multilinear f",
        paper="Not in Han et al.: the suite's statement, from Owen (1972) (the Shapley value is "
        "the integral of the multilinear extension's gradient along the diagonal).",
        claim="If f is multilinear (degree <= 1 in each variable), IG(x0; b) equals the Shapley "
        "value of the baseline game v(S) = f(x0 on S, b elsewhere); f = x1^2 x2 is a witness "
        "that the hypothesis is needed.",
        formula="f multilinear => IG(x0; b) = BShap(x0; b); x1^2 x2: IG != BShap",
        reference="docs/math.md#ig-and-baseline-shapley",
        expected=_HOLDS,
        open=(
            "multilinear f in more variables than the symbolic records name: checked "
            "numerically (engine IG against brute-force Shapley sums)",
        ),
        proofs=(f"{_IG}:ig_bshap_multilinear_proofs",),
        property="properties.theorems.lfa_paths:IG_BSHAP_MULTILINEAR",
    ),
    Statement(
        "additive_agreement",
        "Every method agrees on additively separable f",
        paper="Not in Han et al. as a theorem: the suite's statement (each Table 1 method is "
        "exact on additive models).",
        claim="For f = sum_i f_i(x_i) and a baseline b: IG (f_i absolutely continuous) = "
        "occlusion = Shapley = Banzhaf = weighted Banzhaf = binary LIME with any kernel = "
        "KernelSHAP = f_i(x0_i) - f_i(b_i).",
        formula="f additive => IG = OCC = Shapley = Banzhaf = LIME(any kernel) = KernelSHAP = "
        "f_i(x0_i) - f_i(b_i)",
        reference="docs/math.md#additive-agreement",
        expected=_HOLDS,
        open=(
            "games with more players than the symbolic records name, and IG for coordinate "
            "functions outside the proved classes: checked numerically",
        ),
        proofs=(f"{_AX}:additive_agreement_proofs",),
        property="properties.theorems.lfa_coalitions:ADDITIVE_AGREEMENT",
    ),
    Statement(
        "lfa_recovery",
        "Recovery: f in the explanation class is returned",
        paper=f"{_HAN}, Definition 2 (guiding principle, as summarised): a method performs "
        "model recovery if, for f in G, there is a neighbourhood Z for which LFA returns g* = f.",
        claim="For affine f = w'x + c every Table 1 row returns f's coefficients in its "
        "interpretable coordinates: w (C-LIME, SmoothGrad, vanilla gradients), w (.) (x0 - b) "
        "(IG, occlusion, binary LIME with any kernel, KernelSHAP), w (.) x0 (Gradient x Input).",
        formula="f = w'x + c => C-LIME = SG = VG = w; IG = OCC = LIME = KernelSHAP = "
        "w (.) (x0 - b); GxI = w (.) x0",
        reference="docs/math.md#lfa-recovery",
        expected=_HOLDS,
        open=(
            "dimensions beyond those the symbolic records name: checked numerically on "
            "generated affine f, points, baselines and covariances",
        ),
        proofs=(f"{_LFA}:lfa_recovery_proofs",),
        property="properties.theorems.lfa_paths:LFA_RECOVERY",
    ),
    Statement(
        "kernelshap_shapley",
        "KernelSHAP's population target",
        paper="Lundberg & Lee (NeurIPS 2017), Theorem 2: with the Shapley kernel (infinite "
        "weight on the empty and full coalitions), the weighted linear regression recovers "
        "the Shapley values.",
        claim="The Shapley-kernel weighted least squares over all coalitions with v(empty) and "
        "v(N) enforced is the Shapley value; without them and with a free intercept it is "
        "Shapley + t 1, t = Cov_P(|S|, v)/Var_P(|S|) - (v(N) - v(empty))/d.",
        formula="constrained Shapley-kernel WLS = Shapley; unconstrained = Shapley + (gap/d) 1",
        reference="docs/math.md#kernelshap-and-the-shapley-value",
        expected=_HOLDS,
        open=(
            "games with more players than the symbolic records name: checked numerically "
            "(least squares over all coalitions against the Shapley sums)",
        ),
        proofs=(f"{_CO}:kernelshap_shapley_proofs",),
        property="properties.theorems.lfa_coalitions:KERNELSHAP_SHAPLEY",
    ),
    Statement(
        "lime_binary_banzhaf",
        "Binary LIME's population target",
        paper=f"{_HAN}, Table 1: LIME is LFA on binary masks x0 (.) xi with an exponential "
        "kernel and the squared loss (the target is not stated).",
        claim="Least squares with intercept on uniform masks is the Banzhaf value; a product "
        "kernel exp(-sum c_i (1 - z_i)) gives the weighted Banzhaf value with p_i = 1/(1 + "
        "e^-c_i); a non-product kernel (captum's cosine kernel) gives a null player a non-zero "
        "weight.",
        formula="OLS on masks = Banzhaf; product kernel => weighted Banzhaf, p_i = 1/(1 + "
        "e^-c_i); cosine kernel breaks the null player",
        reference="docs/math.md#binary-lime-and-banzhaf-values",
        expected=_HOLDS,
        open=(
            "product kernels for more players than the symbolic records name: checked "
            "numerically (least squares over all masks)",
        ),
        proofs=(f"{_CO}:lime_binary_banzhaf_proofs",),
        property="properties.theorems.lfa_coalitions:LIME_BINARY_BANZHAF",
    ),
    Statement(
        "shapley_axioms",
        "Axioms of the exact coalition values",
        paper="Shapley (1953): efficiency, symmetry, the null player and additivity; not in "
        "Han et al.",
        claim="The exact Shapley values (baseline, interventional, conditional) are efficient, "
        "symmetric, linear and give a null player 0 (Banzhaf values all but efficiency); the "
        "conditional value credits a feature f ignores (d = 2, f = x1: phi_2 = rho x2 / 2).",
        formula="sum phi = v(N) - v(empty); symmetry; null player 0; linear; conditional "
        "f = x1: phi_2 = rho x2 / 2",
        reference="docs/math.md#axioms-of-the-coalition-values",
        expected=_HOLDS,
        open=(
            "games with more players than the symbolic records name: checked numerically on "
            "generated functions, points and references",
        ),
        proofs=(f"{_AX}:shapley_axioms_proofs",),
        property="properties.theorems.lfa_coalitions:SHAPLEY_AXIOMS",
    ),
    Statement(
        "nfl_quantitative",
        "No free lunch, quantitatively",
        paper=f"{_HAN}, Theorem 1 (no free lunch, as summarised): with d(f, G) = min_g max_x "
        "l(f, g, 0, x), for any explanation g* with max loss <= eps on a neighbourhood Z1 "
        "there is a neighbourhood Z2 on which its max loss is >= d(f, G).",
        claim="For Gaussian neighbourhoods Z_k = N(x0, S_k), the C-LIME fit on Z1 has excess "
        "squared loss on Z2 exactly (E2 f - E1 f)^2 + dw' S2 dw, and SmoothGrad's "
        "gradient-matching excess is ||SG1 - SG2||^2; on a box d(f, G) is computed (f = x^2 on "
        "[-R, R]: R^4 / 4).",
        formula="L2(g1) - L2(g2) = (E2 f - E1 f)^2 + dw' S2 dw; ||SG1 - SG2||^2; x^2 on "
        "[-R, R]: d(f, G) = R^4/4",
        reference="docs/math.md#no-free-lunch-quantitatively",
        expected=_HOLDS,
        open=(
            "f beyond the proved polynomial classes: the excess losses are checked "
            "numerically against quadrature of the defining expectations",
            "d(f, G) on boxes for f other than x^2: computed numerically (minimax on a grid), "
            "not derived",
        ),
        proofs=(f"{_NFL}:nfl_quantitative_proofs",),
        property="properties.theorems.lfa_nfl:NFL_QUANTITATIVE",
        figures=("no_free_lunch",),
    ),
)

#: The catalogue by id, in catalogue order.
STATEMENTS: dict[str, Statement] = {s.id: s for s in CATALOGUE}


def get(statement_id: str) -> Statement:
    """The statement with this id; a clear error for an unknown one."""
    try:
        return STATEMENTS[statement_id]
    except KeyError:
        raise ValueError(
            f"unknown statement id {statement_id!r}; use one of {', '.join(STATEMENTS)}"
        ) from None

// kind_bayes.h - Bayesian matrix factorization by Gibbs sampling: `--model bayes`.
//
// BPMF (Salakhutdinov & Mnih 2008) over augmented rows x_u = [b_u, p_u], y_i = [b_i, q_i]
// (D = k+1), r_ui ~ N(μ + b_u + b_i + p_uᵀq_i, 1/α), μ the training mean:
//   x_u ~ N(μ_U + β_Uᵀ f_u, Λ_U⁻¹),  y_i ~ N(μ_I + β_Iᵀ g_i, Λ_I⁻¹)
//   (μ_U, Λ_U), (μ_I, Λ_I) ~ Normal–Wishart(0, β₀ = 2, W₀ = I, ν₀ = D), resampled every sweep
//   α ~ Gamma(1 + N/2, 1 + SSE/2), resampled every sweep
// Side information is a Macau-style prior mean (Simm et al. 2015): f_u = the movies u rated,
// scaled 1/sqrt(n_u) (implicit_features; SVD++'s "who rated what"), g_i = genre and release-decade
// indicators (genre_features) and the users who rated i, 1/sqrt(n_i) (implicit_features). The
// link matrices β ~ N(0, (λ_β Λ)⁻¹) are drawn exactly by noise injection,
//   (FᵀF + λ_β I) β = Fᵀ(X - μ + E₁) + sqrt(λ_β) E₂,  rows of E ~ N(0, Λ⁻¹),
// solved by warm-started conjugate gradient (d = the other side's count: no d×d factorization).
// User demographics (fit_input::demographics, one-hot gender / age group / occupation from u.user or
// users.dat; demographic_features) are a second user block with its own β and λ_β: the prior mean
// is μ_U + β_implᵀf_u + β_demoᵀh_u, each block drawn given the other's offset. A user without a row
// in the users file has h_u = 0.
//
// A sweep: α; user hyperparameters, β_U, user rows; item hyperparameters, β_I, item rows. Rows are
// drawn in parallel, each from a generator keyed by (seed, sweep, side, row) (bayes_draw.h), and
// every sum runs in a fixed order: the same seed gives the same model for any thread count.
// After `burn_in` sweeps, `samples` sweeps are kept: held-out predictions are averaged over them
// (the epoch report's test RMSE), and the model stores the posterior means of the rows in
// users/items (predictions from the means; docs/TUNING.md compares them with the averaged ones).
//
// Uncertainty (model::extra arrays, written to the model file as x.NAME / xi.NAME):
//   bayes_item_var  per item, 2 wide: posterior variance of b_i, and the mean posterior variance
//                   of the coordinates of q_i (isotropic: unchanged by the bundle's rotation)
//   bayes_implicit  per item, D wide: posterior mean of β_U (a visitor's prior mean from the
//                   movies they rated), when implicit_features is on
//   bayes_user_prior (D+1) × D: row 0 = E[μ_U], rows 1..D = E[Λ_U]; with demographics, the
//                   population's prior (a visitor has no demographics): row 0 = E[μ_U + m̄],
//                   m̄ the users' mean demographic offset, rows 1..D = E[(Λ_U⁻¹ + C)⁻¹], C the
//                   offsets' covariance. Known users are folded in with it too (no user row).
//   bayes_demographic per demographic feature, D wide: posterior mean of β_demo (not in the
//                   bundle; kept for inspection)
//   bayes_noise     1 × 1: E[α]
// A visitor (and a known user, from their training ratings) is folded in as a Bayesian linear
// regression given the items' posterior: precision P = Λ_U + Σ_j w_j E[z_j z_jᵀ], z_j = [1, q_j],
// mean P⁻¹(Λ_U m₀ + Σ_j w_j (r_j - μ - b_j) z_j), m₀ = μ_U + β_Uᵀ f, w_j = 1/(1/α + v_b,j) (the
// movie's bias uncertainty counted as noise). The visitor row holds the mean
// (D) then the packed lower triangle of P⁻¹ (D(D+1)/2, column by column). The predictive variance
// of item i is 1/α + aᵀSa + v_b + v_q (‖m_p‖² + tr S_p), a = [1, q_i] (independent posteriors).
#pragma once

#include "kind.h"

namespace mf {

// Passes with less work than this (rows × D², or nonzeros × D) run on one thread whatever
// p.threads says; the results are the same either way. Tests set 0 to exercise the parallel paths.
extern int64_t bayes_parallel_min_work;
// work (ratings × (k+1)²) from which a pass sums its products in single precision (kind_bayes.cpp)
extern int64_t bayes_float_min_work;

// The visitor row's length: D + D(D+1)/2, D = k+1.
int64_t bayes_visitor_size(const model & m);

// The kind (registered in kinds.cpp).
extern const kind_ops kind_bayes_ops;

}  // namespace mf

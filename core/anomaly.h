// anomaly.h - users whose ratings look unlike anyone's: shilling profiles (fake accounts pushing
// one movie) and shared accounts (two tastes, in alternating sessions).
//
// Model-free, from the ratings alone (so it works before any training and on any kind):
//   bias fit    r̂(u,i) = μ + b_u + b_i, three alternating ridge passes (λ = 5), every rating.
//   residual    res_u = mean over u's ratings of |r - r̂|: random filler ratings fit badly.
//   popularity  pop_u = mean over u's ratings of ln(1 + n_i), n_i the movie's rating count:
//               a profile filled with movies drawn at random from the catalogue sits in the long
//               tail, where people rarely go.
//   base_u      max(0, z(res_u)) + max(0, -z(pop_u)), z a robust z-score over all users:
//               (x - median) / (1.4826 · MAD).
//   push_i      sum of base_u over the users who gave movie i the top of the scale, divided by
//               (their number + 10): high when a group of odd profiles all gave it full marks; the
//               10 keeps one odd fan of an obscure movie from counting as a group.
//   shill_u     base_u + 2 · the largest push_i among the movies u gave full marks (a group
//               acting together is the mark of an attack; one odd profile alone is not).
//   flagged     robust z of shill_u above `threshold` (7 by default: the score is skewed; on
//               ml-latest-small one real user reaches 8.9 and the next 6.1; planted fakes 8.4+).
//               A planted attack (tests/core/test_anomaly.cpp; mfrec anomalies --plant-shilling)
//               is found with precision and recall >= 0.9.
// Shared accounts (two people's tastes in one profile; needs rating times):
//   taste       each movie's vector: the top 16 eigenvectors of W Xᵀ N⁻¹ X W (X who rated what,
//               N the users' counts, W = 1/sqrt(n_i)) by subspace iteration from a fixed seed,
//               the first (popularity) dropped, rows scaled to unit length.
//   sessions    an account's ratings cut wherever an hour (session_gap) passes without a rating;
//               people rate in sessions, and a household's sessions belong to one person or the
//               other, so a session's mean vector is a cleaner taste than a single movie.
//   split       the best 2-means of the sessions' mean vectors (weighted by size), scored
//               B / (T / (n - 1)) over the account's n movie vectors (between-groups and total
//               sums of squares), as a z against the same account's movies dealt at random into
//               sessions of the same sizes (19 draws): a contrast against a null of the same length
//               and session count, so long or many-session profiles gain nothing by size alone.
//   shared      robust z of the split over the accounts with 2+ sessions above shared_threshold
//               (3). One-session accounts are not scored.
// Measured (mfrec anomalies --plant-shared 60, seeds 42, 7, 1): plant_shared merges two
// ml-latest-small users of unlike genres, both between the 10th percentile and the median count,
// with the second's sessions moved into the first's span. AUC 0.90 against every real account,
// 0.79 against those with 2+ sessions (half of ml-latest-small's users rate in one sitting);
// precision 0.45-0.54 and recall 0.23-0.32 at z > 3. Short of useful flags: real profiles also
// split across sessions (a return years later, a session of one genre). Scoring by the plain split
// as a robust z within session-count bins reached AUC 0.92 / 0.82, precision 0.57 and recall 0.45,
// but its bins fill with the planted accounts when they outnumber the real ones of a session count
// (the synthetic test). Tried and dropped: discounting splits contiguous in time (drift; lowered
// the AUC, planted splits are often contiguous too), the rating's bias residual as an extra
// coordinate, 4..32 dimensions, 30 min..1 day gaps (each within ±0.03 AUC). Earlier, without times (2-means of an
// account's movies by genre, by embeddings, or a ridge taste fit on ALS item vectors): AUC 0.45 (branch
// helper2-anom-shared-experiment). On synthetic users of 6 clean tastes (tests/core/test_anomaly.cpp) precision and
// recall >= 0.8.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "ratings.h"
#include "result.h"

namespace mf {

struct anomaly_options {
    double threshold = 7;  // robust z of shill_u above which a user is flagged
    float lambda = 5.0f;   // of the bias fit
    // shared accounts (see shared_score below)
    int64_t session_gap = 3600;   // seconds without a rating that end a session
    int32_t taste_dims = 16;      // co-rating embedding dimensions (the first, popularity, dropped)
    int32_t shared_null = 19;     // draws of the null (the account's movies dealt at random into its sessions)
    uint64_t seed = 1;            // of those draws
    double shared_threshold = 3;  // robust z of the session split above which an account is flagged
};

struct user_anomaly {
    int32_t user = 0;  // dense user index of the dataset
    int32_t n = 0;     // ratings
    double residual = 0, popularity = 0, base = 0;
    int32_t push_item = -1;  // the movie behind the push term (-1: none rated at the top)
    double push = 0;
    double shill = 0, shill_z = 0;
    bool flagged = false;
    // shared account: sessions (gaps > session_gap; 0 without times), the split of the best 2
    // groups of sessions as a z against the account's own null (0 under 2 sessions), its robust z
    // over the accounts of 2+ sessions, how many times the groups alternate in time order
    int32_t sessions = 0, switches = 0;
    double split = 0, shared_z = 0;
    bool shared = false;
};

struct robust_stats {
    double median = 0, mad = 0;
};
robust_stats robust_stats_of(std::vector<double> x);
// (x - median) / (1.4826 · MAD). A MAD of 0 (over half the values equal) is replaced by the mean
// absolute deviation × 0.6745 / 0.7979 (the same for a normal distribution); if that is 0 too, the
// scale is 1.
double robust_z(double x, const robust_stats & s);

// One entry per user of d with at least one rating, in user order. Fails on an empty dataset.
[[nodiscard]] result<std::vector<user_anomaly>> anomalies_score(const dataset & d, const anomaly_options & o = {});

}  // namespace mf

namespace mf {

// A planted shilling attack, to measure the detector on real data (mfrec anomalies
// --plant-shilling) and in tests: `n` new accounts each give `target` the top of the scale and
// `filler` movies drawn uniformly from the catalogue uniformly drawn whole-star ratings; target < 0
// picks a movie with fewer ratings than the median movie (a push is for a movie few know).
// Returns the new accounts' dense user indices; draws depend only on seed.
std::vector<int32_t> plant_shilling(dataset & d, int32_t n, int32_t filler, int32_t target, uint64_t seed,
                                    int32_t * target_out = nullptr);

// Planted shared accounts: each new account holds every rating of user a and of user b (a's rating
// kept where both rated a movie), b's sessions moved into a's time span (sessions kept whole, b's
// session order and relative spacing kept, a session that would touch another moved past it) so
// the two people's sessions interleave as in a household. a and b are distinct, each used once,
// both rate between the 10th percentile and the median count of ratings (so the merged count is
// ordinary), and their genre profiles are unlike (cosine < 0.75). Needs times; returns the new
// accounts' dense user indices (fewer than n when pairs run out); draws depend only on seed.
std::vector<int32_t> plant_shared(dataset & d, int32_t n, uint64_t seed, int64_t session_gap = 3600,
                                  std::vector<std::pair<int32_t, int32_t>> * pairs_out = nullptr);

}  // namespace mf

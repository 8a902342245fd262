// ranking.h - top-N ranking metrics ("what should this visitor watch next?").
//
// The protocol of implicit's ranking_metrics_at_k, Spark's RankingMetrics and RecBole's full
// ranking: for every user with at least one relevant held-out item, the model scores the whole
// catalogue, the user's training items are removed, and the remaining items (the candidates) are
// ranked. Per-user values are averaged over the evaluated users, in user order, so the report is
// bit-identical for any thread count.
//
// Terms, for one user u:
//   train(u)      items u rated in training: never candidates, never relevant.
//   held-out(u)   items in u's test row that are not in train(u).
//   rel(u)        held-out items with a rating >= relevant_min (any rating, by default); an item
//                 that appears several times is relevant when any of its ratings is; m = |rel(u)|.
//                 Held-out items below relevant_min stay candidates that are not relevant (as
//                 RecBole does): a model that ranks them high is penalised.
//   candidates    full catalogue (sampled_negatives = 0): every item not in train(u).
//                 sampled (sampled_negatives = N > 0): rel(u) plus N items drawn uniformly without
//                 replacement from the items u never interacted with (not in train(u), not in
//                 u's test row), or all of them when fewer than N exist. The draw depends only on
//                 (seed, u). Sampled metrics are inflated relative to full ones and do not rank
//                 models consistently (Krichene & Rendle, KDD 2020); the full catalogue is the
//                 default.
//   order         candidates by score, higher first; equal scores by item index, lower first, so
//                 every ranking is a strict, deterministic order. NaN scores count as -infinity,
//                 -0 as +0.
//   rank(i)       1 + number of candidates before i in that order (the full ranking, not cut at K).
//   top-K         the first min(K, #candidates) candidates; hits = |top-K ∩ rel(u)|.
//
// Per-user metrics (binary relevance):
//   precision@K   hits / K                                   (K even when fewer candidates exist)
//   recall@K      hits / m                                   (implicit / RecBole, not min(K, m))
//   ndcg@K        DCG / IDCG, DCG = Σ_{i ∈ rel, rank(i) <= K} 1 / log2(rank(i) + 1),
//                 IDCG = Σ_{r=1..min(K, m)} 1 / log2(r + 1)
//   map@K         (1 / min(K, m)) Σ_{i ∈ rel, rank(i) <= K} precision@rank(i)
//   hit rate@K    1 when hits > 0, else 0
//   mrr           1 / rank of the first relevant item (full ranking, not cut at K)
//   auc           share of (relevant, non-relevant candidate) pairs with the relevant item scored
//                 higher; equal *scores* count 1/2 (the index tie-break above is for ranks only).
//                 Undefined (NaN per user, left out of the mean; auc.n says how many users count)
//                 when a user has no non-relevant candidate.
//   novelty       mean over the user's top-K items of -log2(max(pop_i, 1) / n_users_train), where
//                 pop_i = number of distinct users who rated i in training and n_users_train =
//                 number of users with at least one training rating (an item nobody rated counts
//                 as rated by one user).
// Catalogue metric:
//   coverage      |∪_u top-K(u)| / number of items that are a candidate for at least one
//                 evaluated user (with the full catalogue, practically n_items).
// Each metric_value is the mean over users with a 95% normal-approximation interval
// mean ± 1.96 · sd / √n (sd the sample standard deviation, n - 1; the interval is the mean
// itself when n < 2).
//
// Cost per user: one scores() call and O(n_items) for the rest: marking, one vectorised pass
// that puts every score in one of ~4|rel| buckets between the lowest and highest relevant scores,
// and one pass over the candidates. A candidate is compared only with the relevant items of its
// own bucket (O(1) on average, a binary search in a crowded one) to count the relevant items
// above it, which gives every relevant item's rank and the AUC without O(n_items · |rel|) work;
// the top-K comes from a K-heap that most candidates leave after one comparison.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "ratings.h"
#include "result.h"

namespace mf {

struct ranking_options {
    int32_t k = 10;                  // cut-off K, >= 1
    float relevant_min = -INFINITY;  // a held-out rating counts as relevant when >= this (not NaN)
    int32_t sampled_negatives = 0;   // 0 = full catalogue; N > 0 = relevant items + N sampled negatives
    uint64_t seed = 42;              // for the sampled negatives
    int threads = 0;                 // 0 = all hardware threads; the result does not depend on it
};

// scores(user, out) fills out[0 .. n_items) with the model's scores for that user (higher =
// better). It is called concurrently from several threads, for different users.
using score_fn = std::function<void(int32_t user, float * out)>;

struct metric_value {
    double mean = 0, ci_low = 0, ci_high = 0;  // mean ± 1.96 · sd / √n
    int64_t n = 0;                             // users averaged
};

struct ranking_report {
    int32_t k = 0;
    int32_t sampled_negatives = 0;  // 0 = full catalogue
    int64_t n_users = 0;            // users with >= 1 relevant held-out item (= users.size())
    metric_value precision, recall, ndcg, map, hit_rate, mrr, auc;
    double coverage = 0;          // distinct items in all top-K lists / items that can be recommended
    int64_t n_recommended = 0;    // distinct items in all top-K lists
    int64_t n_recommendable = 0;  // items that are a candidate for at least one evaluated user
    metric_value novelty;         // mean self-information of the top-K items, in bits
    std::vector<int32_t> users;   // evaluated users (rows), increasing
    // aligned with users, for paired comparisons between models (per_user_auc may hold NaN)
    std::vector<float> per_user_precision, per_user_recall, per_user_ndcg, per_user_map, per_user_hit, per_user_rr,
        per_user_auc, per_user_novelty;
};

// Ranking metrics of `scores` over users [0, train_by_user.rows()). train_by_user and
// test_by_user are rows by user (idx = item, val = rating) with the same number of rows; items in
// [0, n_items). Fails, with a message, on k < 1, n_items < 1, sampled_negatives < 0, a NaN
// relevant_min, an empty score function, mismatched row counts, a malformed row table or an item
// out of range. No user with a relevant item: ok, n_users = 0 and every value 0.
result<ranking_report> ranking_evaluate(int32_t n_items, const sparse_rows & train_by_user,
                                        const sparse_rows & test_by_user, const score_fn & scores,
                                        const ranking_options & o = {});

// The mean of the non-NaN values with its 95% interval, as every metric_value here.
metric_value metric_summarize(const std::vector<double> & x);

// Compressed rows from (row, col, val) triplets; each row keeps the input order. Fails when the
// three vectors differ in length, n_rows < 0, a row is outside [0, n_rows) or a col is negative.
result<sparse_rows> sparse_rows_from_triplets(int32_t n_rows, const std::vector<int32_t> & row,
                                              const std::vector<int32_t> & col, const std::vector<float> & val);

}  // namespace mf

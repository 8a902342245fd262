// kind_pop.cpp - popularity: every visitor gets the same list, the movies with the most training
// ratings first (the baseline every ranking table needs). Equal counts rank by item row, lower
// first, like every ranking of the core (ranking.h, rank_top), so the list is deterministic.
//
// State: k = 0; item rows n_items x 1 holding the training-rating count as the score; user rows
// n_users x 1 zeros; no genre rows; μ = 0. It predicts no rating (no kind_rates) and has no vectors.
#include "kind.h"
#include "params.h"

namespace mf {

namespace {

result<model> pop_fit(const fit_input & in, const train_params & p, const epoch_callback &) {
    const rating_matrix & t = in.train;
    model m;
    m.params = p;
    m.scale = rating_scale_of(t.by_user.val.data(), t.by_user.val.size());
    m.mu = 0.0f;
    m.k = 0;
    m.users = matrix_f::Zero(t.n_users, 1);
    m.items = matrix_f::Zero(t.n_items, 1);
    m.genres = matrix_f::Zero(0, 1);
    m.user_ids = in.user_ids;
    m.items_info = in.items;
    if (!in.no_seen) m.seen = t.by_user;
    m.user_counts.resize((size_t) t.n_users);
    m.item_counts.resize((size_t) t.n_items);
    for (int32_t u = 0; u < t.n_users; ++u) m.user_counts[u] = (int32_t) t.by_user.row_size(u);
    for (int32_t i = 0; i < t.n_items; ++i) {
        m.item_counts[i] = (int32_t) t.by_item.row_size(i);
        m.items(i, 0) = (float) m.item_counts[i];  // exact below 2^24 ratings per movie
    }
    return m;
}

// no personal part: every visitor is the zero row
result<vector_f> pop_fold_in(const model & m, const std::vector<rated_item> &) {
    return vector_f(vector_f::Zero(m.k + 1));
}

void pop_score(const model & m, const vector_f &, float * out) {
    const int32_t n = m.n_items();
    const bool ok = m.items.cols() >= 1;
    for (int32_t i = 0; i < n; ++i) out[i] = ok ? m.items(i, 0) : 0.0f;
}

}  // namespace

extern const kind_ops kind_pop_ops = {model_kind::pop,
                                      "pop",
                                      "popularity: the most-rated movies first (a ranking baseline)",
                                      0,
                                      "",
                                      nullptr,
                                      nullptr,
                                      pop_fit,
                                      pop_fold_in,
                                      pop_score};

}  // namespace mf

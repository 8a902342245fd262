#include "model.h"

#include <algorithm>

#include "gram.h"

namespace mf {

const char * solver_kind_name(solver_kind s) {
    return s == solver_kind::cg ? "cg" : "cholesky";
}

int32_t model::find_user(int32_t id) const {
    if (user_lookup_.size() != user_ids.size()) {
        user_lookup_.clear();
        for (size_t r = 0; r < user_ids.size(); ++r) user_lookup_.emplace_back(user_ids[r], (int32_t) r);
        std::sort(user_lookup_.begin(), user_lookup_.end());
    }
    auto it = std::lower_bound(user_lookup_.begin(), user_lookup_.end(), std::make_pair(id, INT32_MIN));
    return it != user_lookup_.end() && it->first == id ? it->second : -1;
}

float model::predict_raw(int32_t u, int32_t i) const {
    float s = mu;
    if (u >= 0) s += users(u, 0);
    s += items(i, 0);
    // the same loop as the RMSE passes (kern::sse_row, kern::sse_pairs)
    if (u >= 0 && k > 0)
        s += kern::dot_any(users.data() + (int64_t) u * (k + 1) + 1, items.data() + (int64_t) i * (k + 1) + 1, k);
    return s;
}

float model::predict(int32_t u, int32_t i) const {
    return scale.clamp(predict_raw(u, i));
}

vector_f genre_prior_row(const model & m, uint32_t mask) {
    vector_f out = vector_f::Zero(m.k + 1);
    float tau = m.params.genre_prior;
    int n = 0;
    for (int g = 0; g < m.n_genres(); ++g) {
        if (mask & (1u << g)) {
            out += m.genres.row(g).transpose();
            ++n;
        }
    }
    if (n == 0 || tau == 0.0f) return vector_f::Zero(m.k + 1);
    out *= tau / (float) n;
    return out;
}

}  // namespace mf

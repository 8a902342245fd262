#include "infer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "solve.h"

namespace mf {

namespace {

std::string fmt_rating(float r) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", (double) r);
    return b;
}

// Checks and de-duplicates the visitor's ratings (the last rating of an item wins), sorted by item.
result<std::vector<rated_item>> rated_check(const model & m, const std::vector<rated_item> & rated) {
    std::map<int32_t, float> last;
    for (const rated_item & r : rated) {
        if (r.item < 0 || r.item >= m.n_items())
            return result<std::vector<rated_item>>::fail("rated item row " + std::to_string(r.item) +
                                                         " is outside the model's " + std::to_string(m.n_items()) +
                                                         " items");
        if (!m.scale.contains(r.rating))
            return result<std::vector<rated_item>>::fail(
                "rating " + fmt_rating(r.rating) + " for movie " + std::to_string(m.items_info.movie_id[r.item]) +
                " is outside the model's scale " + fmt_rating(m.scale.min) + "-" + fmt_rating(m.scale.max));
        last[r.item] = r.rating;
    }
    std::vector<rated_item> out;
    for (const auto & kv : last) out.push_back({kv.first, kv.second});
    return out;
}

// Gathers z_j and targets of the rated items and factors A = ZᵀZ + D (the fold-in system).
struct foldin_system {
    row_scratch s;
    int64_t n = 0;
    Eigen::LLT<matrix_cf, Eigen::Lower> llt;
};

void foldin_build(const model & m, const std::vector<rated_item> & rated, foldin_system & f) {
    std::vector<int32_t> idx;
    std::vector<float> val;
    for (const rated_item & r : rated) {
        idx.push_back(r.item);
        val.push_back(r.rating);
    }
    f.n = (int64_t) idx.size();
    const int32_t dim = m.k + 1;
    row_gather(m.items, idx.data(), val.data(), f.n, m.mu, f.s);
    row_reg(dim, f.n, m.params.reg_bias, m.params.reg, m.params.reg_by_count, f.s.d);
    Eigen::Map<const matrix_f> z(f.s.z_buf.data(), f.n, dim);
    f.s.a.setZero(dim, dim);
    if (f.n > 0) f.s.a.selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
    f.s.a.diagonal() += f.s.d;
    f.llt.compute(f.s.a);
}

}  // namespace

result<vector_f> fold_in(const model & m, const std::vector<rated_item> & rated_in) {
    result<std::vector<rated_item>> rated = rated_check(m, rated_in);
    if (!rated) return result<vector_f>::fail(rated.error());
    foldin_system f;
    foldin_build(m, *rated, f);
    vector_f x = vector_f::Zero(m.k + 1);
    if (f.n == 0) return x;
    row_solve_cholesky(f.s, f.n, f.s.d, nullptr, x.data());
    return x;
}

std::vector<float> score_all(const model & m, const vector_f & x) {
    // s_i = μ + b_u + [b_i, q_i]ᵀ[1, p_u]
    vector_f xa = x;
    xa(0) = 1.0f;
    vector_f s = m.items * xa;
    s.array() += m.mu + x(0);
    return std::vector<float>(s.data(), s.data() + s.size());
}

std::vector<ranked_item> rank_top(const model & m, const std::vector<float> & scores, const rank_filter & f,
                                  int32_t n) {
    std::vector<uint8_t> excluded((size_t) m.n_items(), 0);
    for (int32_t i : f.exclude)
        if (i >= 0 && i < m.n_items()) excluded[i] = 1;
    std::vector<int32_t> cand;
    for (int32_t i = 0; i < m.n_items(); ++i) {
        if (excluded[i]) continue;
        if (m.item_counts[i] < f.min_count) continue;
        if (f.genre_mask && !(m.items_info.genres[i] & f.genre_mask)) continue;
        int16_t y = m.items_info.year[i];
        if (f.year_min && (y == 0 || y < f.year_min)) continue;
        if (f.year_max && (y == 0 || y > f.year_max)) continue;
        cand.push_back(i);
    }
    auto better = [&](int32_t a, int32_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
    size_t take = std::min(cand.size(), (size_t) std::max(n, 0));
    std::partial_sort(cand.begin(), cand.begin() + take, cand.end(), better);
    std::vector<ranked_item> out;
    for (size_t k = 0; k < take; ++k) out.push_back({cand[k], m.scale.clamp(scores[cand[k]]), scores[cand[k]]});
    return out;
}

result<std::vector<similar_item>> similar_items(const model & m, int32_t item, int32_t n, int32_t min_count) {
    using out_t = result<std::vector<similar_item>>;
    if (item < 0 || item >= m.n_items())
        return out_t::fail("item row " + std::to_string(item) + " is outside the model");
    if (m.k == 0) return out_t::fail("similar movies need a factor model (this model has no factors)");
    const int32_t k = m.k;
    vector_f q = m.items.row(item).tail(k).transpose();
    float qn = q.norm();
    if (qn == 0.0f) return out_t::fail("movie " + std::to_string(m.items_info.movie_id[item]) + " has a zero vector");
    // cos(q_i, q_j) = q_iᵀq_j / (‖q_i‖ ‖q_j‖)
    vector_f dots = m.items.rightCols(k) * q;
    std::vector<std::pair<float, int32_t>> cand;
    for (int32_t j = 0; j < m.n_items(); ++j) {
        if (j == item || m.item_counts[j] < min_count) continue;
        float jn = m.items.row(j).tail(k).norm();
        if (jn == 0.0f) continue;
        cand.emplace_back(dots(j) / (qn * jn), j);
    }
    size_t take = std::min(cand.size(), (size_t) std::max(n, 0));
    std::partial_sort(cand.begin(), cand.begin() + take, cand.end(), [](const auto & a, const auto & b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<similar_item> out;
    for (size_t t = 0; t < take; ++t) out.push_back({cand[t].second, cand[t].first});
    return out;
}

result<explanation> explain(const model & m, const std::vector<rated_item> & rated_in, int32_t item) {
    if (item < 0 || item >= m.n_items())
        return result<explanation>::fail("item row " + std::to_string(item) + " is outside the model");
    result<std::vector<rated_item>> rated = rated_check(m, rated_in);
    if (!rated) return result<explanation>::fail(rated.error());
    const int32_t dim = m.k + 1;
    foldin_system f;
    foldin_build(m, *rated, f);
    vector_f x = vector_f::Zero(dim);
    explanation e;
    e.mu = m.mu;
    e.item_bias = m.items(item, 0);
    if (f.n > 0) {
        row_solve_cholesky(f.s, f.n, f.s.d, nullptr, x.data());
        // term_j = z_iᵀ A⁻¹ z_j r̃_j = vᵀ z_j r̃_j with v = A⁻¹ z_i (A symmetric)
        vector_f zi = m.items.row(item).transpose();
        zi(0) = 1.0f;
        vector_f v = f.llt.solve(zi);
        Eigen::Map<const matrix_f> z(f.s.z_buf.data(), f.n, dim);
        for (int64_t j = 0; j < f.n; ++j) {
            float term = v.dot(z.row(j).transpose()) * f.s.t_buf[j];
            e.by_rated.push_back({(*rated)[j].item, term});
        }
        std::sort(e.by_rated.begin(), e.by_rated.end(), [](const explanation::term & a, const explanation::term & b) {
            return std::fabs(a.value) != std::fabs(b.value) ? std::fabs(a.value) > std::fabs(b.value) : a.item < b.item;
        });
    }
    e.user_bias = x(0);
    // by genre: [1, p_u]ᵀ y_i = Σ_g (τ/|G|) w_gᵀ[1, p_u] + [1, p_u]ᵀ δ_i
    vector_f xa = x;
    xa(0) = 1.0f;
    float item_side = m.items.row(item).dot(xa.transpose());
    float genre_sum = 0.0f;
    uint32_t mask = m.items_info.genres[item];
    int cnt = genre_count(mask);
    if (cnt > 0 && m.params.genre_prior != 0.0f) {
        for (int g = 0; g < m.n_genres(); ++g) {
            if (!(mask & (1u << g))) continue;
            float v = m.params.genre_prior / (float) cnt * m.genres.row(g).dot(xa.transpose());
            e.by_genre.push_back({g, v});
            genre_sum += v;
        }
        std::sort(e.by_genre.begin(), e.by_genre.end(),
                  [](const explanation::genre_term & a, const explanation::genre_term & b) {
                      return std::fabs(a.value) != std::fabs(b.value) ? std::fabs(a.value) > std::fabs(b.value)
                                                                      : a.genre < b.genre;
                  });
    }
    e.item_own = item_side - genre_sum;
    e.score_raw = m.mu + x(0) + item_side;
    e.score = m.scale.clamp(e.score_raw);
    return e;
}

vector_f cold_start_row(const model & m, uint32_t genre_mask) {
    return genre_prior_row(m, genre_mask);
}

float cold_start_score(const model & m, const vector_f & x, uint32_t genre_mask) {
    vector_f y = cold_start_row(m, genre_mask);
    if (x.size() < y.size()) return m.scale.clamp(m.mu);
    vector_f xa = x.head(y.size());  // a longer row (hybrid) begins with the rating model's
    xa(0) = 1.0f;
    return m.scale.clamp(m.mu + x(0) + y.dot(xa));
}

}  // namespace mf

#include "ratings.h"

namespace mf {

namespace {

// Counting sort of (row, col, val) triplets into compressed rows; rows keep the input order.
template <class Get>
sparse_rows rows_build(int32_t n_rows, int64_t n, Get get) {
    sparse_rows s;
    s.ptr.assign((size_t) n_rows + 1, 0);
    for (int64_t k = 0; k < n; ++k) {
        int32_t row, col;
        float v;
        get(k, row, col, v);
        s.ptr[(size_t) row + 1]++;
    }
    for (int32_t r = 0; r < n_rows; ++r) s.ptr[(size_t) r + 1] += s.ptr[r];
    s.idx.resize((size_t) n);
    s.val.resize((size_t) n);
    std::vector<uint64_t> fill(s.ptr.begin(), s.ptr.end() - 1);
    for (int64_t k = 0; k < n; ++k) {
        int32_t row, col;
        float v;
        get(k, row, col, v);
        uint64_t at = fill[row]++;
        s.idx[at] = col;
        s.val[at] = v;
    }
    return s;
}

}  // namespace

rating_matrix rating_matrix_build(const dataset & d, const std::vector<int64_t> & sel, bool use_all,
                                  int threads) {
    (void) threads;
    rating_matrix m;
    m.n_users = d.users.size();
    m.n_items = d.items.size();
    int64_t n = use_all ? d.size() : (int64_t) sel.size();
    auto pos = [&](int64_t k) { return use_all ? k : sel[(size_t) k]; };
    m.by_user = rows_build(m.n_users, n, [&](int64_t k, int32_t & row, int32_t & col, float & v) {
        int64_t p = pos(k);
        row = d.user[p];
        col = d.item[p];
        v = d.rating[p];
    });
    m.by_item = rows_build(m.n_items, n, [&](int64_t k, int32_t & row, int32_t & col, float & v) {
        int64_t p = pos(k);
        row = d.item[p];
        col = d.user[p];
        v = d.rating[p];
    });
    double sum = 0.0;
    for (float v : m.by_user.val) sum += v;
    m.mean = n > 0 ? sum / (double) n : 0.0;
    return m;
}

rating_matrix rating_matrix_from_coo(int32_t n_users, int32_t n_items, const std::vector<int32_t> & u,
                                     const std::vector<int32_t> & i, const std::vector<float> & r) {
    rating_matrix m;
    m.n_users = n_users;
    m.n_items = n_items;
    int64_t n = (int64_t) r.size();
    m.by_user = rows_build(n_users, n, [&](int64_t k, int32_t & row, int32_t & col, float & v) {
        row = u[k];
        col = i[k];
        v = r[k];
    });
    m.by_item = rows_build(n_items, n, [&](int64_t k, int32_t & row, int32_t & col, float & v) {
        row = i[k];
        col = u[k];
        v = r[k];
    });
    double sum = 0.0;
    for (float v : r) sum += v;
    m.mean = n > 0 ? sum / (double) n : 0.0;
    return m;
}

}  // namespace mf

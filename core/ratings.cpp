#include "ratings.h"

#include <algorithm>

#include "gram.h"
#include "parallel.h"

namespace mf {

namespace {

// Counting sort of (row, col, val) triplets into compressed rows; rows keep the input order.
// The input is cut into `parts` contiguous pieces counted and scattered in parallel; piece p's
// entries of a row go after those of pieces < p, so the result is the serial one for any count.
template <class Get>
sparse_rows rows_build(int32_t n_rows, int64_t n, Get get, int threads) {
    if (threads <= 0) threads = parallel_default_threads();
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n / (1 << 16)));
    std::vector<std::vector<uint64_t>> at((size_t) parts, std::vector<uint64_t>((size_t) n_rows, 0));
    // f(p, row, col, v) over the entries of each piece p, the pieces in parallel
    auto over_pieces = [&](auto f) {
        parallel_for(
            parts, (int) parts, 1, [] { return 0; },
            [&](int, int64_t p) {
                for (int64_t k = n * p / parts; k < n * (p + 1) / parts; ++k) {
                    int32_t row, col;
                    float v;
                    get(k, row, col, v);
                    f(p, row, col, v);
                }
            });
    };
    over_pieces([&](int64_t p, int32_t row, int32_t, float) { at[(size_t) p][(size_t) row]++; });
    sparse_rows s;
    s.ptr.assign((size_t) n_rows + 1, 0);
    for (int32_t r = 0; r < n_rows; ++r) {
        uint64_t o = s.ptr[r];
        for (int64_t p = 0; p < parts; ++p) {  // count -> where piece p starts in row r
            uint64_t cnt = at[(size_t) p][r];
            at[(size_t) p][r] = o;
            o += cnt;
        }
        s.ptr[(size_t) r + 1] = o;
    }
    // huge pages for the two arrays, advised before their first touch: resize leaves them
    // uninitialised (uninit_allocator), so the scatter below faults them in, once per 2 MiB
    s.idx.reserve((size_t) n);
    s.val.reserve((size_t) n);
    kern::prefer_huge_pages(s.idx.data(), sizeof(int32_t) * (size_t) n);
    kern::prefer_huge_pages(s.val.data(), sizeof(float) * (size_t) n);
    s.idx.resize((size_t) n);
    s.val.resize((size_t) n);
    over_pieces([&](int64_t p, int32_t row, int32_t col, float v) {
        uint64_t w = at[(size_t) p][(size_t) row]++;
        s.idx[w] = col;
        s.val[w] = v;
    });
    return s;
}

}  // namespace

void dataset_keep(dataset & d, const std::vector<int64_t> & positions) {
    const bool with_time = d.time.size() == d.rating.size();
    size_t w = 0;
    for (int64_t q : positions) {  // q >= w: increasing positions never overwrite a later one
        d.user[w] = d.user[(size_t) q];
        d.item[w] = d.item[(size_t) q];
        d.rating[w] = d.rating[(size_t) q];
        if (with_time) d.time[w] = d.time[(size_t) q];
        ++w;
    }
    d.user.resize(w);
    d.item.resize(w);
    d.rating.resize(w);
    if (with_time) d.time.resize(w);
}

rating_matrix rating_matrix_build(const dataset & d, const std::vector<int64_t> & sel, bool use_all, int threads) {
    rating_matrix m;
    m.n_users = d.users.size();
    m.n_items = d.items.size();
    int64_t n = use_all ? d.size() : (int64_t) sel.size();
    auto pos = [&](int64_t k) { return use_all ? k : sel[(size_t) k]; };
    m.by_user = rows_build(
        m.n_users, n,
        [&](int64_t k, int32_t & row, int32_t & col, float & v) {
            int64_t p = pos(k);
            row = d.user[p];
            col = d.item[p];
            v = d.rating[p];
        },
        threads);
    m.by_item = rows_build(
        m.n_items, n,
        [&](int64_t k, int32_t & row, int32_t & col, float & v) {
            int64_t p = pos(k);
            row = d.item[p];
            col = d.user[p];
            v = d.rating[p];
        },
        threads);
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
    m.by_user = rows_build(
        n_users, n,
        [&](int64_t k, int32_t & row, int32_t & col, float & v) {
            row = u[k];
            col = i[k];
            v = r[k];
        },
        1);
    m.by_item = rows_build(
        n_items, n,
        [&](int64_t k, int32_t & row, int32_t & col, float & v) {
            row = i[k];
            col = u[k];
            v = r[k];
        },
        1);
    double sum = 0.0;
    for (float v : r) sum += v;
    m.mean = n > 0 ? sum / (double) n : 0.0;
    return m;
}

}  // namespace mf

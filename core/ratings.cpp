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

// Copies rank[k] (k = 0..n-1, in input order) into both sides' recency: rows keep the input
// order, so the e-th entry of a row is the row's e-th triplet.
template <class Rows>
void recency_scatter(rating_matrix & m, int64_t n, Rows rows_of, const std::vector<uint8_t> & rank) {
    m.by_user.recency.resize((size_t) n);
    m.by_item.recency.resize((size_t) n);
    std::vector<uint64_t> cu(m.by_user.ptr.begin(), m.by_user.ptr.end() - 1);
    std::vector<uint64_t> ci(m.by_item.ptr.begin(), m.by_item.ptr.end() - 1);
    for (int64_t k = 0; k < n; ++k) {
        int32_t u, i;
        rows_of(k, u, i);
        m.by_user.recency[cu[(size_t) u]++] = rank[(size_t) k];
        m.by_item.recency[ci[(size_t) i]++] = rank[(size_t) k];
    }
}

}  // namespace

void rating_matrix_set_recency(rating_matrix & m, const dataset & d, const std::vector<int64_t> & sel, bool use_all,
                               int threads) {
    const int64_t n = use_all ? d.size() : (int64_t) sel.size();
    if (d.time.size() != d.rating.size() || n == 0 || n > (int64_t) UINT32_MAX || n != m.nnz()) return;
    auto pos = [&](int64_t k) { return use_all ? k : sel[(size_t) k]; };
    auto user_at = [&](int64_t k) { return d.user[(size_t) pos(k)]; };
    const int32_t nu = m.n_users;
    // each user's selected indices k: one run per user when the file is grouped by user (every
    // MovieLens release), else a counting sort into `order` (4 bytes a rating, only then)
    std::vector<uint64_t> start((size_t) nu + 1, 0), count((size_t) nu, 0);
    bool grouped = true;
    for (int64_t k = 0; k < n; ++k) {
        const int32_t u = user_at(k);
        if (count[(size_t) u] == 0)
            start[(size_t) u] = (uint64_t) k;
        else if (user_at(k - 1) != u)
            grouped = false;
        count[(size_t) u]++;
    }
    std::vector<uint32_t> order;
    if (!grouped) {
        start[0] = 0;
        for (int32_t u = 0; u < nu; ++u) start[(size_t) u + 1] = start[(size_t) u] + count[(size_t) u];
        order.resize((size_t) n);
        std::vector<uint64_t> fill(start.begin(), start.end() - 1);
        for (int64_t k = 0; k < n; ++k) order[fill[(size_t) user_at(k)]++] = (uint32_t) k;
    }
    std::vector<uint8_t> rank((size_t) n);
    parallel_for(
        nu, threads, 64, [] { return std::vector<uint32_t>(); },
        [&](std::vector<uint32_t> & run, int64_t u) {
            const uint64_t c = count[(size_t) u], s0 = start[(size_t) u];
            uint32_t *b, *e;
            if (grouped) {
                run.resize((size_t) c);
                for (uint64_t q = 0; q < c; ++q) run[(size_t) q] = (uint32_t) (s0 + q);
                b = run.data();
            } else {
                b = order.data() + s0;
            }
            e = b + c;
            // newest first; equal times: the later position (a file's later line) first
            std::sort(b, e, [&](uint32_t x, uint32_t y) {
                const int64_t tx = d.time[(size_t) pos(x)], ty = d.time[(size_t) pos(y)];
                return tx != ty ? tx > ty : x > y;
            });
            // equal times share a rank: the count of strictly newer ratings
            int64_t r = 0;
            for (uint32_t * q = b; q < e; ++q) {
                if (q > b && d.time[(size_t) pos(*q)] != d.time[(size_t) pos(q[-1])]) r = q - b;
                rank[*q] = (uint8_t) std::min<int64_t>(r, recency_cap);
            }
        });
    std::vector<uint32_t>().swap(order);
    recency_scatter(
        m, n,
        [&](int64_t k, int32_t & u, int32_t & i) {
            u = user_at(k);
            i = d.item[(size_t) pos(k)];
        },
        rank);
}

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
                                     const std::vector<int32_t> & i, const std::vector<float> & r,
                                     const std::vector<uint8_t> * recency) {
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
    if (recency && (int64_t) recency->size() == n)
        recency_scatter(
            m, n,
            [&](int64_t k, int32_t & uu, int32_t & ii) {
                uu = u[(size_t) k];
                ii = i[(size_t) k];
            },
            *recency);
    return m;
}

}  // namespace mf

#include "ratings.h"

#include <algorithm>

#include "gram.h"
#include "parallel.h"

namespace mf {

namespace {

// nnz entries in s.idx and s.val, storage that is big enough kept; new storage is advised to
// huge pages before its first touch: resize leaves it uninitialised (uninit_allocator), so the
// scatter that follows faults it in once per 2 MiB, not once per 4 KiB
void rows_reserve(sparse_rows & s, size_t nnz) {
    if (s.idx.capacity() < nnz) {
        decltype(s.idx)().swap(s.idx);
        decltype(s.val)().swap(s.val);
        s.idx.reserve(nnz);
        s.val.reserve(nnz);
        kern::prefer_huge_pages(s.idx.data(), sizeof(int32_t) * nnz);
        kern::prefer_huge_pages(s.val.data(), sizeof(float) * nnz);
    }
    s.idx.resize(nnz);
    s.val.resize(nnz);
}

// Counting sort of (row, col, val) triplets into compressed rows; rows keep the input order.
// get(k, row, col, v) returns false for a triplet that is not selected; place(k, w) is told where
// selected triplet k went (after size(nnz) was called once). The input is cut into `parts`
// contiguous pieces counted and scattered in parallel; piece p's entries of a row go after those
// of pieces < p, so the result is the serial one for any count.
template <class Get, class Size, class Place>
sparse_rows rows_build(int32_t n_rows, int64_t n, Get get, Size size, Place place, int threads) {
    if (threads <= 0) threads = parallel_default_threads();
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n / (1 << 16)));
    std::vector<std::vector<uint64_t>> at((size_t) parts, std::vector<uint64_t>((size_t) n_rows, 0));
    // f(p, k, row, col, v) over the selected entries of each piece p, the pieces in parallel
    auto over_pieces = [&](auto f) {
        parallel_for(
            parts, (int) parts, 1, [] { return 0; },
            [&](int, int64_t p) {
                for (int64_t k = n * p / parts; k < n * (p + 1) / parts; ++k) {
                    int32_t row, col;
                    float v;
                    if (get(k, row, col, v)) f(p, k, row, col, v);
                }
            });
    };
    over_pieces([&](int64_t p, int64_t, int32_t row, int32_t, float) { at[(size_t) p][(size_t) row]++; });
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
    const size_t nnz = (size_t) s.ptr.back();
    rows_reserve(s, nnz);
    size((int64_t) nnz, s);
    over_pieces([&](int64_t p, int64_t k, int32_t row, int32_t col, float v) {
        uint64_t w = at[(size_t) p][(size_t) row]++;
        s.idx[w] = col;
        s.val[w] = v;
        place(k, w, s);
    });
    return s;
}

// Fills m.by_item.recency from m.by_user.recency (by_item is the transpose of by_user: walking
// by_user in order meets each column's entries in its order).
void recency_mirror(rating_matrix & m) {
    const sparse_rows & a = m.by_user;
    sparse_rows & b = m.by_item;
    b.recency.resize(a.recency.size());
    std::vector<uint64_t> at(b.ptr.begin(), b.ptr.end() - 1);
    for (uint64_t e = 0; e < (uint64_t) a.nnz(); ++e) b.recency[at[(size_t) a.idx[e]]++] = a.recency[e];
}

// f(run) for each user's selected positions (increasing), in parallel over users: one range of the
// file per user when the selection is grouped by user (every MovieLens release), else a counting
// sort into `order` (4 bytes a rating, only then). Positions must fit 32 bits (checked by callers).
template <class F>
void for_user_runs(const dataset & d, rating_selection sel, int threads, F f) {
    const int64_t n = d.size();
    const int32_t nu = d.users.size();
    std::vector<uint64_t> first((size_t) nu + 1, 0), last((size_t) nu, 0), count((size_t) nu, 0);
    bool grouped = true;
    int32_t prev = -1;
    for (int64_t q = 0; q < n; ++q) {
        if (!sel.has(q)) continue;
        const int32_t u = d.user[(size_t) q];
        if (count[(size_t) u] == 0)
            first[(size_t) u] = (uint64_t) q;
        else if (prev != u)
            grouped = false;
        last[(size_t) u] = (uint64_t) q;
        count[(size_t) u]++;
        prev = u;
    }
    std::vector<uint32_t> order;
    if (!grouped) {
        first[0] = 0;
        for (int32_t u = 0; u < nu; ++u) first[(size_t) u + 1] = first[(size_t) u] + count[(size_t) u];
        order.resize((size_t) first[(size_t) nu]);
        std::vector<uint64_t> fill(first.begin(), first.end() - 1);
        for (int64_t q = 0; q < n; ++q)
            if (sel.has(q)) order[fill[(size_t) d.user[(size_t) q]]++] = (uint32_t) q;
    }
    parallel_for(
        nu, threads, 64, [] { return std::vector<uint32_t>(); },
        [&](std::vector<uint32_t> & run, int64_t u) {
            const uint64_t c = count[(size_t) u];
            run.clear();
            if (c == 0) return;
            if (grouped) {
                for (uint64_t q = first[(size_t) u]; q <= last[(size_t) u]; ++q)
                    if (sel.has((int64_t) q)) run.push_back((uint32_t) q);
            } else {
                run.assign(order.begin() + (ptrdiff_t) first[(size_t) u], order.begin() + (ptrdiff_t) (first[u] + c));
            }
            f(run);
        });
}

// the selection of positions `sel` (increasing) as marks: 0 selected, 1 not
std::vector<uint8_t> marks_of_positions(int64_t n, const std::vector<int64_t> & sel) {
    std::vector<uint8_t> marks((size_t) n, 1);
    for (int64_t q : sel) marks[(size_t) q] = 0;
    return marks;
}

double mean_of(const sparse_rows & s) {
    double sum = 0.0;
    for (float v : s.val) sum += v;
    return s.nnz() > 0 ? sum / (double) s.nnz() : 0.0;
}

}  // namespace

std::vector<uint8_t> recency_ranks(const dataset & d, rating_selection sel, int threads) {
    const int64_t n = d.size();
    if (d.time.size() != d.rating.size() || n == 0 || n > (int64_t) UINT32_MAX) return {};
    std::vector<uint8_t> rank((size_t) n, 0);
    for_user_runs(d, sel, threads, [&](std::vector<uint32_t> & run) {
        // newest first; equal times: the later position (a file's later line) first
        std::sort(run.begin(), run.end(), [&](uint32_t x, uint32_t y) {
            const int64_t tx = d.time[x], ty = d.time[y];
            return tx != ty ? tx > ty : x > y;
        });
        // equal times share a rank: the count of strictly newer ratings
        size_t r = 0;
        for (size_t q = 0; q < run.size(); ++q) {
            if (q > 0 && d.time[run[q]] != d.time[run[q - 1]]) r = q;
            rank[run[q]] = (uint8_t) std::min<size_t>(r, (size_t) recency_cap);
        }
    });
    return rank;
}

void mark_latest_fifth(const dataset & d, rating_selection sel, std::vector<uint8_t> & marks, uint8_t bit) {
    if (d.time.size() != d.rating.size() || d.size() > (int64_t) UINT32_MAX) return;
    for_user_runs(d, sel, 0, [&](std::vector<uint32_t> & run) {
        const size_t h = run.size() >= 5 ? run.size() / 5 : 0;
        if (h == 0) return;
        // the latest first; equal times: the earlier position first (split_rows_holdout's order)
        std::stable_sort(run.begin(), run.end(), [&](uint32_t x, uint32_t y) { return d.time[x] > d.time[y]; });
        for (size_t q = 0; q < h; ++q) marks[run[q]] |= bit;
    });
}

void rows_transpose(const sparse_rows & src, int32_t n_cols, sparse_rows & dst, int threads) {
    if (threads <= 0) threads = parallel_default_threads();
    const int32_t n_rows = src.rows();
    const size_t nnz = (size_t) src.nnz();
    const bool rec = src.recency.size() == nnz && nnz > 0;
    const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, (int64_t) nnz / (1 << 16)));
    std::vector<std::vector<uint64_t>> at((size_t) parts, std::vector<uint64_t>((size_t) n_cols, 0));
    auto piece_rows = [&](int64_t p, int32_t & r0, int32_t & r1) {
        r0 = (int32_t) ((int64_t) n_rows * p / parts);
        r1 = (int32_t) ((int64_t) n_rows * (p + 1) / parts);
    };
    parallel_for(
        parts, (int) parts, 1, [] { return 0; },
        [&](int, int64_t p) {
            int32_t r0, r1;
            piece_rows(p, r0, r1);
            for (uint64_t e = src.ptr[r0]; e < src.ptr[r1]; ++e) at[(size_t) p][(size_t) src.idx[e]]++;
        });
    dst.ptr.assign((size_t) n_cols + 1, 0);
    for (int32_t c = 0; c < n_cols; ++c) {
        uint64_t o = dst.ptr[c];
        for (int64_t p = 0; p < parts; ++p) {
            const uint64_t cnt = at[(size_t) p][c];
            at[(size_t) p][c] = o;
            o += cnt;
        }
        dst.ptr[(size_t) c + 1] = o;
    }
    rows_reserve(dst, nnz);
    dst.recency.resize(rec ? nnz : 0);
    parallel_for(
        parts, (int) parts, 1, [] { return 0; },
        [&](int, int64_t p) {
            int32_t r0, r1;
            piece_rows(p, r0, r1);
            std::vector<uint64_t> & w = at[(size_t) p];
            for (int32_t r = r0; r < r1; ++r)
                for (uint64_t e = src.ptr[r]; e < src.ptr[r + 1]; ++e) {
                    const uint64_t o = w[(size_t) src.idx[e]]++;
                    dst.idx[o] = r;
                    dst.val[o] = src.val[e];
                    if (rec) dst.recency[o] = src.recency[e];
                }
        });
}

rating_matrix rating_matrix_build_selected(const dataset & d, rating_selection sel, int threads,
                                           const std::vector<uint8_t> * rank, std::vector<uint8_t> * carry,
                                           dataset * release) {
    rating_matrix m;
    m.n_users = d.users.size();
    m.n_items = d.items.size();
    const int64_t n = d.size();
    const bool ranked = rank && (int64_t) rank->size() == n && n > 0;
    std::vector<uint8_t> carried;
    m.by_user = rows_build(
        m.n_users, n,
        [&](int64_t q, int32_t & row, int32_t & col, float & v) {
            if (!sel.has(q)) return false;
            row = d.user[(size_t) q];
            col = d.item[(size_t) q];
            v = d.rating[(size_t) q];
            return true;
        },
        [&](int64_t nnz, sparse_rows & s) {
            if (ranked) s.recency.resize((size_t) nnz);
            if (carry) carried.resize((size_t) nnz);
        },
        [&](int64_t q, uint64_t w, sparse_rows & s) {
            if (ranked) s.recency[w] = (*rank)[(size_t) q];
            if (carry) carried[w] = (*carry)[(size_t) q];
        },
        threads);
    if (carry) carry->swap(carried);
    std::vector<uint8_t>().swap(carried);
    if (release) release->release_ratings();  // the CSC below is built from the CSR alone
    m.mean = mean_of(m.by_user);
    rows_transpose(m.by_user, m.n_items, m.by_item, threads);
    return m;
}

rating_matrix rating_matrix_build(const dataset & d, const std::vector<int64_t> & sel, bool use_all, int threads) {
    if (use_all) return rating_matrix_build_selected(d, {}, threads);
    const std::vector<uint8_t> marks = marks_of_positions(d.size(), sel);
    return rating_matrix_build_selected(d, {marks.data(), 1}, threads);
}

void rating_matrix_set_recency(rating_matrix & m, const dataset & d, const std::vector<int64_t> & sel, bool use_all,
                               int threads) {
    std::vector<uint8_t> marks;
    if (!use_all) marks = marks_of_positions(d.size(), sel);
    const rating_selection s{use_all ? nullptr : marks.data(), (uint8_t) (use_all ? 0 : 1)};
    const std::vector<uint8_t> rank = recency_ranks(d, s, threads);
    if (rank.empty()) return;
    // by_user's rows keep the input order: the e-th selected rating of user u is row u's e-th entry
    sparse_rows & a = m.by_user;
    a.recency.resize((size_t) a.nnz());
    std::vector<uint64_t> at(a.ptr.begin(), a.ptr.end() - 1);
    int64_t seen = 0;
    for (int64_t q = 0; q < d.size(); ++q)
        if (s.has(q)) {
            if (++seen > a.nnz()) break;
            a.recency[at[(size_t) d.user[(size_t) q]]++] = rank[(size_t) q];
        }
    recency_mirror(m);
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

void dataset_keep_marked(dataset & d, std::vector<uint8_t> & marks, uint8_t drop) {
    const bool with_time = d.time.size() == d.rating.size();
    size_t w = 0;
    for (size_t q = 0; q < marks.size(); ++q) {
        if (marks[q] & drop) continue;
        d.user[w] = d.user[q];
        d.item[w] = d.item[q];
        d.rating[w] = d.rating[q];
        if (with_time) d.time[w] = d.time[q];
        marks[w] = marks[q];
        ++w;
    }
    d.user.resize(w);
    d.item.resize(w);
    d.rating.resize(w);
    if (with_time) d.time.resize(w);
    marks.resize(w);
}

rating_matrix rating_matrix_from_coo(int32_t n_users, int32_t n_items, const std::vector<int32_t> & u,
                                     const std::vector<int32_t> & i, const std::vector<float> & r,
                                     const std::vector<uint8_t> * recency) {
    rating_matrix m;
    m.n_users = n_users;
    m.n_items = n_items;
    const int64_t n = (int64_t) r.size();
    const bool ranked = recency && (int64_t) recency->size() == n && n > 0;
    m.by_user = rows_build(
        n_users, n,
        [&](int64_t k, int32_t & row, int32_t & col, float & v) {
            row = u[(size_t) k];
            col = i[(size_t) k];
            v = r[(size_t) k];
            return true;
        },
        [&](int64_t nnz, sparse_rows & s) {
            if (ranked) s.recency.resize((size_t) nnz);
        },
        [&](int64_t k, uint64_t w, sparse_rows & s) {
            if (ranked) s.recency[w] = (*recency)[(size_t) k];
        },
        1);
    double sum = 0.0;
    for (float v : r) sum += v;
    m.mean = n > 0 ? sum / (double) n : 0.0;
    rows_transpose(m.by_user, n_items, m.by_item, 1);
    return m;
}

rating_holdout rating_matrix_hold_out(rating_matrix & m, const std::vector<uint8_t> & mask, uint8_t bit, bool rerank,
                                      int threads) {
    rating_holdout h;
    sparse_rows & a = m.by_user;
    const int32_t nu = a.rows();
    const bool rec = (int64_t) a.recency.size() == a.nnz() && a.nnz() > 0;
    h.mean = m.mean;
    h.reranked = rerank && rec;
    int64_t n_held = 0;
    for (int64_t e = 0; e < a.nnz(); ++e) n_held += (mask[(size_t) e] & bit) != 0;
    h.held.ptr.assign((size_t) nu + 1, 0);
    h.held.idx.reserve((size_t) n_held);
    h.held.val.reserve((size_t) n_held);
    if (rec) h.held.recency.reserve((size_t) n_held);
    if (h.reranked) h.kept_recency.reserve((size_t) (a.nnz() - n_held));
    // compacts each row forward (w <= e: an entry never overwrites one not yet read)
    uint64_t w = 0;
    std::vector<std::pair<uint8_t, uint64_t>> order;  // (old rank, place) of a row's kept entries
    for (int32_t u = 0; u < nu; ++u) {
        const uint64_t b = a.ptr[u], e_end = a.ptr[(size_t) u + 1], w0 = w;
        a.ptr[u] = w0;
        for (uint64_t e = b; e < e_end; ++e) {
            if (mask[e] & bit) {
                h.held.idx.push_back(a.idx[e]);
                h.held.val.push_back(a.val[e]);
                if (rec) h.held.recency.push_back(a.recency[e]);
                continue;
            }
            a.idx[w] = a.idx[e];
            a.val[w] = a.val[e];
            if (rec) a.recency[w] = a.recency[e];
            if (h.reranked) h.kept_recency.push_back(a.recency[e]);
            ++w;
        }
        h.held.ptr[(size_t) u + 1] = (uint64_t) h.held.idx.size();
        if (h.reranked) {
            order.clear();
            for (uint64_t q = w0; q < w; ++q) order.push_back({a.recency[q], q});
            std::stable_sort(order.begin(), order.end(),
                             [](const std::pair<uint8_t, uint64_t> & x, const std::pair<uint8_t, uint64_t> & y) {
                                 return x.first < y.first;
                             });
            for (size_t q = 0; q < order.size(); ++q)
                a.recency[order[q].second] = (uint8_t) std::min<size_t>(q, (size_t) recency_cap);
        }
    }
    a.ptr[(size_t) nu] = w;
    a.idx.resize(w);
    a.val.resize(w);
    if (rec) a.recency.resize(w);
    m.mean = mean_of(a);
    rows_transpose(a, m.n_items, m.by_item, threads);
    return h;
}

void rating_matrix_restore(rating_matrix & m, rating_holdout & h, const std::vector<uint8_t> & mask, uint8_t bit,
                           int threads) {
    sparse_rows & a = m.by_user;
    const int32_t nu = a.rows();
    const bool rec = (int64_t) a.recency.size() == a.nnz() && (a.nnz() > 0 || h.held.recency.size() > 0);
    const uint64_t total = (uint64_t) a.nnz() + (uint64_t) h.held.nnz();
    std::vector<uint64_t> ptr0((size_t) nu + 1, 0);
    for (int32_t u = 0; u < nu; ++u)
        ptr0[(size_t) u + 1] =
            ptr0[u] + (a.ptr[(size_t) u + 1] - a.ptr[u]) + (h.held.ptr[(size_t) u + 1] - h.held.ptr[u]);
    a.idx.resize(total);  // within the capacity the matrix had: no reallocation
    a.val.resize(total);
    if (rec) a.recency.resize(total);
    // merges each row back from its end (the kept entry read is never after the place written)
    for (int32_t u = nu - 1; u >= 0; --u) {
        uint64_t kr = a.ptr[(size_t) u + 1], hr = h.held.ptr[(size_t) u + 1];
        for (uint64_t e = ptr0[(size_t) u + 1]; e-- > ptr0[u];) {
            if (mask[e] & bit) {
                --hr;
                a.idx[e] = h.held.idx[hr];
                a.val[e] = h.held.val[hr];
                if (rec) a.recency[e] = h.held.recency[hr];
            } else {
                --kr;
                a.idx[e] = a.idx[kr];
                a.val[e] = a.val[kr];
                if (rec) a.recency[e] = h.reranked ? h.kept_recency[kr] : a.recency[kr];
            }
        }
    }
    a.ptr.swap(ptr0);
    m.mean = h.mean;
    h = rating_holdout();
    rows_transpose(a, m.n_items, m.by_item, threads);
}

}  // namespace mf

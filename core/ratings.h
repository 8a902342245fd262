// ratings.h - ratings as loaded (coordinate list) and as trained on (dual CSR/CSC).
//
// A dataset holds every rating in file order with dense indices: user index by first
// appearance, item index = catalog row. Splits select subsets of it; a rating_matrix is built
// from a subset, once by user (CSR) and once by item (CSC), each row in input order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalog.h"

namespace mf {

// Dense index <-> external id, in order of first appearance.
struct id_map {
    std::vector<int32_t> ids;
    std::unordered_map<int32_t, int32_t> index;

    int32_t size() const { return (int32_t) ids.size(); }
    int32_t find(int32_t id) const {
        auto it = index.find(id);
        return it == index.end() ? -1 : it->second;
    }
    int32_t get_or_add(int32_t id) {
        auto it = index.find(id);
        if (it != index.end()) return it->second;
        int32_t row = size();
        index.emplace(id, row);
        ids.push_back(id);
        return row;
    }
};

// Side features of the users (demographics: one-hot gender, age group, occupation), row = dense
// user index. Empty (no names) when the data has none; a user with an empty row (not in the users
// file) has no features, so Bayesian MF gives them the population prior mean.
struct user_features {
    std::vector<std::string> names;          // the feature columns ("gender=F", "age=25-34", ...)
    std::vector<std::vector<int32_t>> cols;  // per user row: the columns that are 1, increasing

    int32_t size() const { return (int32_t) names.size(); }
    bool empty() const { return names.empty(); }
};

struct dataset {
    catalog items;  // item index = catalog row
    id_map users;
    std::vector<int32_t> user;  // dense user index per rating
    std::vector<int32_t> item;  // dense item index per rating
    std::vector<float> rating;
    std::vector<int64_t> time;   // seconds since 1970, 0 when unknown
    user_features demographics;  // from u.user / users.dat when present (native/movielens_users.h)

    int64_t size() const { return (int64_t) rating.size(); }
    void reserve(size_t n) {
        user.reserve(n);
        item.reserve(n);
        rating.reserve(n);
        time.reserve(n);
    }
    // Frees the timestamps (a load whose splits never read them); capacity too, not only size.
    void release_time() { std::vector<int64_t>().swap(time); }
    // Frees every rating (user, item, rating, time), keeping the catalog and the user ids: for a
    // caller done with the triplets once the training matrix and the held-out set are built.
    void release_ratings() {
        std::vector<int32_t>().swap(user);
        std::vector<int32_t>().swap(item);
        std::vector<float>().swap(rating);
        release_time();
    }
    void push(int32_t u, int32_t i, float r, int64_t t) {
        user.push_back(u);
        item.push_back(i);
        rating.push_back(r);
        time.push_back(t);
    }
};

// An allocator whose default construction leaves ints and floats uninitialised: resize() then
// writes nothing, and the parallel scatter that fills every entry is also the first touch of
// its pages (the page faults and the kernel's zeroing shared by the threads, not a serial
// memset of 256 MB per matrix before them).
template <class T>
struct uninit_allocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = uninit_allocator<U>;
    };
    uninit_allocator() = default;
    template <class U>
    uninit_allocator(const uninit_allocator<U> &) noexcept {}
    template <class U>
    void construct(U * p) noexcept {
        ::new ((void *) p) U;
    }
    template <class U, class... Args>
    void construct(U * p, Args &&... args) {
        ::new ((void *) p) U(std::forward<Args>(args)...);
    }
};
template <class T>
using uninit_vector = std::vector<T, uninit_allocator<T>>;

// Compressed rows: the entries of row r are idx/val[ptr[r] .. ptr[r+1]).
struct sparse_rows {
    std::vector<uint64_t> ptr;
    uninit_vector<int32_t> idx;
    uninit_vector<float> val;
    // Per entry, the rating's rank among its user's ratings in the matrix from the most recent
    // (0 = newest, capped at recency_cap); empty when the times are unknown. The ranking models
    // weigh an interaction by it (train_params::recency).
    uninit_vector<uint8_t> recency;

    int32_t rows() const { return ptr.empty() ? 0 : (int32_t) ptr.size() - 1; }
    int64_t nnz() const { return (int64_t) idx.size(); }
    int64_t row_size(int32_t r) const { return (int64_t) (ptr[r + 1] - ptr[r]); }
};

struct rating_matrix {
    int32_t n_users = 0;
    int32_t n_items = 0;
    sparse_rows by_user;  // CSR: row u, idx = item
    sparse_rows by_item;  // CSC: row i, idx = user
    double mean = 0.0;    // mean rating

    int64_t nnz() const { return by_user.nnz(); }
};

constexpr int32_t recency_cap = 255;

// A selection of a dataset's ratings without a list of positions (8 bytes a rating): those whose
// byte in `marks` (one per rating, may be null = all) has none of the `drop` bits set.
struct rating_selection {
    const uint8_t * marks = nullptr;
    uint8_t drop = 0;

    bool has(int64_t q) const { return !marks || (marks[q] & drop) == 0; }
};

// Keeps the ratings of d at `positions` (increasing), in that order, at the front of its arrays
// (in place; d.size() becomes positions.size()).
void dataset_keep(dataset & d, const std::vector<int64_t> & positions);
// The same for the ratings whose marks have none of the `drop` bits; marks is compacted alongside.
void dataset_keep_marked(dataset & d, std::vector<uint8_t> & marks, uint8_t drop);

// Per rating of d (one byte per position; 0 for ratings outside `sel`): its rank among its user's
// selected ratings by time, newest first (equal times share a rank: the count of strictly newer),
// capped at recency_cap. Empty when d has no times. Parallel over users.
std::vector<uint8_t> recency_ranks(const dataset & d, rating_selection sel, int threads = 0);

// Sets `bit` in marks[q] for the latest floor(n_u / 5) selected ratings of each user with n_u >= 5
// selected (ties in time: the earlier position first), as user-time:0.2 would hold out. Needs times.
void mark_latest_fifth(const dataset & d, rating_selection sel, std::vector<uint8_t> & marks, uint8_t bit);

// The dual matrix of the selected ratings of d: CSR by a counting sort (each row keeps the input
// order), CSC its transpose (rows_transpose). `rank` (may be null; a byte per position, as
// recency_ranks gives) becomes sparse_rows::recency of both sides; with `carry`, carry[q] of each
// selected rating is moved into by_user's order (carry then holds nnz bytes aligned with by_user).
// With `release` (== &d), d's ratings are freed once the CSR is built, before the CSC.
rating_matrix rating_matrix_build_selected(const dataset & d, rating_selection sel, int threads,
                                           const std::vector<uint8_t> * rank = nullptr,
                                           std::vector<uint8_t> * carry = nullptr, dataset * release = nullptr);

// The same for the ratings of d at positions `sel` (increasing; all ratings when sel is empty and
// use_all is true).
rating_matrix rating_matrix_build(const dataset & d, const std::vector<int64_t> & sel, bool use_all, int threads = 0);

// The same from raw coordinates (used by tests and the in-browser trainer); `recency` (may be
// null) gives each triplet's sparse_rows::recency.
rating_matrix rating_matrix_from_coo(int32_t n_users, int32_t n_items, const std::vector<int32_t> & u,
                                     const std::vector<int32_t> & i, const std::vector<float> & r,
                                     const std::vector<uint8_t> * recency = nullptr);

// Fills m.by_user.recency and m.by_item.recency for the matrix rating_matrix_build(d, sel,
// use_all) made (recency_ranks of those ratings). No-op when d has no times.
void rating_matrix_set_recency(rating_matrix & m, const dataset & d, const std::vector<int64_t> & sel, bool use_all,
                               int threads = 0);

// dst = the transpose of src (n_cols columns): dst row c holds src's entries of column c ordered by
// their src row, then by their place in it; recency travels along. dst's arrays are reused (no
// reallocation when their capacity suffices). Parallel over pieces of src's rows, the result the
// same for any thread count.
void rows_transpose(const sparse_rows & src, int32_t n_cols, sparse_rows & dst, int threads = 0);

// A validation part taken out of a training matrix in place (rather than copying the rest): the
// memory of one matrix, not two.
struct rating_holdout {
    sparse_rows held;                     // the held-out entries by user row, in row order
    uninit_vector<uint8_t> kept_recency;  // with rerank: the kept entries' ranks before it
    double mean = 0.0;                    // m.mean before
    bool reranked = false;
};

// Takes the entries e of m.by_user with (mask[e] & bit) out of m: both sides then hold only the
// kept entries (by_item the transpose of the kept by_user) and m.mean is their mean. With rerank
// (and recency present), each user's kept entries are ranked again 0, 1, 2, ... in the order of
// their old ranks (the held-out ones, the newest under a time holdout, no longer count).
// mask is aligned with m.by_user as it is before the call.
[[nodiscard]] rating_holdout rating_matrix_hold_out(rating_matrix & m, const std::vector<uint8_t> & mask, uint8_t bit,
                                                    bool rerank, int threads = 0);
// Undoes rating_matrix_hold_out (same mask and bit): m is again bit for bit what it was.
void rating_matrix_restore(rating_matrix & m, rating_holdout & h, const std::vector<uint8_t> & mask, uint8_t bit,
                           int threads = 0);

}  // namespace mf

#include "ranking.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>
#include <string>

#include "parallel.h"
#include "rng.h"

namespace mf {

namespace {

// "" when the row table is well formed and every index is in [0, n_cols), else what is wrong.
std::string check_rows(const char * name, const sparse_rows & s, int32_t n_cols) {
    if (s.ptr.empty()) {
        if (!s.idx.empty() || !s.val.empty()) return std::string(name) + ": entries without a row table";
        return "";
    }
    if (s.ptr[0] != 0) return std::string(name) + ": the row table does not start at 0";
    for (size_t r = 1; r < s.ptr.size(); ++r)
        if (s.ptr[r] < s.ptr[r - 1])
            return std::string(name) + ": row " + std::to_string(r - 1) + " ends before it starts";
    if (s.ptr.back() != (uint64_t) s.idx.size() || s.idx.size() != s.val.size())
        return std::string(name) + ": the row table covers " + std::to_string(s.ptr.back()) + " entries, " +
               std::to_string(s.idx.size()) + " items and " + std::to_string(s.val.size()) + " values given";
    for (int32_t r = 0; r < s.rows(); ++r)
        for (uint64_t p = s.ptr[r]; p < s.ptr[(size_t) r + 1]; ++p)
            if (s.idx[p] < 0 || s.idx[p] >= n_cols)
                return std::string(name) + ": row " + std::to_string(r) + " has item " + std::to_string(s.idx[p]) +
                       " outside [0, " + std::to_string(n_cols) + ")";
    return "";
}

}  // namespace

// mean ± 1.96 · sd / √n over the non-NaN values, summed in order; sd with n - 1
metric_value metric_summarize(const std::vector<double> & x) {
    metric_value m;
    double sum = 0;
    for (double v : x)
        if (!std::isnan(v)) {
            sum += v;
            m.n++;
        }
    if (m.n == 0) return m;
    m.mean = sum / (double) m.n;
    double half = 0;
    if (m.n > 1) {
        double ss = 0;  // Σ (x - mean)²
        for (double v : x)
            if (!std::isnan(v)) ss += (v - m.mean) * (v - m.mean);
        double sd = std::sqrt(ss / (double) (m.n - 1));
        half = 1.96 * sd / std::sqrt((double) m.n);
    }
    m.ci_low = m.mean - half;
    m.ci_high = m.mean + half;
    return m;
}

namespace {

std::vector<float> to_float(const std::vector<double> & x) {
    return std::vector<float>(x.begin(), x.end());
}

// One worker's scratch, kept after the loop for the coverage union.
struct worker {
    std::vector<float> s;          // the user's scores, NaN -> -inf
    std::vector<int64_t> mark;     // 3u+1 train, 3u+2 relevant, 3u+3 held-out not relevant (no clearing)
    std::vector<int32_t> rel;      // relevant items in rank order
    std::vector<float> rel_s;      // their scores, non-increasing
    std::vector<int64_t> cnt;      // cnt[p]: non-relevant candidates with exactly p relevant items before them
    std::vector<int32_t> ge;       // ge[t]: relevant items whose score bucket is >= t
    std::vector<int32_t> bk;       // score bucket of every item
    std::vector<int32_t> heap;     // top-K, worst on top
    std::vector<int32_t> elig;     // sampled mode: items the user never interacted with
    std::vector<uint8_t> in_top;   // item in some top-K list of this worker
    std::vector<uint8_t> in_cand;  // sampled mode: item a candidate of some user of this worker
};

}  // namespace

result<sparse_rows> sparse_rows_from_triplets(int32_t n_rows, const std::vector<int32_t> & row,
                                              const std::vector<int32_t> & col, const std::vector<float> & val) {
    if (n_rows < 0) return result<sparse_rows>::fail("triplets: negative row count " + std::to_string(n_rows));
    if (row.size() != col.size() || row.size() != val.size())
        return result<sparse_rows>::fail("triplets: " + std::to_string(row.size()) + " rows, " +
                                         std::to_string(col.size()) + " cols and " + std::to_string(val.size()) +
                                         " values given");
    for (size_t k = 0; k < row.size(); ++k) {
        if (row[k] < 0 || row[k] >= n_rows)
            return result<sparse_rows>::fail("triplets: entry " + std::to_string(k) + " has row " +
                                             std::to_string(row[k]) + " outside [0, " + std::to_string(n_rows) + ")");
        if (col[k] < 0)
            return result<sparse_rows>::fail("triplets: entry " + std::to_string(k) + " has negative col " +
                                             std::to_string(col[k]));
    }
    // counting sort: rows keep the input order
    sparse_rows s;
    s.ptr.assign((size_t) n_rows + 1, 0);
    for (int32_t r : row) s.ptr[(size_t) r + 1]++;
    for (int32_t r = 0; r < n_rows; ++r) s.ptr[(size_t) r + 1] += s.ptr[r];
    s.idx.resize(row.size());
    s.val.resize(row.size());
    std::vector<uint64_t> at(s.ptr.begin(), s.ptr.end() - 1);
    for (size_t k = 0; k < row.size(); ++k) {
        uint64_t w = at[(size_t) row[k]]++;
        s.idx[w] = col[k];
        s.val[w] = val[k];
    }
    return s;
}

result<ranking_report> ranking_evaluate(int32_t n_items, const sparse_rows & train, const sparse_rows & test,
                                        const score_fn & scores, const ranking_options & o) {
    using R = result<ranking_report>;
    if (o.k < 1) return R::fail("ranking: k must be at least 1 (got " + std::to_string(o.k) + ")");
    if (n_items < 1) return R::fail("ranking: the catalogue is empty (n_items = " + std::to_string(n_items) + ")");
    if (o.sampled_negatives < 0)
        return R::fail("ranking: sampled_negatives must be >= 0 (got " + std::to_string(o.sampled_negatives) + ")");
    if (std::isnan(o.relevant_min)) return R::fail("ranking: relevant_min is NaN");
    if (!scores) return R::fail("ranking: no score function");
    if (train.rows() != test.rows())
        return R::fail("ranking: train has " + std::to_string(train.rows()) + " user rows, test has " +
                       std::to_string(test.rows()));
    std::string bad = check_rows("ranking: train", train, n_items);
    if (bad.empty()) bad = check_rows("ranking: test", test, n_items);
    if (!bad.empty()) return R::fail(bad);

    const int32_t n_users = train.rows();
    const int64_t K = o.k;
    const bool sampled = o.sampled_negatives > 0;
    const float relmin = o.relevant_min;

    // ---- serial pre-pass, O(nnz): popularity, evaluated users, items trained by every one of them
    std::vector<int64_t> pop((size_t) n_items, 0);              // distinct training users per item
    std::vector<int64_t> trained_by_eval((size_t) n_items, 0);  // distinct evaluated users who trained it
    std::vector<int64_t> mark((size_t) n_items, -1);
    std::vector<int32_t> distinct;
    ranking_report rep;
    rep.k = o.k;
    rep.sampled_negatives = o.sampled_negatives;
    int64_t n_users_train = 0;
    for (int32_t u = 0; u < n_users; ++u) {
        const int64_t base = 3 * (int64_t) u;
        distinct.clear();
        for (uint64_t p = train.ptr[u]; p < train.ptr[(size_t) u + 1]; ++p) {
            int32_t i = train.idx[p];
            if (mark[i] == base + 1) continue;
            mark[i] = base + 1;
            distinct.push_back(i);
            pop[i]++;
        }
        if (!distinct.empty()) n_users_train++;
        int64_t m = 0;
        for (uint64_t p = test.ptr[u]; p < test.ptr[(size_t) u + 1]; ++p) {
            int32_t i = test.idx[p];
            if (mark[i] == base + 1 || mark[i] == base + 2 || !(test.val[p] >= relmin)) continue;
            mark[i] = base + 2;
            m++;
        }
        if (m == 0) continue;
        rep.users.push_back(u);
        for (int32_t i : distinct) trained_by_eval[i]++;
    }
    const int64_t n_eval = (int64_t) rep.users.size();
    rep.n_users = n_eval;

    // self-information of each item: -log2(max(pop_i, 1) / n_users_train)
    std::vector<double> selfinfo((size_t) n_items, 0.0);
    for (int32_t i = 0; i < n_items; ++i)
        selfinfo[i] = -std::log2((double) std::max<int64_t>(pop[i], 1) / (double) std::max<int64_t>(n_users_train, 1));
    // idcg[n] = Σ_{r=1..n} 1 / log2(r + 1), n up to min(K, n_items) (m <= n_items)
    const int64_t kmax = std::min<int64_t>(K, n_items);
    std::vector<double> idcg((size_t) kmax + 1, 0.0);
    for (int64_t r = 1; r <= kmax; ++r) idcg[r] = idcg[r - 1] + 1.0 / std::log2((double) r + 1.0);

    std::vector<double> v_prec((size_t) n_eval), v_rec((size_t) n_eval), v_ndcg((size_t) n_eval), v_ap((size_t) n_eval),
        v_hit((size_t) n_eval), v_rr((size_t) n_eval), v_auc((size_t) n_eval), v_nov((size_t) n_eval);

    std::mutex mu;
    std::vector<std::unique_ptr<worker>> workers;
    auto make = [&]() {
        std::unique_ptr<worker> w(new worker);
        w->s.resize((size_t) n_items);
        w->mark.assign((size_t) n_items, -1);
        w->in_top.assign((size_t) n_items, 0);
        if (sampled) w->in_cand.assign((size_t) n_items, 0);
        w->heap.reserve((size_t) kmax);
        worker * p = w.get();
        std::lock_guard<std::mutex> lock(mu);
        workers.push_back(std::move(w));
        return p;
    };

    auto body = [&](worker * w, int64_t e) {
        const int32_t u = rep.users[(size_t) e];
        const int64_t base = 3 * (int64_t) u;
        float * s = w->s.data();
        int64_t * mk = w->mark.data();
        scores(u, s);
        const int32_t ni = n_items;                   // a local bound: the loops below vectorise
        for (int32_t i = 0; i < ni; ++i) {            // NaN -> -inf, -0 -> +0 (vectorised: no branch)
            s[i] = std::max(-INFINITY, s[i] + 0.0f);  // (-inf < NaN) is false: max gives -inf
        }
        // a before b: higher score, then lower index
        auto before = [s](int32_t a, int32_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); };

        for (uint64_t p = train.ptr[u]; p < train.ptr[(size_t) u + 1]; ++p) mk[train.idx[p]] = base + 1;
        std::vector<int32_t> & rel = w->rel;
        rel.clear();
        for (uint64_t p = test.ptr[u]; p < test.ptr[(size_t) u + 1]; ++p) {
            int32_t i = test.idx[p];
            if (mk[i] == base + 1 || mk[i] == base + 2) continue;
            if (test.val[p] >= relmin) {
                mk[i] = base + 2;
                rel.push_back(i);
            } else {
                mk[i] = base + 3;
            }
        }
        const int64_t m = (int64_t) rel.size();  // >= 1 (pre-pass)
        std::sort(rel.begin(), rel.end(), before);
        std::vector<float> & rs = w->rel_s;
        rs.resize((size_t) m);
        for (int64_t j = 0; j < m; ++j) rs[j] = s[rel[j]];
        const float low = rs[(size_t) m - 1], high = rs[0];

        // Score buckets over [low, high]: t(x) = trunc(clamp((x - low) · nb / (high - low), -1, nb - 1) + 1)
        // in [0, nb], in double (bucket t - 1 of nb, and t = 0 below low). Every step is monotone
        // in x, so a relevant item in a higher bucket than a candidate scores above it, one in a
        // lower bucket below it: only the candidate's own bucket (1/4 relevant item on average)
        // needs comparing; t = 0 holds none. Infinite ends or one score: t = 0 below low, else 1.
        int32_t nb = (int32_t) std::min<int64_t>(std::max<int64_t>(4 * m, 64), 1 << 20);
        double scale = 0;
        if (std::isfinite(low) && std::isfinite(high) && high > low)
            scale = (double) nb / ((double) high - (double) low);
        else
            nb = 1;
        const double dlow = low, top = (double) nb - 1;
        auto bucket = [dlow, scale, top, low](float x) -> int32_t {
            if (scale == 0) return x < low ? 0 : 1;  // (never inf - inf or inf · 0)
            return (int32_t) (std::min(std::max(((double) x - dlow) * scale, -1.0), top) + 1.0);
        };
        // ge[t] = #relevant items with a bucket >= t, t in [0, nb + 1]
        std::vector<int32_t> & ge = w->ge;
        ge.assign((size_t) nb + 2, 0);
        for (int64_t j = 0; j < m; ++j) ge[(size_t) bucket(rs[(size_t) j])]++;
        for (int32_t t = nb; t >= 0; --t) ge[(size_t) t] += ge[(size_t) t + 1];  // suffix sums

        std::vector<int64_t> & cnt = w->cnt;
        cnt.assign((size_t) m + 1, 0);
        int64_t auc2 = 0;  // 2 · (pairs ordered correctly) + (pairs with equal scores)
        int64_t n_neg = 0;
        std::vector<int32_t> & heap = w->heap;
        heap.clear();

        // top-K by a heap whose top is the worst kept item; its score and index are kept in
        // locals once the heap is full, so most candidates cost one comparison
        float worst_s = -INFINITY;  // until the heap is full: a worst that lets every item in
        int32_t worst_i = INT32_MAX;
        auto offer = [&](int32_t c) {
            const float sc = s[c];
            if (sc < worst_s || (sc == worst_s && c > worst_i)) return;  // not before the worst
            if ((int64_t) heap.size() < K) {
                heap.push_back(c);
                std::push_heap(heap.begin(), heap.end(), before);
                if ((int64_t) heap.size() < K) return;
            } else {
                std::pop_heap(heap.begin(), heap.end(), before);
                heap.back() = c;
                std::push_heap(heap.begin(), heap.end(), before);
            }
            worst_s = s[heap[0]];
            worst_i = heap[0];
        };
        // a non-relevant candidate c in bucket t: g = #rel scored above it, eq - g = #rel with
        // its score, p = #rel before it in the order (g plus the tied ones with a lower index)
        int64_t * cn = cnt.data();
        const int32_t * gp = ge.data();
        const float * rp = rs.data();
        const int32_t * relp = rel.data();
        auto negative = [&](int32_t c, int32_t t) {
            const float sc = s[c];
            // the items of higher buckets, then those of c's bucket, positions [ge[t + 1], ge[t])
            // of the non-increasing rs, that score above c
            int64_t g = gp[t + 1];
            const int64_t end = gp[t];
            if (end - g <= 8) {
                while (g < end && rp[g] > sc) ++g;
            } else {  // a crowded bucket: branchless binary search for the prefix where x > sc
                const float * base = rp + g;
                int64_t len = end - g;
                while (len > 1) {
                    const int64_t half = len / 2;
                    base = base[half] > sc ? base + half : base;
                    len -= half;
                }
                g = (base - rp) + (*base > sc ? 1 : 0);
            }
            int64_t p = g;  // plus the relevant items with the same score and a lower index (rare)
            int64_t eq = g;
            for (; eq < end && rp[eq] == sc; ++eq)
                if (relp[eq] < c) p++;
            cn[p]++;
            auc2 += 2 * g + (eq - g);  // 2 · (#rel above c) + (#rel tied with c)
        };

        if (!sampled) {
            // buckets first, in a loop the compiler vectorises; then one pass over the candidates
            std::vector<int32_t> & bk = w->bk;
            bk.resize((size_t) n_items);
            if (scale == 0) {
                for (int32_t c = 0; c < ni; ++c) bk[c] = s[c] < low ? 0 : 1;
            } else {
                for (int32_t c = 0; c < ni; ++c)
                    bk[c] = (int32_t) (std::min(std::max(((double) s[c] - dlow) * scale, -1.0), top) + 1.0);
            }
            for (int32_t c = 0; c < n_items; ++c) {
                const int64_t code = mk[c];
                if (code == base + 1) continue;  // training item
                offer(c);
                if (code != base + 2) {
                    n_neg++;
                    negative(c, bk[c]);
                }
            }
        } else {
            for (int32_t r : rel) {
                offer(r);
                w->in_cand[r] = 1;
            }
            std::vector<int32_t> & el = w->elig;
            el.clear();
            for (int32_t c = 0; c < n_items; ++c)
                if (mk[c] < base + 1 || mk[c] > base + 3) el.push_back(c);
            // partial Fisher-Yates: the first n slots become a uniform sample without replacement
            const int64_t E = (int64_t) el.size();
            const int64_t n = std::min<int64_t>(o.sampled_negatives, E);
            rng g(rng_hash(o.seed, (uint64_t) u));
            for (int64_t t = 0; t < n; ++t) {
                int64_t j = t + (int64_t) g.below((uint64_t) (E - t));
                std::swap(el[t], el[j]);
                offer(el[t]);
                n_neg++;
                negative(el[t], bucket(s[el[t]]));
                w->in_cand[el[t]] = 1;
            }
        }
        std::sort_heap(heap.begin(), heap.end(), before);  // best first

        // rank of the j-th relevant item (0-based, in order): 1 + j + #non-relevant c with p(c) <= j
        int64_t hits = 0, ahead = 0;
        double dcg = 0, ap = 0, rr = 0;
        for (int64_t j = 0; j < m; ++j) {
            ahead += cnt[(size_t) j];
            const int64_t rank = 1 + j + ahead;
            if (j == 0) rr = 1.0 / (double) rank;  // MRR term: 1 / rank of the first relevant item
            if (rank > K) break;
            hits++;
            dcg += 1.0 / std::log2((double) rank + 1.0);  // DCG += 1 / log2(rank + 1)
            ap += (double) (j + 1) / (double) rank;       // precision@rank = (j + 1) / rank
        }
        const int64_t cut = std::min<int64_t>(K, m);
        v_prec[e] = (double) hits / (double) K;  // P@K = hits / K
        v_rec[e] = (double) hits / (double) m;   // R@K = hits / |rel|
        v_ndcg[e] = dcg / idcg[(size_t) cut];    // NDCG = DCG / IDCG(min(K, |rel|))
        v_ap[e] = ap / (double) cut;             // AP@K = Σ precision@rank / min(K, |rel|)
        v_hit[e] = hits > 0 ? 1.0 : 0.0;         // HR@K
        v_rr[e] = rr;
        // AUC = (correct + ties / 2) / (|rel| · |non-relevant candidates|)
        v_auc[e] = n_neg > 0 ? (double) auc2 / (2.0 * (double) m * (double) n_neg) : NAN;
        double nov = 0;  // novelty = mean self-information of the top-K items
        for (int32_t i : heap) {
            nov += selfinfo[i];
            w->in_top[i] = 1;
        }
        v_nov[e] = heap.empty() ? 0.0 : nov / (double) heap.size();
    };
    if (n_eval > 0) parallel_for(n_eval, o.threads, 4, make, body);

    rep.precision = metric_summarize(v_prec);
    rep.recall = metric_summarize(v_rec);
    rep.ndcg = metric_summarize(v_ndcg);
    rep.map = metric_summarize(v_ap);
    rep.hit_rate = metric_summarize(v_hit);
    rep.mrr = metric_summarize(v_rr);
    rep.auc = metric_summarize(v_auc);
    rep.novelty = metric_summarize(v_nov);

    // coverage = |∪ top-K| / #items a candidate for some evaluated user (unions: order-free)
    if (n_eval > 0) {
        for (int32_t i = 0; i < n_items; ++i) {
            bool top = false, cand = false;
            for (const auto & w : workers) {
                top = top || w->in_top[i];
                if (sampled) cand = cand || w->in_cand[i];
            }
            if (!sampled) cand = trained_by_eval[i] < n_eval;  // someone did not train it
            rep.n_recommended += top ? 1 : 0;
            rep.n_recommendable += cand ? 1 : 0;
        }
        rep.coverage = rep.n_recommendable > 0 ? (double) rep.n_recommended / (double) rep.n_recommendable : 0.0;
    }

    rep.per_user_precision = to_float(v_prec);
    rep.per_user_recall = to_float(v_rec);
    rep.per_user_ndcg = to_float(v_ndcg);
    rep.per_user_map = to_float(v_ap);
    rep.per_user_hit = to_float(v_hit);
    rep.per_user_rr = to_float(v_rr);
    rep.per_user_auc = to_float(v_auc);
    rep.per_user_novelty = to_float(v_nov);
    return rep;
}

}  // namespace mf

#include "pipeline.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>

#include "params.h"
#include "rng.h"

namespace mf {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ---- split

result<bool> pipeline_needs_time(const std::string & spec, const std::string & validate, model_kind kind) {
    result<split_spec> s = split_parse(spec);
    if (!s) return result<bool>::fail(s.error());
    const kind_ops * k = kind_get(kind);
    // recency ranks each user's ratings by time (kind_ials.h)
    bool need = split_needs_time(*s) || (k && ((k->caps & kind_validates) || kind_uses(*k, "recency")));
    if (!validate.empty()) {
        result<split_spec> v = split_parse(validate);
        if (!v) return result<bool>::fail("validate: " + v.error());
        need = need || split_needs_time(*v);
    }
    return need;
}

result<split_result> pipeline_split(const dataset & d, const std::string & spec_text, uint64_t seed,
                                    const std::string & validate) {
    using R = result<split_result>;
    result<split_spec> spec = split_parse(spec_text);
    if (!spec) return R::fail(spec.error());
    result<split_result> outer = split_apply(d, *spec, seed);
    if (!outer || validate.empty()) return outer;
    result<split_spec> vs = split_parse(validate);
    if (!vs) return R::fail("validate: " + vs.error());
    // the validation part is a split of the training ratings only
    dataset sub;
    sub.users = d.users;
    const std::vector<int64_t> & tr = outer->train;
    sub.reserve(tr.size());
    const bool has_time = d.time.size() == d.rating.size();
    for (int64_t p : tr) sub.push(d.user[p], d.item[p], d.rating[p], has_time ? d.time[p] : 0);
    if (!has_time) sub.time.clear();
    result<split_result> inner = split_apply(sub, *vs, seed ^ 0x5EEDull);
    if (!inner) return R::fail("validate: " + inner.error());
    split_result out;
    out.train.reserve(inner->train.size());
    out.test.reserve(inner->test.size());
    for (int64_t q : inner->train) out.train.push_back(tr[q]);
    for (int64_t q : inner->test) out.test.push_back(tr[q]);
    return out;
}

// ---- fit

status model_check_finite(const model & m) {
    if (!std::isfinite(m.mu)) return status::fail("the global mean is not finite");
    const struct {
        const matrix_f & a;
        const char * name;
    } mats[] = {{m.users, "user factors"}, {m.items, "item factors"}, {m.genres, "genre factors"}};
    for (const auto & x : mats) {
        const float * p = x.a.data();
        for (Eigen::Index e = 0; e < x.a.size(); ++e)
            if (!std::isfinite(p[e]))
                return status::fail(std::string(x.name) + ": row " +
                                    std::to_string(e / std::max<Eigen::Index>(1, x.a.cols())) +
                                    " holds a non-finite value");
    }
    for (const model_array & a : m.extra) {
        const float * p = a.data.data();
        for (Eigen::Index e = 0; e < a.data.size(); ++e)
            if (!std::isfinite(p[e])) return status::fail("array " + a.name + " holds a non-finite value");
    }
    return {};
}

namespace {

// A byte per rating during a fit (over the dataset's positions, then over the training matrix's
// entries, moved along with them): the part of the data it belongs to.
enum fit_mark : uint8_t {
    mark_test = 1,      // the split's held-out part
    mark_unused = 2,    // neither: outside a --validate part
    mark_stop = 4,      // held out to choose the epoch count (early stopping)
    mark_validate = 8,  // the part a kind_validates kind tunes on
};

// ALS-WR's λ and λ_b for reg_auto: chosen on the 32M-shaped synthetic data's validation part
// (docs/TUNING.md)
constexpr float reg_by_count_default = 0.1f;
constexpr float reg_bias_by_count_default = 0.05f;

// Early stopping: every 20th training rating (mark_stop: by a hash of the seed and its position in
// the dataset) is taken out of the training matrix in place, the explicit model is trained on the
// rest until `early_stopping` epochs pass without a lower validation RMSE, and the epoch count
// with the lowest is kept in p.stop_epoch; the matrix is then restored and the caller trains on the
// whole training part for that many epochs (as Spark's CrossValidator refits on all the data), so
// no rating is lost to the validation part and the memory stays that of one matrix.
void pipeline_stop_epoch(rating_matrix & train, const std::vector<uint8_t> & marks, const catalog & items,
                         const std::vector<int32_t> & user_ids, train_params & p, fit_result & out) {
    int64_t n_held = 0;
    for (uint8_t b : marks) n_held += (b & mark_stop) != 0;
    if (n_held < 100 || n_held == train.nnz()) return;  // too few to choose on: train the full count
    rating_holdout h = rating_matrix_hold_out(train, marks, mark_stop, false, p.threads);
    test_set val;
    val.user.reserve((size_t) n_held);
    val.item.reserve((size_t) n_held);
    val.rating.reserve((size_t) n_held);
    for (int32_t u = 0; u < h.held.rows(); ++u)
        for (uint64_t e = h.held.ptr[u]; e < h.held.ptr[(size_t) u + 1]; ++e) {
            val.user.push_back(u);
            val.item.push_back(h.held.idx[e]);
            val.rating.push_back(h.held.val[e]);
        }
    // the candidates: the parameters as given, and with reg_auto also ALS-WR's count-scaled λ
    // (λ n_u, λ n_i), which the table's unscaled λ loses to once movies have hundreds of ratings
    // (docs/TUNING.md: ml-latest-small prefers unscaled, the 1M- and 32M-shaped data count-scaled)
    std::vector<train_params> cand{p};
    if (p.reg_auto && kind_uses(*kind_get(p.kind), "regularization")) {
        train_params c = p;
        c.reg_by_count = true;
        c.reg = reg_by_count_default;
        c.reg_bias = reg_bias_by_count_default;
        cand.push_back(c);
    }
    double best_rmse = INFINITY;
    for (const train_params & c : cand) {
        train_params q = c;
        q.kind = c.kind == model_kind::bias ? model_kind::bias : model_kind::als;  // hybrid: its rating part
        std::vector<double> curve;
        (void) model_train(
            train, items, user_ids, q, &val, [&](const epoch_report & r) { curve.push_back(r.test_rmse); }, false);
        if (curve.empty()) continue;
        const size_t best = (size_t) (std::min_element(curve.begin(), curve.end()) - curve.begin());
        if (!(curve[best] < best_rmse)) continue;
        best_rmse = curve[best];
        out.validation_rmse = curve;
        out.best_epoch = (int32_t) best + 1;
        out.n_validation = val.size();
        const int32_t stop = out.best_epoch;
        p = c;
        p.stop_epoch = stop;
    }
    rating_matrix_restore(train, h, marks, mark_stop, p.threads);
}

// pipeline_fit; with `release` (== &d), the dataset's ratings are compacted and freed as soon as
// what the fit needs of them is built: the peak holds the dataset or the matrix, hardly both, and
// never a list of positions (8 bytes a rating).
result<fit_result> fit_run(const dataset & d, dataset * release, const fit_options & o,
                           const epoch_callback & progress) {
    using R = result<fit_result>;
    train_params p = o.params;
    p.seed = o.seed;
    status ps = params_check(p);
    if (!ps) return R::fail(ps.error);
    const kind_ops * kind = kind_get(p.kind);  // params_check found it
    if (d.size() == 0) return R::fail("no ratings");
    fit_result out;

    // marks over the dataset's positions: the split, as a byte per rating
    std::vector<uint8_t> marks;
    if (release && o.validate.empty()) {
        result<split_spec> spec = split_parse(o.split);
        if (!spec) return R::fail(spec.error());
        result<std::vector<uint8_t>> held = split_mask(d, *spec, o.seed);
        if (!held) return R::fail(held.error());
        marks = std::move(*held);  // 1 = mark_test
    } else {
        result<split_result> sp = pipeline_split(d, o.split, o.seed, o.validate);
        if (!sp) return R::fail(sp.error());
        out.split = std::move(*sp);
        marks.assign((size_t) d.size(), mark_unused);
        for (int64_t q : out.split.train) marks[(size_t) q] = 0;
        for (int64_t q : out.split.test) marks[(size_t) q] = mark_test;
        if (release) out.split = split_result();
    }
    test_set test;  // the dataset's rows are the model's rows
    int64_t n_train = 0, n_test = 0;
    for (uint8_t b : marks) {
        n_train += b == 0;
        n_test += b == mark_test;
    }
    test.user.reserve((size_t) n_test);
    test.item.reserve((size_t) n_test);
    test.rating.reserve((size_t) n_test);
    for (int64_t q = 0; q < d.size(); ++q) {
        if (marks[(size_t) q] != mark_test) continue;
        test.user.push_back(d.user[(size_t) q]);
        test.item.push_back(d.item[(size_t) q]);
        test.rating.push_back(d.rating[(size_t) q]);
    }
    if (n_train == 0) return R::fail("split " + o.split + " leaves no training ratings");

    const bool stops = p.early_stopping > 0 && kind_uses(*kind, "early_stopping");
    if (stops) {
        const uint64_t salt = rng_hash(p.seed, 0x65617279ull);  // "eary": not the split's stream
        for (int64_t q = 0; q < d.size(); ++q)
            if (marks[(size_t) q] == 0 && rng_hash(salt, (uint64_t) q) % 20 == 0) marks[(size_t) q] = mark_stop;
    }
    const uint8_t drop = mark_test | mark_unused;
    rating_selection sel{marks.data(), drop};
    if (release) {
        // the training ratings move to the front of the dataset, their marks along
        dataset_keep_marked(*release, marks, drop);
        sel = rating_selection{};
    }

    const bool validates = (kind->caps & kind_validates) != 0;
    const bool timed = d.time.size() == d.rating.size();
    // recency needs the times: without them every interaction weighs alike, and the model says so
    // (a fold-in then weighs a visitor's ratings alike too)
    if (kind_uses(*kind, "recency") && !timed) p.recency = 0.0f;
    const bool recent = kind_uses(*kind, "recency") && p.recency > 0.0f;
    auto t_matrix = std::chrono::steady_clock::now();
    std::vector<uint8_t> rank;
    if (recent) rank = recency_ranks(d, sel, p.threads);
    // the part a validating kind tunes on: each user's latest 20% (users with at least 5), as a
    // user-time split would hold out; without times a random 20% per user (below)
    if (validates && timed) mark_latest_fifth(d, sel, marks, mark_validate);
    if (release) release->release_time();
    // marks now follow the matrix: one byte per training entry, aligned with train.by_user
    rating_matrix train = rating_matrix_build_selected(d, sel, p.threads, recent ? &rank : nullptr, &marks, release);
    std::vector<uint8_t>().swap(rank);
    out.matrix_seconds = seconds_since(t_matrix);
    out.n_train = train.nnz();
    out.n_test = test.size();

    if (stops) {
        auto t_stop = std::chrono::steady_clock::now();
        pipeline_stop_epoch(train, marks, d.items, d.users.ids, p, out);
        out.train_seconds += seconds_since(t_stop);
        p.early_stopping = 0;  // the final fit runs best_epoch epochs (stop_epoch)
    }

    const bool rates = (kind->caps & kind_rates) != 0;
    std::vector<uint8_t> validation;
    if (validates) {
        if (timed) {
            validation.swap(marks);
            for (uint8_t & b : validation) b = (b & mark_validate) != 0;
        } else {
            validation = split_rows_holdout(train.by_user, nullptr, p.seed);
        }
    }
    std::vector<uint8_t>().swap(marks);
    fit_input in{train, d.items, d.users.ids, rates && test.size() > 0 ? &test : nullptr};
    if (validates) in.validation = &validation;
    if (!d.demographics.empty()) in.demographics = &d.demographics;
    in.reorder = &train;  // a kind may take its validation part out in place
    in.no_seen = true;    // the model gets the training rows below, moved rather than copied

    if (o.baselines && test.size() > 0) {
        const model_kind base[2] = {model_kind::mean, model_kind::bias};
        const char * names[2] = {"global mean", "biases"};
        for (int b = 0; b < 2; ++b) {
            train_params bp = kind_defaults(base[b]);
            bp.reg_bias = p.reg_bias > 0 ? p.reg_bias : bp.reg_bias;
            bp.iterations = std::min(p.iterations, bp.iterations);
            bp.threads = p.threads;
            bp.seed = p.seed;
            const kind_ops * bk = kind_get(base[b]);
            fit_input bin{train, d.items, d.users.ids, nullptr};
            bin.no_seen = true;
            result<model> bm = bk->fit(bin, bp, nullptr);
            if (!bm) return R::fail(std::string(names[b]) + ": " + bm.error());
            out.baselines.emplace_back(names[b], model_accuracy(*bm, test, p.threads));
        }
    }

    auto t_train = std::chrono::steady_clock::now();
    result<model> m = kind->fit(in, p, [&](const epoch_report & r) {
        out.epochs.push_back(r);
        if (progress) progress(r);
    });
    out.train_seconds += seconds_since(t_train);
    if (!m) return R::fail(m.error());
    validation = std::vector<uint8_t>();
    train.by_item = sparse_rows();
    m->seen = std::move(train.by_user);
    decltype(m->seen.recency)().swap(m->seen.recency);  // training only
    status fin = model_check_finite(*m);
    if (!fin)
        return R::fail("training diverged (" + fin.error +
                       "); try a larger regularization or fewer factors. No model was written.");
    out.m = std::move(*m);
    out.m.params.threads = 0;  // a run-time choice, not part of the model
    if (rates && test.size() > 0) {
        out.test = model_accuracy(out.m, test, p.threads);
        out.has_test = true;
    }
    return out;
}

}  // namespace

result<fit_result> pipeline_fit(const dataset & d, const fit_options & o, const epoch_callback & progress) {
    return fit_run(d, nullptr, o, progress);
}

result<fit_result> pipeline_fit_release(dataset & d, const fit_options & o, const epoch_callback & progress) {
    return fit_run(d, &d, o, progress);
}

// ---- evaluate

test_set test_set_for_model(const model & m, const dataset & d, const std::vector<int64_t> & positions,
                            int64_t * skipped_unknown_items) {
    test_set t;
    int64_t skipped = 0;
    // dataset rows -> model rows through the MovieLens ids (the model may come from other data)
    std::vector<int32_t> user_row((size_t) d.users.size()), item_row((size_t) d.items.size());
    for (int32_t u = 0; u < d.users.size(); ++u) user_row[u] = m.find_user(d.users.ids[u]);
    for (int32_t i = 0; i < d.items.size(); ++i) item_row[i] = m.items_info.find(d.items.movie_id[i]);
    for (int64_t p : positions) {
        int32_t i = item_row[d.item[p]];
        if (i < 0) {
            ++skipped;
            continue;
        }
        t.user.push_back(user_row[d.user[p]]);
        t.item.push_back(i);
        t.rating.push_back(d.rating[p]);
    }
    if (skipped_unknown_items) *skipped_unknown_items = skipped;
    return t;
}

result<eval_report> pipeline_evaluate(const model & m, const dataset & d, const std::vector<int64_t> & positions,
                                      const eval_options & o) {
    using R = result<eval_report>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind) return R::fail("model kind " + std::to_string((uint32_t) m.params.kind) + " unknown");
    eval_report rep;
    test_set test = test_set_for_model(m, d, positions, &rep.skipped_unknown_items);
    rep.n_test = test.size();
    if (rep.n_test == 0) return R::fail("no held-out ratings of movies the model knows");
    if (o.rating && (kind->caps & kind_rates)) {
        rep.has_rating = true;
        rep.rating = model_accuracy(m, test, o.threads);
        if (kind->rate_sd) {
            result<calibration> c = model_calibration(m, test, o.threads);
            if (!c) return R::fail(c.error());
            rep.has_sd = true;
            rep.calib = std::move(*c);
        }
    }
    if (o.ranking) {
        // each held-out user's ratings by model user row; their training movies (m.seen) are
        // never candidates
        std::vector<int32_t> ru, ri;
        std::vector<float> rv;
        for (int64_t e = 0; e < test.size(); ++e) {
            if (test.user[e] < 0) {
                ++rep.ranking_skipped_unknown_users;
                continue;
            }
            ru.push_back(test.user[e]);
            ri.push_back(test.item[e]);
            rv.push_back(test.rating[e]);
        }
        result<sparse_rows> held = sparse_rows_from_triplets(m.n_users(), ru, ri, rv);
        if (!held) return R::fail(held.error());
        sparse_rows train_rows;
        if (m.seen.rows() == m.n_users()) {
            train_rows.ptr = m.seen.ptr;
            train_rows.idx = m.seen.idx;
            train_rows.val = m.seen.val;
        } else {
            train_rows.ptr.assign((size_t) m.n_users() + 1, 0);
        }
        ranking_options ro = o.rank;
        ro.threads = o.threads;
        const score_fn scores = [&](int32_t u, float * out) {
            if (kind->score_user) return kind->score_user(m, u, out);
            const vector_f x = m.users.row(u).transpose();
            kind->score(m, x, out);
        };
        result<ranking_report> rr = ranking_evaluate(m.n_items(), train_rows, *held, scores, ro);
        if (!rr) return R::fail(rr.error());
        rep.has_ranking = true;
        rep.ranking = std::move(*rr);
    }
    if (o.similar) {
        // the first two held-out movies of each user, in the data's order
        std::map<int32_t, std::pair<int32_t, int32_t>> first_two;  // user -> (A, B), B = -1 until found
        for (int64_t e = 0; e < test.size(); ++e) {
            if (test.user[e] < 0) continue;
            auto it = first_two.find(test.user[e]);
            if (it == first_two.end())
                first_two.emplace(test.user[e], std::make_pair(test.item[e], -1));
            else if (it->second.second < 0 && it->second.first != test.item[e])
                it->second.second = test.item[e];
        }
        std::map<int32_t, std::vector<similar_item>> lists;  // A -> its top 20
        std::vector<double> hits;
        std::vector<int32_t> counts;
        for (const auto & kv : first_two) {
            const int32_t a = kv.second.first, b = kv.second.second;
            if (b < 0) continue;
            auto it = lists.find(a);
            if (it == lists.end()) {
                result<std::vector<similar_item>> sim = movies_similar(m, a, 20);
                if (!sim) continue;  // a movie without a vector (nobody rated it in training)
                it = lists.emplace(a, std::move(*sim)).first;
                for (size_t q = 0; q < it->second.size() && q < 10; ++q)
                    counts.push_back(m.item_counts[(size_t) it->second[q].item]);
            }
            bool hit = false;
            for (const similar_item & x : it->second) hit = hit || x.item == b;
            hits.push_back(hit ? 1.0 : 0.0);
        }
        rep.has_similar = true;
        rep.similar.pairs = (int64_t) hits.size();
        rep.similar.hit_at_20 = metric_summarize(hits);
        if (!counts.empty()) {
            std::sort(counts.begin(), counts.end());
            const size_t h = counts.size() / 2;
            rep.similar.median_count_at_10 =
                counts.size() % 2 ? counts[h] : 0.5 * ((double) counts[h - 1] + (double) counts[h]);
        }
    }
    return rep;
}

// ---- recommend

result<visitor> visitor_known(const model & m, int32_t user_id) {
    const int32_t row = m.find_user(user_id);
    if (row < 0) return result<visitor>::fail("user " + std::to_string(user_id) + " is not in the model");
    visitor v;
    v.user_row = row;
    v.x = m.users.row(row).transpose();
    if (m.seen.rows() == m.n_users())
        for (uint64_t e = m.seen.ptr[row]; e < m.seen.ptr[row + 1]; ++e)
            v.rated.push_back({m.seen.idx[e], m.seen.val[e]});
    const kind_ops * kind = kind_get(m.params.kind);
    if (kind && kind->rate_sd) {  // a posterior row: mean and covariance from the training ratings
        result<vector_f> x = kind->fold_in(m, v.rated);
        if (!x) return result<visitor>::fail(x.error());
        v.x = std::move(*x);
    }
    return v;
}

result<visitor> visitor_new(const model & m, const std::vector<rated_item> & rated,
                            const std::vector<int32_t> & not_interested) {
    using R = result<visitor>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind) return R::fail("model kind " + std::to_string((uint32_t) m.params.kind) + " unknown");
    visitor v;
    // the last rating of a movie wins, at its place: the ratings stay oldest first (the ranking
    // kinds weigh the recent ones more, kind_ials.h), a re-rated movie the newest
    std::map<int32_t, size_t> last;
    for (size_t j = 0; j < rated.size(); ++j) last[rated[j].item] = j;
    for (size_t j = 0; j < rated.size(); ++j) {
        const rated_item & r = rated[j];
        if (r.item < 0 || r.item >= m.n_items())
            return R::fail("item row " + std::to_string(r.item) + " is outside the model's " +
                           std::to_string(m.n_items()) + " items");
        if (!std::isfinite(r.rating) || !m.scale.contains(r.rating)) {
            char b[96];
            std::snprintf(b, sizeof b, "rating %g for movie %d is outside the model's scale %g-%g", (double) r.rating,
                          m.items_info.movie_id[r.item], (double) m.scale.min, (double) m.scale.max);
            return R::fail(b);
        }
        if (last[r.item] != j)
            ++v.duplicates;
        else
            v.rated.push_back(r);
    }
    std::vector<char> mark;  // 1: rated, 2: already listed as not interested
    if (!not_interested.empty()) {
        mark.assign((size_t) m.n_items(), 0);
        for (const rated_item & r : v.rated) mark[(size_t) r.item] = 1;
    }
    for (int32_t n : not_interested) {
        if (n < 0 || n >= m.n_items())
            return R::fail("not interested: item row " + std::to_string(n) + " is outside the model's " +
                           std::to_string(m.n_items()) + " items");
        if (mark[(size_t) n]) continue;
        mark[(size_t) n] = 2;
        v.not_interested.push_back(n);
    }
    result<vector_f> x = kind->fold_in_negatives && !v.not_interested.empty()
                             ? kind->fold_in_negatives(m, v.rated, v.not_interested)
                             : kind->fold_in(m, v.rated);
    if (!x) return R::fail(x.error());
    v.x = std::move(*x);
    return v;
}

result<std::vector<float>> visitor_scores(const model & m, const visitor & v) {
    using R = result<std::vector<float>>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind) return R::fail("model kind " + std::to_string((uint32_t) m.params.kind) + " unknown");
    std::vector<float> s((size_t) m.n_items());
    if (v.user_row >= 0 && kind->score_user) {  // a known user of a kind that scores them itself
        if (v.user_row >= m.n_users())
            return R::fail("user row " + std::to_string(v.user_row) + " is outside the model's " +
                           std::to_string(m.n_users()) + " users");
        kind->score_user(m, v.user_row, s.data());
        return s;
    }
    const int64_t width = kind->visitor_size ? kind->visitor_size(m) : (int64_t) m.k + 1;
    if (v.x.size() != width && (kind->visitor_size || v.x.size() != m.users.cols()))
        return R::fail("the visitor row has " + std::to_string(v.x.size()) + " values, " + std::to_string(width) +
                       " expected");
    for (Eigen::Index c = 0; c < v.x.size(); ++c)
        if (!std::isfinite(v.x(c))) return R::fail("the visitor row holds a non-finite value");
    kind->score(m, v.x, s.data());
    return s;
}

result<std::vector<float>> visitor_ratings(const model & m, const visitor & v) {
    using R = result<std::vector<float>>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind) return R::fail("model kind " + std::to_string((uint32_t) m.params.kind) + " unknown");
    if (!(kind->caps & kind_rates)) return R::fail(std::string("a ") + kind->name + " model does not predict ratings");
    if (!kind->rate) return visitor_scores(m, v);
    if (v.x.size() < m.k + 1) return R::fail("the visitor row is shorter than the rating model's");
    std::vector<float> r((size_t) m.n_items());
    kind->rate(m, v.x, r.data());
    return r;
}

result<std::vector<float>> visitor_sd(const model & m, const visitor & v) {
    using R = result<std::vector<float>>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind || !kind->rate_sd) return R::fail(std::string("a ") + kind_name(m.params.kind) + " model gives no sd");
    const int64_t width = kind->visitor_size ? kind->visitor_size(m) : (int64_t) m.k + 1;
    if (v.x.size() != width)
        return R::fail("the visitor row has " + std::to_string(v.x.size()) + " values, " + std::to_string(width) +
                       " expected");
    for (Eigen::Index c = 0; c < v.x.size(); ++c)
        if (!std::isfinite(v.x(c))) return R::fail("the visitor row holds a non-finite value");
    std::vector<float> s((size_t) m.n_items());
    kind->rate_sd(m, v.x, s.data());
    return s;
}

result<std::vector<recommendation>> recommend(const model & m, const visitor & v, const recommend_options & o) {
    using R = result<std::vector<recommendation>>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind) return R::fail("model kind " + std::to_string((uint32_t) m.params.kind) + " unknown");
    if (o.n < 1 || o.n > recommend_n_max)
        return R::fail("n must be within 1.." + std::to_string(recommend_n_max) + " (" + std::to_string(o.n) +
                       " given)");
    result<std::vector<float>> sr = visitor_scores(m, v);
    if (!sr) return R::fail(sr.error());
    const std::vector<float> & s = *sr;
    rank_filter f = o.filter;
    if (!o.include_seen)
        for (const rated_item & r : v.rated) f.exclude.push_back(r.item);
    f.exclude.insert(f.exclude.end(), v.not_interested.begin(), v.not_interested.end());
    std::vector<ranked_item> top = rank_top(m, s, f, o.n);
    const bool rates = (kind->caps & kind_rates) != 0;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> rating;  // a kind whose score is not the rating predicts it separately
    if (rates && kind->rate) {
        rating.resize((size_t) m.n_items());
        kind->rate(m, v.x, rating.data());
    }
    std::vector<float> sd;
    if (kind->rate_sd) {
        result<std::vector<float>> r = visitor_sd(m, v);
        if (!r) return R::fail(r.error());
        sd = std::move(*r);
    }
    std::vector<recommendation> out;
    out.reserve(top.size());
    for (const ranked_item & t : top) {
        const float r = rating.empty() ? t.raw : rating[(size_t) t.item];
        out.push_back({t.item, t.raw, rates ? m.scale.clamp(r) : nan, sd.empty() ? nan : sd[(size_t) t.item]});
    }
    return out;
}

}  // namespace mf

namespace mf {

result<explanation> visitor_explain(const model & m, const visitor & v, int32_t item) {
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind || !(kind->caps & kind_explains))
        return result<explanation>::fail(
            std::string("a ") + kind_name(m.params.kind) +
            " model cannot split its scores into parts (explain needs --model als or bias)");
    if (kind->explain) return kind->explain(m, v.rated, v.not_interested, item);
    return explain(m, v.rated, item);
}

result<std::vector<similar_item>> movies_similar(const model & m, int32_t item, int32_t n, int32_t min_count) {
    using R = result<std::vector<similar_item>>;
    const kind_ops * kind = kind_get(m.params.kind);
    if (!kind || !(kind->caps & kind_vectors))
        return R::fail(std::string("a ") + kind_name(m.params.kind) +
                       " model has no movie vectors to compare (similar needs --model hybrid, als or ials)");
    if (n < 1 || n > recommend_n_max) return R::fail("n must be within 1.." + std::to_string(recommend_n_max));
    if (kind->similar) return kind->similar(m, item, n, min_count);
    return similar_items(m, item, n, min_count);
}

}  // namespace mf

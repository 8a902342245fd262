#include "model_file.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "kind.h"
#include "params.h"

namespace mf {

namespace {

constexpr uint64_t params_int_count = 8;
constexpr uint64_t params_float_count = 5;
constexpr uint64_t rows_max = (uint64_t) std::numeric_limits<int32_t>::max();

status matrix_read(const mfm_reader & r, const std::string & name, uint64_t rows, uint64_t cols, matrix_f & out) {
    auto a = r.f32(name, rows, cols);
    if (!a) return status::fail(a.error());
    if (a->rows > rows_max) return status::fail("section " + name + ": " + std::to_string(a->rows) + " rows, too many");
    out.resize((Eigen::Index) a->rows, (Eigen::Index) a->cols);
    if (a->size() > 0) std::memcpy(out.data(), a->data, (size_t) a->size() * sizeof(float));
    return {};
}

// a 1-D section's length, bounded by int32
result<uint64_t> rows_of(const mfm_reader & r, const std::string & name) {
    const mfm_section * s = r.find(name);
    if (!s) return result<uint64_t>::fail("section " + name + ": missing");
    if (s->shape[0] > rows_max) {
        return result<uint64_t>::fail("section " + name + ": " + std::to_string(s->shape[0]) + " rows, too many");
    }
    return s->shape[0];
}

std::string shape_str(Eigen::Index rows, Eigen::Index cols) {
    return std::to_string(rows) + "×" + std::to_string(cols);
}

template <class T>
status unique_ids(const std::vector<T> & ids, const std::string & section) {
    std::unordered_map<T, size_t> seen;
    seen.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        auto ins = seen.emplace(ids[i], i);
        if (!ins.second) {
            return status::fail("section " + section + ": id " + std::to_string(ids[i]) + " appears twice (rows " +
                                std::to_string(ins.first->second) + " and " + std::to_string(i) + ")");
        }
    }
    return {};
}

status counts_ok(const std::vector<int32_t> & c, const std::string & section) {
    for (size_t i = 0; i < c.size(); ++i) {
        if (c[i] < 0) {
            return status::fail("section " + section + ": row " + std::to_string(i) + " has a negative count (" +
                                std::to_string(c[i]) + ")");
        }
    }
    return {};
}

status length_is(size_t got, size_t want, const std::string & section, const char * what) {
    if (got == want) return {};
    return status::fail("section " + section + ": " + std::to_string(want) + " rows expected (" + what + "), " +
                        std::to_string(got) + " found");
}

}  // namespace

int32_t model_factors_max() {
    const param_spec * s = param_find("factors");
    return s ? (int32_t) s->max : 1024;
}

void model_meta_write(mfm_writer & w, const model & m, bool bundle, bool per_item_arrays) {
    w.add_text("params", params_encode(m.params));
    const float sc[3] = {m.scale.min, m.scale.max, m.scale.step};
    w.add_f32("rating_scale", sc, 3);
    for (const model_array & a : m.extra) {
        if (a.per_item && !per_item_arrays) continue;
        if (bundle && !a.per_item && !a.web) continue;  // a bundle holds no per-user state
        // a view: the model outlives the writer in both callers (no second copy of its arrays)
        w.add_view((a.per_item ? "xi."
                    : a.web    ? "xw."
                               : "x.") +
                       a.name,
                   mfm_type::f32, a.data.data(), (uint64_t) a.data.rows(), (uint64_t) a.data.cols());
    }
}

namespace {

// version-1 files: positional parameters
status params_legacy_read(const mfm_reader & r, train_params & p) {
    auto pi = r.i64("params_int");
    if (!pi) return status::fail(pi.error());
    if (pi->size() < params_int_count) {
        return status::fail("section params_int: at least " + std::to_string(params_int_count) + " values expected, " +
                            std::to_string(pi->size()) + " found");
    }
    auto pf = r.f32("params_float");
    if (!pf) return status::fail(pf.error());
    if (pf->size() < params_float_count) {
        return status::fail("section params_float: at least " + std::to_string(params_float_count) +
                            " values expected, " + std::to_string(pf->size()) + " found");
    }
    const int64_t kind = (*pi)[0];
    if (kind < 0 || kind > 1000 || !kind_get((model_kind) (uint32_t) kind))
        return status::fail("section params_int: kind = " + std::to_string(kind) + " unknown");
    p.kind = (model_kind) (uint32_t) kind;
    static const char * int_names[params_int_count] = {"",       "factors",  "iterations", "reg_by_count",
                                                       "solver", "cg_steps", "seed",       "threads"};
    for (size_t i = 1; i < params_int_count; ++i) {
        if (i == 6) {
            p.seed = (uint64_t) (*pi)[i];
            continue;
        }
        status s = param_set_number(p, int_names[i], (double) (*pi)[i]);
        if (!s) return status::fail("section params_int: " + s.error);
    }
    static const char * float_names[params_float_count] = {"regularization", "reg_bias", "reg_genre", "genre_prior",
                                                           "init_std"};
    for (size_t i = 0; i < params_float_count; ++i) {
        status s = param_set_number(p, float_names[i], (double) (*pf)[i]);
        if (!s) return status::fail("section params_float: " + s.error);
    }
    return {};
}

}  // namespace

status model_meta_read(const mfm_reader & r, model & m) {
    if (r.has("params")) {
        auto t = r.text("params");
        if (!t) return status::fail(t.error());
        if (t->size() > 65536) return status::fail("section params: " + std::to_string(t->size()) + " bytes, too long");
        status s = params_decode(*t, m.params);
        if (!s) return s;
    } else if (!r.has("params_int")) {
        return status::fail("section params: missing");
    } else {
        status s = params_legacy_read(r, m.params);
        if (!s) return s;
    }
    if (r.has("rating_scale")) {
        auto sc = r.f32("rating_scale", 3);
        if (!sc) return status::fail(sc.error());
        m.scale = rating_scale{(*sc)[0], (*sc)[1], (*sc)[2]};
        status s = rating_scale_check(m.scale);
        if (!s) return status::fail("section rating_scale: " + s.error);
    }
    m.extra.clear();
    for (const mfm_section & sec : r.sections) {
        const bool per_item = sec.name.rfind("xi.", 0) == 0;
        const bool web = sec.name.rfind("xw.", 0) == 0;  // small, also in the web bundle
        if (!per_item && !web && sec.name.rfind("x.", 0) != 0) continue;
        auto a = r.f32(sec.name, mfm_any, mfm_any);
        if (!a) return status::fail(a.error());
        if (a->rows > rows_max || a->cols > rows_max)
            return status::fail("section " + sec.name + ": " + std::to_string(a->rows) + " rows, too many");
        model_array x;
        x.name = sec.name.substr(per_item || web ? 3 : 2);
        x.per_item = per_item;
        x.web = web;
        x.data.resize((Eigen::Index) a->rows, (Eigen::Index) a->cols);
        if (a->size() > 0) std::memcpy(x.data.data(), a->data, (size_t) a->size() * sizeof(float));
        m.extra.push_back(std::move(x));
    }
    return {};
}

namespace {

// the model's sections; the large arrays as views of m (alive until the writer finishes)
void model_sections(mfm_writer & w, const model & m) {
    w.add_text("kind", model_file_kind);
    w.add_i32("k", &m.k, 1);
    w.add_f32("mu", &m.mu, 1);
    model_meta_write(w, m, false);
    w.add_i32("user_ids", m.user_ids.data(), m.user_ids.size());
    w.add_i32("user_counts", m.user_counts.data(), m.user_counts.size());
    w.add_view("user_factors", mfm_type::f32, m.users.data(), (uint64_t) m.users.rows(), (uint64_t) m.users.cols());
    const catalog & c = m.items_info;
    w.add_i32("item_ids", c.movie_id.data(), c.movie_id.size());
    w.add_i32("item_counts", m.item_counts.data(), m.item_counts.size());
    w.add_view("item_factors", mfm_type::f32, m.items.data(), (uint64_t) m.items.rows(), (uint64_t) m.items.cols());
    w.add_i16("item_years", c.year.data(), c.year.size());
    w.add_u32("item_genres", c.genres.data(), c.genres.size());
    mfm_strings_add(w, "item_titles", "item_title_offsets", c.title, mfm_type::u64);
    mfm_strings_add(w, "genre_names", "genre_name_offsets", c.genre_names, mfm_type::u64);
    w.add_f32("genre_factors", m.genres.data(), m.genres.rows(), m.genres.cols());
    // each user's training ratings (CSR): seen movies are excluded from recommendations
    if (m.seen.rows() > 0) {
        w.add_view("seen_ptr", mfm_type::u64, m.seen.ptr.data(), m.seen.ptr.size());
        w.add_view("seen_items", mfm_type::i32, m.seen.idx.data(), m.seen.idx.size());
        w.add_view("seen_ratings", mfm_type::f32, m.seen.val.data(), m.seen.val.size());
    }
}

}  // namespace

std::vector<uint8_t> model_file_write(const model & m) {
    mfm_writer w;
    model_sections(w, m);
    return w.finish();
}

status model_file_write_to(const model & m, const std::function<bool(const uint8_t *, size_t)> & sink) {
    mfm_writer w;
    model_sections(w, m);
    if (!w.finish_to(sink)) return status::fail(w.error());
    return {};
}

result<model> model_file_read(const uint8_t * data, size_t size) {
    auto r = mfm_open(data, size);
    if (!r) return result<model>::fail(r.error());
    return model_file_decode(*r);
}

result<model> model_file_decode(const mfm_reader & r) {
    using R = result<model>;
#define MF_TRY(expr)                                    \
    do {                                                \
        status st_ = (expr);                            \
        if (!st_) return R::fail(std::move(st_.error)); \
    } while (0)

    auto kind = r.text("kind");
    if (!kind) return R::fail(kind.error() + " (not an mfrec model file)");
    if (*kind == web_bundle_kind) {
        return R::fail(
            "this is a web bundle, not a model (the web page reads it; mfrec commands need the "
            "model file written by mfrec train)");
    }
    if (*kind != model_file_kind) {
        return R::fail("section kind: \"" + kind->substr(0, 40) + "\" is not a model (\"model\" expected)");
    }
    model m;
    auto k = r.i32("k", 1);
    if (!k) return R::fail(k.error());
    if ((*k)[0] < 0 || (*k)[0] > model_factors_max()) {
        return R::fail("section k: " + std::to_string((*k)[0]) + " is not a valid number of factors (0-" +
                       std::to_string(model_factors_max()) + ")");
    }
    m.k = (*k)[0];
    const uint64_t K = (uint64_t) m.k + 1;
    auto mu = r.f32("mu", 1);
    if (!mu) return R::fail(mu.error());
    m.mu = (*mu)[0];

    MF_TRY(model_meta_read(r, m));

    // users: user_ids fixes n
    auto nu = rows_of(r, "user_ids");
    if (!nu) return R::fail(nu.error());
    MF_TRY(mfm_vector_read(r.i32("user_ids", *nu), m.user_ids));
    MF_TRY(mfm_vector_read(r.i32("user_counts", *nu), m.user_counts));
    MF_TRY(matrix_read(r, "user_factors", *nu, K, m.users));

    // items: item_ids fixes m
    auto ni = rows_of(r, "item_ids");
    if (!ni) return R::fail(ni.error());
    catalog & c = m.items_info;
    MF_TRY(mfm_vector_read(r.i32("item_ids", *ni), c.movie_id));
    MF_TRY(mfm_vector_read(r.i32("item_counts", *ni), m.item_counts));
    MF_TRY(matrix_read(r, "item_factors", *ni, K, m.items));
    MF_TRY(mfm_vector_read(r.i16("item_years", *ni), c.year));
    MF_TRY(mfm_vector_read(r.u32("item_genres", *ni), c.genres));
    MF_TRY(mfm_strings_read(r, "item_titles", "item_title_offsets", *ni, mfm_type::u64, c.title));

    MF_TRY(mfm_strings_read(r, "genre_names", "genre_name_offsets", mfm_any, mfm_type::u64, c.genre_names));
    MF_TRY(matrix_read(r, "genre_factors", mfm_any, K, m.genres));

    if (r.has("seen_ptr")) {  // optional: absent in models without training ratings
        MF_TRY(mfm_vector_read(r.u64("seen_ptr", *nu + 1), m.seen.ptr));
        const uint64_t nnz = m.seen.ptr.back();
        MF_TRY(mfm_vector_read(r.i32("seen_items", nnz), m.seen.idx));
        MF_TRY(mfm_vector_read(r.f32("seen_ratings", nnz), m.seen.val));
    }

    MF_TRY(model_file_check(m));
    c.index.reserve(c.movie_id.size());
    for (size_t i = 0; i < c.movie_id.size(); ++i) c.index.emplace(c.movie_id[i], (int32_t) i);
#undef MF_TRY
    return m;
}

status model_file_check(const model & m) {
    status ps = params_check(m.params);
    if (!ps) return status::fail("section params: " + ps.error);
    if (m.k < 0 || m.k > model_factors_max())
        return status::fail("section k: " + std::to_string(m.k) + " is outside 0-" +
                            std::to_string(model_factors_max()));
    status sc = rating_scale_check(m.scale);
    if (!sc) return status::fail("section rating_scale: " + sc.error);
    if (!std::isfinite(m.mu)) return status::fail("section mu: not finite");
    const Eigen::Index K = (Eigen::Index) m.k + 1;
    const struct {
        const matrix_f & mat;
        const char * name;
    } mats[] = {{m.users, "user_factors"}, {m.items, "item_factors"}, {m.genres, "genre_factors"}};
    for (const auto & x : mats) {
        const float * v = x.mat.data();
        for (Eigen::Index e = 0; e < x.mat.size(); ++e)
            if (!std::isfinite(v[e]))
                return status::fail(std::string("section ") + x.name + ": value " + std::to_string(e) +
                                    " is not finite");
        if (x.mat.cols() != K) {
            return status::fail(std::string("section ") + x.name + ": " + shape_str(x.mat.rows(), K) +
                                " expected (k = " + std::to_string(m.k) + "), " +
                                shape_str(x.mat.rows(), x.mat.cols()) + " found");
        }
    }
    const size_t nu = (size_t) m.user_ids.size();
    const catalog & c = m.items_info;
    const size_t ni = c.movie_id.size();
    status s;
    if (!(s = length_is((size_t) m.users.rows(), nu, "user_factors", "one per user id"))) return s;
    if (!(s = length_is(m.user_counts.size(), nu, "user_counts", "one per user id"))) return s;
    if (!(s = length_is((size_t) m.items.rows(), ni, "item_factors", "one per item id"))) return s;
    if (!(s = length_is(m.item_counts.size(), ni, "item_counts", "one per item id"))) return s;
    if (!(s = length_is(c.year.size(), ni, "item_years", "one per item id"))) return s;
    if (!(s = length_is(c.genres.size(), ni, "item_genres", "one per item id"))) return s;
    if (!(s = length_is(c.title.size(), ni, "item_title_offsets", "one title per item id"))) return s;
    if (c.genre_names.size() > (size_t) genre_max) {
        return status::fail("section genre_name_offsets: " + std::to_string(c.genre_names.size()) +
                            " genre names, at most " + std::to_string(genre_max));
    }
    if (m.genres.rows() > genre_max) {
        return status::fail("section genre_factors: " + std::to_string(m.genres.rows()) + " genre rows, at most " +
                            std::to_string(genre_max));
    }
    if (!(s = unique_ids(m.user_ids, "user_ids"))) return s;
    if (!(s = unique_ids(c.movie_id, "item_ids"))) return s;
    if (!(s = counts_ok(m.user_counts, "user_counts"))) return s;
    if (!(s = counts_ok(m.item_counts, "item_counts"))) return s;
    for (const model_array & a : m.extra) {
        bool name_ok = !a.name.empty() && a.name.size() <= 24;
        for (char ch : a.name) name_ok = name_ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_');
        if (!name_ok) return status::fail("section x." + a.name.substr(0, 40) + ": not a valid array name");
        if (a.per_item && (size_t) a.data.rows() != ni)
            return status::fail("section x." + a.name + ": " + std::to_string(ni) + " rows expected (one per item), " +
                                std::to_string(a.data.rows()) + " found");
        const float * v = a.data.data();
        for (Eigen::Index e = 0; e < a.data.size(); ++e)
            if (!std::isfinite(v[e]))
                return status::fail("section x." + a.name + ": value " + std::to_string(e) + " is not finite");
    }
    if (!m.seen.ptr.empty()) {
        const sparse_rows & sr = m.seen;
        if (sr.ptr.size() != nu + 1 || sr.ptr[0] != 0 || sr.ptr.back() != sr.idx.size() ||
            sr.val.size() != sr.idx.size())
            return status::fail("section seen_ptr: " + std::to_string(nu + 1) +
                                " offsets from 0 to the number of "
                                "seen_items expected");
        for (size_t u = 0; u < nu; ++u) {
            if (sr.ptr[u + 1] < sr.ptr[u])
                return status::fail("section seen_ptr: offsets decrease at user row " + std::to_string(u));
        }
        for (size_t e = 0; e < sr.idx.size(); ++e) {
            if (sr.idx[e] < 0 || (size_t) sr.idx[e] >= ni)
                return status::fail("section seen_items: entry " + std::to_string(e) + " is item row " +
                                    std::to_string(sr.idx[e]) + ", outside the " + std::to_string(ni) + " items");
        }
    }
    const int ng = (int) c.genre_names.size();
    const uint32_t allowed = ng >= 32 ? ~0u : ((1u << ng) - 1u);
    for (size_t i = 0; i < ni; ++i) {
        if (c.genres[i] & ~allowed) {
            int bit = 0;
            while (!((c.genres[i] & ~allowed) >> bit & 1u)) ++bit;
            return status::fail("section item_genres: row " + std::to_string(i) + " (movie " +
                                std::to_string(c.movie_id[i]) + ") uses genre bit " + std::to_string(bit) +
                                ", but genre_names has " + std::to_string(ng) + " names");
        }
    }
    return {};
}

}  // namespace mf

#include <Eigen/Cholesky>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <functional>

#include "als.h"
#include "bundle.h"
#include "infer.h"
#include "model_file.h"
#include "planted.h"

using namespace mf;

namespace {

const model & trained_model() {
    static const model m = [] {
        planted_data p = planted_make(300, 400, 4, 0.12, 0.3f, 31, 6);
        // titles with non-ASCII bytes and one empty title
        p.d.items.title[3] = "Am\xC3\xA9lie (2001)";
        p.d.items.title[5] = "";
        p.d.items.year[7] = 0;
        rating_matrix train = rating_matrix_build(p.d, {}, true);
        train_params params;
        params.factors = 8;
        params.iterations = 5;
        params.reg = 3.0f;
        params.genre_prior = 1.0f;
        return model_train(train, p.d.items, p.d.users.ids, params);
    }();
    return m;
}

std::vector<uint8_t> bundle_of(bundle_quant q, bundle_xy xy = bundle_xy::none, bool rotate = true, int levels = 63) {
    bundle_options o;
    o.quant = q;
    o.xy = xy;
    o.rotate = rotate;
    o.int8_levels = levels;
    o.cold_threshold = 7;
    return bundle_write(trained_model(), o);
}

// k-vector part of rows mapped back from the bundle's basis: rows · B
matrix_f unrotate(const matrix_f & rows, const matrix_f & basis) {
    matrix_f out = rows;
    const Eigen::Index k = basis.rows();
    out.rightCols(k) = rows.rightCols(k) * basis;
    return out;
}

// every section of `bytes` rewritten through the writer, `edit` may change one (or drop it by
// returning false)
struct section_copy {
    std::string name;
    mfm_type type;
    uint64_t shape[3];
    std::vector<uint8_t> payload;
};

std::vector<uint8_t> rewrite(const std::vector<uint8_t> & bytes, const std::function<bool(section_copy &)> & edit) {
    auto r = mfm_open(bytes.data(), bytes.size());
    REQUIRE(r.ok());
    mfm_writer w;
    for (const mfm_section & s : r->sections) {
        section_copy c{
            s.name, s.type, {s.shape[0], s.shape[1], s.shape[2]}, std::vector<uint8_t>(s.data, s.data + s.size)};
        if (!edit(c)) continue;
        REQUIRE(w.add(c.name, c.type, c.payload.data(), c.shape[0], c.shape[1], c.shape[2]));
    }
    std::vector<uint8_t> out = w.finish();
    REQUIRE(!out.empty());
    return out;
}

// the raw payload of one section (after the container's checks)
const mfm_section & section_of(const mfm_reader & f, const std::string & name) {
    for (const mfm_section & s : f.sections)
        if (s.name == name) return s;
    FAIL("no section " << name);
    return f.sections.front();
}

// Reference scores, by a plain loop over the ORIGINAL float factors in double:
// s_i = mu + b_u + b_i + sum_c p_c q_ic for the user row x = [b_u, p].
std::vector<double> plain_scores(const model & m, const Eigen::VectorXd & x) {
    std::vector<double> s((size_t) m.n_items());
    for (int32_t i = 0; i < m.n_items(); ++i) {
        double v = (double) m.mu + x(0) + (double) m.items(i, 0);
        for (int32_t c = 1; c <= m.k; ++c) v += x(c) * (double) m.items(i, c);
        s[(size_t) i] = v;
    }
    return s;
}

// the n best items of `s` (ties by row), `skip` excluded, by sorting every index
std::vector<int32_t> plain_top(const std::vector<double> & s, size_t n, const std::vector<int32_t> & skip = {}) {
    std::vector<int32_t> idx;
    for (int32_t i = 0; i < (int32_t) s.size(); ++i)
        if (std::find(skip.begin(), skip.end(), i) == skip.end()) idx.push_back(i);
    std::sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) { return s[a] != s[b] ? s[a] > s[b] : a < b; });
    idx.resize(std::min(n, idx.size()));
    return idx;
}

// Reference fold-in from the original factors: the ridge solve in double, written out,
// x = (Σ z_j z_jᵀ + diag(λ_b, λ, ..., λ))⁻¹ Σ z_j (r_j - mu - b_j), z_j = [1, q_j].
Eigen::VectorXd plain_fold_in(const model & m, const std::vector<rated_item> & rated) {
    const int dim = m.k + 1;
    const double scale = m.params.reg_by_count ? (double) rated.size() : 1.0;
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(dim, dim);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(dim), z(dim);
    for (const rated_item & r : rated) {
        z(0) = 1.0;
        for (int c = 1; c < dim; ++c) z(c) = m.items(r.item, c);
        A += z * z.transpose();
        b += ((double) r.rating - m.mu - m.items(r.item, 0)) * z;
    }
    A(0, 0) += m.params.reg_bias * scale;
    for (int c = 1; c < dim; ++c) A(c, c) += m.params.reg * scale;
    return A.ldlt().solve(b);
}

std::string read_error(const std::vector<uint8_t> & bytes) {
    result<web_model> w = bundle_read(bytes.data(), bytes.size());
    return w.ok() ? std::string() : w.error();
}

}  // namespace

TEST_CASE("bundle round trip keeps catalog and counts and genres and factors within quantization error", "[bundle]") {
    const model & m = trained_model();
    const pca_map map = pca_fit_model(m);
    const std::vector<float> xy = pca_item_xy(map, m);
    const std::vector<rated_item> rated = {{2, 4.0f}, {9, 1.5f}, {30, 5.0f}, {31, 3.0f}, {200, 4.5f}};
    const vector_f xm = *fold_in(m, rated);
    const std::vector<float> sm = score_all(m, xm);
    for (bool rotate : {true, false}) {
        for (bundle_quant q : {bundle_quant::f32, bundle_quant::f16, bundle_quant::int8}) {
            for (int levels : {127, 63, 15}) {
                if (q != bundle_quant::int8 && levels != 63) continue;
                CAPTURE(rotate, bundle_quant_name(q), levels);
                std::vector<uint8_t> bytes = bundle_of(q, bundle_xy::none, rotate, levels);
                result<web_model> w = bundle_read(bytes.data(), bytes.size());
                REQUIRE(w.ok());
                const model & b = w->m;
                const bundle_extras & x = w->extras;
                REQUIRE(x.quant == q);
                REQUIRE(x.int8_levels == (q == bundle_quant::int8 ? levels : 0));
                REQUIRE(x.cold_threshold == 7);
                REQUIRE(x.trained_users == m.n_users());
                REQUIRE(!x.xy_stored);
                REQUIRE(b.n_users() == 0);
                REQUIRE(b.user_ids.empty());
                REQUIRE(b.k == m.k);
                REQUIRE(b.mu == m.mu);
                REQUIRE(b.params.reg == m.params.reg);
                REQUIRE(b.params.reg_bias == m.params.reg_bias);
                REQUIRE(b.params.genre_prior == m.params.genre_prior);
                REQUIRE(b.params.reg_by_count == m.params.reg_by_count);
                REQUIRE(b.items_info.movie_id == m.items_info.movie_id);
                REQUIRE(b.items_info.title == m.items_info.title);
                REQUIRE(b.items_info.year == m.items_info.year);
                REQUIRE(b.items_info.genres == m.items_info.genres);
                REQUIRE(b.items_info.genre_names == m.items_info.genre_names);
                REQUIRE(b.items_info.find(m.items_info.movie_id[17]) == 17);
                REQUIRE(b.item_counts == m.item_counts);
                REQUIRE(b.items.col(0) == m.items.col(0));  // biases are f32
                // the basis is orthonormal; identity without rotation
                REQUIRE((x.basis * x.basis.transpose() - matrix_f::Identity(m.k, m.k)).cwiseAbs().maxCoeff() < 1e-5f);
                if (!rotate) REQUIRE(x.basis == matrix_f::Identity(m.k, m.k));
                // genre rows: exact up to the rotation's rounding
                REQUIRE(b.genres.col(0) == m.genres.col(0));
                REQUIRE((unrotate(b.genres, x.basis) - m.genres).cwiseAbs().maxCoeff() < 1e-5f);
                // item vectors within the quantization error (in the stored basis, then mapped back)
                matrix_f back = unrotate(b.items, x.basis);
                matrix_f stored = m.items.rightCols(m.k) * x.basis.transpose();
                for (int32_t i = 0; i < m.n_items(); ++i) {
                    const float mx = stored.row(i).cwiseAbs().maxCoeff();
                    const float err = (back.row(i) - m.items.row(i)).norm();
                    const float kq = std::sqrt((float) m.k);
                    if (q == bundle_quant::f32) REQUIRE(err <= 1e-5f * (1 + mx));
                    if (q == bundle_quant::f16) REQUIRE(err <= m.items.row(i).norm() / 2048.0f + 1e-5f);
                    if (q == bundle_quant::int8) REQUIRE(err <= kq * mx / (2.0f * levels) * 1.001f + 1e-5f);
                }
                // scores are invariant to the basis: f32 equal up to rounding, the others close
                vector_f xb = *fold_in(b, rated);
                std::vector<float> sb = score_all(b, xb);
                double worst = 0;
                for (size_t i = 0; i < sm.size(); ++i) worst = std::max(worst, (double) std::fabs(sb[i] - sm[i]));
                if (q == bundle_quant::f32)
                    REQUIRE(worst < 1e-4);
                else
                    REQUIRE(worst < (levels == 15 ? 0.15 : 0.05));
                if (q == bundle_quant::f32) {
                    // the visitor row comes out in the stored basis: [b_u, B p_u]
                    REQUIRE(xb(0) == Approx(xm(0)).margin(1e-5));
                    vector_f p_back = x.basis.transpose() * xb.tail(m.k);
                    REQUIRE((p_back - xm.tail(m.k)).cwiseAbs().maxCoeff() < 1e-4f);
                    // explanation terms are invariant
                    explanation ea = *explain(m, rated, 44), eb = *explain(b, rated, 44);
                    REQUIRE(eb.score_raw == Approx(ea.score_raw).margin(1e-4));
                    REQUIRE(eb.item_own == Approx(ea.item_own).margin(1e-4));
                    REQUIRE(eb.by_rated.size() == ea.by_rated.size());
                    for (size_t t = 0; t < ea.by_rated.size(); ++t) {
                        REQUIRE(eb.by_rated[t].item == ea.by_rated[t].item);
                        REQUIRE(eb.by_rated[t].value == Approx(ea.by_rated[t].value).margin(1e-4));
                    }
                    REQUIRE(cold_start_score(b, xb, 3u) == Approx(cold_start_score(m, xm, 3u)).margin(1e-4));
                    auto sa = *similar_items(m, 12, 5), sbm = *similar_items(b, 12, 5);
                    for (size_t t = 0; t < sa.size(); ++t)
                        REQUIRE(sbm[t].similarity == Approx(sa[t].similarity).margin(1e-4));
                }
                // the map in the stored basis: the same axes, the same picture
                REQUIRE((x.map.axes * x.basis - map.axes).cwiseAbs().maxCoeff() < 1e-5f);
                REQUIRE((x.basis.transpose() * x.map.mean - map.mean).cwiseAbs().maxCoeff() < 1e-5f);
                REQUIRE(x.map.user_scale == map.user_scale);
                if (rotate) {
                    // the first two basis vectors are the map axes
                    REQUIRE(std::fabs(x.map.axes(0, 0) - 1.0f) < 1e-5f);
                    REQUIRE(std::fabs(x.map.axes(1, 1) - 1.0f) < 1e-5f);
                }
                Eigen::Vector2f pu = x.map.project_user(xb.data() + 1), pm = map.project_user(xm.data() + 1);
                REQUIRE((pu - pm).norm() < (q == bundle_quant::f32 ? 1e-4f : 0.05f * (1 + pm.norm())));
                // derived coordinates: within the quantization error of the vectors
                REQUIRE(x.item_xy.size() == xy.size());
                for (size_t i = 0; i < xy.size(); ++i) {
                    const float mx = stored.row((Eigen::Index)(i / 2)).cwiseAbs().maxCoeff();
                    const float tol = q == bundle_quant::int8
                                          ? std::sqrt((float) m.k) * mx / (2.0f * levels) * 1.01f + 1e-5f
                                          : 1e-3f * (1 + std::fabs(xy[i]));
                    REQUIRE(std::fabs(x.item_xy[i] - xy[i]) <= tol);
                }
            }
        }
    }
    // stored coordinates: f16 within its rounding, f32 exact
    for (bundle_xy t : {bundle_xy::f16, bundle_xy::f32}) {
        std::vector<uint8_t> bytes = bundle_of(bundle_quant::int8, t);
        result<web_model> w = bundle_read(bytes.data(), bytes.size());
        REQUIRE(w.ok());
        REQUIRE(w->extras.xy_stored);
        if (t == bundle_xy::f32) REQUIRE(w->extras.item_xy == xy);
        for (size_t i = 0; i < xy.size(); ++i)
            REQUIRE(std::fabs(w->extras.item_xy[i] - xy[i]) <= 1e-3f * (1 + std::fabs(xy[i])));
    }
}

TEST_CASE("bundle write is deterministic and smaller than the model and a read bundle rewrites to the same scores",
          "[bundle]") {
    std::vector<uint8_t> a = bundle_of(bundle_quant::int8), b = bundle_of(bundle_quant::int8);
    REQUIRE(a == b);
    std::vector<uint8_t> f = bundle_of(bundle_quant::f32), h = bundle_of(bundle_quant::f16);
    REQUIRE(a.size() < h.size());
    REQUIRE(h.size() < f.size());
    REQUIRE(f.size() < model_file_write(trained_model()).size());
    // a page model written again (e.g. one trained in the browser): same scores
    result<web_model> w = bundle_read(f.data(), f.size());
    REQUIRE(w.ok());
    bundle_options o;
    o.quant = bundle_quant::f32;
    std::vector<uint8_t> again = bundle_write(*w, o);
    result<web_model> w2 = bundle_read(again.data(), again.size());
    REQUIRE(w2.ok());
    REQUIRE(w2->extras.map.user_scale == w->extras.map.user_scale);
    vector_f x1 = *fold_in(w->m, {{1, 4.0f}, {5, 2.0f}}), x2 = *fold_in(w2->m, {{1, 4.0f}, {5, 2.0f}});
    std::vector<float> s1 = score_all(w->m, x1), s2 = score_all(w2->m, x2);
    for (size_t i = 0; i < s1.size(); ++i) REQUIRE(s2[i] == Approx(s1[i]).margin(1e-4));
}

TEST_CASE("web_model_read takes a bundle or a model file and each reader rejects the other kind", "[bundle]") {
    const model & m = trained_model();
    std::vector<uint8_t> mf_bytes = model_file_write(m);
    result<web_model> w = web_model_read(mf_bytes.data(), mf_bytes.size());
    REQUIRE(w.ok());
    REQUIRE(w->m.n_users() == 0);
    REQUIRE(w->m.items == m.items);
    REQUIRE(w->extras.quant == bundle_quant::f32);
    REQUIRE(w->extras.item_xy == pca_item_xy(pca_fit_model(m), m));
    REQUIRE(w->extras.map.user_scale == pca_fit_model(m).user_scale);
    REQUIRE_THAT(read_error(mf_bytes), Catch::Contains("section kind") && Catch::Contains("not a web bundle"));
    std::vector<uint8_t> b = bundle_of(bundle_quant::int8);
    REQUIRE(web_model_read(b.data(), b.size()).ok());
    result<model> asmodel = model_file_read(b.data(), b.size());
    REQUIRE(!asmodel.ok());
    REQUIRE_THAT(asmodel.error(), Catch::Contains("web bundle"));
}

TEST_CASE("every truncation of a bundle is rejected", "[bundle]") {
    std::vector<uint8_t> bytes = bundle_of(bundle_quant::int8);
    auto r = mfm_open(bytes.data(), bytes.size());
    REQUIRE(r.ok());
    const uint64_t table_end = mfm_header_size + r->sections.size() * mfm_entry_size;
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + (std::ptrdiff_t) n);
        std::string e = read_error(cut);
        REQUIRE(!e.empty());
        // once the table is complete the message names the first section that is cut off
        if (n >= table_end) {
            CAPTURE(n, e);
            const mfm_section * first = nullptr;
            for (const mfm_section & s : r->sections)
                if (s.offset + s.size > n && (!first || s.offset < first->offset)) first = &s;
            if (first) REQUIRE_THAT(e, Catch::Contains("section " + first->name + " and every later one cut off"));
        }
    }
    // trailing bytes too
    std::vector<uint8_t> longer = bytes;
    longer.push_back(0);
    REQUIRE(!read_error(longer).empty());
}

TEST_CASE("bit flips anywhere are rejected and in a payload the message names the section", "[bundle]") {
    std::vector<uint8_t> bytes = bundle_of(bundle_quant::int8);
    auto r = mfm_open(bytes.data(), bytes.size());
    REQUIRE(r.ok());
    std::vector<mfm_section> secs = r->sections;
    rng g(77);
    for (int t = 0; t < 3000; ++t) {
        size_t at = t < 64 * 8 ? (size_t) t / 8 : (size_t) g.below(bytes.size());  // every header bit, then random
        int bit = t < 64 * 8 ? t % 8 : (int) g.below(8);
        std::vector<uint8_t> bad = bytes;
        bad[at] ^= (uint8_t) (1u << bit);
        std::string e = read_error(bad);
        CAPTURE(at, bit, e);
        REQUIRE(!e.empty());
        for (const mfm_section & s : secs) {
            if (at >= s.offset && at < s.offset + s.size) REQUIRE_THAT(e, Catch::Contains("section " + s.name));
        }
    }
}

TEST_CASE("bundle contents are checked beyond the container", "[bundle]") {
    std::vector<uint8_t> bytes = bundle_of(bundle_quant::int8);
    auto with = [&](const std::string & name, const std::function<void(section_copy &)> & f) {
        return read_error(rewrite(bytes, [&](section_copy & c) {
            if (c.name == name) f(c);
            return true;
        }));
    };
    auto without = [&](const std::string & name) {
        return read_error(rewrite(bytes, [&](section_copy & c) { return c.name != name; }));
    };
    for (const char * s : {"k",
                           "mu",
                           "params",
                           "bundle_info",
                           "item_ids",
                           "item_counts",
                           "item_years",
                           "item_genres",
                           "item_titles",
                           "item_title_offsets",
                           "genre_names",
                           "genre_name_offsets",
                           "item_basis",
                           "genre_factors",
                           "item_bias",
                           "item_q8",
                           "item_q8_scale",
                           "map_mean",
                           "map_axes",
                           "map_user_scale"}) {
        CAPTURE(s);
        REQUIRE_THAT(without(s), Catch::Contains(std::string("section ") + s + ": missing"));
    }
    REQUIRE_THAT(without("kind"), Catch::Contains("section kind: missing"));
    REQUIRE_THAT(with("item_q8", [](section_copy & c) { c.payload[5] = 0x80; }),
                 Catch::Contains("section item_q8: row 0 holds -128 (codes are within ±63)"));
    REQUIRE_THAT(with("item_q8", [](section_copy & c) { c.payload[5] = 64; }),
                 Catch::Contains("section item_q8: row 0 holds 64"));
    REQUIRE_THAT(with("item_basis", [](section_copy & c) { c.payload[2] ^= 0x40; }),
                 Catch::Contains("section item_basis: rows are not orthonormal"));
    REQUIRE_THAT(with("bundle_info", [](section_copy & c) { c.payload[12] = 5; }),  // says f16 xy, none stored
                 Catch::Contains("section item_xy: missing"));
    REQUIRE_THAT(with("bundle_info", [](section_copy & c) { c.payload[16] = 0; }),
                 Catch::Contains("section bundle_info: int8 levels 0 outside 1-127"));
    REQUIRE_THAT(with("item_q8",
                      [](section_copy & c) {
                          c.shape[0] -= 1;
                          c.payload.resize(c.payload.size() - c.shape[1]);
                      }),
                 Catch::Contains("section item_q8:") && Catch::Contains("expected"));
    REQUIRE_THAT(with("item_bias",
                      [](section_copy & c) {
                          float nan = std::nanf("");
                          std::memcpy(c.payload.data() + 8, &nan, 4);
                      }),
                 Catch::Contains("section item_bias: value 2 is not finite"));
    REQUIRE_THAT(with("item_q8_scale",
                      [](section_copy & c) {
                          float neg = -1.0f;
                          std::memcpy(c.payload.data(), &neg, 4);
                      }),
                 Catch::Contains("section item_q8_scale: row 0 has a negative scale"));
    REQUIRE_THAT(with("item_ids", [](section_copy & c) { std::memcpy(c.payload.data() + 4, c.payload.data(), 4); }),
                 Catch::Contains("section item_ids: id") && Catch::Contains("appears twice"));
    REQUIRE_THAT(with("item_counts", [](section_copy & c) { std::memset(c.payload.data(), 0xff, 4); }),
                 Catch::Contains("section item_counts: row 0 has a negative count"));
    REQUIRE_THAT(with("item_genres", [](section_copy & c) { c.payload[3] = 0x80; }),
                 Catch::Contains("section item_genres: row 0"));
    REQUIRE_THAT(with("item_title_offsets", [](section_copy & c) { c.payload[4] = 0xff; }),
                 Catch::Contains("section item_title_offsets:"));
    REQUIRE_THAT(with("bundle_info", [](section_copy & c) { c.payload[0] = 9; }),
                 Catch::Contains("section bundle_info: quantization 9 unknown"));
    REQUIRE_THAT(with("bundle_info", [](section_copy & c) { c.payload[0] = 1; }),  // says f16, holds int8
                 Catch::Contains("section item_q16: missing"));
    REQUIRE_THAT(with("k", [](section_copy & c) { c.payload[0] = 9; }),
                 Catch::Contains("section item_basis: 9×9×4 bytes expected, 256 found"));
    REQUIRE_THAT(with("params",
                      [](section_copy & c) {
                          std::string s = "model=als\nregularization=0\n";
                          c.payload.assign(s.begin(), s.end());
                          c.shape[0] = s.size();
                      }),
                 Catch::Contains("section params: regularization: 0 makes the ridge systems singular"));
    REQUIRE_THAT(with("kind",
                      [](section_copy & c) {
                          std::string s = "other";
                          c.payload.assign(s.begin(), s.end());
                          c.shape[0] = s.size();
                      }),
                 Catch::Contains("section kind: \"other\" is not a web bundle"));
}

TEST_CASE("quantized factors keep the top-20 of fold-in visitors", "[bundle]") {
    const model & m = trained_model();
    for (bundle_quant q : {bundle_quant::int8, bundle_quant::f16}) {
        for (int levels : {127, 63}) {
            if (q == bundle_quant::f16 && levels == 127) continue;
            std::vector<uint8_t> bytes = bundle_of(q, bundle_xy::none, true, levels);
            result<web_model> w = bundle_read(bytes.data(), bytes.size());
            REQUIRE(w.ok());
            agreement_report a = bundle_agreement(m, w->m, 200, 20, 150, 20, 0, 3);
            CAPTURE(bundle_quant_name(q), levels, a.mean_overlap, a.min_overlap);
            REQUIRE(a.visitors == 200);
            REQUIRE(a.mean_overlap >= 0.95);
        }
    }
    // the measure itself: a model agrees fully with itself, and hardly with one whose movie rows
    // were reversed (the same numbers on the wrong movies: chance overlap is about 20/400)
    agreement_report same = bundle_agreement(m, m, 50, 20, 150, 20, 0, 3);
    REQUIRE(same.mean_overlap == 1.0);
    model shuffled = m;
    shuffled.items = m.items.colwise().reverse();
    agreement_report bad = bundle_agreement(m, shuffled, 50, 20, 150, 20, 0, 3);
    CAPTURE(bad.mean_overlap);
    REQUIRE(bad.mean_overlap < 0.25);
}

TEST_CASE("int8 codes decode to the original factors within half a step of the section's row scale",
          "[bundle][quant]") {
    const model & m = trained_model();
    const int32_t k = m.k, n = m.n_items();
    for (bool rotate : {true, false}) {
        for (int levels : {127, 63, 15}) {
            CAPTURE(rotate, levels);
            std::vector<uint8_t> bytes = bundle_of(bundle_quant::int8, bundle_xy::none, rotate, levels);
            auto f = mfm_open(bytes.data(), bytes.size());
            REQUIRE(f.ok());
            const mfm_section & codes = section_of(*f, "item_q8");
            const mfm_section & scales = section_of(*f, "item_q8_scale");
            REQUIRE(codes.type == mfm_type::i8);
            REQUIRE(codes.shape[0] == (uint64_t) n);
            REQUIRE(codes.shape[1] == (uint64_t) k);
            REQUIRE(scales.type == mfm_type::f32);
            REQUIRE(scales.count() == (uint64_t) n);
            result<web_model> w = bundle_read(bytes.data(), bytes.size());
            REQUIRE(w.ok());
            const matrix_f & B = w->extras.basis;
            for (int32_t i = 0; i < n; ++i) {
                CAPTURE(i);
                // the stored vector B q_i, computed here in double from the original row
                Eigen::VectorXd q = m.items.row(i).tail(k).transpose().cast<double>();
                Eigen::VectorXd bq = B.cast<double>() * q;
                float scale;
                std::memcpy(&scale, scales.data + 4 * (size_t) i, 4);
                const double mx = bq.cwiseAbs().maxCoeff();
                REQUIRE(scale == Approx(mx / levels).epsilon(1e-5));  // scale_i = max|B q_i| / L
                int top = 0;
                for (int32_t c = 0; c < k; ++c) {
                    const int code = (int8_t) codes.data[(size_t) i * k + c];
                    REQUIRE(std::abs(code) <= levels);
                    top = std::max(top, std::abs(code));
                    const float deq = w->m.items(i, 1 + c);
                    REQUIRE(deq == scale * (float) code);                                // the decoder's definition
                    REQUIRE(std::fabs(deq - bq(c)) <= 0.5 * scale * (1 + 1e-4) + 1e-7);  // rounding to the nearest code
                }
                if (mx > 0) REQUIRE(top == levels);          // the largest coordinate takes the outermost code
                REQUIRE(w->m.items(i, 0) == m.items(i, 0));  // biases are stored as float32
            }
        }
    }
}

TEST_CASE("top-20 of a decoded bundle matches the top-20 of the original float factors computed by a plain loop",
          "[bundle][quant]") {
    const model & m = trained_model();
    const int32_t k = m.k;
    const size_t N = 20;
    struct variant {
        bundle_quant q;
        int levels;
        double min_mean_overlap;
    } variants[] = {{bundle_quant::f32, 0, 1.0},
                    {bundle_quant::f16, 0, 0.98},
                    {bundle_quant::int8, 127, 0.95},
                    {bundle_quant::int8, 63, 0.9}};
    for (const variant & v : variants) {
        CAPTURE(bundle_quant_name(v.q), v.levels);
        std::vector<uint8_t> bytes = bundle_of(v.q, bundle_xy::none, true, v.levels ? v.levels : 63);
        result<web_model> w = bundle_read(bytes.data(), bytes.size());
        REQUIRE(w.ok());
        const model & b = w->m;
        const matrix_f & B = w->extras.basis;
        // the factor error of each decoded movie, in the original basis
        std::vector<double> q_err((size_t) m.n_items());
        for (int32_t i = 0; i < m.n_items(); ++i)
            q_err[(size_t) i] =
                (B.transpose() * b.items.row(i).tail(k).transpose() - m.items.row(i).tail(k).transpose()).norm();
        double overlap_sum = 0;
        int users = 0;
        for (int32_t u = 0; u < m.n_users(); u += 15, ++users) {
            CAPTURE(u);
            // a trained user's row; in the bundle's basis [b_u, B p_u]
            Eigen::VectorXd x = m.users.row(u).transpose().cast<double>();
            vector_f xb(k + 1);
            xb(0) = m.users(u, 0);
            xb.tail(k) = B * m.users.row(u).tail(k).transpose();
            const std::vector<double> ref = plain_scores(m, x);
            const std::vector<int32_t> top_ref = plain_top(ref, N);
            const std::vector<float> sb = score_all(b, xb);
            const std::vector<ranked_item> top_b = rank_top(b, sb, rank_filter{}, (int32_t) N);
            REQUIRE(top_b.size() == N);
            // |score error| <= ‖p_u‖ ‖Δq_i‖ (Cauchy-Schwarz), plus float rounding
            const double pn = x.tail(k).norm();
            double max_err = 0;
            for (size_t i = 0; i < ref.size(); ++i) {
                const double bound = pn * q_err[i] + 1e-4 * (1 + std::fabs(ref[i]));
                REQUIRE(std::fabs(sb[i] - ref[i]) <= bound);
                max_err = std::max(max_err, bound);
            }
            // no movie gets into the bundle's top-N unless its true score is within the error
            // bounds of the reference's N-th; in f32, the lists are the same up to exact ties
            const double nth = ref[(size_t) top_ref.back()];
            size_t common = 0;
            for (size_t t = 0; t < N; ++t) {
                const int32_t i = top_b[t].item;
                REQUIRE(top_b[t].raw == Approx(sb[(size_t) i]));
                REQUIRE(ref[(size_t) i] >= nth - pn * q_err[(size_t) i] - max_err);
                if (v.q == bundle_quant::f32) REQUIRE(ref[(size_t) i] == Approx(ref[(size_t) top_ref[t]]).margin(1e-4));
                common += std::count(top_ref.begin(), top_ref.end(), i);
            }
            overlap_sum += (double) common / N;
        }
        CAPTURE(overlap_sum / users);
        REQUIRE(overlap_sum / users >= v.min_mean_overlap);
    }
}

TEST_CASE("a visitor folded in under a float32 bundle equals the plain ridge solve on the original factors",
          "[bundle]") {
    const model & m = trained_model();
    const int32_t k = m.k;
    std::vector<uint8_t> bytes = bundle_of(bundle_quant::f32);
    result<web_model> w = bundle_read(bytes.data(), bytes.size());
    REQUIRE(w.ok());
    const matrix_f & B = w->extras.basis;
    const std::vector<std::vector<rated_item>> visitors = {{{2, 4.0f}},
                                                           {{2, 4.0f}, {9, 1.5f}, {30, 5.0f}, {31, 3.0f}, {200, 4.5f}},
                                                           {{0, 0.5f},
                                                            {1, 5.0f},
                                                            {2, 5.0f},
                                                            {3, 0.5f},
                                                            {4, 2.5f},
                                                            {5, 3.5f},
                                                            {6, 4.0f},
                                                            {7, 1.0f},
                                                            {8, 2.0f},
                                                            {9, 3.0f},
                                                            {10, 4.5f},
                                                            {11, 1.5f}}};
    for (const auto & rated : visitors) {
        CAPTURE(rated.size());
        const Eigen::VectorXd x_ref = plain_fold_in(m, rated);
        const vector_f xb = *fold_in(w->m, rated);
        REQUIRE(xb(0) == Approx(x_ref(0)).margin(1e-4));
        const vector_f p = B.transpose() * xb.tail(k);  // back to the original basis
        for (int32_t c = 0; c < k; ++c) REQUIRE(p(c) == Approx(x_ref(1 + c)).margin(1e-4));
        // the visitor's top-20 (rated movies excluded) against the plain loop
        std::vector<int32_t> skip;
        rank_filter f;
        for (const rated_item & r : rated) {
            skip.push_back(r.item);
            f.exclude.push_back(r.item);
        }
        const std::vector<double> ref = plain_scores(m, x_ref);
        const std::vector<int32_t> top_ref = plain_top(ref, 20, skip);
        const std::vector<ranked_item> top_b = rank_top(w->m, score_all(w->m, xb), f, 20);
        REQUIRE(top_b.size() == top_ref.size());
        for (size_t t = 0; t < top_ref.size(); ++t) {
            REQUIRE(ref[(size_t) top_b[t].item] == Approx(ref[(size_t) top_ref[t]]).margin(1e-4));
            REQUIRE(top_b[t].raw == Approx(ref[(size_t) top_ref[t]]).margin(1e-4));
            REQUIRE(top_b[t].score == Approx(std::min(5.0, std::max(0.5, ref[(size_t) top_ref[t]]))).margin(1e-4));
        }
    }
}

TEST_CASE("a bundle read and written again with the same options gives the same bytes", "[bundle]") {
    for (bundle_quant q : {bundle_quant::f32, bundle_quant::f16, bundle_quant::int8}) {
        for (bundle_xy xy : {bundle_xy::none, bundle_xy::f32}) {
            CAPTURE(bundle_quant_name(q), (int) xy);
            bundle_options o;
            o.quant = q;
            o.xy = xy;
            o.rotate = false;  // a rotation is fitted to the vectors it is given: only B = I is a fixed point
            o.int8_levels = 63;
            o.cold_threshold = 7;
            const std::vector<uint8_t> bytes = bundle_write(trained_model(), o);
            result<web_model> w = bundle_read(bytes.data(), bytes.size());
            REQUIRE(w.ok());
            const std::vector<uint8_t> again = bundle_write(*w, o);
            REQUIRE(again.size() == bytes.size());
            if (again != bytes) {  // name the first section that differs
                auto a = mfm_open(bytes.data(), bytes.size()), b = mfm_open(again.data(), again.size());
                REQUIRE(a.ok());
                REQUIRE(b.ok());
                for (size_t s = 0; s < a->sections.size(); ++s) {
                    CAPTURE(a->sections[s].name);
                    REQUIRE(a->sections[s].crc == b->sections[s].crc);
                }
            }
            REQUIRE(again == bytes);
        }
    }
}

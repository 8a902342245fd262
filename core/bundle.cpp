#include "bundle.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <unordered_map>

#include "infer.h"
#include "kind.h"
#include "model_file.h"
#include "rng.h"

namespace mf {

namespace {

constexpr uint64_t bundle_info_count = 5;
constexpr uint64_t rows_max = (uint64_t) std::numeric_limits<int32_t>::max();

using R = result<web_model>;

std::string fail_section(const std::string & name, const std::string & what) {
    return "section " + name + ": " + what;
}

status finite_check(const float * p, uint64_t n, const std::string & name) {
    for (uint64_t i = 0; i < n; ++i) {
        if (!std::isfinite(p[i]))
            return status::fail(fail_section(name, "value " + std::to_string(i) + " is not finite"));
    }
    return {};
}

status f32_read(const mfm_reader & r, const std::string & name, uint64_t rows, uint64_t cols,
                std::vector<float> & out) {
    auto a = r.f32(name, rows, cols);
    if (!a) return status::fail(a.error());
    status s = finite_check(a->data, a->size(), name);
    if (!s) return s;
    out.assign(a->begin(), a->end());
    return {};
}

status unique_item_ids(const std::vector<int32_t> & ids) {
    std::unordered_map<int32_t, size_t> seen;
    seen.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        auto ins = seen.emplace(ids[i], i);
        if (!ins.second)
            return status::fail(fail_section("item_ids", "id " + std::to_string(ids[i]) + " appears twice (rows " +
                                                             std::to_string(ins.first->second) + " and " +
                                                             std::to_string(i) + ")"));
    }
    return {};
}

}  // namespace

const char * bundle_quant_name(bundle_quant q) {
    switch (q) {
        case bundle_quant::int8:
            return "int8";
        case bundle_quant::f16:
            return "f16";
        case bundle_quant::f32:
            return "f32";
    }
    return "?";
}

bool bundle_quant_parse(const std::string & s, bundle_quant & out) {
    if (s == "int8" || s == "i8")
        out = bundle_quant::int8;
    else if (s == "f16" || s == "float16")
        out = bundle_quant::f16;
    else if (s == "f32" || s == "float32")
        out = bundle_quant::f32;
    else
        return false;
    return true;
}

// ---- quantization

namespace {

// int8 codes of one row: scale = max|q|/L, code = round(q / scale) in [-L, L]
float q8_row(const float * q, int32_t k, int32_t levels, int8_t * out) {
    float mx = 0.0f;
    for (int32_t c = 0; c < k; ++c) mx = std::max(mx, std::fabs(q[c]));
    if (!(mx > 0.0f)) {
        std::fill(out, out + k, (int8_t) 0);
        return 0.0f;
    }
    const float L = (float) levels;
    const float scale = mx / L;
    const float inv = L / mx;
    for (int32_t c = 0; c < k; ++c) {
        float v = std::nearbyint(q[c] * inv);
        v = std::min(L, std::max(-L, v));
        out[c] = (int8_t) v;
    }
    return scale;
}

// rows [b, v] -> [b, B v] for the k-vector part of every row
matrix_f rotate_rows(const matrix_f & rows, const matrix_f & basis) {
    matrix_f out = rows;
    const Eigen::Index k = basis.rows();
    if (k > 0 && rows.rows() > 0) out.rightCols(k) = rows.rightCols(k) * basis.transpose();
    return out;
}

// The hybrid's ranking rows (y_i = [unused, ŷ_i], kr = cols - 1) and their Gram matrix ŶᵀŶ (kr × kr):
// stored in the PCA basis C of the ŷ_i, for the same reason as the item factors (gzip codes the
// small trailing coordinates in few bits: ML-32M-shaped, 87,585 × 64 at L = 63, 4.72 MB gzip in
// the trained basis). Nothing needs C back: the fold-in solves in the rotated basis (x' = C x,
// G' = C G Cᵀ), and scores, explanations and similarities are dot products and cosines, which
// an orthonormal C preserves.
const char * const rank_rows_name = "hyb_items";
const char * const rank_gram_name = "hyb_gram";

std::vector<model_array> extras_rotated(const model & m, bool rotate) {
    std::vector<model_array> extra = m.extra;
    if (!rotate || m.params.kind != model_kind::hybrid) return extra;
    model_array * y = nullptr;
    model_array * g = nullptr;
    for (model_array & a : extra) {
        if (a.name == rank_rows_name && a.per_item) y = &a;
        if (a.name == rank_gram_name && !a.per_item) g = &a;
    }
    if (!y || y->data.cols() < 3 || y->data.rows() < 2) return extra;
    const Eigen::Index kr = y->data.cols() - 1;
    if (g && (g->data.rows() != kr || g->data.cols() != kr)) return extra;  // not the expected shape: as is
    const matrix_f c = pca_fit_basis(y->data.rightCols(kr)).axes;
    const matrix_f rows = y->data.rightCols(kr) * c.transpose();
    y->data.rightCols(kr) = rows;
    if (g) {
        const matrix_f rotated = c * g->data * c.transpose();
        g->data = rotated;
    }
    return extra;
}

std::vector<uint8_t> bundle_write_impl(const model & m, const pca_map & map_in, const std::vector<float> & xy,
                                       int32_t trained_users, const bundle_options & o) {
    const catalog & c = m.items_info;
    const int32_t k = m.k;
    const size_t n = (size_t) m.n_items();
    const int32_t levels = std::min(127, std::max(1, o.int8_levels));

    // the storage basis B: the PCA basis of the q_i (identity when not rotating)
    matrix_f basis = matrix_f::Identity(k, k);
    const kind_ops * kind = kind_get(m.params.kind);
    const bool rotate = o.rotate && !(kind && (kind->caps & kind_keeps_basis));
    if (rotate && k > 1 && n > 0) basis = pca_fit_basis(m.items.rightCols(k)).axes;
    const matrix_f items = rotate_rows(m.items, basis);
    const matrix_f genres = rotate_rows(m.genres, basis);
    pca_map map = map_in;
    if (k > 0) {
        map.mean = basis * map_in.mean;
        map.axes = map_in.axes * basis.transpose();
    }

    mfm_writer w;
    w.add_text("kind", web_bundle_kind);
    w.add_i32("k", &m.k, 1);
    w.add_f32("mu", &m.mu, 1);
    // per-item arrays of the kind (hybrid: the ranking rows) quantized like the item rows
    model meta;  // what model_meta_write reads: the parameters, the scale, the kind's arrays
    meta.params = m.params;
    meta.scale = m.scale;
    meta.extra = extras_rotated(m, o.rotate);
    model_meta_write(w, meta, true, o.quant != bundle_quant::int8);
    if (o.quant == bundle_quant::int8)
        for (const model_array & a : meta.extra) {
            if (!a.per_item) continue;
            const size_t rows = (size_t) a.data.rows(), cols = (size_t) a.data.cols();
            std::vector<int8_t> codes(rows * cols);
            std::vector<float> scale(rows);
            for (size_t i = 0; i < rows; ++i)
                scale[i] = q8_row(a.data.row((Eigen::Index) i).data(), (int32_t) cols, levels, codes.data() + i * cols);
            w.add_i8("xq." + a.name, codes.data(), rows, cols);
            w.add_f32("xqs." + a.name, scale.data(), rows);
        }
    const int32_t info[bundle_info_count] = {(int32_t) o.quant, o.cold_threshold, trained_users, (int32_t) o.xy,
                                             o.quant == bundle_quant::int8 ? levels : 0};
    w.add_i32("bundle_info", info, bundle_info_count);
    w.add_i32("item_ids", c.movie_id.data(), c.movie_id.size());
    w.add_i32("item_counts", m.item_counts.data(), m.item_counts.size());
    w.add_i16("item_years", c.year.data(), c.year.size());
    w.add_u32("item_genres", c.genres.data(), c.genres.size());
    mfm_strings_add(w, "item_titles", "item_title_offsets", c.title, mfm_type::u32);
    mfm_strings_add(w, "genre_names", "genre_name_offsets", c.genre_names, mfm_type::u32);
    w.add_f32("item_basis", basis.data(), (uint64_t) k, (uint64_t) k);
    w.add_f32("genre_factors", genres.data(), genres.rows(), genres.cols());
    std::vector<float> bias(n);
    for (size_t i = 0; i < n; ++i) bias[i] = items((Eigen::Index) i, 0);
    w.add_f32("item_bias", bias.data(), n);
    if (o.quant == bundle_quant::int8) {
        std::vector<int8_t> codes(n * (size_t) k);
        std::vector<float> scale(n);
        for (size_t i = 0; i < n; ++i)
            scale[i] = q8_row(items.row((Eigen::Index) i).data() + 1, k, levels, codes.data() + i * k);
        w.add_i8("item_q8", codes.data(), n, (uint64_t) k);
        w.add_f32("item_q8_scale", scale.data(), n);
    } else if (o.quant == bundle_quant::f16) {
        std::vector<uint16_t> h(n * (size_t) k);
        for (size_t i = 0; i < n; ++i)
            f16_from_f32_n(items.row((Eigen::Index) i).data() + 1, h.data() + i * k, (size_t) k);
        w.add_f16("item_q16", h.data(), n, (uint64_t) k);
    } else {
        std::vector<float> q(n * (size_t) k);
        for (size_t i = 0; i < n; ++i)
            std::memcpy(q.data() + i * k, items.row((Eigen::Index) i).data() + 1, sizeof(float) * (size_t) k);
        w.add_f32("item_q32", q.data(), n, (uint64_t) k);
    }
    w.add_f32("map_mean", map.mean.data(), (uint64_t) k);
    w.add_f32("map_axes", map.axes.data(), 2, (uint64_t) k);
    w.add_f32("map_user_scale", &map.user_scale, 1);
    if (o.xy == bundle_xy::f16) {
        std::vector<uint16_t> h(xy.size());
        f16_from_f32_n(xy.data(), h.data(), xy.size());
        w.add_f16("item_xy", h.data(), n, 2);
    } else if (o.xy == bundle_xy::f32) {
        w.add_f32("item_xy", xy.data(), n, 2);
    }
    return w.finish();
}

}  // namespace

std::vector<uint8_t> bundle_write(const model & m, const bundle_options & o) {
    pca_map map = pca_fit_model(m);
    return bundle_write_impl(m, map, pca_item_xy(map, m), m.n_users(), o);
}

std::vector<uint8_t> bundle_write(const web_model & w, const bundle_options & o) {
    if (w.extras.map.k != w.m.k || w.extras.item_xy.size() != 2 * (size_t) w.m.n_items()) return bundle_write(w.m, o);
    return bundle_write_impl(w.m, w.extras.map, w.extras.item_xy, w.extras.trained_users, o);
}

// ---- reading

namespace {

result<web_model> bundle_decode(const mfm_reader & r) {
#define MF_TRY(expr)                                    \
    do {                                                \
        status st_ = (expr);                            \
        if (!st_) return R::fail(std::move(st_.error)); \
    } while (0)
    web_model out;
    model & m = out.m;
    bundle_extras & x = out.extras;

    auto k = r.i32("k", 1);
    if (!k) return R::fail(k.error());
    if ((*k)[0] < 0 || (*k)[0] > model_factors_max())
        return R::fail(fail_section("k", std::to_string((*k)[0]) + " is not a valid number of factors (0-" +
                                             std::to_string(model_factors_max()) + ")"));
    m.k = (*k)[0];
    const uint64_t K = (uint64_t) m.k + 1, kk = (uint64_t) m.k;
    auto mu = r.f32("mu", 1);
    if (!mu) return R::fail(mu.error());
    MF_TRY(finite_check(mu->data, 1, "mu"));
    m.mu = (*mu)[0];
    MF_TRY(model_meta_read(r, m));

    auto info = r.i32("bundle_info");
    if (!info) return R::fail(info.error());
    if (info->size() < bundle_info_count)
        return R::fail(fail_section("bundle_info", "at least " + std::to_string(bundle_info_count) +
                                                       " values expected, " + std::to_string(info->size()) + " found"));
    const int32_t quant = (*info)[0];
    if (quant < 0 || quant > 2)
        return R::fail(
            fail_section("bundle_info", "quantization " + std::to_string(quant) + " unknown (0 int8, 1 f16, 2 f32)"));
    x.quant = (bundle_quant) quant;
    if ((*info)[1] < 0)
        return R::fail(fail_section("bundle_info", "cold threshold " + std::to_string((*info)[1]) + " is negative"));
    x.cold_threshold = (*info)[1];
    x.trained_users = std::max(0, (*info)[2]);
    const int32_t xy_type = (*info)[3];
    if (xy_type != (int32_t) bundle_xy::none && xy_type != (int32_t) bundle_xy::f16 &&
        xy_type != (int32_t) bundle_xy::f32)
        return R::fail(fail_section("bundle_info", "item_xy type " + std::to_string(xy_type) + " unknown (0, 5 or 8)"));
    x.int8_levels = (*info)[4];
    if (x.quant == bundle_quant::int8 && (x.int8_levels < 1 || x.int8_levels > 127))
        return R::fail(fail_section("bundle_info", "int8 levels " + std::to_string(x.int8_levels) + " outside 1-127"));

    // items: item_ids fixes n
    const mfm_section * ids = r.find("item_ids");
    if (!ids) return R::fail("section item_ids: missing");
    if (ids->shape[0] > rows_max) return R::fail(fail_section("item_ids", "too many rows"));
    const uint64_t n = ids->shape[0];
    catalog & c = m.items_info;
    MF_TRY(mfm_vector_read(r.i32("item_ids", n), c.movie_id));
    MF_TRY(unique_item_ids(c.movie_id));
    MF_TRY(mfm_vector_read(r.i32("item_counts", n), m.item_counts));
    for (uint64_t i = 0; i < n; ++i)
        if (m.item_counts[i] < 0)
            return R::fail(fail_section("item_counts", "row " + std::to_string(i) + " has a negative count (" +
                                                           std::to_string(m.item_counts[i]) + ")"));
    MF_TRY(mfm_vector_read(r.i16("item_years", n), c.year));
    MF_TRY(mfm_vector_read(r.u32("item_genres", n), c.genres));
    MF_TRY(mfm_strings_read(r, "item_titles", "item_title_offsets", n, mfm_type::u32, c.title));
    MF_TRY(mfm_strings_read(r, "genre_names", "genre_name_offsets", mfm_any, mfm_type::u32, c.genre_names));
    if (c.genre_names.size() > (size_t) genre_max)
        return R::fail(fail_section("genre_name_offsets", std::to_string(c.genre_names.size()) +
                                                              " genre names, at most " + std::to_string(genre_max)));
    const int ng = (int) c.genre_names.size();
    const uint32_t allowed = ng >= 32 ? ~0u : ((1u << ng) - 1u);
    for (uint64_t i = 0; i < n; ++i) {
        if (c.genres[i] & ~allowed)
            return R::fail(fail_section("item_genres",
                                        "row " + std::to_string(i) + " (movie " + std::to_string(c.movie_id[i]) +
                                            ") uses a genre bit beyond the " + std::to_string(ng) + " genre names"));
    }
    {
        std::vector<float> b;
        MF_TRY(f32_read(r, "item_basis", kk, kk, b));
        x.basis = Eigen::Map<const matrix_f>(b.data(), (Eigen::Index) kk, (Eigen::Index) kk);
        // orthonormal rows (the page's scores rely on it); float32 rounding allowed
        if (kk > 0) {
            const float err = (x.basis * x.basis.transpose() - matrix_f::Identity(kk, kk)).cwiseAbs().maxCoeff();
            if (!(err < 1e-3f)) return R::fail(fail_section("item_basis", "rows are not orthonormal"));
        }
    }
    {
        auto g = r.f32("genre_factors", mfm_any, K);
        if (!g) return R::fail(g.error());
        if (g->rows > (uint64_t) genre_max)
            return R::fail(fail_section("genre_factors",
                                        std::to_string(g->rows) + " genre rows, at most " + std::to_string(genre_max)));
        MF_TRY(finite_check(g->data, g->size(), "genre_factors"));
        m.genres.resize((Eigen::Index) g->rows, (Eigen::Index) K);
        if (g->size()) std::memcpy(m.genres.data(), g->data, sizeof(float) * g->size());
    }

    // item rows [b_i, q_i]
    std::vector<float> bias;
    MF_TRY(f32_read(r, "item_bias", n, 1, bias));
    m.items.resize((Eigen::Index) n, (Eigen::Index) K);
    for (uint64_t i = 0; i < n; ++i) m.items((Eigen::Index) i, 0) = bias[i];
    if (kk > 0) {
        if (x.quant == bundle_quant::int8) {
            auto q = r.i8("item_q8", n, kk);
            if (!q) return R::fail(q.error());
            std::vector<float> scale;
            MF_TRY(f32_read(r, "item_q8_scale", n, 1, scale));
            const int lv = x.int8_levels;
            for (uint64_t i = 0; i < n; ++i) {
                if (scale[i] < 0.0f)
                    return R::fail(fail_section("item_q8_scale", "row " + std::to_string(i) + " has a negative scale"));
                const int8_t * src = q->row(i);
                float * dst = m.items.row((Eigen::Index) i).data() + 1;
                for (uint64_t cc = 0; cc < kk; ++cc) {
                    if (src[cc] < -lv || src[cc] > lv)
                        return R::fail(fail_section("item_q8", "row " + std::to_string(i) + " holds " +
                                                                   std::to_string(src[cc]) + " (codes are within ±" +
                                                                   std::to_string(lv) + ")"));
                    dst[cc] = scale[i] * (float) src[cc];
                    if (!std::isfinite(dst[cc]))  // a finite scale times a code can overflow
                        return R::fail(fail_section("item_q8_scale", "row " + std::to_string(i) +
                                                                         ": scale times code is not a finite float32"));
                }
            }
        } else if (x.quant == bundle_quant::f16) {
            auto q = r.f16("item_q16", n, kk);
            if (!q) return R::fail(q.error());
            for (uint64_t i = 0; i < n; ++i) {
                float * dst = m.items.row((Eigen::Index) i).data() + 1;
                f32_from_f16_n(q->row(i), dst, (size_t) kk);
                MF_TRY(finite_check(dst, kk, "item_q16"));
            }
        } else {
            auto q = r.f32("item_q32", n, kk);
            if (!q) return R::fail(q.error());
            MF_TRY(finite_check(q->data, q->size(), "item_q32"));
            for (uint64_t i = 0; i < n; ++i)
                std::memcpy(m.items.row((Eigen::Index) i).data() + 1, q->row(i), sizeof(float) * (size_t) kk);
        }
    }

    // the kind's per-item arrays stored as int8 codes ("xq.NAME" rows × cols, "xqs.NAME" a scale per row)
    for (const mfm_section & sec : r.sections) {
        if (sec.name.rfind("xq.", 0) != 0) continue;
        const std::string name = sec.name.substr(3);
        auto q = r.i8(sec.name, n, mfm_any);
        if (!q) return R::fail(q.error());
        if (q->cols > (uint64_t) model_factors_max() + 1)
            return R::fail(fail_section(sec.name, std::to_string(q->cols) + " columns, too many"));
        std::vector<float> scale;
        MF_TRY(f32_read(r, "xqs." + name, n, 1, scale));
        model_array a;
        a.name = name;
        a.per_item = true;
        a.data.resize((Eigen::Index) n, (Eigen::Index) q->cols);
        const int lv = x.int8_levels;
        for (uint64_t i = 0; i < n; ++i) {
            if (!(scale[i] >= 0.0f))
                return R::fail(fail_section("xqs." + name, "row " + std::to_string(i) + " has a negative scale"));
            const int8_t * src = q->row(i);
            for (uint64_t c = 0; c < q->cols; ++c) {
                if (src[c] < -lv || src[c] > lv)
                    return R::fail(fail_section(sec.name, "row " + std::to_string(i) + " holds " +
                                                              std::to_string(src[c]) + " (codes are within ±" +
                                                              std::to_string(lv) + ")"));
                const float v = scale[i] * (float) src[c];
                if (!std::isfinite(v))
                    return R::fail(fail_section(
                        "xqs." + name, "row " + std::to_string(i) + ": scale times code is not a finite float32"));
                a.data((Eigen::Index) i, (Eigen::Index) c) = v;
            }
        }
        m.extra.push_back(std::move(a));
    }

    // the map
    pca_map & map = x.map;
    map.k = m.k;
    std::vector<float> tmp;
    MF_TRY(f32_read(r, "map_mean", kk, 1, tmp));
    map.mean = Eigen::Map<const vector_f>(tmp.data(), (Eigen::Index) kk);
    MF_TRY(f32_read(r, "map_axes", 2, kk, tmp));
    map.axes = Eigen::Map<const matrix_f>(tmp.data(), 2, (Eigen::Index) kk);
    MF_TRY(f32_read(r, "map_user_scale", 1, 1, tmp));
    map.user_scale = tmp[0];
    if (xy_type == (int32_t) bundle_xy::f16) {
        auto a = r.f16("item_xy", n, 2);
        if (!a) return R::fail(a.error());
        x.item_xy.resize(a->size());
        f32_from_f16_n(a->data, x.item_xy.data(), a->size());
        MF_TRY(finite_check(x.item_xy.data(), x.item_xy.size(), "item_xy"));
        x.xy_stored = true;
    } else if (xy_type == (int32_t) bundle_xy::f32) {
        MF_TRY(f32_read(r, "item_xy", n, 2, x.item_xy));
        x.xy_stored = true;
    } else {
        x.item_xy = pca_item_xy(map, m);
    }

    c.index.reserve(c.movie_id.size());
    for (size_t i = 0; i < c.movie_id.size(); ++i) c.index.emplace(c.movie_id[i], (int32_t) i);
    m.users.resize(0, (Eigen::Index) K);
    MF_TRY(model_file_check(m));
#undef MF_TRY
    return out;
}

}  // namespace

result<web_model> bundle_read(const uint8_t * data, size_t size) {
    auto r = mfm_open(data, size);
    if (!r) {
        return R::fail(r.error());
    }
    auto kind = r->text("kind");
    if (!kind) return R::fail(kind.error() + " (not an mfrec file)");
    if (*kind != web_bundle_kind)
        return R::fail("section kind: \"" + kind->substr(0, 40) + "\" is not a web bundle (\"" +
                       std::string(web_bundle_kind) + "\" expected)");
    return bundle_decode(*r);
}

web_model web_model_from_model(model m, int32_t cold_threshold) {
    web_model out;
    out.extras.map = pca_fit_model(m);
    out.extras.item_xy = pca_item_xy(out.extras.map, m);
    out.extras.basis = matrix_f::Identity(m.k, m.k);
    out.extras.cold_threshold = cold_threshold;
    out.extras.quant = bundle_quant::f32;
    out.extras.xy_stored = true;
    out.extras.trained_users = m.n_users();
    m.users.resize(0, m.k + 1);
    m.user_ids.clear();
    m.user_counts.clear();
    m.user_lookup_.clear();
    m.seen = sparse_rows();
    m.extra.erase(std::remove_if(m.extra.begin(), m.extra.end(), [](const model_array & a) { return !a.per_item; }),
                  m.extra.end());
    out.m = std::move(m);
    return out;
}

result<web_model> web_model_read(const uint8_t * data, size_t size) {
    auto r = mfm_open(data, size);
    if (!r) {
        return R::fail(r.error());
    }
    auto kind = r->text("kind");
    if (!kind) return R::fail(kind.error() + " (not an mfrec file)");
    if (*kind == web_bundle_kind) return bundle_decode(*r);
    if (*kind == model_file_kind) {
        result<model> m = model_file_decode(*r);
        if (!m) return R::fail(m.error());
        return web_model_from_model(std::move(*m));
    }
    return R::fail("section kind: \"" + kind->substr(0, 40) + "\" is neither a web bundle nor a model");
}

// ---- agreement

agreement_report bundle_agreement(const model & fm, const model & qm, int32_t visitors, int32_t per_visitor,
                                  int32_t pool, int32_t n, int32_t min_count, uint64_t seed) {
    agreement_report rep;
    const int32_t ni = fm.n_items();
    if (ni == 0 || visitors <= 0 || n <= 0 || qm.n_items() != ni) return rep;
    // the pool: the most-rated movies
    std::vector<int32_t> order((size_t) ni);
    for (int32_t i = 0; i < ni; ++i) order[i] = i;
    pool = std::max(1, std::min(pool, ni));
    std::partial_sort(order.begin(), order.begin() + pool, order.end(), [&](int32_t a, int32_t b) {
        return fm.item_counts[a] != fm.item_counts[b] ? fm.item_counts[a] > fm.item_counts[b] : a < b;
    });
    order.resize((size_t) pool);
    per_visitor = std::min(per_visitor, pool);

    rng g(seed);
    double sum = 0.0, mn = 1.0;
    std::vector<rated_item> rated;
    std::vector<uint8_t> taken((size_t) pool, 0);
    for (int32_t v = 0; v < visitors; ++v) {
        rated.clear();
        std::fill(taken.begin(), taken.end(), 0);
        int32_t u = fm.n_users() > 0 ? (int32_t) g.below((uint64_t) fm.n_users()) : -1;
        while ((int32_t) rated.size() < per_visitor) {
            int32_t t = (int32_t) g.below((uint64_t) pool);
            if (taken[t]) continue;
            taken[t] = 1;
            int32_t i = order[t];
            float r;
            if (u >= 0) {
                r = fm.predict(u, i) + 0.5f * (float) g.normal();
                r = fm.scale.min + std::nearbyint((r - fm.scale.min) / fm.scale.step) * fm.scale.step;
                r = fm.scale.clamp(r);
            } else {  // uniform over the scale's grid
                const int steps = (int) std::lround((fm.scale.max - fm.scale.min) / fm.scale.step);
                r = fm.scale.min + fm.scale.step * (float) g.below((uint64_t) steps + 1);
            }
            rated.push_back({i, r});
        }
        rank_filter f;
        for (const rated_item & ri : rated) f.exclude.push_back(ri.item);
        f.min_count = min_count;
        result<vector_f> xf = fold_in(fm, rated), xq = fold_in(qm, rated);
        if (!xf || !xq) continue;
        std::vector<ranked_item> a = rank_top(fm, score_all(fm, *xf), f, n);
        std::vector<ranked_item> b = rank_top(qm, score_all(qm, *xq), f, n);
        std::vector<int32_t> ia, ib;
        for (const ranked_item & t : a) ia.push_back(t.item);
        for (const ranked_item & t : b) ib.push_back(t.item);
        std::sort(ia.begin(), ia.end());
        std::sort(ib.begin(), ib.end());
        std::vector<int32_t> both;
        std::set_intersection(ia.begin(), ia.end(), ib.begin(), ib.end(), std::back_inserter(both));
        const double ov = a.empty() ? 1.0 : (double) both.size() / (double) a.size();
        sum += ov;
        mn = std::min(mn, ov);
        ++rep.visitors;
    }
    rep.mean_overlap = rep.visitors ? sum / rep.visitors : 0.0;
    rep.min_overlap = rep.visitors ? mn : 0.0;
    return rep;
}

}  // namespace mf

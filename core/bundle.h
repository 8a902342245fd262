// bundle.h - the web bundle: what the static page needs of a model, compact, in the same .mfm
// container as the model file (mfm.h; the same checks: sizes, offsets, CRC-32 of every section).
//
// Never holds user factors or user ids. docs/FORMAT.md "Web bundle" is the full table; in short
// (m = items, k = factors, K = k+1, G = genre names, g = genre rows):
//   kind                bytes   "web_bundle"
//   k, mu, params, rating_scale, xi.*  as in the model file (fold-in needs λ, λ_b, τ, ALS-WR)
//   bundle_info         i32 [5] quantization (0 int8, 1 f16, 2 f32), cold threshold T, training
//                               users (informative), item_xy (0 absent, 5 f16, 8 f32), int8 levels L
//   item_ids            i32 [m], item_counts i32 [m], item_years i16 [m], item_genres u32 [m]
//   item_titles         bytes,  item_title_offsets u32 [m+1]   (u32: a bundle is < 4 GB)
//   genre_names         bytes,  genre_name_offsets u32 [G+1]
//   item_basis          f32 [k×k]  B, orthonormal rows: every k-vector below is stored as B·v
//   genre_factors       f32 [g×K]  [b_g, B w_g]
//   item_bias           f32 [m]    b_i
//   item_q8 i8 [m×k] + item_q8_scale f32 [m]   B q_i ≈ scale_i · code_i, scale_i = max|B q_i| / L
//   | item_q16 f16 [m×k]                        B q_i as IEEE binary16
//   | item_q32 f32 [m×k]                        B q_i (reference, tests)
//   map_mean f32 [k], map_axes f32 [2×k], map_user_scale f32 [1]   the map (pca.h), in basis B
//   xq.NAME + xqs.NAME  a kind's per-item arrays, int8 like item_q8 (hybrid: hyb_items, its ŷ part in
//                       its own PCA basis C, and xw.hyb_gram as C G Cᵀ; readers need not know C)
//   item_xy             f16|f32 [m×2], optional: the map coordinates of the unquantized vectors;
//                       when absent the reader computes them from the dequantized vectors
//
// Why the basis: B is the PCA basis of the q_i (pca_fit_basis), so the stored coordinates have
// decreasing spread; with one scale per row the small coordinates become small integers, which
// gzip codes in fewer bits (ML-32M-shaped model, 87,585 × 64 int8 codes: 5.08 MB gzip in the
// model's basis, about 3.9 MB in the PCA basis, 3.25 MB with L = 63). A rotation changes nothing the page computes (B
// orthonormal: scores, fold-in, explanations, similarity, cold start are invariant; the visitor's p_u comes out as B
// p_u), and the map axes become the first two coordinates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mfm.h"
#include "model.h"
#include "pca.h"
#include "result.h"

namespace mf {

enum class bundle_quant : int32_t { int8 = 0, f16 = 1, f32 = 2 };
enum class bundle_xy : int32_t { none = 0, f16 = 5, f32 = 8 };  // values: mfm_type codes

const char * bundle_quant_name(bundle_quant q);
// "int8" | "f16" | "f32"; false when unknown
bool bundle_quant_parse(const std::string & s, bundle_quant & out);

struct bundle_options {
    bundle_quant quant = bundle_quant::int8;
    // int8 codes are within [-L, L]: L = 127 is the finest; 63 costs about one point of top-20
    // agreement (0.990 -> 0.979) and saves 0.67 MB of gzip at ML-32M scale (docs/WEB_API.md)
    int32_t int8_levels = 63;
    int32_t cold_threshold = 5;      // a movie with fewer training ratings is "cold"
    bundle_xy xy = bundle_xy::none;  // store the map coordinates, or derive them at load
    bool rotate = true;              // store vectors in the PCA basis (else B = identity)
};

// What the page needs beyond the model: the map and the cold threshold.
struct bundle_extras {
    pca_map map;                 // in the model's (stored) basis
    std::vector<float> item_xy;  // 2m: x0, y0, x1, y1, ...
    matrix_f basis;              // B (k × k): original vector = Bᵀ · vector of this model
    int32_t cold_threshold = 5;
    bundle_quant quant = bundle_quant::f32;  // how the item factors were stored
    int32_t int8_levels = 0;
    bool xy_stored = false;
    int32_t trained_users = 0;
};

// A model as the page holds it: items only (zero users), item rows dequantized to float32, all
// k-vectors in the basis B of extras.
struct web_model {
    model m;
    bundle_extras extras;
};

// The bundle's bytes. Never fails for a model that passes model_file_check. The map is computed
// from m (its users set the visitor scale).
std::vector<uint8_t> bundle_write(const model & m, const bundle_options & o);
// The same from a page model (e.g. trained in the browser), keeping its map.
std::vector<uint8_t> bundle_write(const web_model & w, const bundle_options & o);

// Validates the container and every section, dequantizes; errors name the section
// ("section item_q8: 87585×64×1 bytes expected, 12 found").
result<web_model> bundle_read(const uint8_t * data, size_t size);

// A page model from a full model (a .mfm model file given to the page, or a model trained in
// the browser): the users are dropped, the map computed as at export, factors stay float32 in
// the model's own basis (B = identity).
web_model web_model_from_model(model m, int32_t cold_threshold = 5);

// Either kind of .mfm: a web bundle, or a model file (converted by web_model_from_model).
result<web_model> web_model_read(const uint8_t * data, size_t size);

// Top-N agreement of two models over the same catalog (e.g. a model and its decoded bundle):
// `visitors` synthetic visitors, each rating `per_visitor` distinct movies drawn from the `pool`
// most-rated ones — rated as a random training user of `ref` would (its clamped prediction plus
// N(0, 0.5²) noise, on the half-star scale; uniform half stars when `ref` has no users) — are
// folded in under both models and their top-n lists compared (rated movies excluded, min_count);
// reports the mean and minimum of |top_ref ∩ top_other| / n.
struct agreement_report {
    double mean_overlap = 0.0;
    double min_overlap = 0.0;
    int32_t visitors = 0;
};
agreement_report bundle_agreement(const model & ref, const model & other, int32_t visitors, int32_t per_visitor,
                                  int32_t pool, int32_t n, int32_t min_count, uint64_t seed);

}  // namespace mf

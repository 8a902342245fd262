// model_file.h - mf::model <-> .mfm container (mfm.h); docs/FORMAT.md has the full table.
//
// Sections of a model file (n = n_users, m = n_items, g = genre rows, G = genre names, K = k+1):
//   kind                bytes  "model"  ("web_bundle" marks the web page's bundle)
//   k                   i32    [1]      factors; every factor matrix has K = k+1 columns
//   mu                  f32    [1]      global mean
//   params_int          i64    [≥8]     kind, factors, iterations, reg_by_count, solver, cg_steps,
//                                       seed (u64 bits), threads
//   params_float        f32    [≥5]     reg, reg_bias, reg_genre, genre_prior, init_std
//   user_ids            i32    [n]      MovieLens user ids, unique
//   user_counts         i32    [n]      training ratings per user, ≥ 0
//   user_factors        f32    [n×K]    rows [b_u, p_u]
//   item_ids            i32    [m]      MovieLens movie ids, unique (fixes m)
//   item_counts         i32    [m]      training ratings per item, ≥ 0
//   item_factors        f32    [m×K]    rows [b_i, q_i]
//   item_years          i16    [m]      0 when unknown
//   item_genres         u32    [m]      genre bit masks, only bits < G
//   item_titles         bytes           all titles concatenated (UTF-8 as in the source file)
//   item_title_offsets  u64    [m+1]    title i = item_titles[off[i], off[i+1]); off[0] = 0,
//                                       nondecreasing, off[m] = size of item_titles
//   genre_names         bytes           the same scheme for the G ≤ 32 genre names
//   genre_name_offsets  u64    [G+1]
//   genre_factors       f32    [g×K]    genre rows w_g, g ≤ 32
// Readers ignore sections they do not know and values past the known ones in params_*;
// writers append new parameters at the end. write -> read -> write gives identical bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "mfm.h"
#include "model.h"
#include "result.h"

namespace mf {

constexpr const char * model_file_kind = "model";
constexpr const char * web_bundle_kind = "web_bundle";

// The model as .mfm bytes (write them with file_write_atomic). Never fails: an inconsistent
// model (see model_file_check) gives a file that model_file_read rejects.
std::vector<uint8_t> model_file_write(const model & m);
// The same bytes passed to `sink` in order, with no buffer of the file's size (a 32M-rating model
// file is ~400 MB); fails when sink returns false.
[[nodiscard]] status model_file_write_to(const model & m, const std::function<bool(const uint8_t *, size_t)> & sink);

// Validates the container and every section, then decodes; the error names the wrong section.
result<model> model_file_read(const uint8_t * data, size_t size);

// The decoding step alone, for a container opened with mfm_open (tools, the fuzzer).
result<model> model_file_decode(const mfm_reader & r);

// What the model file and the web bundle share, written and read in one place: "params" (text,
// params_encode), "rating_scale" (f32 [3]: min, max, step) and the kind's extra arrays ("x.NAME" f32, or
// "xi.NAME" for per_item arrays; the bundle keeps those and the `web` ones; with per_item_arrays false the caller
// writes the per-item arrays itself, quantized). Files without "params" (version 1 writers) carry
// "params_int" / "params_float", which are still read.
void model_meta_write(mfm_writer & w, const model & m, bool bundle, bool per_item_arrays = true);
[[nodiscard]] status model_meta_read(const mfm_reader & r, model & m);

// The largest k a reader accepts: the trainer's limit (params.h), so a forged k cannot make a
// reader allocate k×k or k-wide rows for nothing.
int32_t model_factors_max();

// The consistency rules the reader enforces, on a model in memory (shapes agree with k and
// with each other, ids unique, counts ≥ 0, genre masks within genre_names, enums in range).
status model_file_check(const model & m);

}  // namespace mf

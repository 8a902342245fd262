// kind.h - model kinds behind one small interface, and the registry of kinds.
//
// A kind is one file pair in core/ (kind_NAME.h/.cpp, or a few functions in an existing pair)
// that fills in a kind_ops, plus one line in kinds.cpp. Everything else - the CLI's train, eval,
// recommend, similar, explain, export-web, the wasm engine and the page - goes through the
// pipeline (pipeline.h), which only calls these functions, so a new kind needs no change there.
//
// Every kind stores its state in mf::model: item rows (m.items, k+1 wide: [b_i, q_i]), user rows,
// genre rows, and named extra arrays for anything else (model::extra). The model file and the web
// bundle write all of them generically.
#pragma once

#include <string>
#include <vector>

#include "als.h"
#include "infer.h"
#include "model.h"
#include "result.h"

namespace mf {

// What the front ends may ask of a kind.
enum kind_caps : uint32_t {
    kind_rates = 1u << 0,        // its score is a predicted rating (RMSE, the shown stars)
    kind_vectors = 1u << 1,      // item vectors: similar movies by cosine, the latent map
    kind_explains = 1u << 2,     // explain(): the score split into one term per rated movie
    kind_keeps_basis = 1u << 4,  // its extra arrays live in the item factors' basis: the web bundle
                                 // stores the item rows unrotated (bundle.h)
    kind_validates = 1u << 3,    // tunes itself on a validation part of its training data, which the
                                 // pipeline chooses (fit_input::validation): needs the timestamps
};

struct fit_input {
    const rating_matrix & train;
    const catalog & items;                  // item rows = catalog rows
    const std::vector<int32_t> & user_ids;  // MovieLens ids of the user rows
    const test_set * test;                  // may be null: no per-epoch test error
    // For kind_validates: 1 for the entries of train.by_user the kind holds out to tune itself
    // (the pipeline's: each user's latest 20%), aligned with train.by_user.idx; null: the kind draws its own.
    const std::vector<uint8_t> * validation = nullptr;
    // user side features by user row (dataset::demographics); null or empty: none
    const user_features * demographics = nullptr;
    // == &train when the caller lets the kind reorder the matrix for a while (take a validation
    // part out in place, rating_matrix_hold_out) provided it restores it before returning; null:
    // the kind copies what it changes
    rating_matrix * reorder = nullptr;
    // true: the model's seen rows are left empty (the caller moves the training rows in after the
    // fit, rather than the kind copying them: a copy of the CSR at full scale)
    bool no_seen = false;
};

struct kind_ops {
    model_kind id;
    const char * name;     // --model NAME
    const char * summary;  // one line for --help and the page
    uint32_t caps;
    const char * uses;  // the parameters it reads (params.h names, space separated)
    // overrides of the table defaults (may be null)
    void (*defaults)(train_params & p);
    // rules beyond the table's limits (may be null)
    status (*check)(const train_params & p);
    // trains; calls on_epoch after every epoch (on_epoch may be empty)
    result<model> (*fit)(const fit_input & in, const train_params & p, const epoch_callback & on_epoch);
    // a visitor's row from their ratings (item rows, already checked against the scale)
    result<vector_f> (*fold_in)(const model & m, const std::vector<rated_item> & rated);
    // out[i] = the ranking score of item i for the visitor row x (higher = better); for a kind
    // with kind_rates it is the unclamped predicted rating
    void (*score)(const model & m, const vector_f & x, float * out);
    // Optional (null for kinds whose visitor row is a row of m.users, k+1 wide):
    // the scores of user row `user` of the model (pipeline_evaluate, recommend for a known user),
    // for a kind that scores known users from something else (EASE: their m.seen row)
    void (*score_user)(const model & m, int32_t user, float * out) = nullptr;
    // the length of the row fold_in returns (null: k + 1); recommend checks a visitor against it
    int64_t (*visitor_size)(const model & m) = nullptr;
    // Optional, for a kind whose ranking score is not its predicted rating (hybrid): the
    // unclamped predicted rating of every item for visitor row x (a known user's row of m.users
    // or a fold_in row; both begin with the rating model's k+1 values).
    void (*rate)(const model & m, const vector_f & x, float * out) = nullptr;
    // Optional: the exact split of the score (and the rating) into parts; null with kind_explains:
    // infer.h's explain of the predicted rating.
    // `negatives`: the movies the visitor marked "not interested" (fold_in_negatives)
    result<explanation> (*explain)(const model & m, const std::vector<rated_item> & rated,
                                   const std::vector<int32_t> & negatives, int32_t item) = nullptr;
    // Optional: movies like `item` from other vectors than m.items (hybrid: the implicit-ALS rows);
    // null with kind_vectors: cosine of m.items (infer.h: similar_items).
    result<std::vector<similar_item>> (*similar)(const model & m, int32_t item, int32_t n, int32_t min_count) = nullptr;
    // Optional: out[i] = the predictive standard deviation of item i's rating for the visitor row x
    // (kinds with a posterior, e.g. bayes); null when the kind gives no ± (recommendation::sd NaN)
    void (*rate_sd)(const model & m, const vector_f & x, float * out) = nullptr;
    // Optional, for a kind that learns from "not interested" (ials, hybrid): the row from the
    // ratings and the item rows the visitor dismissed; null: dismissed movies are only hidden.
    result<vector_f> (*fold_in_negatives)(const model & m, const std::vector<rated_item> & rated,
                                          const std::vector<int32_t> & negatives) = nullptr;
};

// The kind a front end trains when none is named (plain `mfrec train`, the page's trainer): the
// list recommender.
model_kind kind_default();

// Every kind, in the order --help lists them.
const std::vector<const kind_ops *> & kind_list();
// nullptr when unknown.
const kind_ops * kind_find(const std::string & name);
const kind_ops * kind_get(model_kind id);
const char * kind_name(model_kind id);  // "?" when unknown
// "mean, bias or als": for messages
std::string kind_names_text();

// The parameter defaults of a kind (the table's, then the kind's overrides), with p.kind set.
train_params kind_defaults(model_kind id);
// Whether a kind reads a parameter (the CLI warns when an unused one is given).
bool kind_uses(const kind_ops & k, const std::string & param);

}  // namespace mf

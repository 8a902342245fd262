// kind_als.cpp - the explicit-rating kinds: global mean, biases, and ALS with biases and a genre
// prior (als.h has the model and the solver). All three score an item by its predicted rating
//     r̂(u,i) = μ + b_u + b_i + p_uᵀ q_i
// (k = 0 for mean and bias; mean also has zero biases) and fold a visitor in by one ridge solve.
#include "kind.h"
#include "params.h"

namespace mf {

namespace {

result<model> als_fit(const fit_input & in, const train_params & p, const epoch_callback & on_epoch) {
    return model_train(in.train, in.items, in.user_ids, p, in.test, on_epoch, !in.no_seen);
}

result<vector_f> als_fold_in(const model & m, const std::vector<rated_item> & rated) {
    return fold_in(m, rated);
}

// the global mean has no personal part: every visitor is the zero row
result<vector_f> mean_fold_in(const model & m, const std::vector<rated_item> &) {
    return vector_f(vector_f::Zero(m.k + 1));
}

void als_score(const model & m, const vector_f & x, float * out) {
    std::vector<float> s = score_all(m, x);
    std::copy(s.begin(), s.end(), out);
}

status bias_check(const train_params & p) {
    if (!(p.reg_bias > 0)) return status::fail("reg_bias: must be positive (the bias solves need it)");
    return {};
}

status als_check(const train_params & p) {
    if (!(p.reg > 0)) return status::fail("regularization: 0 makes the ridge systems singular; use a positive value");
    return bias_check(p);
}

}  // namespace

extern const kind_ops kind_mean_ops = {
    model_kind::mean, "mean",   "the global mean rating (a baseline)", kind_rates, "", nullptr, nullptr, als_fit,
    mean_fold_in,     als_score};

extern const kind_ops kind_bias_ops = {model_kind::bias,
                                       "bias",
                                       "global mean + user and movie biases (a baseline)",
                                       kind_rates | kind_explains,
                                       "iterations early_stopping reg_bias genre_prior reg_genre reg_by_count threads",
                                       nullptr,
                                       bias_check,
                                       als_fit,
                                       als_fold_in,
                                       als_score};

extern const kind_ops kind_als_ops = {model_kind::als,
                                      "als",
                                      "explicit ALS with biases and a genre prior (exact ridge solves)",
                                      kind_rates | kind_vectors | kind_explains,
                                      "factors iterations early_stopping regularization reg_bias genre_prior reg_genre "
                                      "reg_by_count solver cg_steps init_std threads",
                                      nullptr,
                                      als_check,
                                      als_fit,
                                      als_fold_in,
                                      als_score};

}  // namespace mf

// Early stopping (pipeline_fit with train_params::early_stopping): the epoch count is chosen on a
// validation part of the training data, and the final model is retrained on all of it.
#include <catch2/catch.hpp>

#include "params.h"
#include "pipeline.h"
#include "planted.h"

using namespace mf;

namespace {

// Many factors and a small lambda on a sparse, noisy planted set: the validation error reaches its
// minimum before the last epoch.
fit_options overfit_options(int32_t early_stopping) {
    fit_options fo;
    fo.split = "random:0.2";
    fo.seed = 3;
    fo.params = kind_defaults(model_kind::als);
    fo.params.factors = 24;
    fo.params.reg = 0.5f;
    fo.params.reg_bias = 0.05f;
    fo.params.genre_prior = 0.0f;
    fo.params.iterations = 25;
    fo.params.early_stopping = early_stopping;
    return fo;
}

}  // namespace

TEST_CASE("early stopping picks the validation minimum and retrains for that many epochs", "[early]") {
    planted_data pd = planted_make(300, 200, 2, 0.1, 0.8f, 11);
    result<fit_result> off = pipeline_fit(pd.d, overfit_options(0));
    result<fit_result> on = pipeline_fit(pd.d, overfit_options(2));
    REQUIRE(off.ok());
    REQUIRE(on.ok());
    CHECK(off->best_epoch == 0);
    CHECK(off->validation_rmse.empty());
    CHECK((int) off->epochs.size() == 25);

    REQUIRE(on->best_epoch > 0);
    const std::vector<double> & v = on->validation_rmse;
    // the chosen count is the curve's minimum, and the curve stopped 2 epochs after it
    const size_t best = (size_t) (std::min_element(v.begin(), v.end()) - v.begin());
    CHECK(on->best_epoch == (int32_t) best + 1);
    CHECK(v.size() == std::min<size_t>(best + 1 + 2, 25));
    CHECK(on->best_epoch < 20);  // the minimum is early here (epoch 12)
    // the validation part is about 1/20 of the training ratings, and no rating is lost: the
    // final fit sees the whole training part for best_epoch epochs
    CHECK(on->n_validation > on->n_train / 30);
    CHECK(on->n_validation < on->n_train / 12);
    CHECK(on->n_train == off->n_train);
    CHECK((int) on->epochs.size() == on->best_epoch);
    // the final model is the run without stopping cut at best_epoch (same seed, same split, the
    // whole training part): its test error is that run's at that epoch
    CHECK(on->test.rmse == Approx(off->epochs[(size_t) on->best_epoch - 1].test_rmse).epsilon(1e-6));
}

TEST_CASE("a given iteration count turns early stopping off unless it is given too", "[early]") {
    train_params p = kind_defaults(model_kind::als);
    REQUIRE(p.early_stopping > 0);  // on by default
    train_params a = p;
    params_apply_given(a, {"factors", "regularization"});
    CHECK(a.early_stopping == p.early_stopping);
    train_params b = p;
    params_apply_given(b, {"iterations"});
    CHECK(b.early_stopping == 0);
    train_params c = p;
    c.early_stopping = 5;
    params_apply_given(c, {"iterations", "early-stopping"});
    CHECK(c.early_stopping == 5);
    // the regularization regime is chosen on the validation part only when none of its options
    // was given, and only with early stopping (which owns the validation part)
    CHECK(a.reg_auto == false);  // "regularization" was given
    train_params e = p;
    params_apply_given(e, {"factors"});
    CHECK(e.reg_auto);
    CHECK_FALSE(b.reg_auto);
    for (const char * n : {"regularization", "reg-bias", "reg_by_count"}) {
        train_params f = p;
        params_apply_given(f, {n});
        CHECK_FALSE(f.reg_auto);
    }
}

TEST_CASE("reg_auto keeps the regime with the lower validation RMSE", "[early]") {
    planted_data pd = planted_make(300, 200, 2, 0.1, 0.8f, 11);
    fit_options fixed = overfit_options(2);
    fit_options autom = overfit_options(2);
    autom.params.reg_auto = true;
    result<fit_result> a = pipeline_fit(pd.d, fixed);
    result<fit_result> b = pipeline_fit(pd.d, autom);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const double min_a = *std::min_element(a->validation_rmse.begin(), a->validation_rmse.end());
    const double min_b = *std::min_element(b->validation_rmse.begin(), b->validation_rmse.end());
    CHECK(min_b <= min_a);  // the given parameters are one of the candidates
    // λ = 0.5 unscaled overfits this set; ALS-WR's λ n (n ≈ 13 ratings a user) does not
    CHECK(b->m.params.reg_by_count);
    CHECK(b->m.params.reg == Approx(0.1f));
    CHECK(min_b < min_a);
}

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "calibration.h"
#include "core/planted.h"
#include "kind_bayes.h"
#include "model_file.h"
#include "params.h"
#include "pipeline.h"

using namespace mf;

namespace {

const float planted_sigma = 0.5f;

// 160 users × 120 movies, k = 3, 30% observed, noise sd 0.5: a small posterior, quick to sample
const planted_data & planted() {
    static const planted_data p = planted_make(160, 120, 3, 0.3, planted_sigma, 11);
    return p;
}

fit_options bayes_options(int threads = 1) {
    fit_options o;
    o.split = "random:0.2";
    o.seed = 7;
    o.params = kind_defaults(model_kind::bayes);
    o.params.factors = 3;
    o.params.burn_in = 20;
    o.params.samples = 40;
    o.params.threads = threads;
    return o;
}

fit_result fit(const fit_options & o) {
    result<fit_result> r = pipeline_fit(planted().d, o);
    REQUIRE(r);
    return std::move(*r);
}

const fit_result & fitted() {
    static const fit_result r = fit(bayes_options());
    return r;
}

float noise_precision(const model & m) {
    for (const model_array & a : m.extra)
        if (a.name == "bayes_noise") return a.data(0, 0);
    return -1.0f;
}

std::vector<rated_item> seen_of(const model & m, int32_t u) {
    std::vector<rated_item> r;
    for (uint64_t e = m.seen.ptr[u]; e < m.seen.ptr[u + 1]; ++e) r.push_back({m.seen.idx[e], m.seen.val[e]});
    return r;
}

double mean_of(const std::vector<float> & v) {
    double s = 0.0;
    for (float x : v) s += x;
    return s / (double) v.size();
}

}  // namespace

TEST_CASE("bayes is registered as kind 7, rates and gives an sd", "[bayes]") {
    const kind_ops * k = kind_find("bayes");
    REQUIRE(k != nullptr);
    REQUIRE(k->id == model_kind::bayes);
    REQUIRE((uint32_t) model_kind::bayes == 7);
    REQUIRE((k->caps & kind_rates) != 0);
    REQUIRE(k->rate_sd != nullptr);
    REQUIRE(k->visitor_size != nullptr);
    REQUIRE(kind_uses(*k, "samples"));
    REQUIRE(kind_uses(*k, "burn_in"));
    REQUIRE(params_check(kind_defaults(model_kind::bayes)));
}

TEST_CASE("bayes recovers planted low-rank data near the noise level and estimates the noise", "[bayes]") {
    const fit_result & r = fitted();
    REQUIRE(r.has_test);
    // the planted noise sd is 0.5; the biases-only and mean baselines are far above it
    REQUIRE(r.test.rmse < 1.15 * planted_sigma);
    REQUIRE(r.test.rmse > 0.8 * planted_sigma);
    const float alpha = noise_precision(r.m);
    REQUIRE(alpha > 0.0f);
    const double sd = 1.0 / std::sqrt((double) alpha);
    REQUIRE(sd == Approx(planted_sigma).epsilon(0.15));
    // the sampler's averaged predictions (last epoch) and the posterior-mean rows agree closely
    REQUIRE(r.epochs.size() == 60);
    REQUIRE(std::abs(r.epochs.back().test_rmse - r.test.rmse) < 0.02);
}

TEST_CASE("bayes gives the same model for a seed whatever the thread count", "[bayes]") {
    const int64_t keep = bayes_parallel_min_work;
    bayes_parallel_min_work = 0;  // every pass in parallel, even on this small data
    const fit_result a = fit(bayes_options(1));
    const fit_result b = fit(bayes_options(2));
    bayes_parallel_min_work = keep;
    REQUIRE(a.m.users.size() == b.m.users.size());
    REQUIRE(std::memcmp(a.m.users.data(), b.m.users.data(), sizeof(float) * (size_t) a.m.users.size()) == 0);
    REQUIRE(std::memcmp(a.m.items.data(), b.m.items.data(), sizeof(float) * (size_t) a.m.items.size()) == 0);
    REQUIRE(a.m.extra.size() == b.m.extra.size());
    for (size_t e = 0; e < a.m.extra.size(); ++e) REQUIRE(a.m.extra[e].data == b.m.extra[e].data);
    fit_options o = bayes_options(1);
    o.params.seed = 8;  // pipeline_fit takes the seed from o.seed
    o.seed = 8;
    const fit_result c = fit(o);
    REQUIRE(std::memcmp(a.m.items.data(), c.m.items.data(), sizeof(float) * (size_t) a.m.items.size()) != 0);
}

TEST_CASE("bayes in single precision (large data's path): same model for any thread count, as accurate", "[bayes]") {
    const int64_t keep_par = bayes_parallel_min_work, keep_float = bayes_float_min_work;
    bayes_parallel_min_work = 0;
    bayes_float_min_work = 0;  // every pass through the float kernels, as at full scale
    const fit_result a = fit(bayes_options(1));
    const fit_result b = fit(bayes_options(2));
    bayes_parallel_min_work = keep_par;
    bayes_float_min_work = keep_float;
    REQUIRE(a.m.items.size() == b.m.items.size());
    REQUIRE(std::memcmp(a.m.users.data(), b.m.users.data(), sizeof(float) * (size_t) a.m.users.size()) == 0);
    REQUIRE(std::memcmp(a.m.items.data(), b.m.items.data(), sizeof(float) * (size_t) a.m.items.size()) == 0);
    // another path than the double one (the sums round differently), the same accuracy
    const fit_result & exact = fitted();
    REQUIRE(std::memcmp(a.m.items.data(), exact.m.items.data(), sizeof(float) * (size_t) a.m.items.size()) != 0);
    REQUIRE(a.has_test);
    REQUIRE(std::abs(a.test.rmse - exact.test.rmse) < 0.01);
    REQUIRE(a.test.rmse < 1.15 * planted_sigma);
}

TEST_CASE("bayes predictive sd is calibrated on planted data", "[bayes]") {
    const fit_result & r = fitted();
    test_set t = test_set_for_model(r.m, planted().d, r.split.test, nullptr);
    result<calibration> c = model_calibration(r.m, t, 1);
    REQUIRE(c);
    REQUIRE(c->n == t.size());
    // a Gaussian: 68.3% within 1 sd, 95.4% within 2 (a few hundred ratings: ± a few points)
    REQUIRE(c->coverage_1sd > 0.62);
    REQUIRE(c->coverage_1sd < 0.76);
    REQUIRE(c->coverage_2sd > 0.92);
    REQUIRE(c->coverage_2sd < 0.985);
    REQUIRE(c->rmse_by_sd_quartile.size() == 4);
    REQUIRE(c->sd_by_quartile[0] <= c->sd_by_quartile[3]);
    // and the pipeline reports the same numbers
    eval_options eo;
    eo.ranking = false;
    eo.threads = 1;
    result<eval_report> rep = pipeline_evaluate(r.m, planted().d, r.split.test, eo);
    REQUIRE(rep);
    REQUIRE(rep->has_sd);
    REQUIRE(rep->calib.coverage_1sd == c->coverage_1sd);
}

TEST_CASE("bayes fold-in of a known user's ratings gives about the user's posterior mean", "[bayes]") {
    const model & m = fitted().m;
    const kind_ops & k = kind_bayes_ops;
    std::vector<float> s_row((size_t) m.n_items()), s_fold((size_t) m.n_items());
    double worst = 0.0;
    for (int32_t u : {0, 17, 42, 99}) {
        result<vector_f> x = k.fold_in(m, seen_of(m, u));
        REQUIRE(x);
        REQUIRE(x->size() == bayes_visitor_size(m));
        k.score(m, m.users.row(u).transpose(), s_row.data());
        k.score(m, *x, s_fold.data());
        double se = 0.0;
        for (size_t i = 0; i < s_row.size(); ++i) se += (s_row[i] - s_fold[i]) * (s_row[i] - s_fold[i]);
        worst = std::max(worst, std::sqrt(se / (double) s_row.size()));
    }
    // the fold-in ignores the posterior's coupling of this user with the items: close, not equal
    REQUIRE(worst < 0.15);
    // visitor_known uses the fold-in (mean and covariance)
    result<visitor> v = visitor_known(m, m.user_ids[17]);
    REQUIRE(v);
    REQUIRE(v->x.size() == bayes_visitor_size(m));
    result<std::vector<float>> sd = visitor_sd(m, *v);
    REQUIRE(sd);
    for (float s : *sd) REQUIRE((std::isfinite(s) && s > 0.0f));
    recommend_options ro;
    ro.n = 5;
    result<std::vector<recommendation>> top = recommend(m, *v, ro);
    REQUIRE(top);
    REQUIRE(top->size() == 5);
    for (const recommendation & r : *top) REQUIRE(r.sd == (*sd)[(size_t) r.item]);
}

TEST_CASE("bayes sd shrinks as a visitor rates more", "[bayes]") {
    const model & m = fitted().m;
    const std::vector<rated_item> all = seen_of(m, 5);
    REQUIRE(all.size() >= 20);
    double last = 1e9;
    for (size_t n : {size_t(0), size_t(2), size_t(8), all.size()}) {
        std::vector<rated_item> some(all.begin(), all.begin() + (std::ptrdiff_t) n);
        result<visitor> v = visitor_new(m, some);
        REQUIRE(v);
        result<std::vector<float>> sd = visitor_sd(m, *v);
        REQUIRE(sd);
        const double mean_sd = mean_of(*sd);
        REQUIRE(mean_sd < last);
        // never below the noise
        REQUIRE(mean_sd > 1.0 / std::sqrt((double) noise_precision(m)) - 1e-4);
        last = mean_sd;
    }
}

TEST_CASE("bayes parameters out of range are refused with a message", "[bayes]") {
    train_params p = kind_defaults(model_kind::bayes);
    status s0 = param_set_number(p, "samples", 0);
    REQUIRE_FALSE(s0);
    REQUIRE(s0.error.find("samples") != std::string::npos);
    status s1 = param_set_number(p, "burn_in", -1);
    REQUIRE_FALSE(s1);
    REQUIRE(s1.error.find("burn_in") != std::string::npos);
    status s2 = param_set_text(p, "implicit_features", "maybe");
    REQUIRE_FALSE(s2);
    REQUIRE(s2.error.find("off|on") != std::string::npos);
    p.samples = 0;
    status s3 = params_check(p);
    REQUIRE_FALSE(s3);
    REQUIRE(s3.error.find("samples") != std::string::npos);
    p = kind_defaults(model_kind::bayes);
    p.burn_in = -3;
    REQUIRE_FALSE(params_check(p));
    // the text round trip of the new parameters
    p = kind_defaults(model_kind::bayes);
    REQUIRE(param_set_text(p, "genre_features", "off"));
    REQUIRE(param_set_text(p, "samples", "77"));
    train_params q = kind_defaults(model_kind::als);
    REQUIRE(params_decode(params_encode(p), q));
    REQUIRE(q.kind == model_kind::bayes);
    REQUIRE(q.samples == 77);
    REQUIRE_FALSE(q.genre_features);
    REQUIRE(q.implicit_features);
}

TEST_CASE("bayes model file round trip keeps the posterior: same fold-in and sd", "[bayes]") {
    const model & m = fitted().m;
    std::vector<uint8_t> bytes = model_file_write(m);
    result<model> r = model_file_read(bytes.data(), bytes.size());
    REQUIRE(r);
    REQUIRE(r->params.kind == model_kind::bayes);
    REQUIRE(r->params.samples == m.params.samples);
    REQUIRE(r->extra.size() == m.extra.size());
    const std::vector<rated_item> some = seen_of(m, 3);
    result<visitor> a = visitor_new(m, some), b = visitor_new(*r, some);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->x == b->x);
    result<std::vector<float>> sa = visitor_sd(m, *a), sb = visitor_sd(*r, *b);
    REQUIRE(sa);
    REQUIRE(sb);
    REQUIRE(*sa == *sb);
    // without its posterior arrays a model cannot fold in, and says so
    model bare = *r;
    bare.extra.clear();
    result<vector_f> x = kind_bayes_ops.fold_in(bare, some);
    REQUIRE_FALSE(x);
    REQUIRE(x.error().find("bayes_user_prior") != std::string::npos);
}

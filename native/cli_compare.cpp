// mfrec compare A.mfm B.mfm: both models on the same held-out part, per-user paired differences
// with a bootstrap interval and a permutation p-value (core/compare_models.h).
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "compare_models.h"
#include "progress.h"

namespace mf {

namespace {

struct compare_args {
    std::string a_path, b_path;
    data_args data;
    std::string metric;  // of the verdict
    int32_t k = 10;
    int32_t bootstrap = 2000, permutations = 2000;
    int threads = 0;
    std::string format = "table";
    bool quiet = false;
};

void compare_run(compare_args & a) {
    out_format fmt = out_format_parse(a.format);
    threads_check(a.threads);
    if (a.k < 1 || a.k > 10000) throw cli_error("--k must be within 1..10000");
    if (a.bootstrap < 100 || a.bootstrap > 1000000) throw cli_error("--bootstrap must be within 100..1000000");
    if (a.permutations < 100 || a.permutations > 1000000) throw cli_error("--permutations must be within 100..1000000");
    model ma = model_load_path(a.a_path);
    model mb = model_load_path(a.b_path);
    result<bool> need_time = pipeline_needs_time(a.data.split);
    if (!need_time) throw cli_error(need_time.error());
    loaded_data ld = data_load(a.data, a.threads, a.quiet, *need_time);
    result<split_result> sp = pipeline_split(ld.d, a.data.split, a.data.seed);
    if (!sp) throw cli_error(sp.error());
    const std::vector<int64_t> & pos = a.data.split == "none" ? sp->train : sp->test;
    eval_options eo;
    eo.threads = a.threads;
    eo.rank.k = a.k;
    eo.rank.seed = a.data.seed;
    compare_options co;
    co.bootstrap = a.bootstrap;
    co.permutations = a.permutations;
    co.seed = a.data.seed;
    progress_bar bar("compare", 1, a.quiet);
    result<model_comparison> c =
        models_compare(ma, mb, ld.d, pos, eo, co, [&](int32_t done, int32_t total, const std::string & step) {
            bar.total = total;
            bar.update(done, step);
        });
    bar.finish();
    if (!c) throw cli_error(c.error());
    // the verdict's metric: the one asked for, else NDCG@K when ranked, else RMSE
    const metric_comparison * key = nullptr;
    const std::string want = a.metric.empty() ? "ndcg_at_" + std::to_string(a.k) : a.metric;
    for (const metric_comparison & m : c->metrics)
        if (m.name == want) key = &m;
    if (!key && !a.metric.empty()) {
        std::string names;
        for (const metric_comparison & m : c->metrics) names += (names.empty() ? "" : ", ") + m.name;
        throw cli_error("--metric '" + a.metric + "': not measured for these models (" + names + ")");
    }
    if (!key) key = &c->metrics.front();
    const std::string verdict = compare_verdict(key->name, key->v, key->higher_better);

    if (fmt == out_format::json) {
        json_object j;
        j.str("a", a.a_path);
        j.str("b", a.b_path);
        j.str("split", a.data.split);
        j.integer("seed", (long long) a.data.seed);
        j.integer("n_test", (long long) c->n_test);
        j.integer("rating_users", (long long) c->rating_users);
        j.integer("ranking_users", (long long) c->ranking_users);
        j.integer("bootstrap", a.bootstrap);
        j.integer("permutations", a.permutations);
        json_object metrics;
        for (const metric_comparison & m : c->metrics) {
            json_object v;
            v.num("a", m.v.a);
            v.num("b", m.v.b);
            v.num("diff", m.v.diff);
            v.num("ci_low", m.v.ci_low);
            v.num("ci_high", m.v.ci_high);
            v.num("p_value", m.v.p_value);
            v.integer("n_users", (long long) m.v.n);
            v.raw("higher_is_better", m.higher_better ? "true" : "false");
            std::string s = v.render();
            while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
            metrics.raw(m.name, s);
        }
        std::string ms = metrics.render();
        while (!ms.empty() && (ms.back() == '\n' || ms.back() == ' ')) ms.pop_back();
        j.raw("metrics", ms);
        j.str("verdict_metric", key->name);
        j.str("verdict", verdict);
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    for (const char * col : {"metric", "a", "b", "diff", "ci_low", "ci_high", "p_value", "n_users"})
        t.col(col, std::string(col) != "metric");
    for (const metric_comparison & m : c->metrics)
        t.rows.push_back({m.name, fmt_num(m.v.a, 4), fmt_num(m.v.b, 4), fmt_num(m.v.diff, 4), fmt_num(m.v.ci_low, 4),
                          fmt_num(m.v.ci_high, 4), fmt_num(m.v.p_value, 4), std::to_string(m.v.n)});
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) {
        std::printf(
            "A = %s, B = %s; split %s, seed %llu; diff = B - A per user, %d-resample bootstrap 95%% CI, "
            "paired permutation p-value\n",
            a.a_path.c_str(), a.b_path.c_str(), a.data.split.c_str(), (unsigned long long) a.data.seed, a.bootstrap);
        std::printf("%s\n", verdict.c_str());
    }
}

}  // namespace

void cli_add_compare(CLI::App & app) {
    auto a = std::make_shared<compare_args>();
    CLI::App * c = app.add_subcommand(
        "compare", "compare two models on the same held-out part: per-user differences, 95% CI, p-value");
    c->add_option("A", a->a_path, "model file A (the reference)")->required();
    c->add_option("B", a->b_path, "model file B")->required();
    data_args_add(c, a->data, true);
    c->add_option("--metric", a->metric, "the metric of the one-line verdict (default: ndcg_at_K, else rmse)");
    c->add_option("--k", a->k, "cut-off of the top-K metrics")->capture_default_str();
    c->add_option("--bootstrap", a->bootstrap, "bootstrap resamples of the users")->capture_default_str();
    c->add_option("--permutations", a->permutations, "random label swaps of the permutation test")
        ->capture_default_str();
    c->add_option("--threads", a->threads, "threads (0 = all cores)");
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { compare_run(*a); });
}

}  // namespace mf

// mfrec cv: k-fold cross-validation of one or several model kinds: every fold is held out once,
// the kind is trained on the others, and each metric is reported per fold with its mean and sd
// over the folds (core/cv.h), in a Surprise-style table.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "cli_common.h"
#include "cv.h"
#include "params.h"
#include "pipeline.h"
#include "progress.h"

namespace mf {

namespace {

struct cv_args {
    data_args data;
    std::string models = kind_name(kind_default());
    int32_t folds = 5;
    std::string mode = "random";
    int32_t k = 10;
    std::string format = "table";
    std::map<std::string, std::string> param_text;
    std::map<std::string, bool> param_flag;
    bool quiet = false;
    CLI::App * cmd = nullptr;
};

struct metric_row {
    std::string name;
    std::vector<double> folds;
};

void cv_run(cv_args & a) {
    out_format fmt = out_format_parse(a.format);
    if (a.folds < 2 || a.folds > 100) throw cli_error("--folds must be within 2..100");
    if (a.k < 1 || a.k > 10000) throw cli_error("--k must be within 1..10000");
    result<fold_mode> mode = fold_mode_parse(a.mode);
    if (!mode) throw cli_error("--fold-mode " + mode.error());
    std::vector<train_params> kinds;
    bool need_time = false;
    for (const std::string & name : split_list(a.models)) {
        train_params p = params_from_cli(a.cmd, name, a.param_text, a.param_flag, a.quiet);
        if (status s = params_check(p); !s) throw cli_error(s.error);
        result<bool> nt = pipeline_needs_time("none", "", p.kind);
        if (!nt) throw cli_error(nt.error());
        need_time = need_time || *nt;
        kinds.push_back(p);
    }
    if (kinds.empty()) throw cli_error("--model: no model kind given");
    data_args da = a.data;
    da.split = "none";
    loaded_data ld = data_load(da, kinds.front().threads, a.quiet, need_time || *mode == fold_mode::user_time);
    result<std::vector<int32_t>> fold = folds_assign(ld.d, a.folds, *mode, a.data.seed);
    if (!fold) throw cli_error(fold.error());

    const std::string K = std::to_string(a.k);
    std::vector<std::vector<metric_row>> table(kinds.size());
    progress_bar bar("cv", (int64_t) (kinds.size() * (size_t) a.folds), a.quiet);
    int64_t step = 0;
    for (int32_t f = 0; f < a.folds; ++f) {
        const split_result s = fold_split(*fold, f);
        const dataset train = dataset_subset(ld.d, s.train);
        for (size_t q = 0; q < kinds.size(); ++q) {
            fit_options fo;
            fo.split = "none";
            fo.seed = a.data.seed;
            fo.params = kinds[q];
            const auto t0 = std::chrono::steady_clock::now();
            result<fit_result> fr = pipeline_fit(train, fo);
            if (!fr)
                throw cli_error(std::string(kind_name(kinds[q].kind)) + ", fold " + std::to_string(f + 1) + ": " +
                                fr.error());
            const double fit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            eval_options eo;
            eo.threads = kinds[q].threads;
            eo.rank.k = a.k;
            eo.rank.seed = a.data.seed;
            result<eval_report> rep = pipeline_evaluate(fr->m, ld.d, s.test, eo);
            if (!rep) throw cli_error(rep.error());
            std::vector<std::pair<std::string, double>> v;
            if (rep->has_rating) v.insert(v.end(), {{"rmse", rep->rating.rmse}, {"mae", rep->rating.mae}});
            const ranking_report & r = rep->ranking;
            v.insert(v.end(), {{"precision_at_" + K, r.precision.mean},
                               {"recall_at_" + K, r.recall.mean},
                               {"ndcg_at_" + K, r.ndcg.mean},
                               {"map_at_" + K, r.map.mean},
                               {"hit_rate_at_" + K, r.hit_rate.mean},
                               {"mrr", r.mrr.mean},
                               {"auc", r.auc.mean},
                               {"coverage_at_" + K, r.coverage},
                               {"novelty_at_" + K, r.novelty.mean},
                               {"fit_seconds", fit_seconds}});
            std::vector<metric_row> & rows = table[q];
            for (size_t j = 0; j < v.size(); ++j) {
                if (rows.size() <= j) rows.push_back({v[j].first, {}});
                rows[j].folds.push_back(v[j].second);
            }
            bar.update(++step, std::string(kind_name(kinds[q].kind)) + " fold " + std::to_string(f + 1));
        }
    }
    bar.finish();

    if (fmt == out_format::json) {
        json_object j;
        j.str("data", a.data.dir);
        j.integer("folds", a.folds);
        j.str("fold_mode", a.mode);
        j.integer("seed", (long long) a.data.seed);
        j.integer("k", a.k);
        std::string ms = "[";
        for (size_t q = 0; q < kinds.size(); ++q) {
            ms += std::string(q ? ",\n    " : "\n    ") + "{\"model\": " + json_escape(kind_name(kinds[q].kind)) +
                  ", \"metrics\": {";
            for (size_t r = 0; r < table[q].size(); ++r) {
                const metric_row & m = table[q][r];
                const mean_sd ms2 = mean_sd_of(m.folds);
                ms += std::string(r ? ",\n      " : "\n      ") + json_escape(m.name) +
                      ": {\"folds\": " + json_array(m.folds) + ", \"mean\": " + fmt_num(ms2.mean, 6) +
                      ", \"sd\": " + fmt_num(ms2.sd, 6) + "}";
            }
            ms += "}}";
        }
        j.raw("models", ms + "\n  ]");
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    t.col("model", false);
    t.col("metric", false);
    for (int32_t f = 0; f < a.folds; ++f) t.col("fold_" + std::to_string(f + 1), true);
    t.col("mean", true);
    t.col("sd", true);
    for (size_t q = 0; q < kinds.size(); ++q)
        for (const metric_row & m : table[q]) {
            std::vector<std::string> row = {kind_name(kinds[q].kind), m.name};
            const int digits = m.name == "fit_seconds" ? 2 : 4;
            for (double v : m.folds) row.push_back(fmt_num(v, digits));
            const mean_sd s = mean_sd_of(m.folds);
            row.push_back(fmt_num(s.mean, digits));
            row.push_back(fmt_num(s.sd, digits));
            t.rows.push_back(row);
        }
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table)
        std::printf("%d-fold cross-validation (%s folds, seed %llu) of %lld ratings; sd over the folds (n - 1)\n",
                    a.folds, a.mode.c_str(), (unsigned long long) a.data.seed, (long long) ld.d.size());
}

}  // namespace

void cli_add_cv(CLI::App & app) {
    auto a = std::make_shared<cv_args>();
    CLI::App * c = app.add_subcommand("cv", "k-fold cross-validation: every metric's mean and sd over the folds");
    a->cmd = c;
    c->add_option("--data", a->data.dir, "MovieLens folder (as train's --data)")->required();
    c->add_option("--ratings", a->data.ratings, "ratings file replacing the folder's");
    c->add_option("--seed", a->data.seed, "seed of the folds and the initial factors")->capture_default_str();
    c->add_flag("--skip-bad-lines", a->data.skip_bad_lines, "skip and count malformed lines instead of failing");
    c->add_flag("--no-cache", a->data.no_cache, "neither read nor write the binary ratings cache");
    c->add_option("--model", a->models, "model kind, or several: als,pop,hybrid (" + kind_names_text() + ")")
        ->capture_default_str();
    c->add_option("--folds", a->folds, "number of folds k")->capture_default_str();
    c->add_option("--fold-mode", a->mode,
                  "random (ratings dealt to folds) | user (each user's ratings spread over every fold) | "
                  "user-time (fold f: the f-th period of every user's history)")
        ->capture_default_str();
    c->add_option("--k", a->k, "cut-off of the top-K metrics")->capture_default_str();
    params_options_add(c, a->param_text, a->param_flag);
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { cv_run(*a); });
}

}  // namespace mf

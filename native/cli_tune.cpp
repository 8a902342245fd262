// mfrec tune: random or grid search over a parameter space, each trial trained on the training
// part minus a validation part and scored on that validation part (the test part is never
// looked at until the chosen configuration is retrained on the whole training part with --out).
// Finished trials are appended to a log, so an interrupted search resumes where it stopped.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "cli_common.h"
#include "file_io.h"
#include "params.h"
#include "pipeline.h"
#include "progress.h"
#include "tune.h"

namespace mf {

namespace {

struct tune_args {
    data_args data;
    std::string model = kind_name(kind_default());
    std::string space;
    std::string search = "random";
    int64_t trials = 20;
    int32_t grid_points = 3;
    std::string metric = "rmse";
    std::string validate;  // default: the split's kind at 0.2
    std::string log;
    std::string out;
    std::string format = "table";
    std::map<std::string, std::string> param_text;
    std::map<std::string, bool> param_flag;
    bool quiet = false;
    CLI::App * cmd = nullptr;
};

// A metric by name: rmse, mae, or a ranking metric NAME_at_K / mrr / auc (K = 10 for those two).
struct metric_choice {
    std::string name;
    bool rating = false;
    bool higher_better = false;
    int32_t k = 10;
};

metric_choice metric_parse(const std::string & s) {
    metric_choice m;
    m.name = s;
    if (s == "rmse" || s == "mae") {
        m.rating = true;
        return m;
    }
    m.higher_better = true;
    if (s == "mrr" || s == "auc") return m;
    for (const char * base : {"precision", "recall", "ndcg", "map", "hit_rate"}) {
        const std::string pre = std::string(base) + "_at_";
        if (s.compare(0, pre.size(), pre) == 0) {
            const std::string k = s.substr(pre.size());
            if (!k.empty() && k.size() <= 5 && k.find_first_not_of("0123456789") == std::string::npos &&
                std::stoi(k) >= 1) {
                m.k = std::stoi(k);
                return m;
            }
        }
    }
    throw cli_error("--metric '" + s +
                    "': expected rmse, mae, mrr, auc or precision|recall|ndcg|map|hit_rate_at_K (e.g. ndcg_at_10)");
}

double metric_of(const eval_report & r, const metric_choice & m) {
    if (m.name == "rmse") return r.rating.rmse;
    if (m.name == "mae") return r.rating.mae;
    const ranking_report & k = r.ranking;
    if (m.name == "mrr") return k.mrr.mean;
    if (m.name == "auc") return k.auc.mean;
    const std::string base = m.name.substr(0, m.name.find("_at_"));
    if (base == "precision") return k.precision.mean;
    if (base == "recall") return k.recall.mean;
    if (base == "ndcg") return k.ndcg.mean;
    if (base == "map") return k.map.mean;
    return k.hit_rate.mean;
}

// Fits with fo and measures the metric on fo's held-out part (the validation part when
// fo.validate is set).
double fit_and_score(const dataset & d, const fit_options & fo, const metric_choice & mc, model * keep) {
    result<fit_result> fr = pipeline_fit(d, fo);
    if (!fr) throw cli_error(fr.error());
    eval_options eo;
    eo.rating = mc.rating;
    eo.ranking = !mc.rating;
    eo.rank.k = mc.k;
    eo.rank.seed = fo.seed;
    eo.threads = fo.params.threads;
    result<eval_report> rep = pipeline_evaluate(fr->m, d, fr->split.test, eo);
    if (!rep) throw cli_error(rep.error());
    if (mc.rating && !rep->has_rating)
        throw cli_error(std::string("--metric ") + mc.name + ": a " + kind_name(fo.params.kind) +
                        " model does not predict ratings; choose a ranking metric (ndcg_at_10)");
    if (keep) *keep = std::move(fr->m);
    return metric_of(*rep, mc);
}

std::string validate_default(const std::string & split) {
    if (split.rfind("random", 0) == 0 || split == "none") return "random:0.2";
    return "user-time:0.2";
}

void tune_run(tune_args & a) {
    out_format fmt = out_format_parse(a.format);
    const metric_choice mc = metric_parse(a.metric);
    if (a.search != "random" && a.search != "grid") throw cli_error("--search '" + a.search + "': random or grid");
    if (a.trials < 1 || a.trials > 100000) throw cli_error("--trials must be within 1..100000");
    if (a.grid_points < 1 || a.grid_points > 100) throw cli_error("--grid-points must be within 1..100");
    if (a.data.split == "none") throw cli_error("--split none: tune needs a training part with a test part held out");
    fit_options fo;
    fo.params = params_from_cli(a.cmd, a.model, a.param_text, a.param_flag, a.quiet);
    fo.split = a.data.split;
    fo.seed = a.data.seed;
    fo.validate = a.validate.empty() ? validate_default(a.data.split) : a.validate;
    const train_params base = fo.params;
    if (status pc = params_check(base); !pc) throw cli_error(pc.error);
    const kind_ops * kind = kind_get(base.kind);
    const std::string space_text = a.space.empty() ? space_default(base.kind) : a.space;
    result<search_space> sp = space_parse(space_text);
    if (!sp) throw cli_error("--space: " + sp.error());
    for (const space_dim & d : sp->dims)
        if (!kind_uses(*kind, d.name))
            throw cli_error("--space: a " + std::string(kind->name) + " model does not read '" + d.name + "'");
    if (!a.out.empty()) output_check_writable(a.out);
    const std::string log_path = !a.log.empty() ? a.log : a.out.empty() ? "" : a.out + ".trials.tsv";

    // the trials' configurations: random trial 1 is the kind's defaults (the base), so the
    // search never ends worse on validation than not searching
    std::vector<trial_config> configs;
    if (a.search == "grid") {
        const int64_t n =
            std::min<int64_t>(space_grid_size(*sp, a.grid_points), a.cmd->count("--trials") ? a.trials : 100000);
        for (int64_t g = 0; g < n; ++g) configs.push_back(space_grid_point(*sp, a.grid_points, g));
    } else {
        trial_config first;
        for (const space_dim & d : sp->dims) first.emplace_back(d.name, param_text(base, *param_find(d.name)));
        configs.push_back(first);
        for (int64_t t = 2; t <= a.trials; ++t) configs.push_back(space_sample(*sp, a.data.seed, t));
    }

    // the log names everything a trial's value depends on
    std::string fixed = params_encode(base);
    for (char & c : fixed)
        if (c == '\n') c = ' ';
    const std::string search_id =
        "data=" + a.data.dir + (a.data.ratings.empty() ? "" : " ratings=" + a.data.ratings) + " split=" + a.data.split +
        " validate=" + fo.validate + " seed=" + std::to_string(a.data.seed) + " metric=" + mc.name +
        " search=" + a.search + (a.search == "grid" ? " points=" + std::to_string(a.grid_points) : "") +
        " space=" + sp->text + " base=" + fixed;
    std::map<int64_t, trial_record> done;
    if (!log_path.empty() && file_exists(log_path)) {
        std::vector<uint8_t> bytes = file_read_all(log_path, uint64_t(1) << 30);
        result<std::vector<trial_record>> recs = tune_log_parse(std::string(bytes.begin(), bytes.end()), search_id);
        if (!recs) throw cli_error(log_path + ": " + recs.error() + " (remove it or pass another --log)");
        for (const trial_record & r : *recs) {
            if (r.trial > (int64_t) configs.size()) continue;
            if (r.config != config_text(configs[(size_t) (r.trial - 1)]))
                throw cli_error(log_path + ": trial " + std::to_string(r.trial) + " ran " + r.config +
                                ", this search would run " + config_text(configs[(size_t) (r.trial - 1)]));
            done[r.trial] = r;
        }
    }
    FILE * logf = nullptr;
    if (!log_path.empty()) {
        const bool fresh = !file_exists(log_path);
        logf = std::fopen(log_path.c_str(), "a");
        if (!logf) throw cli_error(log_path + ": cannot append to the trial log");
        if (fresh) std::fputs(tune_log_header(search_id).c_str(), logf);
        std::fflush(logf);
    }

    result<bool> need_time = pipeline_needs_time(fo.split, fo.validate, base.kind);
    if (!need_time) throw cli_error(need_time.error());
    loaded_data ld = data_load(a.data, base.threads, a.quiet, *need_time);
    if (!a.quiet && !done.empty())
        std::fprintf(stderr, "mfrec: tune: %zu of %zu trials read from %s\n", done.size(), configs.size(),
                     log_path.c_str());

    std::vector<trial_record> trials;
    progress_bar bar("tune", (int64_t) configs.size(), a.quiet);
    auto better = [&](double x, double y) { return mc.higher_better ? x > y : x < y; };
    int64_t best = -1;
    for (size_t t = 0; t < configs.size(); ++t) {
        trial_record r;
        auto it = done.find((int64_t) t + 1);
        if (it != done.end()) {
            r = it->second;
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            fit_options f = fo;
            if (status s = config_apply(f.params, configs[t]); !s) throw cli_error(s.error);
            if (status s = params_check(f.params); !s)
                throw cli_error("trial " + std::to_string(t + 1) + ": " + s.error);
            r.trial = (int64_t) t + 1;
            r.config = config_text(configs[t]);
            r.value = fit_and_score(ld.d, f, mc, nullptr);
            r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (logf) {
                std::fputs(tune_log_line(r).c_str(), logf);
                std::fflush(logf);
            }
        }
        trials.push_back(r);
        if (best < 0 || better(r.value, trials[(size_t) best].value)) best = (int64_t) t;
        bar.update((int64_t) t + 1, "best " + mc.name + " " + fmt_num(trials[(size_t) best].value, 4));
    }
    bar.finish();
    if (logf) std::fclose(logf);
    const trial_config & best_config = configs[(size_t) best];

    // the chosen configuration on the whole training part, measured once on the test part
    bool has_final = false;
    double final_test = 0;
    if (!a.out.empty()) {
        fit_options f = fo;
        f.validate.clear();
        if (status s = config_apply(f.params, best_config); !s) throw cli_error(s.error);
        model m;
        final_test = fit_and_score(ld.d, f, mc, &m);
        has_final = true;
        model_save_path(m, a.out);
    }

    const std::string val_key = "validation_" + mc.name;
    if (fmt == out_format::json) {
        auto params_json = [](const trial_config & c) {
            std::string o = "{";
            for (size_t q = 0; q < c.size(); ++q) {
                const param_spec * s = param_find(c[q].first);
                const bool text = s->type == param_type::choice || s->type == param_type::flag;
                o += (q ? ", " : "") + json_escape(c[q].first) + ": " + (text ? json_escape(c[q].second) : c[q].second);
            }
            return o + "}";
        };
        json_object j;
        j.str("model", kind->name);
        j.str("search", a.search);
        j.str("space", sp->text);
        j.str("metric", mc.name);
        j.str("split", a.data.split);
        j.str("validate", fo.validate);
        j.integer("seed", (long long) a.data.seed);
        std::string ts = "[";
        for (size_t t = 0; t < trials.size(); ++t)
            ts += std::string(t ? ",\n    " : "\n    ") + "{\"trial\": " + std::to_string(trials[t].trial) +
                  ", \"params\": " + params_json(configs[t]) + ", \"validation\": " + fmt_num(trials[t].value, 6) +
                  ", \"seconds\": " + fmt_num(trials[t].seconds, 3) + "}";
        j.raw("trials", ts + "\n  ]");
        j.integer("best_trial", (long long) best + 1);
        j.raw("best_params", params_json(best_config));
        j.num("best_validation", trials[(size_t) best].value);
        if (!log_path.empty()) j.str("log", log_path);
        if (has_final) {
            j.str("out", a.out);
            j.num("test_" + mc.name, final_test);
        }
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    t.col("trial", true);
    for (const space_dim & d : sp->dims) t.col(d.name, true);
    t.col(val_key, true);
    t.col("seconds", true);
    t.col("best", false);
    for (size_t q = 0; q < trials.size(); ++q) {
        std::vector<std::string> row = {std::to_string(trials[q].trial)};
        for (const auto & kv : configs[q]) row.push_back(kv.second);
        row.push_back(fmt_num(trials[q].value, 4));
        row.push_back(fmt_num(trials[q].seconds, 2));
        row.push_back((int64_t) q == best ? "*" : "");
        t.rows.push_back(row);
    }
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) {
        std::printf(
            "%s search of %zu trials, %s model; each trained on split %s's training part minus a validation "
            "part (%s) and scored on it\n",
            a.search.c_str(), trials.size(), kind->name, a.data.split.c_str(), fo.validate.c_str());
        std::printf("best: trial %lld, %s, validation %s %.4f\n", (long long) best + 1,
                    config_text(best_config).c_str(), mc.name.c_str(), trials[(size_t) best].value);
        if (has_final)
            std::printf("retrained on the whole training part: test %s %.4f; model written to %s\n", mc.name.c_str(),
                        final_test, a.out.c_str());
        if (!log_path.empty()) std::printf("trials logged in %s (a rerun resumes from it)\n", log_path.c_str());
    }
}

}  // namespace

void cli_add_tune(CLI::App & app) {
    auto a = std::make_shared<tune_args>();
    CLI::App * c = app.add_subcommand(
        "tune", "search hyperparameters on a validation part of the training data (never the test part)");
    a->cmd = c;
    data_args_add(c, a->data, true);
    c->add_option("--model", a->model, "model kind (" + kind_names_text() + ")")->capture_default_str();
    c->add_option("--space", a->space,
                  "NAME=v1,v2 | NAME=lo:hi | NAME=log:lo:hi joined by ';' (default: the kind's, e.g. "
                  "factors=16,32,64,128;regularization=log:3:30;reg_bias=log:1:20;genre_prior=0:2)");
    c->add_option("--search", a->search, "random (trial 1: the kind's defaults) | grid")->capture_default_str();
    c->add_option("--trials", a->trials, "trials of a random search (a grid: at most this many points)")
        ->capture_default_str();
    c->add_option("--grid-points", a->grid_points, "grid: values of each range")->capture_default_str();
    c->add_option("--metric", a->metric,
                  "rmse | mae | ndcg_at_10 | precision_at_K | recall_at_K | map_at_K | "
                  "hit_rate_at_K | mrr | auc")
        ->capture_default_str();
    c->add_option("--validate", a->validate,
                  "the validation split carved from the training part (default: random:0.2, or user-time:0.2 "
                  "for a time split)");
    c->add_option("--log", a->log, "append finished trials here and resume from it (default: OUT.trials.tsv)");
    c->add_option("--out,-o", a->out, "train the best configuration on the whole training part and write it here");
    params_options_add(c, a->param_text, a->param_flag);
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { tune_run(*a); });
}

}  // namespace mf

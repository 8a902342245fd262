// mfrec train / mfrec eval: arguments -> core pipeline (pipeline.h) -> printed results.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "cli_common.h"
#include "params.h"
#include "pipeline.h"
#include "progress.h"
#include "report.h"

namespace mf {

namespace {

struct train_args {
    data_args data;
    std::string model = kind_name(kind_default());
    std::string out;
    std::string format = "table";
    std::map<std::string, std::string> param_text;  // the table's options as given
    std::map<std::string, bool> param_flag;
    std::string validate;  // carve a validation part out of the training part (tuning)
    std::string report;    // directory of an HTML report of this run (report.h)
    bool baselines = false;
    bool quiet = false;
    CLI::App * cmd = nullptr;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void train_run(train_args & a) {
    out_format fmt = out_format_parse(a.format);
    fit_options fo;
    fo.params = params_from_cli(a.cmd, a.model, a.param_text, a.param_flag, a.quiet);
    fo.split = a.data.split;
    fo.seed = a.data.seed;
    fo.validate = a.validate;
    fo.baselines = a.baselines;
    const train_params & p = fo.params;
    status pc = params_check(p);
    if (!pc) throw cli_error(pc.error);
    if (!a.out.empty()) output_check_writable(a.out);  // before the work, not after it
    if (!a.report.empty() && !report_available()) (void) report_write(a.report, report_input{}, true);  // says why

    auto t_all = std::chrono::steady_clock::now();
    result<bool> need_time = pipeline_needs_time(fo.split, fo.validate, p.kind);
    if (!need_time) throw cli_error(need_time.error());
    // a report plots ratings over time
    loaded_data ld = data_load(a.data, p.threads, a.quiet, *need_time || !a.report.empty());
    const bool show_epochs = !a.quiet && (fmt == out_format::table || stderr_is_tty());
    const int total_epochs = p.kind == model_kind::mean    ? 1
                             : p.kind == model_kind::bayes ? p.burn_in + p.samples  // Gibbs sweeps
                                                           : p.iterations;
    const int64_t n_ratings = ld.d.size();
    // the ratings are freed once the training matrix is built (peak memory), except for a
    // report, which plots the data and measures the model on the held-out part after training
    const epoch_callback on_epoch = [&](const epoch_report & r) {
        if (!show_epochs) return;
        if (r.test_rmse >= 0)
            std::fprintf(stderr, "epoch %3d/%d  %7.3fs  train RMSE %.4f  %s RMSE %.4f\n", r.epoch, total_epochs,
                         r.seconds, r.train_rmse, fo.validate.empty() ? "test" : "validation", r.test_rmse);
        else
            std::fprintf(stderr, "epoch %3d/%d  %7.3fs  train RMSE %.4f\n", r.epoch, total_epochs, r.seconds,
                         r.train_rmse);
    };
    result<fit_result> fr =
        a.report.empty() ? pipeline_fit_release(ld.d, fo, on_epoch) : pipeline_fit(ld.d, fo, on_epoch);
    if (!fr) throw cli_error(fr.error());
    if (!a.quiet)
        std::fprintf(stderr,
                     "mfrec: %s: %lld ratings, %d users, %d movies (%s%.2fs); split %s: %lld train, %lld test\n",
                     a.data.dir.c_str(), (long long) n_ratings, ld.d.users.size(), ld.d.items.size(),
                     ld.report.from_cache ? "from cache, " : "", ld.seconds, a.data.split.c_str(),
                     (long long) fr->n_train, (long long) fr->n_test);
    if (!a.out.empty()) model_save_path(fr->m, a.out);
    if (!a.report.empty()) {
        report_input in;
        in.d = &ld.d;
        in.data_name = a.data.dir;
        in.split = a.data.split;
        in.seed = a.data.seed;
        in.test = fr->split.test;
        if (!in.test.empty()) in.models.emplace_back(kind_name(p.kind), &fr->m);
        in.epochs = fr->epochs;
        (void) report_write(a.report, in, a.quiet);
    }
    const double total_seconds = seconds_since(t_all);

    std::vector<double> epoch_seconds, test_by_epoch, train_by_epoch;
    for (const epoch_report & r : fr->epochs) {
        epoch_seconds.push_back(r.seconds);
        train_by_epoch.push_back(r.train_rmse);
        test_by_epoch.push_back(r.test_rmse);
    }
    // a kind fitted without epochs (pop, ease) has no training error: null / empty, not 0
    const bool has_train_rmse = !train_by_epoch.empty();
    const double train_rmse = has_train_rmse ? train_by_epoch.back() : 0.0;
    const train_params & mp = fr->m.params;  // as trained (hybrid: the chosen blend)
    if (fmt == out_format::json) {
        json_object j;
        j.str("model", kind_name(p.kind));
        j.integer("factors", fr->m.k);
        for (const param_spec & s : param_specs()) {
            if (!s.saved || std::string(s.name) == "factors" || std::string(s.name) == "seed") continue;
            if (s.type == param_type::choice)
                j.str(s.name, param_text(mp, s));
            else if (s.type == param_type::flag)
                j.raw(s.name, param_get(mp, s) != 0 ? "true" : "false");
            else if (s.type == param_type::integer)
                j.integer(s.name, (long long) param_get(mp, s));
            else
                j.num(s.name, param_get(mp, s), 4);
        }
        j.str("split", a.data.split);
        if (!a.validate.empty()) j.str("validate", a.validate);
        j.integer("seed", (long long) a.data.seed);
        j.num("rating_min", fr->m.scale.min, 2);
        j.num("rating_max", fr->m.scale.max, 2);
        j.integer("n_train", (long long) fr->n_train);
        j.integer("n_test", (long long) fr->n_test);
        j.integer("duplicates", (long long) ld.report.duplicates);
        j.raw("train_rmse", has_train_rmse ? fmt_num(train_rmse, 6) : "null");
        j.raw("test_rmse", fr->has_test ? fmt_num(fr->test.rmse, 6) : "null");
        j.raw("test_mae", fr->has_test ? fmt_num(fr->test.mae, 6) : "null");
        for (auto & b : fr->baselines) j.num(b.first == "biases" ? "bias_test_rmse" : "mean_test_rmse", b.second.rmse);
        j.num("load_seconds", ld.seconds, 4);
        j.raw("from_cache", ld.report.from_cache ? "true" : "false");
        j.num("matrix_seconds", fr->matrix_seconds, 4);  // the training CSR and CSC
        j.num("seconds", fr->train_seconds, 4);
        j.num("total_seconds", total_seconds, 4);
        j.raw("epoch_seconds", json_array(epoch_seconds, 4));
        j.raw("train_rmse_by_epoch", json_array(train_by_epoch));
        j.raw("test_rmse_by_epoch", fr->has_test ? json_array(test_by_epoch) : "[]");
        // early stopping: the validation part's curve that chose the epoch count (null: off)
        j.raw("best_epoch", fr->best_epoch > 0 ? std::to_string(fr->best_epoch) : "null");
        j.integer("n_validation", (long long) fr->n_validation);
        j.raw("validation_rmse_by_epoch", json_array(fr->validation_rmse));
        if (!a.out.empty()) j.str("out", a.out);
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    t.col("model", false);
    t.col("train_rmse", true);
    t.col("test_rmse", true);
    t.col("test_mae", true);
    for (auto & b : fr->baselines) t.rows.push_back({b.first, "", fmt_num(b.second.rmse, 4), fmt_num(b.second.mae, 4)});
    std::string name = kind_name(p.kind);
    if (fr->m.k > 0) name += " k=" + std::to_string(fr->m.k);
    if (p.kind == model_kind::als) name += " tau=" + fmt_num(p.genre_prior, 2);
    if (p.kind == model_kind::hybrid) name += " blend=" + fmt_num(mp.blend, 2);
    t.rows.push_back({name, has_train_rmse ? fmt_num(train_rmse, 4) : "", fr->has_test ? fmt_num(fr->test.rmse, 4) : "",
                      fr->has_test ? fmt_num(fr->test.mae, 4) : ""});
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) {
        std::printf("train %lld ratings, test %lld; training %.2fs (%d epochs), total %.2fs%s%s\n",
                    (long long) fr->n_train, (long long) fr->n_test, fr->train_seconds, (int) fr->epochs.size(),
                    total_seconds, a.out.empty() ? "" : "; model written to ", a.out.c_str());
        if (fr->best_epoch > 0)
            std::printf(
                "early stopping: %d epochs, the lowest RMSE on a validation part of %lld training ratings "
                "(%.4f); retrained on all of them\n",
                (int) fr->best_epoch, (long long) fr->n_validation, fr->validation_rmse[(size_t) fr->best_epoch - 1]);
        if (ld.report.duplicates > 0)
            std::printf("(%lld repeated (user, movie) ratings: the last one of each was kept)\n",
                        (long long) ld.report.duplicates);
    }
}

struct eval_args {
    data_args data;
    std::string model_path;
    std::string format = "table";
    std::string metrics = "rating,ranking";
    int32_t k = 10;
    double relevant_min = -1e30;
    int32_t sampled_negatives = 0;
    std::string validate;  // the validation part of train --validate (tuning)
    int threads = 0;
    bool quiet = false;
};

void eval_run(eval_args & a) {
    out_format fmt = out_format_parse(a.format);
    threads_check(a.threads);
    // every argument is checked before the model and the data are loaded (seconds at full scale)
    eval_options eo;
    eo.threads = a.threads;
    eo.rating = eo.ranking = false;
    for (const std::string & w : split_list(a.metrics)) {
        if (w == "rating")
            eo.rating = true;
        else if (w == "ranking")
            eo.ranking = true;
        else if (w == "similar")
            eo.similar = true;
        else
            throw cli_error("--metrics '" + w + "': expected rating, ranking, similar or a list (rating,ranking)");
    }
    if (a.k < 1 || a.k > 10000) throw cli_error("--k must be within 1..10000");
    if (a.sampled_negatives < 0) throw cli_error("--sampled-negatives must be 0 (the full catalogue) or more");
    model m = model_load_path(a.model_path);
    result<bool> need_time = pipeline_needs_time(a.data.split, a.validate);
    if (!need_time) throw cli_error(need_time.error());
    loaded_data ld = data_load(a.data, a.threads, a.quiet, *need_time);
    result<split_result> sp = pipeline_split(ld.d, a.data.split, a.data.seed, a.validate);
    if (!sp) throw cli_error(sp.error());
    // with a split, the held-out part (with --validate, the validation part carved out of the
    // training part, as train --validate held it out); with --split none, every rating of the file
    const std::vector<int64_t> & pos = a.data.split == "none" && a.validate.empty() ? sp->train : sp->test;
    eo.rank.k = a.k;
    eo.rank.relevant_min = a.relevant_min <= -1e29 ? -INFINITY : (float) a.relevant_min;
    eo.rank.sampled_negatives = a.sampled_negatives;
    eo.rank.seed = a.data.seed;
    result<eval_report> rep = pipeline_evaluate(m, ld.d, pos, eo);
    if (!rep) throw cli_error(rep.error());
    const std::string K = std::to_string(a.k);
    struct row {
        std::string key;
        metric_value v;
        bool ci;
    };
    std::vector<row> rows;
    if (rep->has_ranking) {
        const ranking_report & r = rep->ranking;
        rows = {{"precision_at_" + K, r.precision, true},
                {"recall_at_" + K, r.recall, true},
                {"ndcg_at_" + K, r.ndcg, true},
                {"map_at_" + K, r.map, true},
                {"hit_rate_at_" + K, r.hit_rate, true},
                {"mrr", r.mrr, true},
                {"auc", r.auc, true},
                {"coverage_at_" + K, {r.coverage, r.coverage, r.coverage, 1}, false},
                {"novelty_at_" + K, r.novelty, true}};
    }
    if (fmt == out_format::json) {
        json_object j;
        j.str("model", a.model_path);
        j.str("split", a.data.split);
        if (!a.validate.empty()) j.str("validate", a.validate);
        j.integer("n_test", (long long) rep->n_test);
        j.integer("skipped_unknown_movies", (long long) rep->skipped_unknown_items);
        if (eo.rating) {
            j.raw("rmse", rep->has_rating ? fmt_num(rep->rating.rmse, 6) : "null");
            j.raw("mae", rep->has_rating ? fmt_num(rep->rating.mae, 6) : "null");
            // the names of earlier versions
            j.raw("test_rmse", rep->has_rating ? fmt_num(rep->rating.rmse, 6) : "null");
            j.raw("test_mae", rep->has_rating ? fmt_num(rep->rating.mae, 6) : "null");
        }
        if (rep->has_sd) {  // calibration of the predictive sd (core/calibration.h)
            j.num("coverage_1sd", rep->calib.coverage_1sd);
            j.num("coverage_2sd", rep->calib.coverage_2sd);
            j.raw("rmse_by_sd_quartile", json_array(rep->calib.rmse_by_sd_quartile));
            j.raw("sd_by_quartile", json_array(rep->calib.sd_by_quartile));
        }
        if (rep->has_ranking) {
            j.integer("k", a.k);
            j.integer("n_users", (long long) rep->ranking.n_users);
            if (a.sampled_negatives > 0) j.integer("sampled_negatives", a.sampled_negatives);
            for (const row & r : rows) {
                j.num(r.key, r.v.mean);
                if (r.ci) j.raw(r.key + "_ci", "[" + fmt_num(r.v.ci_low, 6) + ", " + fmt_num(r.v.ci_high, 6) + "]");
            }
        }
        if (rep->has_similar) {
            const eval_report::similar_report & sr = rep->similar;
            j.integer("similar_pairs", (long long) sr.pairs);
            j.num("similar_hit_at_20", sr.hit_at_20.mean);
            j.raw("similar_hit_at_20_ci",
                  "[" + fmt_num(sr.hit_at_20.ci_low, 6) + ", " + fmt_num(sr.hit_at_20.ci_high, 6) + "]");
            j.num("similar_median_count_at_10", sr.median_count_at_10);
        }
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    t.col("metric", false);
    t.col("value", true);
    t.col("ci_low", true);
    t.col("ci_high", true);
    if (rep->has_rating) {
        t.rows.push_back({"rmse", fmt_num(rep->rating.rmse, 4), "", ""});
        t.rows.push_back({"mae", fmt_num(rep->rating.mae, 4), "", ""});
    }
    if (rep->has_sd) {
        t.rows.push_back({"coverage_1sd", fmt_num(rep->calib.coverage_1sd, 4), "", ""});
        t.rows.push_back({"coverage_2sd", fmt_num(rep->calib.coverage_2sd, 4), "", ""});
        for (int q = 0; q < 4; ++q)
            t.rows.push_back(
                {"rmse_sd_quartile_" + std::to_string(q + 1), fmt_num(rep->calib.rmse_by_sd_quartile[q], 4), "", ""});
    }
    for (const row & r : rows)
        t.rows.push_back(
            {r.key, fmt_num(r.v.mean, 4), r.ci ? fmt_num(r.v.ci_low, 4) : "", r.ci ? fmt_num(r.v.ci_high, 4) : ""});
    if (rep->has_similar) {
        const metric_value & h = rep->similar.hit_at_20;
        t.rows.push_back({"similar_hit_at_20", fmt_num(h.mean, 4), fmt_num(h.ci_low, 4), fmt_num(h.ci_high, 4)});
        t.rows.push_back({"similar_median_count_at_10", fmt_num(rep->similar.median_count_at_10, 1), "", ""});
    }
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) {
        std::printf("%lld held-out ratings", (long long) rep->n_test);
        if (rep->has_ranking)
            std::printf("; ranking over the full catalogue%s for %lld users (95%% CIs)",
                        a.sampled_negatives > 0 ? " (sampled negatives)" : "", (long long) rep->ranking.n_users);
        std::printf("\n");
        if (rep->skipped_unknown_items > 0)
            std::printf("(%lld ratings of movies unknown to the model were skipped)\n",
                        (long long) rep->skipped_unknown_items);
    }
}

}  // namespace

void cli_add_train(CLI::App & app) {
    auto a = std::make_shared<train_args>();
    CLI::App * c = app.add_subcommand("train", "train a model (" + kind_names_text() + ")");
    a->cmd = c;
    data_args_add(c, a->data, true);
    std::string kinds;
    for (const kind_ops * k : kind_list())
        kinds += std::string(kinds.empty() ? "" : " | ") + k->name + ": " + k->summary;
    c->add_option("--model", a->model, kinds)->capture_default_str();
    params_options_add(c, a->param_text, a->param_flag);
    c->add_option("--out,-o", a->out, "write the model here (atomically)");
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_option("--validate", a->validate,
                  "tuning: hold out this split of the TRAINING part and report it as test (the test part is unused)");
    c->add_option("--report", a->report, "also write an HTML report of the data and this run here (DIR/index.html)");
    c->add_flag("--baselines", a->baselines, "also report the global-mean and bias baselines on the same split");
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { train_run(*a); });
}

void cli_add_eval(CLI::App & app) {
    auto a = std::make_shared<eval_args>();
    CLI::App * c = app.add_subcommand(
        "eval", "evaluate a model on the held-out part of a split (or a whole file with --split none)");
    c->add_option("--model", a->model_path, "model file")->required();
    data_args_add(c, a->data, true);
    c->add_option("--metrics", a->metrics,
                  "rating, ranking, similar (the held-out co-rating test of similar movies), or a list: rating,ranking")
        ->capture_default_str();
    c->add_option("--k", a->k, "cut-off of the top-K metrics")->capture_default_str();
    c->add_option("--relevant-min", a->relevant_min,
                  "a held-out rating counts as relevant from this value on (default: any held-out rating)");
    c->add_option("--sampled-negatives", a->sampled_negatives,
                  "rank each user's held-out movies against N sampled unseen movies (as papers do; 0 = the full "
                  "catalogue, the default)");
    c->add_option("--validate", a->validate,
                  "tuning: evaluate on the validation part that train --validate SPEC held out of the TRAINING part "
                  "(same --split, --seed and SPEC; the test part is unused)");
    c->add_option("--threads", a->threads, "threads (0 = all cores)");
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { eval_run(*a); });
}

}  // namespace mf

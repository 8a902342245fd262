// mfrec train / mfrec eval
#include "cli_common.h"
#include "metrics.h"
#include "progress.h"

#include <chrono>
#include <cstdio>
#include <memory>

namespace mf {

namespace {

struct train_args {
    data_args data;
    std::string model = "als";
    std::string solver = "cholesky";
    std::string out;
    std::string format = "table";
    train_params p;
    std::string validate;  // carve a validation part out of the training part (tuning)
    bool baselines = false;
    bool quiet = false;
};

// Replaces the split by (training part minus validation, validation): the validation part is a
// split of the training ratings only, so tuning never sees the test part.
void split_validation(loaded_data & ld, const std::string & spec_text, uint64_t seed) {
    result<split_spec> spec = split_parse(spec_text);
    if (!spec) throw cli_error("--validate: " + spec.error());
    dataset sub;
    sub.users = ld.d.users;
    sub.reserve(ld.split.train.size());
    const bool has_time = !ld.d.time.empty();  // loaded when the validation split needs them
    for (int64_t p : ld.split.train) sub.push(ld.d.user[p], ld.d.item[p], ld.d.rating[p], has_time ? ld.d.time[p] : 0);
    split_result inner = split_apply(sub, *spec, seed ^ 0x5EEDull);
    split_result out;
    for (int64_t q : inner.train) out.train.push_back(ld.split.train[q]);
    for (int64_t q : inner.test) out.test.push_back(ld.split.train[q]);
    ld.split = std::move(out);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

model_kind kind_parse(const std::string & s) {
    if (s == "mean") return model_kind::mean;
    if (s == "bias") return model_kind::bias;
    if (s == "als") return model_kind::als;
    throw cli_error("--model '" + s + "': expected mean, bias or als");
}

void train_run(train_args & a) {
    out_format fmt = out_format_parse(a.format);
    a.p.kind = kind_parse(a.model);
    if (a.solver == "cholesky") a.p.solver = solver_kind::cholesky;
    else if (a.solver == "cg") a.p.solver = solver_kind::cg;
    else throw cli_error("--solver '" + a.solver + "': expected cholesky or cg");
    if (a.p.factors < 1 || a.p.factors > 1024) throw cli_error("--factors must be within 1..1024");
    if (a.p.iterations < 1 || a.p.iterations > 10000) throw cli_error("--iterations must be within 1..10000");
    if (!(a.p.reg >= 0) || !(a.p.reg_bias >= 0) || !(a.p.reg_genre > 0) || !(a.p.genre_prior >= 0))
        throw cli_error("regularization values must be >= 0 (and --reg-genre > 0)");
    if (a.p.reg == 0 && a.p.kind == model_kind::als)
        throw cli_error("--regularization 0 makes the ridge systems singular; use a positive value");
    a.p.seed = a.data.seed;

    auto t_all = std::chrono::steady_clock::now();
    bool validate_time = false;
    if (!a.validate.empty()) {
        result<split_spec> vs = split_parse(a.validate);
        if (!vs) throw cli_error("--validate: " + vs.error());
        validate_time = split_needs_time(*vs);
    }
    loaded_data ld = data_load(a.data, a.p.threads, a.quiet, validate_time);
    if (!a.validate.empty()) split_validation(ld, a.validate, a.data.seed);
    auto t_matrix = std::chrono::steady_clock::now();
    rating_matrix train = rating_matrix_build(ld.d, ld.split.train, false, a.p.threads);
    const double matrix_seconds = seconds_since(t_matrix);
    model shell;  // id maps for the test set: the model's rows are the dataset's rows
    shell.user_ids = ld.d.users.ids;
    shell.items_info = ld.d.items;
    test_set test = test_set_for_model(shell, ld.d, ld.split.test, nullptr);
    if (!a.quiet)
        std::fprintf(stderr, "mfrec: %s: %lld ratings, %d users, %d movies (%s%.2fs); split %s: %lld train, %lld test\n",
                     a.data.dir.c_str(), (long long) ld.d.size(), ld.d.users.size(), ld.d.items.size(),
                     ld.report.from_cache ? "from cache, " : "", ld.seconds, a.data.split.c_str(),
                     (long long) ld.split.train.size(), (long long) ld.split.test.size());

    json_object j;
    std::vector<std::pair<std::string, accuracy>> base;
    if (a.baselines && test.size() > 0) {
        train_params bp = a.p;
        bp.kind = model_kind::mean;
        base.emplace_back("global mean", model_accuracy(model_train(train, ld.d.items, ld.d.users.ids, bp), test, bp.threads));
        bp.kind = model_kind::bias;
        base.emplace_back("biases", model_accuracy(model_train(train, ld.d.items, ld.d.users.ids, bp), test, bp.threads));
    }

    std::vector<double> epoch_seconds, test_by_epoch, train_by_epoch;
    const bool show_epochs = !a.quiet && (fmt == out_format::table || stderr_is_tty());
    auto t_train = std::chrono::steady_clock::now();
    model m = model_train(train, ld.d.items, ld.d.users.ids, a.p, &test, [&](const epoch_report & r) {
        epoch_seconds.push_back(r.seconds);
        train_by_epoch.push_back(r.train_rmse);
        test_by_epoch.push_back(r.test_rmse);
        if (show_epochs) {
            if (r.test_rmse >= 0)
                std::fprintf(stderr, "epoch %3d/%d  %7.3fs  train RMSE %.4f  test RMSE %.4f\n", r.epoch,
                             a.p.kind == model_kind::mean ? 1 : a.p.iterations, r.seconds, r.train_rmse, r.test_rmse);
            else
                std::fprintf(stderr, "epoch %3d/%d  %7.3fs  train RMSE %.4f\n", r.epoch,
                             a.p.kind == model_kind::mean ? 1 : a.p.iterations, r.seconds, r.train_rmse);
        }
    });
    double train_seconds = seconds_since(t_train);
    accuracy acc = test.size() > 0 ? model_accuracy(m, test, a.p.threads) : accuracy{};
    if (!a.out.empty()) model_save_path(m, a.out);
    double total_seconds = seconds_since(t_all);

    double train_rmse = train_by_epoch.empty() ? 0.0 : train_by_epoch.back();
    if (fmt == out_format::json) {
        j.str("model", model_kind_name(a.p.kind));
        j.integer("factors", m.k);
        j.integer("iterations", a.p.iterations);
        j.num("regularization", a.p.reg, 4);
        j.num("reg_bias", a.p.reg_bias, 4);
        j.num("genre_prior", a.p.genre_prior, 4);
        j.str("solver", solver_kind_name(a.p.solver));
        j.str("split", a.data.split);
        if (!a.validate.empty()) j.str("validate", a.validate);
        j.integer("seed", (long long) a.data.seed);
        j.integer("n_train", (long long) ld.split.train.size());
        j.integer("n_test", (long long) test.size());
        j.num("train_rmse", train_rmse);
        j.raw("test_rmse", test.size() > 0 ? fmt_num(acc.rmse, 6) : "null");
        j.raw("test_mae", test.size() > 0 ? fmt_num(acc.mae, 6) : "null");
        for (auto & b : base) j.num(b.first == "biases" ? "bias_test_rmse" : "mean_test_rmse", b.second.rmse);
        j.num("load_seconds", ld.seconds, 4);
        j.raw("from_cache", ld.report.from_cache ? "true" : "false");
        j.num("matrix_seconds", matrix_seconds, 4);  // the training CSR and CSC
        j.num("seconds", train_seconds, 4);
        j.num("total_seconds", total_seconds, 4);
        j.raw("epoch_seconds", json_array(epoch_seconds, 4));
        j.raw("train_rmse_by_epoch", json_array(train_by_epoch));
        j.raw("test_rmse_by_epoch", test.size() > 0 ? json_array(test_by_epoch) : "[]");
        if (!a.out.empty()) j.str("out", a.out);
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    t.col("model", false);
    t.col("train_rmse", true);
    t.col("test_rmse", true);
    t.col("test_mae", true);
    for (auto & b : base) t.rows.push_back({b.first, "", fmt_num(b.second.rmse, 4), fmt_num(b.second.mae, 4)});
    std::string name = std::string(model_kind_name(a.p.kind));
    if (a.p.kind == model_kind::als)
        name += " k=" + std::to_string(m.k) + " tau=" + fmt_num(a.p.genre_prior, 2);
    t.rows.push_back({name, fmt_num(train_rmse, 4), test.size() > 0 ? fmt_num(acc.rmse, 4) : "",
                      test.size() > 0 ? fmt_num(acc.mae, 4) : ""});
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) {
        std::printf("train %lld ratings, test %lld; training %.2fs (%d epochs), total %.2fs%s%s\n",
                    (long long) ld.split.train.size(), (long long) test.size(), train_seconds,
                    (int) epoch_seconds.size(), total_seconds, a.out.empty() ? "" : "; model written to ",
                    a.out.c_str());
    }
}

struct eval_args {
    data_args data;
    std::string model_path;
    std::string format = "table";
    int threads = 0;
    bool quiet = false;
};

void eval_run(eval_args & a) {
    out_format fmt = out_format_parse(a.format);
    model m = model_load_path(a.model_path);
    loaded_data ld = data_load(a.data, a.threads, a.quiet);
    int64_t skipped = 0;
    // with a split, the held-out part; with --split none, every rating of the file
    const std::vector<int64_t> & pos = a.data.split == "none" ? ld.split.train : ld.split.test;
    test_set test = test_set_for_model(m, ld.d, pos, &skipped);
    accuracy acc = model_accuracy(m, test, a.threads);
    if (fmt == out_format::json) {
        json_object j;
        j.str("model", a.model_path);
        j.str("split", a.data.split);
        j.integer("n_test", (long long) test.size());
        j.integer("skipped_unknown_movies", (long long) skipped);
        j.num("test_rmse", acc.rmse);
        j.num("test_mae", acc.mae);
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    out_table t;
    t.col("ratings", true);
    t.col("rmse", true);
    t.col("mae", true);
    t.rows.push_back({std::to_string(test.size()), fmt_num(acc.rmse, 4), fmt_num(acc.mae, 4)});
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (skipped > 0 && fmt == out_format::table)
        std::printf("(%lld ratings of movies unknown to the model were skipped)\n", (long long) skipped);
}

}  // namespace

void cli_add_train(CLI::App & app) {
    auto a = std::make_shared<train_args>();
    CLI::App * c = app.add_subcommand("train", "train a model (mean, biases, or ALS with biases and a genre prior)");
    data_args_add(c, a->data, true);
    c->add_option("--model", a->model, "mean | bias | als")->capture_default_str();
    c->add_option("--factors,-k", a->p.factors, "latent factors (Spark: rank)")->capture_default_str();
    c->add_option("--iterations", a->p.iterations, "ALS epochs (Spark: maxIter)")->capture_default_str();
    c->add_option("--regularization,--lambda", a->p.reg, "lambda on the factors (Spark: regParam, but unscaled)")
        ->capture_default_str();
    c->add_option("--reg-bias", a->p.reg_bias, "lambda_b on the biases")->capture_default_str();
    c->add_option("--genre-prior,--tau", a->p.genre_prior, "tau: weight of the genre prior (0 = plain biased ALS)")
        ->capture_default_str();
    c->add_option("--reg-genre", a->p.reg_genre, "lambda_g on the genre vectors")->capture_default_str();
    c->add_flag("--reg-by-count", a->p.reg_by_count, "ALS-WR: scale lambda by each row's rating count");
    c->add_option("--solver", a->solver,
                  "cholesky (exact) | cg (warm-started conjugate gradient; exact for rows whose packed partners "
                  "exceed 1 MiB at small k, where that is cheaper)")->capture_default_str();
    c->add_option("--cg-steps", a->p.cg_steps, "conjugate-gradient steps per row (warm-started)")->capture_default_str();
    c->add_option("--threads", a->p.threads, "threads (0 = all cores)")->capture_default_str();
    c->add_option("--out,-o", a->out, "write the model here (atomically)");
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_option("--validate", a->validate,
                  "tuning: hold out this split of the TRAINING part and report it as test (the test part is unused)");
    c->add_flag("--baselines", a->baselines, "also report the global-mean and bias baselines on the same split");
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { train_run(*a); });
}

void cli_add_eval(CLI::App & app) {
    auto a = std::make_shared<eval_args>();
    CLI::App * c = app.add_subcommand("eval", "evaluate a model on the held-out part of a split (or a whole file with --split none)");
    c->add_option("--model", a->model_path, "model file")->required();
    data_args_add(c, a->data, true);
    c->add_option("--threads", a->threads, "threads (0 = all cores)");
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { eval_run(*a); });
}

}  // namespace mf

// cli_synth.cpp - `mfrec synth`: a synthetic MovieLens-like ratings file with a known floor RMSE.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli.h"
#include "output.h"
#include "progress.h"
#include "synth.h"

namespace mf {

namespace {

struct synth_args {
    synth_options opt;
    std::string movies, out;
    bool quiet = false;
};

std::string percent(int64_t part, int64_t whole) {
    return fmt_num(100.0 * (double) part / (double) whole, 1) + "%";
}

void run_synth(const synth_args & a) {
    auto t0 = std::chrono::steady_clock::now();
    std::unique_ptr<progress_bar> bar;
    synth_stats st = synth_write(a.opt, a.movies, a.out, [&](int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<progress_bar>("synth", total, a.quiet);
        bar->update(done);
    });
    if (bar) bar->finish();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::string hist;
    for (int j = 0; j < 10; ++j)
        hist += (j ? "  " : "") + fmt_num(0.5 * (j + 1), 1) + ":" + percent(st.hist[j], st.ratings);
    std::printf("synth %s, seed %llu, %d factors\n", st.like.c_str(), (unsigned long long) a.opt.seed, a.opt.factors);
    std::printf("ratings     %lld\n", (long long) st.ratings);
    std::printf("users       %d  (ratings per user: min %d, mean %.1f, median %.1f, max %d)\n", st.users, st.user_min,
                st.user_mean, st.user_median, st.user_max);
    std::printf("movies      %d of %d in the catalog, %d rated  (ratings per rated movie: max %d, median %.1f)\n",
                st.movies, st.catalog_movies, st.movies_rated, st.movie_max, st.movie_median);
    std::printf("histogram   %s\n", hist.c_str());
    std::printf("mean        %.4f  (std %.4f = RMSE of the global mean)\n", st.mean_rating, st.rating_std);
    std::printf("noise       %.4f  (std of the Gaussian noise on the planted score)\n", st.noise);
    std::printf(
        "floor RMSE  %.4f  (best achievable: E[rating | planted score], exact over the noise; "
        "realised on this file %.4f; the planted score itself %.4f)\n",
        st.floor_rmse, st.floor_rmse_realized, st.clean_score_rmse);
    if (st.oracle) {
        auto pct = [](double x, double ref) { return 100.0 * (x / ref - 1.0); };
        std::printf(
            "oracle      %.4f  (+%.2f%% over the floor, +%.2f%% over its realisation %.4f on the same %lld "
            "test ratings, %.0f%%): movies known, each user's (b_u, p_u) estimated (posterior mean); "
            "predicting clamp(s^) %.4f\n",
            st.oracle_rmse, pct(st.oracle_rmse, st.floor_rmse), pct(st.oracle_rmse, st.oracle_floor_rmse_realized),
            st.oracle_floor_rmse_realized, (long long) st.oracle_test_ratings, 100 * st.oracle_test_share,
            st.oracle_rmse_clamp);
        if (std::isfinite(st.oracle_rmse_known_users))
            std::printf(
                "oracle      %.4f  (+%.2f%% over the realised floor): users known, each movie's (b_i, q_i) "
                "estimated\n",
                st.oracle_rmse_known_users, pct(st.oracle_rmse_known_users, st.oracle_floor_rmse_realized));
    }
    std::printf("seconds     %.2f\n", secs);
    std::printf("wrote       %s  (ratings.csv, movies.csv, synth.json)\n",
                std::filesystem::path(a.out).string().c_str());
    std::fflush(stdout);
}

}  // namespace

void cli_add_synth(CLI::App & app) {
    auto a = std::make_shared<synth_args>();
    CLI::App * cmd = app.add_subcommand(
        "synth", "Write a synthetic MovieLens-like ratings.csv with a planted model (known best achievable RMSE)");
    cmd->add_option("--like", a->opt.like, "Shape to imitate: ml-32m or ml-latest-small")
        ->required()
        ->check(CLI::IsMember({"ml-32m", "ml-latest-small"}));
    cmd->add_option("--movies", a->movies, "A MovieLens movies.csv: the catalog the ratings are about")->required();
    cmd->add_option("--out", a->out, "Output directory (ratings.csv, movies.csv, synth.json)")->required();
    cmd->add_option("--seed", a->opt.seed, "Random seed (same seed: byte-identical files)")->capture_default_str();
    cmd->add_option("--ratings", a->opt.ratings,
                    "Number of ratings; users and movies scale with it (default: the shape's own count)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--threads", a->opt.threads, "Threads (0: all; never changes the output)")->capture_default_str();
    cmd->add_option("--factors", a->opt.factors, "Factors of the planted model")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--factor-decay", a->opt.factor_decay, "Variance ratio of successive planted factors")
        ->capture_default_str()
        ->check(CLI::Range(0.001, 1.0));
    cmd->add_option("--noise", a->opt.noise, "Std of the Gaussian noise on the planted score")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_flag(
        "--no-oracle", [a](int64_t) { a->opt.oracle = false; },
        "Skip the oracle reference (the test RMSE with the movies' true parameters known)");
    cmd->add_flag("--quiet,-q", a->quiet, "No progress bar");
    cmd->callback([a]() { run_synth(*a); });
}

}  // namespace mf

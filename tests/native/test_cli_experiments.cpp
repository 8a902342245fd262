// test_cli_experiments.cpp - mfrec compare, tune, cv, anomalies and report end to end on
// data/ml-latest-small: the acceptance runs (smaller where the full one takes minutes),
// the JSON keys, resuming a search, bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "native/temp_dir.h"

namespace {

struct run_result {
    int code;
    std::string out, err;
};

run_result run(const std::string & args) {
    static int serial = 0;
    const std::string err_path = (std::filesystem::temp_directory_path() /
                                  ("mfrec-exp-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(serial++)))
                                     .string();
    const std::string cmd = std::string(MFREC_BINARY) + " " + args + " 2>" + err_path;
    run_result r{-1, "", ""};
    FILE * p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err_path, std::ios::binary);
    r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
    std::filesystem::remove(err_path);
    return r;
}

std::string run_ok(const std::string & args) {
    run_result r = run(args);
    INFO("mfrec " << args << "\n" << r.out << r.err);
    REQUIRE(r.code == 0);
    return r.out;
}

const std::string data = std::string("--data ") + MFREC_SOURCE_DIR + "/data/ml-latest-small";

// The number after "key": at or after `from` (JSON written by mfrec: no nesting of the same key).
double json_num(const std::string & s, const std::string & key, size_t from = 0) {
    const size_t at = s.find("\"" + key + "\":", from);
    INFO("key " << key << " in\n" << s);
    REQUIRE(at != std::string::npos);
    return std::strtod(s.c_str() + at + key.size() + 3, nullptr);
}

}  // namespace

TEST_CASE("compare: the default model against popularity on user-time:0.2, a CI for every metric", "[experiments]") {
    temp_dir t;
    const std::string split = " --split user-time:0.2 --seed 42 --quiet ";
    const std::string hyb = (t.path / "hyb.mfm").string(), pop = (t.path / "pop.mfm").string();
    run_ok("train " + data + split + "--out " + hyb);
    run_ok("train " + data + split + "--model pop --out " + pop);
    const std::string j = run_ok("compare " + pop + " " + hyb + " " + data + split + "--format json");
    for (const char * m : {"precision_at_10", "recall_at_10", "ndcg_at_10", "map_at_10", "hit_rate_at_10", "mrr", "auc",
                           "novelty_at_10"}) {
        INFO(m);
        const size_t at = j.find(std::string("\"") + m + "\": {");
        REQUIRE(at != std::string::npos);
        const double diff = json_num(j, "diff", at), lo = json_num(j, "ci_low", at), hi = json_num(j, "ci_high", at);
        REQUIRE(lo <= diff);
        REQUIRE(diff <= hi);
        REQUIRE(lo < hi);
        const double p = json_num(j, "p_value", at);
        REQUIRE(p > 0);
        REQUIRE(p <= 1);
    }
    // the list recommender beats popularity on NDCG@10: the interval excludes 0
    const size_t nd = j.find("\"ndcg_at_10\": {");
    REQUIRE(json_num(j, "ci_low", nd) > 0);
    REQUIRE(json_num(j, "p_value", nd) < 0.01);
    REQUIRE(j.find("\"verdict\": \"B is better on ndcg_at_10 by") != std::string::npos);
    // the same numbers whatever the thread count
    REQUIRE(run_ok("compare " + pop + " " + hyb + " " + data + split + "--format json --threads 1") ==
            run_ok("compare " + pop + " " + hyb + " " + data + split + "--format json --threads 2"));
    // a model against itself: no difference, p = 1
    const std::string same = run_ok("compare " + hyb + " " + hyb + " " + data + split + "--metric rmse");
    REQUIRE(same.find("no significant difference on rmse") != std::string::npos);
    // bad input
    run_result bad = run("compare " + hyb + " " + (t.path / "missing.mfm").string() + " " + data);
    REQUIRE(bad.code == 1);
    REQUIRE(bad.err.find("missing.mfm") != std::string::npos);
    bad = run("compare " + pop + " " + hyb + " " + data + split + "--metric rmse");
    REQUIRE(bad.code == 1);
    REQUIRE(bad.err.find("--metric 'rmse'") != std::string::npos);  // pop predicts no rating
    REQUIRE(run("compare " + pop + " " + hyb + " " + data + " --bootstrap 5").code == 1);
}

TEST_CASE("tune: trial 1 is the defaults scored on the validation part, the log resumes", "[experiments]") {
    temp_dir t;
    const std::string m = (t.path / "m.mfm").string();
    const std::string args = "tune " + data +
                             " --split random:0.2 --seed 42 --model als --iterations 4 --trials 3 --space "
                             "\"factors=8,16;regularization=log:3:30\" --format json --quiet --out " +
                             m;
    const std::string j = run_ok(args);
    for (const char * k : {"\"best_params\": {", "\"best_validation\":", "\"trials\": [", "\"test_rmse\":"})
        REQUIRE(j.find(k) != std::string::npos);
    REQUIRE(std::filesystem::exists(m));
    REQUIRE(std::filesystem::exists(m + ".trials.tsv"));
    // trial 1 = the defaults: the same number as train --validate (validation part of the training part)
    const std::string v = run_ok("train " + data +
                                 " --split random:0.2 --seed 42 --model als --iterations 4 --validate random:0.2 "
                                 "--format json --quiet");
    const size_t t1 = j.find("{\"trial\": 1,");
    REQUIRE(t1 != std::string::npos);
    REQUIRE(json_num(j, "validation", t1) == Approx(json_num(v, "test_rmse")).margin(2e-6));
    // the best is the lowest validation RMSE of the three
    double lowest = 1e9;
    for (int q = 1; q <= 3; ++q)
        lowest = std::min(lowest, json_num(j, "validation", j.find("{\"trial\": " + std::to_string(q) + ",")));
    REQUIRE(json_num(j, "best_validation") == Approx(lowest).margin(1e-6));
    // the written model is the best configuration on the whole training part: eval agrees
    const std::string e =
        run_ok("eval --model " + m + " " + data + " --split random:0.2 --seed 42 --format json --quiet");
    REQUIRE(json_num(e, "rmse") == Approx(json_num(j, "test_rmse")).margin(2e-6));
    // a rerun reads every trial from the log and reports the same search
    run_result again = run(args);
    REQUIRE(again.code == 0);
    REQUIRE(json_num(again.out, "best_validation") == json_num(j, "best_validation"));
    // a log of another search is refused
    run_result other = run("tune " + data + " --split random:0.2 --model als --trials 2 --space factors=4,8 --log " +
                           m + ".trials.tsv --quiet");
    REQUIRE(other.code == 1);
    REQUIRE(other.err.find("another search") != std::string::npos);
    REQUIRE(run("tune " + data + " --space bogus=1,2 --quiet").code == 1);
    REQUIRE(run("tune " + data + " --model pop --metric rmse --space factors=8 --quiet").code == 1);
}

TEST_CASE("cv: mean and sd over folds for several kinds", "[experiments]") {
    const std::string j =
        run_ok("cv " + data + " --folds 3 --model als,pop --iterations 4 --factors 8 --format json --quiet");
    const size_t als = j.find("{\"model\": \"als\"");
    const size_t pop = j.find("{\"model\": \"pop\"");
    REQUIRE(als != std::string::npos);
    REQUIRE(pop != std::string::npos);
    const size_t rmse = j.find("\"rmse\": {", als);
    REQUIRE(rmse < pop);
    const double mean = json_num(j, "mean", rmse), sd = json_num(j, "sd", rmse);
    REQUIRE(mean > 0.8);
    REQUIRE(mean < 1.0);
    REQUIRE(sd > 0);
    REQUIRE(sd < 0.02);
    REQUIRE(j.find("\"rmse\": {", pop) == std::string::npos);  // popularity predicts no rating
    REQUIRE(json_num(j, "mean", j.find("\"ndcg_at_10\": {", pop)) > 0);
    REQUIRE(run("cv " + data + " --folds 1").code == 1);
    REQUIRE(run("cv " + data + " --fold-mode time").code == 1);
}

TEST_CASE("anomalies: 50 planted shilling accounts in ml-latest-small found with precision and recall >= 0.9",
          "[experiments]") {
    for (const char * seed : {"42", "7"}) {
        INFO("seed " << seed);
        const std::string j =
            run_ok("anomalies " + data + " --plant-shilling 50 --seed " + seed + " --format json --quiet");
        REQUIRE(json_num(j, "shilling_precision") >= 0.9);
        REQUIRE(json_num(j, "shilling_recall") >= 0.9);
    }
    // the real data alone: few flagged
    const std::string j = run_ok("anomalies " + data + " --format json --quiet");
    REQUIRE(json_num(j, "flagged") <= 5);
    REQUIRE(run("anomalies " + data + " --top 0").code == 1);
}

TEST_CASE("anomalies: 60 planted shared accounts in ml-latest-small rank high (AUC), flags weak", "[experiments]") {
    // measured: AUC 0.90 (0.79 against accounts of 2+ sessions), precision 0.45-0.53, recall
    // 0.23-0.32 (core/anomaly.h); the bounds leave room below those
    for (const char * seed : {"42", "7"}) {
        INFO("seed " << seed);
        const std::string j =
            run_ok("anomalies " + data + " --plant-shared 60 --seed " + seed + " --format json --quiet");
        REQUIRE(json_num(j, "planted_shared") == 60);
        REQUIRE(json_num(j, "shared_auc") >= 0.85);
        REQUIRE(json_num(j, "shared_auc_2_sessions") >= 0.74);
        REQUIRE(json_num(j, "shared_precision") >= 0.35);
        REQUIRE(json_num(j, "shared_recall") >= 0.18);
    }
    const std::string j = run_ok("anomalies " + data + " --format json --quiet");
    REQUIRE(json_num(j, "flagged_shared") >= 1);
    REQUIRE(json_num(j, "flagged_shared") <= 40);
    REQUIRE(run("anomalies " + data + " --session-gap 0").code == 1);
}

TEST_CASE("report: a self-contained page with the data's plots", "[experiments]") {
    temp_dir t;
    const std::string dir = (t.path / "r").string();
    run_result r = run("report " + data + " --out " + dir + " --format json --quiet");
    if (r.code != 0 && r.err.find("without its charting library") != std::string::npos) {
        WARN("mfrec built without web/vendor/report-charts.js: report not tested");
        return;
    }
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(json_num(r.out, "charts") >= 6);
    std::ifstream f(dir + "/index.html", std::ios::binary);
    const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    REQUIRE(html.find("vegaLite.compile") != std::string::npos);
    // nothing is fetched: no script or stylesheet from elsewhere
    REQUIRE(html.find("<script src") == std::string::npos);
    REQUIRE(html.find("<link") == std::string::npos);
    REQUIRE(run("report " + data + " --out " + dir + " --model " + (t.path / "none.mfm").string() + " --quiet").code ==
            1);
}

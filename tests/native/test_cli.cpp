// test_cli.cpp - the mfrec command line end to end on the embedded data/ml-latest-small:
// the accuracy bar, the JSON contract, train/eval agreement, recommendations, bad input.
#include "native/temp_dir.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/wait.h>

namespace {

struct run_result {
    int code;
    std::string out;  // stdout and stderr
};

run_result run(const std::string & args) {
    std::string cmd = std::string(MFREC_BINARY) + " " + args + " 2>&1";
    run_result r{-1, ""};
    FILE * p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// the number after "key": in flat JSON
double json_num(const std::string & json, const std::string & key) {
    size_t at = json.find("\"" + key + "\":");
    if (at == std::string::npos) return -1.0;
    return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

const std::string data = std::string(MFREC_SOURCE_DIR) + "/data/ml-latest-small";


}  // namespace

TEST_CASE("train on ml-latest-small meets the RMSE bar and prints the JSON contract", "[cli][e2e]") {
    temp_dir dir;
    std::string model = (dir.path / "m.mfm").string();
    run_result r = run("train --data " + data + " --split random:0.2 --seed 42 --format json --quiet --baselines --out " + model);
    INFO(r.out);
    REQUIRE(r.code == 0);
    for (const char * key : {"train_rmse", "test_rmse", "test_mae", "n_train", "n_test", "seconds", "epoch_seconds",
                             "test_rmse_by_epoch"})
        REQUIRE(r.out.find("\"" + std::string(key) + "\":") != std::string::npos);
    double test_rmse = json_num(r.out, "test_rmse");
    REQUIRE(test_rmse > 0.70);
    REQUIRE(test_rmse <= 0.850);  // the bar; the reference prototype reaches 0.830
    REQUIRE(json_num(r.out, "bias_test_rmse") > test_rmse);
    REQUIRE(json_num(r.out, "mean_test_rmse") > json_num(r.out, "bias_test_rmse"));
    REQUIRE(json_num(r.out, "n_test") == 20167);  // round(0.2 * 100836)

    // eval with the same split and seed sees the same held-out ratings, so the same RMSE
    run_result e = run("eval --model " + model + " --data " + data + " --split random:0.2 --seed 42 --format json --quiet");
    INFO(e.out);
    REQUIRE(e.code == 0);
    REQUIRE(json_num(e.out, "test_rmse") == Approx(test_rmse).margin(1e-5));

    // time-based splits after the runs above wrote the cache: the timestamps are loaded for them
    // (a random split loads the cache without them); by user time, and as a validation split
    run_result ut = run("train --data " + data + " --model bias --split user-time:0.2 --format json --quiet");
    INFO(ut.out);
    REQUIRE(ut.code == 0);
    REQUIRE(ut.out.find("\"from_cache\": true") != std::string::npos);
    REQUIRE(json_num(ut.out, "n_test") > 19000);
    run_result vt = run("train --data " + data + " --model bias --split random:0.2 --validate last:2 --format json --quiet");
    INFO(vt.out);
    REQUIRE(vt.code == 0);
    REQUIRE(json_num(vt.out, "n_test") == 2 * 610);  // every one of the 610 users has more than 2 training ratings

    // the same seed and threads: the same output
    run_result again = run("train --data " + data + " --split random:0.2 --seed 42 --format json --quiet --threads 2");
    run_result twice = run("train --data " + data + " --split random:0.2 --seed 42 --format json --quiet --threads 2");
    REQUIRE(json_num(again.out, "test_rmse") == json_num(twice.out, "test_rmse"));
}

TEST_CASE("recommend, similar and explain answer with MovieLens ids", "[cli][e2e]") {
    temp_dir dir;
    std::string model = (dir.path / "m.mfm").string();
    REQUIRE(run("train --data " + data + " --split none --quiet --iterations 5 --out " + model).code == 0);
    run_result r = run("recommend --model " + model + " --rate \"1:5,260:5,1196:5\" -n 5 --format csv");
    INFO(r.out);
    REQUIRE(r.code == 0);
    REQUIRE(r.out.rfind("rank,movieId,score,ratings,title,genres", 0) == 0);
    REQUIRE(r.out.find("\n1,1,") == std::string::npos);    // rated movies are excluded
    REQUIRE(r.out.find(",260,") == std::string::npos);
    run_result u = run("recommend --model " + model + " --user 1 -n 3");
    REQUIRE(u.code == 0);
    run_result s = run("similar --model " + model + " --movie 260 -n 3 --format json");
    INFO(s.out);
    REQUIRE(s.code == 0);
    REQUIRE(s.out.find("\"similarity\"") != std::string::npos);
    run_result x = run("explain --model " + model + " --rate \"1:5,260:5\" --movie 1196");
    INFO(x.out);
    REQUIRE(x.code == 0);
    REQUIRE(x.out.find("by rated movie") != std::string::npos);
}

TEST_CASE("bad input fails with a message naming what is wrong", "[cli][errors]") {
    temp_dir dir;
    std::string model = (dir.path / "m.mfm").string();
    REQUIRE(run("train --data " + data + " --split none --quiet --iterations 2 --out " + model).code == 0);
    struct bad_case {
        std::string args, expect;
    } cases[] = {
        {"train --data /nonexistent/dir", "/nonexistent/dir"},
        {"train --data " + data + " --split random:2", "random:2"},
        {"train --data " + data + " --solver lu", "--solver"},
        {"recommend --model " + model + " --rate \"1:9\"", "outside 0.5-5"},
        {"recommend --model " + model + " --rate \"999999999:4\"", "999999999"},
        {"recommend --model " + model + " --rate \"abc\"", "MOVIE:RATING"},
        {"recommend --model " + model + " --user 123456789", "123456789"},
        {"similar --model " + model + " --movie 424242424", "424242424"},
        {"info /nonexistent/model.mfm", "/nonexistent/model.mfm"},
        {"info " + data + "/ratings.csv", "not an mfrec file"},
    };
    for (const bad_case & c : cases) {
        run_result r = run(c.args);
        INFO(c.args << "\n" << r.out);
        REQUIRE(r.code != 0);
        REQUIRE(r.out.find(c.expect) != std::string::npos);
    }
}

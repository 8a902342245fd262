// mfrec anomalies: users whose ratings look like a shilling profile
// (core/anomaly.h), optionally with a planted attack to measure the detector on this data.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>

#include "anomaly.h"
#include "cli_common.h"
#include "progress.h"

namespace mf {

namespace {

struct anomalies_args {
    data_args data;
    int32_t top = 20;
    double threshold = 7;
    int32_t plant_shilling = 0, filler = 10;
    std::string format = "table";
    bool quiet = false;
};

struct detection {
    int64_t tp = 0, fp = 0, fn = 0;
    double precision() const { return tp + fp > 0 ? (double) tp / (double) (tp + fp) : 0.0; }
    double recall() const { return tp + fn > 0 ? (double) tp / (double) (tp + fn) : 0.0; }
};

void anomalies_run(anomalies_args & a) {
    out_format fmt = out_format_parse(a.format);
    if (a.top < 1 || a.top > 100000) throw cli_error("--top must be within 1..100000");
    if (!(a.threshold > 0 && a.threshold < 1000)) throw cli_error("--threshold must be within (0, 1000)");
    if (a.plant_shilling < 0 || a.plant_shilling > 100000) throw cli_error("--plant-shilling must be within 0..100000");
    if (a.filler < 1 || a.filler > 1000) throw cli_error("--filler must be within 1..1000");
    data_args da = a.data;
    da.split = "none";
    loaded_data ld = data_load(da, 0, a.quiet, false);
    dataset & d = ld.d;
    int32_t target = -1;
    const std::vector<int32_t> shills = plant_shilling(d, a.plant_shilling, a.filler, -1, a.data.seed, &target);
    anomaly_options o;
    o.threshold = a.threshold;
    progress_bar bar("anomalies", 1, a.quiet);
    result<std::vector<user_anomaly>> r = anomalies_score(d, o);
    if (!r) throw cli_error(r.error());
    bar.finish("scored");
    std::vector<user_anomaly> & all = *r;
    const size_t n_users = all.size();
    const std::set<int32_t> shill_set(shills.begin(), shills.end());

    detection sh;
    for (const user_anomaly & x : all) {
        const bool planted = shill_set.count(x.user) > 0;
        if (x.flagged && planted) ++sh.tp;
        if (x.flagged && !planted) ++sh.fp;
        if (!x.flagged && planted) ++sh.fn;
    }
    int64_t n_flagged = sh.tp + sh.fp;
    std::stable_sort(all.begin(), all.end(),
                     [&](const user_anomaly & p, const user_anomaly & q) { return p.shill > q.shill; });
    if ((int32_t) all.size() > a.top) all.resize((size_t) a.top);
    out_table t;
    for (const char * c : {"user", "ratings", "residual", "popularity", "push_movie", "shill_z", "flagged", "planted"})
        t.col(c, std::string(c) != "flagged" && std::string(c) != "planted");
    for (const user_anomaly & x : all) {
        const std::string planted = shill_set.count(x.user) ? "shilling" : "";
        t.rows.push_back({std::to_string(d.users.ids[(size_t) x.user]), std::to_string(x.n), fmt_num(x.residual, 3),
                          fmt_num(x.popularity, 2),
                          x.push_item >= 0 ? std::to_string(d.items.movie_id[(size_t) x.push_item]) : "",
                          fmt_num(x.shill_z, 2), x.flagged ? "yes" : "", planted});
    }
    if (fmt == out_format::json) {
        json_object j;
        j.str("data", a.data.dir);
        j.integer("users", (long long) n_users);
        j.integer("flagged", (long long) n_flagged);
        j.num("threshold", a.threshold, 2);
        if (!shills.empty()) {
            j.integer("planted_shilling", (long long) shills.size());
            j.integer("planted_target_movie", d.items.movie_id[(size_t) target]);
            j.num("shilling_precision", sh.precision(), 4);
            j.num("shilling_recall", sh.recall(), 4);
        }
        std::string rows = out_table_render(t, out_format::json);
        while (!rows.empty() && rows.back() == '\n') rows.pop_back();
        j.raw("top", rows);
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt != out_format::table) return;
    std::printf(
        "%zu users of %s; %lld flagged as shilling-like (robust z of the shill score > %.1f), most anomalous first\n",
        n_users, a.data.dir.c_str(), (long long) n_flagged, a.threshold);
    if (!shills.empty())
        std::printf(
            "planted %zu shilling accounts (movie %d at full marks + %d random movies): precision %.3f, "
            "recall %.3f\n",
            shills.size(), d.items.movie_id[(size_t) target], a.filler, sh.precision(), sh.recall());
}

}  // namespace

void cli_add_anomalies(CLI::App & app) {
    auto a = std::make_shared<anomalies_args>();
    CLI::App * c =
        app.add_subcommand("anomalies", "users whose ratings look like fake (shilling) accounts pushing one movie");
    c->add_option("--data", a->data.dir, "MovieLens folder (as train's --data)")->required();
    c->add_option("--ratings", a->data.ratings, "ratings file replacing the folder's");
    c->add_option("--seed", a->data.seed, "seed of the planted accounts")->capture_default_str();
    c->add_flag("--skip-bad-lines", a->data.skip_bad_lines, "skip and count malformed lines instead of failing");
    c->add_flag("--no-cache", a->data.no_cache, "neither read nor write the binary ratings cache");
    c->add_option("--top", a->top, "users listed")->capture_default_str();
    c->add_option("--threshold", a->threshold, "robust z of the shill score above which a user is flagged")
        ->capture_default_str();
    c->add_option("--plant-shilling", a->plant_shilling,
                  "add N fake accounts pushing one little-known movie and report precision and recall")
        ->capture_default_str();
    c->add_option("--filler", a->filler, "random movies each planted fake account rates")->capture_default_str();
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { anomalies_run(*a); });
}

}  // namespace mf

// mfrec anomalies: users whose ratings look like a shilling profile or a shared account
// (core/anomaly.h), optionally with planted attacks or planted shared accounts to measure the
// detectors on this data.
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
    int32_t plant_shilling = 0, filler = 10, plant_shared = 0;
    double shared_threshold = 3;
    int64_t session_gap = 3600;
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
    if (a.plant_shared < 0 || a.plant_shared > 100000) throw cli_error("--plant-shared must be within 0..100000");
    if (!(a.shared_threshold > 0 && a.shared_threshold < 1000))
        throw cli_error("--shared-threshold must be within (0, 1000)");
    if (a.session_gap < 1) throw cli_error("--session-gap must be at least 1 second");
    if (a.filler < 1 || a.filler > 1000) throw cli_error("--filler must be within 1..1000");
    data_args da = a.data;
    da.split = "none";
    loaded_data ld = data_load(da, 0, a.quiet, true);  // times: the sessions of the shared-account score
    dataset & d = ld.d;
    int32_t target = -1;
    const std::vector<int32_t> shills = plant_shilling(d, a.plant_shilling, a.filler, -1, a.data.seed, &target);
    const std::vector<int32_t> shared = plant_shared(d, a.plant_shared, a.data.seed + 1);
    if (a.plant_shared > 0 && shared.empty())
        throw cli_error("--plant-shared: no two users to merge (it needs rating times, and users of unlike genres)");
    anomaly_options o;
    o.threshold = a.threshold;
    o.shared_threshold = a.shared_threshold;
    o.session_gap = a.session_gap;
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
    const std::set<int32_t> shared_set(shared.begin(), shared.end());
    detection sd;
    int64_t n_shared = 0;
    // AUC of shared_z: planted accounts against every other account, and against the other
    // accounts with at least 2 sessions (a 1-session account scores 0)
    double auc = 0, auc2 = 0;
    {
        std::vector<double> pos, neg, neg2;
        for (const user_anomaly & x : all) {
            const bool planted = shared_set.count(x.user) > 0;
            n_shared += x.shared;
            if (x.shared && planted) ++sd.tp;
            if (x.shared && !planted) ++sd.fp;
            if (!x.shared && planted) ++sd.fn;
            const double v = x.sessions >= 2 ? x.shared_z : -1e300;
            if (planted)
                pos.push_back(v);
            else if (shill_set.count(x.user) == 0) {
                neg.push_back(v);
                if (x.sessions >= 2) neg2.push_back(v);
            }
        }
        auto auc_of = [&](std::vector<double> ng) {
            if (pos.empty() || ng.empty()) return 0.0;
            std::sort(ng.begin(), ng.end());
            double s = 0;
            for (double p : pos) {
                const auto lo = std::lower_bound(ng.begin(), ng.end(), p),
                           hi = std::upper_bound(ng.begin(), ng.end(), p);
                s += (double) (lo - ng.begin()) + 0.5 * (double) (hi - lo);
            }
            return s / (double) pos.size() / (double) ng.size();
        };
        auc = auc_of(neg);
        auc2 = auc_of(neg2);
    }
    // most anomalous first: the larger of the two z-scores, each relative to its threshold
    auto rank = [&](const user_anomaly & x) {
        return std::max(x.shill_z / a.threshold, x.shared_z / a.shared_threshold);
    };
    std::stable_sort(all.begin(), all.end(),
                     [&](const user_anomaly & p, const user_anomaly & q) { return rank(p) > rank(q); });
    if ((int32_t) all.size() > a.top) all.resize((size_t) a.top);
    out_table t;
    for (const char * c : {"user", "ratings", "residual", "popularity", "push_movie", "shill_z", "sessions", "shared_z",
                           "flagged", "planted"})
        t.col(c, std::string(c) != "flagged" && std::string(c) != "planted");
    for (const user_anomaly & x : all) {
        const std::string planted = shill_set.count(x.user) ? "shilling" : shared_set.count(x.user) ? "shared" : "";
        const std::string flag = x.flagged && x.shared ? "shilling,shared"
                                 : x.flagged           ? "shilling"
                                 : x.shared            ? "shared"
                                                       : "";
        t.rows.push_back({std::to_string(d.users.ids[(size_t) x.user]), std::to_string(x.n), fmt_num(x.residual, 3),
                          fmt_num(x.popularity, 2),
                          x.push_item >= 0 ? std::to_string(d.items.movie_id[(size_t) x.push_item]) : "",
                          fmt_num(x.shill_z, 2), std::to_string(x.sessions), fmt_num(x.shared_z, 2), flag, planted});
    }
    if (fmt == out_format::json) {
        json_object j;
        j.str("data", a.data.dir);
        j.integer("users", (long long) n_users);
        j.integer("flagged", (long long) n_flagged);
        j.num("threshold", a.threshold, 2);
        j.integer("flagged_shared", (long long) n_shared);
        j.num("shared_threshold", a.shared_threshold, 2);
        if (!shared.empty()) {
            j.integer("planted_shared", (long long) shared.size());
            j.num("shared_precision", sd.precision(), 4);
            j.num("shared_recall", sd.recall(), 4);
            j.num("shared_auc", auc, 4);
            j.num("shared_auc_2_sessions", auc2, 4);
        }
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
    std::printf("%lld flagged as shared accounts (robust z of the session split > %.1f)\n", (long long) n_shared,
                a.shared_threshold);
    if (!shared.empty())
        std::printf(
            "planted %zu shared accounts (two users' ratings, sessions interleaved): precision %.3f, recall %.3f, "
            "AUC %.3f (%.3f against accounts of 2+ sessions)\n",
            shared.size(), sd.precision(), sd.recall(), auc, auc2);
}

}  // namespace

void cli_add_anomalies(CLI::App & app) {
    auto a = std::make_shared<anomalies_args>();
    CLI::App * c = app.add_subcommand(
        "anomalies", "users whose ratings look like fake (shilling) accounts pushing one movie, or shared accounts");
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
    c->add_option("--plant-shared", a->plant_shared,
                  "add N accounts merging two users' ratings (sessions interleaved) and report precision and recall")
        ->capture_default_str();
    c->add_option("--shared-threshold", a->shared_threshold,
                  "robust z of the session split above which an account is flagged as shared")
        ->capture_default_str();
    c->add_option("--session-gap", a->session_gap, "seconds without a rating that end a session")
        ->capture_default_str();
    c->add_option("--filler", a->filler, "random movies each planted fake account rates")->capture_default_str();
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { anomalies_run(*a); });
}

}  // namespace mf

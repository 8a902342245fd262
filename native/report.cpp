#include "report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "cli.h"
#include "compare_models.h"
#include "dataset_summary.h"
#include "file_io.h"
#include "output.h"
#include "progress.h"
#include "tune.h"

extern const char * const mfrec_report_charts_js;  // native/report_assets.cmake

namespace mf {

namespace {

std::string html_escape(const std::string & s) {
    std::string o;
    for (char c : s) {
        if (c == '<')
            o += "&lt;";
        else if (c == '>')
            o += "&gt;";
        else if (c == '&')
            o += "&amp;";
        else if (c == '"')
            o += "&quot;";
        else
            o += c;
    }
    return o;
}

// JSON inside a <script> element: "</" must not appear (a title could close the element)
std::string script_safe(std::string s) {
    for (size_t at = s.find("</"); at != std::string::npos; at = s.find("</", at + 3)) s.replace(at, 2, "<\\/");
    return s;
}

struct chart {
    std::string id, title, caption, spec;  // spec: Vega-Lite JSON
};

std::string num(double v) {
    if (!std::isfinite(v)) return "null";
    char b[40];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

// [{"a": .., "b": ..}, ...] from rows of (key, raw JSON value)
using row = std::vector<std::pair<std::string, std::string>>;
std::string values(const std::vector<row> & rows) {
    std::string o = "[";
    for (size_t r = 0; r < rows.size(); ++r) {
        o += r ? ",{" : "{";
        for (size_t c = 0; c < rows[r].size(); ++c)
            o += (c ? "," : "") + json_escape(rows[r][c].first) + ":" + rows[r][c].second;
        o += "}";
    }
    return o + "]";
}

std::string spec(const std::string & data, const std::string & body, int width = 520, int height = 260) {
    return "{\"$schema\":\"https://vega.github.io/schema/vega-lite/v6.json\",\"width\":" + std::to_string(width) +
           ",\"height\":" + std::to_string(height) + ",\"data\":{\"values\":" + data + "}," + body + "}";
}

void data_charts(const dataset & d, std::vector<chart> & out) {
    const dataset_summary s = dataset_summarize(d);
    std::vector<row> r;
    for (auto & [v, n] : s.by_value) r.push_back({{"rating", num(v)}, {"ratings", num((double) n)}});
    out.push_back({"c_values", "Ratings by value", std::to_string(d.size()) + " ratings",
                   spec(values(r),
                        "\"mark\":\"bar\",\"encoding\":{\"x\":{\"field\":\"rating\",\"type\":\"ordinal\"},"
                        "\"y\":{\"field\":\"ratings\",\"type\":\"quantitative\"}}")});
    auto loglog = [&](const std::vector<std::pair<int64_t, int64_t>> & c, const std::string & who,
                      const std::string & id, const std::string & title) {
        std::vector<row> t;
        for (auto & [n, m] : c) t.push_back({{"ratings", num((double) n)}, {who, num((double) m)}});
        out.push_back({id, title, "log-log: the long tail",
                       spec(values(t),
                            "\"mark\":{\"type\":\"point\",\"filled\":true,\"size\":18},\"encoding\":{"
                            "\"x\":{\"field\":\"ratings\",\"type\":\"quantitative\",\"scale\":{\"type\":"
                            "\"log\"},\"title\":\"ratings (n)\"},\"y\":{\"field\":\"" +
                                who + "\",\"type\":\"quantitative\",\"scale\":{\"type\":\"log\"},\"title\":\"" + who +
                                " with n ratings\"}}")});
    };
    loglog(s.movie_counts, "movies", "c_movies", "Ratings per movie");
    loglog(s.user_counts, "users", "c_users", "Ratings per user");
    if (!s.by_month.empty()) {
        std::vector<row> t;
        for (auto & [m, n] : s.by_month) t.push_back({{"month", json_escape(m + "-01")}, {"ratings", num((double) n)}});
        out.push_back({"c_time", "Ratings over time", "per month (UTC)",
                       spec(values(t),
                            "\"mark\":\"line\",\"encoding\":{\"x\":{\"field\":\"month\",\"type\":"
                            "\"temporal\"},\"y\":{\"field\":\"ratings\",\"type\":\"quantitative\"}}",
                            720)});
    }
    std::vector<row> g, gg;
    const size_t G = s.genres.size();
    for (size_t a = 0; a < G; ++a) {
        if (s.genre_movies[a] == 0) continue;
        g.push_back({{"genre", json_escape(s.genres[a])}, {"movies", num((double) s.genre_movies[a])}});
        for (size_t b = 0; b < G; ++b)
            if (s.genre_movies[b] > 0)
                gg.push_back({{"a", json_escape(s.genres[a])},
                              {"b", json_escape(s.genres[b])},
                              {"movies", num((double) s.genre_pairs[a * G + b])}});
    }
    out.push_back({"c_genres", "Movies per genre", "a movie counts once in each of its genres",
                   spec(values(g),
                        "\"mark\":\"bar\",\"encoding\":{\"y\":{\"field\":\"genre\",\"type\":\"nominal\","
                        "\"sort\":\"-x\"},\"x\":{\"field\":\"movies\",\"type\":\"quantitative\"}}")});
    out.push_back({"c_cooc", "Genre co-occurrence", "movies in both genres (the diagonal: the genre's movies)",
                   spec(values(gg),
                        "\"mark\":\"rect\",\"encoding\":{\"x\":{\"field\":\"a\",\"type\":\"nominal\",\"title\":null},"
                        "\"y\":{\"field\":\"b\",\"type\":\"nominal\",\"title\":null},\"color\":{\"field\":\"movies\","
                        "\"type\":\"quantitative\",\"scale\":{\"type\":\"sqrt\",\"scheme\":\"viridis\"}},"
                        "\"tooltip\":[{\"field\":\"a\"},{\"field\":\"b\"},{\"field\":\"movies\"}]}",
                        460, 460)});
}

// point + interval per (metric, group): the metric table's and the comparison's chart
std::string interval_spec(const std::vector<row> & r, const std::string & group, bool zero_rule) {
    // y (and the group's offset and colour) on the two data layers only: the zero line has no metric
    std::string y = "\"y\":{\"field\":\"metric\",\"type\":\"nominal\",\"sort\":null}";
    if (!group.empty())
        y += ",\"yOffset\":{\"field\":\"" + group + "\"},\"color\":{\"field\":\"" + group + "\",\"type\":\"nominal\"}";
    std::string layers = "[{\"mark\":\"rule\",\"encoding\":{" + y +
                         ",\"x\":{\"field\":\"lo\",\"type\":\"quantitative\",\"title\":\"value, 95% "
                         "interval\"},\"x2\":{\"field\":\"hi\"}}},"
                         "{\"mark\":{\"type\":\"point\",\"filled\":true},\"encoding\":{" +
                         y + ",\"x\":{\"field\":\"value\",\"type\":\"quantitative\"}}}";
    if (zero_rule)
        layers +=
            ",{\"data\":{\"values\":[{\"z\":0}]},\"mark\":{\"type\":\"rule\",\"strokeDash\":[4,4]},"
            "\"encoding\":{\"x\":{\"field\":\"z\",\"type\":\"quantitative\"}}}";
    layers += "]";
    return spec(values(r), "\"layer\":" + layers, 520, 40 * 9);
}

void model_charts(const report_input & in, std::vector<chart> & out, std::string & tables, progress_bar & bar,
                  int64_t & done) {
    if (in.models.empty()) return;
    eval_options eo;
    eo.rank.k = in.k;
    eo.rank.seed = in.seed;
    std::vector<row> r;
    tables += "<h2>Metrics on the held-out part (" + html_escape(in.split) +
              ")</h2><table><tr><th>model</th><th>metric</th><th>value</th><th>95% interval</th></tr>";
    const std::string K = std::to_string(in.k);
    for (auto & [label, m] : in.models) {
        result<eval_report> rep = pipeline_evaluate(*m, *in.d, in.test, eo);
        if (!rep) throw cli_error(label + ": " + rep.error());
        bar.update(++done, label + " evaluated");
        if (rep->has_rating)
            for (auto [name, v] : {std::pair<const char *, double>{"rmse", rep->rating.rmse}, {"mae", rep->rating.mae}})
                tables += "<tr><td>" + html_escape(label) + "</td><td>" + name + "</td><td>" + fmt_num(v, 4) +
                          "</td><td></td></tr>";
        if (!rep->has_ranking) continue;
        const ranking_report & k = rep->ranking;
        for (auto & [name, v] : std::vector<std::pair<std::string, metric_value>>{{"precision_at_" + K, k.precision},
                                                                                  {"recall_at_" + K, k.recall},
                                                                                  {"ndcg_at_" + K, k.ndcg},
                                                                                  {"map_at_" + K, k.map},
                                                                                  {"hit_rate_at_" + K, k.hit_rate},
                                                                                  {"mrr", k.mrr},
                                                                                  {"auc", k.auc}}) {
            r.push_back({{"model", json_escape(label)},
                         {"metric", json_escape(name)},
                         {"value", num(v.mean)},
                         {"lo", num(v.ci_low)},
                         {"hi", num(v.ci_high)}});
            tables += "<tr><td>" + html_escape(label) + "</td><td>" + name + "</td><td>" + fmt_num(v.mean, 4) +
                      "</td><td>[" + fmt_num(v.ci_low, 4) + ", " + fmt_num(v.ci_high, 4) + "]</td></tr>";
        }
    }
    tables += "</table>";
    out.push_back({"c_metrics", "Ranking metrics with 95% intervals",
                   "top " + K + " over the full catalogue, held-out part " + in.split + ", mean over users",
                   interval_spec(r, "model", false)});
    if (in.models.size() != 2) return;
    compare_options co;
    co.seed = in.seed;
    result<model_comparison> c = models_compare(*in.models[0].second, *in.models[1].second, *in.d, in.test, eo, co);
    if (!c) throw cli_error("comparison: " + c.error());
    bar.update(++done, "models compared");
    std::vector<row> cr;
    for (const metric_comparison & m : c->metrics) {
        if (m.name.rfind("novelty", 0) == 0) continue;  // bits, another scale
        cr.push_back({{"metric", json_escape(m.name)},
                      {"value", num(m.v.diff)},
                      {"lo", num(m.v.ci_low)},
                      {"hi", num(m.v.ci_high)}});
    }
    const metric_comparison * key = nullptr;
    for (const metric_comparison & m : c->metrics)
        if (m.name == "ndcg_at_" + K) key = &m;
    if (!key) key = &c->metrics.front();
    out.push_back({"c_compare", "B − A per user: " + in.models[1].first + " − " + in.models[0].first,
                   compare_verdict(key->name, key->v, key->higher_better) +
                       " (bootstrap 95% intervals over users, paired permutation p-values)",
                   interval_spec(cr, "", true)});
}

void epoch_chart(const report_input & in, std::vector<chart> & out) {
    if (in.epochs.empty()) return;
    std::vector<row> r;
    for (const epoch_report & e : in.epochs) {
        r.push_back({{"epoch", num(e.epoch)}, {"part", "\"train\""}, {"rmse", num(e.train_rmse)}});
        if (e.test_rmse >= 0)
            r.push_back({{"epoch", num(e.epoch)}, {"part", "\"held-out\""}, {"rmse", num(e.test_rmse)}});
    }
    out.push_back({"c_epochs", "Learning curves", "RMSE after every epoch",
                   spec(values(r),
                        "\"mark\":{\"type\":\"line\",\"point\":true},\"encoding\":{\"x\":{\"field\":"
                        "\"epoch\",\"type\":\"quantitative\"},\"y\":{\"field\":\"rmse\",\"type\":"
                        "\"quantitative\",\"scale\":{\"zero\":false}},\"color\":{\"field\":\"part\","
                        "\"type\":\"nominal\"}}")});
}

void tune_chart(const report_input & in, std::vector<chart> & out) {
    if (in.tune_log.empty()) return;
    const std::string pre = "# mfrec tune: ";
    const size_t nl = in.tune_log.find('\n');
    if (in.tune_log.compare(0, pre.size(), pre) != 0 || nl == std::string::npos)
        throw cli_error("--tune-log: not a trial log of mfrec tune");
    const std::string search = in.tune_log.substr(pre.size(), nl - pre.size());
    result<std::vector<trial_record>> recs = tune_log_parse(in.tune_log, search);
    if (!recs) throw cli_error("--tune-log: " + recs.error());
    std::vector<row> r;
    for (const trial_record & t : *recs) {
        size_t at = 0;
        while (at < t.config.size()) {
            size_t e = t.config.find(';', at);
            if (e == std::string::npos) e = t.config.size();
            const std::string kv = t.config.substr(at, e - at);
            const size_t eq = kv.find('=');
            char * end = nullptr;
            const double v = eq == std::string::npos ? NAN : std::strtod(kv.c_str() + eq + 1, &end);
            if (eq != std::string::npos && end && *end == 0)
                r.push_back(
                    {{"parameter", json_escape(kv.substr(0, eq))}, {"value", num(v)}, {"validation", num(t.value)}});
            at = e + 1;
        }
    }
    const size_t m = search.find("metric=");
    const std::string metric = m == std::string::npos ? "metric" : search.substr(m + 7, search.find(' ', m) - m - 7);
    out.push_back(
        {"c_tune", "Tuning results",
         std::to_string(recs->size()) + " trials: validation " + metric + " against each hyperparameter",
         "{\"$schema\":\"https://vega.github.io/schema/vega-lite/v6.json\",\"data\":{\"values\":" + values(r) +
             "},\"facet\":{\"field\":\"parameter\",\"type\":\"nominal\",\"title\":null},\"columns\":4,"
             "\"spec\":{\"width\":180,\"height\":160,\"mark\":{\"type\":\"point\",\"filled\":true},"
             "\"encoding\":{\"x\":{\"field\":\"value\",\"type\":\"quantitative\",\"scale\":{\"zero\":false}},"
             "\"y\":{\"field\":\"validation\",\"type\":\"quantitative\",\"scale\":{\"zero\":false},"
             "\"title\":\"validation " +
             metric + "\"}}},\"resolve\":{\"scale\":{\"x\":\"independent\"}}}"});
}

}  // namespace

bool report_available() {
    return mfrec_report_charts_js != nullptr;
}

std::vector<std::string> report_write(const std::string & dir, const report_input & in, bool quiet) {
    if (!report_available())
        throw cli_error(
            "this mfrec was built without its charting library: run `npm ci && node "
            "web/tools/vendor_report.mjs` in the repository, then rebuild");
    std::vector<chart> charts;
    std::string tables;
    // steps: the data's charts, each model evaluated, their comparison (two models)
    progress_bar bar("report", 1 + (int64_t) in.models.size() + (in.models.size() == 2 ? 1 : 0), quiet);
    int64_t done = 0;
    data_charts(*in.d, charts);
    bar.update(++done, "data charts");
    model_charts(in, charts, tables, bar, done);
    bar.finish();
    epoch_chart(in, charts);
    tune_chart(in, charts);
    std::string body, list = "[";
    for (size_t q = 0; q < charts.size(); ++q) {
        const chart & c = charts[q];
        body += "<section><h2>" + html_escape(c.title) + "</h2><p>" + html_escape(c.caption) +
                "</p><div class=\"chart\" id=\"" + c.id + "\"></div></section>\n";
        list += std::string(q ? ",\n" : "\n") + "{\"id\":" + json_escape(c.id) + ",\"spec\":" + c.spec + "}";
    }
    list += "]";
    std::string html =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>mfrec report: " +
        html_escape(in.data_name) +
        "</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222}"
        "section{margin:2em 0}h2{font-size:1.15em;margin-bottom:.2em}p{color:#555;margin-top:0}"
        "table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}"
        "</style>\n</head><body>\n<h1>mfrec report: " +
        html_escape(in.data_name) + "</h1>\n<p>" + std::to_string(in.d->size()) + " ratings, " +
        std::to_string(in.d->users.size()) + " users, " + std::to_string(in.d->items.size()) +
        " movies. Written by mfrec; opens from disk with no network.</p>\n" + tables + "\n" + body + "<script>\n" +
        mfrec_report_charts_js + "\n</script>\n<script>\nconst charts = " + script_safe(list) +
        ";\nwindow.mfrecReport = Promise.all(charts.map((c) => {\n"
        "  const el = document.getElementById(c.id);\n"
        "  const view = new vega.View(vega.parse(vegaLite.compile(c.spec).spec), {renderer: 'svg', container: el, "
        "hover: true});\n"
        "  return view.runAsync().then(() => { el.dataset.rendered = '1'; });\n"
        "})).then(() => charts.length);\n</script>\n</body></html>\n";
    std::filesystem::create_directories(dir);
    const std::string path = (std::filesystem::path(dir) / "index.html").string();
    file_write_atomic(path, html.data(), html.size());
    if (!quiet) std::fprintf(stderr, "mfrec: report: %zu charts written to %s\n", charts.size(), path.c_str());
    std::vector<std::string> titles;
    for (const chart & c : charts) titles.push_back(c.title);
    return titles;
}

}  // namespace mf

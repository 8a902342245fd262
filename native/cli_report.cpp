// mfrec report: one self-contained HTML page of plots of the data and, with --model, of the
// models' metrics on the held-out part (two models: their paired comparison) - native/report.h.
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "file_io.h"
#include "report.h"

namespace mf {

namespace {

struct report_args {
    data_args data;
    std::vector<std::string> models;
    std::string tune_log;
    std::string out;
    int32_t k = 10;
    std::string format = "table";
    bool quiet = false;
};

void report_run(report_args & a) {
    out_format fmt = out_format_parse(a.format);
    if (a.k < 1 || a.k > 10000) throw cli_error("--k must be within 1..10000");
    if (!report_available()) (void) report_write(a.out, report_input{}, true);  // throws, saying how to fix it
    std::vector<model> ms;
    ms.reserve(a.models.size());
    for (const std::string & p : a.models) ms.push_back(model_load_path(p));
    std::string log;
    if (!a.tune_log.empty()) {
        std::vector<uint8_t> b = file_read_all(a.tune_log, uint64_t(1) << 30);
        log.assign(b.begin(), b.end());
    }
    data_args da = a.data;
    loaded_data ld = data_load(da, 0, a.quiet, true);  // timestamps: the ratings-over-time plot
    result<split_result> sp = pipeline_split(ld.d, a.data.split, a.data.seed);
    if (!sp) throw cli_error(sp.error());
    report_input in;
    in.d = &ld.d;
    in.data_name = a.data.dir;
    in.split = a.data.split;
    in.seed = a.data.seed;
    in.test = a.data.split == "none" ? sp->train : sp->test;
    for (size_t q = 0; q < ms.size(); ++q)
        in.models.emplace_back((ms.size() == 2 ? std::string(q == 0 ? "A: " : "B: ") : "") + a.models[q], &ms[q]);
    in.tune_log = log;
    in.k = a.k;
    const std::vector<std::string> titles = report_write(a.out, in, a.quiet);
    out_table t;
    t.col("chart", false);
    for (const std::string & s : titles) t.rows.push_back({s});
    if (fmt == out_format::json) {
        json_object j;
        j.str("out", a.out + "/index.html");
        j.integer("charts", (long long) titles.size());
        std::string rows = out_table_render(t, out_format::json);
        while (!rows.empty() && rows.back() == '\n') rows.pop_back();
        j.raw("titles", rows);
        std::fputs(j.render().c_str(), stdout);
        return;
    }
    std::fputs(out_table_render(t, fmt).c_str(), stdout);
    if (fmt == out_format::table) std::printf("%zu charts in %s/index.html\n", titles.size(), a.out.c_str());
}

}  // namespace

void cli_add_report(CLI::App & app) {
    auto a = std::make_shared<report_args>();
    CLI::App * c = app.add_subcommand("report", "a self-contained HTML page of plots of the data and the models");
    data_args_add(c, a->data, true);
    c->add_option("--model", a->models, "model file(s) measured on the held-out part; two are also compared (B - A)");
    c->add_option("--tune-log", a->tune_log, "a trial log of mfrec tune: validation metric against each parameter");
    c->add_option("--out,-o", a->out, "directory of the report (index.html)")->required();
    c->add_option("--k", a->k, "cut-off of the top-K metrics")->capture_default_str();
    c->add_option("--format", a->format, "table | json | csv")->capture_default_str();
    c->add_flag("--quiet,-q", a->quiet, "no progress output on stderr");
    c->callback([a] { report_run(*a); });
}

}  // namespace mf

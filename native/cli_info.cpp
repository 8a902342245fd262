// mfrec info MODEL | mfrec info --cpu
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "cpu.h"
#include "gram.h"
#include "kind.h"
#include "params.h"

namespace mf {

namespace {

// the processor, its instruction sets and the kernel path that runs (MFREC_ISA or the best)
void info_cpu(out_format fmt) {
    out_table t;
    t.col("key", false);
    t.col("value", false);
    auto add = [&](const std::string & k, const std::string & v) { t.rows.push_back({k, v}); };
    std::string compiled, runs;
    for (isa i : {isa::portable, isa::avx2, isa::avx512}) {
        if (isa_compiled(i)) compiled += std::string(compiled.empty() ? "" : " ") + isa_name(i);
        if (isa_runs(i)) runs += std::string(runs.empty() ? "" : " ") + isa_name(i);
    }
    const isa active = kern::isa_active();
    add("cpu", cpu_model());
    add("cpu features", cpu_features());
    add("paths compiled", compiled);
    add("paths this cpu runs", runs);
    add("best path", isa_name(isa_best()));
    add("path", isa_name(active));
    add("lanes", std::to_string(kern::lanes()));
    add("half-precision gathers", kern::half_supported() ? "yes" : "no");
    if (fmt == out_format::json) {
        json_object j;
        for (auto & row : t.rows) j.str(row[0], row[1]);
        std::fputs(j.render().c_str(), stdout);
    } else {
        std::fputs(out_table_render(t, fmt).c_str(), stdout);
    }
}

}  // namespace

void cli_add_info(CLI::App & app) {
    auto path = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("table");
    auto cpu = std::make_shared<bool>(false);
    CLI::App * c = app.add_subcommand("info", "what a model file holds, or (--cpu) the kernel path that runs");
    c->add_option("model", *path, "model file");
    c->add_flag("--cpu", *cpu,
                "the processor's instruction sets and the kernel path that runs (MFREC_ISA: portable | avx2 | avx512)");
    c->add_option("--format", *format, "table | json | csv")->capture_default_str();
    c->callback([path, format, cpu] {
        out_format fmt = out_format_parse(*format);
        if (*cpu) return info_cpu(fmt);
        if (path->empty()) throw std::runtime_error("info: give a model file, or --cpu");
        model m = model_load_path(*path);
        const train_params & p = m.params;
        out_table t;
        t.col("key", false);
        t.col("value", false);
        auto add = [&](const std::string & k, const std::string & v) { t.rows.push_back({k, v}); };
        add("model", kind_name(p.kind));
        add("factors", std::to_string(m.k));
        add("users", std::to_string(m.n_users()));
        add("movies", std::to_string(m.n_items()));
        int64_t rated = 0, nnz = 0;
        for (int32_t c2 : m.item_counts) {
            rated += c2 > 0;
            nnz += c2;
        }
        add("movies with ratings", std::to_string(rated));
        add("training ratings", std::to_string(nnz));
        add("genres", std::to_string(m.n_genres()));
        add("global mean", fmt_num(m.mu, 4));
        char scale[64];
        std::snprintf(scale, sizeof scale, "%g-%g step %g", (double) m.scale.min, (double) m.scale.max,
                      (double) m.scale.step);
        add("rating scale", scale);
        // the saved parameters the kind reads (params.h), as stored, and the seed
        const kind_ops * kind = kind_get(p.kind);
        for (const param_spec & s : param_specs()) {
            const std::string name = s.name;
            if (!s.saved || name == "factors") continue;
            if (kind && name != "seed" && !kind_uses(*kind, name)) continue;
            add(s.name, param_text(p, s));
        }
        if (fmt == out_format::json) {
            json_object j;
            for (auto & row : t.rows) j.str(row[0], row[1]);
            std::fputs(j.render().c_str(), stdout);
        } else {
            std::fputs(out_table_render(t, fmt).c_str(), stdout);
        }
    });
}

}  // namespace mf

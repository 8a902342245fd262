// mfrec - matrix-factorization movie recommender: the command line.
#include <cstdio>
#include <exception>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli.h"
#include "gram.h"

int main(int argc, char ** argv) {
#if defined(__GLIBC__)
    // Blocks of 1 MiB and more are mapped, and given back when freed, whatever was freed before:
    // glibc otherwise raises this threshold to the largest block freed (up to 32 MiB), after which
    // the solvers' per-pass scratch stays in its arenas. Measured on a 32M-rating fit: peak RSS
    // 1.06 GB -> 0.91 GB (docs/BENCHMARKS.md, Memory).
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    CLI::App app{"mfrec - matrix-factorization movie recommender (ALS with biases and a genre prior)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "mfrec 0.1.0");
    mf::cli_add_train(app);
    mf::cli_add_eval(app);
    mf::cli_add_recommend(app);
    mf::cli_add_info(app);
    mf::cli_add_synth(app);
    mf::cli_add_export_web(app);
    mf::cli_add_compare(app);
    mf::cli_add_tune(app);
    mf::cli_add_cv(app);
    mf::cli_add_anomalies(app);
    mf::cli_add_report(app);
    mf::cli_add_export_site(app);
    try {
        mf::kern::isa_select_from_env();  // MFREC_ISA: refused before any work when the CPU lacks it
        app.parse(argc, argv);
    } catch (const CLI::ParseError & e) {
        return app.exit(e);
    } catch (const std::exception & e) {
        std::fflush(stdout);
        std::fprintf(stderr, "mfrec: error: %s\n", e.what());
        return 1;
    }
    return 0;
}

// mfrec - matrix-factorization movie recommender: the command line.
#include <cstdio>
#include <exception>

#include "cli.h"
#include "gram.h"

int main(int argc, char ** argv) {
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

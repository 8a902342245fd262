// cli.h - the mfrec command line: one file per command (cli_<command>.cpp), each adding its
// subcommand to the app. Errors are thrown as mf::cli_error (or any std::exception) and
// printed by main as "mfrec: error: <message>" with exit code 1.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

namespace mf {

struct cli_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void cli_add_train(CLI::App & app);
void cli_add_eval(CLI::App & app);
void cli_add_recommend(CLI::App & app);  // recommend, similar, explain
void cli_add_info(CLI::App & app);
void cli_add_synth(CLI::App & app);
void cli_add_export_web(CLI::App & app);
// experiments (issue 14)
void cli_add_compare(CLI::App & app);
void cli_add_tune(CLI::App & app);
void cli_add_cv(CLI::App & app);
void cli_add_anomalies(CLI::App & app);
void cli_add_report(CLI::App & app);
void cli_add_export_site(CLI::App & app);

}  // namespace mf

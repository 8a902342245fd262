// cli_common.h - what several commands share: data options, loading + splitting, model files,
// the --rate list, genre names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "als.h"
#include "cli.h"
#include "infer.h"
#include "model.h"
#include "movielens.h"
#include "output.h"
#include "split.h"

namespace mf {

struct data_args {
    std::string dir;
    std::string ratings;
    std::string split = "random:0.2";
    uint64_t seed = 42;
    bool skip_bad_lines = false;
    bool no_cache = false;
};

// --data, --ratings, --split, --seed, --skip-bad-lines, --no-cache
void data_args_add(CLI::App * cmd, data_args & a, bool data_required);

// The split itself is made by the pipeline (pipeline_fit, pipeline_split): holding a copy of its
// positions here would keep 8 bytes per rating alive through the whole training.
struct loaded_data {
    dataset d;
    load_report report;
    double seconds = 0;
};

// need_time: another split (e.g. train's --validate) reads timestamps; otherwise they are loaded
// only when a.split needs them (a cache then skips copying a third of its bytes).
loaded_data data_load(const data_args & a, int threads, bool quiet, bool need_time = false);

// Options from the parameter table (params.h): --factors, --regularization, ... with the table's
// help, default and aliases. Values are kept as given and checked by params_from_cli.
void params_options_add(CLI::App * cmd, std::map<std::string, std::string> & text, std::map<std::string, bool> & flags);
// The kind's defaults with the given options applied (each checked against the table's limits);
// an option the kind does not read is reported on stderr unless quiet.
train_params params_from_cli(CLI::App * cmd, const std::string & kind, const std::map<std::string, std::string> & text,
                             const std::map<std::string, bool> & flags, bool quiet);
// --threads within the table's limits
// "a,b,,c" -> {"a", "b", "c"} (empty items dropped): --metrics, --model lists
std::vector<std::string> split_list(const std::string & s);

void threads_check(int threads);
// Fails before any work when the model could not be written there.
void output_check_writable(const std::string & path);

model model_load_path(const std::string & path);
void model_save_path(const model & m, const std::string & path);

// "MOVIE:R,MOVIE:R" with MovieLens ids -> item rows; errors name the entry.
std::vector<rated_item> rate_parse(const model & m, const std::string & spec);
// "MOVIE,MOVIE,..." (MovieLens ids) -> item rows; `option` names the option in messages
std::vector<int32_t> movies_parse(const model & m, const std::string & spec, const std::string & option);

// "Action|Comedy" -> mask; errors name an unknown genre and list the known ones.
uint32_t genres_parse(const catalog & c, const std::string & spec);
std::string genres_text(const catalog & c, uint32_t mask);

// The item row of a MovieLens id, or a cli_error naming it.
int32_t item_row_or_throw(const model & m, int32_t movie_id);

}  // namespace mf

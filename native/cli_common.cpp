#include "cli_common.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "file_io.h"
#include "kind.h"
#include "model_file.h"
#include "params.h"

namespace mf {

void data_args_add(CLI::App * cmd, data_args & a, bool data_required) {
    CLI::Option * o = cmd->add_option("--data", a.dir,
                                      "MovieLens folder: ratings.csv+movies.csv (ml-latest-small, 20M, 25M, 32M), "
                                      "ratings.dat+movies.dat (1M, 10M) or u.data+u.item (100K)");
    if (data_required) o->required();
    cmd->add_option("--ratings", a.ratings, "ratings file replacing the folder's (e.g. u1.base, u1.test)");
    cmd->add_option("--split", a.split, "held-out part: random:F, user-time:F, last:N, time:YYYY-MM-DD or none")
        ->capture_default_str();
    cmd->add_option("--seed", a.seed, "seed of the split and the initial factors")->capture_default_str();
    cmd->add_flag("--skip-bad-lines", a.skip_bad_lines, "skip and count malformed lines instead of failing");
    cmd->add_flag("--no-cache", a.no_cache, "neither read nor write the binary ratings cache");
}

loaded_data data_load(const data_args & a, int threads, bool quiet, bool need_time) {
    auto t0 = std::chrono::steady_clock::now();
    loaded_data out;
    result<split_spec> spec = split_parse(a.split);
    if (!spec) throw cli_error(spec.error());
    load_options opt;
    opt.timestamps = need_time || split_needs_time(*spec);
    opt.ratings_file = a.ratings;
    opt.skip_bad_lines = a.skip_bad_lines;
    opt.threads = threads;
    opt.use_cache = !a.no_cache;
    try {
        out.d = movielens_load(a.dir, opt, &out.report);
    } catch (const load_error & e) {
        throw cli_error(e.what());
    }
    if (out.report.skipped > 0 && !quiet) {
        std::fprintf(stderr, "mfrec: skipped %lld bad lines", (long long) out.report.skipped);
        if (!out.report.skipped_examples.empty())
            std::fprintf(stderr, " (first: %s)", out.report.skipped_examples[0].c_str());
        std::fprintf(stderr, "\n");
    }
    if (out.d.size() == 0) throw cli_error(out.report.ratings_path + ": no ratings");
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

void params_options_add(CLI::App * cmd, std::map<std::string, std::string> & text,
                        std::map<std::string, bool> & flags) {
    for (const param_spec & s : param_specs()) {
        if (!s.option) continue;
        std::string flag = std::string("--") + s.name;
        for (char & ch : flag)
            if (ch == '_') ch = '-';
        std::string names = flag;
        std::string al = s.aliases;
        for (char & ch : al)
            if (ch == ' ') ch = ',';
        if (!al.empty()) names = flag + "," + al;
        std::string help = s.help;
        if (s.type == param_type::flag) {
            cmd->add_flag(names, flags[s.name], help);
            continue;
        }
        train_params def = kind_defaults(kind_default());
        help += " [default " + param_text(def, s);
        if (s.type != param_type::choice) {
            char lim[96];
            std::snprintf(lim, sizeof lim, "; %g..%g", s.min, s.max);
            help += lim;
        }
        help += "]";
        cmd->add_option(names, text[s.name], help);
    }
}

train_params params_from_cli(CLI::App * cmd, const std::string & kind_text,
                             const std::map<std::string, std::string> & text, const std::map<std::string, bool> & flags,
                             bool quiet) {
    const kind_ops * kind = kind_find(kind_text);
    if (!kind) throw cli_error("--model '" + kind_text + "': expected " + kind_names_text());
    train_params p = kind_defaults(kind->id);
    std::vector<std::string> given;
    for (const param_spec & s : param_specs()) {
        if (!s.option) continue;
        std::string flag = std::string("--") + s.name;
        for (char & ch : flag)
            if (ch == '_') ch = '-';
        if (cmd->count(flag) == 0) continue;
        given.push_back(s.name);
        status st;
        if (s.type == param_type::flag)
            st = param_set_number(p, s.name, flags.at(s.name) ? 1 : 0);
        else
            st = param_set_text(p, s.name, text.at(s.name));
        if (!st) throw cli_error(flag + ": " + st.error.substr(st.error.find(": ") + 2));
        if (!quiet && !kind_uses(*kind, s.name) && std::string(s.name) != "threads")
            std::fprintf(stderr, "mfrec: note: %s is not used by --model %s\n", flag.c_str(), kind->name);
    }
    params_apply_given(p, given);
    return p;
}

std::vector<std::string> split_list(const std::string & s) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at <= s.size()) {
        size_t c = s.find(',', at);
        if (c == std::string::npos) c = s.size();
        if (c > at) out.push_back(s.substr(at, c - at));
        at = c + 1;
    }
    return out;
}

void threads_check(int threads) {
    train_params p;
    status s = param_set_number(p, "threads", threads);
    if (!s) throw cli_error("--threads: " + s.error.substr(s.error.find(": ") + 2));
}

void output_check_writable(const std::string & path) {
    try {
        file_check_writable(path);
    } catch (const std::exception & e) {
        throw cli_error(std::string("--out: ") + e.what());
    }
}

model model_load_path(const std::string & path) {
    std::vector<uint8_t> bytes;
    try {
        bytes = file_read_all(path, (uint64_t) 64 << 30);
    } catch (const std::exception & e) {
        throw cli_error(std::string("cannot read model: ") + e.what());
    }
    result<model> m = model_file_read(bytes.data(), bytes.size());
    if (!m) throw cli_error(path + ": " + m.error());
    return std::move(*m);
}

void model_save_path(const model & m, const std::string & path) {
    // streamed: the file (400 MB for a 32M-rating model) is never a second copy in memory
    file_write_atomic_stream(path, [&](const file_writer & write) {
        status s = model_file_write_to(m, [&](const uint8_t * p, size_t n) {
            write(p, n);
            return true;
        });
        if (!s) throw cli_error(path + ": " + s.error);
    });
}

int32_t item_row_or_throw(const model & m, int32_t movie_id) {
    int32_t row = m.items_info.find(movie_id);
    if (row < 0) throw cli_error("movie " + std::to_string(movie_id) + " is not in the model's catalog");
    return row;
}

namespace {

// The comma-separated entries of `spec`, trimmed, empty ones dropped, each with its 1-based
// position among all entries (for messages naming it).
std::vector<std::pair<int, std::string>> list_entries(const std::string & spec) {
    std::vector<std::pair<int, std::string>> out;
    size_t at = 0;
    int entry = 0;
    while (at <= spec.size()) {
        const size_t comma = spec.find(',', at);
        std::string item = spec.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        at = comma == std::string::npos ? spec.size() + 1 : comma + 1;
        ++entry;
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        if (!item.empty()) out.emplace_back(entry, std::move(item));
    }
    return out;
}

}  // namespace

std::vector<rated_item> rate_parse(const model & m, const std::string & spec) {
    std::vector<rated_item> out;
    for (const auto & [entry, item] : list_entries(spec)) {
        std::string where = "--rate entry " + std::to_string(entry) + " '" + item + "': ";
        size_t colon = item.find(':');
        if (colon == std::string::npos) throw cli_error(where + "expected MOVIE:RATING, e.g. 318:5");
        std::string id_s = item.substr(0, colon), r_s = item.substr(colon + 1);
        char * end = nullptr;
        long id = std::strtol(id_s.c_str(), &end, 10);
        if (id_s.empty() || *end != 0 || id <= 0 || id > 2147483647L)
            throw cli_error(where + "movie id '" + id_s + "' is not a positive integer");
        double r = std::strtod(r_s.c_str(), &end);
        if (r_s.empty() || *end != 0) throw cli_error(where + "rating '" + r_s + "' is not a number");
        if (!(r >= 0.5 && r <= 5.0)) throw cli_error(where + "rating " + r_s + " is outside 0.5-5");
        int32_t row = m.items_info.find((int32_t) id);
        if (row < 0) throw cli_error(where + "movie " + id_s + " is not in the model's catalog");
        out.push_back({row, (float) r});
    }
    if (out.empty()) throw cli_error("--rate: no ratings given (expected MOVIE:RATING,...)");
    return out;
}

std::vector<int32_t> movies_parse(const model & m, const std::string & spec, const std::string & option) {
    std::vector<int32_t> out;
    for (const auto & [entry, item] : list_entries(spec)) {
        const std::string where = option + " entry " + std::to_string(entry) + " '" + item + "': ";
        char * end = nullptr;
        const long id = std::strtol(item.c_str(), &end, 10);
        if (*end != 0 || id <= 0 || id > 2147483647L) throw cli_error(where + "movie id is not a positive integer");
        const int32_t row = m.items_info.find((int32_t) id);
        if (row < 0) throw cli_error(where + "movie " + item + " is not in the model's catalog");
        out.push_back(row);
    }
    return out;
}

uint32_t genres_parse(const catalog & c, const std::string & spec) {
    uint32_t mask = 0;
    size_t at = 0;
    while (at <= spec.size()) {
        size_t bar = spec.find_first_of("|,", at);
        std::string g = spec.substr(at, bar == std::string::npos ? std::string::npos : bar - at);
        at = bar == std::string::npos ? spec.size() + 1 : bar + 1;
        if (g.empty()) continue;
        bool found = false;
        for (size_t k = 0; k < c.genre_names.size(); ++k) {
            if (c.genre_names[k] == g) {
                mask |= 1u << k;
                found = true;
            }
        }
        if (!found) {
            std::string known;
            for (const std::string & n : c.genre_names) known += (known.empty() ? "" : ", ") + n;
            throw cli_error("unknown genre '" + g + "' (known: " + known + ")");
        }
    }
    return mask;
}

std::string genres_text(const catalog & c, uint32_t mask) {
    std::string s;
    for (size_t g = 0; g < c.genre_names.size(); ++g)
        if (mask & (1u << g)) s += (s.empty() ? "" : "|") + c.genre_names[g];
    return s;
}

}  // namespace mf

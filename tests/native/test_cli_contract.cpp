// test_cli_contract.cpp - the mfrec command line's output contract on a tiny fixture written
// here: golden output of every subcommand in every format (generated once from the binary and
// checked independently where that is feasible: the order of the lists from the fixture's
// structure, CSV/JSON escaping of a hostile title, aligned table columns, explain's parts
// summing to the score, the ranking metrics of a popularity model computed by hand), clear
// errors for bad input, and byte-identical results for a seed whatever the thread count.
//
// Regenerating the golden texts (only after a deliberate change of the output): run
//   MFREC_CONTRACT_DUMP=/tmp/golden.txt build/tests/mfrec_native_tests "[contract]"
// and every differing output is appended to that file as a raw string literal.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mfm.h"
#include "native/temp_dir.h"

namespace {

// ---- running the binary

struct run_result {
    int code;
    std::string out;  // stdout
    std::string err;  // stderr
    std::string all() const { return "stdout:\n" + out + "stderr:\n" + err; }
};

run_result run(const std::string & args) {
    static int serial = 0;
    const std::string err_path =
        (std::filesystem::temp_directory_path() /
         ("mfrec-contract-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(serial++)))
            .string();
    std::string cmd = std::string(MFREC_BINARY) + " " + args + " 2>" + err_path;
    run_result r{-1, "", ""};
    FILE * p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err_path, std::ios::binary);
    r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
    std::filesystem::remove(err_path);
    return r;
}

std::string run_ok(const std::string & args) {
    run_result r = run(args);
    INFO("mfrec " << args << "\n" << r.all());
    REQUIRE(r.code == 0);
    return r.out;
}

std::string read_file(const std::string & path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

bool exists(const std::string & path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// Compares with a golden text; on a difference, also appends the actual text as a raw string
// literal to $MFREC_CONTRACT_DUMP (how the golden texts were made).
void golden(const std::string & name, const std::string & actual, const std::string & expected) {
    if (actual != expected) {
        if (const char * dump = std::getenv("MFREC_CONTRACT_DUMP")) {
            std::ofstream f(dump, std::ios::app | std::ios::binary);
            f << "=== " << name << "\nR\"GOLD(" << actual << ")GOLD\"\n";
        }
    }
    INFO("golden text '" << name << "'");
    CHECK(actual == expected);
}

// ---- JSON: a small recursive-descent parser for what output.cpp writes

struct json {
    enum kind_t { null_v, boolean, number, string, array, object } kind = null_v;
    double num = 0;
    bool b = false;
    std::string str;
    std::vector<json> items;
    std::vector<std::pair<std::string, json>> fields;

    const json & operator[](const std::string & key) const {
        INFO("JSON key \"" << key << "\"");
        REQUIRE(kind == object);
        for (const auto & f : fields)
            if (f.first == key) return f.second;
        FAIL("missing JSON key \"" << key << "\"");
        return *this;
    }
    double number_value() const {
        REQUIRE(kind == number);
        REQUIRE(std::isfinite(num));
        return num;
    }
};

struct json_parser {
    const std::string & s;
    size_t at = 0;
    void ws() {
        while (at < s.size() && std::isspace((unsigned char) s[at])) ++at;
    }
    [[noreturn]] void fail(const std::string & what) {
        throw std::runtime_error("JSON: " + what + " at byte " + std::to_string(at) + " of:\n" + s);
    }
    json value() {
        ws();
        if (at >= s.size()) fail("unexpected end");
        json v;
        const char c = s[at];
        if (c == '{' || c == '[') {
            const bool obj = c == '{';
            v.kind = obj ? json::object : json::array;
            const char close = obj ? '}' : ']';
            ++at;
            ws();
            if (at < s.size() && s[at] == close) return ++at, v;
            for (;;) {
                if (obj) {
                    ws();
                    json k = value();
                    if (k.kind != json::string) fail("object key is not a string");
                    ws();
                    if (at >= s.size() || s[at] != ':') fail("':' expected");
                    ++at;
                    v.fields.emplace_back(k.str, value());
                } else {
                    v.items.push_back(value());
                }
                ws();
                if (at < s.size() && s[at] == ',') {
                    ++at;
                    continue;
                }
                if (at < s.size() && s[at] == close) return ++at, v;
                fail("',' or a closing bracket expected");
            }
        }
        if (c == '"') {
            v.kind = json::string;
            ++at;
            while (at < s.size() && s[at] != '"') {
                if (s[at] == '\\') {
                    if (++at >= s.size()) fail("bad escape");
                    const char e = s[at];
                    if (e == 'n')
                        v.str += '\n';
                    else if (e == 't')
                        v.str += '\t';
                    else if (e == 'r')
                        v.str += '\r';
                    else if (e == 'u') {
                        if (at + 4 >= s.size()) fail("bad \\u escape");
                        v.str += (char) std::stoi(s.substr(at + 1, 4), nullptr, 16);
                        at += 4;
                    } else if (e == '"' || e == '\\' || e == '/')
                        v.str += e;
                    else
                        fail("unknown escape");
                    ++at;
                } else {
                    if ((unsigned char) s[at] < 0x20) fail("raw control character in a string");
                    v.str += s[at++];
                }
            }
            if (at >= s.size()) fail("unterminated string");
            ++at;
            return v;
        }
        for (const char * lit : {"true", "false", "null"}) {
            if (s.compare(at, std::strlen(lit), lit) == 0) {
                at += std::strlen(lit);
                v.kind = lit[0] == 'n' ? json::null_v : json::boolean;
                v.b = lit[0] == 't';
                return v;
            }
        }
        const char * begin = s.c_str() + at;
        char * end = nullptr;
        v.num = std::strtod(begin, &end);
        if (end == begin) fail("a value expected");
        v.kind = json::number;
        at += (size_t) (end - begin);
        return v;
    }
};

json json_parse(const std::string & text) {
    INFO("JSON text:\n" << text);
    json_parser p{text};
    json v;
    REQUIRE_NOTHROW(v = p.value());
    p.ws();
    REQUIRE(p.at == text.size());
    return v;
}

// RFC 4180 rows (quoted fields with doubled quotes; no newlines inside fields here)
std::vector<std::vector<std::string>> csv_rows(const std::string & text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::string cur;
        bool q = false;
        for (size_t i = 0; i < line.size(); ++i) {
            const char c = line[i];
            if (q) {
                if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
                    cur += '"', ++i;
                else if (c == '"')
                    q = false;
                else
                    cur += c;
            } else if (c == '"') {
                q = true;
            } else if (c == ',') {
                f.push_back(cur), cur.clear();
            } else {
                cur += c;
            }
        }
        f.push_back(cur);
        rows.push_back(f);
    }
    return rows;
}

std::vector<std::string> lines_of(const std::string & text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

// code points of UTF-8 text (the table's notion of width)
size_t width(const std::string & s) {
    size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
}

// the text from code point `cp` on
std::string from_code_point(const std::string & s, size_t cp) {
    size_t n = 0;
    for (size_t at = 0; at < s.size(); ++at) {
        if (((unsigned char) s[at] & 0xC0) != 0x80) {
            if (n == cp) return s.substr(at);
            ++n;
        }
    }
    return "";
}

// A table's columns are aligned: for every column, the header's name and each row's cell (as
// given by the same rows in CSV) sit at the same display position - left-aligned text starts
// where the header starts, right-aligned numbers end where the header ends.
void check_table_aligned(const std::string & table_lines, const std::vector<std::vector<std::string>> & csv,
                         const std::vector<bool> & numeric) {
    INFO("table:\n" << table_lines);
    const std::vector<std::string> lines = lines_of(table_lines);
    REQUIRE(lines.size() == csv.size());
    const std::vector<std::string> & head = csv[0];
    REQUIRE(head.size() == numeric.size());
    // column c spans [start_c, end_c) in display positions: its widest cell, separated by 2 spaces
    std::vector<size_t> w(head.size());
    for (const auto & row : csv) {
        REQUIRE(row.size() == head.size());
        for (size_t c = 0; c < row.size(); ++c) w[c] = std::max(w[c], width(row[c]));
    }
    for (size_t r = 0; r < lines.size(); ++r) {
        size_t start = 0;
        for (size_t c = 0; c < head.size(); ++c) {
            CAPTURE(r, c);
            const std::string & cell = csv[r][c];
            if (cell.empty()) {  // trailing blanks are trimmed
                start += w[c] + 2;
                continue;
            }
            const size_t at = numeric[c] ? start + w[c] - width(cell) : start;
            const std::string rest = from_code_point(lines[r], at);
            REQUIRE(rest.compare(0, cell.size(), cell) == 0);
            if (at > 0) REQUIRE(from_code_point(lines[r], at - 1)[0] == ' ');  // separated
            start += w[c] + 2;
        }
    }
}

// ---- the fixture: 6 users x 8 movies in the ml-latest-small CSV schema
//
// Group A (1, 3, 4, 5: comedy / romance) and group B (2, 6, 7, 8: action / sci-fi). Users 1-3 rate
// A high (4-5) and B low (1-2), users 4-6 the opposite. Movie 5's title is hostile (a comma,
// quotes, HTML, an ampersand), movie 4's has a comma and UTF-8 letters.

const std::string nasty_title = "Crazy, \"Stupid\" <b>Love</b> & Co (2011)";
const std::string amelie_title = "Am\xC3\xA9lie (Fabuleux destin d'Am\xC3\xA9lie Poulain, Le) (2001)";

const char * const movies_csv =
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    "2,Heat (1995),Action|Crime|Thriller\n"
    "3,\"American President, The (1995)\",Comedy|Drama|Romance\n"
    "4,\"Am\xC3\xA9lie (Fabuleux destin d'Am\xC3\xA9lie Poulain, Le) (2001)\",Comedy|Romance\n"
    "5,\"Crazy, \"\"Stupid\"\" <b>Love</b> & Co (2011)\",Comedy|Drama|Romance\n"
    "6,Blade Runner (1982),Action|Sci-Fi|Thriller\n"
    "7,Alien (1979),Horror|Sci-Fi\n"
    "8,Inception (2010),Action|Crime|Drama|Mystery|Sci-Fi|Thriller|IMAX\n";

struct rating_row {
    int user, movie;
    double r;
};

// in time order per user: the last one of each user is held out by --split last:1
const std::vector<rating_row> & fixture_ratings() {
    static const std::vector<rating_row> v = {
        {1, 1, 5},   {1, 3, 4.5}, {1, 2, 1},   {1, 6, 1.5}, {1, 7, 1},                            //
        {2, 1, 4.5}, {2, 3, 5},   {2, 4, 5},   {2, 5, 4.5}, {2, 2, 1},   {2, 6, 1},   {2, 7, 2},  //
        {3, 1, 5},   {3, 4, 4},   {3, 5, 5},   {3, 2, 1.5}, {3, 7, 1},   {3, 8, 1},               //
        {4, 2, 5},   {4, 6, 5},   {4, 7, 4.5}, {4, 8, 4},   {4, 1, 1},   {4, 3, 1.5},             //
        {5, 2, 4.5}, {5, 6, 4},   {5, 8, 5},   {5, 1, 2},   {5, 4, 1},   {5, 5, 1},               //
        {6, 2, 5},   {6, 7, 5},   {6, 8, 4.5}, {6, 3, 1},   {6, 5, 1.5}, {6, 6, 5},
    };
    return v;
}

std::string ratings_csv() {
    std::string s = "userId,movieId,rating,timestamp\n";
    int j = 0, last_user = 0;
    for (const rating_row & r : fixture_ratings()) {
        j = r.user == last_user ? j + 1 : 0;
        last_user = r.user;
        char line[96];
        std::snprintf(line, sizeof line, "%d,%d,%.1f,%d\n", r.user, r.movie, r.r, 1000000000 + r.user * 100 + j);
        s += line;
    }
    return s;
}

const std::string als_params =
    "--model als --factors 2 --iterations 3 --regularization 1 --reg-bias 1 --genre-prior 0.5 --reg-genre 0.1 "
    "--init-std 0.1 "
    "--seed 7 --no-cache --quiet";

struct fixture {
    temp_dir dir;
    std::string data, model;
    fixture() {
        data = (dir.path / "data").string();
        std::filesystem::create_directories(data);
        dir.file("data/movies.csv", movies_csv);
        dir.file("data/ratings.csv", ratings_csv());
        model = (dir.path / "als.mfm").string();
        run_ok("train --data " + data + " --split none " + als_params + " --threads 1 --out " + model);
    }
    std::string path(const std::string & name) const { return (dir.path / name).string(); }
    // trains a model of another kind / parameters on the whole fixture
    std::string train(const std::string & name, const std::string & args) const {
        const std::string m = path(name);
        run_ok("train --data " + data + " --split none --seed 7 --no-cache --quiet --threads 1 " + args + " --out " +
               m);
        return m;
    }
};

std::vector<int> ids_of(const json & list) {
    REQUIRE(list.kind == json::array);
    std::vector<int> out;
    for (const json & row : list.items) out.push_back((int) row["movieId"].number_value());
    return out;
}

bool group_a(int id) {
    return id == 1 || id == 3 || id == 4 || id == 5;
}

std::string replace_all(std::string s, const std::string & from, const std::string & to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

// train's output with the wall-clock figures replaced by "T" (everything else is exact)
std::string untimed(const std::string & s) {
    static const std::regex json_seconds(R"(("[a-z_]*seconds": )(\[[^\]]*\]|[0-9.]+))");
    static const std::regex text_seconds(R"([0-9]+\.[0-9]+s\b)");
    return std::regex_replace(std::regex_replace(s, json_seconds, "$1T"), text_seconds, "Ts");
}

}  // namespace

// ============================================================ golden outputs

TEST_CASE("contract: recommend --user in table, csv and json", "[contract][cli]") {
    fixture f;
    const std::string base = "recommend --model " + f.model + " --user 1";
    const std::string table = run_ok(base);
    const std::string csv = run_ok(base + " --format csv");
    const std::string js = run_ok(base + " --format json");

    // independent: user 1 loves group A, has not seen 4, 5 (A) and 8 (B): the two unseen A
    // movies come first, then 8; the seen movies are left out
    const json recs = json_parse(js);
    const std::vector<int> ids = ids_of(recs);
    REQUIRE(ids.size() == 3);
    REQUIRE(std::set<int>(ids.begin(), ids.begin() + 2) == std::set<int>{4, 5});
    REQUIRE(ids[2] == 8);
    REQUIRE(recs.items[1]["score"].number_value() > recs.items[2]["score"].number_value() + 1.0);
    // escaping of the hostile title, by hand: CSV doubles the quotes inside quotes, JSON escapes
    // the quotes and leaves the HTML as text
    REQUIRE(csv.find("\"Crazy, \"\"Stupid\"\" <b>Love</b> & Co (2011)\"") != std::string::npos);
    REQUIRE(js.find("\"Crazy, \\\"Stupid\\\" <b>Love</b> & Co (2011)\"") != std::string::npos);
    REQUIRE(js.find("&amp;") == std::string::npos);
    REQUIRE(js.find("&lt;") == std::string::npos);
    // every format says the same thing: CSV fields = JSON fields
    const auto rows = csv_rows(csv);
    REQUIRE(rows.size() == 4);
    REQUIRE(rows[0] == std::vector<std::string>{"rank", "movieId", "score", "predicted", "ratings", "title", "genres"});
    for (size_t r = 0; r < 3; ++r) {
        const json & o = recs.items[r];
        CHECK(rows[r + 1][0] == std::to_string(r + 1));
        CHECK(o["rank"].number_value() == (double) (r + 1));
        CHECK(rows[r + 1][1] == std::to_string(ids[r]));
        CHECK(std::stod(rows[r + 1][2]) == o["score"].number_value());
        CHECK(std::stod(rows[r + 1][3]) == o["predicted"].number_value());
        CHECK(std::stod(rows[r + 1][4]) == o["ratings"].number_value());
        CHECK(rows[r + 1][5] == o["title"].str);
        CHECK(rows[r + 1][6] == o["genres"].str);
        // an ALS score is the unclamped predicted rating
        CHECK(o["predicted"].number_value() ==
              Approx(std::min(5.0, std::max(0.5, o["score"].number_value()))).margin(0.006));
    }
    // the training counts by hand: 4 rated by users 2, 3, 5; 5 by 2, 3, 5, 6; 8 by 3, 4, 5, 6
    for (size_t r = 0; r < 3; ++r) CHECK(rows[r + 1][4] == (ids[r] == 4 ? "3" : "4"));
    for (size_t r = 0; r < 3; ++r)
        if (ids[r] == 5) CHECK(rows[r + 1][5] == nasty_title);
    check_table_aligned(table, rows, {true, true, true, true, true, false, false});

    golden("recommend --user 1 (table)", table,
           R"GOLD(rank  movieId  score  predicted  ratings  title                                                 genres
   1        5  4.386       4.39        4  Crazy, "Stupid" <b>Love</b> & Co (2011)               Comedy|Drama|Romance
   2        4  4.112       4.11        3  Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)  Comedy|Romance
   3        8  1.545       1.54        4  Inception (2010)                                      Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
)GOLD");
    golden("recommend --user 1 (csv)", csv, R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,5,4.386,4.39,4,"Crazy, ""Stupid"" <b>Love</b> & Co (2011)",Comedy|Drama|Romance
2,4,4.112,4.11,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
3,8,1.545,1.54,4,Inception (2010),Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
)GOLD");
    golden("recommend --user 1 (json)", js, R"GOLD([
 {"rank": 1, "movieId": 5, "score": 4.386, "predicted": 4.39, "ratings": 4, "title": "Crazy, \"Stupid\" <b>Love</b> & Co (2011)", "genres": "Comedy|Drama|Romance"},
 {"rank": 2, "movieId": 4, "score": 4.112, "predicted": 4.11, "ratings": 3, "title": "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "genres": "Comedy|Romance"},
 {"rank": 3, "movieId": 8, "score": 1.545, "predicted": 1.54, "ratings": 4, "title": "Inception (2010)", "genres": "Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller"}
]
)GOLD");
}

namespace {

// The fixture's catalog, by hand: year, genres, training ratings (split none)
struct movie_fact {
    int id, year;
    const char * genres;
    int count;
};
const movie_fact facts[] = {
    {1, 1995, "Adventure|Animation|Children|Comedy|Fantasy", 5},
    {2, 1995, "Action|Crime|Thriller", 6},
    {3, 1995, "Comedy|Drama|Romance", 4},
    {4, 2001, "Comedy|Romance", 3},
    {5, 2011, "Comedy|Drama|Romance", 4},
    {6, 1982, "Action|Sci-Fi|Thriller", 5},
    {7, 1979, "Horror|Sci-Fi", 5},
    {8, 2010, "Action|Crime|Drama|Mystery|Sci-Fi|Thriller|IMAX", 4},
};

bool has_genre(const movie_fact & m, const std::string & g) {
    return ("|" + std::string(m.genres) + "|").find("|" + g + "|") != std::string::npos;
}

// the visitor of the filter tests: loves two B movies, so the other B movies (6, 8) come first
const std::string b_fan = "--rate \"2:5,7:4.5\"";

}  // namespace

TEST_CASE("contract: recommend --rate in table and json", "[contract][cli]") {
    fixture f;
    const std::string base = "recommend --model " + f.model + " " + b_fan + " -n 8";
    const std::string table = run_ok(base);
    const std::string js = run_ok(base + " --format json");
    const std::vector<int> ids = ids_of(json_parse(js));
    // independent: the six unrated movies, the two unrated B movies first
    REQUIRE(ids.size() == 6);
    REQUIRE(std::set<int>(ids.begin(), ids.begin() + 2) == std::set<int>{6, 8});
    REQUIRE(std::set<int>(ids.begin() + 2, ids.end()) == std::set<int>{1, 3, 4, 5});
    check_table_aligned(table, csv_rows(run_ok(base + " --format csv")), {true, true, true, true, true, false, false});
    golden("recommend --rate (table)", table,
           R"GOLD(rank  movieId  score  predicted  ratings  title                                                 genres
   1        6  4.491       4.49        5  Blade Runner (1982)                                   Action|Sci-Fi|Thriller
   2        8  4.344       4.34        4  Inception (2010)                                      Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
   3        1  2.907       2.91        5  Toy Story (1995)                                      Adventure|Animation|Children|Comedy|Fantasy
   4        5  2.719       2.72        4  Crazy, "Stupid" <b>Love</b> & Co (2011)               Comedy|Drama|Romance
   5        4  2.704       2.70        3  Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)  Comedy|Romance
   6        3  2.651       2.65        4  American President, The (1995)                        Comedy|Drama|Romance
)GOLD");
    golden("recommend --rate (json)", js, R"GOLD([
 {"rank": 1, "movieId": 6, "score": 4.491, "predicted": 4.49, "ratings": 5, "title": "Blade Runner (1982)", "genres": "Action|Sci-Fi|Thriller"},
 {"rank": 2, "movieId": 8, "score": 4.344, "predicted": 4.34, "ratings": 4, "title": "Inception (2010)", "genres": "Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller"},
 {"rank": 3, "movieId": 1, "score": 2.907, "predicted": 2.91, "ratings": 5, "title": "Toy Story (1995)", "genres": "Adventure|Animation|Children|Comedy|Fantasy"},
 {"rank": 4, "movieId": 5, "score": 2.719, "predicted": 2.72, "ratings": 4, "title": "Crazy, \"Stupid\" <b>Love</b> & Co (2011)", "genres": "Comedy|Drama|Romance"},
 {"rank": 5, "movieId": 4, "score": 2.704, "predicted": 2.70, "ratings": 3, "title": "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "genres": "Comedy|Romance"},
 {"rank": 6, "movieId": 3, "score": 2.651, "predicted": 2.65, "ratings": 4, "title": "American President, The (1995)", "genres": "Comedy|Drama|Romance"}
]
)GOLD");
}

TEST_CASE("contract: recommend filters keep exactly the movies that pass them", "[contract][cli]") {
    fixture f;
    const std::string base = "recommend --model " + f.model + " " + b_fan + " --format csv";
    const std::set<int> rated = {2, 7};
    struct filter_case {
        std::string args;
        std::function<bool(const movie_fact &)> keep;  // by hand, from the fixture
        const char * golden;
    } cases[] = {
        {"--genres Romance", [](const movie_fact & m) { return has_genre(m, "Romance"); },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,5,2.719,2.72,4,"Crazy, ""Stupid"" <b>Love</b> & Co (2011)",Comedy|Drama|Romance
2,4,2.704,2.70,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
3,3,2.651,2.65,4,"American President, The (1995)",Comedy|Drama|Romance
)GOLD"},
        {"--genres \"Crime|Romance\"",
         [](const movie_fact & m) { return has_genre(m, "Crime") || has_genre(m, "Romance"); },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,8,4.344,4.34,4,Inception (2010),Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
2,5,2.719,2.72,4,"Crazy, ""Stupid"" <b>Love</b> & Co (2011)",Comedy|Drama|Romance
3,4,2.704,2.70,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
4,3,2.651,2.65,4,"American President, The (1995)",Comedy|Drama|Romance
)GOLD"},
        {"--year-min 2001", [](const movie_fact & m) { return m.year >= 2001; },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,8,4.344,4.34,4,Inception (2010),Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
2,5,2.719,2.72,4,"Crazy, ""Stupid"" <b>Love</b> & Co (2011)",Comedy|Drama|Romance
3,4,2.704,2.70,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
)GOLD"},
        {"--year-max 1995", [](const movie_fact & m) { return m.year <= 1995; },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,6,4.491,4.49,5,Blade Runner (1982),Action|Sci-Fi|Thriller
2,1,2.907,2.91,5,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
3,3,2.651,2.65,4,"American President, The (1995)",Comedy|Drama|Romance
)GOLD"},
        {"--year-min 1990 --year-max 2005", [](const movie_fact & m) { return m.year >= 1990 && m.year <= 2005; },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,1,2.907,2.91,5,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
2,4,2.704,2.70,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
3,3,2.651,2.65,4,"American President, The (1995)",Comedy|Drama|Romance
)GOLD"},
        {"--min-ratings 5", [](const movie_fact & m) { return m.count >= 5; },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,6,4.491,4.49,5,Blade Runner (1982),Action|Sci-Fi|Thriller
2,1,2.907,2.91,5,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
)GOLD"},
        {"--include-seen", [](const movie_fact &) { return true; },
         R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,2,4.583,4.58,6,Heat (1995),Action|Crime|Thriller
2,6,4.491,4.49,5,Blade Runner (1982),Action|Sci-Fi|Thriller
3,7,4.376,4.38,5,Alien (1979),Horror|Sci-Fi
4,8,4.344,4.34,4,Inception (2010),Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
5,1,2.907,2.91,5,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
6,5,2.719,2.72,4,"Crazy, ""Stupid"" <b>Love</b> & Co (2011)",Comedy|Drama|Romance
7,4,2.704,2.70,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
8,3,2.651,2.65,4,"American President, The (1995)",Comedy|Drama|Romance
)GOLD"},
    };
    for (const filter_case & c : cases) {
        CAPTURE(c.args);
        const std::string out = run_ok(base + " -n 8 " + c.args);
        std::set<int> expect, got;
        const bool seen_too = c.args == "--include-seen";
        for (const movie_fact & m : facts)
            if (c.keep(m) && (seen_too || rated.count(m.id) == 0)) expect.insert(m.id);
        const auto rows = csv_rows(out);
        REQUIRE(rows.size() >= 1);
        std::vector<int> order;
        for (size_t r = 1; r < rows.size(); ++r) order.push_back(std::stoi(rows[r][1]));
        got.insert(order.begin(), order.end());
        REQUIRE(got == expect);
        REQUIRE(order.size() == expect.size());
        // group B before group A, whatever the filter
        for (size_t r = 1; r < order.size(); ++r) REQUIRE((!group_a(order[r - 1]) || group_a(order[r])));
        // each listed movie's count and genres are the fixture's
        for (size_t r = 1; r < rows.size(); ++r)
            for (const movie_fact & m : facts)
                if (m.id == order[r - 1]) {
                    CHECK(rows[r][4] == std::to_string(m.count));
                    std::set<std::string> want, have;
                    std::string g;
                    for (std::istringstream in(m.genres); std::getline(in, g, '|');) want.insert(g);
                    for (std::istringstream in(rows[r][6]); std::getline(in, g, '|');) have.insert(g);
                    CHECK(have == want);
                }
        golden("recommend " + c.args, out, c.golden);
    }
    // -n: the first n of the unfiltered list, ranks 1..n
    const std::string all = run_ok(base + " -n 8"), two = run_ok(base + " -n 2");
    const auto all_rows = csv_rows(all), two_rows = csv_rows(two);
    REQUIRE(two_rows.size() == 3);
    REQUIRE(std::vector<std::vector<std::string>>(all_rows.begin(), all_rows.begin() + 3) == two_rows);
    golden("recommend -n 2", two, R"GOLD(rank,movieId,score,predicted,ratings,title,genres
1,6,4.491,4.49,5,Blade Runner (1982),Action|Sci-Fi|Thriller
2,8,4.344,4.34,4,Inception (2010),Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
)GOLD");
}

TEST_CASE("contract: similar in table, csv and json", "[contract][cli]") {
    fixture f;
    const std::string base = "similar --model " + f.model + " --movie 1";
    const std::string table = run_ok(base), csv = run_ok(base + " --format csv"), js = run_ok(base + " --format json");
    const json sims = json_parse(js);
    const std::vector<int> ids = ids_of(sims);
    // independent: every other movie, its own group (3, 4, 5) first, pointing its way
    REQUIRE(ids.size() == 7);
    REQUIRE(std::set<int>(ids.begin(), ids.begin() + 3) == std::set<int>{3, 4, 5});
    REQUIRE(std::set<int>(ids.begin() + 3, ids.end()) == std::set<int>{2, 6, 7, 8});
    for (size_t r = 0; r < ids.size(); ++r) {
        const double s = sims.items[r]["similarity"].number_value();
        REQUIRE(s >= -1.0);
        REQUIRE(s <= 1.0);
        REQUIRE((r < 3 ? s > 0 : s < 0));
        if (r > 0) REQUIRE(s <= sims.items[r - 1]["similarity"].number_value());
    }
    // the table: one heading line, then the aligned table of the CSV's rows
    const std::string heading = "movies like Toy Story (1995) (1):\n";
    REQUIRE(table.compare(0, heading.size(), heading) == 0);
    check_table_aligned(table.substr(heading.size()), csv_rows(csv), {true, true, true, true, false, false});
    REQUIRE(csv.find("\"Crazy, \"\"Stupid\"\" <b>Love</b> & Co (2011)\"") != std::string::npos);
    golden("similar (table)", table, R"GOLD(movies like Toy Story (1995) (1):
rank  movieId  similarity  ratings  title                                                 genres
   1        5       0.877        4  Crazy, "Stupid" <b>Love</b> & Co (2011)               Comedy|Drama|Romance
   2        3       0.877        4  American President, The (1995)                        Comedy|Drama|Romance
   3        4       0.757        3  Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)  Comedy|Romance
   4        8      -0.686        4  Inception (2010)                                      Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
   5        2      -0.908        6  Heat (1995)                                           Action|Crime|Thriller
   6        6      -0.946        5  Blade Runner (1982)                                   Action|Sci-Fi|Thriller
   7        7      -0.995        5  Alien (1979)                                          Horror|Sci-Fi
)GOLD");
    golden("similar (csv)", csv, R"GOLD(rank,movieId,similarity,ratings,title,genres
1,5,0.877,4,"Crazy, ""Stupid"" <b>Love</b> & Co (2011)",Comedy|Drama|Romance
2,3,0.877,4,"American President, The (1995)",Comedy|Drama|Romance
3,4,0.757,3,"Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
4,8,-0.686,4,Inception (2010),Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller
5,2,-0.908,6,Heat (1995),Action|Crime|Thriller
6,6,-0.946,5,Blade Runner (1982),Action|Sci-Fi|Thriller
7,7,-0.995,5,Alien (1979),Horror|Sci-Fi
)GOLD");
    golden("similar (json)", js, R"GOLD([
 {"rank": 1, "movieId": 5, "similarity": 0.877, "ratings": 4, "title": "Crazy, \"Stupid\" <b>Love</b> & Co (2011)", "genres": "Comedy|Drama|Romance"},
 {"rank": 2, "movieId": 3, "similarity": 0.877, "ratings": 4, "title": "American President, The (1995)", "genres": "Comedy|Drama|Romance"},
 {"rank": 3, "movieId": 4, "similarity": 0.757, "ratings": 3, "title": "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "genres": "Comedy|Romance"},
 {"rank": 4, "movieId": 8, "similarity": -0.686, "ratings": 4, "title": "Inception (2010)", "genres": "Action|Crime|Drama|IMAX|Mystery|Sci-Fi|Thriller"},
 {"rank": 5, "movieId": 2, "similarity": -0.908, "ratings": 6, "title": "Heat (1995)", "genres": "Action|Crime|Thriller"},
 {"rank": 6, "movieId": 6, "similarity": -0.946, "ratings": 5, "title": "Blade Runner (1982)", "genres": "Action|Sci-Fi|Thriller"},
 {"rank": 7, "movieId": 7, "similarity": -0.995, "ratings": 5, "title": "Alien (1979)", "genres": "Horror|Sci-Fi"}
]
)GOLD");
    // -n: the first n
    const auto two = csv_rows(run_ok(base + " -n 2 --format csv"));
    const auto all = csv_rows(csv);
    REQUIRE(two == std::vector<std::vector<std::string>>(all.begin(), all.begin() + 3));
}

TEST_CASE("contract: explain in table, csv and json; the parts sum to the score", "[contract][cli]") {
    fixture f;
    auto sum_of = [](const json & parts) {
        REQUIRE(parts.kind == json::array);
        double s = 0;
        for (const json & row : parts.items) s += row["value"].number_value();
        return s;
    };
    // a new visitor: the score equals recommend's for the same ratings
    const json e = json_parse(run_ok("explain --model " + f.model + " " + b_fan + " --movie 5 --format json"));
    const json recs = json_parse(run_ok("recommend --model " + f.model + " " + b_fan + " -n 8 --format json"));
    bool found = false;
    for (const json & r : recs.items)
        if (r["movieId"].number_value() == 5) {
            found = true;
            REQUIRE(r["score"].number_value() == Approx(e["score"].number_value()).margin(5e-4));
        }
    REQUIRE(found);
    REQUIRE(e["title"].str == nasty_title);
    const double raw = e["score_raw"].number_value();
    // the parts are printed with 4 decimals: each off by at most 5e-5
    REQUIRE(sum_of(e["by_rated"]) == Approx(raw).margin(e["by_rated"].items.size() * 5e-5 + 1e-6));
    REQUIRE(sum_of(e["by_genre"]) == Approx(raw).margin(e["by_genre"].items.size() * 5e-5 + 1e-6));
    // by hand: one part per rated movie (2 and 7), the global mean 114/36, one part per genre of movie 5
    std::set<int> rated;
    std::set<std::string> genres;
    for (const json & row : e["by_rated"].items) {
        if (row["part"].str == "rated") rated.insert((int) row["movieId"].number_value());
        if (row["part"].str == "global mean") REQUIRE(row["value"].number_value() == Approx(114.0 / 36).margin(5e-5));
    }
    for (const json & row : e["by_genre"].items)
        if (row["part"].str.rfind("genre ", 0) == 0) genres.insert(row["part"].str.substr(6));
    REQUIRE(rated == std::set<int>{2, 7});
    REQUIRE(genres == std::set<std::string>{"Comedy", "Drama", "Romance"});

    // an existing user (a fold-in of their training ratings): the same sums, in every format
    const std::string base = "explain --model " + f.model + " --user 1 --movie 5";
    const std::string table = run_ok(base), csv = run_ok(base + " --format csv"), js = run_ok(base + " --format json");
    const json u = json_parse(js);
    REQUIRE(sum_of(u["by_rated"]) == Approx(u["score_raw"].number_value()).margin(7 * 5e-5 + 1e-6));
    REQUIRE(sum_of(u["by_genre"]) == Approx(u["score_raw"].number_value()).margin(6 * 5e-5 + 1e-6));
    rated.clear();
    for (const json & row : u["by_rated"].items)
        if (row["part"].str == "rated") rated.insert((int) row["movieId"].number_value());
    REQUIRE(rated == std::set<int>{1, 2, 3, 6, 7});  // user 1's ratings
    REQUIRE(csv.find("\"b_i of Crazy, \"\"Stupid\"\" <b>Love</b> & Co (2011)\"") != std::string::npos);
    golden("explain --user 1 (table)", table,
           R"GOLD(Crazy, "Stupid" <b>Love</b> & Co (2011) (5): predicted 4.359 (raw score 4.3590)

by rated movie (sum = raw score):
part         movieId    value  detail
global mean            3.1667
movie bias            -0.0649  b_i of Crazy, "Stupid" <b>Love</b> & Co (2011)
rated              3   0.6873  you rated 4.5: American President, The (1995)
rated              1   0.5482  you rated 5.0: Toy Story (1995)
rated              7  -0.1245  you rated 1.0: Alien (1979)
rated              2   0.1203  you rated 1.0: Heat (1995)
rated              6   0.0260  you rated 1.5: Blade Runner (1982)

by genre (sum = raw score):
part                            value
global mean                    3.1667
your bias                     -0.1993
genre Comedy                   0.4388
genre Romance                  0.2620
genre Drama                    0.1888
this movie beyond its genres   0.5020
)GOLD");
    golden("explain --user 1 (csv)", csv, R"GOLD(part,movieId,value,detail
global mean,,3.1667,
movie bias,,-0.0649,"b_i of Crazy, ""Stupid"" <b>Love</b> & Co (2011)"
rated,3,0.6873,"you rated 4.5: American President, The (1995)"
rated,1,0.5482,you rated 5.0: Toy Story (1995)
rated,7,-0.1245,you rated 1.0: Alien (1979)
rated,2,0.1203,you rated 1.0: Heat (1995)
rated,6,0.0260,you rated 1.5: Blade Runner (1982)
part,value
global mean,3.1667
your bias,-0.1993
genre Comedy,0.4388
genre Romance,0.2620
genre Drama,0.1888
this movie beyond its genres,0.5020
)GOLD");
    golden("explain --user 1 (json)", js, R"GOLD({
  "movieId": 5,
  "title": "Crazy, \"Stupid\" <b>Love</b> & Co (2011)",
  "score": 4.359043,
  "score_raw": 4.359043,
  "by_rated": [
 {"part": "global mean", "movieId": "", "value": 3.1667, "detail": ""},
 {"part": "movie bias", "movieId": "", "value": -0.0649, "detail": "b_i of Crazy, \"Stupid\" <b>Love</b> & Co (2011)"},
 {"part": "rated", "movieId": 3, "value": 0.6873, "detail": "you rated 4.5: American President, The (1995)"},
 {"part": "rated", "movieId": 1, "value": 0.5482, "detail": "you rated 5.0: Toy Story (1995)"},
 {"part": "rated", "movieId": 7, "value": -0.1245, "detail": "you rated 1.0: Alien (1979)"},
 {"part": "rated", "movieId": 2, "value": 0.1203, "detail": "you rated 1.0: Heat (1995)"},
 {"part": "rated", "movieId": 6, "value": 0.0260, "detail": "you rated 1.5: Blade Runner (1982)"}
]
,
  "by_genre": [
 {"part": "global mean", "value": 3.1667},
 {"part": "your bias", "value": -0.1993},
 {"part": "genre Comedy", "value": 0.4388},
 {"part": "genre Romance", "value": 0.2620},
 {"part": "genre Drama", "value": 0.1888},
 {"part": "this movie beyond its genres", "value": 0.5020}
]

}
)GOLD");
}

TEST_CASE("contract: info in table, csv and json", "[contract][cli]") {
    fixture f;
    const std::string table = run_ok("info " + f.model), csv = run_ok("info " + f.model + " --format csv"),
                      js = run_ok("info " + f.model + " --format json");
    const json i = json_parse(js);
    // by hand from the fixture and the training command
    CHECK(i["model"].str == "als");
    CHECK(i["factors"].str == "2");
    CHECK(i["users"].str == "6");
    CHECK(i["movies"].str == "8");
    CHECK(i["movies with ratings"].str == "8");
    CHECK(i["training ratings"].str == "36");
    CHECK(i["global mean"].str == "3.1667");  // 114 / 36
    CHECK(i["rating scale"].str == "1-5 step 0.5");
    CHECK(i["iterations"].str == "3");
    CHECK(i["regularization"].str == "1");
    CHECK(i["reg_bias"].str == "1");
    CHECK(i["seed"].str == "7");
    const auto rows = csv_rows(csv);
    REQUIRE(rows.size() == i.fields.size() + 1);
    for (size_t r = 1; r < rows.size(); ++r) {
        CHECK(rows[r][0] == i.fields[r - 1].first);
        CHECK(rows[r][1] == i.fields[r - 1].second.str);
    }
    check_table_aligned(table, rows, {false, false});
    golden("info (table)", table, R"GOLD(key                  value
model                als
factors              2
users                6
movies               8
movies with ratings  8
training ratings     36
genres               20
global mean          3.1667
rating scale         1-5 step 0.5
iterations           3
regularization       1
reg_bias             1
genre_prior          0.5
reg_genre            0.1
reg_by_count         false
solver               cholesky
cg_steps             4
init_std             0.1
seed                 7
)GOLD");
    golden("info (csv)", csv, R"GOLD(key,value
model,als
factors,2
users,6
movies,8
movies with ratings,8
training ratings,36
genres,20
global mean,3.1667
rating scale,1-5 step 0.5
iterations,3
regularization,1
reg_bias,1
genre_prior,0.5
reg_genre,0.1
reg_by_count,false
solver,cholesky
cg_steps,4
init_std,0.1
seed,7
)GOLD");
    golden("info (json)", js, R"GOLD({
  "model": "als",
  "factors": "2",
  "users": "6",
  "movies": "8",
  "movies with ratings": "8",
  "training ratings": "36",
  "genres": "20",
  "global mean": "3.1667",
  "rating scale": "1-5 step 0.5",
  "iterations": "3",
  "regularization": "1",
  "reg_bias": "1",
  "genre_prior": "0.5",
  "reg_genre": "0.1",
  "reg_by_count": "false",
  "solver": "cholesky",
  "cg_steps": "4",
  "init_std": "0.1",
  "seed": "7"
}
)GOLD");
}

TEST_CASE("contract: train of every kind and solver", "[contract][cli]") {
    fixture f;
    const std::string base = "train --data " + f.data + " --split none --seed 7 --no-cache --quiet --threads 1 ";
    const std::string als = "--factors 2 --iterations 3 --regularization 1 --reg-bias 1 ";
    struct train_case {
        std::string args;
        const char * golden;  // the table output, wall-clock figures as T
    } cases[] = {
        {"--model mean", R"GOLD(model  train_rmse  test_rmse  test_mae
mean       1.7520
train 36 ratings, test 0; training Ts (1 epochs), total Ts
)GOLD"},
        {"--model bias --iterations 3 --reg-bias 1", R"GOLD(model  train_rmse  test_rmse  test_mae
bias       1.6846
train 36 ratings, test 0; training Ts (3 epochs), total Ts
)GOLD"},
        {"--model als " + als, R"GOLD(model             train_rmse  test_rmse  test_mae
als k=2 tau=0.50      0.2795
train 36 ratings, test 0; training Ts (3 epochs), total Ts
)GOLD"},
        {"--model als " + als + "--solver cg", R"GOLD(model             train_rmse  test_rmse  test_mae
als k=2 tau=0.50      0.2795
train 36 ratings, test 0; training Ts (3 epochs), total Ts
)GOLD"},
        {"--model als " + als + "--reg-by-count", R"GOLD(model             train_rmse  test_rmse  test_mae
als k=2 tau=0.50      1.5258
train 36 ratings, test 0; training Ts (3 epochs), total Ts
)GOLD"},
        {"--model pop", R"GOLD(model  train_rmse  test_rmse  test_mae
pop
train 36 ratings, test 0; training Ts (0 epochs), total Ts
)GOLD"},
        {"--model ials --factors 2 --iterations 3", R"GOLD(model     train_rmse  test_rmse  test_mae
ials k=2      1.0000
train 36 ratings, test 0; training Ts (3 epochs), total Ts
)GOLD"},
        {"--model ease", R"GOLD(model  train_rmse  test_rmse  test_mae
ease
train 36 ratings, test 0; training Ts (0 epochs), total Ts
)GOLD"},
    };
    for (const train_case & c : cases) {
        CAPTURE(c.args);
        golden("train " + c.args, untimed(run_ok(base + c.args)), c.golden);
    }
    // by hand: the mean model's training RMSE is the standard deviation of the 36 ratings
    double sse = 0;
    for (const rating_row & r : fixture_ratings()) sse += (r.r - 114.0 / 36) * (r.r - 114.0 / 36);
    const json mean = json_parse(run_ok(base + "--model mean --format json"));
    REQUIRE(mean["train_rmse"].number_value() == Approx(std::sqrt(sse / 36)).margin(1e-6));
    REQUIRE(mean["n_train"].number_value() == 36);
    REQUIRE(mean["n_test"].number_value() == 0);
    REQUIRE(mean["test_rmse"].kind == json::null_v);
    // a kind that predicts no rating reports no training RMSE (not 0)
    for (const char * kind : {"pop", "ease"}) {
        CAPTURE(kind);
        const json j = json_parse(run_ok(base + "--model " + kind + " --format json"));
        REQUIRE(j["train_rmse"].kind == json::null_v);
    }
    // json and csv of the als run: the parameters as given, the split's counts
    const std::string js = run_ok(base + "--model als " + als + "--format json");
    const json j = json_parse(js);
    CHECK(j["model"].str == "als");
    CHECK(j["factors"].number_value() == 2);
    CHECK(j["iterations"].number_value() == 3);
    CHECK(j["regularization"].number_value() == 1);
    CHECK(j["reg_bias"].number_value() == 1);
    CHECK(j["seed"].number_value() == 7);
    CHECK(j["rating_min"].number_value() == 1);
    CHECK(j["rating_max"].number_value() == 5);
    CHECK(j["n_train"].number_value() == 36);
    REQUIRE(j["train_rmse_by_epoch"].items.size() == 3);
    CHECK(j["train_rmse_by_epoch"].items[2].number_value() == j["train_rmse"].number_value());
    golden("train als (json)", untimed(js), R"GOLD({
  "model": "als",
  "factors": 2,
  "iterations": 3,
  "regularization": 1.0000,
  "reg_bias": 1.0000,
  "genre_prior": 0.5000,
  "reg_genre": 0.1000,
  "reg_by_count": false,
  "solver": "cholesky",
  "cg_steps": 4,
  "init_std": 0.1000,
  "alpha": 0.5000,
  "confidence": "rating",
  "recency": 0.0000,
  "burn_in": 50,
  "samples": 300,
  "implicit_features": "on",
  "genre_features": "on",
  "rank_factors": 64,
  "rank_reg": 20.0000,
  "blend": -1.0000,
  "split": "none",
  "seed": 7,
  "rating_min": 1.00,
  "rating_max": 5.00,
  "n_train": 36,
  "n_test": 0,
  "duplicates": 0,
  "train_rmse": 0.279543,
  "test_rmse": null,
  "test_mae": null,
  "load_seconds": T,
  "from_cache": false,
  "matrix_seconds": T,
  "seconds": T,
  "total_seconds": T,
  "epoch_seconds": T,
  "train_rmse_by_epoch": [1.519080, 0.288794, 0.279543],
  "test_rmse_by_epoch": [],
  "best_epoch": null,
  "n_validation": 0,
  "validation_rmse_by_epoch": []
}
)GOLD");
    golden("train als (csv)", run_ok(base + "--model als " + als + "--format csv"),
           R"GOLD(model,train_rmse,test_rmse,test_mae
als k=2 tau=0.50,0.2795,,
)GOLD");
}

TEST_CASE("contract: eval rating and ranking metrics", "[contract][cli]") {
    fixture f;
    // --split last:1 holds out each user's last rating: 1:7 (1.0), 2:7 (2.0), 3:8 (1.0), 4:3 (1.5),
    // 5:5 (1.0), 6:6 (5.0)
    const std::string data = "--data " + f.data + " --split last:1 --seed 7 --no-cache --quiet";
    const std::string pop = f.path("pop.mfm"), mean = f.path("mean.mfm"), als = f.path("als1.mfm");
    run_ok("train " + data + " --threads 1 --model pop --out " + pop);
    run_ok("train " + data + " --threads 1 --model mean --out " + mean);
    run_ok("train --data " + f.data + " --split last:1 --threads 1 " + als_params + " --out " + als);

    // popularity, by hand: training counts 2:6, 1:5, 6:4, 3,4,5,7,8:3 (ties by row). Candidates and
    // the held-out movie's rank: u1 {4,5,7,8} 7 at 3; u2 {7,8} 7 at 1; u3 {6,3,8} 8 at 3; u4 {3,4,5}
    // 3 at 1; u5 {3,5,7} 5 at 2; u6 {1,6,4} 6 at 2. So P@3 = 1/3 for everyone (one hit, K = 3),
    // recall = hit rate = 1, MRR = MAP = (1/3 + 1 + 1/3 + 1 + 1/2 + 1/2) / 6 = 11/18,
    // NDCG = (1/2 + 1 + 1/2 + 1 + 2 / log2(3)) / 6, AUC (ties 1/2) = (5 · 1/2 + 1/4) / 6,
    // coverage = 7 / 7, novelty = (4 + (log2(6/4) + 2) / 3 + (log2(6/5) + log2(6/4) + 1) / 3) / 6
    const json p = json_parse(run_ok("eval --model " + pop + " " + data + " --metrics ranking --k 3 --format json"));
    const double l = std::log2(3.0);
    CHECK(p["n_test"].number_value() == 6);
    CHECK(p["n_users"].number_value() == 6);
    CHECK(p["k"].number_value() == 3);
    CHECK(p["precision_at_3"].number_value() == Approx(1.0 / 3).margin(1e-6));
    CHECK(p["recall_at_3"].number_value() == Approx(1.0).margin(1e-6));
    CHECK(p["hit_rate_at_3"].number_value() == Approx(1.0).margin(1e-6));
    CHECK(p["mrr"].number_value() == Approx(11.0 / 18).margin(1e-6));
    CHECK(p["map_at_3"].number_value() == Approx(11.0 / 18).margin(1e-6));
    CHECK(p["ndcg_at_3"].number_value() == Approx((3.0 + 2.0 / l) / 6).margin(1e-6));
    CHECK(p["auc"].number_value() == Approx(2.75 / 6).margin(1e-6));
    CHECK(p["coverage_at_3"].number_value() == Approx(1.0).margin(1e-6));
    CHECK(p["novelty_at_3"].number_value() ==
          Approx((4 + (std::log2(1.5) + 2) / 3 + (std::log2(1.2) + std::log2(1.5) + 1) / 3) / 6).margin(1e-6));
    CHECK(p["precision_at_3_ci"].items.size() == 2);
    CHECK(p["precision_at_3_ci"].items[0].number_value() == Approx(1.0 / 3).margin(1e-6));  // sd 0
    CHECK(!p.fields.empty());
    for (const auto & kv : p.fields) CHECK(kv.first != "rmse");  // --metrics ranking only

    // the mean model, by hand: μ = (114 - 11.5) / 30; RMSE and MAE of the six held-out ratings
    const json m = json_parse(run_ok("eval --model " + mean + " " + data + " --metrics rating --format json"));
    const double mu = (114 - 11.5) / 30;
    double se = 0, ae = 0;
    for (double r : {1.0, 2.0, 1.0, 1.5, 1.0, 5.0}) se += (r - mu) * (r - mu), ae += std::fabs(r - mu);
    CHECK(m["rmse"].number_value() == Approx(std::sqrt(se / 6)).margin(1e-6));
    CHECK(m["mae"].number_value() == Approx(ae / 6).margin(1e-6));
    for (const auto & kv : m.fields) CHECK(kv.first != "mrr");  // --metrics rating only

    // the als model in every format (the default K is 10)
    const std::string e = "eval --model " + als + " " + data + " --metrics rating,ranking";
    const std::string table = run_ok(e + " --k 3"), csv = run_ok(e + " --k 3 --format csv"),
                      js = run_ok(e + " --k 3 --format json");
    const json a = json_parse(js);
    const auto rows = csv_rows(csv);
    REQUIRE(rows.size() == 12);
    REQUIRE(rows[0] == std::vector<std::string>{"metric", "value", "ci_low", "ci_high"});
    for (size_t r = 1; r < rows.size(); ++r) {
        CAPTURE(rows[r][0]);
        CHECK(std::stod(rows[r][1]) == Approx(a[rows[r][0]].number_value()).margin(5e-5));
    }
    // precision@3 = hits / 3 per user: a multiple of 1/18 over 6 users
    const double p3 = a["precision_at_3"].number_value() * 18;
    CHECK(p3 == Approx(std::round(p3)).margin(1e-4));
    const std::vector<std::string> table_lines = lines_of(table);
    REQUIRE(table_lines.size() == 13);
    check_table_aligned(table.substr(0, table.rfind("6 held-out")), rows, {false, true, true, true});
    golden("eval --k 3 (table)", table, R"GOLD(metric           value  ci_low  ci_high
rmse            0.9505
mae             0.7887
precision_at_3  0.2778  0.1689   0.3867
recall_at_3     0.8333  0.5067   1.1600
ndcg_at_3       0.5873  0.3285   0.8460
map_at_3        0.5000  0.2470   0.7530
hit_rate_at_3   0.8333  0.5067   1.1600
mrr             0.5417  0.3450   0.7383
auc             0.4167  0.1155   0.7178
coverage_at_3   1.0000
novelty_at_3    0.9129  0.7884   1.0375
6 held-out ratings; ranking over the full catalogue for 6 users (95% CIs)
)GOLD");
    golden("eval --k 3 (csv)", csv, R"GOLD(metric,value,ci_low,ci_high
rmse,0.9505,,
mae,0.7887,,
precision_at_3,0.2778,0.1689,0.3867
recall_at_3,0.8333,0.5067,1.1600
ndcg_at_3,0.5873,0.3285,0.8460
map_at_3,0.5000,0.2470,0.7530
hit_rate_at_3,0.8333,0.5067,1.1600
mrr,0.5417,0.3450,0.7383
auc,0.4167,0.1155,0.7178
coverage_at_3,1.0000,,
novelty_at_3,0.9129,0.7884,1.0375
)GOLD");
    golden("eval --k 3 (json)", replace_all(js, als, "MODEL"), R"GOLD({
  "model": "MODEL",
  "split": "last:1",
  "n_test": 6,
  "skipped_unknown_movies": 0,
  "rmse": 0.950451,
  "mae": 0.788734,
  "test_rmse": 0.950451,
  "test_mae": 0.788734,
  "k": 3,
  "n_users": 6,
  "precision_at_3": 0.277778,
  "precision_at_3_ci": [0.168889, 0.386667],
  "recall_at_3": 0.833333,
  "recall_at_3_ci": [0.506667, 1.160000],
  "ndcg_at_3": 0.587287,
  "ndcg_at_3_ci": [0.328533, 0.846040],
  "map_at_3": 0.500000,
  "map_at_3_ci": [0.246965, 0.753035],
  "hit_rate_at_3": 0.833333,
  "hit_rate_at_3_ci": [0.506667, 1.160000],
  "mrr": 0.541667,
  "mrr_ci": [0.344987, 0.738346],
  "auc": 0.416667,
  "auc_ci": [0.115495, 0.717838],
  "coverage_at_3": 1.000000,
  "novelty_at_3": 0.912942,
  "novelty_at_3_ci": [0.788403, 1.037482]
}
)GOLD");
    const json k10 = json_parse(run_ok(e + " --format json"));
    CHECK(k10["k"].number_value() == 10);
    CHECK(k10["precision_at_10"].number_value() >= 0);
}

// ============================================================ bad input

namespace {

// fails with a non-zero exit, `expect` on stderr, nothing on stdout, and no file at `out`
void check_refused(const std::string & args, const std::string & expect, const std::string & out = "") {
    run_result r = run(args);
    INFO("mfrec " << args << "\n" << r.all());
    CHECK(r.code != 0);
    CHECK(r.err.find(expect) != std::string::npos);
    CHECK(r.out.empty());
    if (!out.empty()) CHECK(!exists(out));
}

}  // namespace

TEST_CASE("contract: bad training arguments are refused before any work", "[contract][cli][errors]") {
    fixture f;
    const std::string out = f.path("bad.mfm");
    const std::string train = "train --data " + f.data + " --no-cache --quiet --out " + out + " ";
    struct bad {
        std::string args, expect;
    } cases[] = {
        {"--regularization inf", "--regularization: inf is not a finite number"},
        {"--reg-bias nan", "--reg-bias: nan is not a finite number"},
        {"--genre-prior -1", "--genre-prior: -1 is outside 0..100"},
        {"--factors 0", "--factors: 0 is outside 1..1024"},
        {"--factors 5000", "--factors: 5000 is outside 1..1024"},
        {"--threads 100000", "--threads: 100000 is outside 0..1024"},
        {"--threads -1", "--threads: -1 is outside 0..1024"},
        {"--solver lu", "--solver: 'lu' is not one of cholesky|cg"},
        {"--model svdpp", "--model 'svdpp': expected hybrid, als, bayes, ials, ease, pop, bias or mean"},
        {"--split random:2", "split 'random:2'"},
    };
    for (const bad & c : cases) check_refused(train + c.args, c.expect, out);

    // --out in a folder that does not exist: refused before the data is even read (the data
    // folder here does not exist either, and the message is about --out)
    check_refused("train --data " + f.path("no-such-data") + " --split none --no-cache --out /nonexistent/dir/m.mfm",
                  "--out: /nonexistent/dir/m.mfm: directory /nonexistent/dir does not exist", "/nonexistent/dir/m.mfm");
    run_result r = run("train --data " + f.data + " --split none --no-cache --out /nonexistent/dir/m.mfm");
    CHECK(r.err.find("epoch") == std::string::npos);  // no training happened
    // --out naming a directory
    std::filesystem::create_directories(f.path("adir"));
    check_refused("train --data " + f.data + " --split none --no-cache --quiet --out " + f.path("adir"),
                  "adir: Is a directory");
    REQUIRE(std::filesystem::is_empty(f.path("adir")));
    // a ratings file with only its header
    std::filesystem::create_directories(f.path("empty"));
    f.dir.file("empty/movies.csv", movies_csv);
    f.dir.file("empty/ratings.csv", "userId,movieId,rating,timestamp\n");
    check_refused("train --data " + f.path("empty") + " --split none --no-cache --quiet --out " + out,
                  "empty/ratings.csv: no ratings", out);
}

TEST_CASE("contract: bad query arguments are refused", "[contract][cli][errors]") {
    fixture f;
    const std::string pop = f.train("pop.mfm", "--model pop");
    const std::string rec = "recommend --model " + f.model + " ";
    check_refused(rec + "--user 1 -n 0", "-n must be within 1..100000 (0 given)");
    check_refused(rec + "--user 1 -n -3", "-n must be within 1..100000 (-3 given)");
    check_refused("similar --model " + f.model + " --movie 1 -n 0", "-n must be within 1..100000");
    check_refused(rec + "--rate \"1:7\"", "--rate entry 1 '1:7': rating 7 is outside 0.5-5");
    check_refused(rec + "--rate \"1:0.5\"", "rating 0.5 for movie 1 is outside the model's scale 1-5");
    check_refused("explain --model " + pop + " --user 1 --movie 5", "a pop model cannot split its scores");
    check_refused("similar --model " + pop + " --movie 1", "a pop model has no movie vectors");

    // a movie rated twice: allowed, the last rating counts, and stderr says so
    run_result dup = run(rec + "--rate \"1:4,1:3\" -n 8 --format json");
    INFO(dup.all());
    REQUIRE(dup.code == 0);
    CHECK(dup.err.find("--rate names 1 movie(s) more than once: the last rating of each counts") != std::string::npos);
    run_result once = run(rec + "--rate \"1:3\" -n 8 --format json");
    REQUIRE(once.code == 0);
    CHECK(once.err.empty());
    CHECK(dup.out == once.out);
    CHECK(dup.out != run_ok(rec + "--rate \"1:4\" -n 8 --format json"));

    // eval: bad --k and --metrics are named before the model and the data are read (the data
    // folder does not exist)
    const std::string eval = "eval --model " + f.model + " --data " + f.path("no-such-data") + " --no-cache ";
    check_refused(eval + "--k 0", "--k must be within 1..10000");
    check_refused(eval + "--metrics foo", "--metrics 'foo': expected rating, ranking, similar or a list");
    check_refused("eval --model " + f.model + " --data " + f.data + " --no-cache --quiet --k 0",
                  "--k must be within 1..10000");
}

TEST_CASE("contract: damaged model files are refused with the reason", "[contract][cli][errors]") {
    fixture f;
    const std::string bytes = read_file(f.model);
    REQUIRE(bytes.size() > 128);
    // truncated to half its bytes
    const std::string half = f.dir.file("half.mfm", bytes.substr(0, bytes.size() / 2));
    const std::string trunc = "truncated: the header says " + std::to_string(bytes.size()) + " bytes, " +
                              std::to_string(bytes.size() / 2) + " present";
    check_refused("info " + half, trunc);
    check_refused("recommend --model " + half + " --user 1", trunc);

    // a valid container whose k says 2^31 - 2: rebuilt section by section with k replaced
    std::vector<uint8_t> buf(bytes.begin(), bytes.end());
    mf::result<mf::mfm_reader> r = mf::mfm_open(buf.data(), buf.size());
    REQUIRE(r);
    mf::mfm_writer w;
    const int32_t forged = 2147483646;
    bool saw_k = false;
    for (const mf::mfm_section & s : r->sections) {
        if (s.name == "k") {
            REQUIRE(s.type == mf::mfm_type::i32);
            saw_k = true;
            REQUIRE(w.add_i32("k", &forged, 1));
        } else {
            REQUIRE(w.add(s.name, s.type, s.data, s.shape[0], s.shape[1], s.shape[2]));
        }
    }
    REQUIRE(saw_k);
    const std::vector<uint8_t> forged_bytes = w.finish();
    REQUIRE(!forged_bytes.empty());
    REQUIRE(mf::mfm_open(forged_bytes.data(), forged_bytes.size()));  // the container itself is valid
    const std::string path = f.dir.file("forged.mfm", std::string(forged_bytes.begin(), forged_bytes.end()));
    for (const std::string & cmd :
         {"info " + path, "recommend --model " + path + " --user 1", "similar --model " + path + " --movie 1"})
        check_refused(cmd, "section k: 2147483646 is not a valid number of factors (0-1024)");
}

// ============================================================ determinism

TEST_CASE("contract: the same seed gives byte-identical output and model files for any thread count",
          "[contract][cli]") {
    fixture f;
    const std::string base =
        "train --data " + f.data + " --split random:0.2 --seed 11 " + std::string("--no-cache --quiet ");
    for (const char * kind : {"als --factors 3 --iterations 4", "als --factors 3 --iterations 4 --solver cg",
                              "ials --factors 3 --iterations 4", "bias --iterations 4", "ease"}) {
        CAPTURE(kind);
        std::vector<std::string> models, recs;
        int n = 0;
        for (const char * threads : {"1", "2", "2"}) {
            const std::string m = f.path("det" + std::to_string(n++) + ".mfm");
            run_ok(base + "--model " + std::string(kind) + " --threads " + threads + " --out " + m);
            models.push_back(read_file(m));
            recs.push_back(run_ok("recommend --model " + m + " --user 3 -n 8 --format json") +
                           run_ok("recommend --model " + m + " " + b_fan + " -n 8 --format json"));
        }
        REQUIRE(!models[0].empty());
        CHECK(models[0] == models[1]);
        CHECK(models[1] == models[2]);
        CHECK(recs[0] == recs[1]);
        CHECK(recs[1] == recs[2]);
    }
    // and another seed gives another model (the seed is used)
    const std::string a = f.path("s11.mfm"), b = f.path("s12.mfm");
    run_ok(base + "--factors 3 --iterations 4 --threads 1 --out " + a);
    run_ok("train --data " + f.data +
           " --split random:0.2 --seed 12 --no-cache --quiet --factors 3 --iterations 4 "
           "--threads 1 --out " +
           b);
    CHECK(read_file(a) != read_file(b));
}

TEST_CASE("contract: bayes recommend carries sd (json, csv, table ±) and eval its calibration keys",
          "[contract][cli]") {
    fixture f;
    const std::string b = f.train("bayes.mfm", "--model bayes --factors 2 --burn-in 5 --samples 10");
    const json recs = json_parse(run_ok("recommend --model " + b + " --user 1 -n 3 --format json"));
    REQUIRE(recs.kind == json::array);
    REQUIRE(recs.items.size() == 3);
    for (const json & r : recs.items) {
        const double sd = r["sd"].number_value();
        CHECK(sd > 0.0);
        CHECK(sd < 5.0);
        CHECK(r["score"].number_value() >= 1.0);
    }
    const auto rows = csv_rows(run_ok("recommend --model " + b + " --user 1 -n 3 --format csv"));
    REQUIRE(rows.size() == 4);
    CHECK(rows[0][3] == "predicted");
    CHECK(rows[0][4] == "sd");
    const std::string table = run_ok("recommend --model " + b + " --rate 1:5,2:4 -n 3");
    CHECK(table.find(" \u00b1 ") != std::string::npos);
    // a model without an sd keeps its columns
    const json als = json_parse(run_ok("recommend --model " + f.model + " --user 1 -n 3 --format json"));
    for (const auto & kv : als.items[0].fields) CHECK(kv.first != "sd");

    const json e = json_parse(run_ok("eval --model " + b + " --data " + f.data +
                                     " --no-cache --split random:0.3 --seed 7 --metrics rating --format json"));
    const double c1 = e["coverage_1sd"].number_value(), c2 = e["coverage_2sd"].number_value();
    CHECK(c1 >= 0.0);
    CHECK(c1 <= c2);
    CHECK(c2 <= 1.0);
    CHECK(e["rmse_by_sd_quartile"].items.size() == 4);
    const json ea = json_parse(run_ok("eval --model " + f.model + " --data " + f.data +
                                      " --no-cache --split random:0.3 --seed 7 --metrics rating --format json"));
    for (const auto & kv : ea.fields) CHECK(kv.first != "coverage_1sd");
}

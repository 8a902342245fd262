// output.h - what commands print: a table of rows, as an aligned text table, CSV or JSON, and
// a JSON object writer. Text from the data (titles) is escaped for CSV/JSON, never interpreted.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mf {

enum class out_format { table, json, csv };

out_format out_format_parse(const std::string & s);  // throws cli_error on an unknown name

struct out_table {
    std::vector<std::string> cols;
    std::vector<bool> numeric;  // per column: emitted as a JSON number, right-aligned
    std::vector<std::vector<std::string>> rows;

    void col(const std::string & name, bool is_numeric) {
        cols.push_back(name);
        numeric.push_back(is_numeric);
    }
};

std::string json_escape(const std::string & s);  // with the quotes
std::string csv_escape(const std::string & s);
std::string fmt_num(double v, int digits);  // fixed, `digits` after the point

// Table as text (aligned columns), CSV (header + rows) or JSON (array of objects).
std::string out_table_render(const out_table & t, out_format f);

// A flat JSON object built in insertion order.
struct json_object {
    std::vector<std::pair<std::string, std::string>> fields;  // key, raw JSON value
    void num(const std::string & k, double v, int digits = 6);
    void integer(const std::string & k, long long v);
    void str(const std::string & k, const std::string & v);
    void raw(const std::string & k, const std::string & json);
    std::string render() const;
};

std::string json_array(const std::vector<double> & v, int digits = 6);

}  // namespace mf

#include "output.h"

#include <cmath>
#include <cstdio>

#include "cli.h"

namespace mf {

out_format out_format_parse(const std::string & s) {
    if (s == "table") return out_format::table;
    if (s == "json") return out_format::json;
    if (s == "csv") return out_format::csv;
    throw cli_error("--format '" + s + "': expected table, json or csv");
}

std::string json_escape(const std::string & s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                o += "\\\"";
                break;
            case '\\':
                o += "\\\\";
                break;
            case '\n':
                o += "\\n";
                break;
            case '\r':
                o += "\\r";
                break;
            case '\t':
                o += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    o += buf;
                } else {
                    o += (char) c;
                }
        }
    }
    return o + "\"";
}

std::string csv_escape(const std::string & s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

std::string fmt_num(double v, int digits) {
    if (!std::isfinite(v)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

namespace {

// display width of UTF-8 text: count code points (continuation bytes do not advance)
size_t text_width(const std::string & s) {
    size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
}

}  // namespace

std::string out_table_render(const out_table & t, out_format f) {
    std::string o;
    if (f == out_format::csv) {
        for (size_t c = 0; c < t.cols.size(); ++c) o += (c ? "," : "") + csv_escape(t.cols[c]);
        o += "\n";
        for (const auto & row : t.rows) {
            for (size_t c = 0; c < row.size(); ++c) o += (c ? "," : "") + csv_escape(row[c]);
            o += "\n";
        }
        return o;
    }
    if (f == out_format::json) {
        o += "[";
        for (size_t r = 0; r < t.rows.size(); ++r) {
            o += r ? ",\n {" : "\n {";
            for (size_t c = 0; c < t.cols.size(); ++c) {
                const std::string & v = t.rows[r][c];
                o +=
                    (c ? ", " : "") + json_escape(t.cols[c]) + ": " + (t.numeric[c] && !v.empty() ? v : json_escape(v));
            }
            o += "}";
        }
        return o + "\n]\n";
    }
    std::vector<size_t> w(t.cols.size());
    for (size_t c = 0; c < t.cols.size(); ++c) w[c] = text_width(t.cols[c]);
    for (const auto & row : t.rows)
        for (size_t c = 0; c < row.size(); ++c) w[c] = std::max(w[c], std::min<size_t>(text_width(row[c]), 60));
    auto cell = [&](const std::string & v, size_t c) {
        std::string s = v;
        if (text_width(s) > 60) {  // cut long titles at a code point boundary
            size_t n = 0, at = 0;
            for (; at < s.size(); ++at) {
                if (((unsigned char) s[at] & 0xC0) != 0x80 && n++ == 57) break;
            }
            s = s.substr(0, at) + "...";
        }
        std::string pad(w[c] - text_width(s), ' ');
        return t.numeric[c] ? pad + s : s + pad;
    };
    std::string head;
    for (size_t c = 0; c < t.cols.size(); ++c) head += (c ? "  " : "") + cell(t.cols[c], c);
    while (!head.empty() && head.back() == ' ') head.pop_back();
    o += head + "\n";
    for (const auto & row : t.rows) {
        std::string line;
        for (size_t c = 0; c < row.size(); ++c) line += (c ? "  " : "") + cell(row[c], c);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        o += line + "\n";
    }
    return o;
}

void json_object::num(const std::string & k, double v, int digits) {
    fields.emplace_back(k, fmt_num(v, digits));
}
void json_object::integer(const std::string & k, long long v) {
    fields.emplace_back(k, std::to_string(v));
}
void json_object::str(const std::string & k, const std::string & v) {
    fields.emplace_back(k, json_escape(v));
}
void json_object::raw(const std::string & k, const std::string & json) {
    fields.emplace_back(k, json);
}

std::string json_object::render() const {
    std::string o = "{";
    for (size_t i = 0; i < fields.size(); ++i)
        o += (i ? ",\n  " : "\n  ") + json_escape(fields[i].first) + ": " + fields[i].second;
    return o + "\n}\n";
}

std::string json_array(const std::vector<double> & v, int digits) {
    std::string o = "[";
    for (size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + fmt_num(v[i], digits);
    return o + "]";
}

}  // namespace mf

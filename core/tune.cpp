#include "tune.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "params.h"
#include "rng.h"

namespace mf {

namespace {

std::vector<std::string> split_on(const std::string & s, char sep) {
    std::vector<std::string> out;
    size_t at = 0;
    while (true) {
        size_t c = s.find(sep, at);
        out.push_back(s.substr(at, c == std::string::npos ? std::string::npos : c - at));
        if (c == std::string::npos) break;
        at = c + 1;
    }
    return out;
}

std::string trim(const std::string & s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool parse_number(const std::string & t, double & v) {
    if (t.empty()) return false;
    char * end = nullptr;
    v = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size() && std::isfinite(v);
}

std::string number_text(double v, bool integer) {
    char b[48];
    if (integer)
        std::snprintf(b, sizeof b, "%lld", (long long) std::llround(v));
    else
        std::snprintf(b, sizeof b, "%.4g", v);
    return b;
}

// the value a range gives at position f in [0, 1]
double range_at(const space_dim & d, double f) {
    if (d.kind == space_dim::log_uniform) return std::exp(std::log(d.lo) + f * (std::log(d.hi) - std::log(d.lo)));
    return d.lo + f * (d.hi - d.lo);
}

}  // namespace

result<search_space> space_parse(const std::string & text) {
    using R = result<search_space>;
    search_space s;
    if (trim(text).empty()) return R::fail("search space: empty (expected NAME=SPEC;NAME=SPEC, e.g. factors=16,32)");
    for (const std::string & part0 : split_on(text, ';')) {
        const std::string part = trim(part0);
        if (part.empty()) continue;
        const size_t eq = part.find('=');
        if (eq == std::string::npos) return R::fail("search space '" + part + "': expected NAME=SPEC");
        const std::string name = trim(part.substr(0, eq)), spec = trim(part.substr(eq + 1));
        const param_spec * ps = param_find(name);
        if (!ps || !ps->option || !ps->saved)
            return R::fail("search space '" + part + "': '" + name + "' is not a training parameter");
        space_dim d;
        d.name = ps->name;
        for (const space_dim & o : s.dims)
            if (o.name == d.name) return R::fail("search space: '" + d.name + "' is given twice");
        d.integer = ps->type == param_type::integer;
        train_params probe;
        if (spec.find(':') != std::string::npos) {
            std::vector<std::string> f = split_on(spec, ':');
            if (f.size() == 3 && f[0] == "log") {
                d.kind = space_dim::log_uniform;
                f.erase(f.begin());
            } else if (f.size() == 2) {
                d.kind = space_dim::uniform;
            } else {
                return R::fail("search space '" + part + "': a range is lo:hi or log:lo:hi");
            }
            if (ps->type == param_type::flag || ps->type == param_type::choice)
                return R::fail("search space '" + part + "': '" + d.name + "' takes a list of values, not a range");
            if (!parse_number(trim(f[0]), d.lo) || !parse_number(trim(f[1]), d.hi))
                return R::fail("search space '" + part + "': the bounds must be numbers");
            if (!(d.lo < d.hi)) return R::fail("search space '" + part + "': lo must be below hi");
            if (d.kind == space_dim::log_uniform && !(d.lo > 0))
                return R::fail("search space '" + part + "': a log range needs lo > 0");
            for (double v : {d.lo, d.hi}) {
                status st = param_set_number(probe, d.name, d.integer ? (double) std::llround(v) : v);
                if (!st) return R::fail("search space '" + part + "': " + st.error);
            }
            d.values.clear();
        } else {
            for (const std::string & v0 : split_on(spec, ',')) {
                const std::string v = trim(v0);
                if (v.empty()) return R::fail("search space '" + part + "': an empty value");
                status st = param_set_text(probe, d.name, v);
                if (!st) return R::fail("search space '" + part + "': " + st.error);
                d.values.push_back(v);
            }
        }
        s.dims.push_back(d);
    }
    if (s.dims.empty()) return R::fail("search space: no parameter");
    for (const space_dim & d : s.dims) {
        std::string spec;
        if (d.kind == space_dim::list) {
            for (const std::string & v : d.values) spec += (spec.empty() ? "" : ",") + v;
        } else {
            spec = std::string(d.kind == space_dim::log_uniform ? "log:" : "") + number_text(d.lo, false) + ":" +
                   number_text(d.hi, false);
        }
        s.text += (s.text.empty() ? "" : ";") + d.name + "=" + spec;
    }
    return s;
}

std::string space_default(model_kind kind) {
    switch (kind) {
        case model_kind::als:
        case model_kind::hybrid:
            return "factors=16,32,64,128;regularization=log:3:30;reg_bias=log:1:20;genre_prior=0:2";
        case model_kind::ials:
            return "factors=16,32,64,128;regularization=log:1:100;alpha=log:0.1:10";
        case model_kind::ease:
            return "regularization=log:10:5000";
        case model_kind::bayes:
            return "factors=8,16,32;samples=50,100,200";
        case model_kind::bias:
            return "reg_bias=log:0.1:50";
        default:
            return "reg_bias=log:0.1:50";
    }
}

trial_config space_sample(const search_space & s, uint64_t seed, int64_t trial) {
    rng r(rng_hash(seed, (uint64_t) trial));
    trial_config c;
    for (const space_dim & d : s.dims) {
        if (d.kind == space_dim::list)
            c.emplace_back(d.name, d.values[(size_t) r.below(d.values.size())]);
        else
            c.emplace_back(d.name, number_text(range_at(d, r.uniform()), d.integer));
    }
    return c;
}

int64_t space_grid_size(const search_space & s, int32_t points) {
    int64_t n = 1;
    for (const space_dim & d : s.dims) {
        int64_t m = d.kind == space_dim::list ? (int64_t) d.values.size() : std::max(points, 1);
        if (n > (int64_t(1) << 62) / m) return int64_t(1) << 62;
        n *= m;
    }
    return n;
}

trial_config space_grid_point(const search_space & s, int32_t points, int64_t index) {
    if (points < 1) points = 1;
    trial_config c(s.dims.size());
    for (size_t q = s.dims.size(); q-- > 0;) {
        const space_dim & d = s.dims[q];
        const int64_t m = d.kind == space_dim::list ? (int64_t) d.values.size() : points;
        const int64_t at = index % m;
        index /= m;
        if (d.kind == space_dim::list)
            c[q] = {d.name, d.values[(size_t) at]};
        else
            c[q] = {d.name, number_text(range_at(d, m == 1 ? 0.5 : (double) at / (double) (m - 1)), d.integer)};
    }
    return c;
}

std::string config_text(const trial_config & c) {
    std::string t;
    for (const auto & [name, value] : c) t += (t.empty() ? "" : ";") + name + "=" + value;
    return t;
}

status config_apply(train_params & p, const trial_config & c) {
    for (const auto & [name, value] : c) {
        status s = param_set_text(p, name, value);
        if (!s) return s;
    }
    return {};
}

std::string tune_log_header(const std::string & search) {
    return "# mfrec tune: " + search + "\n";
}

std::string tune_log_line(const trial_record & r) {
    char b[96];
    std::snprintf(b, sizeof b, "\t%.9g\t%.3f\n", r.value, r.seconds);
    return std::to_string(r.trial) + "\t" + r.config + b;
}

result<std::vector<trial_record>> tune_log_parse(const std::string & text, const std::string & search) {
    using R = result<std::vector<trial_record>>;
    std::vector<trial_record> out;
    const std::string header = tune_log_header(search);
    if (text.compare(0, header.size(), header) != 0) {
        const std::string first = text.substr(0, text.find('\n'));
        return R::fail("line 1: the log is of another search ('" + first + "'; this one is '" +
                       header.substr(0, header.size() - 1) + "')");
    }
    size_t at = header.size();
    int64_t line = 1;
    while (at < text.size()) {
        ++line;
        const size_t nl = text.find('\n', at);
        if (nl == std::string::npos) break;  // an interrupted write: that trial runs again
        const std::string l = text.substr(at, nl - at);
        at = nl + 1;
        if (l.empty()) continue;
        std::vector<std::string> f = split_on(l, '\t');
        trial_record r;
        double t = 0;
        if (f.size() != 4 || !parse_number(f[0], t) || t < 1 || t != std::floor(t) || !parse_number(f[2], r.value) ||
            !parse_number(f[3], r.seconds))
            return R::fail("line " + std::to_string(line) + ": expected TRIAL<tab>CONFIG<tab>VALUE<tab>SECONDS");
        r.trial = (int64_t) t;
        r.config = f[1];
        out.push_back(r);
    }
    return out;
}

}  // namespace mf

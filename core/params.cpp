#include "params.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kind.h"

namespace mf {

namespace {

// One row per parameter. The defaults were chosen on a validation part of ml-latest-small's
// training part (docs/TUNING.md); a kind may override them (kind_ops::defaults).
const std::vector<param_spec> & table() {
    static const std::vector<param_spec> t = {
        {"factors", "-k", "latent factors k (Spark: rank)", param_type::integer, 64, 1, 1024, "", true, true},
        {"iterations", "", "training epochs (Spark: maxIter)", param_type::integer, 20, 1, 10000, "", true, true},
        {"early_stopping", "",
         "explicit ALS: stop after this many epochs without a better RMSE on a validation part of the training "
         "data, keep the best epoch count (0 = off; off when --iterations is given alone)",
         param_type::integer, 2, 0, 1000, "", false, true},
        {"regularization", "--lambda", "lambda on the factors (Spark: regParam, unscaled unless --reg-by-count)",
         param_type::real, 10, 0, 1e6, "", true, true},
        {"reg_bias", "", "lambda_b on the biases", param_type::real, 5, 0, 1e6, "", true, true},
        {"genre_prior", "--tau", "tau: weight of the genre prior (0 = plain biased ALS)", param_type::real, 0.5, 0, 100,
         "", true, true},
        {"reg_genre", "", "lambda_g on the genre vectors", param_type::real, 0.1, 1e-6, 1e6, "", true, true},
        {"reg_by_count", "", "ALS-WR: scale lambda by each row's rating count", param_type::flag, 0, 0, 1, "", true,
         true},
        {"solver", "",
         "cholesky (exact) | cg (warm-started conjugate gradient; exact for long rows at small k, where that is "
         "cheaper)",
         param_type::choice, 0, 0, 1, "cholesky|cg", true, true},
        {"cg_steps", "", "conjugate-gradient steps per row per half-step (warm-started)", param_type::integer, 4, 1, 64,
         "", true, true},
        {"init_std", "", "standard deviation of the initial factors", param_type::real, 0.1, 0, 10, "", true, true},
        {"alpha", "", "ials: confidence weight of an interaction, c = 1 + alpha (or 1 + alpha r) (Spark: alpha)",
         param_type::real, 0.5, 0, 1e6, "", true, true},
        {"confidence", "", "ials: binary (c = 1 + alpha) | rating (c = 1 + alpha r)", param_type::choice, 1, 0, 1,
         "binary|rating", true, true},
        {"recency", "",
         "ials, hybrid: recent tastes first: an interaction's weight halves with every this many more recent ratings "
         "of the same user (a half-life in ratings; 0 = all alike; needs timestamps)",
         param_type::real, 0, 0, 1e6, "", true, true},
        {"burn_in", "", "bayes: Gibbs sweeps discarded before the kept samples", param_type::integer, 50, 0, 100000, "",
         true, true},
        {"samples", "", "bayes: Gibbs sweeps kept (predictions averaged over them)", param_type::integer, 300, 1,
         100000, "", true, true},
        {"implicit_features", "",
         "bayes: who-rated-what side features (movies a user rated, users who rated a movie): off | on",
         param_type::choice, 1, 0, 1, "off|on", true, true},
        {"genre_features", "", "bayes: genres and release decade as movie side features: off | on", param_type::choice,
         1, 0, 1, "off|on", true, true},
        // not saved: the model keeps the link (bayes_demographic) when it was on and the data had them
        {"demographic_features", "",
         "bayes: user demographics (u.user, users.dat: gender, age group, occupation) as user side features: off | on",
         param_type::choice, 1, 0, 1, "off|on", false, true},
        {"rank_factors", "", "hybrid: factors of the implicit-ALS (ranking) part", param_type::integer, 64, 1, 1024, "",
         true, true},
        {"rank_reg", "", "hybrid: lambda of the implicit-ALS (ranking) part", param_type::real, 20, 0, 1e6, "", true,
         true},
        {"blend", "",
         "hybrid: weight w of the ranking score against the predicted rating, 0..1 (-1 = chosen by NDCG@10 on a "
         "validation part of the training data)",
         param_type::real, -1, -1, 1, "", true, true},
        {"seed", "", "seed of the initial factors (and of the split)", param_type::integer, 42, 0, 9007199254740991.0,
         "", true, false},
        {"threads", "", "threads (0 = all cores)", param_type::integer, 0, 0, 1024, "", false, true},
    };
    return t;
}

std::string canon(const std::string & name) {
    std::string s = name;
    for (char & c : s)
        if (c == '-') c = '_';
    return s;
}

// the choice names of a spec, split at '|'
std::vector<std::string> choice_list(const param_spec & s) {
    std::vector<std::string> out;
    std::string cur;
    for (const char * c = s.choices; *c; ++c) {
        if (*c == '|') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += *c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// the shortest text that reads back as the same float (parameters are stored as float)
std::string num_text(double v) {
    char buf[64];
    for (int digits = 6; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, v);
        const double back = std::strtod(buf, nullptr);
        const bool whole = v == std::floor(v);
        if ((float) back == (float) v && (!whole || back == v)) break;
    }
    return buf;
}

}  // namespace

const std::vector<param_spec> & param_specs() {
    return table();
}

const param_spec * param_find(const std::string & name) {
    const std::string n = canon(name);
    for (const param_spec & s : table())
        if (n == s.name) return &s;
    return nullptr;
}

double param_get(const train_params & p, const param_spec & s) {
    const std::string n = s.name;
    if (n == "factors") return p.factors;
    if (n == "iterations") return p.iterations;
    if (n == "early_stopping") return p.early_stopping;
    if (n == "regularization") return p.reg;
    if (n == "reg_bias") return p.reg_bias;
    if (n == "genre_prior") return p.genre_prior;
    if (n == "reg_genre") return p.reg_genre;
    if (n == "reg_by_count") return p.reg_by_count ? 1 : 0;
    if (n == "solver") return (double) p.solver;
    if (n == "cg_steps") return p.cg_steps;
    if (n == "init_std") return p.init_std;
    if (n == "alpha") return p.alpha;
    if (n == "confidence") return (double) p.confidence;
    if (n == "recency") return p.recency;
    if (n == "burn_in") return p.burn_in;
    if (n == "samples") return p.samples;
    if (n == "implicit_features") return p.implicit_features ? 1 : 0;
    if (n == "genre_features") return p.genre_features ? 1 : 0;
    if (n == "demographic_features") return p.demographic_features ? 1 : 0;
    if (n == "rank_factors") return p.rank_factors;
    if (n == "rank_reg") return p.rank_reg;
    if (n == "blend") return p.blend;
    if (n == "seed") return (double) p.seed;
    if (n == "threads") return p.threads;
    return 0.0;
}

status param_set_number(train_params & p, const std::string & name, double v) {
    const param_spec * s = param_find(name);
    if (!s) return status::fail("unknown parameter '" + name + "'");
    const std::string n = s->name;
    if (!std::isfinite(v)) return status::fail(n + ": " + num_text(v) + " is not a finite number");
    if (s->type != param_type::real && v != std::floor(v))
        return status::fail(n + ": " + num_text(v) + " is not a whole number");
    if (v < s->min || v > s->max)
        return status::fail(n + ": " + num_text(v) + " is outside " + num_text(s->min) + ".." + num_text(s->max));
    if (n == "factors")
        p.factors = (int32_t) v;
    else if (n == "iterations")
        p.iterations = (int32_t) v;
    else if (n == "early_stopping")
        p.early_stopping = (int32_t) v;
    else if (n == "regularization")
        p.reg = (float) v;
    else if (n == "reg_bias")
        p.reg_bias = (float) v;
    else if (n == "genre_prior")
        p.genre_prior = (float) v;
    else if (n == "reg_genre")
        p.reg_genre = (float) v;
    else if (n == "reg_by_count")
        p.reg_by_count = v != 0;
    else if (n == "solver")
        p.solver = (solver_kind) (uint32_t) v;
    else if (n == "cg_steps")
        p.cg_steps = (int32_t) v;
    else if (n == "init_std")
        p.init_std = (float) v;
    else if (n == "alpha")
        p.alpha = (float) v;
    else if (n == "confidence")
        p.confidence = (confidence_kind) (uint32_t) v;
    else if (n == "recency")
        p.recency = (float) v;
    else if (n == "burn_in")
        p.burn_in = (int32_t) v;
    else if (n == "samples")
        p.samples = (int32_t) v;
    else if (n == "implicit_features")
        p.implicit_features = v != 0;
    else if (n == "genre_features")
        p.genre_features = v != 0;
    else if (n == "demographic_features")
        p.demographic_features = v != 0;
    else if (n == "rank_factors")
        p.rank_factors = (int32_t) v;
    else if (n == "rank_reg")
        p.rank_reg = (float) v;
    else if (n == "blend")
        p.blend = (float) v;
    else if (n == "seed")
        p.seed = (uint64_t) v;
    else if (n == "threads")
        p.threads = (int32_t) v;
    return {};
}

status param_set_text(train_params & p, const std::string & name, const std::string & text) {
    const param_spec * s = param_find(name);
    if (!s) return status::fail("unknown parameter '" + name + "'");
    if (s->type == param_type::choice) {
        std::vector<std::string> c = choice_list(*s);
        for (size_t i = 0; i < c.size(); ++i)
            if (c[i] == text) return param_set_number(p, name, (double) i);
        return status::fail(std::string(s->name) + ": '" + text + "' is not one of " + s->choices);
    }
    if (s->type == param_type::flag) {
        if (text == "true" || text.empty()) return param_set_number(p, name, 1);
        if (text == "false") return param_set_number(p, name, 0);
        // numbers too (0/1; others are out of range)
    }
    if (text.empty() || text.size() > 64)
        return status::fail(std::string(s->name) + ": '" + text + "' is not a number");
    char * end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size())
        return status::fail(std::string(s->name) + ": '" + text + "' is not a number");
    if (std::strcmp(s->name, "seed") == 0 && text[0] >= '0' && text[0] <= '9') {
        // any 64-bit seed (the CLI's --seed is a u64; JS numbers stop at 2^53)
        errno = 0;
        const unsigned long long u = std::strtoull(text.c_str(), &end, 10);
        if (end == text.c_str() + text.size() && errno == 0) {
            p.seed = (uint64_t) u;
            return {};
        }
    }
    return param_set_number(p, name, v);
}

std::string param_text(const train_params & p, const param_spec & s) {
    if (s.type == param_type::choice) {
        std::vector<std::string> c = choice_list(s);
        const size_t i = (size_t) param_get(p, s);
        return i < c.size() ? c[i] : "?";
    }
    if (s.type == param_type::flag) return param_get(p, s) != 0 ? "true" : "false";
    if (std::string(s.name) == "seed") return std::to_string(p.seed);
    return num_text(param_get(p, s));
}

status params_check(const train_params & p) {
    const kind_ops * k = kind_get(p.kind);
    if (!k) return status::fail("model kind " + std::to_string((uint32_t) p.kind) + " unknown");
    for (const param_spec & s : table()) {
        if (std::string(s.name) == "seed") continue;  // every u64 is a seed
        const double v = param_get(p, s);
        if (!std::isfinite(v) || v < s.min || v > s.max)
            return status::fail(std::string(s.name) + ": " + num_text(v) + " is outside " + num_text(s.min) + ".." +
                                num_text(s.max));
    }
    if (k->check) return k->check(p);
    return {};
}

std::string params_encode(const train_params & p) {
    std::string out = std::string("model=") + kind_name(p.kind) + "\n";
    for (const param_spec & s : table())
        if (s.saved) out += std::string(s.name) + "=" + param_text(p, s) + "\n";
    return out;
}

status params_decode(const std::string & text, train_params & p) {
    size_t at = 0;
    int line = 0;
    while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        const std::string row = text.substr(at, nl - at);
        at = nl + 1;
        ++line;
        if (row.empty()) continue;
        const size_t eq = row.find('=');
        if (eq == std::string::npos)
            return status::fail("section params: line " + std::to_string(line) + " has no '='");
        const std::string name = row.substr(0, eq), value = row.substr(eq + 1);
        if (name == "model") {
            const kind_ops * k = kind_find(value);
            if (!k) return status::fail("section params: model kind '" + value.substr(0, 40) + "' unknown");
            p.kind = k->id;
            continue;
        }
        if (!param_find(name)) continue;  // written by a later version
        status s = param_set_text(p, name, value);
        if (!s) return status::fail("section params: " + s.error);
    }
    return {};
}

rating_scale rating_scale_of(const float * r, size_t n) {
    rating_scale s;
    if (n == 0) return s;
    float lo = r[0], hi = r[0];
    bool whole = true;
    for (size_t i = 0; i < n; ++i) {
        lo = r[i] < lo ? r[i] : lo;
        hi = r[i] > hi ? r[i] : hi;
        whole = whole && r[i] == std::floor(r[i]);
    }
    s.min = lo;
    s.max = hi > lo ? hi : lo + 1.0f;  // one distinct rating: a scale still needs a width
    s.step = whole ? 1.0f : 0.5f;
    return s;
}

status rating_scale_check(const rating_scale & s) {
    if (!std::isfinite(s.min) || !std::isfinite(s.max) || !std::isfinite(s.step) || !(s.max > s.min) || !(s.step > 0) ||
        s.max - s.min > 1e6f)
        return status::fail("rating scale " + num_text(s.min) + ".." + num_text(s.max) + " step " + num_text(s.step) +
                            " is not a valid scale");
    return {};
}

void params_apply_given(train_params & p, const std::vector<std::string> & given) {
    bool iterations = false, early = false, reg = false;
    for (const std::string & g : given) {
        const param_spec * s = param_find(g);
        if (!s) continue;
        const std::string n = s->name;
        iterations |= n == "iterations";
        early |= n == "early_stopping";
        reg |= n == "regularization" || n == "reg_bias" || n == "reg_by_count";
    }
    if (iterations && !early) p.early_stopping = 0;
    // no regularization given: the scale of the data decides between the table's λ and the
    // count-scaled one (docs/TUNING.md), on early stopping's validation part
    p.reg_auto = !reg && p.early_stopping > 0;
}

}  // namespace mf

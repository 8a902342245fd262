// kinds.cpp - the registry: one line per model kind.
#include "kind.h"
#include "params.h"

namespace mf {

// defined next to each kind's code
extern const kind_ops kind_mean_ops, kind_bias_ops, kind_als_ops, kind_pop_ops, kind_ials_ops, kind_ease_ops,
    kind_hybrid_ops, kind_bayes_ops;

const std::vector<const kind_ops *> & kind_list() {
    static const std::vector<const kind_ops *> all = {&kind_hybrid_ops, &kind_als_ops, &kind_bayes_ops, &kind_ials_ops,
                                                      &kind_ease_ops,   &kind_pop_ops, &kind_bias_ops,  &kind_mean_ops};
    return all;
}

model_kind kind_default() {
    return model_kind::hybrid;
}

const kind_ops * kind_find(const std::string & name) {
    for (const kind_ops * k : kind_list())
        if (name == k->name) return k;
    return nullptr;
}

const kind_ops * kind_get(model_kind id) {
    for (const kind_ops * k : kind_list())
        if (k->id == id) return k;
    return nullptr;
}

const char * kind_name(model_kind id) {
    const kind_ops * k = kind_get(id);
    return k ? k->name : "?";
}

std::string kind_names_text() {
    std::string s;
    const auto & all = kind_list();
    for (size_t i = 0; i < all.size(); ++i) {
        if (i > 0) s += i + 1 == all.size() ? " or " : ", ";
        s += all[i]->name;
    }
    return s;
}

train_params kind_defaults(model_kind id) {
    train_params p;
    for (const param_spec & s : param_specs()) {
        status st = param_set_number(p, s.name, s.def);
        (void) st;  // the table's defaults are within its limits (a test checks every one)
    }
    p.kind = id;
    const kind_ops * k = kind_get(id);
    if (k && k->defaults) k->defaults(p);
    return p;
}

bool kind_uses(const kind_ops & k, const std::string & param) {
    const std::string u = std::string(" ") + k.uses + " ";
    return u.find(" " + param + " ") != std::string::npos;
}

}  // namespace mf

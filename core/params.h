// params.h - every training parameter in one table: name, help, default, limits, validation.
//
// The CLI builds its options from this table, the wasm bindings read a visitor's options through
// it and the page asks the engine for it (limits and defaults shown in the trainer form), so no
// front end keeps its own copy. The model file and the web bundle store the parameters as one
// "params" text section written and read here ("name=value" lines, by name, so a parameter added
// later is one line in the table and one field in train_params).
//
// A model kind may override defaults (kind.h: kind_ops::defaults) and lists the parameters it
// reads (kind_ops::uses); the table's limits hold for every kind.
#pragma once

#include <string>
#include <vector>

#include "model.h"
#include "result.h"

namespace mf {

enum class param_type { integer, real, flag, choice };

struct param_spec {
    const char * name;     // snake_case: JSON key, JS option; the CLI flag is --name with '-' for '_'
    const char * aliases;  // extra CLI names, space separated ("-k", "--lambda"), may be ""
    const char * help;     // one line; mentions Spark's name where there is one
    param_type type;
    double def;            // the table default (a kind may override it)
    double min, max;       // inclusive limits; for choice: 0 .. number of choices - 1
    const char * choices;  // choice: "cholesky|cg" (the value is the index)
    bool saved;            // stored in the model (false: run-time only, e.g. threads)
    bool option;           // a training option of the CLI and the page (false: seed, set by --seed)
};

// The whole table, in display order.
const std::vector<param_spec> & param_specs();
// nullptr when unknown. Accepts '-' for '_' ("reg-bias").
const param_spec * param_find(const std::string & name);

// Reads / writes one parameter as a number (flags 0/1, choices their index).
double param_get(const train_params & p, const param_spec & s);
// Fails with "NAME: …" when the value is not finite, not an integer where one is needed, or
// outside [min, max].
[[nodiscard]] status param_set_number(train_params & p, const std::string & name, double v);
// From text: numbers, "true"/"false" for flags, a choice by name.
[[nodiscard]] status param_set_text(train_params & p, const std::string & name, const std::string & text);
// What setting some parameters implies for the others, the same for every front end: a fixed
// iteration count turns early stopping off unless early_stopping is set too; with none of
// regularization, reg_bias, reg_by_count given, early stopping also chooses between the table's
// λ and the count-scaled λ (train_params::reg_auto). `given`: the names the user set.
void params_apply_given(train_params & p, const std::vector<std::string> & given);
// The value as text (choices by name), as the CLI and the model file print it.
std::string param_text(const train_params & p, const param_spec & s);

// Every parameter within its limits and finite, plus the rules that span parameters.
[[nodiscard]] status params_check(const train_params & p);

// "name=value\n" for every saved parameter (the model file's and the bundle's params section).
std::string params_encode(const train_params & p);
// The reverse; unknown names are skipped (files from later versions), each value checked.
[[nodiscard]] status params_decode(const std::string & text, train_params & p);

// The scale (model.h: rating_scale) of a set of ratings: their min and max, step 0.5 when any rating is not whole,
// else 1.
rating_scale rating_scale_of(const float * r, size_t n);
[[nodiscard]] status rating_scale_check(const rating_scale & s);

}  // namespace mf

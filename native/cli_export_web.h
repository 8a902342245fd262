// cli_export_web.h - what export-web and export-site share: the bundle options on the command
// line, the bundle export itself (load, check the kind, write, read back) and gzip sizes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bundle.h"
#include "cli.h"
#include "model.h"

namespace mf {

struct bundle_cli_args {
    std::string quantize = "int8";
    std::string xy = "none";
    int32_t int8_levels = 63;
    bool no_rotate = false;
    int32_t cold_threshold = 5;
};

// --quantize, --int8-levels, --xy, --no-rotate, --cold-threshold
void bundle_cli_add(CLI::App * c, bundle_cli_args & a);
// the options, or a cli_error naming the bad one
bundle_options bundle_cli_options(const bundle_cli_args & a);

struct bundle_export_result {
    model m;
    std::vector<uint8_t> bytes;  // the bundle, already read back once (bundle_read)
};
// Loads the model file and writes its bundle; cli_error when the model has no movie vectors.
bundle_export_result bundle_export(const std::string & model_path, const bundle_options & o);
// The two steps: the model file, checked for movie vectors; its bundle, read back once.
model bundle_model_load(const std::string & model_path);
std::vector<uint8_t> bundle_bytes(const model & m, const bundle_options & o);

// The gzip size (level 9, as `gzip -9`) of some bytes; -1 when it cannot be computed.
int64_t gzip_size(const uint8_t * p, size_t n);

}  // namespace mf

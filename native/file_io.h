// file_io.h - whole-file reads with a size bound and crash-safe atomic writes (POSIX).
//
// Errors are std::runtime_error whose message starts with the path and ends with the system's
// text, e.g. "models/x.mfm: No such file or directory".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mf {

// The whole file (regular file, pipe or device); throws when it cannot be read or holds more
// than max_bytes ("PATH: file larger than the limit of N bytes").
std::vector<uint8_t> file_read_all(const std::string & path, uint64_t max_bytes);

// Replaces `path` with exactly these bytes, all or nothing: writes a temporary file in the same
// directory, fsyncs it, renames it over `path` and fsyncs the directory. Readers see either the
// old file or the new one, never a partial one; a crash leaves at most a "PATH.tmp.*" file.
// The new file gets mode 0666 minus the umask.
void file_write_atomic(const std::string & path, const void * data, size_t n);

// true when `path` exists (any kind of file)
bool file_exists(const std::string & path);

}  // namespace mf

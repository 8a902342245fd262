// file_io.h - whole-file reads with a size bound and crash-safe atomic writes (POSIX).
//
// Errors are std::runtime_error whose message starts with the path and ends with the system's
// text, e.g. "models/x.mfm: No such file or directory".
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mf {

// The whole of a regular file; throws when it cannot be read, is not a regular file (a
// directory, a FIFO, a device such as /dev/zero: "PATH: not a regular file (a FIFO)"; opening
// never blocks) or holds more than max_bytes ("PATH: file larger than the limit of N bytes").
// Files whose size the system does not know (/proc) are read to EOF, never past max_bytes.
std::vector<uint8_t> file_read_all(const std::string & path, uint64_t max_bytes);

// Replaces `path` with exactly these bytes, all or nothing: writes a temporary file
// "PATH.tmp.<pid>.<n>" in the same directory, fsyncs it, renames it over `path` and fsyncs the
// directory. Readers see either the old file or the new one, never a partial one. A killed
// writer leaves its temporary file behind; the next write to the same path removes it
// (remove_stale_temp_files, movielens_io.h). An existing `path` that is not a regular file (a
// directory, a device, a FIFO) is never replaced. The new file gets mode 0666 minus the umask.
void file_write_atomic(const std::string & path, const void * data, size_t n);
// The same for bytes produced piece by piece: `produce` calls its writer with each piece in order
// (no buffer of the whole file). If produce throws, the temporary file is removed, `path` is left
// as it was and the exception goes on.
using file_writer = std::function<void(const void * data, size_t n)>;
void file_write_atomic_stream(const std::string & path, const std::function<void(const file_writer &)> & produce);

// Throws unless a file_write_atomic(path, ...) can be expected to succeed: the directory of
// `path` exists and a file can be created in it (checked by creating and removing a temporary
// file), and `path` is not a directory or another non-regular file. For checking an output
// path before a long computation. Messages: "out/m.mfm: directory out does not exist",
// "m: Is a directory", "/ro/m.mfm: cannot create a file in /ro: Permission denied".
void file_check_writable(const std::string & path);

// true when `path` exists (any kind of file)
bool file_exists(const std::string & path);

}  // namespace mf

// result.h - checked results for the boundaries where exceptions cannot go (wasm, file bytes).
//
// The core never throws for bad *input*: functions that read untrusted bytes, user ids or
// options return mf::result<T> (a value or a message) or mf::status. Native code may turn a
// failure into an exception; the wasm bindings turn it into a JS Error.
//
// Both are [[nodiscard]] (an ignored result is a warning, and -Werror makes it an error), and
// access is checked: reading the value of a failed result is a programming error that stops the
// program with the message instead of handing out a default T.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace mf {

[[noreturn]] inline void result_misuse(const std::string & error) {
    std::fprintf(stderr, "mfrec: internal error: the value of a failed result was read (%s)\n", error.c_str());
    std::abort();
}

template <class T>
class [[nodiscard]] result {
public:
    result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
    static result fail(std::string message) {
        result r;
        r.error_ = message.empty() ? std::string("failed") : std::move(message);
        return r;
    }
    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string & error() const { return error_; }
    T & value() { return checked(); }
    const T & value() const { return checked(); }
    T * operator->() { return &checked(); }
    const T * operator->() const { return &checked(); }
    T & operator*() { return checked(); }
    const T & operator*() const { return checked(); }

private:
    result() = default;
    T & checked() {
        if (!value_) result_misuse(error_);
        return *value_;
    }
    const T & checked() const {
        if (!value_) result_misuse(error_);
        return *value_;
    }
    std::optional<T> value_;
    std::string error_;
};

// status: a result without a value.
struct [[nodiscard]] status {
    std::string error;
    bool ok() const { return error.empty(); }
    explicit operator bool() const { return ok(); }
    static status fail(std::string message) {
        return status{message.empty() ? std::string("failed") : std::move(message)};
    }
};

}  // namespace mf

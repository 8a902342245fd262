// result.h - checked results for the boundaries where exceptions cannot go (wasm, file bytes).
//
// The core never throws for bad *input*: functions that read untrusted bytes or user ids return
// mf::result<T> (a value or a message). Native code may turn a failed result into an exception;
// the wasm bindings turn it into a JS Error.
#pragma once

#include <string>
#include <utility>

namespace mf {

template <class T>
class result {
public:
    result(T value) : value_(std::move(value)), ok_(true) {}  // NOLINT: implicit by design
    static result fail(std::string message) {
        result r;
        r.error_ = std::move(message);
        return r;
    }
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const std::string & error() const { return error_; }
    T & value() { return value_; }
    const T & value() const { return value_; }
    T * operator->() { return &value_; }
    const T * operator->() const { return &value_; }
    T & operator*() { return value_; }

private:
    result() = default;
    T value_{};
    std::string error_;
    bool ok_ = false;
};

// status: a result without a value.
struct status {
    std::string error;
    bool ok() const { return error.empty(); }
    explicit operator bool() const { return ok(); }
    static status fail(std::string message) { return status{std::move(message)}; }
};

}  // namespace mf

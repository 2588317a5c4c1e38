// StatusOr<T>: a value or an error, returned instead of throwing.
//
// Functions that can fail on bad input (configuration, flags, files) return StatusOr<T>. The error
// is a human-readable message that names the offending field and says how to fix it; callers add
// context and pass it on, they do not log and swallow it.
//
// Not to be confused with jd::Result in operator/runtime/result.h, which is the outcome of a
// reconcile (requeue / requeue-after), not an error carrier.
//
// Usage:
//   jd::StatusOr<int> ParsePort(const std::string& s) {
//     if (s.empty()) return jd::Error{"port: empty; pass a number between 1 and 65535"};
//     return std::stoi(s);
//   }
//   auto port = ParsePort(text);
//   if (!port.ok()) return port.error();   // propagate (converts to any StatusOr<U>)
//   Use(port.value());
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace jd {

// A failure: one message meant for a human (operator logs, CLI stderr).
struct Error {
  std::string message;
};

template <class T>
class StatusOr {
 public:
  StatusOr(T value) : state_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  StatusOr(Error error) : state_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }

  // Precondition: ok(). Accessing the value of an error is a programming error (std::get throws
  // std::bad_variant_access).
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }

  // Precondition: !ok().
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace jd

// api_error.h — errors of the Kubernetes API as values: one ApiError for both the server's
// answers (a metav1.Status with a reason, code and causes) and the transport's failures
// (connection refused, TLS verification failure, timeout), plus ApiResult<T> to carry either a
// value or an ApiError.
//
// Usage:
//   ApiResult<nlohmann::json> got = client.Get(kConfigMaps, "default", "x");
//   if (IsNotFound(got)) { ...create it... }
//   else if (!got.ok()) return got.error();          // propagate
//   const nlohmann::json& obj = got.value();
//
// Classification follows apimachinery's errors package: the Status `reason` decides, the HTTP
// code is the fallback when a body carries no (known) reason.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace jd::kube {

enum class ErrorKind {
  kNotFound,         // 404 / reason NotFound
  kAlreadyExists,    // 409 / reason AlreadyExists
  kConflict,         // 409 / reason Conflict (stale resourceVersion, failed precondition)
  kInvalid,          // 422 / reason Invalid; `causes` name the fields
  kGone,             // 410 / reason Gone or Expired (watch/list resourceVersion too old)
  kTooManyRequests,  // 429; `retry_after` when the server said
  kUnauthorized,     // 401
  kForbidden,        // 403
  kBadRequest,       // 400 and every other 4xx not above (405, 406, 415, ...)
  kServerError,      // 5xx (and 504 Timeout)
  kTransport,        // no HTTP answer at all; see `transport`
};

// Why no HTTP answer arrived. Only meaningful when kind == kTransport.
enum class TransportErrorKind { kNone, kConnect, kTls, kTimeout, kCancelled, kProtocol, kOther };

// One metav1.StatusCause: `reason` is the cause's `type` (e.g. "FieldValueRequired").
struct StatusCause {
  std::string field, reason, message;
};

struct ApiError {
  ErrorKind kind = ErrorKind::kServerError;
  int code = 0;            // HTTP status; 0 for transport errors
  std::string reason;      // Status.reason as sent ("NotFound", "Invalid", ...), may be empty
  std::string message;     // human-readable, never empty
  std::vector<StatusCause> causes;
  std::optional<std::chrono::seconds> retry_after;  // Retry-After header or details.retryAfterSeconds
  TransportErrorKind transport = TransportErrorKind::kNone;

  static ApiError Transport(TransportErrorKind k, std::string msg) {
    ApiError e;
    e.kind = ErrorKind::kTransport;
    e.transport = k;
    e.message = std::move(msg);
    return e;
  }
};

const char* ToString(ErrorKind k);
const char* ToString(TransportErrorKind k);
// "NotFound (404): configmaps \"x\" not found" — for logs.
std::string Describe(const ApiError& e);

// Builds the typed error of a non-2xx answer from its status code, body (a metav1.Status when the
// server is an apiserver, anything otherwise) and headers (lower-case names; Retry-After used).
ApiError ErrorFromResponse(int status, const std::string& body, const std::map<std::string, std::string>& headers);

// A value or an ApiError. Small on purpose: ok(), value(), error().
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(implicit)
  ApiResult(ApiError error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

// For calls with nothing to return.
struct Done {};
using ApiStatus = ApiResult<Done>;

inline bool Is(const ApiError& e, ErrorKind k) { return e.kind == k; }
template <typename T>
bool Is(const ApiResult<T>& r, ErrorKind k) {
  return !r.ok() && r.error().kind == k;
}

inline bool IsNotFound(const ApiError& e) { return Is(e, ErrorKind::kNotFound); }
inline bool IsAlreadyExists(const ApiError& e) { return Is(e, ErrorKind::kAlreadyExists); }
inline bool IsConflict(const ApiError& e) { return Is(e, ErrorKind::kConflict); }
inline bool IsInvalid(const ApiError& e) { return Is(e, ErrorKind::kInvalid); }
inline bool IsGone(const ApiError& e) { return Is(e, ErrorKind::kGone); }
inline bool IsTooManyRequests(const ApiError& e) { return Is(e, ErrorKind::kTooManyRequests); }
inline bool IsUnauthorized(const ApiError& e) { return Is(e, ErrorKind::kUnauthorized); }
inline bool IsForbidden(const ApiError& e) { return Is(e, ErrorKind::kForbidden); }
inline bool IsTransport(const ApiError& e) { return Is(e, ErrorKind::kTransport); }
template <typename T>
bool IsNotFound(const ApiResult<T>& r) { return Is(r, ErrorKind::kNotFound); }
template <typename T>
bool IsAlreadyExists(const ApiResult<T>& r) { return Is(r, ErrorKind::kAlreadyExists); }
template <typename T>
bool IsConflict(const ApiResult<T>& r) { return Is(r, ErrorKind::kConflict); }
template <typename T>
bool IsInvalid(const ApiResult<T>& r) { return Is(r, ErrorKind::kInvalid); }
template <typename T>
bool IsGone(const ApiResult<T>& r) { return Is(r, ErrorKind::kGone); }

}  // namespace jd::kube

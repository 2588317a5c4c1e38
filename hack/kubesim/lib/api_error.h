// api_error.h — errors as values, shaped like a Kubernetes metav1.Status.
//
// Every kube-sim function that can refuse a request returns `Result<T>`: either a value or an
// ApiError carrying the HTTP code, the Status `reason` (NotFound, Conflict, Invalid, ...), a
// message and, for Invalid, one cause per bad field. The HTTP layer turns an ApiError into the
// JSON Status body the real API server sends.
//
// Usage:
//   Result<nlohmann::json> r = ApplyMergePatch(obj, patch);
//   if (!r.ok()) return r.error();           // propagate
//   nlohmann::json merged = std::move(r).value();
//
//   return ApiError::Invalid("JustDrivingEnvironment.justdriving.io \"x\" is invalid",
//                            {{"FieldValueRequired", "Required value", "spec.tier"}});
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubesim {

// One entry of Status.details.causes.
struct StatusCause {
  std::string reason;   // FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, ...
  std::string message;  // "Required value", "Unsupported value: \"x\": supported values: ..."
  std::string field;    // "spec.tier", "spec.domains[0].host"
};

struct ApiError {
  int code = 500;
  std::string reason;   // metav1.StatusReason; empty for a plain 500
  std::string message;
  std::vector<StatusCause> causes{};
  // Status.details.{name,group,kind}; optional.
  std::string details_name{}, details_group{}, details_kind{};
  int retry_after_seconds = 0;  // for 429 / 500 with Retry-After

  static ApiError BadRequest(std::string msg) { return {400, "BadRequest", std::move(msg), {}}; }
  static ApiError NotFound(std::string msg) { return {404, "NotFound", std::move(msg), {}}; }
  static ApiError AlreadyExists(std::string msg) { return {409, "AlreadyExists", std::move(msg), {}}; }
  static ApiError Conflict(std::string msg) { return {409, "Conflict", std::move(msg), {}}; }
  static ApiError Invalid(std::string msg, std::vector<StatusCause> causes) {
    return {422, "Invalid", std::move(msg), std::move(causes)};
  }
  static ApiError Gone(std::string msg) { return {410, "Expired", std::move(msg), {}}; }
  static ApiError MethodNotAllowed(std::string msg) { return {405, "MethodNotAllowed", std::move(msg), {}}; }
  static ApiError UnsupportedMediaType(std::string msg) {
    return {415, "UnsupportedMediaType", std::move(msg), {}};
  }
  static ApiError Unauthorized() { return {401, "Unauthorized", "Unauthorized", {}}; }
  static ApiError Internal(std::string msg) { return {500, "InternalError", std::move(msg), {}}; }

  // The metav1.Status JSON body for this error.
  nlohmann::json ToStatus() const {
    nlohmann::json s = {{"kind", "Status"},         {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                        {"status", "Failure"},      {"message", message}, {"code", code}};
    if (!reason.empty()) s["reason"] = reason;  // Status.reason is omitempty
    nlohmann::json details = nlohmann::json::object();
    if (!details_name.empty()) details["name"] = details_name;
    if (!details_group.empty()) details["group"] = details_group;
    if (!details_kind.empty()) details["kind"] = details_kind;
    if (!causes.empty()) {
      nlohmann::json cs = nlohmann::json::array();
      for (const auto& c : causes) cs.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
      details["causes"] = cs;
    }
    if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
    if (!details.empty()) s["details"] = details;
    return s;
  }
};

// A value or an ApiError. Deliberately small: ok(), value(), error().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(ApiError error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const ApiError& error() const { return std::get<ApiError>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace kubesim

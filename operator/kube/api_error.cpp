#include "kube/api_error.h"

#include <cstdlib>

namespace jd::kube {
namespace {

std::optional<ErrorKind> KindFromReason(const std::string& reason) {
  static const std::map<std::string, ErrorKind> kByReason = {
      {"NotFound", ErrorKind::kNotFound},
      {"AlreadyExists", ErrorKind::kAlreadyExists},
      {"Conflict", ErrorKind::kConflict},
      {"Invalid", ErrorKind::kInvalid},
      {"Gone", ErrorKind::kGone},
      {"Expired", ErrorKind::kGone},
      {"TooManyRequests", ErrorKind::kTooManyRequests},
      {"Unauthorized", ErrorKind::kUnauthorized},
      {"Forbidden", ErrorKind::kForbidden},
      {"BadRequest", ErrorKind::kBadRequest},
      {"MethodNotAllowed", ErrorKind::kBadRequest},
      {"NotAcceptable", ErrorKind::kBadRequest},
      {"UnsupportedMediaType", ErrorKind::kBadRequest},
      {"RequestEntityTooLarge", ErrorKind::kBadRequest},
      {"InternalError", ErrorKind::kServerError},
      {"ServiceUnavailable", ErrorKind::kServerError},
      {"Timeout", ErrorKind::kServerError},
      {"ServerTimeout", ErrorKind::kServerError},
  };
  auto it = kByReason.find(reason);
  if (it == kByReason.end()) return std::nullopt;
  return it->second;
}

ErrorKind KindFromCode(int code) {
  switch (code) {
    case 400: return ErrorKind::kBadRequest;
    case 401: return ErrorKind::kUnauthorized;
    case 403: return ErrorKind::kForbidden;
    case 404: return ErrorKind::kNotFound;
    case 409: return ErrorKind::kConflict;
    case 410: return ErrorKind::kGone;
    case 422: return ErrorKind::kInvalid;
    case 429: return ErrorKind::kTooManyRequests;
    default: return code >= 500 ? ErrorKind::kServerError : ErrorKind::kBadRequest;
  }
}

std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& v) {
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  long s = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || s < 0) return std::nullopt;  // HTTP-date form not supported
  return std::chrono::seconds(s);
}

}  // namespace

const char* ToString(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNotFound: return "NotFound";
    case ErrorKind::kAlreadyExists: return "AlreadyExists";
    case ErrorKind::kConflict: return "Conflict";
    case ErrorKind::kInvalid: return "Invalid";
    case ErrorKind::kGone: return "Gone";
    case ErrorKind::kTooManyRequests: return "TooManyRequests";
    case ErrorKind::kUnauthorized: return "Unauthorized";
    case ErrorKind::kForbidden: return "Forbidden";
    case ErrorKind::kBadRequest: return "BadRequest";
    case ErrorKind::kServerError: return "ServerError";
    case ErrorKind::kTransport: return "Transport";
  }
  return "Unknown";
}

const char* ToString(TransportErrorKind k) {
  switch (k) {
    case TransportErrorKind::kNone: return "none";
    case TransportErrorKind::kConnect: return "connect";
    case TransportErrorKind::kTls: return "tls";
    case TransportErrorKind::kTimeout: return "timeout";
    case TransportErrorKind::kCancelled: return "cancelled";
    case TransportErrorKind::kProtocol: return "protocol";
    case TransportErrorKind::kOther: return "other";
  }
  return "unknown";
}

std::string Describe(const ApiError& e) {
  std::string out = ToString(e.kind);
  if (e.kind == ErrorKind::kTransport) {
    out += std::string(" (") + ToString(e.transport) + ")";
  } else {
    out += " (" + std::to_string(e.code) + ")";
  }
  out += ": " + e.message;
  for (const auto& c : e.causes) out += "; " + c.field + ": " + c.message;
  return out;
}

ApiError ErrorFromResponse(int status, const std::string& body, const std::map<std::string, std::string>& headers) {
  ApiError e;
  e.code = status;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::optional<ErrorKind> by_reason;
  if (doc.is_object() && doc.value("kind", "") == "Status") {
    e.reason = doc.value("reason", "");
    e.message = doc.value("message", "");
    by_reason = KindFromReason(e.reason);
    if (auto d = doc.find("details"); d != doc.end() && d->is_object()) {
      if (auto causes = d->find("causes"); causes != d->end() && causes->is_array()) {
        for (const auto& c : *causes) {
          if (!c.is_object()) continue;
          e.causes.push_back({c.value("field", ""), c.value("reason", ""), c.value("message", "")});
        }
      }
      if (auto ra = d->find("retryAfterSeconds"); ra != d->end() && ra->is_number_integer()) {
        e.retry_after = std::chrono::seconds(ra->get<long>());
      }
    }
  } else if (!body.empty()) {
    e.message = body.substr(0, 512);
  }
  e.kind = by_reason.value_or(KindFromCode(status));
  if (auto h = headers.find("retry-after"); h != headers.end()) {
    if (auto ra = ParseRetryAfter(h->second)) e.retry_after = ra;
  }
  if (e.message.empty()) e.message = "the server answered HTTP " + std::to_string(status);
  return e;
}

}  // namespace jd::kube

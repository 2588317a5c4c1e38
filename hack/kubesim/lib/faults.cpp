#include "faults.h"

namespace kubesim {

std::optional<ApiError> Faults::Configure(const nlohmann::json& config) {
  if (!config.is_object()) return ApiError::BadRequest("faults: the body must be a JSON object");
  std::vector<Rule> rules;
  const auto errors = config.value("errors", nlohmann::json::array());
  if (!errors.is_array()) return ApiError::BadRequest("faults: errors must be a list");
  for (size_t i = 0; i < errors.size(); ++i) {
    const auto& e = errors[i];
    std::string at = "errors[" + std::to_string(i) + "]";
    if (!e.is_object()) return ApiError::BadRequest("faults: " + at + " must be an object");
    Rule r;
    r.verb = e.value("verb", "*");
    r.resource = e.value("resource", "*");
    if (!e.contains("rate") || !e["rate"].is_number() || e["rate"].get<double>() < 0 || e["rate"].get<double>() > 1)
      return ApiError::BadRequest("faults: " + at + ".rate must be a number from 0 to 1");
    r.rate = e["rate"].get<double>();
    r.code = e.value("code", 500);
    if (r.code != 500 && r.code != 429 && r.code != 503 && r.code != 504)
      return ApiError::BadRequest("faults: " + at + ".code must be 429, 500, 503 or 504");
    r.retry_after_seconds = e.value("retryAfterSeconds", r.code == 429 ? 1 : 0);
    rules.push_back(r);
  }
  int latency = config.value("latencyMs", 0);
  if (latency < 0 || latency > 60000) return ApiError::BadRequest("faults: latencyMs must be from 0 to 60000");
  std::lock_guard lock(mu_);
  rules_ = std::move(rules);
  latency_ = std::chrono::milliseconds(latency);
  gone_next_watches_ = config.value("goneNextWatches", 0);
  return std::nullopt;
}

nlohmann::json Faults::Config() const {
  std::lock_guard lock(mu_);
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& r : rules_)
    errors.push_back({{"verb", r.verb}, {"resource", r.resource}, {"rate", r.rate}, {"code", r.code},
                      {"retryAfterSeconds", r.retry_after_seconds}});
  return {{"errors", errors}, {"latencyMs", latency_.count()}, {"goneNextWatches", gone_next_watches_}};
}

std::optional<ApiError> Faults::Injected(const std::string& verb, const std::string& resource) {
  std::lock_guard lock(mu_);
  for (const auto& r : rules_) {
    if (r.verb != "*" && r.verb != verb) continue;
    if (r.resource != "*" && r.resource != resource && r.resource != resource.substr(0, resource.find('.'))) continue;
    if (std::uniform_real_distribution<double>(0, 1)(rng_) >= r.rate) continue;
    ApiError e;
    e.code = r.code;
    e.retry_after_seconds = r.retry_after_seconds;
    if (r.code == 429) {
      e.reason = "TooManyRequests";
      e.message = "kube-sim fault: too many requests, please try again later";
    } else if (r.code == 503) {
      e.reason = "ServiceUnavailable";
      e.message = "kube-sim fault: service unavailable";
    } else if (r.code == 504) {
      e.reason = "Timeout";
      e.message = "kube-sim fault: timeout";
    } else {
      e.reason = "InternalError";
      e.message = "Internal error occurred: kube-sim fault injected for " + verb + " " + resource;
    }
    return e;
  }
  return std::nullopt;
}

std::chrono::milliseconds Faults::Latency() const {
  std::lock_guard lock(mu_);
  return latency_;
}

bool Faults::TakeGoneWatch() {
  std::lock_guard lock(mu_);
  if (gone_next_watches_ <= 0) return false;
  --gone_next_watches_;
  return true;
}

void Faults::RefuseConnectionsFor(std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  refuse_until_ = std::chrono::steady_clock::now() + d;
}

std::optional<std::chrono::steady_clock::time_point> Faults::RefuseUntil() const {
  std::lock_guard lock(mu_);
  if (refuse_until_ && *refuse_until_ > std::chrono::steady_clock::now()) return refuse_until_;
  return std::nullopt;
}

}  // namespace kubesim

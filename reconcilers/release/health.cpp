#include "reconcilers/release/health.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

namespace jd::release {

namespace {

using nlohmann::json;

const std::string kField = "spec.healthChecks";

// An integer field in [lo, hi]; `fallback` when absent or null.
StatusOr<int> IntField(const json& obj, const char* key, const std::string& path, int lo, int hi, int fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!it->is_number_integer() && !it->is_number_unsigned()) {
    return Error{path + ": " + it->dump() + " is not a number; write " + range};
  }
  const auto v = it->get<std::int64_t>();
  if (v < lo || v > hi) return Error{path + ": " + std::to_string(v) + " is out of range; write " + range};
  return static_cast<int>(v);
}

bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

StatusOr<CheckSpec> ParseCheck(const json& item, const std::string& path) {
  if (!item.is_object()) return Error{path + ": must be an object {name, path, expectStatus, ...}"};
  CheckSpec c;
  auto name = item.find("name");
  if (name == item.end() || !name->is_string() || name->get<std::string>().empty()) {
    return Error{path + ".name: required; give the check a name such as \"login\""};
  }
  c.name = name->get<std::string>();
  if (!IsDnsLabel(c.name)) {
    return Error{path + ".name: \"" + c.name +
                 "\" is not a DNS label; use lower-case letters, digits and '-' (at most 63, e.g. \"login\")"};
  }
  auto p = item.find("path");
  if (p == item.end() || !p->is_string() || p->get<std::string>().empty()) {
    return Error{path + ".path: required; the path to request, e.g. \"/login\""};
  }
  c.path = p->get<std::string>();
  if (c.path.front() != '/') {
    return Error{path + ".path: \"" + c.path + "\" must start with \"/\" (for example /" + c.path + ")"};
  }
  if (c.path.find_first_of(" \t\r\n") != std::string::npos) {
    return Error{path + ".path: \"" + c.path + "\" contains whitespace; percent-encode it (%20)"};
  }
  auto status = IntField(item, "expectStatus", path + ".expectStatus", 100, 599, 200);
  if (!status.ok()) return status.error();
  c.expect_status = status.value();
  if (auto b = item.find("expectBodyContains"); b != item.end() && !b->is_null()) {
    if (!b->is_string()) return Error{path + ".expectBodyContains: must be a string, e.g. \"Log in\""};
    const std::string text = b->get<std::string>();
    if (text.size() > 1024) {
      return Error{path + ".expectBodyContains: " + std::to_string(text.size()) +
                   " characters; at most 1024: pick a shorter, distinctive piece of the page"};
    }
    if (!text.empty()) c.expect_body_contains = text;
  }
  if (item.contains("maxLatencyMs") && !item["maxLatencyMs"].is_null()) {
    auto lat = IntField(item, "maxLatencyMs", path + ".maxLatencyMs", 1, 600000, 0);
    if (!lat.ok()) return lat.error();
    c.max_latency_ms = lat.value();
  }
  return c;
}

std::string Request(const CheckSpec& check) { return check.name + ": GET " + check.path; }

// "once" / "3 times in a row".
std::string InARow(int n) { return n == 1 ? "once" : std::to_string(n) + " times in a row"; }

}  // namespace

StatusOr<HealthChecks> ParseHealthChecks(const json& spec) {
  HealthChecks hc;
  if (!spec.is_object()) return hc;
  auto it = spec.find("healthChecks");
  if (it == spec.end() || it->is_null()) return hc;
  const json& obj = *it;
  if (!obj.is_object()) return Error{kField + ": must be an object {intervalSeconds, timeoutSeconds, ..., http: [...]}"};

  auto interval = IntField(obj, "intervalSeconds", kField + ".intervalSeconds", 1, 3600, 10);
  if (!interval.ok()) return interval.error();
  auto timeout = IntField(obj, "timeoutSeconds", kField + ".timeoutSeconds", 1, 600, 5);
  if (!timeout.ok()) return timeout.error();
  auto failure = IntField(obj, "failureThreshold", kField + ".failureThreshold", 1, 100, 3);
  if (!failure.ok()) return failure.error();
  auto success = IntField(obj, "successThreshold", kField + ".successThreshold", 1, 100, 3);
  if (!success.ok()) return success.error();
  hc.interval_seconds = interval.value();
  hc.timeout_seconds = timeout.value();
  hc.failure_threshold = failure.value();
  hc.success_threshold = success.value();
  if (hc.timeout_seconds > hc.interval_seconds) {
    return Error{kField + ".timeoutSeconds must not be larger than " + kField + ".intervalSeconds (" +
                 std::to_string(hc.timeout_seconds) + " > " + std::to_string(hc.interval_seconds) + ")"};
  }

  auto http = obj.find("http");
  if (http == obj.end() || http->is_null()) return hc;
  if (!http->is_array()) return Error{kField + ".http: must be a list of checks [{name, path, ...}]"};
  if (http->size() > 32) {
    return Error{kField + ".http: " + std::to_string(http->size()) + " checks; at most 32 are allowed"};
  }
  std::set<std::string> names;
  for (size_t i = 0; i < http->size(); ++i) {
    auto check = ParseCheck((*http)[i], kField + ".http[" + std::to_string(i) + "]");
    if (!check.ok()) return check.error();
    if (!names.insert(check.value().name).second) {
      return Error{kField + ".http: each check name may appear only once (\"" + check.value().name +
                   "\" appears more than once)"};
    }
    hc.checks.push_back(std::move(check).value());
  }
  return hc;
}

ProbeRequest MakeProbeRequest(const HealthChecks& settings, const CheckSpec& check, const std::string& base_url,
                              const std::string& connect_address, const std::string& ca_bundle_pem) {
  ProbeRequest req;
  std::string base = base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  req.url = base + check.path;
  req.connect_address = connect_address;
  req.timeout = std::chrono::seconds(settings.timeout_seconds);
  req.ca_bundle_pem = ca_bundle_pem;
  req.method = "GET";
  return req;
}

CheckOutcome Judge(const CheckSpec& check, const ProbeResult& answer) {
  CheckOutcome out;
  out.name = check.name;
  out.status = answer.status;
  out.latency_ms = answer.latency.count();
  const std::string req = Request(check);
  if (answer.status == 0) {
    out.reason = req + " got no answer: " + (answer.error.empty() ? "unknown error" : answer.error);
  } else if (!answer.error.empty()) {
    out.reason = req + " answered " + std::to_string(answer.status) + " but the answer broke off: " + answer.error;
  } else if (answer.status != check.expect_status) {
    out.reason = req + " answered " + std::to_string(answer.status) + ", expected " +
                 std::to_string(check.expect_status);
  } else if (check.expect_body_contains && answer.body.find(*check.expect_body_contains) == std::string::npos) {
    out.reason = req + " answered " + std::to_string(answer.status) + " but the body does not contain \"" +
                 *check.expect_body_contains + "\"";
  } else if (check.max_latency_ms && answer.latency.count() > *check.max_latency_ms) {
    out.reason = req + " latency " + std::to_string(answer.latency.count()) + " ms > " +
                 std::to_string(*check.max_latency_ms) + " ms (maxLatencyMs)";
  }
  out.passed = out.reason.empty();
  return out;
}

void Update(HealthState& state, const CheckOutcome& outcome) {
  if (outcome.passed) {
    ++state.passes;
    state.failures = 0;
  } else {
    ++state.failures;
    state.passes = 0;
  }
  state.last_status = outcome.status;
  state.last_latency_ms = outcome.latency_ms;
  state.last_error = outcome.reason;
}

std::vector<HealthState> StartStates(const std::vector<CheckSpec>& checks, const std::vector<HealthState>& previous) {
  std::vector<HealthState> out;
  out.reserve(checks.size());
  for (const auto& c : checks) {
    HealthState s;
    s.name = c.name;
    for (const auto& p : previous) {
      if (p.name == c.name) {
        s = p;
        break;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

json HealthToJson(const std::vector<HealthState>& states) {
  json out = json::array();
  for (const auto& s : states) {
    json e = {{"name", s.name},
              {"passes", s.passes},
              {"failures", s.failures},
              {"lastStatus", s.last_status},
              {"lastLatencyMs", s.last_latency_ms}};
    if (!s.last_error.empty()) e["lastError"] = s.last_error;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<HealthState> HealthFromJson(const json& health) {
  std::vector<HealthState> out;
  if (!health.is_array()) return out;
  auto integer = [](const json& e, const char* key) -> std::int64_t {
    auto it = e.find(key);
    if (it == e.end() || !(it->is_number_integer() || it->is_number_unsigned())) return 0;
    const auto v = it->get<std::int64_t>();
    return v < 0 ? 0 : v;
  };
  for (const auto& e : health) {
    if (!e.is_object()) continue;
    auto name = e.find("name");
    if (name == e.end() || !name->is_string() || name->get<std::string>().empty()) continue;
    HealthState s;
    s.name = name->get<std::string>();
    s.passes = static_cast<int>(std::min<std::int64_t>(integer(e, "passes"), 1'000'000));
    s.failures = static_cast<int>(std::min<std::int64_t>(integer(e, "failures"), 1'000'000));
    s.last_status = static_cast<int>(std::min<std::int64_t>(integer(e, "lastStatus"), 999));
    s.last_latency_ms = integer(e, "lastLatencyMs");
    if (auto err = e.find("lastError"); err != e.end() && err->is_string()) s.last_error = err->get<std::string>();
    out.push_back(std::move(s));
  }
  return out;
}

Verdict Decide(const std::vector<HealthState>& states, int failure_threshold, int success_threshold) {
  Verdict v;
  const std::string ft = std::to_string(failure_threshold);
  const std::string st = std::to_string(success_threshold);
  std::string reasons;
  for (const auto& s : states) {
    if (s.failures >= failure_threshold) {
      v.failed_checks.push_back(s.name);
      reasons += (reasons.empty() ? "" : "; ") + (s.last_error.empty() ? s.name : s.last_error);
    }
  }
  if (!v.failed_checks.empty()) {
    v.kind = Verdict::kFailed;
    v.message = "health check" + std::string(v.failed_checks.size() == 1 ? "" : "s") + " failed " +
                InARow(failure_threshold) + " (failureThreshold " + ft + "): " + reasons;
    return v;
  }
  if (states.empty()) {
    v.kind = Verdict::kHealthy;
    v.message = "no health checks configured (spec.healthChecks.http of the environment is empty)";
    return v;
  }
  bool all = true;
  std::string progress;
  std::string last_failure;
  for (const auto& s : states) {
    all = all && s.passes >= success_threshold;
    progress += (progress.empty() ? "" : ", ") + s.name + " " + std::to_string(std::min(s.passes, success_threshold)) +
                "/" + st;
    if (s.failures > 0 && last_failure.empty()) last_failure = s.last_error;
  }
  if (all) {
    v.kind = Verdict::kHealthy;
    v.message = "every health check passed " + InARow(success_threshold) + " (" + progress + ")";
    return v;
  }
  v.kind = Verdict::kContinue;
  v.message = "waiting for " + st + " passes in a row of every health check: " + progress;
  if (!last_failure.empty()) v.message += "; failing now: " + last_failure;
  return v;
}

}  // namespace jd::release

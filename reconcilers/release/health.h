// Health verification of a release: the environment's `spec.healthChecks`, judged round by round.
//
// Pure functions, no I/O (the probing is HttpProber's job, the scheduling of rounds the
// reconciler's):
//   ParseHealthChecks(env spec)  the checks and their settings, defaults from docs/api.md
//                                (intervalSeconds 10, timeoutSeconds 5, failureThreshold 3,
//                                successThreshold 3, expectStatus 200); errors name the field.
//   MakeProbeRequest             the request of one check against a base URL.
//   Judge(check, answer)         pass, or fail with a reason a person reads. First failure wins:
//                                no answer, the answer broke off, status, body, latency.
//   Update(state, outcome)       consecutive passes / failures and the last answer of one check.
//   StartStates / HealthToJson / HealthFromJson   `status.health` across reconciles.
//   Decide(states, ...)          kFailed when any check failed failureThreshold times in a row
//                                (checked first), kHealthy when every check passed
//                                successThreshold times in a row (also when there are no checks),
//                                kContinue otherwise.
//
// Usage (one round):
//   auto hc = jd::release::ParseHealthChecks(env["spec"]);          // StatusOr
//   auto states = jd::release::StartStates(hc.value().checks,
//                                          jd::release::HealthFromJson(release["status"]["health"]));
//   for (size_t i = 0; i < hc.value().checks.size(); ++i) {
//     const auto& check = hc.value().checks[i];
//     auto answer = prober.Get(jd::release::MakeProbeRequest(hc.value(), check,
//                                                            "https://app.school.example", ""));
//     jd::release::Update(states[i], jd::release::Judge(check, answer));
//   }
//   status["health"] = jd::release::HealthToJson(states);
//   auto verdict = jd::release::Decide(states, hc.value().failure_threshold,
//                                      hc.value().success_threshold);
//   // kContinue: requeue after hc.value().interval_seconds
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status_or.h"
#include "reconcilers/release/http_prober.h"

namespace jd::release {

// One entry of spec.healthChecks.http.
struct CheckSpec {
  std::string name;                                // DNS label, unique
  std::string path;                                // starts with "/"; may carry a query
  int expect_status = 200;                         // expectStatus
  std::optional<std::string> expect_body_contains; // expectBodyContains (searched in the first 64 KiB)
  std::optional<int> max_latency_ms;               // maxLatencyMs

  friend bool operator==(const CheckSpec&, const CheckSpec&) = default;
};

// spec.healthChecks with its defaults applied.
struct HealthChecks {
  int interval_seconds = 10;
  int timeout_seconds = 5;
  int failure_threshold = 3;
  int success_threshold = 3;
  std::vector<CheckSpec> checks;

  friend bool operator==(const HealthChecks&, const HealthChecks&) = default;
};

// Reads `healthChecks` of an environment's spec (after templates are merged). A missing or null
// `healthChecks` gives the defaults and no checks. Errors name the field, e.g.
// `spec.healthChecks.http[1].path: "login" must start with "/" (for example /login)`.
jd::StatusOr<HealthChecks> ParseHealthChecks(const nlohmann::json& spec);

// GET base_url + check.path, timeout timeoutSeconds. `base_url` is scheme://host[:port] without a
// trailing slash (one is dropped if present); `connect_address` and `ca_bundle_pem` as in
// ProbeRequest.
ProbeRequest MakeProbeRequest(const HealthChecks& settings, const CheckSpec& check, const std::string& base_url,
                              const std::string& connect_address, const std::string& ca_bundle_pem = "");

struct CheckOutcome {
  std::string name;
  bool passed = false;
  int status = 0;              // HTTP status (0 = no answer)
  std::int64_t latency_ms = 0;
  std::string reason;          // "" when passed, e.g. `login: GET /login answered 500, expected 200`

  friend bool operator==(const CheckOutcome&, const CheckOutcome&) = default;
};

CheckOutcome Judge(const CheckSpec& check, const ProbeResult& answer);

// One entry of status.health.
struct HealthState {
  std::string name;
  int passes = 0;               // consecutive
  int failures = 0;             // consecutive
  int last_status = 0;          // lastStatus
  std::int64_t last_latency_ms = 0;  // lastLatencyMs
  std::string last_error;       // lastError: the reason of the last round, "" when it passed

  friend bool operator==(const HealthState&, const HealthState&) = default;
};

// A pass resets failures and counts passes up; a failure the other way round.
void Update(HealthState& state, const CheckOutcome& outcome);

// One state per check, in the checks' order: the previous state of a check with the same name is
// kept, a new check starts at zero, states of checks no longer configured are dropped.
std::vector<HealthState> StartStates(const std::vector<CheckSpec>& checks, const std::vector<HealthState>& previous);

// status.health: [{name, passes, failures, lastStatus, lastLatencyMs, lastError}] (lastError left
// out when empty).
nlohmann::json HealthToJson(const std::vector<HealthState>& states);

// Reads status.health back; tolerant (a malformed entry or field reads as zero / empty; entries
// without a name are skipped), since status is ours but may have been edited.
std::vector<HealthState> HealthFromJson(const nlohmann::json& health);

struct Verdict {
  enum Kind { kContinue, kHealthy, kFailed };
  Kind kind = kContinue;
  std::vector<std::string> failed_checks;  // kFailed: the checks at or over failureThreshold
  std::string message;                     // for the Healthy condition / Events

  friend bool operator==(const Verdict&, const Verdict&) = default;
};

Verdict Decide(const std::vector<HealthState>& states, int failure_threshold, int success_threshold);

}  // namespace jd::release

// faults.h — failures kube-sim injects on demand, so clients' retry, backoff and re-watch paths
// are tested against a server that misbehaves the way real ones do.
//
// Configured through the admin endpoint (PUT /admin/v1/faults) as JSON:
//   {"errors": [{"verb": "list", "resource": "configmaps", "rate": 0.1, "code": 500},
//               {"verb": "*", "resource": "*", "rate": 0.05, "code": 429, "retryAfterSeconds": 1}],
//    "latencyMs": 20, "goneNextWatches": 1}
// plus one-shot actions: drop every open watch, refuse connections for N seconds.
//
// Usage:
//   Faults f; f.Configure(json); if (auto err = f.Injected("list", "configmaps")) return *err;
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace kubesim {

class Faults {
 public:
  // Replaces the configuration; a bad document is a 400 naming the field.
  std::optional<ApiError> Configure(const nlohmann::json& config);
  nlohmann::json Config() const;

  // An injected error for this request, if the dice say so. `resource` is "configmaps" or
  // "deployments.apps"; a rule may name the latter as "deployments" too.
  std::optional<ApiError> Injected(const std::string& verb, const std::string& resource);
  std::chrono::milliseconds Latency() const;
  // True (once per configured count) when this watch must be answered with 410 Gone.
  bool TakeGoneWatch();

  void RefuseConnectionsFor(std::chrono::milliseconds d);
  // When set, the transport closes its listener and every connection until then.
  std::optional<std::chrono::steady_clock::time_point> RefuseUntil() const;

 private:
  struct Rule {
    std::string verb, resource;
    double rate = 0;
    int code = 500;
    int retry_after_seconds = 0;
  };
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  std::chrono::milliseconds latency_{0};
  int gone_next_watches_ = 0;
  std::optional<std::chrono::steady_clock::time_point> refuse_until_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace kubesim

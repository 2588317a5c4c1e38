// accounting.h — which calls clients made: counts by verb, resource, code and user agent, and a
// bounded request log, served at /admin/v1/accounting and /admin/v1/requests, so tests can state
// the exact API calls a scenario must make.
//
// Usage:
//   acct.Record({"list", "apps/deployments", "default", "", 200, "kubectl/v1.32", "GET", path});
//   nlohmann::json counts = acct.Counts();
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

namespace kubesim {

struct RequestRecord {
  std::string verb;       // get list watch create update patch delete deletecollection, or the method
  std::string resource;   // "deployments.apps/status", "configmaps", or the path for non-resources
  std::string ns, name;
  int code = 0;
  std::string user_agent;
  std::string method, path;
  std::string content_type;  // of the request body, e.g. application/vnd.kubernetes.protobuf
  std::string time;
  uint64_t seq = 0;
};

class Accounting {
 public:
  explicit Accounting(size_t log_limit = 50000) : log_limit_(log_limit) {}
  void Record(RequestRecord r);
  nlohmann::json Counts() const;
  // Log entries with seq > since.
  nlohmann::json Log(uint64_t since) const;
  void Reset();

 private:
  const size_t log_limit_;
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::map<std::tuple<std::string, std::string, int, std::string>, uint64_t> counts_;
  std::deque<RequestRecord> log_;
};

}  // namespace kubesim

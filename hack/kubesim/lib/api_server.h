// api_server.h — kube-sim's API semantics, independent of any socket: discovery, OpenAPI, the
// REST verbs on every served resource (built-ins and CRDs), watches, garbage collection,
// namespace deletion, and the admin endpoints (faults, accounting).
//
// One lock serializes every read-modify-write, so behaviour is that of a single etcd with
// linearizable writes. Watches stream from per-watch queues and never hold that lock.
//
// Usage:
//   SystemClock clock;
//   ApiServer api(clock, {.token = "secret"});
//   ApiResponse r = api.Handle(request);        // from any transport thread
//
// What it does not model is listed in the README ("What kube-sim does not model").
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "accounting.h"
#include "api_error.h"
#include "clock.h"
#include "faults.h"
#include "http_message.h"
#include "object_store.h"
#include "request_info.h"
#include "resource_registry.h"

namespace kubesim {

struct ApiServerOptions {
  // Bearer token every request must carry, except /healthz, /livez, /readyz and /version.
  std::string token;
  std::string git_version = "v1.32.0-kubesim";
  // How often a watch that asked for bookmarks gets one.
  std::chrono::milliseconds bookmark_interval{5000};
  // Upper bound of a watch's life when the client gives no timeoutSeconds.
  std::chrono::seconds default_watch_timeout{1800};
  // How many events the store keeps for watches to resume from; older versions answer 410 Gone.
  size_t watch_history_limit = 20000;
};

class ApiServer {
 public:
  ApiServer(const Clock& clock, ApiServerOptions opts);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Serves one request. Never throws: internal failures become a 500 Status.
  ApiResponse Handle(const HttpRequest& req);

  // host:port clients reach this server at (reported by GET /api).
  void SetServerAddress(std::string address);
  Faults& faults() { return faults_; }
  // An extra admin endpoint (exact path under /admin/), served after the built-in ones with the
  // same bearer-token check; kube-sim's simulation registers /admin/v1/scenarios this way.
  void RegisterAdminHandler(std::string path, std::function<ApiResponse(const HttpRequest&)> handler);
  Accounting& accounting() { return accounting_; }
  // Ends every open watch (also reachable as a fault through the admin endpoint).
  void DropAllWatches();
  // Stops background work and ends all watches; Handle must not be called afterwards.
  void Shutdown();

  // In-process access for kube-sim's own controllers and tests. `group`/`plural` name the
  // resource; the object is returned as stored (at its storage version).
  std::optional<nlohmann::json> GetObject(const std::string& group, const std::string& plural, const std::string& ns,
                                          const std::string& name);
  // Every stored object of a resource in `ns` (all namespaces when empty), sorted by
  // namespace/name, as stored; a consistent snapshot taken under the lock.
  std::vector<nlohmann::json> ListObjects(const std::string& group, const std::string& plural, const std::string& ns);
  uint64_t CurrentResourceVersion() const { return current_rv_.load(); }

 private:
  struct Ctx;
  class WatchStream;

  ApiResponse HandleUnlocked(const HttpRequest& req, RequestInfo& ri, int& code);
  ApiResponse HandleNonResource(const HttpRequest& req, int& code);
  ApiResponse HandleAdmin(const HttpRequest& req, int& code);
  ApiResponse HandleResource(const HttpRequest& req, const RequestInfo& ri, int& code);

  Result<nlohmann::json> Get(const Ctx& c);
  Result<nlohmann::json> List(const Ctx& c, const HttpRequest& req);
  ApiResponse Watch(const Ctx& c, const HttpRequest& req, int& code);
  Result<nlohmann::json> Create(const Ctx& c, nlohmann::json obj);
  Result<nlohmann::json> Update(const Ctx& c, nlohmann::json obj);
  Result<nlohmann::json> Patch(const Ctx& c, const HttpRequest& req, int& code);
  Result<nlohmann::json> Delete(const Ctx& c, const HttpRequest& req);
  Result<nlohmann::json> DeleteCollection(const Ctx& c, const HttpRequest& req);

  // Shared tails of create/update: admission, defaulting, validation, managed fields, storage.
  Result<nlohmann::json> CreateLocked(const Ctx& c, nlohmann::json obj, bool managed_fields_done);
  Result<nlohmann::json> UpdateLocked(const Ctx& c, const nlohmann::json& old, nlohmann::json obj,
                                      bool managed_fields_done);
  Result<nlohmann::json> PrepareCustomResource(const Ctx& c, nlohmann::json obj, bool strict);
  struct DeleteOutcome {
    nlohmann::json object;  // its last state (deleted) or its state with deletionTimestamp (pending)
    bool deleted = false;   // removed now, rather than waiting for finalizers
  };
  // grace_period_seconds: DeleteOptions.gracePeriodSeconds; only Pods use it (graceful deletion).
  Result<DeleteOutcome> DeleteLocked(const std::string& storage_key, const std::string& ns, const std::string& name,
                                     const std::string& propagation, bool dry_run,
                                     const nlohmann::json& preconditions,
                                     std::optional<int64_t> grace_period_seconds = std::nullopt);
  // Stores `obj` (MODIFIED), or removes it when it is being deleted and has no finalizers left.
  nlohmann::json StoreUpdateLocked(const std::string& key, const std::string& ns, const std::string& name,
                                   nlohmann::json obj);
  void OnCrdChangedLocked(const nlohmann::json& crd, bool deleted);
  void OnNamespaceCreatedLocked(const nlohmann::json& ns);
  void CollectGarbageLocked();
  void GcLoop();
  void WakeGc();

  nlohmann::json ToVersion(nlohmann::json obj, const ResourceType& rt) const;
  nlohmann::json FromVersion(nlohmann::json obj, const ResourceType& rt) const;
  std::string AllocateClusterIpLocked();

  const Clock& clock_;
  const ApiServerOptions opts_;
  ResourceRegistry registry_;
  Faults faults_;
  Accounting accounting_;

  std::mutex mu_;  // guards store_ and every read-modify-write
  ObjectStore store_;
  uint32_t next_cluster_ip_ = 10;
  std::atomic<uint64_t> current_rv_{1};
  std::string server_address_;

  std::mutex admin_mu_;  // guards admin_handlers_
  std::map<std::string, std::function<ApiResponse(const HttpRequest&)>> admin_handlers_;

  std::mutex gc_mu_;
  std::condition_variable gc_cv_;
  bool gc_pending_ = false;
  bool stopping_ = false;
  std::thread gc_thread_;
};

}  // namespace kubesim

// client.h — the typed Kubernetes API client, as controller-runtime's narrow interfaces:
//   Reader        Get, List (follows `continue` pages until the list is whole)
//   Writer        Create, Update, Patch (merge, JSON, strategic-merge, server-side apply), Delete
//   StatusWriter  UpdateStatus, PatchStatus (the /status subresource)
//   Client        all of the above plus Watch (a stream of typed events)
// and RestClient, the implementation over a Transport (http_transport.h in production, a fake in
// tests). Reconcilers take the narrowest interface they need.
//
// Objects are nlohmann::json as the API server sends them. Every call returns ApiResult; errors
// are typed (api_error.h): IsNotFound, IsConflict, ...
//
// RestClient's request policy, every call:
//   - waits for a token of a client-side bucket (qps/burst, on the injected Clock; the wait is
//     done by the injected Sleeper, so tests never sleep);
//   - on 429 (any verb: the server did not act on the request) or a 5xx carrying Retry-After,
//     sleeps Retry-After (1 s when absent, capped at max_retry_after) and retries, at most
//     max_throttle_retries times, then returns the last answer's error;
//   - on a transport error (no answer), retries only idempotent reads (GET: Get, List pages)
//     with exponential backoff (transport_backoff_base doubling, capped), at most
//     max_transport_retries times. Writes are never resent after a lost answer: the caller
//     decides (a Create may have happened).
// Watch is throttled but not retried: a watcher relists/rewatches (410 Gone is returned as kGone).
//
// Usage:
//   RestClient client(transport, clock, sleeper, {.qps = 20, .burst = 30});
//   auto cm = client.Get(kConfigMaps, "default", "settings");
//   if (IsNotFound(cm)) client.Create(kConfigMaps, obj);
//   auto w = client.Watch(kConfigMaps, "default", {.resource_version = rv});
//   while (...) { auto r = w.value()->Next(std::chrono::seconds(1)); ... }
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/api_error.h"
#include "kube/rest_config.h"
#include "kube/transport.h"

namespace jd::kube {

// Which REST collection: ("", "v1", "configmaps", true) or ("apps", "v1", "deployments", true).
struct ResourceRef {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case
  bool namespaced = true;
};

inline const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
inline const ResourceRef kSecrets{"", "v1", "secrets", true};
inline const ResourceRef kNamespaces{"", "v1", "namespaces", false};
inline const ResourceRef kEvents{"", "v1", "events", true};
inline const ResourceRef kDeployments{"apps", "v1", "deployments", true};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const ResourceRef kServices{"", "v1", "services", true};
inline const ResourceRef kPods{"", "v1", "pods", true};
inline const ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
inline const ResourceRef kJobs{"batch", "v1", "jobs", true};
inline const ResourceRef kPodDisruptionBudgets{"policy", "v1", "poddisruptionbudgets", true};
inline const ResourceRef kIngresses{"networking.k8s.io", "v1", "ingresses", true};
inline const ResourceRef kJustDrivingEnvironments{"justdriving.io", "v1alpha1", "justdrivingenvironments", true};
inline const ResourceRef kJustDrivingReleases{"justdriving.io", "v1alpha1", "justdrivingreleases", true};

struct ListOptions {
  std::string label_selector;  // "app=web,tier in (a,b)"
  std::string field_selector;  // "metadata.name=x"
  int64_t limit = 500;         // page size; 0: one unpaged request
  std::string resource_version;  // "" = most recent (quorum read); "0" = any
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902): the patch is an array of ops
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in types only)
  kApply,           // application/apply-patch+yaml: server-side apply; field_manager required
};

struct PatchOptions {
  std::string field_manager;  // required for kApply
  bool force = false;         // kApply only: take ownership of conflicting fields
  bool dry_run = false;
};

struct WriteOptions {
  std::string field_manager;
  bool dry_run = false;
};

enum class Propagation { kUnset, kForeground, kBackground, kOrphan };

struct DeleteOptions {
  Propagation propagation = Propagation::kUnset;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
  bool dry_run = false;
};

struct WatchOptions {
  std::string resource_version;  // "" = start from the current state (synthetic ADDEDs)
  std::string label_selector, field_selector;
  bool allow_bookmarks = true;
  std::chrono::seconds timeout{0};  // server-side timeoutSeconds; 0 = the server's default
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  nlohmann::json object;          // the object (for kBookmark: only metadata.resourceVersion)
  std::optional<ApiError> error;  // kError only: the Status carried by the event (410 = kGone)
};

const char* ToString(WatchEvent::Type t);

// What WatchStream::Next produced.
struct WatchRead {
  enum class Kind { kEvent, kTimeout, kEnd };
  Kind kind = Kind::kEnd;
  WatchEvent event;  // kEvent only
};

class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // Waits at most `timeout` for the next event. kEnd: the server closed the watch (timeout or
  // restart): watch again from the last seen resourceVersion. An error (the connection failed, a
  // line was not an event) is returned once, then kEnd.
  virtual ApiResult<WatchRead> Next(std::chrono::milliseconds timeout) = 0;
  // Ends the watch from any thread; a blocked Next returns promptly. Idempotent.
  virtual void Cancel() = 0;
};

class Reader {
 public:
  virtual ~Reader() = default;
  // `ns` is ignored for cluster-scoped resources.
  virtual ApiResult<nlohmann::json> Get(const ResourceRef& ref, const std::string& ns, const std::string& name) = 0;
  // A whole list ("items" of every page; metadata.resourceVersion of the last page, no
  // "continue"). `ns` "" lists across all namespaces. An expired continue token is kGone.
  virtual ApiResult<nlohmann::json> List(const ResourceRef& ref, const std::string& ns,
                                         const ListOptions& opts = {}) = 0;
};

class Writer {
 public:
  virtual ~Writer() = default;
  // The namespace comes from obj.metadata.namespace (else the client's default namespace).
  virtual ApiResult<nlohmann::json> Create(const ResourceRef& ref, const nlohmann::json& obj,
                                           const WriteOptions& opts = {}) = 0;
  // PUT of the whole object; metadata.resourceVersion makes it conditional (stale: kConflict).
  virtual ApiResult<nlohmann::json> Update(const ResourceRef& ref, const nlohmann::json& obj,
                                           const WriteOptions& opts = {}) = 0;
  virtual ApiResult<nlohmann::json> Patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                          PatchType type, const nlohmann::json& patch,
                                          const PatchOptions& opts = {}) = 0;
  // Succeeds once the server accepted the deletion (the object may linger with finalizers).
  virtual ApiStatus Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                           const DeleteOptions& opts = {}) = 0;
};

class StatusWriter {
 public:
  virtual ~StatusWriter() = default;
  virtual ApiResult<nlohmann::json> UpdateStatus(const ResourceRef& ref, const nlohmann::json& obj,
                                                 const WriteOptions& opts = {}) = 0;
  virtual ApiResult<nlohmann::json> PatchStatus(const ResourceRef& ref, const std::string& ns,
                                                const std::string& name, PatchType type,
                                                const nlohmann::json& patch, const PatchOptions& opts = {}) = 0;
};

class Client : public Reader, public Writer, public StatusWriter {
 public:
  virtual ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceRef& ref, const std::string& ns,
                                                        const WatchOptions& opts = {}) = 0;
};

// Blocks the calling thread; injected so tests can record waits instead of sleeping.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void SleepFor(Duration d) = 0;
};

// std::this_thread::sleep_for.
class RealSleeper final : public Sleeper {
 public:
  void SleepFor(Duration d) override;
};

struct ClientOptions {
  std::string default_namespace = "default";
  double qps = 20;  // <= 0: no client-side limit
  int burst = 30;
  int max_throttle_retries = 10;
  std::chrono::seconds default_retry_after{1};
  std::chrono::seconds max_retry_after{60};
  int max_transport_retries = 3;
  Duration transport_backoff_base = std::chrono::milliseconds(200);
  Duration transport_backoff_max = std::chrono::seconds(5);
  // Sent as HttpRequest::timeout (0: the transport's default). Watches use their own.
  std::chrono::milliseconds request_timeout{0};
  // Called after every HTTP exchange (each retry too) with the method ("WATCH" for a watch) and
  // the status code, 0 when no answer came. For metrics; must be fast and thread-safe.
  std::function<void(const std::string& method, int code)> on_response;
};

// The client part of a RestConfig: default namespace, qps and burst.
ClientOptions ClientOptionsFrom(const RestConfig& config);

class RestClient final : public Client {
 public:
  // `transport`, `clock` and `sleeper` must outlive the client. Thread-safe.
  RestClient(Transport& transport, const Clock& clock, Sleeper& sleeper, ClientOptions opts = {});
  ~RestClient() override;

  ApiResult<nlohmann::json> Get(const ResourceRef& ref, const std::string& ns, const std::string& name) override;
  ApiResult<nlohmann::json> List(const ResourceRef& ref, const std::string& ns, const ListOptions& opts = {}) override;
  ApiResult<nlohmann::json> Create(const ResourceRef& ref, const nlohmann::json& obj,
                                   const WriteOptions& opts = {}) override;
  ApiResult<nlohmann::json> Update(const ResourceRef& ref, const nlohmann::json& obj,
                                   const WriteOptions& opts = {}) override;
  ApiResult<nlohmann::json> Patch(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                  PatchType type, const nlohmann::json& patch, const PatchOptions& opts = {}) override;
  ApiStatus Delete(const ResourceRef& ref, const std::string& ns, const std::string& name,
                   const DeleteOptions& opts = {}) override;
  ApiResult<nlohmann::json> UpdateStatus(const ResourceRef& ref, const nlohmann::json& obj,
                                         const WriteOptions& opts = {}) override;
  ApiResult<nlohmann::json> PatchStatus(const ResourceRef& ref, const std::string& ns, const std::string& name,
                                        PatchType type, const nlohmann::json& patch,
                                        const PatchOptions& opts = {}) override;
  ApiResult<std::unique_ptr<WatchStream>> Watch(const ResourceRef& ref, const std::string& ns,
                                                const WatchOptions& opts = {}) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "/api/v1/namespaces/ns/configmaps/name/status" (parts after the collection only when given).
std::string ResourcePath(const ResourceRef& ref, const std::string& ns, const std::string& name = "",
                         const std::string& subresource = "");

}  // namespace jd::kube

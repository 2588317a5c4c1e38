// Controller: event sources -> work queue -> N reconcile workers (controller-runtime's
// internal/controller). It owns a WorkQueue (DefaultControllerRateLimiter) and one small
// "informer" per watched resource: a Watcher feeding a StoreWriter whose sink also maps every
// event to Requests and enqueues them.
//
//   For(client, ref)            primary resource: an event on ns/name enqueues ns/name
//   Owns(client, ref, kind)     owned resource: an event enqueues the object's controller owner
//                               (the ownerReference with controller: true and kind == `kind`)
//   Watches(client, ref, map)   any resource, any mapping
//
// Each returns the read-only StoreView of that resource (the cache a reconciler reads). Sources on
// the same client, resource, namespace and label selector share one Watcher and one cache (the
// first registration's other WatcherOptions win), so a reconcile triggered by an event always
// reads a cache that already holds that event, whichever source mapped it. Events are
// not filtered: every ADDED/MODIFIED/DELETED enqueues (for MODIFIED/DELETED both the cached old
// object and the new one are mapped, so a changed owner reference reaches both owners); a (re)list
// enqueues every object before and after it, so deletions missed while disconnected are seen.
// Deduplication is the queue's.
//
// The worker loop (one switch, as controller-runtime's reconcileHandler):
//   key = Get()  ->  Reconcile(Request::FromKey(key))  (a thrown exception is a transient
//   ReconcileError carrying what(); never a crash)  ->  switch (ActionFor(outcome)) { Forget |
//   Forget + AddAfter | AddRateLimited }  ->  Done(key), always.
// A key that is not a valid "ns/name" is forgotten. The queue guarantees that one key is never
// reconciled by two workers at once.
//
// Logging and metrics: each reconcile gets a reconcile id (Request::reconcile_id); the outcome is
// logged with controller, key, reconcile_id, result and duration (errors at error level, success
// at debug) and counted in controller_runtime_reconcile_* (runtime/metrics.h).
//
// Lifecycle: register sources, then Start() (watcher threads + max_concurrent_reconciles workers);
// Stop() stops intake (watchers), shuts the queue down with drain (in-flight reconciles finish,
// pending keys are dropped), and joins every thread. Stop is idempotent and called by the
// destructor. Ready() is true once every cache has synced (its first list); WaitForCacheSync
// waits for that at most `timeout` of the injected Clock (a FakeClock only times out on Advance).
//
// Usage:
//   jd::Controller ctl("copier", reconciler, clock, {.max_concurrent_reconciles = 2});
//   jd::kube::StoreView cms = ctl.For(client, jd::kube::kConfigMaps, {.ns = "default"});
//   ctl.Owns(client, jd::kube::kConfigMaps, "ConfigMap", {.ns = "default"});
//   ctl.Start();
//   if (!ctl.WaitForCacheSync(std::chrono::seconds(30))) ...;
//   ...
//   ctl.Stop();
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "common/clock.h"
#include "kube/client.h"
#include "kube/store.h"
#include "kube/watcher.h"
#include "kube/workqueue.h"
#include "runtime/metrics.h"
#include "runtime/result.h"

namespace jd {

struct ControllerOptions {
  int max_concurrent_reconciles = 1;  // values < 1 are treated as 1
  // Where reconcile logs go (null: nowhere). Every line carries controller, key and reconcile_id.
  std::shared_ptr<spdlog::logger> logger;
  // Reconcile and work-queue metrics (null: none). Must outlive the controller.
  MetricsProvider* metrics = nullptr;
  // Namespaces to watch (--namespace); empty = all. Applies to namespaced resources whose source
  // gives no WatcherOptions::ns: with one namespace the watch is scoped to it, with several there
  // is one watch per namespace feeding one cache. Cluster-scoped resources are unaffected.
  std::vector<std::string> namespaces = {};
};

// Maps a watched object to the Requests it should trigger. Runs on a watcher thread; must not
// block. A throw is logged and maps to nothing (the watcher goes on).
using MapFunc = std::function<std::vector<Request>(const nlohmann::json& obj)>;

// The object's own ns/name (empty when it has no name).
std::vector<Request> MapToSelf(const nlohmann::json& obj);
// The controller owner of `obj` if its kind is `owner_kind`, in obj's namespace (empty otherwise).
std::vector<Request> MapToControllerOwner(const nlohmann::json& obj, const std::string& owner_kind);

class Controller {
 public:
  // `reconciler` and `clock` must outlive the controller.
  Controller(std::string name, Reconciler& reconciler, Clock& clock, ControllerOptions opts = {});
  // Stop().
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Sources. Call before Start() (afterwards: std::logic_error). `client` must outlive the
  // controller.
  kube::StoreView For(kube::Client& client, const kube::ResourceRef& ref, kube::WatcherOptions opts = {});
  kube::StoreView Owns(kube::Client& client, const kube::ResourceRef& ref, std::string owner_kind,
                       kube::WatcherOptions opts = {});
  kube::StoreView Watches(kube::Client& client, const kube::ResourceRef& ref, MapFunc map,
                          kube::WatcherOptions opts = {});

  // Starts the watchers and the workers. Once only (again: std::logic_error).
  void Start();
  // The two halves of Start, for leader election: every replica fills its caches (so a standby
  // is ready and takes over with warm caches); only the leader starts workers. Each once only;
  // StartWorkers without StartCaches is allowed (the queue then only gets Enqueue'd keys).
  void StartCaches();
  void StartWorkers();
  // See Lifecycle above. Idempotent; blocks until in-flight reconciles have finished.
  void Stop();

  // True once every watched resource's cache has synced (vacuously true with none).
  bool Ready() const;
  // Waits until Ready() or `timeout` has passed on the Clock; returns Ready().
  bool WaitForCacheSync(Duration timeout);

  // Enqueues a request directly (e.g. from a timer or a test). No-op after Stop().
  void Enqueue(const Request& request);

  const std::string& name() const { return name_; }
  // For introspection (metrics, tests).
  const kube::WorkQueue& queue() const { return queue_; }

 private:
  class Informer;

  void NotifySynced();
  void Worker();
  void ProcessNext(const std::string& key);
  ReconcileOutcome ReconcileSafely(const Request& request);

  const std::string name_;
  Reconciler& reconciler_;
  Clock& clock_;
  const ControllerOptions opts_;
  kube::WorkQueue queue_;

  std::vector<std::unique_ptr<Informer>> informers_;  // fixed once started
  std::vector<std::thread> watcher_threads_;
  std::vector<std::thread> workers_;

  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<ControllerMetrics> metrics_;
  std::atomic<uint64_t> reconcile_seq_{0};
  const uint64_t id_salt_;

  std::mutex lifecycle_mu_;  // Start / Stop
  bool started_ = false;          // sources may no longer be added
  bool caches_started_ = false;
  bool workers_started_ = false;
  bool stopped_ = false;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;  // a cache synced, or a WaitForCacheSync timed out
};

}  // namespace jd

// object_store.h — kube-sim's etcd: objects by storage key, namespace and name; a global
// resourceVersion; a bounded event history; and watchers fed from it.
//
// Not thread-safe by itself: the API server serializes every call under its own lock, so a
// read-modify-write is atomic. Watchers have their own lock and a bounded queue; a watcher that
// falls too far behind is closed (its client re-watches), so a slow or dead watcher never blocks
// a writer.
//
// Usage:
//   ObjectStore store;
//   store.Put("apps/deployments", "default", "web", obj, "ADDED");   // stamps resourceVersion
//   auto w = store.Watch("apps/deployments", "default", /*from_rv=*/0, /*initial=*/true);
//   while (auto ev = w.value()->Next(std::chrono::seconds(1))) ...
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace kubesim {

struct StoreEvent {
  std::string type;  // ADDED, MODIFIED, DELETED
  std::string storage_key;
  std::string ns;
  nlohmann::json object;  // the object after the change (DELETED: its last state)
  nlohmann::json prev;    // MODIFIED: the object before the change; else null
  uint64_t rv = 0;
};

// One watch's queue of events. Created by ObjectStore::Watch.
class Watcher {
 public:
  Watcher(std::string storage_key, std::string ns, size_t limit)
      : storage_key_(std::move(storage_key)), ns_(std::move(ns)), limit_(limit) {}

  // The next event, waiting up to `wait`; nullopt on timeout or once closed and drained.
  std::optional<StoreEvent> Next(std::chrono::milliseconds wait);
  // Ends the watch: Next returns what is queued, then nullopt; Closed() becomes true.
  void Close();
  bool Closed() const;
  // True when it was closed because it fell behind (its queue overflowed).
  bool Overflowed() const;

 private:
  friend class ObjectStore;
  bool Wants(const StoreEvent& ev) const {
    return ev.storage_key == storage_key_ && (ns_.empty() || ev.ns == ns_);
  }
  void Push(const StoreEvent& ev);

  const std::string storage_key_;
  const std::string ns_;
  const size_t limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StoreEvent> queue_;
  bool closed_ = false;
  bool overflowed_ = false;
};

class ObjectStore {
 public:
  explicit ObjectStore(size_t history_limit = 20000, size_t watcher_queue_limit = 20000)
      : history_limit_(history_limit), watcher_queue_limit_(watcher_queue_limit) {}

  const nlohmann::json* Get(const std::string& key, const std::string& ns, const std::string& name) const;
  // Objects of one storage key, in one namespace (or all when ns is empty), sorted by ns/name.
  std::vector<const nlohmann::json*> List(const std::string& key, const std::string& ns) const;
  // Every storage key that holds at least one object.
  std::vector<std::string> Keys() const;

  // Stores `obj` under a new resourceVersion (written into obj's metadata) and tells watchers.
  // `type` is ADDED or MODIFIED. Returns the stored object.
  const nlohmann::json& Put(const std::string& key, const std::string& ns, const std::string& name,
                            nlohmann::json obj, const std::string& type);
  // Removes the object; watchers get DELETED with a new resourceVersion. Returns its last state.
  nlohmann::json Remove(const std::string& key, const std::string& ns, const std::string& name);

  uint64_t CurrentRv() const { return rv_; }
  // The oldest resourceVersion a watch may still start from.
  uint64_t OldestWatchableRv() const { return compacted_rv_; }

  // A watch on one storage key (and namespace, empty = all). from_rv 0 with `initial` replays the
  // current objects as ADDED; from_rv > 0 replays history after it, or answers 410 Gone when the
  // history no longer reaches back that far.
  Result<std::shared_ptr<Watcher>> Watch(const std::string& key, const std::string& ns, uint64_t from_rv,
                                         bool initial);
  // Closes every open watch (a fault kube-sim injects on demand).
  void CloseAllWatchers();
  size_t WatcherCount() const { return watchers_.size(); }

 private:
  void Record(StoreEvent ev);

  const size_t history_limit_;
  const size_t watcher_queue_limit_;
  uint64_t rv_ = 1;
  uint64_t compacted_rv_ = 1;
  std::map<std::string, std::map<std::string, nlohmann::json>> objects_;  // key -> "ns/name" -> obj
  std::deque<StoreEvent> history_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
};

}  // namespace kubesim

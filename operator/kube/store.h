// store.h — the watcher's cache (kube-rs's reflector store): a writer half, StoreWriter, that
// one watcher feeds (Replace on every relist, Apply on every watch event), and any number of
// read-only StoreView handles for controllers and reconcilers.
//
//   StoreWriter::Replace(objects, rv)   the whole set after a (re)list; marks the store synced
//   StoreWriter::Apply(event)           ADDED/MODIFIED upsert, DELETED erase; others ignored
//   StoreView::Get(ns, name)            one object or nullptr
//   StoreView::List(ns)                 objects of `ns` ("" = every object), sorted by ns/name
//   StoreView::ListByIndex(index, v)    objects whose index `index` yields `v` (see below)
//   StoreView::HasSynced()              true once the first Replace happened
//
// Built-in indexes (names below): kNamespaceIndex, value metadata.namespace; kControllerOwnerIndex,
// value the uid of the ownerReference with controller: true (objects without one are not
// indexed). An unknown index name yields an empty list.
//
// Objects are held as std::shared_ptr<const nlohmann::json>: readers share the stored object and
// never copy it; a write replaces the pointer, so an object a reader holds never changes.
// Thread-safe (a std::shared_mutex: many readers, one writer at a time). A view keeps the data
// alive after the writer is gone.
//
// Usage:
//   StoreWriter writer;
//   StoreView view = writer.View();             // hand out to readers
//   writer.Replace(std::move(items), "42");     // from the watcher
//   if (view.HasSynced()) { auto cm = view.Get("default", "settings"); ... }
//   for (const ObjectPtr& o : view.ListByIndex(kControllerOwnerIndex, owner_uid)) ...
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"

namespace jd::kube {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

inline constexpr char kNamespaceIndex[] = "namespace";
inline constexpr char kControllerOwnerIndex[] = "controller-owner-uid";

namespace detail {
struct StoreData;
}  // namespace detail

// The read-only half. Cheap to copy; all copies see the same data.
class StoreView {
 public:
  // nullptr when absent. `ns` is "" for cluster-scoped objects.
  ObjectPtr Get(const std::string& ns, const std::string& name) const;
  // "" = every object. Sorted by namespace, then name.
  std::vector<ObjectPtr> List(const std::string& ns = "") const;
  // Sorted by namespace, then name. Unknown index or value: empty.
  std::vector<ObjectPtr> ListByIndex(const std::string& index_name, const std::string& value) const;
  bool HasSynced() const;
  std::size_t Size() const;
  // The resourceVersion of the last Replace ("" before it).
  std::string LastSyncResourceVersion() const;

 private:
  friend class StoreWriter;
  explicit StoreView(std::shared_ptr<const detail::StoreData> data) : data_(std::move(data)) {}
  std::shared_ptr<const detail::StoreData> data_;
};

// The writer half. One writer per store (the watcher's sink); not copyable.
class StoreWriter {
 public:
  StoreWriter();
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Replaces every object (objects without metadata.name are skipped) and marks the store synced.
  void Replace(std::vector<nlohmann::json> objects, const std::string& resource_version);
  // Replaces the objects of namespace `ns` only (one of several watchers feeding one store, one
  // per namespace); marks the store synced when `mark_synced`.
  void ReplaceNamespace(const std::string& ns, std::vector<nlohmann::json> objects,
                        const std::string& resource_version, bool mark_synced);
  // kAdded/kModified: insert or replace; kDeleted: erase (absent: no-op); kBookmark/kError: ignored.
  void Apply(WatchEvent event);

  StoreView View() const;

 private:
  std::shared_ptr<detail::StoreData> data_;
};

}  // namespace jd::kube

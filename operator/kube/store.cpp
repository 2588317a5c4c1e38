#include "kube/store.h"

#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <utility>

namespace jd::kube {
namespace detail {

// Key: "namespace/name" (ordered, so listings come sorted).
struct StoreData {
  mutable std::shared_mutex mu;
  std::map<std::string, ObjectPtr> objects;
  // index name -> value -> keys
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes;
  bool synced = false;
  std::string sync_rv;
};

}  // namespace detail

namespace {

using detail::StoreData;

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string MetaString(const nlohmann::json& obj, const char* field) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  auto it = meta->find(field);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : "";
}

// The values each built-in index yields for `obj`: {index name, value} pairs.
std::vector<std::pair<std::string, std::string>> IndexValues(const nlohmann::json& obj) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back(kNamespaceIndex, MetaString(obj, "namespace"));
  auto meta = obj.find("metadata");
  if (meta != obj.end() && meta->is_object()) {
    auto refs = meta->find("ownerReferences");
    if (refs != meta->end() && refs->is_array()) {
      for (const auto& ref : *refs) {
        if (ref.is_object() && ref.value("controller", false) && ref.contains("uid") && ref["uid"].is_string()) {
          out.emplace_back(kControllerOwnerIndex, ref["uid"].get<std::string>());
          break;  // at most one controller
        }
      }
    }
  }
  return out;
}

void Unindex(StoreData& d, const std::string& key, const nlohmann::json& obj) {
  for (const auto& [index, value] : IndexValues(obj)) {
    auto idx = d.indexes.find(index);
    if (idx == d.indexes.end()) continue;
    auto keys = idx->second.find(value);
    if (keys == idx->second.end()) continue;
    keys->second.erase(key);
    if (keys->second.empty()) idx->second.erase(keys);
  }
}

void Insert(StoreData& d, ObjectPtr obj) {
  std::string name = MetaString(*obj, "name");
  if (name.empty()) return;
  std::string key = Key(MetaString(*obj, "namespace"), name);
  auto it = d.objects.find(key);
  if (it != d.objects.end()) Unindex(d, key, *it->second);
  for (const auto& [index, value] : IndexValues(*obj)) d.indexes[index][value].insert(key);
  d.objects[key] = std::move(obj);
}

}  // namespace

ObjectPtr StoreView::Get(const std::string& ns, const std::string& name) const {
  std::shared_lock lock(data_->mu);
  auto it = data_->objects.find(Key(ns, name));
  return it == data_->objects.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> StoreView::List(const std::string& ns) const {
  if (!ns.empty()) return ListByIndex(kNamespaceIndex, ns);
  std::shared_lock lock(data_->mu);
  std::vector<ObjectPtr> out;
  out.reserve(data_->objects.size());
  for (const auto& [key, obj] : data_->objects) out.push_back(obj);
  return out;
}

std::vector<ObjectPtr> StoreView::ListByIndex(const std::string& index_name, const std::string& value) const {
  std::shared_lock lock(data_->mu);
  std::vector<ObjectPtr> out;
  auto idx = data_->indexes.find(index_name);
  if (idx == data_->indexes.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    auto it = data_->objects.find(key);
    if (it != data_->objects.end()) out.push_back(it->second);
  }
  return out;
}

bool StoreView::HasSynced() const {
  std::shared_lock lock(data_->mu);
  return data_->synced;
}

std::size_t StoreView::Size() const {
  std::shared_lock lock(data_->mu);
  return data_->objects.size();
}

std::string StoreView::LastSyncResourceVersion() const {
  std::shared_lock lock(data_->mu);
  return data_->sync_rv;
}

StoreWriter::StoreWriter() : data_(std::make_shared<StoreData>()) {}
StoreWriter::~StoreWriter() = default;

void StoreWriter::Replace(std::vector<nlohmann::json> objects, const std::string& resource_version) {
  // Build the new contents outside the lock; swap them in under it.
  StoreData fresh;
  for (auto& obj : objects) Insert(fresh, std::make_shared<const nlohmann::json>(std::move(obj)));
  std::unique_lock lock(data_->mu);
  data_->objects.swap(fresh.objects);
  data_->indexes.swap(fresh.indexes);
  data_->synced = true;
  data_->sync_rv = resource_version;
  // `fresh` (now the old contents) is released after unlocking, at scope exit.
  lock.unlock();
}

void StoreWriter::ReplaceNamespace(const std::string& ns, std::vector<nlohmann::json> objects,
                                   const std::string& resource_version, bool mark_synced) {
  std::vector<ObjectPtr> fresh;
  for (auto& obj : objects) {
    if (MetaString(obj, "name").empty()) continue;
    fresh.push_back(std::make_shared<const nlohmann::json>(std::move(obj)));
  }
  std::vector<ObjectPtr> old;  // released after unlocking
  std::unique_lock lock(data_->mu);
  for (auto it = data_->objects.begin(); it != data_->objects.end();) {
    if (MetaString(*it->second, "namespace") == ns) {
      Unindex(*data_, it->first, *it->second);
      old.push_back(std::move(it->second));
      it = data_->objects.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& o : fresh) Insert(*data_, std::move(o));
  if (mark_synced) data_->synced = true;
  data_->sync_rv = resource_version;
  lock.unlock();
}

void StoreWriter::Apply(WatchEvent event) {
  using T = WatchEvent::Type;
  if (event.type == T::kAdded || event.type == T::kModified) {
    auto obj = std::make_shared<const nlohmann::json>(std::move(event.object));
    std::unique_lock lock(data_->mu);
    Insert(*data_, std::move(obj));
  } else if (event.type == T::kDeleted) {
    std::string key = Key(MetaString(event.object, "namespace"), MetaString(event.object, "name"));
    ObjectPtr old;  // released after unlocking
    std::unique_lock lock(data_->mu);
    auto it = data_->objects.find(key);
    if (it == data_->objects.end()) return;
    old = std::move(it->second);
    Unindex(*data_, key, *old);
    data_->objects.erase(it);
  }
}

StoreView StoreWriter::View() const { return StoreView(data_); }

}  // namespace jd::kube

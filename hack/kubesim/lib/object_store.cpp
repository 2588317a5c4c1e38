#include "object_store.h"

#include <algorithm>

namespace kubesim {

std::optional<StoreEvent> Watcher::Next(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return std::nullopt;
  StoreEvent ev = std::move(queue_.front());
  queue_.pop_front();
  return ev;
}

void Watcher::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool Watcher::Closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool Watcher::Overflowed() const {
  std::lock_guard lock(mu_);
  return overflowed_;
}

void Watcher::Push(const StoreEvent& ev) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (queue_.size() >= limit_) {
      // The client is not reading: drop it rather than grow without bound or block writers.
      // Like the real watch cache, the client sees its stream end and re-watches.
      overflowed_ = true;
      closed_ = true;
      queue_.clear();
    } else {
      queue_.push_back(ev);
    }
  }
  cv_.notify_all();
}

static std::string Slot(const std::string& ns, const std::string& name) { return ns + "/" + name; }

const nlohmann::json* ObjectStore::Get(const std::string& key, const std::string& ns, const std::string& name) const {
  auto k = objects_.find(key);
  if (k == objects_.end()) return nullptr;
  auto o = k->second.find(Slot(ns, name));
  return o == k->second.end() ? nullptr : &o->second;
}

std::vector<const nlohmann::json*> ObjectStore::List(const std::string& key, const std::string& ns) const {
  std::vector<const nlohmann::json*> out;
  auto k = objects_.find(key);
  if (k == objects_.end()) return out;
  if (ns.empty()) {
    for (const auto& [slot, obj] : k->second) out.push_back(&obj);
  } else {
    const std::string prefix = ns + "/";
    for (auto it = k->second.lower_bound(prefix); it != k->second.end() && it->first.rfind(prefix, 0) == 0; ++it)
      out.push_back(&it->second);
  }
  return out;
}

std::vector<std::string> ObjectStore::Keys() const {
  std::vector<std::string> out;
  for (const auto& [k, objs] : objects_)
    if (!objs.empty()) out.push_back(k);
  return out;
}

const nlohmann::json& ObjectStore::Put(const std::string& key, const std::string& ns, const std::string& name,
                                       nlohmann::json obj, const std::string& type) {
  ++rv_;
  obj["metadata"]["resourceVersion"] = std::to_string(rv_);
  auto& slot = objects_[key][Slot(ns, name)];
  StoreEvent ev{type, key, ns, obj, type == "MODIFIED" ? slot : nlohmann::json(), rv_};
  slot = std::move(obj);
  Record(std::move(ev));
  return slot;
}

nlohmann::json ObjectStore::Remove(const std::string& key, const std::string& ns, const std::string& name) {
  auto k = objects_.find(key);
  if (k == objects_.end()) return nullptr;
  auto o = k->second.find(Slot(ns, name));
  if (o == k->second.end()) return nullptr;
  nlohmann::json last = std::move(o->second);
  k->second.erase(o);
  ++rv_;
  // A DELETED event carries the object at the resourceVersion of its deletion.
  last["metadata"]["resourceVersion"] = std::to_string(rv_);
  Record(StoreEvent{"DELETED", key, ns, last, nullptr, rv_});
  return last;
}

void ObjectStore::Record(StoreEvent ev) {
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(), [](const auto& w) { return w->Closed(); }),
                  watchers_.end());
  for (const auto& w : watchers_)
    if (w->Wants(ev)) w->Push(ev);
  history_.push_back(std::move(ev));
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
}

Result<std::shared_ptr<Watcher>> ObjectStore::Watch(const std::string& key, const std::string& ns, uint64_t from_rv,
                                                     bool initial) {
  auto w = std::make_shared<Watcher>(key, ns, watcher_queue_limit_);
  if (from_rv == 0) {
    if (initial) {
      for (const auto* obj : List(key, ns)) {
        StoreEvent ev{"ADDED", key, ns.empty() ? obj->value("/metadata/namespace"_json_pointer, "") : ns, *obj,
                      nullptr, std::stoull(obj->at("metadata").value("resourceVersion", "0"))};
        w->Push(ev);
      }
    }
  } else {
    if (from_rv < compacted_rv_) {
      return ApiError::Gone("too old resource version: " + std::to_string(from_rv) + " (" +
                            std::to_string(compacted_rv_) + ")");
    }
    for (const auto& ev : history_)
      if (ev.rv > from_rv && w->Wants(ev)) w->Push(ev);
  }
  watchers_.push_back(w);
  return w;
}

void ObjectStore::CloseAllWatchers() {
  for (const auto& w : watchers_) w->Close();
  watchers_.clear();
}

}  // namespace kubesim

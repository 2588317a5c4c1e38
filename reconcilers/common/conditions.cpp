#include "reconcilers/common/conditions.h"

#include "reconcilers/common/timestamp.h"

namespace jd::rec {

namespace {

bool HasType(const nlohmann::json& entry, std::string_view type) {
  if (!entry.is_object()) return false;
  auto it = entry.find("type");
  return it != entry.end() && it->is_string() && it->get_ref<const std::string&>() == type;
}

// Semantic equality for StatusChanged: null members are absent.
bool SameValue(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (it->is_null()) continue;
      auto other = b.find(it.key());
      if (other == b.end() || !SameValue(*it, *other)) return false;
    }
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (it->is_null()) continue;
      auto mine = a.find(it.key());
      if (mine == a.end() || mine->is_null()) return false;  // set in b, absent in a
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!SameValue(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;  // nlohmann compares integers and floats by value
}

nlohmann::json Normalize(const nlohmann::json& status) {
  return status.is_null() ? nlohmann::json::object() : status;
}

}  // namespace

void SetCondition(nlohmann::json& conditions, const Condition& c, int64_t generation, WallTime now) {
  if (!conditions.is_array()) conditions = nlohmann::json::array();
  for (auto& entry : conditions) {
    if (!HasType(entry, c.type)) continue;
    const auto status = entry.find("status");
    const bool flipped = status == entry.end() || !status->is_string() ||
                         status->get_ref<const std::string&>() != c.status;
    if (flipped || !entry.contains("lastTransitionTime")) {
      entry["lastTransitionTime"] = FormatRfc3339(now);
    }
    entry["status"] = c.status;
    entry["reason"] = c.reason;
    entry["message"] = c.message;
    entry["observedGeneration"] = generation;
    return;
  }
  conditions.push_back({{"type", c.type},
                        {"status", c.status},
                        {"reason", c.reason},
                        {"message", c.message},
                        {"lastTransitionTime", FormatRfc3339(now)},
                        {"observedGeneration", generation}});
}

const nlohmann::json* FindCondition(const nlohmann::json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const auto& entry : conditions) {
    if (HasType(entry, type)) return &entry;
  }
  return nullptr;
}

bool IsTrue(const nlohmann::json& conditions, std::string_view type) {
  const nlohmann::json* c = FindCondition(conditions, type);
  if (c == nullptr) return false;
  auto status = c->find("status");
  return status != c->end() && status->is_string() && status->get_ref<const std::string&>() == kTrue;
}

bool RemoveCondition(nlohmann::json& conditions, std::string_view type) {
  if (!conditions.is_array()) return false;
  bool removed = false;
  for (std::size_t i = 0; i < conditions.size();) {
    if (HasType(conditions[i], type)) {
      conditions.erase(i);
      removed = true;
    } else {
      ++i;
    }
  }
  return removed;
}

void SetReadiness(nlohmann::json& conditions, const Readiness& r, int64_t generation, WallTime now) {
  const std::string ready(kReady), reconciling(kReconciling), stalled(kStalled);
  switch (r.state) {
    case Readiness::kReady:
      SetCondition(conditions, {ready, std::string(kTrue), r.reason, r.message}, generation, now);
      RemoveCondition(conditions, kReconciling);
      RemoveCondition(conditions, kStalled);
      return;
    case Readiness::kReconciling:
      SetCondition(conditions, {ready, std::string(kFalse), r.reason, r.message}, generation, now);
      SetCondition(conditions, {reconciling, std::string(kTrue), r.reason, r.message}, generation,
                   now);
      RemoveCondition(conditions, kStalled);
      return;
    case Readiness::kStalled:
      SetCondition(conditions, {ready, std::string(kFalse), r.reason, r.message}, generation, now);
      SetCondition(conditions, {stalled, std::string(kTrue), r.reason, r.message}, generation, now);
      RemoveCondition(conditions, kReconciling);
      return;
  }
}

bool StatusChanged(const nlohmann::json& old_status, const nlohmann::json& new_status) {
  return !SameValue(Normalize(old_status), Normalize(new_status));
}

}  // namespace jd::rec

#include "rollout_math.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <numeric>

#include "text_util.h"

namespace kubesim::rollout {

using nlohmann::json;

namespace {

int IntAt(const json& obj, const json::json_pointer& p, int fallback = 0) {
  if (!obj.contains(p)) return fallback;
  const json& v = obj.at(p);
  return v.is_number_integer() ? v.get<int>() : fallback;
}

bool IsRollingUpdate(const json& deployment) {
  return deployment.value("/spec/strategy/type"_json_pointer, std::string("RollingUpdate")) == "RollingUpdate";
}

Fenceposts FencepostsOf(const json& deployment) {
  const json none;
  const json& ru = deployment.contains("/spec/strategy/rollingUpdate"_json_pointer)
                       ? deployment.at("/spec/strategy/rollingUpdate"_json_pointer)
                       : none;
  // The API server defaults both to 25% for RollingUpdate; an object written without defaulting
  // reads the same way.
  json surge = ru.is_object() && ru.contains("maxSurge") ? ru["maxSurge"] : json("25%");
  json unavailable = ru.is_object() && ru.contains("maxUnavailable") ? ru["maxUnavailable"] : json("25%");
  return ResolveFenceposts(surge, unavailable, DesiredReplicas(deployment));
}

int SumOf(const std::vector<RsState>& rss, int RsState::*field) {
  int n = 0;
  for (const auto& rs : rss) n += rs.*field;
  return n;
}

void SetOrErase(json& obj, const char* key, int64_t value) {
  if (value != 0) obj[key] = value;
  else obj.erase(key);
}

int64_t StatusInt(const json& status, const char* key) {
  if (!status.is_object() || !status.contains(key) || !status[key].is_number_integer()) return 0;
  return status[key].get<int64_t>();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Fenceposts

std::optional<int> ScaledValue(const json& v, int total, bool round_up) {
  if (v.is_number_integer()) {
    int n = v.get<int>();
    return n >= 0 ? std::optional<int>(n) : std::nullopt;
  }
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (s.size() < 2 || s.back() != '%') return std::nullopt;  // "5" is not a percentage
  int pct = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, pct);
  if (ec != std::errc() || end != s.data() + s.size() - 1 || pct < 0) return std::nullopt;
  double exact = static_cast<double>(pct) * total / 100.0;
  return static_cast<int>(round_up ? std::ceil(exact) : std::floor(exact));
}

Fenceposts ResolveFenceposts(const json& max_surge, const json& max_unavailable, int desired) {
  Fenceposts f;
  f.max_surge = ScaledValue(max_surge, desired, true).value_or(0);
  f.max_unavailable = ScaledValue(max_unavailable, desired, false).value_or(0);
  // Validation forbids both being 0, but rounding maxUnavailable down can still produce 0 for
  // both; then one pod may be unavailable so the rollout can move at all.
  if (f.max_surge == 0 && f.max_unavailable == 0) f.max_unavailable = 1;
  return f;
}

int DesiredReplicas(const json& deployment) { return IntAt(deployment, "/spec/replicas"_json_pointer, 1); }

bool HasProgressDeadline(const json& deployment) {
  // Unset, or MaxInt32 (what "no deadline" meant in extensions/v1beta1), disables progress checks.
  int v = IntAt(deployment, "/spec/progressDeadlineSeconds"_json_pointer, INT_MAX);
  return v != INT_MAX;
}

int MaxSurge(const json& deployment) {
  if (!IsRollingUpdate(deployment)) return 0;
  return FencepostsOf(deployment).max_surge;
}

int MaxUnavailable(const json& deployment) {
  int desired = DesiredReplicas(deployment);
  if (!IsRollingUpdate(deployment) || desired == 0) return 0;
  return std::min(FencepostsOf(deployment).max_unavailable, desired);
}

// ---------------------------------------------------------------------------------------------
// Pod templates

namespace {

// Semantic form of a value, as the real controller compares typed objects
// (apimachinery's semantic DeepEqual): a null field and an empty list or map are the same as an
// absent one. kubectl sends templates back with `metadata.creationTimestamp: null` (a zero
// metav1.Time), e.g. on `kubectl rollout undo`.
json Semantic(const json& v) {
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, e] : v.items()) {
      json n = Semantic(e);
      if (n.is_null() || (n.is_array() && n.empty()) || (n.is_object() && n.empty() && !e.empty())) continue;
      if (e.is_null()) continue;
      out[k] = std::move(n);
    }
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(Semantic(e));
    return out;
  }
  return v;
}

}  // namespace

json TemplateWithoutHash(const json& pod_template) {
  json t = Semantic(pod_template.is_object() ? pod_template : json::object());
  if (t.contains("/metadata/labels"_json_pointer) && t["metadata"]["labels"].is_object()) {
    t["metadata"]["labels"].erase(kPodTemplateHashLabel);
    if (t["metadata"]["labels"].empty()) t["metadata"].erase("labels");
  }
  return t;
}

bool EqualIgnoreHash(const json& a, const json& b) { return TemplateWithoutHash(a) == TemplateWithoutHash(b); }

std::string SafeEncodeString(std::string_view s) {
  static constexpr std::string_view kAlphanums = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out += kAlphanums[c % kAlphanums.size()];
  return out;
}

std::string PodTemplateHash(const json& pod_template, std::optional<int32_t> collision_count) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  const std::string text = TemplateWithoutHash(pod_template).dump();
  uint32_t h = 2166136261u;
  auto feed = [&h](unsigned char byte) {
    h ^= byte;
    h *= 16777619u;
  };
  for (unsigned char c : text) feed(c);
  if (collision_count) {
    auto v = static_cast<uint32_t>(*collision_count);
    for (int i = 0; i < 4; ++i) feed(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
  }
  return SafeEncodeString(std::to_string(h));
}

// ---------------------------------------------------------------------------------------------
// Rollout steps

bool CreatedBefore(const RsState& a, const RsState& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.name < b.name;
}

int NewRsReplicasRolling(int desired, int max_surge, int new_rs_replicas, int all_rs_replicas) {
  int max_total = desired + max_surge;
  if (all_rs_replicas >= max_total) return new_rs_replicas;  // no room to surge
  int scale_up = std::min(max_total - all_rs_replicas, desired - new_rs_replicas);
  return new_rs_replicas + std::max(scale_up, 0);
}

std::vector<int> ScaleDownOldRolling(int desired, int max_unavailable, const RsState& new_rs,
                                     const std::vector<RsState>& olds) {
  std::vector<int> sizes;
  for (const auto& rs : olds) sizes.push_back(rs.replicas);
  int old_total = SumOf(olds, &RsState::replicas);
  if (old_total == 0) return sizes;  // nothing left to scale down
  int all_total = old_total + new_rs.replicas;
  int min_available = desired - max_unavailable;
  int new_unavailable = new_rs.replicas - new_rs.available;
  // How far the total may shrink: replicas beyond the availability floor, not counting the new
  // ReplicaSet's pods that are not available yet (they may never become available).
  int max_scaled_down = all_total - min_available - new_unavailable;
  if (max_scaled_down <= 0) return sizes;

  std::vector<size_t> order(olds.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return CreatedBefore(olds[a], olds[b]); });

  // 1. Unhealthy replicas first (cleanupUnhealthyReplicas): they do not count toward
  // availability, so removing them costs nothing.
  int cleaned = 0;
  for (size_t i : order) {
    if (cleaned >= max_scaled_down) break;
    if (sizes[i] == 0 || sizes[i] == olds[i].available) continue;
    int n = std::min(max_scaled_down - cleaned, sizes[i] - olds[i].available);
    sizes[i] -= n;
    cleaned += n;
  }

  // 2. Then available replicas, oldest ReplicaSet first, down to the availability floor
  // (scaleDownOldReplicaSetsForRollingUpdate). Availability is as the ReplicaSets last reported it.
  int available = new_rs.available + SumOf(olds, &RsState::available);
  if (available <= min_available) return sizes;
  int to_scale_down = available - min_available;
  int done = 0;
  for (size_t i : order) {
    if (done >= to_scale_down) break;
    if (sizes[i] == 0) continue;
    int n = std::min(sizes[i], to_scale_down - done);
    sizes[i] -= n;
    done += n;
  }
  return sizes;
}

RolloutStep PlanRolling(int desired, Fenceposts f, const RsState& new_rs, const std::vector<RsState>& olds) {
  RolloutStep step;
  step.new_replicas = new_rs.replicas;
  for (const auto& rs : olds) step.old_replicas.push_back(rs.replicas);
  int max_unavailable = desired == 0 ? 0 : std::min(f.max_unavailable, desired);

  // reconcileNewReplicaSet: a step that scales the new ReplicaSet ends the round.
  int target = new_rs.replicas;
  if (new_rs.replicas > desired) {
    target = desired;
  } else if (new_rs.replicas < desired) {
    int all_total = new_rs.replicas + SumOf(olds, &RsState::replicas);
    target = NewRsReplicasRolling(desired, f.max_surge, new_rs.replicas, all_total);
  }
  if (target != new_rs.replicas) {
    step.new_replicas = target;
    step.scaled = true;
    return step;
  }
  step.old_replicas = ScaleDownOldRolling(desired, max_unavailable, new_rs, olds);
  for (size_t i = 0; i < olds.size(); ++i)
    if (step.old_replicas[i] != olds[i].replicas) step.scaled = true;
  return step;
}

RolloutStep PlanRecreate(int desired, const RsState& new_rs, const std::vector<RsState>& olds, bool old_pods_running) {
  RolloutStep step;
  step.new_replicas = new_rs.replicas;
  for (const auto& rs : olds) {
    step.old_replicas.push_back(0);
    if (rs.replicas != 0) step.scaled = true;
  }
  if (step.scaled) return step;        // first scale every old ReplicaSet to 0
  if (old_pods_running) return step;   // then wait until their pods are gone
  step.new_replicas = desired;         // only then bring the new one up
  step.scaled = desired != new_rs.replicas;
  return step;
}

std::vector<int> ProportionalScale(int desired, int max_surge, int deployment_status_replicas,
                                   const std::vector<RsState>& active) {
  std::vector<int> sizes;
  for (const auto& rs : active) sizes.push_back(rs.replicas);
  if (active.empty()) return sizes;
  int allowed = desired > 0 ? desired + max_surge : 0;
  int to_add = allowed - SumOf(active, &RsState::replicas);
  if (to_add == 0) return sizes;

  // Largest first; between equal sizes the newer one first when growing, the older one first
  // when shrinking (ReplicaSetsBySizeNewer / ReplicaSetsBySizeOlder).
  std::vector<size_t> order(active.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (active[a].replicas != active[b].replicas) return active[a].replicas > active[b].replicas;
    return to_add > 0 ? CreatedBefore(active[b], active[a]) : CreatedBefore(active[a], active[b]);
  });

  const int max_total = desired + max_surge;
  int added = 0;
  for (size_t i : order) {
    const RsState& rs = active[i];
    if (rs.replicas == 0 || to_add == added) continue;
    int fraction;
    if (desired == 0) {
      fraction = -rs.replicas;  // scaling to zero: the whole ReplicaSet goes
    } else {
      int before = rs.max_replicas_annotation > 0 ? rs.max_replicas_annotation : deployment_status_replicas;
      fraction = before == 0 ? 0
                             : static_cast<int>(std::round(static_cast<double>(rs.replicas) * max_total / before)) -
                                   rs.replicas;
    }
    int remaining = to_add - added;
    int proportion = to_add > 0 ? std::min(fraction, remaining) : std::max(fraction, remaining);
    sizes[i] += proportion;
    added += proportion;
  }
  // Leftovers (from rounding) go to the largest ReplicaSet.
  size_t largest = order.front();
  sizes[largest] = std::max(0, sizes[largest] + (to_add - added));
  return sizes;
}

// ---------------------------------------------------------------------------------------------
// Status and conditions

json NewCondition(const std::string& type, const std::string& status, const std::string& reason,
                  const std::string& message, TimePoint now) {
  std::string ts = Rfc3339(now);
  return {{"type", type},           {"status", status}, {"lastUpdateTime", ts}, {"lastTransitionTime", ts},
          {"reason", reason}, {"message", message}};
}

const json* GetCondition(const json& status, const std::string& type) {
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const auto& c : status["conditions"])
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

void SetCondition(json& status, json condition) {
  const std::string type = condition.value("type", "");
  const json* current = GetCondition(status, type);
  if (current && current->value("status", "") == condition.value("status", "") &&
      current->value("reason", "") == condition.value("reason", ""))
    return;
  // The status did not flip: the transition happened when it last did.
  if (current && current->value("status", "") == condition.value("status", ""))
    condition["lastTransitionTime"] = (*current)["lastTransitionTime"];
  RemoveCondition(status, type);
  status["conditions"].push_back(std::move(condition));
}

void RemoveCondition(json& status, const std::string& type) {
  if (!status.is_object() || !status.contains("conditions")) return;
  json kept = json::array();
  for (const auto& c : status["conditions"])
    if (!c.is_object() || c.value("type", "") != type) kept.push_back(c);
  if (kept.empty()) status.erase("conditions");
  else status["conditions"] = std::move(kept);
}

json CalculateStatus(const json& deployment, const std::vector<RsState>& all, const RsState* new_rs, TimePoint now) {
  const json old = deployment.value("status", json::object());
  int available = SumOf(all, &RsState::available);
  int total_spec = SumOf(all, &RsState::replicas);
  json status = json::object();
  SetOrErase(status, "observedGeneration", deployment.value("/metadata/generation"_json_pointer, int64_t{0}));
  SetOrErase(status, "replicas", SumOf(all, &RsState::status_replicas));
  SetOrErase(status, "updatedReplicas", new_rs ? new_rs->status_replicas : 0);
  SetOrErase(status, "readyReplicas", SumOf(all, &RsState::ready));
  SetOrErase(status, "availableReplicas", available);
  SetOrErase(status, "unavailableReplicas", std::max(0, total_spec - available));
  if (old.contains("collisionCount")) status["collisionCount"] = old["collisionCount"];
  if (old.contains("conditions")) status["conditions"] = old["conditions"];

  if (available >= DesiredReplicas(deployment) - MaxUnavailable(deployment))
    SetCondition(status, NewCondition("Available", "True", kMinimumReplicasAvailable, "Deployment has minimum availability.", now));
  else
    SetCondition(status, NewCondition("Available", "False", kMinimumReplicasUnavailable,
                                      "Deployment does not have minimum availability.", now));
  return status;
}

bool DeploymentComplete(const json& deployment, const json& s) {
  int64_t desired = DesiredReplicas(deployment);
  return StatusInt(s, "updatedReplicas") == desired && StatusInt(s, "replicas") == desired &&
         StatusInt(s, "availableReplicas") == desired &&
         StatusInt(s, "observedGeneration") >= deployment.value("/metadata/generation"_json_pointer, int64_t{0});
}

bool DeploymentProgressing(const json& deployment, const json& s) {
  const json old = deployment.value("status", json::object());
  int64_t old_old = StatusInt(old, "replicas") - StatusInt(old, "updatedReplicas");
  int64_t new_old = StatusInt(s, "replicas") - StatusInt(s, "updatedReplicas");
  return StatusInt(s, "updatedReplicas") > StatusInt(old, "updatedReplicas") || new_old < old_old ||
         StatusInt(s, "readyReplicas") > StatusInt(old, "readyReplicas") ||
         StatusInt(s, "availableReplicas") > StatusInt(old, "availableReplicas");
}

bool DeploymentTimedOut(const json& deployment, const json& s, TimePoint now) {
  if (!HasProgressDeadline(deployment)) return false;
  const json* c = GetCondition(s, "Progressing");
  if (!c) return false;
  const std::string reason = c->value("reason", "");
  if (reason == kNewReplicaSetAvailable) return false;  // a finished rollout cannot time out
  if (reason == kProgressDeadlineExceeded) return true;
  // Measured from the last time progress was seen (lastUpdateTime), not from the transition.
  auto from = ParseRfc3339(c->value("lastUpdateTime", ""));
  if (!from) return false;
  auto deadline = std::chrono::seconds(IntAt(deployment, "/spec/progressDeadlineSeconds"_json_pointer));
  return *from + deadline < now;
}

json RolloutStatus(const json& deployment, const std::vector<RsState>& all, const RsState* new_rs, TimePoint now) {
  json status = CalculateStatus(deployment, all, new_rs, now);
  const bool deadline = HasProgressDeadline(deployment);
  if (!deadline) RemoveCondition(status, "Progressing");

  const json old = deployment.value("status", json::object());
  const json* current = GetCondition(old, "Progressing");
  // A rollout already reported complete is not re-estimated on resyncs.
  bool complete = StatusInt(status, "replicas") == StatusInt(status, "updatedReplicas") && current &&
                  current->value("reason", "") == kNewReplicaSetAvailable;
  if (!deadline || complete) return status;

  auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
  const std::string name = deployment.value("/metadata/name"_json_pointer, std::string());
  if (DeploymentComplete(deployment, status)) {
    std::string msg = new_rs ? "ReplicaSet " + quoted(new_rs->name) + " has successfully progressed."
                             : "Deployment " + quoted(name) + " has successfully progressed.";
    SetCondition(status, NewCondition("Progressing", "True", kNewReplicaSetAvailable, msg, now));
  } else if (DeploymentProgressing(deployment, status)) {
    std::string msg = new_rs ? "ReplicaSet " + quoted(new_rs->name) + " is progressing."
                             : "Deployment " + quoted(name) + " is progressing.";
    // Progress refreshes lastUpdateTime even when the reason stays ReplicaSetUpdated (which
    // SetCondition alone would not); lastTransitionTime only moves if the status was not True.
    json c = NewCondition("Progressing", "True", kReplicaSetUpdated, msg, now);
    if (current && current->value("status", "") == "True") c["lastTransitionTime"] = (*current)["lastTransitionTime"];
    RemoveCondition(status, "Progressing");
    SetCondition(status, std::move(c));
  } else if (DeploymentTimedOut(deployment, status, now)) {
    std::string msg = new_rs ? "ReplicaSet " + quoted(new_rs->name) + " has timed out progressing."
                             : "Deployment " + quoted(name) + " has timed out progressing.";
    SetCondition(status, NewCondition("Progressing", "False", kProgressDeadlineExceeded, msg, now));
  }
  return status;
}

int64_t Revision(const json& obj) {
  const json::json_pointer p("/metadata/annotations/deployment.kubernetes.io~1revision");
  if (!obj.contains(p) || !obj.at(p).is_string()) return 0;
  const std::string s = obj.at(p).get<std::string>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : 0;
}

std::string AppendRevisionHistory(const std::string& history, const std::string& old_revision) {
  if (history.empty()) return old_revision;
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    size_t comma = history.find(',', pos);
    parts.push_back(history.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  size_t total = history.size() + old_revision.size() + 1;
  size_t start = 0;
  while (total > kMaxRevisionHistoryChars && start < parts.size()) {
    total -= parts[start].size() + 1;
    ++start;
  }
  std::string out;
  for (size_t i = start; i < parts.size(); ++i) out += parts[i] + ",";
  return out + old_revision;
}

}  // namespace kubesim::rollout

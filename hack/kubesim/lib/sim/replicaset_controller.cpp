#include "replicaset_controller.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "object_meta.h"
#include "selector.h"
#include "sim_client.h"
#include "text_util.h"

namespace kubesim {

using nlohmann::json;

namespace {

constexpr const char* kComponent = "replicaset-controller";
constexpr const char* kUserAgent = "kube-controller-manager/v1.32.0 (replicaset-controller)";
constexpr int kBurstReplicas = 500;  // the real controller's per-sync cap


const json* PodCondition(const json& pod, const std::string& type) {
  const json::json_pointer p("/status/conditions");
  if (!pod.contains(p) || !pod.at(p).is_array()) return nullptr;
  for (const auto& c : pod.at(p))
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

std::optional<TimePoint> ReadySince(const json& pod) {
  const json* c = PodCondition(pod, "Ready");
  if (!c || c->value("status", "") != "True") return std::nullopt;
  return ParseRfc3339(c->value("lastTransitionTime", ""));
}

int PhaseOrdinal(const json& pod) {
  std::string phase = pod.value("/status/phase"_json_pointer, std::string());
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;  // Pending, or not reported yet
}

int DeletionCost(const json& pod) {
  const json::json_pointer p("/metadata/annotations/controller.kubernetes.io~1pod-deletion-cost");
  if (!pod.contains(p) || !pod.at(p).is_string()) return 0;
  const std::string s = pod.at(p).get<std::string>();
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

int MaxRestarts(const json& pod) {
  int n = 0;
  const json::json_pointer p("/status/containerStatuses");
  if (pod.contains(p) && pod.at(p).is_array())
    for (const auto& cs : pod.at(p)) n = std::max(n, cs.value("restartCount", 0));
  return n;
}

// t1 sorts before t2 when it is later; a missing time sorts first (afterOrZero).
bool AfterOrZero(const std::optional<TimePoint>& t1, const std::optional<TimePoint>& t2) {
  if (!t1 || !t2) return !t1;
  return *t1 > *t2;
}

// "a should be deleted before b" (ActivePodsWithRanks.Less, simplified).
bool DeleteBefore(const json& a, const json& b) {
  bool a_assigned = !a.value("/spec/nodeName"_json_pointer, std::string()).empty();
  bool b_assigned = !b.value("/spec/nodeName"_json_pointer, std::string()).empty();
  if (a_assigned != b_assigned) return !a_assigned;
  if (PhaseOrdinal(a) != PhaseOrdinal(b)) return PhaseOrdinal(a) < PhaseOrdinal(b);
  if (IsPodReady(a) != IsPodReady(b)) return !IsPodReady(a);
  if (DeletionCost(a) != DeletionCost(b)) return DeletionCost(a) < DeletionCost(b);
  if (IsPodReady(a) && IsPodReady(b)) {
    auto ra = ReadySince(a), rb = ReadySince(b);
    if (ra != rb) return AfterOrZero(ra, rb);
  }
  if (MaxRestarts(a) != MaxRestarts(b)) return MaxRestarts(a) > MaxRestarts(b);
  auto ca = ParseRfc3339(MetaStr(a, "creationTimestamp"));
  auto cb = ParseRfc3339(MetaStr(b, "creationTimestamp"));
  if (ca != cb) return AfterOrZero(ca, cb);
  return MetaStr(a, "name") < MetaStr(b, "name");
}

// The Pod a ReplicaSet's template describes (GetPodFromTemplate).
json PodFromTemplate(const json& rs) {
  const json tmpl = rs.value("/spec/template"_json_pointer, json::object());
  const json tmeta = tmpl.value("metadata", json::object());
  json md = {{"generateName", MetaStr(rs, "name") + "-"},
             {"namespace", MetaStr(rs, "namespace")},
             {"ownerReferences", json::array({ControllerRefTo(rs)})}};
  for (const char* f : {"labels", "annotations", "finalizers"})
    if (tmeta.contains(f) && !tmeta[f].empty()) md[f] = tmeta[f];
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", md}, {"spec", tmpl.value("spec", json::object())}};
}

class ReplicaSetSync {
 public:
  ReplicaSetSync(const SimClient& client, TimePoint now, json rs, std::vector<json>& ns_pods)
      : client_(client), now_(now), rs_(std::move(rs)), ns_pods_(ns_pods) {}

  void Run() {
    LabelSelector selector = FromLabelSelectorJson(rs_.value("/spec/selector"_json_pointer, json()));
    // An empty or invalid selector would claim every Pod in the namespace; the API server
    // rejects such ReplicaSets, so one seen here is skipped.
    if (selector.MatchesNothing() || selector.MatchesEverything()) return;

    std::vector<json> active = ClaimPods(selector);
    const int replicas = rs_.value("/spec/replicas"_json_pointer, 1);
    std::optional<std::string> manage_error;
    if (!Terminating(rs_)) manage_error = ManageReplicas(active, replicas);
    UpdateStatus(active, replicas, manage_error);
  }

 private:
  // Owned Pods still matching the selector, plus adopted orphans; only active ones are returned.
  std::vector<json> ClaimPods(const LabelSelector& selector) {
    const std::string uid = MetaStr(rs_, "uid");
    std::vector<json> active;
    for (json& pod : ns_pods_) {
      const json* ref = ControllerRef(pod);
      bool matches = selector.Matches(Labels(pod));
      if (ref && ref->value("uid", "") == uid) {
        if (!matches) {
          Release(pod);
          continue;
        }
      } else if (ref || !matches || Terminating(pod) || Terminating(rs_)) {
        continue;  // someone else's, or not ours to adopt
      } else if (!Adopt(pod)) {
        continue;
      }
      if (IsPodActive(pod)) active.push_back(pod);
    }
    return active;
  }

  bool Adopt(json& pod) {
    json refs = pod.value("/metadata/ownerReferences"_json_pointer, json::array());
    refs.push_back(ControllerRefTo(rs_));
    auto res = client_.MergePatch(kPods, MetaStr(pod, "namespace"), MetaStr(pod, "name"),
                                  {{"metadata", {{"ownerReferences", refs}, {"resourceVersion", MetaStr(pod, "resourceVersion")}}}});
    if (!res.ok()) return false;
    pod = std::move(res).value();
    return true;
  }

  void Release(json& pod) {
    json kept = json::array();
    for (const auto& ref : pod.value("/metadata/ownerReferences"_json_pointer, json::array()))
      if (ref.value("uid", "") != MetaStr(rs_, "uid")) kept.push_back(ref);
    auto res = client_.MergePatch(kPods, MetaStr(pod, "namespace"), MetaStr(pod, "name"),
                                  {{"metadata", {{"ownerReferences", kept.empty() ? json(nullptr) : kept},
                                                 {"resourceVersion", MetaStr(pod, "resourceVersion")}}}});
    if (res.ok()) pod = std::move(res).value();
  }

  // Creates or deletes Pods; the first failure's message, if any.
  std::optional<std::string> ManageReplicas(const std::vector<json>& active, int replicas) {
    const int diff = static_cast<int>(active.size()) - replicas;
    if (diff < 0) {
      const int to_create = std::min(-diff, kBurstReplicas);
      for (int i = 0; i < to_create; ++i) {
        auto created = client_.Create(kPods, MetaStr(rs_, "namespace"), PodFromTemplate(rs_));
        if (!created.ok()) {
          std::string msg = created.error().message;
          client_.RecordEvent(rs_, "Warning", "FailedCreate", "Error creating: " + msg, kComponent, now_);
          return msg;
        }
        client_.RecordEvent(rs_, "Normal", "SuccessfulCreate", "Created pod: " + MetaStr(created.value(), "name"),
                            kComponent, now_);
      }
    } else if (diff > 0) {
      std::vector<json> victims = PodDeletionOrder(active);
      victims.resize(static_cast<size_t>(std::min(diff, kBurstReplicas)));
      for (const auto& pod : victims) {
        auto res = client_.Delete(kPods, MetaStr(pod, "namespace"), MetaStr(pod, "name"));
        if (!res.ok() && res.error().code != 404) {
          std::string msg = res.error().message;
          client_.RecordEvent(rs_, "Warning", "FailedDelete", "Error deleting: " + msg, kComponent, now_);
          return msg;
        }
        client_.RecordEvent(rs_, "Normal", "SuccessfulDelete", "Deleted pod: " + MetaStr(pod, "name"), kComponent, now_);
      }
    }
    return std::nullopt;
  }

  void UpdateStatus(const std::vector<json>& active, int replicas, const std::optional<std::string>& manage_error) {
    const json old = rs_.value("status", json::object());
    const LabelSelector template_labels =
        FromLabelMap(rs_.value("/spec/template/metadata/labels"_json_pointer, json::object()));
    const int min_ready = rs_.value("/spec/minReadySeconds"_json_pointer, 0);
    int fully_labeled = 0, ready = 0, available = 0;
    for (const auto& pod : active) {
      if (template_labels.Matches(Labels(pod))) ++fully_labeled;
      if (IsPodReady(pod)) ++ready;
      if (IsPodAvailable(pod, min_ready, now_)) ++available;
    }
    json status = json::object();
    status["replicas"] = active.size();  // not omitempty
    if (fully_labeled) status["fullyLabeledReplicas"] = fully_labeled;
    if (ready) status["readyReplicas"] = ready;
    if (available) status["availableReplicas"] = available;
    int64_t generation = rs_.value("/metadata/generation"_json_pointer, int64_t{0});
    if (generation) status["observedGeneration"] = generation;

    // ReplicaFailure: set when creating or deleting failed, cleared once a round succeeds.
    json conditions = json::array();
    bool had_failure = false;
    for (const auto& c : old.value("conditions", json::array())) {
      if (c.value("type", "") == "ReplicaFailure") {
        had_failure = true;
        if (!manage_error) continue;
      }
      conditions.push_back(c);
    }
    if (manage_error && !had_failure) {
      int diff = static_cast<int>(active.size()) - replicas;
      conditions.push_back({{"type", "ReplicaFailure"},
                            {"status", "True"},
                            {"lastTransitionTime", Rfc3339(now_)},
                            {"reason", diff < 0 ? "FailedCreate" : "FailedDelete"},
                            {"message", *manage_error}});
    }
    if (!conditions.empty()) status["conditions"] = conditions;

    if (status == old) return;
    json updated = rs_;
    updated["status"] = status;
    (void)client_.UpdateStatus(kReplicaSets, updated);  // a conflict is retried next round
  }

  const SimClient& client_;
  const TimePoint now_;
  json rs_;
  std::vector<json>& ns_pods_;
};

}  // namespace

bool IsPodReady(const json& pod) {
  const json* c = PodCondition(pod, "Ready");
  return c && c->value("status", "") == "True";
}

bool IsPodAvailable(const json& pod, int min_ready_seconds, TimePoint now) {
  if (!IsPodReady(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  auto since = ReadySince(pod);
  return since && *since + std::chrono::seconds(min_ready_seconds) < now;
}

bool IsPodActive(const json& pod) {
  std::string phase = pod.value("/status/phase"_json_pointer, std::string());
  return phase != "Succeeded" && phase != "Failed" && !Terminating(pod);
}

std::vector<json> PodDeletionOrder(std::vector<json> pods) {
  std::stable_sort(pods.begin(), pods.end(), DeleteBefore);
  return pods;
}

void ReplicaSetController::Sync(const SimContext& ctx) {
  SimClient client(ctx.api, ctx.token, kUserAgent);
  auto rss = client.List(kReplicaSets, "");
  if (!rss.ok()) return;
  auto pods = client.List(kPods, "");
  if (!pods.ok()) return;
  std::map<std::string, std::vector<json>> pods_by_ns;
  for (auto& pod : pods.value()) pods_by_ns[MetaStr(pod, "namespace")].push_back(std::move(pod));
  for (auto& rs : rss.value()) {
    std::string ns = MetaStr(rs, "namespace");
    ReplicaSetSync(client, ctx.now, std::move(rs), pods_by_ns[ns]).Run();
  }
}

}  // namespace kubesim

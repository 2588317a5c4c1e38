#include "deployment_controller.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "object_meta.h"
#include "rollout_math.h"
#include "selector.h"
#include "sim_client.h"
#include "text_util.h"

namespace kubesim {

using nlohmann::json;
namespace ro = rollout;

namespace {

constexpr const char* kComponent = "deployment-controller";
constexpr const char* kUserAgent = "kube-controller-manager/v1.32.0 (deployment-controller)";


std::optional<std::string> Annotation(const json& obj, const std::string& key) {
  if (!obj.contains("metadata") || !obj["metadata"].contains("annotations")) return std::nullopt;
  const json& a = obj["metadata"]["annotations"];
  if (!a.is_object() || !a.contains(key) || !a[key].is_string()) return std::nullopt;
  return a[key].get<std::string>();
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

int Replicas(const json& rs) { return rs.value("/spec/replicas"_json_pointer, 1); }
int StatusInt(const json& obj, const char* field) {
  const json::json_pointer p(std::string("/status/") + field);
  return obj.contains(p) && obj.at(p).is_number_integer() ? obj.at(p).get<int>() : 0;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

ro::RsState StateOf(const json& rs) {
  ro::RsState s;
  s.name = MetaStr(rs, "name");
  s.created = ParseRfc3339(MetaStr(rs, "creationTimestamp")).value_or(TimePoint{});
  s.replicas = Replicas(rs);
  s.status_replicas = StatusInt(rs, "replicas");
  s.ready = StatusInt(rs, "readyReplicas");
  s.available = StatusInt(rs, "availableReplicas");
  if (auto a = Annotation(rs, ro::kMaxReplicasAnnotation))
    s.max_replicas_annotation = static_cast<int>(ParseInt(*a).value_or(0));
  return s;
}

// Annotations of the Deployment that are not copied to its ReplicaSets: the controller's own and
// kubectl apply's record (copying that would make every ReplicaSet look applied).
bool SkipCopyAnnotation(const std::string& key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" || key == ro::kRevisionAnnotation ||
         key == ro::kRevisionHistoryAnnotation || key == ro::kDesiredReplicasAnnotation ||
         key == ro::kMaxReplicasAnnotation || key == "deprecated.deployment.rollback.to";
}

bool ReplicasAnnotationsNeedUpdate(const json& rs, int desired, int max) {
  return Annotation(rs, ro::kDesiredReplicasAnnotation) != std::to_string(desired) ||
         Annotation(rs, ro::kMaxReplicasAnnotation) != std::to_string(max);
}

bool SetReplicasAnnotations(json& rs, int desired, int max) {
  if (!ReplicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  rs["metadata"]["annotations"][ro::kDesiredReplicasAnnotation] = std::to_string(desired);
  rs["metadata"]["annotations"][ro::kMaxReplicasAnnotation] = std::to_string(max);
  return true;
}

// One Deployment's sync (syncDeployment). Every API call's result replaces the object it
// wrote, so later steps see the latest resourceVersion; a failed call ends the sync and the
// next round starts over from what the API server holds.
class DeploymentSync {
 public:
  DeploymentSync(const SimClient& client, TimePoint now, json deployment, std::vector<json>& ns_rss,
                 const std::vector<json>& ns_pods)
      : client_(client), now_(now), d_(std::move(deployment)), ns_rss_(ns_rss), ns_pods_(ns_pods) {}

  void Run() {
    selector_ = FromLabelSelectorJson(d_.value("/spec/selector"_json_pointer, json()));
    if (selector_.MatchesEverything()) {
      WarnSelectingAll();
      return;
    }
    if (selector_.MatchesNothing()) return;
    if (!ClaimReplicaSets()) return;
    if (Terminating(d_)) {
      if (GetNewReplicaSet(false)) SyncDeploymentStatus();
      return;
    }
    if (!CheckPausedConditions()) return;
    if (d_.value("/spec/paused"_json_pointer, false)) {
      SyncScale();
      return;
    }
    if (!GetNewReplicaSet(false)) return;
    if (IsScalingEvent()) {
      SyncScale();
      return;
    }
    if (d_.value("/spec/strategy/type"_json_pointer, std::string("RollingUpdate")) == "Recreate")
      RolloutRecreate();
    else
      RolloutRolling();
  }

 private:
  // -------------------------------------------------------------------------------------------
  // Ownership

  void WarnSelectingAll() {
    int64_t generation = d_.value("/metadata/generation"_json_pointer, int64_t{0});
    if (d_.value("/status/observedGeneration"_json_pointer, int64_t{0}) >= generation) return;
    Event("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
    json status = d_.value("status", json::object());
    status["observedGeneration"] = generation;
    (void)WriteStatus(status);
  }

  // ClaimReplicaSets: owned and matching, adopting matching orphans, releasing owned ones that
  // no longer match. Writes adoptions back to ns_rss_ so a sibling Deployment cannot adopt too.
  bool ClaimReplicaSets() {
    const std::string uid = MetaStr(d_, "uid");
    for (json& rs : ns_rss_) {
      const json* ref = ControllerRef(rs);
      bool matches = selector_.Matches(Labels(rs));
      if (ref && ref->value("uid", "") == uid) {
        if (matches) {
          rss_.push_back(rs);
        } else {
          json kept = json::array();
          for (const auto& r : rs["metadata"]["ownerReferences"])
            if (r.value("uid", "") != uid) kept.push_back(r);
          auto res = PatchOwners(rs, kept.empty() ? json(nullptr) : kept);
          if (res.ok()) rs = std::move(res).value();
        }
      } else if (!ref && matches && !Terminating(rs) && !Terminating(d_)) {
        json refs = rs.value("/metadata/ownerReferences"_json_pointer, json::array());
        refs.push_back(ControllerRefTo(d_));
        auto res = PatchOwners(rs, refs);
        if (!res.ok()) return false;
        rs = std::move(res).value();
        rss_.push_back(rs);
      }
    }
    return true;
  }

  Result<json> PatchOwners(const json& rs, const json& refs) const {
    // resourceVersion makes the patch conditional, like the real controller's adoption patch.
    return client_.MergePatch(kReplicaSets, MetaStr(rs, "namespace"), MetaStr(rs, "name"),
                              {{"metadata", {{"ownerReferences", refs}, {"resourceVersion", MetaStr(rs, "resourceVersion")}}}});
  }

  // -------------------------------------------------------------------------------------------
  // The new ReplicaSet and revisions (getAllReplicaSetsAndSyncRevision / getNewReplicaSet)

  std::vector<size_t> Olds() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < rss_.size(); ++i)
      if (!new_ || i != *new_) out.push_back(i);
    return out;
  }

  // The oldest ReplicaSet whose template equals the Deployment's apart from pod-template-hash
  // (several can, after some upgrades: kubernetes/kubernetes#40415; the oldest wins).
  std::optional<size_t> FindNewRs() const {
    std::optional<size_t> found;
    const json tmpl = d_.value("/spec/template"_json_pointer, json::object());
    for (size_t i = 0; i < rss_.size(); ++i) {
      if (!ro::EqualIgnoreHash(rss_[i].value("/spec/template"_json_pointer, json::object()), tmpl)) continue;
      if (!found || ro::CreatedBefore(StateOf(rss_[i]), StateOf(rss_[*found]))) found = i;
    }
    return found;
  }

  // Sets new_ (creating the ReplicaSet when `create`), syncs its annotations and the
  // Deployment's revision. False when an API call failed.
  bool GetNewReplicaSet(bool create) {
    new_ = FindNewRs();
    int64_t max_old = 0;
    for (size_t i : Olds()) max_old = std::max(max_old, ro::Revision(rss_[i]));
    const int64_t new_revision = max_old + 1;
    const int min_ready = d_.value("/spec/minReadySeconds"_json_pointer, 0);

    if (new_) {
      json rs = rss_[*new_];
      bool changed = SetNewRsAnnotations(rs, new_revision, /*exists=*/true);
      if (rs.value("/spec/minReadySeconds"_json_pointer, 0) != min_ready) {
        rs["spec"]["minReadySeconds"] = min_ready;
        changed = true;
      }
      if (changed) {
        auto res = client_.Update(kReplicaSets, rs);
        if (!res.ok()) return false;
        rss_[*new_] = std::move(res).value();
      }
      if (!SetDeploymentRevision(Annotation(rss_[*new_], ro::kRevisionAnnotation).value_or(""))) return false;
      // A Deployment without a Progressing condition starts being watched for progress now.
      if (ro::HasProgressDeadline(d_) && !ro::GetCondition(d_.value("status", json::object()), "Progressing")) {
        json status = d_.value("status", json::object());
        ro::SetCondition(status, ro::NewCondition("Progressing", "True", ro::kFoundNewReplicaSet,
                                                  "Found new replica set " + Quoted(MetaStr(rss_[*new_], "name")), now_));
        return WriteStatus(status);
      }
      return true;
    }
    if (!create) return true;

    std::optional<int32_t> collisions;
    if (d_.contains("/status/collisionCount"_json_pointer))
      collisions = d_.at("/status/collisionCount"_json_pointer).get<int32_t>();
    json tmpl = d_.value("/spec/template"_json_pointer, json::object());
    const std::string hash = ro::PodTemplateHash(tmpl, collisions);
    tmpl["metadata"]["labels"][ro::kPodTemplateHashLabel] = hash;
    json selector = d_.value("/spec/selector"_json_pointer, json::object());
    selector["matchLabels"][ro::kPodTemplateHashLabel] = hash;
    const std::string name = MetaStr(d_, "name") + "-" + hash;
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", name},
                 {"namespace", MetaStr(d_, "namespace")},
                 {"labels", tmpl["metadata"]["labels"]},
                 {"ownerReferences", json::array({ControllerRefTo(d_)})}}},
               {"spec", {{"replicas", 0}, {"selector", selector}, {"template", tmpl}}}};
    if (min_ready) rs["spec"]["minReadySeconds"] = min_ready;
    int old_total = 0;
    for (size_t i : Olds()) old_total += Replicas(rss_[i]);
    const int desired = ro::DesiredReplicas(d_);
    const int size = IsRecreate() ? desired : ro::NewRsReplicasRolling(desired, ro::MaxSurge(d_), 0, old_total);
    rs["spec"]["replicas"] = size;
    SetNewRsAnnotations(rs, new_revision, /*exists=*/false);

    bool already_exists = false;
    auto created = client_.Create(kReplicaSets, MetaStr(d_, "namespace"), rs);
    if (!created.ok() && created.error().reason == "AlreadyExists") {
      // Ours and equal: a ReplicaSet this sync did not claim yet. Otherwise a hash collision:
      // bump collisionCount so the next round computes another name.
      auto existing = client_.Get(kReplicaSets, MetaStr(d_, "namespace"), name);
      const json* ref = existing.ok() ? ControllerRef(existing.value()) : nullptr;
      if (ref && ref->value("uid", "") == MetaStr(d_, "uid") &&
          ro::EqualIgnoreHash(existing.value().value("/spec/template"_json_pointer, json::object()),
                              d_.value("/spec/template"_json_pointer, json::object()))) {
        created = existing;
        already_exists = true;
      } else {
        json status = d_.value("status", json::object());
        status["collisionCount"] = collisions.value_or(0) + 1;
        (void)WriteStatus(status);
        return false;
      }
    }
    if (!created.ok()) {
      std::string msg = "Failed to create new replica set " + Quoted(name) + ": " + created.error().message;
      Event("Warning", ro::kFailedCreate, msg);
      if (ro::HasProgressDeadline(d_)) {
        json status = d_.value("status", json::object());
        ro::SetCondition(status, ro::NewCondition("Progressing", "False", ro::kFailedCreate, msg, now_));
        (void)WriteStatus(status);
      }
      return false;
    }
    rss_.push_back(std::move(created).value());
    new_ = rss_.size() - 1;
    if (!already_exists && size > 0)
      Event("Normal", "ScalingReplicaSet", "Scaled up replica set " + name + " from 0 to " + std::to_string(size));
    if (!SetDeploymentRevision(Annotation(rss_[*new_], ro::kRevisionAnnotation).value_or(""))) return false;
    if (!already_exists && ro::HasProgressDeadline(d_)) {
      json status = d_.value("status", json::object());
      ro::SetCondition(status, ro::NewCondition("Progressing", "True", ro::kNewReplicaSetCreated,
                                                "Created new replica set " + Quoted(name), now_));
      return WriteStatus(status);
    }
    return true;
  }

  // SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the revision to
  // `new_revision` (recording the previous one in revision-history when an existing ReplicaSet
  // is brought back) and, for a ReplicaSet about to be created, the replicas annotations.
  bool SetNewRsAnnotations(json& rs, int64_t new_revision, bool exists) const {
    bool changed = false;
    json& md = rs["metadata"];
    if (!md.contains("annotations") || !md["annotations"].is_object()) md["annotations"] = json::object();
    json& ann = md["annotations"];
    const json deployment_annotations = d_.value("/metadata/annotations"_json_pointer, json::object());
    for (const auto& [k, v] : deployment_annotations.items()) {
      if (SkipCopyAnnotation(k) || (ann.contains(k) && ann[k] == v)) continue;
      ann[k] = v;
      changed = true;
    }
    const bool had_revision = ann.contains(ro::kRevisionAnnotation);
    const std::string old_revision = ann.value(ro::kRevisionAnnotation, "");
    int64_t old_value = 0;
    if (!old_revision.empty()) {
      auto parsed = ParseInt(old_revision);
      if (!parsed) return false;  // a hand-edited revision is left alone, as the real controller does
      old_value = *parsed;
    }
    if (old_value < new_revision) {
      ann[ro::kRevisionAnnotation] = std::to_string(new_revision);
      changed = true;
      if (had_revision)
        ann[ro::kRevisionHistoryAnnotation] =
            ro::AppendRevisionHistory(ann.value(ro::kRevisionHistoryAnnotation, ""), old_revision);
    }
    const int desired = ro::DesiredReplicas(d_);
    if (!exists && SetReplicasAnnotations(rs, desired, desired + ro::MaxSurge(d_))) changed = true;
    if (ann.empty()) md.erase("annotations");
    return changed;
  }

  // The Deployment carries its new ReplicaSet's revision (SetDeploymentRevision). A metadata
  // patch: the status subresource does not persist annotations.
  bool SetDeploymentRevision(const std::string& revision) {
    if (revision.empty() || Annotation(d_, ro::kRevisionAnnotation) == revision) return true;
    auto res = client_.MergePatch(kDeployments, MetaStr(d_, "namespace"), MetaStr(d_, "name"),
                                  {{"metadata", {{"annotations", {{ro::kRevisionAnnotation, revision}}}}}});
    if (!res.ok()) return false;
    d_ = std::move(res).value();
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Scaling

  // scaleReplicaSet: spec.replicas and the replicas annotations in one update; an event when
  // the size changed.
  bool ScaleRs(size_t i, int new_scale, const std::string& operation) {
    json rs = rss_[i];
    const int old_scale = Replicas(rs);
    const int desired = ro::DesiredReplicas(d_);
    const int max = desired + ro::MaxSurge(d_);
    const bool size_changes = old_scale != new_scale;
    if (!size_changes && !ReplicasAnnotationsNeedUpdate(rs, desired, max)) return true;
    rs["spec"]["replicas"] = new_scale;
    SetReplicasAnnotations(rs, desired, max);
    auto res = client_.Update(kReplicaSets, rs);
    if (!res.ok()) return false;
    rss_[i] = std::move(res).value();
    if (size_changes)
      Event("Normal", "ScalingReplicaSet",
            "Scaled " + operation + " replica set " + MetaStr(rs, "name") + " from " + std::to_string(old_scale) +
                " to " + std::to_string(new_scale));
    return true;
  }

  bool ScaleRsAndRecord(size_t i, int new_scale) {
    int current = Replicas(rss_[i]);
    if (current == new_scale) return true;
    return ScaleRs(i, new_scale, current < new_scale ? "up" : "down");
  }

  // isScalingEvent: an active ReplicaSet was last sized for another spec.replicas.
  bool IsScalingEvent() const {
    const std::string desired = std::to_string(ro::DesiredReplicas(d_));
    for (const auto& rs : rss_) {
      if (Replicas(rs) == 0) continue;
      auto annotated = Annotation(rs, ro::kDesiredReplicasAnnotation);
      if (annotated && *annotated != desired) return true;
    }
    return false;
  }

  // DeploymentController.scale.
  bool Scale() {
    const int desired = ro::DesiredReplicas(d_);
    if (rss_.empty()) return true;
    std::vector<size_t> active;
    for (size_t i = 0; i < rss_.size(); ++i)
      if (Replicas(rss_[i]) > 0) active.push_back(i);

    // One active ReplicaSet (or none: the newest) takes the whole spec.replicas.
    if (active.size() <= 1) {
      size_t target;
      if (active.size() == 1) {
        target = active.front();
      } else if (new_) {
        target = *new_;
      } else {
        target = Olds().front();
        for (size_t i : Olds())
          if (ro::CreatedBefore(StateOf(rss_[target]), StateOf(rss_[i]))) target = i;
      }
      return ScaleRsAndRecord(target, desired);
    }
    // A saturated new ReplicaSet: the old ones go entirely.
    if (new_ && Annotation(rss_[*new_], ro::kDesiredReplicasAnnotation) == std::to_string(desired) &&
        Replicas(rss_[*new_]) == desired && StatusInt(rss_[*new_], "availableReplicas") == desired) {
      for (size_t i : Olds())
        if (!ScaleRsAndRecord(i, 0)) return false;
      return true;
    }
    if (IsRecreate()) return true;
    std::vector<ro::RsState> states;
    int total = 0;
    for (size_t i : active) {
      states.push_back(StateOf(rss_[i]));
      total += Replicas(rss_[i]);
    }
    const int max_surge = ro::MaxSurge(d_);
    std::vector<int> sizes = ro::ProportionalScale(desired, max_surge, StatusInt(d_, "replicas"), states);
    const int allowed = desired > 0 ? desired + max_surge : 0;
    const std::string operation = allowed > total ? "up" : allowed < total ? "down" : "";
    for (size_t k = 0; k < active.size(); ++k)
      if (!ScaleRs(active[k], sizes[k], operation)) return false;
    return true;
  }

  // dc.sync: scaling only (paused Deployments, and spec.replicas changes).
  void SyncScale() {
    if (!GetNewReplicaSet(false)) return;
    if (!Scale()) return;
    if (d_.value("/spec/paused"_json_pointer, false)) Cleanup();
    SyncDeploymentStatus();
  }

  // -------------------------------------------------------------------------------------------
  // Rollouts

  bool IsRecreate() const {
    return d_.value("/spec/strategy/type"_json_pointer, std::string("RollingUpdate")) == "Recreate";
  }

  void RolloutRolling() {
    if (!GetNewReplicaSet(true) || !new_) return;
    const std::vector<size_t> olds = Olds();
    std::vector<ro::RsState> old_states;
    for (size_t i : olds) old_states.push_back(StateOf(rss_[i]));
    ro::Fenceposts f{ro::MaxSurge(d_), ro::MaxUnavailable(d_)};
    ro::RolloutStep step = ro::PlanRolling(ro::DesiredReplicas(d_), f, StateOf(rss_[*new_]), old_states);
    if (step.scaled) {
      if (step.new_replicas != Replicas(rss_[*new_]) && !ScaleRsAndRecord(*new_, step.new_replicas)) return;
      for (size_t k = 0; k < olds.size(); ++k)
        if (!ScaleRsAndRecord(olds[k], step.old_replicas[k])) return;
      SyncRolloutStatus();
      return;
    }
    if (ro::DeploymentComplete(d_, d_.value("status", json::object()))) Cleanup();
    SyncRolloutStatus();
  }

  void RolloutRecreate() {
    const std::vector<size_t> olds = Olds();
    std::vector<ro::RsState> old_states;
    for (size_t i : olds) old_states.push_back(StateOf(rss_[i]));
    const int desired = ro::DesiredReplicas(d_);
    const bool old_pods = OldPodsRunning();
    ro::RsState new_state = new_ ? StateOf(rss_[*new_]) : ro::RsState{};
    ro::RolloutStep step = ro::PlanRecreate(desired, new_state, old_states, old_pods);
    bool scaled_down = false;
    for (size_t k = 0; k < olds.size(); ++k) {
      if (step.old_replicas[k] == Replicas(rss_[olds[k]])) continue;
      if (!ScaleRsAndRecord(olds[k], step.old_replicas[k])) return;
      scaled_down = true;
    }
    // Old Pods must be gone before a new one starts: Recreate never runs both versions.
    if (scaled_down || old_pods) {
      SyncRolloutStatus();
      return;
    }
    if (!new_ && (!GetNewReplicaSet(true) || !new_)) return;
    if (!ScaleRsAndRecord(*new_, desired)) return;
    if (ro::DeploymentComplete(d_, d_.value("status", json::object()))) Cleanup();
    SyncRolloutStatus();
  }

  // oldPodsRunning: an old ReplicaSet still reports Pods, or a Pod of one still exists and has
  // not finished (terminating Pods count: they may still be running).
  bool OldPodsRunning() const {
    std::set<std::string> old_uids;
    for (size_t i : Olds()) {
      if (StatusInt(rss_[i], "replicas") > 0) return true;
      old_uids.insert(MetaStr(rss_[i], "uid"));
    }
    for (const auto& pod : ns_pods_) {
      const json* ref = ControllerRef(pod);
      if (!ref || !old_uids.count(ref->value("uid", "")) || !selector_.Matches(Labels(pod))) continue;
      std::string phase = pod.value("/status/phase"_json_pointer, std::string());
      if (phase != "Succeeded" && phase != "Failed") return true;
    }
    return false;
  }

  // cleanupDeployment: beyond spec.revisionHistoryLimit, delete the oldest revisions that are
  // fully scaled down (spec and status 0, status up to date, not already being deleted).
  void Cleanup() {
    if (!d_.contains("/spec/revisionHistoryLimit"_json_pointer)) return;
    const int limit = d_.at("/spec/revisionHistoryLimit"_json_pointer).get<int>();
    if (limit == INT_MAX) return;
    std::vector<size_t> cleanable;
    for (size_t i : Olds())
      if (!Terminating(rss_[i])) cleanable.push_back(i);
    int diff = static_cast<int>(cleanable.size()) - limit;
    if (diff <= 0) return;
    std::sort(cleanable.begin(), cleanable.end(), [&](size_t a, size_t b) {
      int64_t ra = ro::Revision(rss_[a]), rb = ro::Revision(rss_[b]);
      if (ra != rb) return ra < rb;
      return ro::CreatedBefore(StateOf(rss_[a]), StateOf(rss_[b]));
    });
    for (int k = 0; k < diff; ++k) {
      const json& rs = rss_[cleanable[k]];
      if (StatusInt(rs, "replicas") != 0 || Replicas(rs) != 0 ||
          rs.value("/metadata/generation"_json_pointer, int64_t{0}) >
              rs.value("/status/observedGeneration"_json_pointer, int64_t{0}))
        continue;
      (void)client_.Delete(kReplicaSets, MetaStr(rs, "namespace"), MetaStr(rs, "name"));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Status

  // checkPausedConditions: Progressing=Unknown while paused (unless a timeout was reported).
  bool CheckPausedConditions() {
    if (!ro::HasProgressDeadline(d_)) return true;
    json status = d_.value("status", json::object());
    const json* cond = ro::GetCondition(status, "Progressing");
    if (cond && cond->value("reason", "") == ro::kProgressDeadlineExceeded) return true;
    const bool paused_cond = cond && cond->value("reason", "") == ro::kDeploymentPaused;
    const bool paused = d_.value("/spec/paused"_json_pointer, false);
    if (paused && !paused_cond)
      ro::SetCondition(status, ro::NewCondition("Progressing", "Unknown", ro::kDeploymentPaused, "Deployment is paused", now_));
    else if (!paused && paused_cond)
      ro::SetCondition(status, ro::NewCondition("Progressing", "Unknown", ro::kDeploymentResumed, "Deployment is resumed", now_));
    else
      return true;
    return WriteStatus(status);
  }

  std::vector<ro::RsState> AllStates() const {
    std::vector<ro::RsState> out;
    for (const auto& rs : rss_) out.push_back(StateOf(rs));
    return out;
  }

  void SyncRolloutStatus() {
    std::vector<ro::RsState> all = AllStates();
    (void)WriteStatus(ro::RolloutStatus(d_, all, new_ ? &all[*new_] : nullptr, now_));
  }

  void SyncDeploymentStatus() {
    std::vector<ro::RsState> all = AllStates();
    (void)WriteStatus(ro::CalculateStatus(d_, all, new_ ? &all[*new_] : nullptr, now_));
  }

  // PUT .../status, only when it differs from what is stored.
  bool WriteStatus(const json& status) {
    if (d_.contains("status") && d_["status"] == status) return true;
    if (!d_.contains("status") && status.empty()) return true;
    json updated = d_;
    updated["status"] = status;
    auto res = client_.UpdateStatus(kDeployments, updated);
    if (!res.ok()) return false;
    d_ = std::move(res).value();
    return true;
  }

  void Event(const std::string& type, const std::string& reason, const std::string& message) const {
    client_.RecordEvent(d_, type, reason, message, kComponent, now_);
  }

  const SimClient& client_;
  const TimePoint now_;
  json d_;
  std::vector<json>& ns_rss_;
  const std::vector<json>& ns_pods_;
  LabelSelector selector_;
  std::vector<json> rss_;      // the ReplicaSets this Deployment controls
  std::optional<size_t> new_;  // index of the new one in rss_
};

}  // namespace

void DeploymentController::Sync(const SimContext& ctx) {
  SimClient client(ctx.api, ctx.token, kUserAgent);
  auto deployments = client.List(kDeployments, "");
  if (!deployments.ok()) return;
  auto rss = client.List(kReplicaSets, "");
  if (!rss.ok()) return;
  auto pods = client.List(kPods, "");
  if (!pods.ok()) return;
  std::map<std::string, std::vector<json>> rss_by_ns, pods_by_ns;
  for (auto& rs : rss.value()) rss_by_ns[MetaStr(rs, "namespace")].push_back(std::move(rs));
  for (auto& pod : pods.value()) pods_by_ns[MetaStr(pod, "namespace")].push_back(std::move(pod));
  for (auto& d : deployments.value()) {
    std::string ns = MetaStr(d, "namespace");
    DeploymentSync(client, ctx.now, std::move(d), rss_by_ns[ns], pods_by_ns[ns]).Run();
  }
}

}  // namespace kubesim

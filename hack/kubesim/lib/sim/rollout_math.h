// rollout_math.h — the arithmetic of the Deployment controller, as pure functions over plain
// numbers and JSON: fenceposts (maxSurge / maxUnavailable), the pod-template-hash, the next step
// of a RollingUpdate or Recreate rollout, proportional scaling, the Deployment status computed
// from its ReplicaSets, and the Deployment condition helpers. No I/O and no clock reads: the
// caller passes `now`.
//
// The rules are those of kube-controller-manager (pkg/controller/deployment and its
// util/deployment_util.go), re-derived here; see
// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
//
// Usage:
//   Fenceposts f = ResolveFenceposts(json("25%"), json("25%"), 3);   // {surge 1, unavailable 0}
//   RolloutStep step = PlanRolling(3, f, new_rs, old_rss);             // what to scale now
//   std::string hash = PodTemplateHash(deployment["spec"]["template"], std::nullopt);
//   json status = RolloutStatus(deployment, all_rss, &new_rs, "web-7d9f8", now);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.h"

namespace kubesim::rollout {

inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";
inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kRevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
inline constexpr const char* kDesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
inline constexpr const char* kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
// The real controller caps revision-history at this many characters, dropping the oldest.
inline constexpr size_t kMaxRevisionHistoryChars = 2000;

// Condition reasons, as the real controller spells them.
inline constexpr const char* kNewReplicaSetCreated = "NewReplicaSetCreated";
inline constexpr const char* kFoundNewReplicaSet = "FoundNewReplicaSet";
inline constexpr const char* kReplicaSetUpdated = "ReplicaSetUpdated";
inline constexpr const char* kNewReplicaSetAvailable = "NewReplicaSetAvailable";
inline constexpr const char* kProgressDeadlineExceeded = "ProgressDeadlineExceeded";
inline constexpr const char* kFailedCreate = "FailedRSCreate";
inline constexpr const char* kDeploymentPaused = "DeploymentPaused";
inline constexpr const char* kDeploymentResumed = "DeploymentResumed";
inline constexpr const char* kMinimumReplicasAvailable = "MinimumReplicasAvailable";
inline constexpr const char* kMinimumReplicasUnavailable = "MinimumReplicasUnavailable";

// ---------------------------------------------------------------------------------------------
// Fenceposts

// An IntOrString against `total`: an integer as is, "N%" as total*N/100 rounded up or down.
// nullopt for anything else (a string without '%', a negative or non-numeric value).
std::optional<int> ScaledValue(const nlohmann::json& int_or_percent, int total, bool round_up);

struct Fenceposts {
  int max_surge = 0;
  int max_unavailable = 0;
};
// maxSurge rounds up, maxUnavailable rounds down; when both come out 0, maxUnavailable is 1 so a
// rollout can proceed at all. Missing or unparsable values count as 0.
Fenceposts ResolveFenceposts(const nlohmann::json& max_surge, const nlohmann::json& max_unavailable, int desired);
// Of a Deployment object: 0 unless spec.strategy.type is RollingUpdate. MaxUnavailable is also
// 0 when spec.replicas is 0 and never more than spec.replicas.
int MaxSurge(const nlohmann::json& deployment);
int MaxUnavailable(const nlohmann::json& deployment);
int DesiredReplicas(const nlohmann::json& deployment);  // spec.replicas, default 1
// spec.progressDeadlineSeconds is set (and not MaxInt32, the old "no deadline").
bool HasProgressDeadline(const nlohmann::json& deployment);

// ---------------------------------------------------------------------------------------------
// Pod templates

// The template without its pod-template-hash label (and without `labels` if that emptied it).
nlohmann::json TemplateWithoutHash(const nlohmann::json& pod_template);
// Two templates equal apart from the pod-template-hash label: how a Deployment recognises its
// new ReplicaSet (EqualIgnoreHash).
bool EqualIgnoreHash(const nlohmann::json& a, const nlohmann::json& b);
// The real controller's alphabet for hash-derived names: each character of `s` maps to
// "bcdfghjklmnpqrstvwxz2456789"[c % 27].
std::string SafeEncodeString(std::string_view s);
// FNV-1a (32 bit) over the canonical JSON of the template without its hash label, plus the
// collision count (4 bytes, little endian) when there is one, rendered as the decimal number
// through SafeEncodeString, e.g. "7d9f8b6c5". Stable across runs and key order. (The real
// controller hashes a Go struct dump, so the strings differ from a real cluster's.)
std::string PodTemplateHash(const nlohmann::json& pod_template, std::optional<int32_t> collision_count);

// ---------------------------------------------------------------------------------------------
// Rollout steps

// What the math needs of one ReplicaSet.
struct RsState {
  std::string name;
  TimePoint created{};     // metadata.creationTimestamp
  int replicas = 0;        // spec.replicas
  int status_replicas = 0; // status.replicas (pods that exist)
  int ready = 0;
  int available = 0;
  int max_replicas_annotation = 0;  // deployment.kubernetes.io/max-replicas, 0 if absent
};

// Oldest first, then by name: the order old ReplicaSets are scaled down in.
bool CreatedBefore(const RsState& a, const RsState& b);

// New sizes after one step. `old_replicas` is parallel to the `olds` argument.
struct RolloutStep {
  int new_replicas = 0;
  std::vector<int> old_replicas;
  bool scaled = false;  // anything changed
};

// The size the new ReplicaSet should have now under RollingUpdate: grow toward `desired` while
// the sum of all ReplicaSets' spec.replicas stays within desired + maxSurge (NewRSNewReplicas).
int NewRsReplicasRolling(int desired, int max_surge, int new_rs_replicas, int all_rs_replicas);

// One RollingUpdate step (rolloutRolling): first the new ReplicaSet is scaled (up within
// maxSurge, or down to `desired`); only if it did not change are old ReplicaSets scaled down,
// unhealthy replicas first, then available ones oldest ReplicaSet first, never letting the
// available count drop below desired - maxUnavailable. `olds` in any order.
RolloutStep PlanRolling(int desired, Fenceposts f, const RsState& new_rs, const std::vector<RsState>& olds);

// Only the old-ReplicaSet half of PlanRolling (reconcileOldReplicaSets).
std::vector<int> ScaleDownOldRolling(int desired, int max_unavailable, const RsState& new_rs,
                                     const std::vector<RsState>& olds);

// One Recreate step (rolloutRecreate): all old ReplicaSets to 0; then nothing while any old pod
// still exists (`old_pods_running`); then the new ReplicaSet to `desired`.
RolloutStep PlanRecreate(int desired, const RsState& new_rs, const std::vector<RsState>& olds, bool old_pods_running);

// Proportional scaling (DeploymentController.scale) when spec.replicas changed while several
// ReplicaSets are active: the difference between desired + maxSurge and the current total is
// shared out in proportion to each ReplicaSet's size relative to the max-replicas annotation,
// largest first, leftovers to the largest. `active` are the ReplicaSets with replicas > 0, the
// result is parallel to it. `deployment_status_replicas` is the fallback when an annotation is
// missing.
std::vector<int> ProportionalScale(int desired, int max_surge, int deployment_status_replicas,
                                   const std::vector<RsState>& active);

// ---------------------------------------------------------------------------------------------
// Status and conditions

// A DeploymentCondition {type, status, lastUpdateTime = lastTransitionTime = now, reason, message}.
nlohmann::json NewCondition(const std::string& type, const std::string& status, const std::string& reason,
                            const std::string& message, TimePoint now);
// The condition of `type` in status.conditions, or nullptr.
const nlohmann::json* GetCondition(const nlohmann::json& status, const std::string& type);
// SetDeploymentCondition: no change when status and reason are the same; otherwise replaces the
// condition (moved to the end), keeping lastTransitionTime when only the reason changed.
void SetCondition(nlohmann::json& status, nlohmann::json condition);
void RemoveCondition(nlohmann::json& status, const std::string& type);

// The counters and Available condition of the status (calculateStatus): replicas, updated, ready,
// available sum the ReplicaSets' status; unavailable = sum(spec.replicas) - available, >= 0.
// Zero counters are omitted (omitempty), conditions and collisionCount carried over.
nlohmann::json CalculateStatus(const nlohmann::json& deployment, const std::vector<RsState>& all, const RsState* new_rs,
                               TimePoint now);

// DeploymentComplete: every replica updated and available, none old, generation observed.
bool DeploymentComplete(const nlohmann::json& deployment, const nlohmann::json& new_status);
// DeploymentProgressing: more updated, fewer old, more ready or more available than before.
bool DeploymentProgressing(const nlohmann::json& deployment, const nlohmann::json& new_status);
// DeploymentTimedOut: Progressing's lastUpdateTime + progressDeadlineSeconds is before now
// (always false once the rollout completed; true once reported).
bool DeploymentTimedOut(const nlohmann::json& deployment, const nlohmann::json& new_status, TimePoint now);

// The status syncRolloutStatus writes: CalculateStatus plus the Progressing condition
// (NewReplicaSetAvailable / ReplicaSetUpdated / ProgressDeadlineExceeded). `new_rs` may be null.
nlohmann::json RolloutStatus(const nlohmann::json& deployment, const std::vector<RsState>& all, const RsState* new_rs,
                             TimePoint now);

// Revision annotations: the value of deployment.kubernetes.io/revision, 0 if absent or bad.
int64_t Revision(const nlohmann::json& obj);
// revision-history after an RS at `old_revision` is reused at a newer revision: `old_revision`
// appended to `history` (comma separated), dropping the oldest entries beyond kMaxRevisionHistoryChars.
std::string AppendRevisionHistory(const std::string& history, const std::string& old_revision);

}  // namespace kubesim::rollout

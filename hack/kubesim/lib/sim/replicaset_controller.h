// replicaset_controller.h — kube-sim's ReplicaSet controller: keeps spec.replicas Pods of each
// ReplicaSet in existence and reports what they are doing, as kube-controller-manager's
// replicaset controller does (pkg/controller/replicaset).
// https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/
//
// Per ReplicaSet, every round:
//  - claims its Pods: those whose controller ownerReference is the ReplicaSet and whose labels
//    still match its selector (a Pod that stopped matching is released), and adopts orphans
//    that match;
//  - counts the active ones (not terminating, not Succeeded/Failed) against spec.replicas and
//    creates Pods from the template (generateName "<rs>-", controller ownerReference) or deletes
//    the surplus, least valuable first (see PodDeletionOrder);
//  - writes status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
//    observedGeneration, a ReplicaFailure condition when creating/deleting failed) only when it
//    changed. As in the real controller, status describes the Pods seen at the start of the
//    round, so creations and deletions show up in the next one.
// Events on the ReplicaSet: SuccessfulCreate "Created pod: web-7d9f8-abcde", SuccessfulDelete
// "Deleted pod: ...", FailedCreate / FailedDelete "Error creating: ..." (component
// "replicaset-controller").
//
// It never writes Pod status and never schedules: the kubelet simulation does that.
//
// Not modelled: expectations and slow-start batches (a round creates every missing Pod, stopping
// at the first failure), the burst limit beyond 500 per round, the "doubled up on one node" and
// logarithmic ready-time ranks of victim selection.
//
// Usage:
//   sim.Add(std::make_unique<ReplicaSetController>());
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator.h"

namespace kubesim {

class ReplicaSetController : public SimController {
 public:
  ReplicaSetController() = default;
  std::string Name() const override { return "replicaset-controller"; }
  void Sync(const SimContext& ctx) override;
};

// The Pod's Ready condition is True.
bool IsPodReady(const nlohmann::json& pod);
// Ready for at least min_ready_seconds, measured from the Ready condition's lastTransitionTime.
bool IsPodAvailable(const nlohmann::json& pod, int min_ready_seconds, TimePoint now);
// Not terminating and not finished (phase Succeeded or Failed): the Pods a ReplicaSet counts.
bool IsPodActive(const nlohmann::json& pod);
// `pods` sorted so the ones to delete first come first: unscheduled before scheduled; Pending
// before Unknown before Running; not ready before ready; lower pod-deletion-cost first; ready for
// a shorter time first; more container restarts first; newer first.
std::vector<nlohmann::json> PodDeletionOrder(std::vector<nlohmann::json> pods);

}  // namespace kubesim

// deployment_controller.h — kube-sim's Deployment controller: rolls Deployments out through
// ReplicaSets by the rules of kube-controller-manager's deployment controller
// (pkg/controller/deployment), so `kubectl rollout status|history|undo|pause|resume` and
// `kubectl scale` behave as on a real cluster.
// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
//
// Per Deployment, every round (syncDeployment):
//  1. A Deployment whose selector is empty selects every Pod: a Warning SelectingAll event and
//     nothing else.
//  2. Claim ReplicaSets: those whose controller ownerReference is the Deployment and whose labels
//     match its selector; orphans that match are adopted, owned ones that stopped matching released.
//  3. Being deleted: status only (the API server's garbage collector removes the ReplicaSets).
//  4. Progressing=Unknown DeploymentPaused / DeploymentResumed when spec.paused flips.
//  5. Paused, or spec.replicas changed (a ReplicaSet's desired-replicas annotation differs):
//     scale only — the one active ReplicaSet to spec.replicas, or proportionally across several
//     (rollout_math.h ProportionalScale) — then status. Paused Deployments never start a rollout.
//  6. Otherwise roll out by strategy (rollout_math.h PlanRolling / PlanRecreate), one step per
//     round; the new ReplicaSet (template equal ignoring pod-template-hash) is created on demand
//     as "<deploy>-<hash>", and once the rollout is complete the oldest old ReplicaSets with no
//     replicas beyond spec.revisionHistoryLimit are deleted.
//  7. Status (observedGeneration, replicas, updatedReplicas, readyReplicas, availableReplicas,
//     unavailableReplicas, conditions Available and Progressing) written only when it changed.
//
// Revisions: the new ReplicaSet gets deployment.kubernetes.io/revision = max(old) + 1; a
// ReplicaSet brought back (kubectl rollout undo) gets the new number and keeps the old one in
// deployment.kubernetes.io/revision-history. The Deployment carries its new ReplicaSet's revision.
// desired-replicas / max-replicas annotations are kept on every ReplicaSet the controller scales.
//
// Events on the Deployment, component "deployment-controller": ScalingReplicaSet
// "Scaled up replica set web-7d9f8 from 0 to 1" / "Scaled down replica set ... from 3 to 2",
// FailedRSCreate, SelectingAll.
//
// Differs from the real controller: level-triggered rounds instead of informers and requeues (a
// conflict simply waits for the next round); the pod-template-hash is computed from the JSON
// template (names differ from a real cluster's); the two halves of a rolling scale-down
// (unhealthy replicas, then available ones) are one ReplicaSet update and one event; the
// ReplicaFailure condition is not copied from ReplicaSets; no spec.rollbackTo (extensions/v1beta1).
//
// Usage:
//   sim.Add(std::make_unique<DeploymentController>());
//   sim.Add(std::make_unique<ReplicaSetController>());
#pragma once

#include <string>

#include "simulator.h"

namespace kubesim {

class DeploymentController : public SimController {
 public:
  DeploymentController() = default;
  std::string Name() const override { return "deployment-controller"; }
  void Sync(const SimContext& ctx) override;
};

}  // namespace kubesim

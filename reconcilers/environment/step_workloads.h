// Step 4 of the environment reconcile: the owned workloads of the current release.
//
// PlanWorkloads is the pure core. Given the objects RenderWorkloads (workloads.h) wants and the
// owned objects the caches hold, it decides:
//   - apply: every desired object whose live copy is missing or carries another
//     `justdriving.io/applied-hash` than ContentHash(desired); the desired object gets the hash in
//     its annotations, so an unchanged environment makes no write at all;
//   - remove: owned Deployments whose names WantedDeploymentNames no longer lists (a removed
//     worker, websockets disabled), and owned Services, PodDisruptionBudgets and Ingresses no
//     longer rendered (the Ingress goes when spec.openToUsers is set to false).
// Nothing is planned without a release image (nothing runs yet), and the reconciler skips this
// step while a release is in progress (status.activeRelease set): the release controller then rolls
// the components in order.
//
// ApplyPlan is the shell: server-side apply (field manager, force) for each object, Delete for
// each removal (NotFound counts as done). UnavailableDeployments (pure) names the wanted
// Deployments that are not (yet) available, for the Degraded phase.
//
// Usage:
//   WorkloadPlan plan = PlanWorkloads(RenderWorkloads(in), live, WantedDeploymentNames(name, spec), true);
//   if (auto err = ApplyPlan(client, plan, "justdriving-operator"); !err.empty()) return ReconcileError(err);
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/store.h"

namespace jd::env {

struct ObjectKey {
  std::string kind;  // Deployment | Service | PodDisruptionBudget | Ingress | Job
  std::string ns;
  std::string name;
  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
};

struct WorkloadPlan {
  std::vector<nlohmann::json> apply;  // desired objects, hash annotation set
  std::vector<ObjectKey> remove;
};

// The owned objects of the environment from the caches, by kind ("Deployment", "Service", ...):
// cached objects of built-in kinds may lack `kind` (list items), so the caller says.
using LiveObjects = std::map<std::string, std::vector<nlohmann::json>>;

// `desired`: RenderWorkloads' output; `live`: see LiveObjects; `wanted_deployments`:
// WantedDeploymentNames; `have_release`: false plans nothing.
WorkloadPlan PlanWorkloads(const std::vector<nlohmann::json>& desired, const LiveObjects& live,
                           const std::vector<std::string>& wanted_deployments, bool have_release);

// The REST collection of an owned kind; nullptr for any other kind.
const kube::ResourceRef* RefForKind(const std::string& kind);

// "" when every write succeeded, else what failed (the first failure; later writes are skipped).
std::string ApplyPlan(kube::Client& client, const WorkloadPlan& plan, const std::string& field_manager);

// Names (sorted) of the `wanted` Deployments that are missing from `deployments` or not
// available (condition Available not True, or availableReplicas < spec.replicas).
std::vector<std::string> UnavailableDeployments(const std::vector<nlohmann::json>& deployments,
                                                const std::vector<std::string>& wanted);

}  // namespace jd::env

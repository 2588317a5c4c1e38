#include "reconcilers/environment/step_workloads.h"

#include <algorithm>
#include <map>
#include <set>

#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/workloads.h"

namespace jd::env {

namespace {

using nlohmann::json;

ObjectKey KeyOf(const json& obj) {
  return ObjectKey{String(Field(obj, {"kind"})), String(Field(obj, {"metadata", "namespace"})),
                   String(Field(obj, {"metadata", "name"}))};
}

std::string AppliedHash(const json& obj) {
  return String(Field(obj, {"metadata", "annotations", std::string(kAppliedHashAnnotation).c_str()}));
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Whether a live owned object should go: Deployments by the wanted names, the other pruned kinds
// when no longer rendered. Jobs are never pruned here (the onboarding step owns them).
bool Unwanted(const ObjectKey& key, const std::set<std::string>& desired_keys,
              const std::vector<std::string>& wanted_deployments) {
  if (key.kind == "Deployment") return !Contains(wanted_deployments, key.name);
  if (key.kind == "Service" || key.kind == "PodDisruptionBudget" || key.kind == "Ingress") {
    return desired_keys.count(key.kind + "/" + key.name) == 0;
  }
  return false;
}

}  // namespace

WorkloadPlan PlanWorkloads(const std::vector<json>& desired, const LiveObjects& live,
                           const std::vector<std::string>& wanted_deployments, bool have_release) {
  WorkloadPlan plan;
  if (!have_release) return plan;
  std::map<std::string, const json*> live_by_key;
  for (const auto& [kind, objects] : live) {
    for (const json& obj : objects) live_by_key[kind + "/" + String(Field(obj, {"metadata", "name"}))] = &obj;
  }
  std::set<std::string> desired_keys;
  for (const json& obj : desired) {
    ObjectKey k = KeyOf(obj);
    desired_keys.insert(k.kind + "/" + k.name);
    const std::string hash = ContentHash(obj);
    auto it = live_by_key.find(k.kind + "/" + k.name);
    if (it != live_by_key.end() && AppliedHash(*it->second) == hash) continue;
    json out = obj;
    out["metadata"]["annotations"][std::string(kAppliedHashAnnotation)] = hash;
    plan.apply.push_back(std::move(out));
  }
  for (const auto& [kind, objects] : live) {
    for (const json& obj : objects) {
      ObjectKey k{kind, String(Field(obj, {"metadata", "namespace"})), String(Field(obj, {"metadata", "name"}))};
      if (Unwanted(k, desired_keys, wanted_deployments)) plan.remove.push_back(k);
    }
  }
  return plan;
}

const kube::ResourceRef* RefForKind(const std::string& kind) {
  static const std::map<std::string, const kube::ResourceRef*> kRefs = {
      {"Deployment", &kube::kDeployments}, {"Service", &kube::kServices},
      {"PodDisruptionBudget", &kube::kPodDisruptionBudgets}, {"Ingress", &kube::kIngresses},
      {"Job", &kube::kJobs}};
  auto it = kRefs.find(kind);
  return it == kRefs.end() ? nullptr : it->second;
}

std::string ApplyPlan(kube::Client& client, const WorkloadPlan& plan, const std::string& field_manager) {
  for (const json& obj : plan.apply) {
    ObjectKey k = KeyOf(obj);
    const kube::ResourceRef* ref = RefForKind(k.kind);
    if (ref == nullptr) return "cannot apply " + k.kind + " " + k.name + ": not a kind the environment owns";
    auto r = client.Patch(*ref, k.ns, k.name, kube::PatchType::kApply, obj,
                          kube::PatchOptions{.field_manager = field_manager, .force = true});
    if (!r.ok()) return "apply " + k.kind + " " + k.ns + "/" + k.name + ": " + kube::Describe(r.error());
  }
  for (const ObjectKey& k : plan.remove) {
    const kube::ResourceRef* ref = RefForKind(k.kind);
    if (ref == nullptr) continue;
    kube::DeleteOptions opts;
    opts.propagation = kube::Propagation::kBackground;
    auto r = client.Delete(*ref, k.ns, k.name, opts);
    if (!r.ok() && !kube::IsNotFound(r.error())) {
      return "delete " + k.kind + " " + k.ns + "/" + k.name + ": " + kube::Describe(r.error());
    }
  }
  return "";
}

std::vector<std::string> UnavailableDeployments(const std::vector<json>& deployments,
                                                const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  for (const std::string& name : wanted) {
    const json* found = nullptr;
    for (const json& d : deployments) {
      if (String(Field(d, {"metadata", "name"})) == name) found = &d;
    }
    bool available = false;
    if (found != nullptr) {
      const int64_t want = Int(Field(*found, {"spec", "replicas"}), 1);
      const int64_t have = Int(Field(*found, {"status", "availableReplicas"}), 0);
      bool condition = false;
      const json& conds = Field(*found, {"status", "conditions"});
      if (conds.is_array()) {
        for (const json& c : conds) {
          if (String(Field(c, {"type"})) == "Available") condition = String(Field(c, {"status"})) == "True";
        }
      }
      available = condition && have >= want;
    }
    if (!available) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace jd::env

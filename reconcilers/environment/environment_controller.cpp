#include "reconcilers/environment/environment_controller.h"

#include <set>
#include <string>
#include <utility>

#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/spec_rules.h"
#include "reconcilers/environment/step_resolve.h"
#include "reconcilers/environment/step_validate.h"

namespace jd::env {

namespace {

using nlohmann::json;

// Forwards to the EnvironmentReconciler, which can only be built once the controller has handed
// out the caches (the controller needs its reconciler first).
class LateReconciler final : public jd::Reconciler {
 public:
  jd::ReconcileOutcome Reconcile(const jd::Request& request) override {
    if (!target) return jd::ReconcileError("environment reconciler not wired");
    return target->Reconcile(request);
  }
  std::unique_ptr<EnvironmentReconciler> target;
};

jd::Request RequestFor(const json& obj) {
  return jd::Request{String(Field(obj, {"metadata", "namespace"})), String(Field(obj, {"metadata", "name"}))};
}

// The effective spec of `env`, or nullopt when it cannot be read.
std::optional<json> SpecOf(const kube::StoreView& environments, const json& env) {
  if (!CheckSpecShape(Field(env, {"spec"})).ok) return std::nullopt;
  auto resolved = ResolveTemplate(env, LookupIn(environments));
  if (!resolved.ok()) return std::nullopt;
  return resolved.value().spec;
}

std::vector<jd::Request> All(const kube::StoreView& environments) {
  std::vector<jd::Request> out;
  for (const kube::ObjectPtr& e : environments.List()) out.push_back(RequestFor(*e));
  return out;
}

// Environments of `obj`'s namespace for which `names(spec)` contains obj's name; `isolation`
// (optional) is set when one of them names it in IsolationSecretNames.
template <typename NamesFn>
std::vector<jd::Request> Referencing(const kube::StoreView& environments, const json& obj, NamesFn names,
                                     bool* isolation) {
  std::vector<jd::Request> out;
  const std::string ns = String(Field(obj, {"metadata", "namespace"}));
  const std::string name = String(Field(obj, {"metadata", "name"}));
  for (const kube::ObjectPtr& env : environments.List(ns)) {
    auto spec = SpecOf(environments, *env);
    if (!spec) continue;
    if (names(*spec).count(name) == 0) continue;
    out.push_back(RequestFor(*env));
    if (isolation != nullptr && IsolationSecretNames(*spec).count(name) > 0) *isolation = true;
  }
  return out;
}

bool ValidAddress(const std::string& address) {
  if (address.empty()) return true;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  const std::string port = address.substr(colon + 1);
  return port.find_first_not_of("0123456789") == std::string::npos && port.size() <= 5 && std::stoi(port) > 0 &&
         std::stoi(port) < 65536;
}

}  // namespace

std::vector<jd::Request> EnvironmentsReferencingSecret(const kube::StoreView& environments, const json& secret) {
  bool isolation = false;
  std::vector<jd::Request> out = Referencing(environments, secret, ReferencedSecretNames, &isolation);
  return isolation ? All(environments) : out;
}

std::vector<jd::Request> EnvironmentsReferencingConfigMap(const kube::StoreView& environments,
                                                         const json& config_map) {
  return Referencing(environments, config_map, ReferencedConfigMapNames, nullptr);
}

std::vector<jd::Request> EnvironmentsDependingOn(const kube::StoreView& environments, const json& environment) {
  const int64_t generation = Int(Field(environment, {"metadata", "generation"}), 0);
  const int64_t observed = Int(Field(environment, {"status", "observedGeneration"}), -1);
  if (generation != observed) return All(environments);
  const std::string key =
      String(Field(environment, {"metadata", "namespace"})) + "/" + String(Field(environment, {"metadata", "name"}));
  std::vector<jd::Request> out;
  for (const kube::ObjectPtr& env : environments.List()) {
    if (Field(*env, {"spec", "templateRef"}).is_null()) continue;
    auto resolved = ResolveTemplate(*env, LookupIn(environments));
    // A broken chain may be broken because of `environment`: re-check it too.
    if (!resolved.ok()) {
      out.push_back(RequestFor(*env));
      continue;
    }
    for (const std::string& link : resolved.value().chain) {
      if (link == key) out.push_back(RequestFor(*env));
    }
  }
  return out;
}

void EnvironmentController::AddTo(jd::ControllerSet& set) && {
  set.controllers.push_back(std::move(controller));
  set.keep_alive.push_back(std::move(reconciler));
}

jd::StatusOr<EnvironmentController> NewEnvironmentController(kube::Client& client, jd::Clock& clock,
                                                             jd::ControllerOptions controller_options,
                                                             EnvironmentControllerDeps deps) {
  if (!ValidAddress(deps.options.app_https_address)) {
    return jd::Error{"app HTTPS address \"" + deps.options.app_https_address +
                     "\" is not host:port (for example 127.0.0.1:8443)"};
  }
  auto late = std::make_shared<LateReconciler>();
  auto controller = std::make_unique<jd::Controller>("justdrivingenvironment", *late, clock, controller_options);
  kube::StoreView envs = controller->For(client, kube::kJustDrivingEnvironments);
  kube::WatcherOptions managed;
  managed.label_selector = kManagedBySelector;
  const std::string owner = "JustDrivingEnvironment";
  EnvironmentCaches caches{
      envs,
      controller->Watches(client, kube::kSecrets,
                          [envs](const json& s) { return EnvironmentsReferencingSecret(envs, s); }),
      controller->Watches(client, kube::kConfigMaps,
                          [envs](const json& cm) { return EnvironmentsReferencingConfigMap(envs, cm); }),
      controller->Owns(client, kube::kDeployments, owner, managed),
      controller->Owns(client, kube::kJobs, owner, managed),
      controller->Owns(client, kube::kServices, owner, managed),
      controller->Owns(client, kube::kIngresses, owner, managed),
      controller->Owns(client, kube::kPodDisruptionBudgets, owner, managed)};
  controller->Watches(client, kube::kJustDrivingEnvironments,
                      [envs](const json& e) { return EnvironmentsDependingOn(envs, e); });
  late->target = std::make_unique<EnvironmentReconciler>(client, std::move(caches), deps.recorder, clock, deps.iso,
                                                         deps.prober, deps.options);
  return EnvironmentController{std::move(late), std::move(controller)};
}

}  // namespace jd::env

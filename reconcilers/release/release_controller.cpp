#include "reconcilers/release/release_controller.h"

#include <set>
#include <string>
#include <utility>

#include "reconcilers/environment/environment_controller.h"
#include "reconcilers/environment/json_access.h"

namespace jd::release {

namespace {

using env::Field;
using env::String;
using nlohmann::json;

// Forwards to the ReleaseReconciler, which can only be built once the controller handed out the
// caches (the controller needs its reconciler first).
class LateReconciler final : public jd::Reconciler {
 public:
  jd::ReconcileOutcome Reconcile(const jd::Request& request) override {
    if (!target) return jd::ReconcileError("release reconciler not wired");
    return target->Reconcile(request);
  }
  std::unique_ptr<ReleaseReconciler> target;
};

bool ValidAddress(const std::string& address) {
  if (address.empty()) return true;
  return ParseHostPort(address).ok();
}

std::vector<jd::Request> NonTerminalOfNamespace(const kube::StoreView& releases, const std::string& ns) {
  std::vector<jd::Request> out;
  for (const kube::ObjectPtr& r : releases.List(ns)) {
    auto phase = ParsePhase(String(Field(*r, {"status", "phase"}))).value_or(Phase::kPending);
    if (!IsTerminal(phase)) out.push_back({ns, String(Field(*r, {"metadata", "name"}))});
  }
  return out;
}

}  // namespace

std::vector<jd::Request> PendingReleasesOf(const kube::StoreView& releases, const std::string& ns,
                                           const std::string& env_name) {
  std::vector<jd::Request> out;
  for (const kube::ObjectPtr& r : releases.List(ns)) {
    if (String(Field(*r, {"spec", "environment"})) != env_name) continue;
    auto phase = ParsePhase(String(Field(*r, {"status", "phase"}))).value_or(Phase::kPending);
    if (!IsTerminal(phase)) out.push_back({ns, String(Field(*r, {"metadata", "name"}))});
  }
  return out;
}

std::vector<jd::Request> ActiveReleaseFor(const kube::StoreView& environments, const json& obj) {
  const std::string ns = String(Field(obj, {"metadata", "namespace"}));
  const std::string env_name = String(Field(obj, {"metadata", "labels", "justdriving.io/environment"}));
  if (env_name.empty()) return {};
  kube::ObjectPtr env = environments.Get(ns, env_name);
  if (!env) return {};
  const std::string active = String(Field(*env, {"status", "activeRelease"}));
  if (active.empty()) return {};
  return {{ns, active}};
}

void ReleaseController::AddTo(jd::ControllerSet& set) && {
  set.controllers.push_back(std::move(controller));
  set.keep_alive.push_back(std::move(reconciler));
}

jd::StatusOr<ReleaseController> NewReleaseController(kube::Client& client, jd::Clock& clock,
                                                     jd::ControllerOptions controller_options,
                                                     ReleaseControllerDeps deps) {
  for (const std::string* address : {&deps.options.app_http_address, &deps.options.app_https_address}) {
    if (!ValidAddress(*address)) {
      return jd::Error{"app address \"" + *address + "\" is not host:port (for example 127.0.0.1:8080)"};
    }
  }
  auto late = std::make_shared<LateReconciler>();
  auto controller = std::make_unique<jd::Controller>("justdrivingrelease", *late, clock, controller_options);
  kube::WatcherOptions managed;
  managed.label_selector = env::kManagedBySelector;
  const std::string owner = "JustDrivingRelease";

  kube::StoreView releases = controller->For(client, kube::kJustDrivingReleases);
  controller->Watches(client, kube::kJustDrivingReleases, [releases](const json& r) {
                        return PendingReleasesOf(releases, String(Field(r, {"metadata", "namespace"})),
                                                 String(Field(r, {"spec", "environment"})));
                      });
  kube::StoreView environments = controller->Watches(
      client, kube::kJustDrivingEnvironments, [releases](const json& e) {
        return PendingReleasesOf(releases, String(Field(e, {"metadata", "namespace"})),
                                 String(Field(e, {"metadata", "name"})));
      });
  kube::StoreView jobs = controller->Owns(client, kube::kJobs, owner, managed);
  controller->Owns(client, kube::kConfigMaps, owner, managed);
  kube::StoreView deployments = controller->Watches(
      client, kube::kDeployments, [environments](const json& d) { return ActiveReleaseFor(environments, d); },
      managed);
  kube::StoreView pods = controller->Watches(
      client, kube::kPods, [environments](const json& p) { return ActiveReleaseFor(environments, p); }, managed);
  const auto by_namespace = [releases](const json& o) {
    return NonTerminalOfNamespace(releases, String(Field(o, {"metadata", "namespace"})));
  };
  kube::StoreView config_maps = controller->Watches(client, kube::kConfigMaps, by_namespace);
  kube::StoreView secrets = controller->Watches(client, kube::kSecrets, by_namespace);

  ReleaseCaches caches{releases, environments, deployments, jobs, pods, config_maps, secrets};
  late->target = std::make_unique<ReleaseReconciler>(client, std::move(caches), deps.recorder, clock, deps.prober,
                                                     deps.notifier, deps.metrics, deps.options);
  return ReleaseController{std::move(late), std::move(controller)};
}

}  // namespace jd::release

// The JustDrivingRelease controller: the ReleaseReconciler (release_reconciler.h) and its event
// sources, wired on a jd::Controller (runtime/controller.h), shaped like the environment
// controller (reconcilers/environment/environment_controller.h).
//
// Sources (every cache is cluster-wide):
//   For(JustDrivingReleases)                       the release itself
//   Watches(JustDrivingReleases) -> the non-terminal releases of the same environment (a new
//                        release supersedes queued ones; a finished one frees the slot)
//   Owns(Jobs, ConfigMaps, "JustDrivingRelease")   with app.kubernetes.io/managed-by=justdriving-operator
//                        (backup, migration and database rollback Jobs; config snapshots)
//   Watches(Deployments, managed-by) -> the environment's active release (label
//                        justdriving.io/environment, env status.activeRelease from the cache)
//   Watches(JustDrivingEnvironments) -> every non-terminal release of that environment (validity,
//                        the slot, currentRelease)
//   Watches(Pods, managed-by)  -> the active release of the pod's environment (restarts during
//                        verification, Job pods' termination messages)
//   Watches(ConfigMaps, Secrets) (all) -> the non-terminal releases of the namespace (preflight
//                        waits for requiredConfigKeys; the ConfigMap cache is also where the
//                        snapshot copies the environment's config from; only key names of Secrets
//                        are ever read)
//
// Usage (main.cpp's BuildControllers):
//   jd::release::ReleaseMetrics release_metrics(prometheus_metrics.registry());
//   auto rel_ctl = jd::release::NewReleaseController(ctx.client, ctx.clock, {.logger = ctx.log},
//       {recorder, prober, &notifier, &release_metrics, {.app_http_address = flag}});
//   if (!rel_ctl.ok()) return rel_ctl.error();
//   std::move(rel_ctl.value()).AddTo(controller_set);
#pragma once

#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/status_or.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "reconcilers/release/release_reconciler.h"
#include "runtime/controller.h"
#include "runtime/operator_app.h"

namespace jd::release {

struct ReleaseControllerDeps {
  kube::EventRecorder& recorder;  // recorder and prober must outlive the controller
  HttpProber& prober;
  Notifier* notifier = nullptr;       // null: no webhook notifications
  ReleaseMetrics* metrics = nullptr;  // null: no release metrics
  ReleaseReconcilerOptions options = {};
};

// The controller and the reconciler it drives; `reconciler` is declared first so that it is
// destroyed after `controller` (which stops its workers in its destructor).
struct ReleaseController {
  std::shared_ptr<jd::Reconciler> reconciler;
  std::unique_ptr<jd::Controller> controller;

  // Moves both into `set` (the reconciler into keep_alive).
  void AddTo(jd::ControllerSet& set) &&;
};

// Registers the sources and builds the reconciler over their caches. Errors: a malformed
// options.app_http_address / app_https_address (not host:port).
jd::StatusOr<ReleaseController> NewReleaseController(kube::Client& client, jd::Clock& clock,
                                                     jd::ControllerOptions controller_options,
                                                     ReleaseControllerDeps deps);

// The map functions, exposed for tests.
// Non-terminal releases (of `releases`) of environment `env` in `ns`.
std::vector<jd::Request> PendingReleasesOf(const kube::StoreView& releases, const std::string& ns,
                                           const std::string& env);
// The environment's active release (env status.activeRelease) for an object labelled
// justdriving.io/environment=<env>; nothing when unlabelled or no release is active.
std::vector<jd::Request> ActiveReleaseFor(const kube::StoreView& environments, const nlohmann::json& obj);

}  // namespace jd::release

// The JustDrivingEnvironment controller: the EnvironmentReconciler (environment_reconciler.h) and
// its event sources, wired on a jd::Controller (runtime/controller.h).
//
// Sources (every cache is cluster-wide):
//   For(JustDrivingEnvironments)                         the environment itself
//   Owns(Deployments, Jobs, Services, Ingresses, PodDisruptionBudgets, "JustDrivingEnvironment")
//        with label selector app.kubernetes.io/managed-by=justdriving-operator
//   Watches(Secrets)     -> every environment of the Secret's namespace whose effective spec names
//                           it (integrations, webhooks, TLS); and, when it is a Secret compared for
//                           isolation, every environment of the cluster (see Cost)
//   Watches(ConfigMaps)  -> every environment of the namespace whose effective spec names it
//                           (config, tlsCABundle)
//   Watches(JustDrivingEnvironments) -> the environments whose template chain includes the
//                           changed one (they inherit from it); and every environment of the
//                           cluster when the changed one has a spec not yet reconciled
//                           (metadata.generation != status.observedGeneration): its Secret
//                           references may have changed, which changes isolation for others
//
// Cost: SecretsIsolated compares against every environment of the cluster, so a change to a Secret
// that takes part in isolation re-reconciles all N environments, each of which fingerprints the
// Secrets of all N environments: O(N * S) hashing per such change (S = Secrets per environment).
// Fine for hundreds of environments; the caches hold every Secret and ConfigMap of the cluster in
// memory. Status writes do not fan out (observedGeneration equals generation after them).
//
// Usage (main.cpp's BuildControllers):
//   auto env_ctl = jd::env::NewEnvironmentController(ctx.client, ctx.clock, {.logger = ctx.log},
//       {recorder, iso, prober, {.app_https_address = flag}});
//   if (!env_ctl.ok()) return env_ctl.error();
//   env_ctl.value().AddTo(controller_set);
#pragma once

#include <memory>

#include "common/clock.h"
#include "common/status_or.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "runtime/controller.h"
#include "runtime/operator_app.h"
#include "reconcilers/environment/environment_reconciler.h"

namespace jd::env {

inline constexpr const char* kManagedBySelector = "app.kubernetes.io/managed-by=justdriving-operator";

struct EnvironmentControllerDeps {
  kube::EventRecorder& recorder;  // these three must outlive the controller
  const IsoCodes& iso;
  TlsProber& prober;
  EnvironmentReconcilerOptions options = {};
};

// The controller and the reconciler it drives. `reconciler` is declared first so that it is
// destroyed after `controller` (which stops its workers in its destructor).
struct EnvironmentController {
  std::shared_ptr<jd::Reconciler> reconciler;
  std::unique_ptr<jd::Controller> controller;

  // Moves both into `set` (the reconciler into keep_alive).
  void AddTo(jd::ControllerSet& set) &&;
};

// Registers the sources and builds the reconciler over their caches. Errors: a malformed
// options.app_https_address.
jd::StatusOr<EnvironmentController> NewEnvironmentController(kube::Client& client, jd::Clock& clock,
                                                             jd::ControllerOptions controller_options,
                                                             EnvironmentControllerDeps deps);

// The map functions, exposed for tests. `environments` is the environment cache.
std::vector<jd::Request> EnvironmentsReferencingSecret(const kube::StoreView& environments, const nlohmann::json& secret);
std::vector<jd::Request> EnvironmentsReferencingConfigMap(const kube::StoreView& environments,
                                                         const nlohmann::json& config_map);
std::vector<jd::Request> EnvironmentsDependingOn(const kube::StoreView& environments, const nlohmann::json& environment);

}  // namespace jd::env

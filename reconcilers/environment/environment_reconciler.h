// EnvironmentReconciler: validates and onboards a JustDrivingEnvironment (docs/api.md), one step
// per concern, each a pure core with a small I/O shell in its own file:
//
//   1. step_resolve      the effective spec (shape, templateRef chain, merged shape)
//   2. step_validate     ConfigValid, SecretsIsolated, PaymentModeValid, TLSValid
//   3. step_onboarding   smoke test Jobs -> SmokeTestsPassed; OpenToUsers
//   4. step_workloads    owned Services, PDB, Deployments and Ingress of status.currentRelease,
//                        server-side applied only when their content hash changed (skipped while
//                        status.activeRelease is set: the release controller rolls them then)
//   5. environment_status phase, kstatus readiness, Events on transitions, status written only
//                        when it changed
//
// It reads only the informer caches (StoreViews registered by the controller,
// environment_controller.h) and writes through the Client: an unchanged environment re-reconciled
// makes no API call at all. It never throws: a malformed object is phase Invalid with a message
// naming the field; an unexpected exception is caught and returned as a transient error.
//
// Requeue: every 2 s while a smoke test Job runs (Owns(Jobs) events also wake it); when a
// certificate will cross spec.minTLSDays; every open_recheck_interval while open to users (the
// served certificate is probed again).
//
// Usage:
//   EnvironmentCaches caches{envs, secrets, config_maps, deployments, jobs, services, ingresses, pdbs};
//   EnvironmentReconciler rec(client, caches, recorder, clock, iso, prober, {.app_https_address = ""});
//   jd::ReconcileOutcome out = rec.Reconcile({"school-demo", "staging"});
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/store.h"
#include "reconcilers/environment/locale_rules.h"
#include "reconcilers/environment/tls_check.h"
#include "reconcilers/environment/tls_prober.h"
#include "runtime/result.h"

namespace jd::env {

struct EnvironmentReconcilerOptions {
  std::string ca_bundle_path = kSystemCABundlePath;
  // "host:port" to connect to instead of <domain>:443 when probing the served certificate
  // (kube-sim's app simulator); the domain is still sent as SNI.
  std::string app_https_address;
  std::string field_manager = "justdriving-operator";
  std::chrono::milliseconds job_poll_interval{2000};
  std::chrono::milliseconds open_recheck_interval{std::chrono::minutes(10)};
  std::chrono::milliseconds max_requeue{std::chrono::hours(12)};
};

// The caches the reconciler reads. environments: every namespace.
struct EnvironmentCaches {
  kube::StoreView environments;
  kube::StoreView secrets;
  kube::StoreView config_maps;
  kube::StoreView deployments;
  kube::StoreView jobs;
  kube::StoreView services;
  kube::StoreView ingresses;
  kube::StoreView pod_disruption_budgets;
};

struct ReconcileWork;  // one reconcile's state (environment_reconciler.cpp)

class EnvironmentReconciler : public jd::Reconciler {
 public:
  // Every reference must outlive the reconciler.
  EnvironmentReconciler(kube::Client& client, EnvironmentCaches caches, kube::EventRecorder& recorder,
                        const jd::Clock& clock, const IsoCodes& iso, TlsProber& prober,
                        EnvironmentReconcilerOptions options = {});

  jd::ReconcileOutcome Reconcile(const jd::Request& request) override;

 private:

  jd::ReconcileOutcome ReconcileObject(const nlohmann::json& environment);
  // Steps 2-5; the string results are "" or what failed (a transient error).
  bool RunChecks(ReconcileWork& w, const nlohmann::json& spec);
  std::string RunOnboarding(ReconcileWork& w, const nlohmann::json& spec, const std::vector<std::string>& chain,
                            bool checks_ok);
  std::string RunWorkloads(ReconcileWork& w, const nlohmann::json& spec, std::vector<std::string>& unavailable);
  jd::ReconcileOutcome Finish(ReconcileWork& w, const std::vector<std::string>& unavailable);

  kube::Client& client_;
  const EnvironmentCaches caches_;
  kube::EventRecorder& recorder_;
  const jd::Clock& clock_;
  const IsoCodes& iso_;
  TlsProber& prober_;
  const EnvironmentReconcilerOptions options_;
};

}  // namespace jd::env

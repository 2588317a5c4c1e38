// ReleaseReconciler: deploys one version of the app (a JustDrivingRelease) to one
// JustDrivingEnvironment safely, as a resumable state machine (docs/api.md):
//
//   Pending -> Waiting -> Preflight -> BackingUp -> Migrating -> RollingOut -> Verifying -> Succeeded
//                                        any failure -> Failed, or -> RollingBack -> RolledBack
//   Pending/Waiting -> Superseded;  Preflight -> Blocked
//
// One step per phase (step.h, one file each), each a decision over the release, its environment,
// the cached objects and now; this class is the shell that reads, runs steps and writes. Its state
// lives in the release's status and in objects with deterministic names (release_status.h), never
// in memory: a new instance (an operator restart) at any instant resumes where the last one was,
// and each step is idempotent, so re-running it after a crash does the right thing (the migration
// Job of a release attempt is created exactly once).
//
// Reads: a terminal release is decided from the caches alone (a Succeeded release re-reconciled,
// or re-applied unchanged from Git, makes no API call at all). Any other release, and a terminal
// one that restarts or still has environment bookkeeping to do, is read live (GET release and
// environment) so that status writes (a PUT of /status carrying the resourceVersion read) and the
// slot patch (carrying the environment's resourceVersion) never act on a stale copy; the other
// objects (Jobs, Deployments, pods, ConfigMaps, Secrets, other releases) come from the caches.
//
// Writes: objects the steps ask for (snapshot ConfigMap and Jobs: create if absent; workloads:
// server-side apply with options.field_manager, force), the environment's status fields this
// controller owns (activeRelease, currentRelease, lastGoodRelease, history — a merge patch of
// only those, so the environment reconciler's fields are never clobbered), the release status
// when it changed, one Event per phase transition (Warning for Failed, Blocked, RollingBack), webhook
// notifications for Succeeded, Failed and RolledBack (Notifier::Enqueue: never blocking), metrics.
//
// Requeue: while a Job runs (job_poll_interval), a Deployment rolls out (rollout_poll_interval),
// between health rounds (healthChecks.intervalSeconds), while Waiting (until the deploy window
// opens, else wait_recheck_interval); a slot conflict after conflict_requeue. Events on the Jobs,
// Deployments, pods, environments and ConfigMaps/Secrets also wake it (release_controller.h).
// It never sleeps; it never throws (an unexpected exception is a transient error).
//
// Usage:
//   ReleaseCaches caches{releases, environments, deployments, jobs, pods, config_maps, secrets};
//   ReleaseReconciler rec(client, caches, recorder, clock, prober, &notifier, &metrics,
//                         {.app_http_address = "127.0.0.1:8080"});
//   jd::ReconcileOutcome out = rec.Reconcile({"school-demo", "staging-2-14-0"});
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "reconcilers/release/http_prober.h"
#include "reconcilers/release/release_metrics.h"
#include "reconcilers/release/step.h"
#include "reconcilers/release/webhook.h"
#include "runtime/result.h"

namespace jd::release {

class ReleaseReconciler : public jd::Reconciler {
 public:
  // Every reference must outlive the reconciler; `notifier` and `metrics` may be null (none).
  ReleaseReconciler(kube::Client& client, ReleaseCaches caches, kube::EventRecorder& recorder, const jd::Clock& clock,
                    HttpProber& prober, Notifier* notifier, ReleaseMetrics* metrics,
                    ReleaseReconcilerOptions options = {});

  jd::ReconcileOutcome Reconcile(const jd::Request& request) override;

 private:
  jd::ReconcileOutcome ReconcileLive(const jd::Request& request);
  StepOutcome RunStep(const StepInput& in, ReleaseStatus& st);
  // "" or what failed.
  std::string Execute(const StepOutcome& out, const std::string& ns);
  kube::ApiResult<nlohmann::json> PatchEnvironment(const nlohmann::json& environment, const nlohmann::json& fields);
  void Announce(const StepInput& in, const ReleaseStatus& st);
  void Observe(const ReleaseStatus& st, const std::vector<StepOutcome>& outcomes);

  kube::Client& client_;
  const ReleaseCaches caches_;
  kube::EventRecorder& recorder_;
  const jd::Clock& clock_;
  HttpProber& prober_;
  Notifier* notifier_;
  ReleaseMetrics* metrics_;
  const ReleaseReconcilerOptions options_;
};

}  // namespace jd::release

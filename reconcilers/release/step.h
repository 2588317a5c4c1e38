// The steps of the JustDrivingRelease state machine: what each step reads, what it returns, and the
// functions themselves (one .cpp per step).
//
//   Pending/Waiting  StepQueue      (step_wait.cpp)      supersede / wait for the slot / start
//   Preflight        StepPreflight  (step_preflight.cpp) checks, then takes the environment's slot
//   BackingUp        StepBackup     (step_backup.cpp)    config snapshot (step_snapshot.cpp), backup Job
//   Migrating        StepMigrate    (step_migrate.cpp)   the migration Job, exactly once
//   RollingOut       StepRollout    (step_rollout.cpp)   component by component, waiting for each
//   Verifying        StepVerify     (step_verify.cpp)    one round of health checks per reconcile
//   RollingBack      StepRevert     (step_revert.cpp)    last good release back, database, health
//   terminal         StepTerminal   (step_finish.cpp)    quarantine / restart, environment bookkeeping
//
// Each step is a decision over (the release, its environment, the cached objects, now): it updates
// the ReleaseStatus in place and returns a StepOutcome carrying the writes to make. It performs no
// I/O (StepVerify/StepRevert get the probe answers from the reconciler). The reconciler
// (release_reconciler.cpp) runs steps while they return kContinue (Pending -> Preflight ->
// BackingUp ... in one reconcile), executing after each step:
//   1. `create` (create if absent: AlreadyExists is fine) and `apply` (server-side apply, force),
//   2. `env_patch` (taking or giving back the slot, setting currentRelease);
// then, once, at the end of the reconcile:
//   3. the release status, when it changed (a PUT of status carrying the resourceVersion read),
//   4. when the release became terminal: FinishEnvPatch (history, activeRelease "" and
//      lastGoodRelease) — after the status, so a crash in between leaves a terminal release whose
//      slot StepTerminal gives back on its next reconcile,
//   5. Events (one per net phase transition, plus `events`), notifications, metrics.
// Every environment status patch is a merge patch of only the fields the release controller owns
// (activeRelease, currentRelease, lastGoodRelease, history) carrying the environment's
// resourceVersion, so it never clobbers the environment reconciler and two releases never both
// take the slot (a conflict re-runs the reconcile).
//
// Outcome: kContinue runs the step of the new phase in the same reconcile (after the writes);
// kRequeueAfter polls; kStop waits for an event.
//
// Every step is idempotent: re-running it after a crash at any point (objects created but status
// not written, status written but environment not patched) does the right thing, because names
// are deterministic, creates tolerate AlreadyExists and Deployments carry their applied hash.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/event_recorder.h"
#include "kube/store.h"
#include "reconcilers/environment/workloads.h"
#include "reconcilers/release/health.h"
#include "reconcilers/release/release_status.h"
#include "reconcilers/release/webhook.h"
#include "reconcilers/release/workload_state.h"

namespace jd::release {

struct ReleaseReconcilerOptions {
  // "host:port" to connect to for http://<env>-web.<ns>.svc.cluster.local checks (kube-sim's app
  // simulator); "" = resolve the Service name.
  std::string app_http_address;
  // "host:port" to connect to for https://<domain> checks; "" = real DNS.
  std::string app_https_address;
  std::string field_manager = "justdriving-operator";
  std::chrono::milliseconds job_poll_interval{2000};       // a backup/migration/restore Job runs
  std::chrono::milliseconds rollout_poll_interval{2000};   // a Deployment rolls out
  std::chrono::milliseconds wait_recheck_interval{30000};  // Waiting on the environment/promotion/config
  std::chrono::milliseconds conflict_requeue{500};         // the environment changed under a slot patch
  std::chrono::milliseconds max_requeue{std::chrono::hours(12)};
  // A Job the status says was created but that the cache does not show after this long is gone
  // (deleted by someone); it is never re-created.
  std::chrono::seconds object_visibility_grace{120};
};

// The caches the reconciler reads (every namespace).
struct ReleaseCaches {
  kube::StoreView releases;
  kube::StoreView environments;
  kube::StoreView deployments;
  kube::StoreView jobs;
  kube::StoreView pods;         // managed-by=justdriving-operator
  kube::StoreView config_maps;  // all ConfigMaps (the environment's config and the snapshots)
  kube::StoreView secrets;      // all Secrets (names of keys only; values never leave)
};

// What every step reads.
struct StepInput {
  const nlohmann::json& release;       // the release object (apiVersion, kind, metadata, spec, status)
  const nlohmann::json* environment;   // the environment object, nullptr when it does not exist
  const nlohmann::json& spec;          // its effective spec (templates merged); null when unreadable
  std::string spec_error;              // why `spec` is null
  const ReleaseCaches& caches;
  const ReleaseReconcilerOptions& options;
  WallTime now;

  // Derived from `release`.
  std::string ns, name, env_name, version, image, uid;
  int64_t generation = 0;

  StepInput(const nlohmann::json& release, const nlohmann::json* environment, const nlohmann::json& spec,
            std::string spec_error, const ReleaseCaches& caches, const ReleaseReconcilerOptions& options,
            WallTime now);

  // Cached objects of the release's namespace (nullptr when absent).
  kube::ObjectPtr Job(const std::string& name) const;
  kube::ObjectPtr Deployment(const std::string& name) const;
  kube::ObjectPtr ConfigMap(const std::string& name) const;
  kube::ObjectPtr Secret(const std::string& name) const;
  // Pods of the namespace whose labels include `selector`.
  std::vector<nlohmann::json> Pods(const nlohmann::json& selector) const;
  // Pods controlled by the object of `uid`.
  std::vector<nlohmann::json> PodsOwnedBy(const std::string& uid) const;
  // env status.activeRelease ("" when none or no environment).
  std::string ActiveRelease() const;
  bool OpenToUsers() const;  // the environment's OpenToUsers condition is True
  // RenderInput over `ref` (the environment object must exist).
  env::RenderInput Render(const env::ReleaseRef& ref) const;
  // This release as a ReleaseRef (config snapshot from `status`).
  env::ReleaseRef Self(const ReleaseStatus& st) const;
};

struct EventToRecord {
  kube::EventType type = kube::EventType::kNormal;
  std::string reason;
  std::string message;
  friend bool operator==(const EventToRecord&, const EventToRecord&) = default;
};

struct StepOutcome {
  enum Kind { kContinue, kRequeueAfter, kStop };
  Kind kind = kStop;
  std::chrono::milliseconds delay{0};

  std::vector<nlohmann::json> create;  // objects to create if absent
  std::vector<nlohmann::json> apply;   // objects to server-side apply
  std::optional<nlohmann::json> env_patch;  // environment status fields, written before the status
  std::vector<EventToRecord> events;
  std::optional<double> time_to_detect_seconds;  // metric: Verifying start -> failure verdict

  static StepOutcome Continue() { return With(kContinue); }
  static StepOutcome Stop() { return With(kStop); }
  static StepOutcome RequeueAfter(std::chrono::milliseconds d) {
    StepOutcome out = With(kRequeueAfter);
    out.delay = d;
    return out;
  }

 private:
  static StepOutcome With(Kind k) {
    StepOutcome out;
    out.kind = k;
    return out;
  }
};

// ---- the steps ----------------------------------------------------------------------------------

StepOutcome StepQueue(const StepInput& in, ReleaseStatus& st);
StepOutcome StepPreflight(const StepInput& in, ReleaseStatus& st);
StepOutcome StepBackup(const StepInput& in, ReleaseStatus& st);
StepOutcome StepMigrate(const StepInput& in, ReleaseStatus& st);
StepOutcome StepRollout(const StepInput& in, ReleaseStatus& st);
// `answers`: one ProbeResult per check of ParseHealthChecks(spec), in order, when a round is due
// (RoundDue); nullopt when not probed in this reconcile.
StepOutcome StepVerify(const StepInput& in, ReleaseStatus& st, const std::optional<std::vector<ProbeResult>>& answers);
StepOutcome StepRevert(const StepInput& in, ReleaseStatus& st, const std::optional<std::vector<ProbeResult>>& answers);
StepOutcome StepTerminal(const StepInput& in, ReleaseStatus& st);

// ---- shared by the steps ------------------------------------------------------------------------

// Whether env status.activeRelease names another release that is still active (step_wait.cpp).
// A holder that is gone, terminal or queued again (a crash between its status write and its
// patch of the environment) blocks nobody.
bool SlotHeldByOther(const StepInput& in);

// The config snapshot (step_snapshot.cpp): the ConfigMap `<release>-config` to create (nullopt
// when status.configSnapshot is already set, or when the environment names no config ConfigMap),
// and status.configSnapshot set. `error` when the environment's ConfigMap is not there.
struct SnapshotPlan {
  std::optional<nlohmann::json> create;
  std::string error;
};
SnapshotPlan PlanSnapshot(const StepInput& in, ReleaseStatus& st);

// Whether a health round is due in this reconcile (Verifying, or RollingBack at its health stage).
bool NeedsProbeRound(const StepInput& in, const ReleaseStatus& st);

// Preflight's verdict (pure; step_preflight.cpp). First failing rule wins, in this order:
// environment exists -> its spec is readable -> spec.image is of spec.app.image -> destructive
// migrations have a plan -> and, in production, approval -> environment valid for its generation
// -> promotion -> required config keys -> deploy window (or its override).
struct PreflightVerdict {
  enum Kind { kPass, kWait, kBlock };
  Kind kind = kPass;
  std::string reason;   // CamelCase
  std::string message;  // names the field and how to fix it
  std::optional<std::chrono::milliseconds> requeue_after;  // deploy window: until it opens
  bool window_overridden = false;
  friend bool operator==(const PreflightVerdict&, const PreflightVerdict&) = default;
};
PreflightVerdict CheckPreflight(const StepInput& in);

// The requests of one health round against the release's environment (step_verify.cpp): the
// URL base is https://<first domain> when the environment is open to users and has domains, else
// http://<env>-web.<ns>.svc.cluster.local. Empty when the checks cannot be parsed.
std::vector<ProbeRequest> PlanProbes(const StepInput& in);
// Whether a round is due: the previous round (at `last_round_at`, RFC 3339 or "") was at least
// intervalSeconds ago.
bool RoundDue(const StepInput& in, const std::string& last_round_at);

// One round of health checks judged (step_verify.cpp): `answers[i]` answers hc.checks[i] (a
// missing one counts as no answer), over the states stored in `previous` (status.health).
std::vector<HealthState> JudgeRound(const HealthChecks& hc, const nlohmann::json& previous,
                                    const std::vector<ProbeResult>& answers);

// The failure path (step_revert.cpp): a step failed with `reason` (CamelCase) and `message`.
// `changed_workloads`: whether anything was rolled out (RollingOut/Verifying) — if not, the
// release is simply Failed (nothing to revert). Otherwise, with rollback.automatic (default true)
// and a last good release, the release goes to RollingBack; without one it is Failed "nothing to
// roll back to"; with rollback.automatic false it is Failed with the instruction to apply the
// previous release again.
StepOutcome Fail(const StepInput& in, ReleaseStatus& st, const std::string& reason, const std::string& message,
                 bool changed_workloads);

// Rolling `ref` out component by component (step_rollout.cpp), recording steps
// "<prefix>/<component>": the non-Deployment objects and the next Deployment to apply, or the
// failure. Used by the rollout and by the revert.
struct RolloutProgress {
  enum Kind { kWaiting, kDone, kFailed };
  Kind kind = kWaiting;
  std::vector<nlohmann::json> apply;
  std::string message;
};
RolloutProgress AdvanceRollout(const StepInput& in, ReleaseStatus& st, const env::ReleaseRef& ref,
                               const std::string& prefix);

// A task Job owned by the release (step_backup.cpp).
nlohmann::json ReleaseJob(const StepInput& in, const ReleaseStatus& st, const std::string& name,
                          const std::string& component, const std::vector<std::string>& command,
                          const std::string& image);

// Runs the Job `desired` exactly once (step_backup.cpp), recording it in `record` (an object of
// status: {jobName, startedAt, finishedAt}): planned for creation only while absent from the cache
// and not recorded as created more than object_visibility_grace ago (then `vanished`: someone
// deleted it, and it is not re-created, so it never runs twice); a Job of that name controlled by
// another object is `foreign` (a deleted release's leftover, waiting for the garbage collector).
struct JobRun {
  JobState state;
  std::optional<nlohmann::json> create;
  bool foreign = false;
  bool vanished = false;
};
JobRun AdvanceJob(const StepInput& in, nlohmann::json& record, const nlohmann::json& desired, WallTime now);

// Whether an earlier attempt of this release already migrated the database (step_backup.cpp).
bool MigratedEarlier(const StepInput& in, const ReleaseStatus& st);

// The announcement of a terminal outcome (step_finish.cpp).
WebhookEvent Announcement(const StepInput& in, const ReleaseStatus& st, std::vector<std::string> failed_checks = {});
// The environment status fields a terminal release writes (step_finish.cpp): its history entry
// (upserted, newest first, bounded by spec.historyLimit), and, while the slot is still its own,
// activeRelease "" and lastGoodRelease (Succeeded). nullopt when nothing would change.
std::optional<nlohmann::json> FinishEnvPatch(const StepInput& in, const ReleaseStatus& st);

}  // namespace jd::release

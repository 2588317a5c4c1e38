// ReleaseStatus: the status of a JustDrivingRelease being built during one reconcile, and the
// deterministic names the state machine keeps its state in besides status.
//
// Everything the release state machine knows lives in two places, never only in memory:
//   - status (phase, attempt, steps, migration/backup Jobs, verification baseline, rollback target),
//   - objects with deterministic names: the config snapshot `<release>-config`, the Jobs
//     `<release>-backup`, `<release>-migrate`, `<release>-restore`, `<release>-migrate-rollback`
//     (attempt 2 and later append `-<attempt>`: `<release>-migrate-2`), and the Deployments
//     `<env>-<component>` whose applied-hash annotation says what was applied.
//
// ReleaseStatus wraps a copy of the stored status. Setters follow reconcilers/common/conditions.h:
// conditions move lastTransitionTime only when their status flips, steps keep their startedAt, so
// re-running a step that already happened changes nothing and Changed() stays false (no write).
//
//   SetPhase(p, reason, message)   status.phase, the kstatus Ready/Reconciling/Stalled summary
//                                  (Reconciling while queued or active, Ready when Succeeded,
//                                  Stalled when Failed/RolledBack/Blocked/Superseded), and a
//                                  Transition record for the Event (only when the phase changes).
//   StartStep / FinishStep         status.steps[] {name, state, startedAt, finishedAt, message}.
//
// Usage:
//   ReleaseStatus st(release["status"], generation, clock.WallNow());
//   st.StartStep("migrate", "Job production-2-14-0-migrate running");
//   st.SetPhase(Phase::kMigrating, "Migrating", "running the migrations (Job production-2-14-0-migrate)");
//   if (st.Changed()) client.PatchStatus(...);
//   for (const Transition& t : st.transitions()) recorder.Event(release, ..., t.reason, t.message);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "reconcilers/environment/workloads.h"
#include "reconcilers/release/phase.h"

namespace jd::release {

// Release condition types (besides Ready, Reconciling, Stalled).
inline constexpr std::string_view kPreflightPassed = "PreflightPassed";
inline constexpr std::string_view kMigrated = "Migrated";
inline constexpr std::string_view kRolledOut = "RolledOut";
inline constexpr std::string_view kHealthy = "Healthy";
inline constexpr std::string_view kRolledBackCondition = "RolledBack";

// Step states in status.steps[].state.
inline constexpr std::string_view kStepRunning = "Running";
inline constexpr std::string_view kStepSucceeded = "Succeeded";
inline constexpr std::string_view kStepFailed = "Failed";
inline constexpr std::string_view kStepSkipped = "Skipped";

// "" for attempt 1, "-<attempt>" after.
std::string AttemptSuffix(int64_t attempt);
std::string SnapshotName(const std::string& release);  // <release>-config (one per release)
std::string BackupJobName(const std::string& release, int64_t attempt);
std::string MigrationJobName(const std::string& release, int64_t attempt);
std::string RestoreJobName(const std::string& release, int64_t attempt);
std::string MigrateRollbackJobName(const std::string& release, int64_t attempt);

// A phase change made during this reconcile, for its Event.
struct Transition {
  Phase from;
  Phase to;
  std::string reason;
  std::string message;
  friend bool operator==(const Transition&, const Transition&) = default;
};

// A step that finished during this reconcile, for the step duration metric.
struct FinishedStep {
  std::string name;
  double seconds = 0;
};

class ReleaseStatus {
 public:
  // `stored`: status as read (null = none). `generation`: the release's metadata.generation.
  ReleaseStatus(const nlohmann::json& stored, int64_t generation, WallTime now);

  Phase phase() const { return phase_; }
  int64_t attempt() const;
  WallTime now() const { return now_; }
  int64_t generation() const { return generation_; }

  // Sets the phase and the readiness conditions; records a Transition when the phase changes.
  // observedGeneration is stamped on every call.
  void SetPhase(Phase p, const std::string& reason, const std::string& message);
  // One of the release's own conditions (PreflightPassed, Migrated, ...).
  void SetCondition(std::string_view type, bool ok, const std::string& reason, const std::string& message);
  // Unknown (e.g. Healthy while the checks run).
  void SetConditionUnknown(std::string_view type, const std::string& reason, const std::string& message);

  // Appends (or restarts a non-running) step as Running; a Running step is left alone except for
  // its message.
  void StartStep(const std::string& name, const std::string& message = "");
  // Sets a step's final state (adding it when absent, with startedAt = now). Returns its duration
  // when this call finished it (it was not already in `state`), for the metric.
  std::optional<FinishedStep> FinishStep(const std::string& name, std::string_view state, const std::string& message);
  // The step of `name` or nullptr.
  const nlohmann::json* Step(const std::string& name) const;
  std::string StepState(const std::string& name) const;

  // status.<key> (creating an object member).
  nlohmann::json& operator[](const std::string& key) { return status_[key]; }
  const nlohmann::json& Get(const std::string& key) const;
  void Erase(const std::string& key) { status_.erase(key); }

  // Replaces the whole status (a restart starts over); stored() and the transitions so far stay.
  void Reset(nlohmann::json fresh);

  const nlohmann::json& value() const { return status_; }
  const nlohmann::json& stored() const { return stored_; }
  // Whether value() differs from what is stored (rec::StatusChanged).
  bool Changed() const;

  const std::vector<Transition>& transitions() const { return transitions_; }
  const std::vector<FinishedStep>& finished_steps() const { return finished_; }

  // "2026-03-29T01:00:00Z" of now().
  std::string Stamp() const;

 private:
  nlohmann::json stored_;
  nlohmann::json status_;
  Phase phase_ = Phase::kPending;
  int64_t generation_ = 0;
  WallTime now_;
  std::vector<Transition> transitions_;
  std::vector<FinishedStep> finished_;
};

// The kstatus readiness of a phase: Succeeded is Ready; Failed, RolledBack, Blocked and Superseded
// stall (a person has to act); everything else reconciles.
enum class ReadinessKind { kReady, kReconciling, kStalled };
ReadinessKind ReadinessOf(Phase p);

// {name, version, image, configSnapshot} as written to the environment's status.
nlohmann::json ReleaseRefJson(const env::ReleaseRef& ref);
env::ReleaseRef ReleaseRefFrom(const nlohmann::json& ref);

}  // namespace jd::release

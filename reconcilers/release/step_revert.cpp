// Failure and RollingBack (step.h).
//
// Fail decides where a failure leads. Nothing rolled out yet (preflight, backup, migration):
// phase Failed, nothing to revert. Otherwise, with the environment's rollback.automatic (default
// true) and a last good release (env status.lastGoodRelease), RollingBack; without a last good
// release (the first release of an environment) Failed "nothing to roll back to"; with
// rollback.automatic false Failed, with the instruction to apply a new release of the previous version.
//
// RollingBack puts back everything the release changed except data, in three stages, each
// resumable from status and the live objects:
//   1. components: the last good release's image AND config snapshot on web, workers, scheduler and
//      websockets, in rollout order, waiting for each (AdvanceRollout, steps "revert/<component>");
//      env status.currentRelease goes back to the last good release as it starts;
//   2. database per rollback.database: restoreBackup -> Job `<release>-restore`
//      (migrations.backup.restoreCommand in the backup image), migrateRollback -> Job
//      `<release>-migrate-rollback` (migrations.rollbackCommand in THIS release's image: only the
//      code that brought the migrations knows how to undo them), none -> a Warning Event saying the
//      new schema stays. The components go first so that the code running while the schema is
//      reverted is the code that schema belongs to;
//   3. health: rounds of the health checks against the reverted release until one round passes
//      entirely (RolledBack) or a check fails failureThreshold times in a row (Failed "revert
//      unhealthy").
// A revert that cannot finish (a component's progress deadline, the database Job failing) ends in
// Failed: a person has to look.
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Bool;
using env::Field;
using env::String;
using nlohmann::json;

namespace {

std::vector<std::string> Strings(const json& v, std::vector<std::string> fallback) {
  if (!v.is_array() || v.empty()) return fallback;
  std::vector<std::string> out;
  for (const json& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out.empty() ? fallback : out;
}

bool SameRef(const json& stored, const env::ReleaseRef& ref) {
  const env::ReleaseRef r = ReleaseRefFrom(stored);
  return r.name == ref.name && r.version == ref.version && r.image == ref.image &&
         r.config_snapshot == ref.config_snapshot;
}

StepOutcome EndFailed(ReleaseStatus& st, const std::string& reason, const std::string& message) {
  st["failureReason"] = reason;
  st["finishedAt"] = st.Stamp();
  st.SetPhase(Phase::kFailed, reason, message);
  return StepOutcome::Stop();
}

// Stage 2. nullopt when the database is done (or nothing is to be done); else the outcome to return.
std::optional<StepOutcome> RevertDatabase(const StepInput& in, ReleaseStatus& st, const env::ReleaseRef& target) {
  const std::string step = "revert/database";
  const std::string state = st.StepState(step);
  if (state == kStepSucceeded || state == kStepSkipped) return std::nullopt;
  json rollback = st.Get("rollback");
  const std::string mode = String(Field(rollback, {"database"}), "none");
  if (mode == "none" || mode.empty()) {
    const std::string message = "database not rolled back (rollback.database: none): the schema of " + in.version +
                                " stays";
    st.FinishStep(step, kStepSkipped, message);
    StepOutcome out = StepOutcome::Continue();
    out.events.push_back({kube::EventType::kWarning, "DatabaseNotRolledBack", message});
    return out;
  }
  std::string name;
  std::vector<std::string> command;
  std::string image;
  if (mode == "restoreBackup") {
    if (st.StepState("backup") != kStepSucceeded) {
      const std::string message = "database not restored: this release took no backup (step backup " +
                                  (st.StepState("backup").empty() ? std::string("never ran") : st.StepState("backup")) +
                                  "); the schema of " + in.version + " stays";
      st.FinishStep(step, kStepSkipped, message);
      StepOutcome out = StepOutcome::Continue();
      out.events.push_back({kube::EventType::kWarning, "DatabaseNotRolledBack", message});
      return out;
    }
    name = RestoreJobName(in.name, st.attempt());
    command = Strings(Field(in.spec, {"migrations", "backup", "restoreCommand"}), {});
    image = String(Field(in.spec, {"migrations", "backup", "image"}), in.image);
    if (command.empty()) {
      st.FinishStep(step, kStepFailed, "no spec.migrations.backup.restoreCommand");
      return EndFailed(st, "DatabaseRollbackFailed",
                       "reverted to " + target.name + " but the database was not restored: environment " +
                           in.env_name + " has rollback.database restoreBackup and no "
                           "spec.migrations.backup.restoreCommand; restore it by hand");
    }
  } else {
    name = MigrateRollbackJobName(in.name, st.attempt());
    command = Strings(Field(in.spec, {"migrations", "rollbackCommand"}), {"php", "artisan", "migrate:rollback", "--force"});
    image = in.image;
  }
  json record = Field(rollback, {"databaseJob"});
  JobRun run = AdvanceJob(in, record, ReleaseJob(in, st, name, mode == "restoreBackup" ? "backup" : "migration",
                                                 command, image),
                          in.now);
  rollback["databaseJob"] = record;
  st["rollback"] = rollback;
  if (run.foreign) {
    st.StartStep(step, "Job " + name + " exists but belongs to another object; waiting for it to be deleted");
    return StepOutcome::RequeueAfter(in.options.job_poll_interval);
  }
  if (run.vanished) {
    st.FinishStep(step, kStepFailed, "Job " + name + " disappeared");
    return EndFailed(st, "DatabaseRollbackFailed",
                     "reverted to " + target.name + " but database Job " + name +
                         " was deleted before it finished; check the database");
  }
  switch (run.state.kind) {
    case JobState::kMissing:
    case JobState::kRunning: {
      StepOutcome out = StepOutcome::RequeueAfter(in.options.job_poll_interval);
      if (run.create) out.create.push_back(std::move(*run.create));
      st.StartStep(step, "Job " + name + " running (rollback.database: " + mode + ")");
      return out;
    }
    case JobState::kSucceeded:
      st.FinishStep(step, kStepSucceeded, "Job " + name + " succeeded (rollback.database: " + mode + ")");
      return std::nullopt;
    case JobState::kFailed: {
      const std::string message = "database rollback Job " + name + " failed: " + run.state.message;
      st.FinishStep(step, kStepFailed, message);
      StepOutcome out = EndFailed(st, "DatabaseRollbackFailed",
                                  "reverted the workloads to " + target.name + " but " + message +
                                      "; the database needs a person");
      out.events.push_back({kube::EventType::kWarning, "DatabaseRollbackFailed", message});
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

StepOutcome Fail(const StepInput& in, ReleaseStatus& st, const std::string& reason, const std::string& message,
                 bool changed_workloads) {
  if (!changed_workloads) return EndFailed(st, reason, message);
  const json& rollback = Field(in.spec, {"rollback"});
  const env::ReleaseRef target =
      in.environment != nullptr ? ReleaseRefFrom(Field(*in.environment, {"status", "lastGoodRelease"})) : env::ReleaseRef{};
  if (!Bool(Field(rollback, {"automatic"}), true)) {
    // A Succeeded release never runs again, so going back means a new release of the old version.
    std::string how = target.name.empty()
                          ? "apply a new JustDrivingRelease with the previous version"
                          : "apply a new JustDrivingRelease with version " + target.version + " (image " + target.image +
                                ", last good: " + target.name + ")";
    return EndFailed(st, reason, message + "; rollback.automatic is false, so nothing was reverted: to go back, " + how);
  }
  if (target.name.empty() || target.image.empty() || target.name == in.name) {
    return EndFailed(st, reason, message + "; nothing to roll back to: environment " + in.env_name +
                                     " has no earlier release that succeeded (status.lastGoodRelease)");
  }
  st["failureReason"] = reason;
  st["rolledBackTo"] = target.name;
  st["rollback"] = json{{"to", ReleaseRefJson(target)},
                        {"database", String(Field(rollback, {"database"}), "none")},
                        {"startedAt", st.Stamp()}};
  st.SetConditionUnknown(kRolledBackCondition, "RollingBack", "rolling back to " + target.name);
  st.SetPhase(Phase::kRollingBack, reason,
              message + "; rolling back to " + target.name + " (version " + target.version + ")");
  return StepOutcome::Continue();
}

StepOutcome StepRevert(const StepInput& in, ReleaseStatus& st, const std::optional<std::vector<ProbeResult>>& answers) {
  const env::ReleaseRef target = ReleaseRefFrom(Field(st.value(), {"rollback", "to"}));
  if (target.image.empty()) {
    return EndFailed(st, "RevertFailed", "status.rollback.to names no release to roll back to");
  }
  std::optional<json> env_patch;
  if (in.environment != nullptr && !SameRef(Field(*in.environment, {"status", "currentRelease"}), target)) {
    env_patch = json{{"currentRelease", ReleaseRefJson(target)}};
  }
  const auto with_env = [&](StepOutcome out) {
    if (env_patch) out.env_patch = env_patch;
    return out;
  };
  // 1. components
  const RolloutProgress p = AdvanceRollout(in, st, target, "revert");
  if (p.kind == RolloutProgress::kFailed) {
    st.SetCondition(kRolledBackCondition, false, "RevertFailed", p.message);
    return with_env(EndFailed(st, "RevertFailed", "revert to " + target.name + " failed: " + p.message));
  }
  if (p.kind == RolloutProgress::kWaiting) {
    StepOutcome out = StepOutcome::RequeueAfter(in.options.rollout_poll_interval);
    out.apply = p.apply;
    st.SetConditionUnknown(kRolledBackCondition, "RollingBack", "reverting to " + target.name + ": " + p.message);
    return with_env(out);
  }
  // 2. database
  std::vector<EventToRecord> events;
  if (auto db = RevertDatabase(in, st, target)) {
    if (db->kind != StepOutcome::kContinue) return with_env(std::move(*db));
    events = std::move(db->events);
  }
  // 3. health
  auto hc = ParseHealthChecks(in.spec);
  if (!hc.ok()) {
    return with_env(EndFailed(st, "RevertUnhealthy", "revert unhealthy: environment " + in.env_name + ": " +
                                                         hc.error().message));
  }
  StepOutcome out;
  if (st.StepState("revert/verify") != kStepRunning) {
    st.StartStep("revert/verify");
    json rollback = st.Get("rollback");
    rollback["health"] = HealthToJson(StartStates(hc.value().checks, {}));
    st["rollback"] = rollback;
    out = StepOutcome::Continue();  // the reconciler probes a first round now
    out.events = std::move(events);
    return with_env(std::move(out));
  }
  if (!answers) {
    out = StepOutcome::RequeueAfter(std::chrono::seconds(hc.value().interval_seconds));
    out.events = std::move(events);
    return with_env(std::move(out));
  }
  json rollback = st.Get("rollback");
  const std::vector<HealthState> states = JudgeRound(hc.value(), Field(rollback, {"health"}), *answers);
  rollback["health"] = HealthToJson(states);
  rollback["lastRoundAt"] = st.Stamp();
  const Verdict verdict = Decide(states, hc.value().failure_threshold, 1);
  if (verdict.kind == Verdict::kContinue) {
    st["rollback"] = rollback;
    out = StepOutcome::RequeueAfter(std::chrono::seconds(hc.value().interval_seconds));
    out.events = std::move(events);
    return with_env(std::move(out));
  }
  rollback["finishedAt"] = st.Stamp();
  st["rollback"] = rollback;
  if (verdict.kind == Verdict::kFailed) {
    const std::string message = "revert unhealthy: " + target.name + " (version " + target.version +
                                ") fails its health checks too: " + verdict.message;
    st.FinishStep("revert/verify", kStepFailed, verdict.message);
    st.SetCondition(kRolledBackCondition, false, "RevertUnhealthy", message);
    out = EndFailed(st, "RevertUnhealthy", message);
    out.events = std::move(events);
    return with_env(std::move(out));
  }
  const std::string db = String(Field(rollback, {"database"}), "none");
  const std::string message = "reverted to " + target.name + " (version " + target.version +
                              "): image and config snapshot of every component; database: " +
                              (db == "none" ? std::string("not rolled back (rollback.database: none)") : db) +
                              "; the failure was " + String(st.Get("failureReason"));
  st.FinishStep("revert/verify", kStepSucceeded, "the reverted release passes its health checks");
  st.SetCondition(kRolledBackCondition, true, "RolledBack", message);
  st["finishedAt"] = st.Stamp();
  st.SetPhase(Phase::kRolledBack, String(st.Get("failureReason"), "RolledBack"), message);
  out = StepOutcome::Stop();
  out.events = std::move(events);
  return with_env(std::move(out));
}

}  // namespace jd::release

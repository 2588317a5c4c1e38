// BackingUp (step.h): the config snapshot, then the database backup Job `<release>-backup`.
//
// The backup runs the effective spec's migrations.backup.command in migrations.backup.image
// (default: the release image), with the release's config, before any migration. It is required
// in production (the environment's ConfigValid already refuses a production spec without it; this
// step refuses again rather than migrate without a backup) and runs in any tier that configures
// it; without one the step is Skipped. A retry of a release whose migration already succeeded in an
// earlier attempt (and was not rolled back) skips it: no schema change is coming.
// A failed backup fails the release before anything changed (nothing to revert).
#include "reconcilers/common/timestamp.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Field;
using env::Int;
using env::String;
using nlohmann::json;

namespace {

std::vector<std::string> Strings(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

std::string ControllerUid(const json& obj) {
  const json& refs = Field(obj, {"metadata", "ownerReferences"});
  if (!refs.is_array()) return "";
  for (const json& r : refs) {
    if (env::Bool(Field(r, {"controller"}), false)) return String(Field(r, {"uid"}));
  }
  return "";
}

}  // namespace

json ReleaseJob(const StepInput& in, const ReleaseStatus& st, const std::string& name, const std::string& component,
                const std::vector<std::string>& command, const std::string& image) {
  env::TaskJob task;
  task.name = name;
  task.component = component;
  task.command = command;
  task.image = image;
  task.timeout_seconds = Int(Field(in.spec, {"migrations", "timeoutSeconds"}), 1800);
  task.owner = &in.release;
  task.release_name = in.name;
  return env::RenderTaskJob(in.Render(in.Self(st)), task);
}

JobRun AdvanceJob(const StepInput& in, json& record, const json& desired, WallTime now) {
  JobRun run;
  if (!record.is_object()) record = json::object();
  const std::string name = String(Field(desired, {"metadata", "name"}));
  kube::ObjectPtr job = in.Job(name);
  if (job && ControllerUid(*job) != in.uid) {
    run.foreign = true;
    return run;
  }
  std::vector<json> pods;
  if (job) pods = in.PodsOwnedBy(String(Field(*job, {"metadata", "uid"})));
  run.state = ReadJob(job.get(), pods);
  const bool recorded = String(Field(record, {"jobName"})) == name;
  if (run.state.kind == JobState::kMissing) {
    if (recorded) {
      auto created = rec::ParseRfc3339(String(Field(record, {"startedAt"})));
      if (created && now - *created > in.options.object_visibility_grace) {
        run.vanished = true;
        return run;
      }
    } else {
      record = json{{"jobName", name}, {"startedAt", rec::FormatRfc3339(now)}};
    }
    run.create = desired;
    return run;
  }
  if (!recorded) record = json{{"jobName", name}, {"startedAt", rec::FormatRfc3339(now)}};
  if ((run.state.kind == JobState::kSucceeded || run.state.kind == JobState::kFailed) &&
      Field(record, {"finishedAt"}).is_null()) {
    record["finishedAt"] = rec::FormatRfc3339(now);
  }
  return run;
}

// Whether an earlier attempt of this release migrated successfully (status.migration names a
// Job of an earlier attempt that succeeded; StepTerminal keeps it only when the database was not
// rolled back).
bool MigratedEarlier(const StepInput& in, const ReleaseStatus& st) {
  const std::string job = String(Field(st.value(), {"migration", "jobName"}));
  if (job.empty() || job == MigrationJobName(in.name, st.attempt())) return false;
  kube::ObjectPtr obj = in.Job(job);
  return obj && ReadJob(obj.get(), {}).kind == JobState::kSucceeded;
}

StepOutcome StepBackup(const StepInput& in, ReleaseStatus& st) {
  StepOutcome out = StepOutcome::Continue();
  SnapshotPlan snapshot = PlanSnapshot(in, st);
  if (!snapshot.error.empty()) return Fail(in, st, "ConfigSnapshotFailed", snapshot.error, false);
  if (snapshot.create) out.create.push_back(std::move(*snapshot.create));

  const auto next = [&](const std::string& state, const std::string& message) {
    st.FinishStep("backup", state, message);
    st.SetPhase(Phase::kMigrating, "Migrating", "running the database migrations");
  };
  if (MigratedEarlier(in, st)) {
    next(std::string(kStepSkipped), "the database was already migrated by Job " +
                                        String(Field(st.value(), {"migration", "jobName"})) + " in an earlier attempt");
    return out;
  }
  const json& backup = Field(in.spec, {"migrations", "backup"});
  const std::vector<std::string> command = Strings(Field(backup, {"command"}));
  if (command.empty()) {
    if (String(Field(in.spec, {"tier"})) == "production") {
      return Fail(in, st, "BackupNotConfigured",
                  "environment " + in.env_name +
                      " is production and has no spec.migrations.backup.command: configure the backup, then retry "
                      "the release (annotate it justdriving.io/retry)",
                  false);
    }
    next(std::string(kStepSkipped), "no spec.migrations.backup in environment " + in.env_name);
    return out;
  }
  const std::string name = BackupJobName(in.name, st.attempt());
  const std::string image = String(Field(backup, {"image"}), in.image);
  json record = st.Get("backup");
  JobRun run = AdvanceJob(in, record, ReleaseJob(in, st, name, "backup", command, image), in.now);
  st["backup"] = record;
  if (run.foreign) {
    st.StartStep("backup", "Job " + name + " exists but belongs to another object; waiting for it to be deleted");
    StepOutcome wait = StepOutcome::RequeueAfter(in.options.job_poll_interval);
    wait.create = std::move(out.create);
    return wait;
  }
  if (run.vanished) {
    st.FinishStep("backup", kStepFailed, "Job " + name + " disappeared");
    return Fail(in, st, "BackupJobDeleted",
                "backup Job " + name + " was deleted before it finished; it is not re-created: check the database "
                "backups, then retry the release (annotate it justdriving.io/retry)",
                false);
  }
  switch (run.state.kind) {
    case JobState::kMissing:
    case JobState::kRunning: {
      if (run.create) out.create.push_back(std::move(*run.create));
      st.StartStep("backup", "Job " + name + " running");
      st.SetPhase(Phase::kBackingUp, "BackingUp", "backing the database up (Job " + name + ")");
      StepOutcome wait = StepOutcome::RequeueAfter(in.options.job_poll_interval);
      wait.create = std::move(out.create);
      return wait;
    }
    case JobState::kSucceeded:
      next(std::string(kStepSucceeded), "Job " + name + " succeeded");
      return out;
    case JobState::kFailed: {
      const std::string message = "backup Job " + name + " failed: " + run.state.message;
      st.FinishStep("backup", kStepFailed, message);
      StepOutcome failed = Fail(in, st, "BackupFailed", message + "; nothing was migrated or rolled out", false);
      failed.create = std::move(out.create);
      failed.events.push_back({kube::EventType::kWarning, "BackupFailed", message});
      return failed;
    }
  }
  return out;
}

}  // namespace jd::release

// Migrating (step.h): the migration Job `<release>-migrate` (`-<attempt>` on retries), exactly once.
//
// Exactly once per release attempt per environment, whatever crashes happen: the name is derived
// from the release, the Job is created only while absent (AlreadyExists counts as created), never
// deleted or re-created (a Job that vanishes fails the release instead), and backoffLimit 0 means
// Kubernetes itself never starts a second pod. activeDeadlineSeconds = migrations.timeoutSeconds
// bounds it; a timeout is a failure like any other.
//
// A failed migration fails the release (phase Failed) before anything is rolled out, so there is
// nothing to revert. The database is deliberately NOT touched per rollback.database: the migration
// did not complete, so there is nothing of ours to roll back — `migrate:rollback` would roll back
// the previous release's last batch (Laravel rolls back by batch, and a failed run records no
// batch), and restoring the backup would throw away every write made since it was taken. What a
// half-applied non-transactional migration left behind needs a person: the failure reason (the
// Job's condition and the pod's termination message) is in status.failureReason's message, the
// Migrated condition and a Warning Event.
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Field;
using env::String;
using nlohmann::json;

namespace {

const std::vector<std::string> kDefaultMigrate = {"php", "artisan", "migrate", "--force", "--isolated"};

std::vector<std::string> Command(const json& v, const std::vector<std::string>& fallback) {
  if (!v.is_array() || v.empty()) return fallback;
  std::vector<std::string> out;
  for (const json& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out.empty() ? fallback : out;
}

}  // namespace

StepOutcome StepMigrate(const StepInput& in, ReleaseStatus& st) {
  const auto done = [&](const std::string& message) {
    st.SetCondition(kMigrated, true, "Migrated", message);
    st.FinishStep("migrate", kStepSucceeded, message);
    st.SetPhase(Phase::kRollingOut, "RollingOut", "rolling out web, workers, scheduler and websockets");
    return StepOutcome::Continue();
  };
  if (MigratedEarlier(in, st)) {
    return done("already migrated by Job " + String(Field(st.value(), {"migration", "jobName"})) +
                " in an earlier attempt");
  }
  const std::string name = MigrationJobName(in.name, st.attempt());
  const json job = ReleaseJob(in, st, name, "migration",
                              Command(Field(in.spec, {"migrations", "command"}), kDefaultMigrate), in.image);
  json record = st.Get("migration");
  JobRun run = AdvanceJob(in, record, job, in.now);
  st["migration"] = record;
  if (run.foreign) {
    st.StartStep("migrate", "Job " + name + " exists but belongs to another object; waiting for it to be deleted");
    return StepOutcome::RequeueAfter(in.options.job_poll_interval);
  }
  if (run.vanished) {
    const std::string message = "migration Job " + name +
                                " was deleted before it finished; it is not re-created so the migrations never run "
                                "twice: check the state of the database, then retry the release (annotate it "
                                "justdriving.io/retry)";
    st.SetCondition(kMigrated, false, "MigrationJobDeleted", message);
    st.FinishStep("migrate", kStepFailed, message);
    return Fail(in, st, "MigrationJobDeleted", message, false);
  }
  switch (run.state.kind) {
    case JobState::kMissing:
    case JobState::kRunning: {
      StepOutcome out = StepOutcome::RequeueAfter(in.options.job_poll_interval);
      if (run.create) out.create.push_back(std::move(*run.create));
      st.SetConditionUnknown(kMigrated, "Migrating", "Job " + name + " running");
      st.StartStep("migrate", "Job " + name + " running");
      st.SetPhase(Phase::kMigrating, "Migrating", "running the database migrations (Job " + name + ")");
      return out;
    }
    case JobState::kSucceeded:
      return done("Job " + name + " succeeded");
    case JobState::kFailed: {
      const std::string message = "migration Job " + name + " failed: " + run.state.message;
      st.SetCondition(kMigrated, false, "MigrationFailed", message);
      st.FinishStep("migrate", kStepFailed, message);
      StepOutcome out = Fail(in, st, "MigrationFailed",
                             message + "; nothing was rolled out and the database was not rolled back (the "
                                       "migration did not complete): check the database, fix the migration and "
                                       "create a new release or retry this one",
                             false);
      out.events.push_back({kube::EventType::kWarning, "MigrationFailed", message});
      return out;
    }
  }
  return StepOutcome::Stop();
}

}  // namespace jd::release

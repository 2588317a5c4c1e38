// Pending / Waiting: who may take the environment's deploy slot (step.h).
//
// The releases of the environment are ranked by PickActive (phase.h): a queued release older than
// the newest queued one (or than the one in progress) is Superseded; the newest waits while
// another release is active, or while env status.activeRelease names another release that is
// still active; otherwise it moves to Preflight. A slot holder that no longer exists or is no
// longer active (terminal, or back to Waiting after a crash) does not block anyone: Preflight takes
// the slot over with a conditional patch.
#include "reconcilers/common/timestamp.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Field;
using env::String;
using nlohmann::json;

namespace {

WallTime Created(const json& obj) {
  return rec::ParseRfc3339(String(Field(obj, {"metadata", "creationTimestamp"}))).value_or(WallTime{});
}

}  // namespace

// Whether `holder` (a release name of the environment) still holds the slot: it exists and its
// phase is active. Declared in step_preflight.cpp's users through this file only.
bool SlotHeldByOther(const StepInput& in) {
  const std::string holder = in.ActiveRelease();
  if (holder.empty() || holder == in.name) return false;
  kube::ObjectPtr other = in.caches.releases.Get(in.ns, holder);
  if (!other) return false;
  auto phase = ParsePhase(String(Field(*other, {"status", "phase"}))).value_or(Phase::kPending);
  return IsActive(phase);
}

StepOutcome StepQueue(const StepInput& in, ReleaseStatus& st) {
  if (in.environment == nullptr) {
    st.SetPhase(Phase::kWaiting, "EnvironmentNotFound",
                "spec.environment: JustDrivingEnvironment " + in.env_name + " does not exist in namespace " + in.ns +
                    ": create it, or correct spec.environment");
    return StepOutcome::RequeueAfter(in.options.wait_recheck_interval);
  }
  std::vector<ReleaseSummary> summaries;
  for (const kube::ObjectPtr& r : in.caches.releases.List(in.ns)) {
    const std::string rname = String(Field(*r, {"metadata", "name"}));
    if (String(Field(*r, {"spec", "environment"})) != in.env_name || rname == in.name) continue;
    summaries.push_back({rname, Created(*r),
                         ParsePhase(String(Field(*r, {"status", "phase"}))).value_or(Phase::kPending)});
  }
  summaries.push_back({in.name, Created(in.release), st.phase()});
  const SlotDecision d = PickActive(summaries);

  for (const std::string& s : d.superseded) {
    if (s != in.name) continue;
    const std::string by = d.queued.empty() ? d.proceed.value_or("") : d.queued.back();
    st["finishedAt"] = st.Stamp();
    st["failureReason"] = "Superseded";
    st.SetPhase(Phase::kSuperseded, "Superseded",
                "superseded by the newer release " + by + " of environment " + in.env_name +
                    " before it started; nothing was changed");
    return StepOutcome::Stop();
  }
  const bool my_turn = d.proceed && *d.proceed == in.name;
  if (!my_turn || SlotHeldByOther(in)) {
    std::string holder = in.ActiveRelease();
    if (holder.empty() || holder == in.name) holder = d.proceed.value_or("another release");
    st.SetPhase(Phase::kWaiting, "ReleaseInProgress",
                "release " + holder + " is in progress in environment " + in.env_name +
                    "; this release starts when it has finished (one release at a time per environment)");
    return StepOutcome::RequeueAfter(in.options.wait_recheck_interval);
  }
  if (st.Get("startedAt").is_null()) st["startedAt"] = st.Stamp();
  st.StartStep("preflight");
  st.SetPhase(Phase::kPreflight, "Preflight", "checking the environment, the migrations, promotion and the deploy window");
  return StepOutcome::Continue();
}

}  // namespace jd::release

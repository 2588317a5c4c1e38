// RollingOut (step.h): the release's workloads, one component at a time, in WantedComponents order:
// web (RollingUpdate, maxUnavailable 0) first, then each worker, the scheduler (Recreate: never
// two at once) and websockets. Before web, the non-Deployment objects of RenderWorkloads
// (Services, PodDisruptionBudget, Ingress) are applied.
//
// Each Deployment is rendered by env::RenderDeployment for the release (image, config snapshot),
// stamped with its content hash (env::kAppliedHashAnnotation) and server-side applied; the next
// component starts only when this one's rollout completed (workload_state.h ReadRollout). The hash
// on the live object is what makes the step resumable without remembering anything: a component
// whose live hash is the desired one was applied, one whose rollout is complete is done, and
// re-running the step re-applies only what is missing. ProgressDeadlineExceeded fails the release
// (and reverts it). env status.currentRelease is set to the release as the rollout starts, so the
// environment reconciler renders what actually runs once the release is done.
//
// AdvanceRollout is shared with the revert (step_revert.cpp), which rolls the last good release
// back out the same way.
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Field;
using env::String;
using nlohmann::json;

namespace {

std::string ComponentStep(const env::WantedComponent& c) {
  if (c.component == env::Component::kWorker) return "worker-" + c.worker;
  return std::string(env::ComponentName(c.component));
}

json WithHash(json obj) {
  const std::string hash = env::ContentHash(obj);
  obj["metadata"]["annotations"][std::string(env::kAppliedHashAnnotation)] = hash;
  return obj;
}

bool SameRef(const json& stored, const env::ReleaseRef& ref) {
  const env::ReleaseRef r = ReleaseRefFrom(stored);
  return r.name == ref.name && r.version == ref.version && r.image == ref.image &&
         r.config_snapshot == ref.config_snapshot;
}

}  // namespace

RolloutProgress AdvanceRollout(const StepInput& in, ReleaseStatus& st, const env::ReleaseRef& ref,
                               const std::string& prefix) {
  const env::RenderInput rin = in.Render(ref);
  const std::vector<env::WantedComponent> components = env::WantedComponents(in.env_name, in.spec);
  for (std::size_t i = 0; i < components.size(); ++i) {
    const env::WantedComponent& c = components[i];
    const std::string step = prefix + "/" + ComponentStep(c);
    json desired = env::RenderDeployment(rin, c.component, c.worker);
    if (desired.is_null()) continue;
    const std::string hash = env::ContentHash(desired);
    const RolloutState state = ReadRollout(in.Deployment(c.name).get(), hash);
    switch (state.kind) {
      case RolloutState::kComplete:
        st.FinishStep(step, kStepSucceeded, "Deployment " + c.name + ": " + state.message);
        continue;
      case RolloutState::kFailed: {
        const std::string message = "Deployment " + c.name + ": " + state.message;
        st.FinishStep(step, kStepFailed, message);
        return {RolloutProgress::kFailed, {}, message};
      }
      case RolloutState::kNotApplied: {
        RolloutProgress p{RolloutProgress::kWaiting, {}, "rolling out Deployment " + c.name};
        if (i == 0) {
          for (const json& obj : env::RenderWorkloads(rin)) {
            if (String(Field(obj, {"kind"})) != "Deployment") p.apply.push_back(WithHash(obj));
          }
        }
        p.apply.push_back(WithHash(std::move(desired)));
        st.StartStep(step, "applied " + ref.image + (ref.config_snapshot.empty() ? "" : " with config " + ref.config_snapshot));
        return p;
      }
      case RolloutState::kProgressing:
        st.StartStep(step, state.message);
        return {RolloutProgress::kWaiting, {}, "rolling out Deployment " + c.name + ": " + state.message};
    }
  }
  return {RolloutProgress::kDone, {}, ""};
}

StepOutcome StepRollout(const StepInput& in, ReleaseStatus& st) {
  const env::ReleaseRef self = in.Self(st);
  std::optional<json> env_patch;
  if (in.environment != nullptr && !SameRef(Field(*in.environment, {"status", "currentRelease"}), self)) {
    env_patch = json{{"currentRelease", ReleaseRefJson(self)}};
  }
  const RolloutProgress p = AdvanceRollout(in, st, self, "rollout");
  StepOutcome out;
  switch (p.kind) {
    case RolloutProgress::kWaiting:
      out = StepOutcome::RequeueAfter(in.options.rollout_poll_interval);
      out.apply = p.apply;
      st.SetConditionUnknown(kRolledOut, "RollingOut", p.message);
      st.SetPhase(Phase::kRollingOut, "RollingOut", p.message);
      break;
    case RolloutProgress::kFailed:
      st.SetCondition(kRolledOut, false, "RolloutFailed", p.message);
      out = Fail(in, st, "RolloutFailed", "rollout of " + in.version + " failed: " + p.message, true);
      break;
    case RolloutProgress::kDone:
      st.SetCondition(kRolledOut, true, "RolledOut", "every component runs " + in.image);
      st.StartStep("verify");
      st.SetPhase(Phase::kVerifying, "Verifying", "running the health checks");
      out = StepOutcome::Continue();
      break;
  }
  if (env_patch) out.env_patch = std::move(env_patch);
  return out;
}

}  // namespace jd::release

#include "reconcilers/environment/environment_status.h"

#include "reconcilers/environment/json_access.h"
#include "reconcilers/common/strings.h"

namespace jd::env {

namespace {

using nlohmann::json;

const std::vector<std::string> kOwnedFields = {"phase", "observedGeneration", "conditions", "resolvedTemplate",
                                               "smokeTests"};

std::string StatusOf(const json& conditions, const std::string& type) {
  const json* c = rec::FindCondition(conditions, type);
  return c == nullptr ? "" : String(Field(*c, {"status"}));
}


}  // namespace

std::string ComputePhase(const PhaseInputs& in) {
  if (in.current == "Deploying") return "Deploying";
  if (in.open) {
    return !in.validation_failed && in.smoke_passed && in.workloads_available ? "Ready" : "Degraded";
  }
  if (in.validation_failed) return "Invalid";
  return "Onboarding";
}

rec::Readiness ComputeReadiness(const std::string& phase, const json& conditions,
                                const std::vector<std::string>& unavailable) {
  for (const std::string& type : kCheckConditions) {
    const json* c = rec::FindCondition(conditions, type);
    if (c != nullptr && String(Field(*c, {"status"})) == rec::kFalse) {
      return {rec::Readiness::kStalled, String(Field(*c, {"reason"})), type + ": " + String(Field(*c, {"message"}))};
    }
  }
  for (const std::string& type : kCheckConditions) {
    const json* c = rec::FindCondition(conditions, type);
    if (c != nullptr && String(Field(*c, {"status"})) == rec::kUnknown) {
      return {rec::Readiness::kReconciling, String(Field(*c, {"reason"})), type + ": " + String(Field(*c, {"message"}))};
    }
  }
  if (phase == "Deploying") {
    return {rec::Readiness::kReconciling, "ReleaseInProgress", "a release is rolling out (see the JustDrivingRelease)"};
  }
  if (!unavailable.empty()) {
    return {rec::Readiness::kReconciling, "WorkloadsUnavailable",
            "Deployments not available: " + rec::Join(unavailable) + " (see kubectl describe deployment)"};
  }
  if (phase == "Ready") return {rec::Readiness::kReady, "Ready", "open to users; every check and smoke test passes"};
  const json* open = rec::FindCondition(conditions, "OpenToUsers");
  return {rec::Readiness::kStalled, open ? String(Field(*open, {"reason"})) : "NotOpenToUsers",
          open ? "OpenToUsers: " + String(Field(*open, {"message"})) : "not open to users"};
}

std::vector<EventSpec> TransitionEvents(const json& old_conditions, const json& new_conditions) {
  std::vector<EventSpec> out;
  std::vector<std::string> types = kCheckConditions;
  types.push_back("OpenToUsers");
  for (const std::string& type : types) {
    const std::string before = StatusOf(old_conditions, type);
    const std::string after = StatusOf(new_conditions, type);
    if (before == after || after.empty() || after == rec::kUnknown) continue;
    if (type == "OpenToUsers" && after == rec::kFalse && before != rec::kTrue) continue;  // never opened
    const json* c = rec::FindCondition(new_conditions, type);
    out.push_back({after == rec::kTrue ? kube::EventType::kNormal : kube::EventType::kWarning,
                   String(Field(*c, {"reason"})), type + ": " + String(Field(*c, {"message"}))});
  }
  return out;
}

json StatusPatch(const json& stored, const json& desired) {
  json body = json::object();
  for (const std::string& field : kOwnedFields) {
    auto want = desired.is_object() ? desired.find(field) : desired.end();
    const bool have = stored.is_object() && stored.contains(field);
    if (want != desired.end() && !want->is_null()) {
      body[field] = *want;
    } else if (have) {
      body[field] = nullptr;
    }
  }
  return json{{"status", body}};
}

kube::ApiResult<bool> WriteStatusIfChanged(kube::Client& client, const json& environment, const json& desired) {
  const json& stored = Field(environment, {"status"});
  if (!rec::StatusChanged(stored, desired)) return false;
  auto r = client.PatchStatus(kube::kJustDrivingEnvironments, String(Field(environment, {"metadata", "namespace"})),
                              String(Field(environment, {"metadata", "name"})), kube::PatchType::kMerge,
                              StatusPatch(stored, desired));
  if (!r.ok()) return r.error();
  return true;
}

}  // namespace jd::env

#include "reconcilers/release/workload_state.h"

#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/workloads.h"

namespace jd::release {

using env::Field;
using env::Int;
using env::String;
using nlohmann::json;

namespace {

const json* TrueCondition(const json& obj, const std::string& type) {
  const json& conds = Field(obj, {"status", "conditions"});
  if (!conds.is_array()) return nullptr;
  for (const json& c : conds) {
    if (String(Field(c, {"type"})) == type && String(Field(c, {"status"})) == "True") return &c;
  }
  return nullptr;
}

const json* Condition(const json& obj, const std::string& type) {
  const json& conds = Field(obj, {"status", "conditions"});
  if (!conds.is_array()) return nullptr;
  for (const json& c : conds) {
    if (String(Field(c, {"type"})) == type) return &c;
  }
  return nullptr;
}

// "pod <name>: <message>" for every container that terminated with a message.
std::string PodMessages(const std::vector<json>& pods) {
  std::string out;
  for (const json& pod : pods) {
    const json& statuses = Field(pod, {"status", "containerStatuses"});
    if (!statuses.is_array()) continue;
    for (const json& cs : statuses) {
      std::string msg = String(Field(cs, {"state", "terminated", "message"}));
      if (msg.empty()) msg = String(Field(cs, {"lastState", "terminated", "message"}));
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      if (msg.empty()) continue;
      out += (out.empty() ? "" : "; ") + std::string("pod ") + String(Field(pod, {"metadata", "name"})) + ": " + msg;
    }
  }
  return out;
}

}  // namespace

JobState ReadJob(const json* job, const std::vector<json>& pods) {
  if (job == nullptr || !job->is_object()) return {JobState::kMissing, ""};
  if (TrueCondition(*job, "Complete") != nullptr || Int(Field(*job, {"status", "succeeded"}), 0) >= 1) {
    return {JobState::kSucceeded, ""};
  }
  if (const json* failed = TrueCondition(*job, "Failed")) {
    std::string msg = String(Field(*failed, {"reason"}));
    const std::string text = String(Field(*failed, {"message"}));
    if (!text.empty()) msg += (msg.empty() ? "" : ": ") + text;
    const std::string pod = PodMessages(pods);
    if (!pod.empty()) msg += (msg.empty() ? "" : "; ") + pod;
    if (msg.empty()) msg = "the Job failed";
    return {JobState::kFailed, msg};
  }
  return {JobState::kRunning, ""};
}

RolloutState ReadRollout(const json* deployment, const std::string& desired_hash) {
  if (deployment == nullptr || !deployment->is_object()) return {RolloutState::kNotApplied, "not created yet"};
  const std::string applied =
      String(Field(*deployment, {"metadata", "annotations", std::string(env::kAppliedHashAnnotation).c_str()}));
  if (applied != desired_hash) return {RolloutState::kNotApplied, "not applied yet"};
  if (const json* p = Condition(*deployment, "Progressing")) {
    if (String(Field(*p, {"status"})) == "False" && String(Field(*p, {"reason"})) == "ProgressDeadlineExceeded") {
      std::string msg = "ProgressDeadlineExceeded";
      const std::string text = String(Field(*p, {"message"}));
      if (!text.empty()) msg += ": " + text;
      return {RolloutState::kFailed, msg};
    }
  }
  const int64_t generation = Int(Field(*deployment, {"metadata", "generation"}), 0);
  const int64_t observed = Int(Field(*deployment, {"status", "observedGeneration"}), -1);
  const int64_t want = Int(Field(*deployment, {"spec", "replicas"}), 1);
  const int64_t updated = Int(Field(*deployment, {"status", "updatedReplicas"}), 0);
  const int64_t available = Int(Field(*deployment, {"status", "availableReplicas"}), 0);
  const int64_t unavailable = Int(Field(*deployment, {"status", "unavailableReplicas"}), 0);
  const int64_t total = Int(Field(*deployment, {"status", "replicas"}), want);
  if (observed < generation) return {RolloutState::kProgressing, "waiting for the Deployment controller to observe the change"};
  if (updated == want && available == want && unavailable == 0 && total == want) {
    return {RolloutState::kComplete, std::to_string(want) + " of " + std::to_string(want) + " updated and available"};
  }
  return {RolloutState::kProgressing, std::to_string(updated) + " of " + std::to_string(want) + " updated, " +
                                          std::to_string(available) + " available"};
}

bool LabelsMatch(const json& labels, const json& selector) {
  if (!selector.is_object()) return false;
  for (const auto& [k, v] : selector.items()) {
    if (!labels.is_object()) return false;
    auto it = labels.find(k);
    if (it == labels.end() || *it != v) return false;
  }
  return true;
}

}  // namespace jd::release

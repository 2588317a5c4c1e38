#include "reconcilers/release/release_status.h"

#include <chrono>

#include "reconcilers/common/conditions.h"
#include "reconcilers/common/timestamp.h"
#include "reconcilers/environment/json_access.h"

namespace jd::release {

using env::Field;
using env::Int;
using env::String;
using nlohmann::json;

std::string AttemptSuffix(int64_t attempt) { return attempt <= 1 ? "" : "-" + std::to_string(attempt); }
std::string SnapshotName(const std::string& release) { return release + "-config"; }
std::string BackupJobName(const std::string& release, int64_t attempt) {
  return release + "-backup" + AttemptSuffix(attempt);
}
std::string MigrationJobName(const std::string& release, int64_t attempt) {
  return release + "-migrate" + AttemptSuffix(attempt);
}
std::string RestoreJobName(const std::string& release, int64_t attempt) {
  return release + "-restore" + AttemptSuffix(attempt);
}
std::string MigrateRollbackJobName(const std::string& release, int64_t attempt) {
  return release + "-migrate-rollback" + AttemptSuffix(attempt);
}

ReadinessKind ReadinessOf(Phase p) {
  if (p == Phase::kSucceeded) return ReadinessKind::kReady;
  if (IsTerminal(p)) return ReadinessKind::kStalled;
  return ReadinessKind::kReconciling;
}

ReleaseStatus::ReleaseStatus(const json& stored, int64_t generation, WallTime now)
    : stored_(stored.is_object() ? stored : json::object()), generation_(generation), now_(now) {
  status_ = stored_;
  phase_ = ParsePhase(String(Field(status_, {"phase"}))).value_or(Phase::kPending);
}

int64_t ReleaseStatus::attempt() const { return std::max<int64_t>(1, Int(Field(status_, {"attempt"}), 1)); }

std::string ReleaseStatus::Stamp() const { return rec::FormatRfc3339(now_); }

const json& ReleaseStatus::Get(const std::string& key) const {
  static const json kNull;
  auto it = status_.find(key);
  return it == status_.end() ? kNull : *it;
}

void ReleaseStatus::SetPhase(Phase p, const std::string& reason, const std::string& message) {
  const bool stored_phase_missing = !status_.contains("phase");
  if (!transitions_.empty() && transitions_.back().to == phase_ && transitions_.back().from == p) {
    // A -> B -> A within one reconcile (Waiting -> Preflight -> Waiting while a window is closed):
    // nothing happened, no Event.
    transitions_.pop_back();
  } else if (p != phase_ || stored_phase_missing) {
    transitions_.push_back(Transition{phase_, p, reason, message});
  } else if (!transitions_.empty() && transitions_.back().to == p) {
    transitions_.back().reason = reason;  // the same phase again: the latest words win
    transitions_.back().message = message;
  }
  phase_ = p;
  status_["phase"] = std::string(ToString(p));
  status_["observedGeneration"] = generation_;
  json& conds = status_["conditions"];
  if (!conds.is_array()) conds = json::array();
  rec::Readiness r;
  switch (ReadinessOf(p)) {
    case ReadinessKind::kReady:
      r.state = rec::Readiness::kReady;
      break;
    case ReadinessKind::kReconciling:
      r.state = rec::Readiness::kReconciling;
      break;
    case ReadinessKind::kStalled:
      r.state = rec::Readiness::kStalled;
      break;
  }
  r.reason = reason;
  r.message = message;
  rec::SetReadiness(conds, r, generation_, now_);
}

void ReleaseStatus::SetCondition(std::string_view type, bool ok, const std::string& reason,
                                 const std::string& message) {
  json& conds = status_["conditions"];
  if (!conds.is_array()) conds = json::array();
  rec::SetCondition(conds, {std::string(type), std::string(ok ? rec::kTrue : rec::kFalse), reason, message},
                    generation_, now_);
}

void ReleaseStatus::SetConditionUnknown(std::string_view type, const std::string& reason, const std::string& message) {
  json& conds = status_["conditions"];
  if (!conds.is_array()) conds = json::array();
  rec::SetCondition(conds, {std::string(type), std::string(rec::kUnknown), reason, message}, generation_, now_);
}

namespace {

json* FindStep(json& steps, const std::string& name) {
  if (!steps.is_array()) return nullptr;
  for (json& s : steps) {
    if (String(Field(s, {"name"})) == name) return &s;
  }
  return nullptr;
}

}  // namespace

void ReleaseStatus::StartStep(const std::string& name, const std::string& message) {
  json& steps = status_["steps"];
  if (!steps.is_array()) steps = json::array();
  json* s = FindStep(steps, name);
  if (s != nullptr && String(Field(*s, {"state"})) == kStepRunning) {
    if (!message.empty()) (*s)["message"] = message;
    return;
  }
  json step = {{"name", name}, {"state", std::string(kStepRunning)}, {"startedAt", Stamp()}};
  if (!message.empty()) step["message"] = message;
  if (s != nullptr) {
    *s = std::move(step);
  } else {
    steps.push_back(std::move(step));
  }
}

std::optional<FinishedStep> ReleaseStatus::FinishStep(const std::string& name, std::string_view state,
                                                      const std::string& message) {
  json& steps = status_["steps"];
  if (!steps.is_array()) steps = json::array();
  json* s = FindStep(steps, name);
  if (s == nullptr) {
    steps.push_back({{"name", name}, {"startedAt", Stamp()}});
    s = &steps.back();
  }
  if (String(Field(*s, {"state"})) == state) {
    if (!message.empty()) (*s)["message"] = message;
    return std::nullopt;
  }
  (*s)["state"] = std::string(state);
  (*s)["finishedAt"] = Stamp();
  if (!message.empty()) (*s)["message"] = message;
  double seconds = 0;
  if (auto started = rec::ParseRfc3339(String(Field(*s, {"startedAt"})))) {
    seconds = std::chrono::duration<double>(now_ - *started).count();
    if (seconds < 0) seconds = 0;
  }
  FinishedStep done{name, seconds};
  finished_.push_back(done);
  return done;
}

const json* ReleaseStatus::Step(const std::string& name) const {
  const json& steps = Field(status_, {"steps"});
  if (!steps.is_array()) return nullptr;
  for (const json& s : steps) {
    if (String(Field(s, {"name"})) == name) return &s;
  }
  return nullptr;
}

std::string ReleaseStatus::StepState(const std::string& name) const {
  const json* s = Step(name);
  return s == nullptr ? "" : String(Field(*s, {"state"}));
}

void ReleaseStatus::Reset(json fresh) {
  status_ = fresh.is_object() ? std::move(fresh) : json::object();
  phase_ = ParsePhase(String(Field(status_, {"phase"}))).value_or(phase_);
}

bool ReleaseStatus::Changed() const { return rec::StatusChanged(stored_, status_); }

json ReleaseRefJson(const env::ReleaseRef& ref) {
  return {{"name", ref.name}, {"version", ref.version}, {"image", ref.image}, {"configSnapshot", ref.config_snapshot}};
}

env::ReleaseRef ReleaseRefFrom(const json& ref) {
  return env::ReleaseRef{String(Field(ref, {"name"})), String(Field(ref, {"version"})), String(Field(ref, {"image"})),
                         String(Field(ref, {"configSnapshot"}))};
}

}  // namespace jd::release

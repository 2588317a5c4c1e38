// Terminal phases (step.h): quarantine and restart, and the environment's bookkeeping.
//
// StepTerminal: a terminal release stays as it is (no write at all) unless phase.h ShouldRestart
// says otherwise: Failed, RolledBack, Blocked and Superseded restart when the spec changed
// (metadata.generation != status.observedGeneration) or the annotation justdriving.io/retry
// carries a value other than status.retryConsumed. A restart records that value in
// status.retryConsumed (so one annotation restarts once, and a release that fails again stays
// quarantined), increments status.attempt (the Jobs of the new attempt get new names: each attempt
// migrates at most once) and starts over at Pending. What survives a restart: the config snapshot
// (immutable, made once), and the migration record when the migration succeeded and was not
// rolled back (the new attempt does not migrate again).
// Otherwise StepTerminal repairs the environment: FinishEnvPatch, a no-op when everything is
// already written.
//
// FinishEnvPatch: the history entry {release, version, generation, outcome, startedAt, finishedAt,
// reason} upserted (keyed by release, generation and startedAt; newest finishedAt first; at most
// spec.historyLimit, default 20), and, while env status.activeRelease still names the release:
// activeRelease "" (the slot is free), and for Succeeded lastGoodRelease (and currentRelease) = the
// release with its config snapshot. `reason` is status.failureReason (empty when Succeeded), plus
// "deploy window overridden" when spec.overrideDeployWindow was used.
#include <algorithm>

#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Bool;
using env::Field;
using env::Int;
using env::String;
using nlohmann::json;

namespace {

constexpr int64_t kDefaultHistoryLimit = 20;

}  // namespace

StepOutcome StepTerminal(const StepInput& in, ReleaseStatus& st) {
  const json& annotation = Field(in.release, {"metadata", "annotations", std::string(kRetryAnnotation).c_str()});
  const bool has_annotation = annotation.is_string();
  const bool consumed = has_annotation && st.value().contains("retryConsumed") && st.Get("retryConsumed") == annotation;
  const int64_t observed = Int(st.Get("observedGeneration"), in.generation);
  const RestartDecision d = ShouldRestart(st.phase(), observed, in.generation, has_annotation && !consumed);
  if (!d.restart) {
    StepOutcome out = StepOutcome::Stop();
    out.env_patch = FinishEnvPatch(in, st);
    return out;
  }
  const int64_t attempt = st.attempt() + 1;
  json fresh = {{"attempt", attempt}};
  if (has_annotation && !consumed) {
    fresh["retryConsumed"] = annotation;
  } else if (st.value().contains("retryConsumed")) {
    fresh["retryConsumed"] = st.Get("retryConsumed");
  }
  if (!String(st.Get("configSnapshot")).empty()) fresh["configSnapshot"] = st.Get("configSnapshot");
  if (st.StepState("migrate") == kStepSucceeded && st.StepState("revert/database") != kStepSucceeded &&
      st.Get("migration").is_object()) {
    fresh["migration"] = st.Get("migration");
  }
  const std::string why = d.reason == "SpecChanged"
                              ? "the spec changed (generation " + std::to_string(in.generation) + ")"
                              : "annotation " + std::string(kRetryAnnotation) + "=" + annotation.get<std::string>();
  st.Reset(std::move(fresh));
  st.SetPhase(Phase::kPending, "Restarted",
              "restarted after " + std::string(ToString(st.phase())) + ": " + why + "; attempt " +
                  std::to_string(attempt));
  return StepOutcome::Continue();
}

std::optional<json> FinishEnvPatch(const StepInput& in, const ReleaseStatus& st) {
  if (in.environment == nullptr || !IsTerminal(st.phase())) return std::nullopt;
  const json& env_status = Field(*in.environment, {"status"});
  const std::string finished = String(st.Get("finishedAt"), st.Stamp());
  std::string reason = st.phase() == Phase::kSucceeded ? "" : String(st.Get("failureReason"), std::string(ToString(st.phase())));
  if (Bool(st.Get("deployWindowOverridden"), false)) {
    reason += (reason.empty() ? "" : "; ") + std::string("deploy window overridden");
  }
  json entry = {{"release", in.name},
                {"version", in.version},
                {"generation", Int(st.Get("observedGeneration"), in.generation)},
                {"outcome", std::string(ToString(st.phase()))},
                {"startedAt", String(st.Get("startedAt"), finished)},
                {"finishedAt", finished},
                {"reason", reason}};
  const json& stored = Field(env_status, {"history"});
  json history = json::array();
  if (stored.is_array()) {
    for (const json& h : stored) {
      const bool same = String(Field(h, {"release"})) == in.name && Field(h, {"generation"}) == entry["generation"] &&
                        Field(h, {"startedAt"}) == entry["startedAt"];
      if (!same) history.push_back(h);
    }
  }
  history.push_back(entry);
  std::stable_sort(history.begin(), history.end(), [](const json& a, const json& b) {
    return String(Field(a, {"finishedAt"})) > String(Field(b, {"finishedAt"}));
  });
  const int64_t limit = std::clamp<int64_t>(Int(Field(in.spec, {"historyLimit"}), kDefaultHistoryLimit), 1, 100);
  if (static_cast<int64_t>(history.size()) > limit) history.erase(history.begin() + limit, history.end());

  json patch = json::object();
  if (!stored.is_array() || history != stored) patch["history"] = history;
  if (String(Field(env_status, {"activeRelease"})) == in.name) {
    patch["activeRelease"] = "";
    if (st.phase() == Phase::kSucceeded) {
      const json self = ReleaseRefJson(in.Self(st));
      patch["lastGoodRelease"] = self;
      if (Field(env_status, {"currentRelease"}) != self) patch["currentRelease"] = self;
    }
  }
  if (patch.empty()) return std::nullopt;
  return patch;
}

WebhookEvent Announcement(const StepInput& in, const ReleaseStatus& st, std::vector<std::string> failed_checks) {
  if (failed_checks.empty() && st.phase() != Phase::kSucceeded) {
    for (const HealthState& h : HealthFromJson(st.Get("health"))) {
      if (h.failures > 0) failed_checks.push_back(h.name);
    }
  }
  WebhookEvent e;
  e.ns = in.ns;
  e.environment = in.env_name;
  e.release = in.name;
  e.version = in.version;
  e.outcome = std::string(ToString(st.phase()));
  e.reason = String(st.Get("failureReason"));
  e.failed_checks = std::move(failed_checks);
  e.at = in.now;
  return e;
}

}  // namespace jd::release

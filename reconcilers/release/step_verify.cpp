// Verifying (step.h): the environment's HTTP health checks against the new release, one round per
// reconcile (every check once; the reconciler probes, this step judges), then a requeue after
// healthChecks.intervalSeconds — never a sleep. Verdicts are health.h's Decide: failureThreshold
// consecutive failures of any check fail the release (and revert it), successThreshold consecutive
// passes of every check make it Succeeded.
//
// The URL: https://<first domain host><path> when the environment is open to users and has
// domains (connect_address = options.app_https_address, CA bundle spec.tlsCABundle), else
// http://<env>-web.<ns>.svc.cluster.local<path> (connect_address = options.app_http_address).
//
// Background work must stay up too: when verification starts the restart counts of every worker
// and scheduler container are recorded (status.verification.restartBaseline); a count that grows,
// or a worker/scheduler Deployment with fewer available replicas than it asks for, fails the
// release at once (ComponentUnstable). The time from the start of verification to a failure
// verdict is observed as justdriving_release_time_to_detect_failure_seconds.
#include "reconcilers/common/timestamp.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/release/step.h"

namespace jd::release {

using env::Field;
using env::Int;
using env::String;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// Pods of the workers and the scheduler, with the Deployment they belong to.
struct Background {
  std::string deployment;
  json selector;
};

std::vector<Background> BackgroundComponents(const StepInput& in) {
  std::vector<Background> out;
  for (const env::WantedComponent& c : env::WantedComponents(in.env_name, in.spec)) {
    if (c.component == env::Component::kWorker || c.component == env::Component::kScheduler) {
      out.push_back({c.name, env::SelectorLabels(in.env_name, c.component, c.worker)});
    }
  }
  return out;
}

json RestartCounts(const StepInput& in) {
  json counts = json::object();
  for (const Background& b : BackgroundComponents(in)) {
    for (const json& pod : in.Pods(b.selector)) {
      const json& statuses = Field(pod, {"status", "containerStatuses"});
      if (!statuses.is_array()) continue;
      for (const json& cs : statuses) {
        counts[String(Field(pod, {"metadata", "name"})) + "/" + String(Field(cs, {"name"}))] =
            Int(Field(cs, {"restartCount"}), 0);
      }
    }
  }
  return counts;
}

// "" when the workers and the scheduler are as stable as when verification started.
std::string Instability(const StepInput& in, const json& baseline) {
  std::vector<std::string> problems;
  const json counts = RestartCounts(in);
  for (const auto& [key, count] : counts.items()) {
    const int64_t before = Int(Field(baseline, {key.c_str()}), 0);
    if (count.get<int64_t>() > before) {
      problems.push_back("container " + key + " restarted (restartCount " + std::to_string(before) + " -> " +
                         std::to_string(count.get<int64_t>()) + ")");
    }
  }
  for (const Background& b : BackgroundComponents(in)) {
    kube::ObjectPtr d = in.Deployment(b.deployment);
    if (!d) {
      problems.push_back("Deployment " + b.deployment + " is missing");
      continue;
    }
    const int64_t want = Int(Field(*d, {"spec", "replicas"}), 1);
    const int64_t available = Int(Field(*d, {"status", "availableReplicas"}), 0);
    if (available < want) {
      problems.push_back("Deployment " + b.deployment + " has " + std::to_string(available) + " of " +
                         std::to_string(want) + " replicas available");
    }
  }
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string CABundle(const StepInput& in) {
  const std::string cm = String(Field(in.spec, {"tlsCABundle", "configMapName"}));
  if (cm.empty()) return "";
  kube::ObjectPtr obj = in.ConfigMap(cm);
  if (!obj) return "";
  return String(Field(*obj, {"data", String(Field(in.spec, {"tlsCABundle", "key"}), "ca.crt").c_str()}));
}

milliseconds SinceRound(const StepInput& in, const std::string& last) {
  auto t = rec::ParseRfc3339(last);
  if (!t) return milliseconds::max();
  return std::chrono::duration_cast<milliseconds>(in.now - *t);
}

milliseconds Interval(const StepInput& in) {
  auto hc = ParseHealthChecks(in.spec);
  return std::chrono::seconds(hc.ok() ? hc.value().interval_seconds : 10);
}

}  // namespace

std::vector<ProbeRequest> PlanProbes(const StepInput& in) {
  std::vector<ProbeRequest> out;
  auto hc = ParseHealthChecks(in.spec);
  if (!hc.ok()) return out;
  const json& domains = Field(in.spec, {"domains"});
  const std::string host = domains.is_array() && !domains.empty() ? String(Field(domains[0], {"host"})) : "";
  std::string base, connect, ca;
  if (in.OpenToUsers() && !host.empty()) {
    base = "https://" + host;
    connect = in.options.app_https_address;
    ca = CABundle(in);
  } else {
    base = "http://" + in.env_name + "-web." + in.ns + ".svc.cluster.local";
    connect = in.options.app_http_address;
  }
  for (const CheckSpec& check : hc.value().checks) {
    out.push_back(MakeProbeRequest(hc.value(), check, base, connect, ca));
  }
  return out;
}

bool RoundDue(const StepInput& in, const std::string& last_round_at) {
  return SinceRound(in, last_round_at) >= Interval(in);
}

bool NeedsProbeRound(const StepInput& in, const ReleaseStatus& st) {
  if (st.phase() == Phase::kVerifying) {
    return RoundDue(in, String(Field(st.value(), {"verification", "lastRoundAt"})));
  }
  if (st.phase() == Phase::kRollingBack && st.StepState("revert/verify") == kStepRunning) {
    return RoundDue(in, String(Field(st.value(), {"rollback", "lastRoundAt"})));
  }
  return false;
}

// One round of `checks` judged against `answers` (a missing answer is no answer), over `previous`.
std::vector<HealthState> JudgeRound(const HealthChecks& hc, const json& previous,
                                    const std::vector<ProbeResult>& answers) {
  std::vector<HealthState> states = StartStates(hc.checks, HealthFromJson(previous));
  for (std::size_t i = 0; i < hc.checks.size(); ++i) {
    ProbeResult none;
    none.error = "not probed";
    Update(states[i], Judge(hc.checks[i], i < answers.size() ? answers[i] : none));
  }
  return states;
}

StepOutcome StepVerify(const StepInput& in, ReleaseStatus& st, const std::optional<std::vector<ProbeResult>>& answers) {
  auto hc = ParseHealthChecks(in.spec);
  if (!hc.ok()) {
    st.SetCondition(kHealthy, false, "HealthChecksInvalid", hc.error().message);
    st.FinishStep("verify", kStepFailed, hc.error().message);
    return Fail(in, st, "HealthChecksInvalid", "environment " + in.env_name + ": " + hc.error().message, true);
  }
  json verification = st.Get("verification");
  if (!verification.is_object() || String(Field(verification, {"startedAt"})).empty()) {
    verification = {{"startedAt", st.Stamp()}, {"restartBaseline", RestartCounts(in)}};
    st["health"] = HealthToJson(StartStates(hc.value().checks, {}));
    st.SetConditionUnknown(kHealthy, "Verifying", "health checks running");
    st.StartStep("verify");
  }
  const auto detect_seconds = [&]() -> std::optional<double> {
    auto started = rec::ParseRfc3339(String(Field(verification, {"startedAt"})));
    if (!started) return std::nullopt;
    return std::chrono::duration<double>(in.now - *started).count();
  };
  if (std::string unstable = Instability(in, Field(verification, {"restartBaseline"})); !unstable.empty()) {
    st["verification"] = verification;
    const std::string message = "background work is not stable: " + unstable;
    st.SetCondition(kHealthy, false, "ComponentUnstable", message);
    st.FinishStep("verify", kStepFailed, message);
    StepOutcome out = Fail(in, st, "ComponentUnstable", message, true);
    out.time_to_detect_seconds = detect_seconds();
    return out;
  }
  if (!answers) {
    st["verification"] = verification;
    const milliseconds since = SinceRound(in, String(Field(verification, {"lastRoundAt"})));
    const milliseconds interval = std::chrono::seconds(hc.value().interval_seconds);
    return StepOutcome::RequeueAfter(std::max(milliseconds(1000), interval - std::min(since, interval)));
  }
  const std::vector<HealthState> states = JudgeRound(hc.value(), st.Get("health"), *answers);
  st["health"] = HealthToJson(states);
  verification["lastRoundAt"] = st.Stamp();
  st["verification"] = verification;
  const Verdict verdict = Decide(states, hc.value().failure_threshold, hc.value().success_threshold);
  switch (verdict.kind) {
    case Verdict::kHealthy: {
      const std::string message = verdict.message.empty() ? "every health check passed" : verdict.message;
      st.SetCondition(kHealthy, true, "HealthChecksPassed", message);
      st.FinishStep("verify", kStepSucceeded, message);
      st["finishedAt"] = st.Stamp();
      st.Erase("failureReason");
      st.SetPhase(Phase::kSucceeded, "Succeeded",
                  "version " + in.version + " runs in environment " + in.env_name + " and passed its health checks");
      return StepOutcome::Stop();
    }
    case Verdict::kFailed: {
      st.SetCondition(kHealthy, false, "HealthCheckFailed", verdict.message);
      st.FinishStep("verify", kStepFailed, verdict.message);
      // The failed checks stay in status.health; Announcement names them from there.
      StepOutcome out = Fail(in, st, "HealthCheckFailed", "health checks failed: " + verdict.message, true);
      out.time_to_detect_seconds = detect_seconds();
      return out;
    }
    case Verdict::kContinue:
      st.SetConditionUnknown(kHealthy, "Verifying", verdict.message.empty() ? "health checks running" : verdict.message);
      return StepOutcome::RequeueAfter(std::chrono::seconds(hc.value().interval_seconds));
  }
  return StepOutcome::Stop();
}

}  // namespace jd::release

#include "job_controller.h"

#include <algorithm>
#include <cmath>

#include "sim_client.h"
#include "sim_time.h"

namespace kubesim {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr const char* kAgent = "kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/kubesim/job-controller";
constexpr const char* kComponent = "job-controller";

bool HasTrueCondition(const json& obj, const std::string& type) {
  for (const auto& c : obj.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  return false;
}

const json* FindCondition(const json& obj, const std::string& type) {
  if (!obj.contains("/status/conditions"_json_pointer)) return nullptr;
  for (const auto& c : obj.at("/status/conditions"_json_pointer))
    if (c.value("type", "") == type && c.value("status", "") == "True") return &c;
  return nullptr;
}

// Adds a True condition to `status` unless it is there already; returns whether it was added.
bool AddCondition(json& status, const std::string& type, const std::string& reason, const std::string& message, TimePoint now) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) status["conditions"] = json::array();
  for (const auto& c : status["conditions"])
    if (c.value("type", "") == type && c.value("status", "") == "True") return false;
  std::string t = SimTimestamp(now);
  status["conditions"].push_back({{"type", type},
                                  {"status", "True"},
                                  {"lastProbeTime", t},
                                  {"lastTransitionTime", t},
                                  {"reason", reason},
                                  {"message", message}});
  return true;
}

bool PodReady(const json& pod) {
  for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

std::optional<TimePoint> PodFinishedAt(const json& pod) {
  std::optional<TimePoint> out;
  for (const auto& cs : pod.value("/status/containerStatuses"_json_pointer, json::array())) {
    auto t = ParseSimTimestamp(cs.value("/state/terminated/finishedAt"_json_pointer, ""));
    if (t && (!out || *t > *out)) out = t;
  }
  return out;
}

std::string SelectorString(const json& job) {
  std::string out;
  const json labels = job.value("/spec/selector/matchLabels"_json_pointer, json::object());
  for (const auto& [k, v] : labels.items())
    out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

bool ControlledBy(const json& pod, const std::string& uid) {
  for (const auto& ref : pod.value("/metadata/ownerReferences"_json_pointer, json::array()))
    if (ref.value("controller", false) && ref.value("uid", "") == uid) return true;
  return false;
}

json PodFromTemplate(const json& job) {
  const json& md = job["metadata"];
  json tmpl = job.value("/spec/template"_json_pointer, json::object());
  json meta = tmpl.value("metadata", json::object());
  meta.erase("name");
  meta.erase("namespace");
  meta["generateName"] = md.value("name", "") + "-";
  meta["ownerReferences"] = json::array({{{"apiVersion", "batch/v1"},
                                          {"kind", "Job"},
                                          {"name", md.value("name", "")},
                                          {"uid", md.value("uid", "")},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}});
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", tmpl.value("spec", json::object())}};
}

}  // namespace

// ---- Pure decisions ---------------------------------------------------------------------------

JobPods CountJobPods(const std::vector<json>& pods) {
  JobPods n;
  for (const auto& p : pods) {
    std::string phase = p.value("/status/phase"_json_pointer, "Pending");
    if (phase == "Succeeded") {
      ++n.succeeded;
    } else if (phase == "Failed") {
      ++n.failed;
      auto at = PodFinishedAt(p);
      if (at && (!n.last_failure || *at > *n.last_failure)) n.last_failure = at;
    } else if (p.contains("/metadata/deletionTimestamp"_json_pointer)) {
      ++n.terminating;
    } else {
      ++n.active;
      if (PodReady(p)) ++n.ready;
      for (const auto& cs : p.value("/status/containerStatuses"_json_pointer, json::array())) n.restarts += cs.value("restartCount", 0);
    }
  }
  return n;
}

milliseconds JobRecreateBackoff(int failures, double time_scale) {
  if (failures <= 0) return milliseconds(0);
  double secs = 10;
  for (int i = 1; i < failures && secs < 360; ++i) secs *= 2;
  return milliseconds(std::llround(std::min(secs, 360.0) * 1000.0 * time_scale));
}

JobDecision DecideJob(const json& job, const JobPods& pods, TimePoint now, double time_scale) {
  const json spec = job.value("spec", json::object());
  JobDecision d;
  d.succeeded = std::max(job.value("/status/succeeded"_json_pointer, 0), pods.succeeded);
  d.failed = std::max(job.value("/status/failed"_json_pointer, 0), pods.failed);

  // Already headed to an end: keep going there (the interim condition is the decision record).
  for (const auto& [interim, outcome] : {std::pair{"FailureTarget", "Failed"}, std::pair{"SuccessCriteriaMet", "Complete"}}) {
    if (const json* c = FindCondition(job, interim)) {
      d.outcome = outcome;
      d.reason = c->value("reason", "");
      d.message = c->value("message", "");
      d.delete_active = true;
      return d;
    }
  }

  // Failure is decided before success, as the real controller does.
  const int backoff_limit = spec.value("backoffLimit", 6);
  const bool on_failure = job.value("/spec/template/spec/restartPolicy"_json_pointer, "") == "OnFailure";
  const int retries = d.failed + (on_failure ? pods.restarts : 0);
  if (retries > backoff_limit) {
    d.outcome = "Failed";
    d.reason = "BackoffLimitExceeded";
    d.message = "Job has reached the specified backoff limit";
    d.delete_active = true;
    return d;
  }
  auto start = ParseSimTimestamp(job.value("/status/startTime"_json_pointer, ""));
  if (spec.contains("activeDeadlineSeconds") && spec["activeDeadlineSeconds"].is_number() && start) {
    auto deadline = *start + milliseconds(std::llround(spec["activeDeadlineSeconds"].get<double>() * 1000.0 * time_scale));
    if (now >= deadline) {
      d.outcome = "Failed";
      d.reason = "DeadlineExceeded";
      d.message = "Job was active longer than specified deadline";
      d.delete_active = true;
      return d;
    }
  }

  const int parallelism = spec.value("parallelism", 1);
  std::optional<int> completions;
  if (spec.contains("completions") && spec["completions"].is_number_integer()) completions = spec["completions"].get<int>();
  bool complete = completions ? d.succeeded >= *completions : (d.succeeded > 0 && pods.active == 0);
  if (complete) {
    d.outcome = "Complete";
    d.reason = "CompletionsReached";
    d.message = "Reached expected number of succeeded pods";
    d.delete_active = true;
    return d;
  }

  if (spec.value("suspend", false)) return d;
  // Without completions (a work queue), once one pod succeeded no new ones start.
  int want = completions ? std::min(parallelism, *completions - d.succeeded) : (d.succeeded > 0 ? 0 : parallelism);
  int need = want - pods.active;
  if (need <= 0) return d;
  if (d.failed > 0 && pods.last_failure && now < *pods.last_failure + JobRecreateBackoff(d.failed, time_scale)) return d;
  d.create = need;
  return d;
}

// ---- The controller ---------------------------------------------------------------------------

void JobController::Sync(const SimContext& ctx) {
  SimClient client(ctx.api, ctx.token, kAgent);
  auto jobs = client.List(kJobs, "");
  if (!jobs.ok()) return;
  for (auto& job : jobs.value()) {
    try {
      SyncJob(ctx, std::move(job));
    } catch (const std::exception&) {
      // A malformed job is skipped; the others still move.
    }
  }
}

void JobController::SyncJob(const SimContext& ctx, json job) {
  job["apiVersion"] = "batch/v1";
  job["kind"] = "Job";
  if (HasTrueCondition(job, "Complete") || HasTrueCondition(job, "Failed")) return;
  if (job["metadata"].contains("deletionTimestamp")) return;
  const std::string ns = job["metadata"].value("namespace", "");
  const std::string name = job["metadata"].value("name", "");
  const std::string uid = job["metadata"].value("uid", "");
  const double scale = ctx.scenarios.TimeScale();
  SimClient client(ctx.api, ctx.token, kAgent);

  auto list_pods = [&]() -> std::optional<std::vector<json>> {
    auto pods = client.List(kPods, ns, SelectorString(job));
    if (!pods.ok()) return std::nullopt;
    std::vector<json> owned;
    for (auto& p : pods.value())
      if (ControlledBy(p, uid)) owned.push_back(std::move(p));
    return owned;
  };
  auto pods = list_pods();
  if (!pods) return;

  const json old_status = job.value("status", json::object());
  json status = old_status;
  if (!status.contains("startTime") && !job.value("/spec/suspend"_json_pointer, false)) {
    status["startTime"] = SimTimestamp(ctx.now);
    job["status"] = status;
  }

  JobDecision d = DecideJob(job, CountJobPods(*pods), ctx.now, scale);
  int killed = 0;
  bool changed_pods = false;
  if (d.delete_active) {
    for (const auto& p : *pods) {
      std::string phase = p.value("/status/phase"_json_pointer, "Pending");
      if (phase == "Succeeded" || phase == "Failed" || p["metadata"].contains("deletionTimestamp")) continue;
      std::string pod_name = p["metadata"].value("name", "");
      if (client.Delete(kPods, ns, pod_name).ok()) {
        ++killed;
        changed_pods = true;
        client.RecordEvent(job, "Normal", "SuccessfulDelete", "Deleted pod: " + pod_name, kComponent, ctx.now);
      }
    }
  }
  for (int i = 0; i < d.create; ++i) {
    auto created = client.Create(kPods, ns, PodFromTemplate(job));
    if (!created.ok()) {
      client.RecordEvent(job, "Warning", "FailedCreate", "Error creating: " + created.error().message, kComponent, ctx.now);
      break;
    }
    changed_pods = true;
    client.RecordEvent(job, "Normal", "SuccessfulCreate", "Created pod: " + created.value()["metadata"].value("name", ""),
                       kComponent, ctx.now);
  }
  if (changed_pods) {
    pods = list_pods();
    if (!pods) return;
  }
  const JobPods now_pods = CountJobPods(*pods);

  // Pods the controller stops count as failed, as the real controller counts them once they end
  // (a failing job's pods are killed, not completed).
  const bool failing = d.outcome == "Failed";
  int failed = d.failed + (failing ? killed : 0);
  if (!d.outcome.empty()) {
    const bool failure = d.outcome == "Failed";
    // 1.31+: the interim condition first; the final one once no pod runs or terminates
    // (job#termination-of-job-pods).
    if (AddCondition(status, failure ? "FailureTarget" : "SuccessCriteriaMet", d.reason, d.message, ctx.now) && failure)
      client.RecordEvent(job, "Warning", d.reason, d.message, kComponent, ctx.now);
    if (now_pods.active == 0 && now_pods.terminating == 0) {
      if (AddCondition(status, d.outcome, d.reason, d.message, ctx.now)) {
        if (!failure) {
          status["completionTime"] = SimTimestamp(ctx.now);
          client.RecordEvent(job, "Normal", "Completed", "Job completed", kComponent, ctx.now);
        }
      }
    }
  }
  auto set_count = [&](const char* field, int v) {  // active/succeeded/failed are omitempty
    if (v > 0) status[field] = v;
    else status.erase(field);
  };
  set_count("active", now_pods.active);
  set_count("succeeded", std::max(d.succeeded, now_pods.succeeded));
  set_count("failed", std::max(failed, now_pods.failed));
  status["ready"] = now_pods.ready;
  status["terminating"] = now_pods.terminating;
  if (status == old_status) return;
  job["status"] = status;
  (void)client.UpdateStatus(kJobs, job);  // a conflict: the next round recomputes
}

}  // namespace kubesim

// job_controller.h — kube-sim's Job controller (batch/v1, NonIndexed completion mode), with the
// conditions Kubernetes 1.31+ reports, so `kubectl wait --for=condition=complete` and
// `--for=condition=failed` behave as against a real cluster.
//
// Each Sync, for every Job that has not finished:
//   - startTime on the first round (unless suspended);
//   - failure first (https://kubernetes.io/docs/concepts/workloads/controllers/job/):
//     more failed pods than backoffLimit (with restartPolicy OnFailure, container restarts of
//     running pods count too) -> BackoffLimitExceeded; running longer than activeDeadlineSeconds
//     (scaled) -> DeadlineExceeded. The Job gets FailureTarget, its active pods are deleted, and
//     Failed (same reason) follows once no pod is running or terminating;
//   - success: `completions` pods succeeded (without completions: one succeeded and none is
//     running) -> SuccessCriteriaMet, then Complete with completionTime once no pod remains;
//   - otherwise up to `parallelism` pods run (never more than the completions still missing),
//     created from the template as <job>-<random> with a controller ownerReference; after a
//     failure the next pod waits the back-off (10 s doubling, at most 6 minutes; scaled);
//   - status active / ready / succeeded / failed / terminating, written only when it changed;
//     Events SuccessfulCreate, SuccessfulDelete, Completed, BackoffLimitExceeded,
//     DeadlineExceeded from "job-controller".
//
// Usage:
//   sim.Add(std::make_unique<JobController>());
//
// Not modelled: Indexed completion mode, podFailurePolicy, successPolicy, backoffLimitPerIndex,
// suspend beyond "no new pods", the job-tracking finalizer and uncountedTerminatedPods (counts come
// from the pods that exist and never go down, so a failed pod deleted by hand before it was seen
// is not counted), orphan adoption, ttlSecondsAfterFinished.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.h"
#include "simulator.h"

namespace kubesim {

// ---- Pure decisions ---------------------------------------------------------------------------

// What a Job's pods say right now.
struct JobPods {
  int active = 0;       // neither terminal nor being deleted
  int ready = 0;        // active with condition Ready True
  int succeeded = 0;    // phase Succeeded
  int failed = 0;       // phase Failed
  int terminating = 0;  // being deleted and not terminal
  int restarts = 0;     // container restarts in active pods (OnFailure counts them as retries)
  std::optional<TimePoint> last_failure;  // when the newest failed pod's containers ended
};
JobPods CountJobPods(const std::vector<nlohmann::json>& pods);

// The delay before a replacement pod after `failures` failed pods: 10 s, 20 s, 40 s, ... at most
// 6 minutes (job#pod-backoff-failure-policy), times `time_scale`. 0 without failures.
std::chrono::milliseconds JobRecreateBackoff(int failures, double time_scale);

struct JobDecision {
  // "" while running; "Failed" or "Complete" once the job is headed there (FailureTarget /
  // SuccessCriteriaMet), with the condition's reason and message.
  std::string outcome;
  std::string reason, message;
  bool delete_active = false;  // stop the pods still running
  int create = 0;              // pods to create now
  int succeeded = 0;           // the counts to report (never below what status already says)
  int failed = 0;
};

// The next step for `job` (its spec and status, startTime set) given its pods, at `now`.
JobDecision DecideJob(const nlohmann::json& job, const JobPods& pods, TimePoint now, double time_scale);

// ---- The controller ---------------------------------------------------------------------------

class JobController : public SimController {
 public:
  std::string Name() const override { return "job-controller"; }
  void Sync(const SimContext& ctx) override;

 private:
  void SyncJob(const SimContext& ctx, nlohmann::json job);
};

}  // namespace kubesim

// Workload state: what a Job or a Deployment the release made says about itself. Pure.
//
// ReadJob: a Job is
//   Missing    when absent (not created yet, or not in the cache yet),
//   Succeeded  when its Complete condition is True (or status.succeeded >= 1),
//   Failed     when its Failed condition is True; the message is the condition's message
//              ("Job was active longer than specified deadline" on a timeout) followed by the
//              terminated message of its pod's containers when present (kube-sim fills it from the
//              scenario `log`; a real container from terminationMessagePath), e.g.
//              "BackoffLimitExceeded: Job has reached the specified backoff limit; pod
//              production-2-14-0-migrate-bbbbb: SQLSTATE[42S21]: Column already exists",
//   Running    otherwise.
// ReadRollout: a Deployment's rollout of the desired object (the hash of what we apply) is
//   NotApplied   the Deployment is missing or carries another applied-hash annotation,
//   Failed       condition Progressing False with reason ProgressDeadlineExceeded,
//   Complete     status.observedGeneration >= metadata.generation and updatedReplicas ==
//                availableReplicas == spec.replicas and unavailableReplicas 0 (absent = 0),
//   Progressing  otherwise, with a message like "2 of 3 updated, 1 available".
//
// Usage:
//   JobState job = ReadJob(cached_job.get(), pods_of_job);
//   if (job.kind == JobState::kFailed) status["failureReason"] = "MigrationFailed";
//   RolloutState r = ReadRollout(cached_deployment.get(), env::ContentHash(desired));
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace jd::release {

struct JobState {
  enum Kind { kMissing, kRunning, kSucceeded, kFailed };
  Kind kind = kMissing;
  std::string message;
  friend bool operator==(const JobState&, const JobState&) = default;
};

// `job` may be null. `pods`: the Job's pods (any order); only their terminated messages are read.
JobState ReadJob(const nlohmann::json* job, const std::vector<nlohmann::json>& pods);

struct RolloutState {
  enum Kind { kNotApplied, kProgressing, kComplete, kFailed };
  Kind kind = kNotApplied;
  std::string message;
  friend bool operator==(const RolloutState&, const RolloutState&) = default;
};

RolloutState ReadRollout(const nlohmann::json* deployment, const std::string& desired_hash);

// Whether `labels` (an object of strings) has every key/value of `selector`.
bool LabelsMatch(const nlohmann::json& labels, const nlohmann::json& selector);

}  // namespace jd::release

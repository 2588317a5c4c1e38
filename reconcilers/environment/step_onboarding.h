// Step 3 of the environment reconcile: onboarding — smoke tests, then opening traffic.
//
// PlanSmokeTests (pure) decides, from the effective spec, the images at hand and the smoke test
// Jobs the cache holds:
//   - before ConfigValid, SecretsIsolated, PaymentModeValid and TLSValid are all True nothing
//     runs: SmokeTestsPassed Unknown "WaitingForChecks" and status.smokeTests kept as they were;
//   - no spec.smokeTests: True "NoSmokeTests";
//   - each test runs as a Job named SmokeTestJobName(env, test, image) (workloads.h), image =
//     the test's own image, else the current release image, else (a new school or region made
//     from a template) the template's current release image; with none of those: False
//     "NoReleaseYet";
//   - a Job missing from the cache is created (state Pending), except while a release is in
//     progress; a Job with condition Complete True is Passed, Failed True is Failed, else Running;
//   - SmokeTestsPassed: False "SmokeTestFailed" naming every failed test and its Job (with the
//     `kubectl logs` command), Unknown "SmokeTestsRunning" while any runs, True when all passed;
//   - owned smoke test Jobs of older names (the test or image changed) are removed.
// DecideOpenToUsers (pure): OpenToUsers True only once every check and smoke test passed AND
// spec.openToUsers is true; once True it stays True by itself (Ready goes False instead) unless
// spec.openToUsers is set to false.
//
// Usage:
//   SmokePlan plan = PlanSmokeTests(SmokeInput{...});
//   for (const TaskJob& job : plan.create) Apply(RenderTaskJob(render_input, job));
//   rec::Condition open = DecideOpenToUsers(was_open, wants_open, checks_ok, plan.result.ok);
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/store.h"
#include "reconcilers/common/conditions.h"
#include "reconcilers/environment/workloads.h"

namespace jd::env {

struct SmokeInput {
  std::string env_name;
  std::string ns;
  const nlohmann::json& spec;           // effective spec
  std::string release_image;            // status.currentRelease.image ("" = none)
  std::string template_image;           // TemplateReleaseImage ("" = none)
  bool checks_ok = false;               // the four validation conditions are True
  bool release_in_progress = false;     // status.activeRelease set: create no Job
  const nlohmann::json& previous;       // status.smokeTests as it was (kept while waiting)
  // The smoke test Job of that name from the cache, or nullptr.
  std::function<const nlohmann::json*(const std::string& job_name)> job;
  std::vector<std::string> owned_jobs;  // names of the environment's smoke-test Jobs in the cache
};

struct SmokePlan {
  rec::Condition condition;        // SmokeTestsPassed
  bool passed = false;             // condition True
  bool running = false;            // some Job is pending or running (poll)
  nlohmann::json statuses = nlohmann::json::array();  // status.smokeTests
  std::vector<TaskJob> create;     // Jobs to create (owner and release set by the caller)
  std::vector<std::string> stale;  // owned smoke-test Jobs of older names, to delete
};

SmokePlan PlanSmokeTests(const SmokeInput& in);

// The OpenToUsers condition (see above). `blocking`: the condition types not yet True, named in
// the message while waiting.
rec::Condition DecideOpenToUsers(bool was_open, bool wants_open, bool all_passed, const std::string& blocking);

// "Complete", "Failed" or "" (still running) from a Job's status.conditions; `message` gets the
// failure's reason and message.
std::string JobOutcome(const nlohmann::json& job, std::string* message);

}  // namespace jd::env

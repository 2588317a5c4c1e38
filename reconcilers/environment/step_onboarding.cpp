#include "reconcilers/environment/step_onboarding.h"

#include <algorithm>
#include <set>

#include "reconcilers/environment/json_access.h"
#include "reconcilers/common/strings.h"

namespace jd::env {

namespace {

using nlohmann::json;

constexpr int64_t kDefaultSmokeTimeoutSeconds = 600;

json SmokeStatus(const std::string& name, const std::string& job, const std::string& state,
                 const std::string& message) {
  return {{"name", name}, {"jobName", job}, {"state", state}, {"message", message}};
}

std::vector<std::string> Command(const json& test) {
  std::vector<std::string> out;
  const json& cmd = Field(test, {"command"});
  if (cmd.is_array()) {
    for (const json& arg : cmd) out.push_back(String(arg));
  }
  return out;
}

struct Tally {
  std::vector<std::string> failed;  // "test (Job x: why)"
  std::vector<std::string> failed_jobs;
  int passed = 0;
  int pending = 0;
};

// One test: its Job's state, and the Job to create when it does not exist yet.
json ObserveTest(const SmokeInput& in, const json& test, const std::string& base_image, SmokePlan& plan,
                 Tally& tally) {
  const std::string name = String(Field(test, {"name"}));
  const std::string own_image = String(Field(test, {"image"}));
  const std::string job_name = SmokeTestJobName(in.env_name, test, base_image);
  const json* job = in.job(job_name);
  if (job == nullptr) {
    ++tally.pending;
    if (in.release_in_progress) {
      return SmokeStatus(name, job_name, "Pending", "waiting for the release in progress to finish");
    }
    plan.create.push_back(TaskJob{job_name, "smoke-test", Command(test), own_image.empty() ? base_image : own_image,
                                  Int(Field(test, {"timeoutSeconds"}), kDefaultSmokeTimeoutSeconds), nullptr, ""});
    return SmokeStatus(name, job_name, "Pending", "Job created");
  }
  std::string why;
  const std::string outcome = JobOutcome(*job, &why);
  if (outcome == "Complete") {
    ++tally.passed;
    return SmokeStatus(name, job_name, "Passed", "Job completed");
  }
  if (outcome == "Failed") {
    tally.failed.push_back(name + " (Job " + job_name + ": " + why + ")");
    tally.failed_jobs.push_back(job_name);
    return SmokeStatus(name, job_name, "Failed", why + ": see kubectl logs job/" + job_name + " -n " + in.ns);
  }
  ++tally.pending;
  return SmokeStatus(name, job_name, "Running", "Job running");
}


rec::Condition Summarize(const SmokeInput& in, const Tally& t, std::size_t total) {
  if (!t.failed.empty()) {
    std::string logs;
    for (const std::string& job : t.failed_jobs) logs += (logs.empty() ? "" : "; ") + ("kubectl logs job/" + job + " -n " + in.ns);
    return {"SmokeTestsPassed", std::string(rec::kFalse), "SmokeTestFailed",
            "smoke test " + rec::Join(t.failed, ", smoke test ") + " failed: see " + logs +
                "; the environment stays closed; the test runs again when spec.smokeTests or the release image "
                "changes"};
  }
  if (t.pending > 0) {
    return {"SmokeTestsPassed", std::string(rec::kUnknown), "SmokeTestsRunning",
            std::to_string(t.passed) + " of " + std::to_string(total) + " smoke tests passed, " +
                std::to_string(t.pending) + " pending or running"};
  }
  return {"SmokeTestsPassed", std::string(rec::kTrue), "SmokeTestsPassed",
          "all " + std::to_string(total) + " smoke tests passed"};
}

}  // namespace

std::string JobOutcome(const json& job, std::string* message) {
  const json& conds = Field(job, {"status", "conditions"});
  if (!conds.is_array()) return "";
  for (const json& c : conds) {
    if (String(Field(c, {"status"})) != "True") continue;
    const std::string type = String(Field(c, {"type"}));
    if (type == "Complete") return "Complete";
    if (type == "Failed") {
      if (message != nullptr) {
        const std::string reason = String(Field(c, {"reason"}), "Failed");
        const std::string text = String(Field(c, {"message"}));
        *message = text.empty() ? reason : reason + ": " + text;
      }
      return "Failed";
    }
  }
  return "";
}

SmokePlan PlanSmokeTests(const SmokeInput& in) {
  SmokePlan plan;
  if (!in.checks_ok) {
    plan.condition = {"SmokeTestsPassed", std::string(rec::kUnknown), "WaitingForChecks",
                      "smoke tests run once ConfigValid, SecretsIsolated, PaymentModeValid and TLSValid are True"};
    plan.statuses = in.previous.is_array() ? in.previous : json::array();
    return plan;
  }
  const json& tests = Field(in.spec, {"smokeTests"});
  std::set<std::string> current;
  if (!tests.is_array() || tests.empty()) {
    plan.condition = {"SmokeTestsPassed", std::string(rec::kTrue), "NoSmokeTests",
                      "spec.smokeTests is empty: nothing to run"};
    plan.passed = true;
  } else {
    const std::string base = !in.release_image.empty() ? in.release_image : in.template_image;
    bool all_have_image = true;
    for (const json& t : tests) all_have_image = all_have_image && !(base.empty() && String(Field(t, {"image"})).empty());
    if (!all_have_image) {
      plan.condition = {"SmokeTestsPassed", std::string(rec::kFalse), "NoReleaseYet",
                        "apply a JustDrivingRelease for this environment; smoke tests run against its image"};
      return plan;
    }
    Tally tally;
    for (const json& t : tests) {
      plan.statuses.push_back(ObserveTest(in, t, base, plan, tally));
      current.insert(plan.statuses.back()["jobName"].get<std::string>());
    }
    plan.condition = Summarize(in, tally, tests.size());
    plan.passed = plan.condition.status == rec::kTrue;
    plan.running = tally.pending > 0;
  }
  for (const std::string& job : in.owned_jobs) {
    if (current.count(job) == 0) plan.stale.push_back(job);
  }
  return plan;
}

rec::Condition DecideOpenToUsers(bool was_open, bool wants_open, bool all_passed, const std::string& blocking) {
  if (!wants_open) {
    if (was_open) {
      return {"OpenToUsers", std::string(rec::kFalse), "ClosedBySpec",
              "spec.openToUsers is false: traffic is closed and the Ingress removed; set it to true to reopen"};
    }
    return {"OpenToUsers", std::string(rec::kFalse), "NotRequested",
            "spec.openToUsers is false: set it to true to open traffic once onboarding passed"};
  }
  if (was_open) {
    return {"OpenToUsers", std::string(rec::kTrue), "Open",
            all_passed ? "open to users: every check and smoke test passes"
                       : "open to users; it stays open while " + blocking + " is not True (see Ready)"};
  }
  if (all_passed) {
    return {"OpenToUsers", std::string(rec::kTrue), "OnboardingPassed",
            "every check and smoke test passed: traffic is open (Ingress created)"};
  }
  return {"OpenToUsers", std::string(rec::kFalse), "OnboardingIncomplete",
          "waiting for " + blocking + " to be True before traffic opens"};
}

}  // namespace jd::env

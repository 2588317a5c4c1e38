// Tests of job_controller.h: the pure decisions in tables, then Jobs run by the JobController and
// the Kubelet against an in-process ApiServer on a FakeClock.
#include "job_controller.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api_server.h"
#include "clock.h"
#include "kubelet.h"
#include "sim_client.h"
#include "simulator.h"
#include "text_util.h"

namespace kubesim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kT0 = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01T00:00:00Z

// ---- Pure decisions ---------------------------------------------------------------------------

TEST(JobDecisionTest, RecreateBackoff) {
  struct Case {
    int failures;
    double scale;
    milliseconds want;
  };
  const std::vector<Case> cases = {{0, 1, milliseconds(0)},   {1, 1, seconds(10)},  {2, 1, seconds(20)},
                                   {3, 1, seconds(40)},       {6, 1, seconds(320)}, {7, 1, seconds(360)},
                                   {50, 1, seconds(360)},     {1, 0.01, milliseconds(100)}};
  for (const auto& c : cases) EXPECT_EQ(JobRecreateBackoff(c.failures, c.scale), c.want) << c.failures << " x" << c.scale;
}

json JobSpec(json spec, json status = json::object()) {
  spec["template"] = {{"spec", {{"restartPolicy", spec.value("restartPolicy", "Never")}}}};
  spec.erase("restartPolicy");
  return {{"spec", spec}, {"status", status}};
}

TEST(JobDecisionTest, DecideJob) {
  const TimePoint now = kT0 + seconds(100);
  const std::string start = "2026-01-01T00:00:00Z";
  JobPods none;
  JobPods one_active;
  one_active.active = 1;
  JobPods one_ok;
  one_ok.succeeded = 1;
  JobPods failed_recently;
  failed_recently.failed = 1;
  failed_recently.last_failure = now - seconds(5);
  JobPods failed_long_ago = failed_recently;
  failed_long_ago.last_failure = now - seconds(10);
  JobPods three_failed;
  three_failed.failed = 3;
  JobPods restarting;
  restarting.active = 1;
  restarting.restarts = 3;
  struct Case {
    std::string name;
    json job;
    JobPods pods;
    std::string outcome, reason;
    int create;
  };
  const std::vector<Case> cases = {
      {"a new job starts its pods", JobSpec({{"parallelism", 2}, {"completions", 5}}), none, "", "", 2},
      {"never more than the missing completions", JobSpec({{"parallelism", 4}, {"completions", 3}}, {{"succeeded", 2}}), none, "", "", 1},
      {"running pods count", JobSpec({{"parallelism", 2}, {"completions", 5}}), one_active, "", "", 1},
      {"completions reached", JobSpec({{"completions", 1}}), one_ok, "Complete", "CompletionsReached", 0},
      {"work queue: one success and no pod running", JobSpec({{"parallelism", 2}}), one_ok, "Complete", "CompletionsReached", 0},
      {"work queue: no new pods after a success", JobSpec({{"parallelism", 2}}, {{"succeeded", 1}}), one_active, "", "", 0},
      {"back-off after a failure", JobSpec({{"completions", 1}, {"backoffLimit", 6}}), failed_recently, "", "", 0},
      {"after the back-off, a replacement", JobSpec({{"completions", 1}, {"backoffLimit", 6}}), failed_long_ago, "", "", 1},
      {"failures up to the limit are retried", JobSpec({{"completions", 1}, {"backoffLimit", 3}}), three_failed, "", "", 1},
      {"one more fails the job", JobSpec({{"completions", 1}, {"backoffLimit", 2}}), three_failed, "Failed", "BackoffLimitExceeded", 0},
      {"status counts are kept", JobSpec({{"completions", 1}, {"backoffLimit", 2}}, {{"failed", 3}}), none, "Failed", "BackoffLimitExceeded", 0},
      {"OnFailure counts restarts", JobSpec({{"completions", 1}, {"backoffLimit", 2}, {"restartPolicy", "OnFailure"}}), restarting,
       "Failed", "BackoffLimitExceeded", 0},
      {"deadline passed", JobSpec({{"completions", 1}, {"activeDeadlineSeconds", 100}}, {{"startTime", start}}), one_active, "Failed",
       "DeadlineExceeded", 0},
      {"deadline not yet", JobSpec({{"completions", 1}, {"activeDeadlineSeconds", 101}}, {{"startTime", start}}), one_active, "", "", 0},
      {"suspended: no pods", JobSpec({{"completions", 1}, {"suspend", true}}), none, "", "", 0},
      {"an interim condition decides",
       JobSpec({{"completions", 1}},
               {{"conditions", json::array({{{"type", "FailureTarget"}, {"status", "True"}, {"reason", "DeadlineExceeded"}}})}}),
       none, "Failed", "DeadlineExceeded", 0},
  };
  for (const auto& c : cases) {
    JobDecision d = DecideJob(c.job, c.pods, now, 1.0);
    EXPECT_EQ(d.outcome, c.outcome) << c.name;
    EXPECT_EQ(d.reason, c.reason) << c.name;
    EXPECT_EQ(d.create, c.create) << c.name;
    EXPECT_EQ(d.delete_active, !c.outcome.empty()) << c.name;
  }
}

TEST(JobDecisionTest, CountJobPods) {
  auto pod = [](const std::string& phase, bool ready = false, bool deleting = false, int restarts = 0) {
    json p = {{"metadata", json::object()},
              {"status",
               {{"phase", phase},
                {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
                {"containerStatuses", json::array({{{"restartCount", restarts}}})}}}};
    if (deleting) p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    return p;
  };
  json failed = pod("Failed");
  failed["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"] = "2026-01-01T00:00:07Z";
  JobPods n = CountJobPods({pod("Pending"), pod("Running", true, false, 2), pod("Running", false, true), pod("Succeeded"), failed});
  EXPECT_EQ(n.active, 2);
  EXPECT_EQ(n.ready, 1);
  EXPECT_EQ(n.terminating, 1);
  EXPECT_EQ(n.succeeded, 1);
  EXPECT_EQ(n.failed, 1);
  EXPECT_EQ(n.restarts, 2);
  EXPECT_EQ(n.last_failure, kT0 + seconds(7));
}

// ---- Jobs run by the controller and the kubelet -----------------------------------------------

class JobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim.Add(std::make_unique<JobController>());
    sim.Add(std::make_unique<Kubelet>());
  }

  void Load(const std::string& yaml) { ASSERT_FALSE(scenarios.LoadYaml(yaml).has_value()); }

  json CreateJob(const std::string& name, const std::string& image, json spec_extra = json::object()) {
    json job = {{"apiVersion", "batch/v1"},
                {"kind", "Job"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"template",
                   {{"metadata", {{"labels", {{"app", name}}}}},
                    {"spec", {{"restartPolicy", "Never"}, {"containers", json::array({{{"name", "main"}, {"image", image}}})}}}}}}}};
    job["spec"].update(spec_extra);
    auto created = client.Create(kJobs, "default", job);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? created.value() : json();
  }

  json Job(const std::string& name) { return client.Get(kJobs, "default", name).value(); }

  std::vector<json> Pods() { return client.List(kPods, "default").value(); }

  static std::string Condition(const json& obj, const std::string& type, const char* field = "status") {
    for (const auto& c : obj.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == type) return c.value(field, "");
    return "";
  }

  // Rounds every `step` until `done` or `limit` of simulated time; calls `each` after every round.
  bool RunUntil(const std::function<bool()>& done, milliseconds step = milliseconds(500), seconds limit = seconds(3600),
                const std::function<void()>& each = [] {}) {
    for (auto t = milliseconds(0); t <= limit; t += step) {
      sim.SyncOnce();
      each();
      if (done()) return true;
      clock.Advance(step);
    }
    return false;
  }

  std::vector<std::string> JobEventReasons(const std::string& name) {
    std::vector<std::string> out;
    const std::vector<json> events = client.List(kEvents, "default").value();
    for (const auto& e : events)
      if (e["involvedObject"].value("kind", "") == "Job" && e["involvedObject"].value("name", "") == name)
        out.push_back(e.value("reason", ""));
    return out;
  }

  static bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

  FakeClock clock{kT0};
  ApiServer api{clock, ApiServerOptions{.token = "t0ken"}};
  Scenarios scenarios;
  Simulator sim{api, clock, scenarios, "t0ken"};
  SimClient client{api, "t0ken", "job-test"};
};

TEST_F(JobTest, JobSucceeds) {
  Load("scenarios: [{match: {image: 'migrate:*'}, job: {durationSeconds: 3}}]");
  CreateJob("migrate", "migrate:1");
  ASSERT_TRUE(RunUntil([&] { return Condition(Job("migrate"), "Complete") == "True"; }));
  json job = Job("migrate");
  EXPECT_EQ(Condition(job, "SuccessCriteriaMet"), "True");
  EXPECT_EQ(Condition(job, "Complete", "reason"), "CompletionsReached");
  EXPECT_EQ(job["status"]["succeeded"], 1);
  EXPECT_FALSE(job["status"].contains("active"));
  EXPECT_FALSE(job["status"].contains("failed"));
  EXPECT_EQ(job["status"]["ready"], 0);
  EXPECT_EQ(job["status"]["terminating"], 0);
  EXPECT_EQ(job["status"]["startTime"], "2026-01-01T00:00:00Z");
  // The pod ends at 3.5 s (pull 0.5 s + 3 s) and the kubelet reports it then; the job controller
  // runs first in a round, so it sees the success in the next round.
  EXPECT_EQ(job["status"]["completionTime"], "2026-01-01T00:00:04Z");
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 1u);
  const json& pod = pods[0];
  EXPECT_EQ(pod["status"]["phase"], "Succeeded");
  EXPECT_EQ(pod["metadata"]["name"].get<std::string>().rfind("migrate-", 0), 0u);
  EXPECT_EQ(pod["metadata"]["labels"]["batch.kubernetes.io/job-name"], "migrate");
  EXPECT_EQ(pod["metadata"]["labels"]["batch.kubernetes.io/controller-uid"], job["metadata"]["uid"]);
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "migrate");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "Job");
  EXPECT_TRUE(pod["metadata"]["ownerReferences"][0]["controller"].get<bool>());
  auto reasons = JobEventReasons("migrate");
  EXPECT_TRUE(Has(reasons, "SuccessfulCreate"));
  EXPECT_TRUE(Has(reasons, "Completed"));
  // A finished job is left alone.
  std::string rv = job["metadata"]["resourceVersion"];
  RunUntil([] { return false; }, seconds(10), seconds(60));
  EXPECT_EQ(Job("migrate")["metadata"]["resourceVersion"], rv);
}

TEST_F(JobTest, FailingJobStopsAfterBackoffLimit) {
  Load(R"(
timeScale: 0.1
scenarios: [{match: {image: 'migrate:*'}, job: {durationSeconds: 2, exitCode: 1, log: "SQLSTATE[42S01]: table exists"}}]
)");
  CreateJob("migrate", "migrate:2", {{"backoffLimit", 2}});
  int most_active = 0;
  ASSERT_TRUE(RunUntil([&] { return Condition(Job("migrate"), "Failed") == "True"; }, milliseconds(100), seconds(600),
                       [&] { most_active = std::max(most_active, Job("migrate")["status"].value("active", 0)); }));
  json job = Job("migrate");
  EXPECT_EQ(Condition(job, "FailureTarget"), "True");
  EXPECT_EQ(Condition(job, "Failed", "reason"), "BackoffLimitExceeded");
  EXPECT_EQ(Condition(job, "Failed", "message"), "Job has reached the specified backoff limit");
  EXPECT_EQ(Condition(job, "Complete"), "");
  EXPECT_FALSE(job["status"].contains("completionTime"));
  EXPECT_EQ(job["status"]["failed"], 3);
  EXPECT_EQ(most_active, 1);
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 3u);  // backoffLimit + 1
  for (const auto& p : pods) {
    EXPECT_EQ(p["status"]["phase"], "Failed");
    EXPECT_EQ(p["status"]["containerStatuses"][0]["state"]["terminated"]["message"], "SQLSTATE[42S01]: table exists");
  }
  // The replacements waited for the back-off: 10 s then 20 s, scaled by 0.1, after each pod's
  // 0.05 s pull and 0.2 s run (startTime: when the kubelet took the pod, in its creation round).
  std::vector<TimePoint> started;
  for (const auto& p : pods) started.push_back(*ParseRfc3339(p["status"]["startTime"].get<std::string>()));
  std::sort(started.begin(), started.end());
  EXPECT_GE(started[1] - started[0], milliseconds(1250));
  EXPECT_LT(started[1] - started[0], milliseconds(1500));
  EXPECT_GE(started[2] - started[1], milliseconds(2250));
  EXPECT_LT(started[2] - started[1], milliseconds(2500));
  auto reasons = JobEventReasons("migrate");
  EXPECT_TRUE(Has(reasons, "BackoffLimitExceeded"));
  EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "SuccessfulCreate"), 3);
}

TEST_F(JobTest, ActiveDeadlineExceeded) {
  // A container that ignores SIGTERM: its pod goes only when its 30 s grace period ends.
  Load("scenarios: [{match: {image: 'slow:*'}, job: {durationSeconds: 100}, pod: {shutdownSeconds: 3600}}]");
  CreateJob("slow", "slow:1", {{"activeDeadlineSeconds", 5}});
  ASSERT_TRUE(RunUntil([&] { return Condition(Job("slow"), "FailureTarget") == "True"; }));
  EXPECT_EQ(clock.Now(), kT0 + seconds(5));
  json job = Job("slow");
  EXPECT_EQ(Condition(job, "FailureTarget", "reason"), "DeadlineExceeded");
  EXPECT_EQ(Condition(job, "Failed"), "");  // its pod is still terminating
  EXPECT_EQ(job["status"]["terminating"], 1);
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_TRUE(pods[0]["metadata"].contains("deletionTimestamp"));
  ASSERT_TRUE(RunUntil([&] { return Condition(Job("slow"), "Failed") == "True"; }));
  job = Job("slow");
  EXPECT_EQ(Condition(job, "Failed", "reason"), "DeadlineExceeded");
  EXPECT_EQ(Condition(job, "Failed", "message"), "Job was active longer than specified deadline");
  EXPECT_EQ(job["status"]["failed"], 1);
  EXPECT_EQ(job["status"]["terminating"], 0);
  EXPECT_TRUE(Pods().empty());
  // The pod's 30 s grace period ends at 35 s; the job controller sees it gone in the next round.
  EXPECT_EQ(clock.Now(), kT0 + milliseconds(35500));
  EXPECT_TRUE(Has(JobEventReasons("slow"), "DeadlineExceeded"));
}

TEST_F(JobTest, ParallelismTwoCompletionsThree) {
  Load("scenarios: [{match: {image: 'work:*'}, job: {durationSeconds: 2}}]");
  CreateJob("work", "work:1", {{"parallelism", 2}, {"completions", 3}});
  int most_active = 0;
  ASSERT_TRUE(RunUntil([&] { return Condition(Job("work"), "Complete") == "True"; }, milliseconds(500), seconds(3600), [&] {
    int running = 0;
    for (const auto& p : Pods()) {
      std::string phase = p["status"].value("phase", "");
      if (phase != "Succeeded" && phase != "Failed") ++running;
    }
    most_active = std::max(most_active, running);
  }));
  json job = Job("work");
  EXPECT_EQ(job["status"]["succeeded"], 3);
  EXPECT_EQ(most_active, 2);
  EXPECT_EQ(Pods().size(), 3u);
}

}  // namespace
}  // namespace kubesim

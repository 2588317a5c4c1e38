// Tests for the JustDrivingRelease reconciler (reconcilers/release/release_reconciler.h and its
// steps) on the in-memory FakeClient, with a FakeClock, a FakeEventRecorder, a FakeHttpProber and a
// webhook Notifier over a recording sender.
//
// The Job and Deployment controllers are simulated by the tests (patching status, seeding pods).
// The caches are StoreWriters filled from the FakeClient before each reconcile (Sync), as the
// informers would be once caught up. Every reconcile builds a NEW ReleaseReconciler over the same
// client: nothing may survive in memory between reconciles (an operator restart at any instant).
#include "reconcilers/release/release_reconciler.h"

#include <algorithm>
#include <functional>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "common/fake_clock.h"
#include "kube/event_recorder.h"
#include "kube/fake_client.h"
#include "reconcilers/common/conditions.h"
#include "reconcilers/common/timestamp.h"
#include "reconcilers/environment/json_access.h"
#include "reconcilers/environment/workloads.h"
#include "reconcilers/release/fake_http_prober.h"
#include "reconcilers/release/release_controller.h"
#include "reconcilers/release/release_metrics.h"
#include "reconcilers/release/step.h"
#include "reconcilers/release/workload_state.h"

namespace jd::release {
namespace {

using env::Field;
using env::Int;
using env::String;
using kube::Action;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kNs = "school";
constexpr const char* kRepo = "registry.example.com/justdriving/app";
const std::string kHomeUrl = "http://production-web.school.svc.cluster.local/";
const std::string kLoginUrl = "http://production-web.school.svc.cluster.local/login";

std::string B64(const std::string& s) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : s) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kAlphabet[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kAlphabet[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

// ---- fakes --------------------------------------------------------------------------------------

class RecordingSender final : public WebhookSender {
 public:
  StatusOr<int> Post(const std::string& url, const std::vector<HttpHeader>& headers, const std::string& body,
                     Duration) override {
    posts.push_back({url, headers, body});
    return 200;
  }
  struct Post_ {
    std::string url;
    std::vector<HttpHeader> headers;
    std::string body;
  };
  std::vector<Post_> posts;
};

ProbeResult Answer(int status, const std::string& body = "Log in") {
  ProbeResult r;
  r.status = status;
  r.body = body;
  r.latency = milliseconds(20);
  return r;
}

// ---- objects ------------------------------------------------------------------------------------

json Condition(const std::string& type, const std::string& status, int64_t generation) {
  return {{"type", type},
          {"status", status},
          {"reason", type + status},
          {"message", type + " " + status},
          {"lastTransitionTime", "2024-01-01T00:00:00Z"},
          {"observedGeneration", generation}};
}

json EnvironmentObject() {
  json spec = json::parse(R"({
    "tier": "production",
    "app": {"image": "registry.example.com/justdriving/app"},
    "locale": {"timezone": "Europe/Amsterdam", "locale": "nl_NL", "currency": "EUR"},
    "config": {"configMapName": "jd-config"},
    "integrations": {"database": {"secretName": "jd-db"}},
    "components": {"web": {"replicas": 2, "port": 8080},
                   "workers": [{"name": "default", "queues": ["default", "mail"], "replicas": 1}],
                   "scheduler": {"enabled": true}},
    "migrations": {"timeoutSeconds": 600, "backup": {"command": ["backup-db"], "restoreCommand": ["restore-db"]}},
    "healthChecks": {"intervalSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 2, "successThreshold": 2,
                     "http": [{"name": "home", "path": "/"},
                              {"name": "login", "path": "/login", "expectBodyContains": "Log in"}]},
    "rollback": {"automatic": true, "database": "none"},
    "notifications": {"webhooks": [{"url": "https://hooks.example.com/deploys", "secretName": "jd-webhook"}]},
    "historyLimit": 20
  })");
  json status = {{"phase", "Ready"},
                 {"observedGeneration", 1},
                 {"conditions", json::array({Condition("ConfigValid", "True", 1), Condition("SecretsIsolated", "True", 1),
                                             Condition("PaymentModeValid", "True", 1), Condition("TLSValid", "True", 1)})},
                 {"currentRelease",
                  {{"name", "production-2-13-0"},
                   {"version", "2.13.0"},
                   {"image", std::string(kRepo) + ":2.13.0"},
                   {"configSnapshot", "production-2-13-0-config"}}},
                 {"lastGoodRelease",
                  {{"name", "production-2-13-0"},
                   {"version", "2.13.0"},
                   {"image", std::string(kRepo) + ":2.13.0"},
                   {"configSnapshot", "production-2-13-0-config"}}}};
  return {{"apiVersion", "justdriving.io/v1alpha1"},
          {"kind", "JustDrivingEnvironment"},
          {"metadata", {{"name", "production"}, {"namespace", kNs}, {"uid", "env-uid"}, {"generation", 1}}},
          {"spec", spec},
          {"status", status}};
}

json ReleaseObject(const std::string& name, const std::string& version, const std::string& created) {
  return {{"apiVersion", "justdriving.io/v1alpha1"},
          {"kind", "JustDrivingRelease"},
          {"metadata",
           {{"name", name}, {"namespace", kNs}, {"uid", name + "-uid"}, {"generation", 1}, {"creationTimestamp", created}}},
          {"spec",
           {{"environment", "production"},
            {"version", version},
            {"image", std::string(kRepo) + ":" + version},
            {"requiredConfigKeys", {"BOOKING_REMINDER_HOURS"}}}}};
}

// ---- fixture ------------------------------------------------------------------------------------

NotifierOptions InlineDelivery() {
  NotifierOptions o;
  o.own_thread = false;  // attempts run inside FakeClock::Advance
  return o;
}

class ReleaseReconcilerTest : public ::testing::Test {
 public:
  ReleaseReconcilerTest()
      : clock_(WallTime(std::chrono::seconds(1704103200))),  // 2024-01-01T10:00:00Z, a Monday
        client_(clock_),
        notifier_(clock_, sender_, InlineDelivery()),
        metrics_(registry_) {}

  void SetUp() override {
    client_.Seed(kube::kJustDrivingEnvironments, EnvironmentObject());
    client_.Seed(kube::kConfigMaps, {{"apiVersion", "v1"},
                                     {"kind", "ConfigMap"},
                                     {"metadata", {{"name", "jd-config"}, {"namespace", kNs}}},
                                     {"data", {{"APP_NAME", "JustDriving"}, {"BOOKING_REMINDER_HOURS", "24"}}}});
    client_.Seed(kube::kSecrets, {{"apiVersion", "v1"},
                                  {"kind", "Secret"},
                                  {"metadata", {{"name", "jd-db"}, {"namespace", kNs}}},
                                  {"data", {{"DB_PASSWORD", B64("s3cret")}}}});
    client_.Seed(kube::kSecrets, {{"apiVersion", "v1"},
                                  {"kind", "Secret"},
                                  {"metadata", {{"name", "jd-webhook"}, {"namespace", kNs}}},
                                  {"data", {{"secret", B64("hook-key")}}}});
    // The last good release's worker and scheduler pods (for the restart baseline).
    SeedPod("production-worker-default-aaaaa", env::SelectorLabels("production", env::Component::kWorker, "default"), 0);
    SeedPod("production-scheduler-aaaaa", env::SelectorLabels("production", env::Component::kScheduler), 0);
    prober_.Script(kHomeUrl, {Answer(200)});
    prober_.Script(kLoginUrl, {Answer(200)});
  }

  void SeedRelease(json release) { client_.Seed(kube::kJustDrivingReleases, std::move(release)); }

  void SeedPod(const std::string& name, json labels, int64_t restarts, const std::string& owner_uid = "") {
    labels["app.kubernetes.io/managed-by"] = "justdriving-operator";
    labels["justdriving.io/environment"] = "production";
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", kNs}, {"labels", labels}}},
                {"status", {{"containerStatuses", json::array({{{"name", "app"}, {"restartCount", restarts}}})}}}};
    if (!owner_uid.empty()) {
      pod["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "batch/v1"},
                                                         {"kind", "Job"},
                                                         {"name", "job"},
                                                         {"uid", owner_uid},
                                                         {"controller", true}}});
    }
    client_.Seed(kube::kPods, pod);
  }

  void Sync() {
    const auto fill = [&](kube::StoreWriter& w, const kube::ResourceRef& ref) {
      w.Replace(client_.Objects(ref), client_.ResourceVersion());
    };
    fill(releases_, kube::kJustDrivingReleases);
    fill(envs_, kube::kJustDrivingEnvironments);
    fill(deployments_, kube::kDeployments);
    fill(jobs_, kube::kJobs);
    fill(pods_, kube::kPods);
    fill(cms_, kube::kConfigMaps);
    fill(secrets_, kube::kSecrets);
  }

  // A NEW reconciler every time, over the same client and caches.
  ReconcileOutcome Reconcile(const std::string& name) {
    Sync();
    ReleaseCaches caches{releases_.View(), envs_.View(), deployments_.View(), jobs_.View(),
                         pods_.View(),     cms_.View(),  secrets_.View()};
    ReleaseReconciler rec(client_, caches, events_, clock_, prober_, &notifier_, &metrics_, options_);
    return rec.Reconcile({kNs, name});
  }

  json Release(const std::string& name) { return *client_.Object(kube::kJustDrivingReleases, kNs, name); }
  json Environment() { return *client_.Object(kube::kJustDrivingEnvironments, kNs, "production"); }
  std::string PhaseOf(const std::string& name) { return String(Field(Release(name), {"status", "phase"})); }

  // ---- simulated controllers ----

  void CompleteJob(const std::string& name) {
    EXPECT_TRUE(client_
                    .PatchStatus(kube::kJobs, kNs, name, kube::PatchType::kMerge,
                                 {{"status",
                                   {{"succeeded", 1},
                                    {"conditions", json::array({{{"type", "Complete"}, {"status", "True"}}})}}}})
                    .ok());
  }

  void FailJob(const std::string& name, const std::string& pod_message) {
    EXPECT_TRUE(client_.PatchStatus(kube::kJobs, kNs, name, kube::PatchType::kMerge,
                        {{"status",
                          {{"failed", 1},
                           {"conditions", json::array({{{"type", "Failed"},
                                                        {"status", "True"},
                                                        {"reason", "BackoffLimitExceeded"},
                                                        {"message", "Job has reached the specified backoff limit"}}})}}}}).ok());
    json job = *client_.Object(kube::kJobs, kNs, name);
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", name + "-bbbbb"},
                  {"namespace", kNs},
                  {"labels", {{"app.kubernetes.io/managed-by", "justdriving-operator"}}},
                  {"ownerReferences", json::array({{{"apiVersion", "batch/v1"},
                                                    {"kind", "Job"},
                                                    {"name", name},
                                                    {"uid", job["metadata"]["uid"]},
                                                    {"controller", true}}})}}},
                {"status",
                 {{"phase", "Failed"},
                  {"containerStatuses",
                   json::array({{{"name", "task"},
                                 {"restartCount", 0},
                                 {"state", {{"terminated", {{"exitCode", 1}, {"message", pod_message}}}}}}})}}}};
    client_.Seed(kube::kPods, pod);
  }

  void RollOut(const std::string& name) {
    json d = *client_.Object(kube::kDeployments, kNs, name);
    const int64_t r = Int(Field(d, {"spec", "replicas"}), 1);
    EXPECT_TRUE(client_.PatchStatus(kube::kDeployments, kNs, name, kube::PatchType::kMerge,
                        {{"status",
                          {{"observedGeneration", d["metadata"]["generation"]},
                           {"replicas", r},
                           {"updatedReplicas", r},
                           {"readyReplicas", r},
                           {"availableReplicas", r},
                           {"unavailableReplicas", 0},
                           {"conditions", json::array({{{"type", "Available"}, {"status", "True"}},
                                                       {{"type", "Progressing"},
                                                        {"status", "True"},
                                                        {"reason", "NewReplicaSetAvailable"}}})}}}}).ok());
  }

  void Stall(const std::string& name) {
    json d = *client_.Object(kube::kDeployments, kNs, name);
    EXPECT_TRUE(client_.PatchStatus(kube::kDeployments, kNs, name, kube::PatchType::kMerge,
                        {{"status",
                          {{"observedGeneration", d["metadata"]["generation"]},
                           {"replicas", 3},
                           {"updatedReplicas", 1},
                           {"availableReplicas", 2},
                           {"unavailableReplicas", 1},
                           {"conditions", json::array({{{"type", "Progressing"},
                                                        {"status", "False"},
                                                        {"reason", "ProgressDeadlineExceeded"},
                                                        {"message", "ReplicaSet has timed out progressing."}}})}}}}).ok());
  }

  // What the simulated Job controller does with a running Job: "complete", "fail:<message>", or
  // "" (leave it running).
  using JobPolicy = std::function<std::string(const std::string& job)>;
  // What the simulated Deployment controller does with a Deployment it has not observed yet:
  // "rollout" (complete it), "stall" (ProgressDeadlineExceeded) or "" (leave it progressing).
  using RolloutPolicy = std::function<std::string(const std::string& deployment)>;

  static JobPolicy AllJobsSucceed() {
    return [](const std::string&) { return std::string("complete"); };
  }
  static RolloutPolicy AllRollOut() {
    return [](const std::string&) { return std::string("rollout"); };
  }

  // Runs the simulated controllers over everything unfinished.
  void Simulate(const JobPolicy& jobs, const RolloutPolicy& rollouts) {
    for (const json& job : client_.Objects(kube::kJobs, kNs)) {
      const std::string name = String(Field(job, {"metadata", "name"}));
      if (ReadJob(&job, {}).kind != JobState::kRunning) continue;
      const std::string what = jobs(name);
      if (what == "complete") CompleteJob(name);
      if (what.rfind("fail:", 0) == 0) FailJob(name, what.substr(5));
    }
    for (const json& d : client_.Objects(kube::kDeployments, kNs)) {
      const std::string name = String(Field(d, {"metadata", "name"}));
      if (Int(Field(d, {"status", "observedGeneration"}), 0) >= Int(Field(d, {"metadata", "generation"}), 1)) continue;
      const std::string what = rollouts(name);
      if (what == "rollout") RollOut(name);
      if (what == "stall") Stall(name);
    }
  }

  // Reconciles `name` until it is terminal (or `max` reconciles), simulating the controllers and
  // advancing the clock by each requeue.
  void Drive(const std::string& name, const JobPolicy& jobs, const RolloutPolicy& rollouts, int max = 60) {
    for (int i = 0; i < max; ++i) {
      ReconcileOutcome out = Reconcile(name);
      ASSERT_TRUE(std::holds_alternative<Result>(out)) << std::get<ReconcileError>(out).message();
      auto phase = ParsePhase(PhaseOf(name));
      if (phase && IsTerminal(*phase)) return;
      Simulate(jobs, rollouts);
      const Result r = std::get<Result>(out);
      clock_.Advance(r.requeue_after.value_or(milliseconds(1000)));
    }
    FAIL() << "release " << name << " did not finish; phase " << PhaseOf(name);
  }

  // The reasons of the Events that are phase transitions, in order.
  std::vector<std::string> PhaseEvents() {
    std::vector<std::string> out;
    for (const std::string& e : events_.Events()) {
      std::string reason = e.substr(e.find(' ') + 1);
      reason = reason.substr(0, reason.find(' '));
      if (ParsePhase(reason)) out.push_back(reason);
    }
    return out;
  }

  std::vector<std::string> Names(const kube::ResourceRef& ref) {
    std::vector<std::string> out;
    for (const json& o : client_.Objects(ref, kNs)) out.push_back(String(Field(o, {"metadata", "name"})));
    return out;
  }

  std::vector<Action> Writes() {
    std::vector<Action> out;
    for (const Action& a : client_.Actions()) {
      if (a.verb != "get" && a.verb != "list" && a.verb != "watch") out.push_back(a);
    }
    return out;
  }

  double MetricValue(const std::string& family, const std::string& label_value = "") {
    for (const auto& f : registry_.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric) {
        const bool match = label_value.empty() ||
                           std::any_of(m.label.begin(), m.label.end(),
                                       [&](const prometheus::ClientMetric::Label& l) { return l.value == label_value; });
        if (!match) continue;
        if (f.type == prometheus::MetricType::Counter) return m.counter.value;
        if (f.type == prometheus::MetricType::Histogram) return static_cast<double>(m.histogram.sample_count);
      }
    }
    return -1;
  }

 protected:
  FakeClock clock_;
  kube::FakeClient client_;
  kube::FakeEventRecorder events_;
  FakeHttpProber prober_;
  RecordingSender sender_;
  Notifier notifier_;
  prometheus::Registry registry_;
  ReleaseMetrics metrics_;
  ReleaseReconcilerOptions options_;
  kube::StoreWriter releases_, envs_, deployments_, jobs_, pods_, cms_, secrets_;
};

// ---- happy path ---------------------------------------------------------------------------------

TEST_F(ReleaseReconcilerTest, HappyPathGoesThroughEveryPhaseInOrder) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());

  EXPECT_THAT(PhaseEvents(),
              ElementsAre("Preflight", "BackingUp", "Migrating", "RollingOut", "Verifying", "Succeeded"));
  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Succeeded");
  EXPECT_EQ(st["configSnapshot"], "production-2-14-0-config");
  EXPECT_EQ(st["migration"]["jobName"], "production-2-14-0-migrate");
  EXPECT_EQ(st["backup"]["jobName"], "production-2-14-0-backup");
  EXPECT_TRUE(rec::IsTrue(st["conditions"], "Ready"));
  for (const char* c : {"PreflightPassed", "Migrated", "RolledOut", "Healthy"}) {
    EXPECT_TRUE(rec::IsTrue(st["conditions"], c)) << c;
  }
  std::vector<std::string> steps;
  for (const json& s : st["steps"]) {
    steps.push_back(s["name"].get<std::string>() + "=" + s["state"].get<std::string>());
  }
  EXPECT_THAT(steps, ElementsAre("preflight=Succeeded", "backup=Succeeded", "migrate=Succeeded",
                                 "rollout/web=Succeeded", "rollout/worker-default=Succeeded",
                                 "rollout/scheduler=Succeeded", "verify=Succeeded"));
  EXPECT_EQ(st["health"][0]["passes"], 2);

  // The snapshot: an immutable copy of the environment's config, owned by the release.
  const json snapshot = *client_.Object(kube::kConfigMaps, kNs, "production-2-14-0-config");
  EXPECT_EQ(snapshot["immutable"], true);
  EXPECT_EQ(snapshot["data"]["BOOKING_REMINDER_HOURS"], "24");
  EXPECT_EQ(snapshot["metadata"]["ownerReferences"][0]["uid"], "production-2-14-0-uid");

  // Components one at a time in order; the Services (and PDB) before web.
  std::vector<std::string> applied;
  for (const Action& a : client_.Actions()) {
    if (a.verb == "patch") applied.push_back(a.resource + "/" + a.name);
  }
  EXPECT_THAT(applied, ElementsAre("services/production-web", "poddisruptionbudgets/production-web",
                                   "deployments/production-web", "deployments/production-worker-default",
                                   "deployments/production-scheduler"));
  const json web = *client_.Object(kube::kDeployments, kNs, "production-web");
  EXPECT_EQ(web["spec"]["template"]["spec"]["containers"][0]["image"], std::string(kRepo) + ":2.14.0");
  EXPECT_EQ(web["spec"]["template"]["metadata"]["annotations"][std::string(env::kConfigSnapshotAnnotation)],
            "production-2-14-0-config");

  // The environment: slot free, current and last good = this release, one history entry.
  const json es = Environment()["status"];
  EXPECT_EQ(es["activeRelease"], "");
  EXPECT_EQ(es["lastGoodRelease"], (json{{"name", "production-2-14-0"},
                                         {"version", "2.14.0"},
                                         {"image", std::string(kRepo) + ":2.14.0"},
                                         {"configSnapshot", "production-2-14-0-config"}}));
  EXPECT_EQ(es["currentRelease"], es["lastGoodRelease"]);
  ASSERT_EQ(es["history"].size(), 1u);
  EXPECT_EQ(es["history"][0]["outcome"], "Succeeded");
  EXPECT_EQ(es["history"][0]["reason"], "");
  EXPECT_EQ(es["history"][0]["generation"], 1);
  // The environment reconciler's fields are untouched.
  EXPECT_EQ(es["phase"], "Ready");
  EXPECT_EQ(es["conditions"].size(), 4u);

  // Announced and counted.
  clock_.Advance(Duration::zero());
  ASSERT_EQ(sender_.posts.size(), 1u);
  EXPECT_EQ(sender_.posts[0].url, "https://hooks.example.com/deploys");
  EXPECT_THAT(sender_.posts[0].body, HasSubstr("\"outcome\":\"Succeeded\""));
  const auto& headers = sender_.posts[0].headers;
  auto signature = std::find_if(headers.begin(), headers.end(),
                                [](const HttpHeader& h) { return h.name == kSignatureHeader; });
  ASSERT_NE(signature, headers.end());
  EXPECT_EQ(signature->value, Sign("hook-key", sender_.posts[0].body));
  EXPECT_EQ(MetricValue("justdriving_releases_total", "Succeeded"), 1);
  EXPECT_EQ(MetricValue("justdriving_release_step_duration_seconds", "migrate"), 1);
  EXPECT_EQ(MetricValue("justdriving_rollbacks_total"), 0);
}

TEST_F(ReleaseReconcilerTest, SucceededReleaseReconciledAgainOrReappliedMakesNoWrites) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  ASSERT_EQ(PhaseOf("production-2-14-0"), "Succeeded");
  events_.Clear();
  client_.ClearActions();

  Reconcile("production-2-14-0");
  EXPECT_TRUE(client_.Actions().empty()) << ToString(client_.Actions().front());

  // GitOps applies the same manifest again: same spec, same generation, nothing happens.
  json again = Release("production-2-14-0");
  again.erase("status");
  ASSERT_TRUE(client_.Update(kube::kJustDrivingReleases, again).ok());
  EXPECT_EQ(Release("production-2-14-0")["metadata"]["generation"], 1);
  client_.ClearActions();
  Reconcile("production-2-14-0");
  EXPECT_TRUE(Writes().empty());
  EXPECT_TRUE(events_.Events().empty());
}

TEST_F(ReleaseReconcilerTest, EachComponentWaitsForThePreviousRollout) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  for (int i = 0; i < 10 && PhaseOf("production-2-14-0") != "RollingOut"; ++i) {
    Reconcile("production-2-14-0");
    Simulate(AllJobsSucceed(), [](const std::string&) { return std::string(); });
    clock_.Advance(seconds(2));
  }
  ASSERT_EQ(PhaseOf("production-2-14-0"), "RollingOut");
  EXPECT_EQ(Environment()["status"]["currentRelease"]["name"], "production-2-14-0");
  // web applied, its rollout not complete yet: the workers wait however often we reconcile (and
  // once the step says what it waits for, nothing is written either).
  Reconcile("production-2-14-0");
  client_.ClearActions();
  for (int i = 0; i < 3; ++i) Reconcile("production-2-14-0");
  EXPECT_THAT(Names(kube::kDeployments), ElementsAre("production-web"));
  EXPECT_TRUE(Writes().empty()) << ::testing::PrintToString(Writes());
  const json web = *client_.Object(kube::kDeployments, kNs, "production-web");
  EXPECT_EQ(web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0);
  // Half-way (observed, 1 of 2 updated) is not done either.
  EXPECT_TRUE(client_
                  .PatchStatus(kube::kDeployments, kNs, "production-web", kube::PatchType::kMerge,
                               {{"status",
                                 {{"observedGeneration", web["metadata"]["generation"]},
                                  {"replicas", 3},
                                  {"updatedReplicas", 1},
                                  {"availableReplicas", 2}}}})
                  .ok());
  Reconcile("production-2-14-0");
  EXPECT_THAT(Names(kube::kDeployments), ElementsAre("production-web"));
  RollOut("production-web");
  Reconcile("production-2-14-0");
  EXPECT_THAT(Names(kube::kDeployments), ElementsAre("production-web", "production-worker-default"));
  RollOut("production-worker-default");
  Reconcile("production-2-14-0");
  EXPECT_THAT(Names(kube::kDeployments),
              ElementsAre("production-scheduler", "production-web", "production-worker-default"));
  const json scheduler = *client_.Object(kube::kDeployments, kNs, "production-scheduler");
  EXPECT_EQ(scheduler["spec"]["strategy"]["type"], "Recreate");
}

// ---- failures -----------------------------------------------------------------------------------

TEST_F(ReleaseReconcilerTest, FailedMigrationRollsNothingOut) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  const JobPolicy jobs = [](const std::string& job) {
    return job == "production-2-14-0-migrate" ? std::string("fail:SQLSTATE[42S21]: Column already exists")
                                              : std::string("complete");
  };
  Drive("production-2-14-0", jobs, AllRollOut());

  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Failed");
  EXPECT_EQ(st["failureReason"], "MigrationFailed");
  const json* migrated = rec::FindCondition(st["conditions"], "Migrated");
  ASSERT_NE(migrated, nullptr);
  EXPECT_EQ((*migrated)["message"],
            "migration Job production-2-14-0-migrate failed: BackoffLimitExceeded: Job has reached the specified "
            "backoff limit; pod production-2-14-0-migrate-bbbbb: SQLSTATE[42S21]: Column already exists");
  EXPECT_THAT(events_.WithReason("MigrationFailed"),
              ElementsAre(HasSubstr("Warning MigrationFailed migration Job production-2-14-0-migrate failed")));
  // Nothing rolled out, nothing reverted, the database not touched.
  for (const Action& a : client_.Actions()) {
    EXPECT_FALSE(a.verb == "patch" && a.resource == "deployments") << ToString(a);
  }
  EXPECT_TRUE(client_.Objects(kube::kDeployments, kNs).empty());
  EXPECT_THAT(Names(kube::kJobs), ElementsAre("production-2-14-0-backup", "production-2-14-0-migrate"));
  EXPECT_THAT(PhaseEvents(), ElementsAre("Preflight", "BackingUp", "Migrating", "Failed"));
  const json es = Environment()["status"];
  EXPECT_EQ(es["activeRelease"], "");
  EXPECT_EQ(es["currentRelease"]["name"], "production-2-13-0");
  EXPECT_EQ(es["lastGoodRelease"]["name"], "production-2-13-0");
  EXPECT_EQ(es["history"][0]["outcome"], "Failed");
  EXPECT_EQ(es["history"][0]["reason"], "MigrationFailed");
  EXPECT_EQ(MetricValue("justdriving_releases_total", "Failed"), 1);
}

TEST_F(ReleaseReconcilerTest, FailedHealthChecksRevertImageAndConfigOfEveryComponent) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  // Two failing rounds of the new release (failureThreshold 2), then the reverted one answers.
  prober_.Script(kLoginUrl, {Answer(500, "Whoops"), Answer(500, "Whoops"), Answer(200)});
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());

  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "RolledBack");
  EXPECT_EQ(st["failureReason"], "HealthCheckFailed");
  EXPECT_EQ(st["rolledBackTo"], "production-2-13-0");
  EXPECT_TRUE(rec::IsTrue(st["conditions"], "RolledBack"));
  EXPECT_EQ(rec::FindCondition(st["conditions"], "Healthy")->at("status"), "False");
  EXPECT_THAT(PhaseEvents(), ElementsAre("Preflight", "BackingUp", "Migrating", "RollingOut", "Verifying",
                                         "RollingBack", "RolledBack"));
  // Every component runs the last good image with the last good config snapshot.
  for (const char* name : {"production-web", "production-worker-default", "production-scheduler"}) {
    const json d = *client_.Object(kube::kDeployments, kNs, name);
    const json& pod = d["spec"]["template"];
    EXPECT_EQ(pod["spec"]["containers"][0]["image"], std::string(kRepo) + ":2.13.0") << name;
    EXPECT_EQ(pod["metadata"]["annotations"][std::string(env::kConfigSnapshotAnnotation)], "production-2-13-0-config")
        << name;
    EXPECT_EQ(pod["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"], "production-2-13-0-config") << name;
  }
  EXPECT_THAT(events_.WithReason("DatabaseNotRolledBack"),
              ElementsAre("Warning DatabaseNotRolledBack database not rolled back (rollback.database: none): the "
                          "schema of 2.14.0 stays"));
  const json es = Environment()["status"];
  EXPECT_EQ(es["currentRelease"]["name"], "production-2-13-0");
  EXPECT_EQ(es["currentRelease"]["configSnapshot"], "production-2-13-0-config");
  EXPECT_EQ(es["lastGoodRelease"]["name"], "production-2-13-0");
  EXPECT_EQ(es["activeRelease"], "");
  EXPECT_EQ(es["history"][0]["outcome"], "RolledBack");
  clock_.Advance(Duration::zero());
  ASSERT_EQ(sender_.posts.size(), 1u);
  EXPECT_THAT(sender_.posts[0].body, HasSubstr("\"outcome\":\"RolledBack\",\"reason\":\"HealthCheckFailed\","
                                               "\"failedChecks\":[\"login\"]"));
  EXPECT_EQ(MetricValue("justdriving_rollbacks_total"), 1);
  EXPECT_EQ(MetricValue("justdriving_release_time_to_detect_failure_seconds"), 1);
  EXPECT_EQ(MetricValue("justdriving_releases_total", "RolledBack"), 1);
}

TEST_F(ReleaseReconcilerTest, WorkerRestartDuringVerificationFailsTheRelease) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  // Drive until Verifying has recorded its baseline.
  for (int i = 0; i < 30 && PhaseOf("production-2-14-0") != "Verifying"; ++i) {
    Reconcile("production-2-14-0");
    Simulate(AllJobsSucceed(), AllRollOut());
    clock_.Advance(seconds(1));
  }
  ASSERT_EQ(PhaseOf("production-2-14-0"), "Verifying");
  EXPECT_EQ(Release("production-2-14-0")["status"]["verification"]["restartBaseline"]["production-worker-default-aaaaa/app"], 0);
  SeedPod("production-worker-default-aaaaa", env::SelectorLabels("production", env::Component::kWorker, "default"), 2);
  clock_.Advance(seconds(10));
  Reconcile("production-2-14-0");
  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "RollingBack");
  EXPECT_EQ(st["failureReason"], "ComponentUnstable");
  EXPECT_EQ(rec::FindCondition(st["conditions"], "Healthy")->at("message"),
            "background work is not stable: container production-worker-default-aaaaa/app restarted (restartCount 0 "
            "-> 2)");
}

TEST_F(ReleaseReconcilerTest, StalledRolloutReverts) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  int stalls = 0;
  const RolloutPolicy rollouts = [&](const std::string& d) {
    // The new worker never becomes available; everything else (and the revert) rolls out.
    if (d == "production-worker-default" && stalls == 0) {
      ++stalls;
      return std::string("stall");
    }
    return std::string("rollout");
  };
  Drive("production-2-14-0", AllJobsSucceed(), rollouts);
  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "RolledBack");
  EXPECT_EQ(st["failureReason"], "RolloutFailed");
  EXPECT_EQ(rec::FindCondition(st["conditions"], "RolledOut")->at("message"),
            "Deployment production-worker-default: ProgressDeadlineExceeded: ReplicaSet has timed out progressing.");
}

// ---- first release and rollback.automatic -------------------------------------------------------

TEST_F(ReleaseReconcilerTest, FirstReleaseThatFailsHasNothingToRollBackTo) {
  json env = Environment();
  env["status"].erase("lastGoodRelease");
  env["status"].erase("currentRelease");
  client_.Seed(kube::kJustDrivingEnvironments, env);
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  prober_.Script(kLoginUrl, {Answer(500, "Whoops")});
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Failed");
  EXPECT_THAT(rec::FindCondition(st["conditions"], "Ready")->at("message").get<std::string>(),
              HasSubstr("; nothing to roll back to: environment production has no earlier release that succeeded "
                        "(status.lastGoodRelease)"));
}

TEST_F(ReleaseReconcilerTest, WithoutAutomaticRollbackTheReleaseStaysFailedWithTheInstruction) {
  json env = Environment();
  env["spec"]["rollback"]["automatic"] = false;
  client_.Seed(kube::kJustDrivingEnvironments, env);
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  prober_.Script(kLoginUrl, {Answer(500, "Whoops")});
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Failed");
  EXPECT_THAT(rec::FindCondition(st["conditions"], "Ready")->at("message").get<std::string>(),
              HasSubstr("; rollback.automatic is false, so nothing was reverted: to go back, apply a new "
                        "JustDrivingRelease with version 2.13.0 (image " + std::string(kRepo) +
                        ":2.13.0, last good: production-2-13-0)"));
  EXPECT_EQ(client_.Object(kube::kDeployments, kNs, "production-web")->at("spec")["template"]["spec"]["containers"][0]["image"],
            std::string(kRepo) + ":2.14.0");
  EXPECT_EQ(Environment()["status"]["currentRelease"]["name"], "production-2-14-0");
}

TEST_F(ReleaseReconcilerTest, MigrateRollbackRunsTheNewReleasesRollbackCommand) {
  json env = Environment();
  env["spec"]["rollback"]["database"] = "migrateRollback";
  client_.Seed(kube::kJustDrivingEnvironments, env);
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  prober_.Script(kLoginUrl, {Answer(500, "Whoops"), Answer(500, "Whoops"), Answer(200)});
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  EXPECT_EQ(PhaseOf("production-2-14-0"), "RolledBack");
  const json job = *client_.Object(kube::kJobs, kNs, "production-2-14-0-migrate-rollback");
  const json& c = job["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["image"], std::string(kRepo) + ":2.14.0");
  EXPECT_EQ(c["command"], (json{"php", "artisan", "migrate:rollback", "--force"}));
  EXPECT_EQ(Release("production-2-14-0")["status"]["rollback"]["databaseJob"]["jobName"],
            "production-2-14-0-migrate-rollback");
}

// ---- crash and restart --------------------------------------------------------------------------

TEST_F(ReleaseReconcilerTest, CrashAtEveryPhaseCreatesExactlyOneMigrationJob) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  std::string migrate_uid;
  // A crash after the objects and the environment were written, before the release status was:
  // the next (new) reconciler instance must pick up from the stored state.
  bool crash_next = false;
  int crashes = 0;
  client_.SetReactor([&](const Action& a) -> std::optional<kube::ApiError> {
    if (a.verb != "update-status" || !crash_next) return std::nullopt;
    crash_next = false;
    ++crashes;
    kube::ApiError crash;
    crash.kind = kube::ErrorKind::kServerError;
    crash.code = 500;
    crash.message = "operator killed";
    return crash;
  });
  for (int i = 0; i < 80; ++i) {
    crash_next = true;
    Reconcile("production-2-14-0");
    crash_next = false;
    Reconcile("production-2-14-0");  // restarted
    if (auto job = client_.Object(kube::kJobs, kNs, "production-2-14-0-migrate")) {
      if (migrate_uid.empty()) migrate_uid = String(Field(*job, {"metadata", "uid"}));
      EXPECT_EQ(String(Field(*job, {"metadata", "uid"})), migrate_uid);  // never deleted and re-created
    }
    auto phase = ParsePhase(PhaseOf("production-2-14-0"));
    if (phase && IsTerminal(*phase)) break;
    Simulate(AllJobsSucceed(), AllRollOut());
    clock_.Advance(seconds(10));
  }
  client_.SetReactor({});
  EXPECT_EQ(PhaseOf("production-2-14-0"), "Succeeded");
  EXPECT_GE(crashes, 6);  // a lost status write in each of Pending, BackingUp, Migrating, RollingOut, Verifying...
  EXPECT_THAT(Names(kube::kJobs), ElementsAre("production-2-14-0-backup", "production-2-14-0-migrate"));
  int deletes = 0;
  for (const Action& a : client_.Actions()) deletes += a.verb == "delete" ? 1 : 0;
  EXPECT_EQ(deletes, 0);
  EXPECT_EQ(Environment()["status"]["activeRelease"], "");
  EXPECT_EQ(Environment()["status"]["history"].size(), 1u);
  EXPECT_THAT(PhaseEvents(),
              ElementsAre("Preflight", "BackingUp", "Migrating", "RollingOut", "Verifying", "Succeeded"));
}

TEST_F(ReleaseReconcilerTest, CrashBetweenTerminalStatusAndEnvironmentIsRepaired) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  for (int i = 0; i < 40 && PhaseOf("production-2-14-0") != "Verifying"; ++i) {
    Reconcile("production-2-14-0");
    Simulate(AllJobsSucceed(), AllRollOut());
    clock_.Advance(seconds(10));
  }
  ASSERT_EQ(PhaseOf("production-2-14-0"), "Verifying");
  // The verdict is written, then the operator dies before giving the slot back.
  kube::ApiError crash;
  crash.kind = kube::ErrorKind::kServerError;
  crash.code = 500;
  crash.message = "operator killed";
  for (int i = 0; i < 5 && PhaseOf("production-2-14-0") != "Succeeded"; ++i) {
    clock_.Advance(seconds(10));
    client_.FailNext("patch-status", "justdrivingenvironments", crash);
    Reconcile("production-2-14-0");
  }
  ASSERT_EQ(PhaseOf("production-2-14-0"), "Succeeded");
  EXPECT_EQ(Environment()["status"]["activeRelease"], "production-2-14-0");
  Reconcile("production-2-14-0");
  EXPECT_EQ(Environment()["status"]["activeRelease"], "");
  EXPECT_EQ(Environment()["status"]["lastGoodRelease"]["name"], "production-2-14-0");
  EXPECT_EQ(Environment()["status"]["history"].size(), 1u);
  client_.ClearActions();
  Reconcile("production-2-14-0");
  EXPECT_TRUE(client_.Actions().empty());
}

// ---- one release at a time ----------------------------------------------------------------------

TEST_F(ReleaseReconcilerTest, TwoReleasesInQuickSuccessionSupersedeTheOlder) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  SeedRelease(ReleaseObject("production-2-14-1", "2.14.1", "2024-01-01T09:00:05Z"));
  Reconcile("production-2-14-0");
  Reconcile("production-2-14-1");

  EXPECT_EQ(PhaseOf("production-2-14-0"), "Superseded");
  EXPECT_THAT(events_.WithReason("Superseded"),
              ElementsAre("Normal Superseded superseded by the newer release production-2-14-1 of environment "
                          "production before it started; nothing was changed"));
  EXPECT_EQ(PhaseOf("production-2-14-1"), "BackingUp");
  EXPECT_EQ(Environment()["status"]["activeRelease"], "production-2-14-1");
  EXPECT_EQ(Environment()["status"]["history"][0]["outcome"], "Superseded");
  EXPECT_EQ(client_.Object(kube::kJobs, kNs, "production-2-14-0-migrate"), std::nullopt);
  EXPECT_EQ(client_.Object(kube::kJobs, kNs, "production-2-14-0-backup"), std::nullopt);
}

TEST_F(ReleaseReconcilerTest, ANewerReleaseWaitsForTheOneInProgress) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  Reconcile("production-2-14-0");
  ASSERT_EQ(PhaseOf("production-2-14-0"), "BackingUp");
  SeedRelease(ReleaseObject("production-2-14-1", "2.14.1", "2024-01-01T09:30:00Z"));
  auto out = Reconcile("production-2-14-1");
  EXPECT_EQ(PhaseOf("production-2-14-1"), "Waiting");
  EXPECT_EQ(rec::FindCondition(Release("production-2-14-1")["status"]["conditions"], "Ready")->at("message"),
            "release production-2-14-0 is in progress in environment production; this release starts when it has "
            "finished (one release at a time per environment)");
  EXPECT_EQ(std::get<Result>(out).requeue_after, options_.wait_recheck_interval);
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  Drive("production-2-14-1", AllJobsSucceed(), AllRollOut());
  EXPECT_EQ(PhaseOf("production-2-14-1"), "Succeeded");
  EXPECT_EQ(Environment()["status"]["history"].size(), 2u);
  EXPECT_EQ(Environment()["status"]["history"][0]["release"], "production-2-14-1");
}

TEST_F(ReleaseReconcilerTest, TheSlotIsTakenWithTheEnvironmentsResourceVersion) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  // Another writer changes the environment between our read and our slot patch.
  kube::ApiError conflict;
  conflict.kind = kube::ErrorKind::kConflict;
  conflict.code = 409;
  conflict.message = "the object has been modified";
  client_.FailNext("patch-status", "justdrivingenvironments", conflict);
  auto out = Reconcile("production-2-14-0");
  EXPECT_EQ(std::get<Result>(out).requeue_after, options_.conflict_requeue);
  EXPECT_EQ(String(Field(Environment(), {"status", "activeRelease"})), "");
  EXPECT_TRUE(client_.Objects(kube::kJobs, kNs).empty());
  Reconcile("production-2-14-0");
  EXPECT_EQ(Environment()["status"]["activeRelease"], "production-2-14-0");
}

// ---- preflight ----------------------------------------------------------------------------------

TEST_F(ReleaseReconcilerTest, ClosedDeployWindowWaitsUntilItOpens) {
  json env = Environment();
  env["spec"]["deployWindows"] = json::parse(R"([{"days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
                                                  "start": "21:00", "end": "06:00"}])");
  client_.Seed(kube::kJustDrivingEnvironments, env);
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));

  auto out = Reconcile("production-2-14-0");  // Monday 11:00 in Amsterdam
  EXPECT_EQ(PhaseOf("production-2-14-0"), "Waiting");
  EXPECT_EQ(std::get<Result>(out).requeue_after, milliseconds(hours(10)));  // 21:00 CET = 20:00Z
  const json waiting = Release("production-2-14-0")["status"];
  const json* pre = rec::FindCondition(waiting["conditions"], "PreflightPassed");
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ((*pre)["reason"], "DeployWindowClosed");
  EXPECT_EQ((*pre)["message"],
            "outside the deploy windows of environment production (spec.deployWindows, Europe/Amsterdam): waiting "
            "until 2024-01-01T20:00:00Z; set spec.overrideDeployWindow: true to deploy now (recorded in the history)");
  EXPECT_EQ(String(Field(Environment(), {"status", "activeRelease"})), "");
  EXPECT_TRUE(client_.Objects(kube::kJobs, kNs).empty());

  // Re-checking while closed changes nothing.
  client_.ClearActions();
  events_.Clear();
  clock_.Advance(hours(1));
  Reconcile("production-2-14-0");
  EXPECT_TRUE(Writes().empty());
  EXPECT_TRUE(events_.Events().empty());

  clock_.Advance(hours(9));
  Reconcile("production-2-14-0");
  EXPECT_EQ(PhaseOf("production-2-14-0"), "BackingUp");
}

TEST_F(ReleaseReconcilerTest, OverriddenDeployWindowIsRecordedInTheHistory) {
  json env = Environment();
  env["spec"]["deployWindows"] = json::parse(R"([{"days": ["Sat"], "start": "01:00", "end": "05:00"}])");
  client_.Seed(kube::kJustDrivingEnvironments, env);
  json release = ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z");
  release["spec"]["overrideDeployWindow"] = true;
  SeedRelease(release);
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  EXPECT_EQ(PhaseOf("production-2-14-0"), "Succeeded");
  EXPECT_EQ(Release("production-2-14-0")["status"]["deployWindowOverridden"], true);
  EXPECT_EQ(Environment()["status"]["history"][0]["reason"], "deploy window overridden");
  EXPECT_EQ(events_.WithReason("DeployWindowOverridden").size(), 1u);
}

TEST_F(ReleaseReconcilerTest, DestructiveMigrationWithoutApprovalIsBlockedUntilTheSpecChanges) {
  json release = ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z");
  release["spec"]["migrations"] = {{"destructive", true}, {"plan", "drop bookings.legacy_id; restore from backup"},
                                   {"approved", false}};
  SeedRelease(release);
  Reconcile("production-2-14-0");
  const json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Blocked");
  const json* pre = rec::FindCondition(st["conditions"], "PreflightPassed");
  EXPECT_EQ((*pre)["status"], "False");
  EXPECT_EQ((*pre)["reason"], "MigrationNotApproved");
  EXPECT_EQ((*pre)["message"],
            "spec.migrations.approved must be true to run destructive migrations in production environment "
            "production: have spec.migrations.plan reviewed, then set spec.migrations.approved: true");
  EXPECT_EQ(events_.WithReason("Blocked").size(), 1u);
  EXPECT_TRUE(client_.Objects(kube::kJobs, kNs).empty());
  EXPECT_EQ(String(Field(Environment(), {"status", "activeRelease"})), "");

  // Quarantined: nothing happens until the spec changes.
  client_.ClearActions();
  Reconcile("production-2-14-0");
  EXPECT_TRUE(client_.Actions().empty());

  json approved = Release("production-2-14-0");
  approved["spec"]["migrations"]["approved"] = true;
  approved.erase("status");
  ASSERT_TRUE(client_.Update(kube::kJustDrivingReleases, approved).ok());
  Reconcile("production-2-14-0");
  EXPECT_EQ(PhaseOf("production-2-14-0"), "BackingUp");
  EXPECT_EQ(Release("production-2-14-0")["status"]["attempt"], 2);
  EXPECT_EQ(Release("production-2-14-0")["status"]["observedGeneration"], 2);
}

TEST_F(ReleaseReconcilerTest, PromotionWaitsForTheVersionToSucceedElsewhere) {
  json release = ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z");
  release["spec"]["promotion"] = {{"requireSucceededIn", {"staging"}}};
  SeedRelease(release);
  Reconcile("production-2-14-0");
  EXPECT_EQ(PhaseOf("production-2-14-0"), "Waiting");
  EXPECT_EQ(rec::FindCondition(Release("production-2-14-0")["status"]["conditions"], "PreflightPassed")->at("message"),
            "spec.promotion.requireSucceededIn: version 2.14.0 has not Succeeded in staging yet: deploy it there first");
  json staging = ReleaseObject("staging-2-14-0", "2.14.0", "2024-01-01T08:00:00Z");
  staging["spec"]["environment"] = "staging";
  staging["status"] = {{"phase", "Succeeded"}};
  SeedRelease(staging);
  Reconcile("production-2-14-0");
  EXPECT_EQ(PhaseOf("production-2-14-0"), "BackingUp");
}

// ---- quarantine ---------------------------------------------------------------------------------

TEST_F(ReleaseReconcilerTest, FailedReleaseIsQuarantinedUntilRetryAnnotationOrSpecChange) {
  SeedRelease(ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z"));
  const JobPolicy fail_migrations = [](const std::string& job) {
    return job.find("-migrate") != std::string::npos ? std::string("fail:boom") : std::string("complete");
  };
  Drive("production-2-14-0", fail_migrations, AllRollOut());
  ASSERT_EQ(PhaseOf("production-2-14-0"), "Failed");

  client_.ClearActions();
  clock_.Advance(hours(1));
  Reconcile("production-2-14-0");
  EXPECT_TRUE(client_.Actions().empty());  // quarantined

  json annotated = Release("production-2-14-0");
  annotated["metadata"]["annotations"] = {{std::string(kRetryAnnotation), "1"}};
  annotated.erase("status");
  ASSERT_TRUE(client_.Update(kube::kJustDrivingReleases, annotated).ok());
  events_.Clear();
  Drive("production-2-14-0", fail_migrations, AllRollOut());
  json st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Failed");
  EXPECT_EQ(st["attempt"], 2);
  EXPECT_EQ(st["retryConsumed"], "1");
  EXPECT_EQ(st["migration"]["jobName"], "production-2-14-0-migrate-2");
  EXPECT_THAT(events_.WithReason("Restarted"),
              ElementsAre("Normal Restarted restarted after Failed: annotation justdriving.io/retry=1; attempt 2"));

  // The same annotation value does not restart it again.
  client_.ClearActions();
  Reconcile("production-2-14-0");
  EXPECT_TRUE(client_.Actions().empty());

  // A spec change does.
  json changed = Release("production-2-14-0");
  changed["spec"]["image"] = std::string(kRepo) + ":2.14.0-fix1";
  changed.erase("status");
  ASSERT_TRUE(client_.Update(kube::kJustDrivingReleases, changed).ok());
  Drive("production-2-14-0", AllJobsSucceed(), AllRollOut());
  st = Release("production-2-14-0")["status"];
  EXPECT_EQ(st["phase"], "Succeeded");
  EXPECT_EQ(st["attempt"], 3);
  EXPECT_THAT(Names(kube::kJobs),
              ElementsAre("production-2-14-0-backup", "production-2-14-0-backup-2", "production-2-14-0-backup-3",
                          "production-2-14-0-migrate", "production-2-14-0-migrate-2", "production-2-14-0-migrate-3"));
  EXPECT_EQ(Environment()["status"]["history"].size(), 3u);
}

// ---- pure parts ---------------------------------------------------------------------------------

TEST(ReadJobTest, Table) {
  struct Case {
    std::string name;
    json job;
    std::vector<json> pods;
    JobState want;
  };
  const json failed_status = {{"conditions", json::array({{{"type", "Failed"},
                                                            {"status", "True"},
                                                            {"reason", "DeadlineExceeded"},
                                                            {"message", "Job was active longer than specified deadline"}}})}};
  const json pod = {{"metadata", {{"name", "m-x"}}},
                    {"status", {{"containerStatuses", json::array({{{"state", {{"terminated", {{"message", "timeout\n"}}}}}}})}}}};
  const std::vector<Case> cases = {
      {"absent", json(), {}, {JobState::kMissing, ""}},
      {"no status", {{"metadata", {{"name", "m"}}}}, {}, {JobState::kRunning, ""}},
      {"complete", {{"status", {{"conditions", json::array({{{"type", "Complete"}, {"status", "True"}}})}}}}, {},
       {JobState::kSucceeded, ""}},
      {"succeeded count", {{"status", {{"succeeded", 1}}}}, {}, {JobState::kSucceeded, ""}},
      {"timeout", {{"status", failed_status}}, {}, {JobState::kFailed, "DeadlineExceeded: Job was active longer than specified deadline"}},
      {"timeout with pod message", {{"status", failed_status}}, {pod},
       {JobState::kFailed, "DeadlineExceeded: Job was active longer than specified deadline; pod m-x: timeout"}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReadJob(c.job.is_null() ? nullptr : &c.job, c.pods), c.want) << c.name;
  }
}

TEST(ReadRolloutTest, Table) {
  const std::string hash_key(env::kAppliedHashAnnotation);
  const auto deployment = [&](const std::string& hash, int64_t generation, json status) {
    return json{{"metadata", {{"generation", generation}, {"annotations", {{hash_key, hash}}}}},
                {"spec", {{"replicas", 3}}},
                {"status", std::move(status)}};
  };
  struct Case {
    std::string name;
    json d;
    RolloutState::Kind want;
  };
  const json done = {{"observedGeneration", 2}, {"replicas", 3}, {"updatedReplicas", 3}, {"availableReplicas", 3}};
  const std::vector<Case> cases = {
      {"absent", json(), RolloutState::kNotApplied},
      {"other hash", deployment("old", 2, done), RolloutState::kNotApplied},
      {"complete", deployment("h", 2, done), RolloutState::kComplete},
      {"not observed yet", deployment("h", 3, done), RolloutState::kProgressing},
      {"old pods left", deployment("h", 2, {{"observedGeneration", 2}, {"replicas", 4}, {"updatedReplicas", 3},
                                            {"availableReplicas", 3}}),
       RolloutState::kProgressing},
      {"unavailable", deployment("h", 2, {{"observedGeneration", 2}, {"replicas", 3}, {"updatedReplicas", 3},
                                          {"availableReplicas", 3}, {"unavailableReplicas", 1}}),
       RolloutState::kProgressing},
      {"deadline", deployment("h", 2, {{"observedGeneration", 2},
                                       {"conditions", json::array({{{"type", "Progressing"},
                                                                    {"status", "False"},
                                                                    {"reason", "ProgressDeadlineExceeded"}}})}}),
       RolloutState::kFailed},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReadRollout(c.d.is_null() ? nullptr : &c.d, "h").kind, c.want) << c.name;
  }
}

// CheckPreflight's rules, first failure wins, with their exact messages.
class PreflightTest : public ::testing::Test {
 public:
  PreflightVerdict Check(const json& release, const json& env, WallTime now) {
    ReleaseCaches caches{releases_.View(), envs_.View(), deployments_.View(), jobs_.View(),
                         pods_.View(),     cms_.View(),  secrets_.View()};
    StepInput in(release, &env, env["spec"], "", caches, options_, now);
    return CheckPreflight(in);
  }
  void SetUp() override {
    cms_.Replace({{{"metadata", {{"name", "jd-config"}, {"namespace", kNs}}}, {"data", {{"A", "1"}}}}}, "1");
    secrets_.Replace({{{"metadata", {{"name", "jd-db"}, {"namespace", kNs}}}, {"data", {{"DB_PASSWORD", "eA=="}}}}}, "1");
    envs_.Replace({}, "1");
    releases_.Replace({}, "1");
  }
  kube::StoreWriter releases_, envs_, deployments_, jobs_, pods_, cms_, secrets_;
  ReleaseReconcilerOptions options_;
};

TEST_F(PreflightTest, FirstFailingRuleWins) {
  const WallTime monday_11 = WallTime(std::chrono::seconds(1704103200));
  struct Case {
    std::string name;
    std::function<void(json& release, json& env)> edit;
    PreflightVerdict::Kind kind;
    std::string reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"passes", [](json&, json&) {}, PreflightVerdict::kPass, "", ""},
      {"image of another repository",
       [](json& r, json&) { r["spec"]["image"] = "registry.example.com/other/app:2.14.0"; },
       PreflightVerdict::kBlock, "ImageMismatch",
       "spec.image \"registry.example.com/other/app:2.14.0\" is not an image of registry.example.com/justdriving/app "
       "(spec.app.image of environment production): use registry.example.com/justdriving/app:<tag> or "
       "registry.example.com/justdriving/app@sha256:<digest>"},
      {"registry port is not a tag",
       [](json& r, json& e) {
         e["spec"]["app"]["image"] = "registry.example.com:5000/app";
         r["spec"]["image"] = "registry.example.com:5000/app:1";
       },
       PreflightVerdict::kPass, "", ""},
      {"destructive without plan",
       [](json& r, json&) { r["spec"]["migrations"] = {{"destructive", true}, {"plan", "  "}}; },
       PreflightVerdict::kBlock, "MigrationPlanMissing",
       "spec.migrations.plan is required when spec.migrations.destructive is true: describe how data survives the "
       "migrations and how to undo them"},
      {"destructive approved in production",
       [](json& r, json&) { r["spec"]["migrations"] = {{"destructive", true}, {"plan", "p"}, {"approved", true}}; },
       PreflightVerdict::kPass, "", ""},
      {"destructive in staging needs no approval",
       [](json& r, json& e) {
         e["spec"]["tier"] = "staging";
         r["spec"]["migrations"] = {{"destructive", true}, {"plan", "p"}};
       },
       PreflightVerdict::kPass, "", ""},
      {"environment not valid",
       [](json&, json& e) {
         e["status"]["conditions"][3] = Condition("TLSValid", "False", 1);
         e["status"]["conditions"][3]["message"] = "certificate expires in 3 days";
       },
       PreflightVerdict::kWait, "EnvironmentNotValid",
       "environment production is not valid yet: TLSValid is False (certificate expires in 3 days)"},
      {"environment checked for an older generation",
       [](json&, json& e) { e["metadata"]["generation"] = 2; }, PreflightVerdict::kWait, "EnvironmentNotValid",
       "environment production is not valid yet: ConfigValid not checked yet for generation 2; SecretsIsolated not "
       "checked yet for generation 2; PaymentModeValid not checked yet for generation 2; TLSValid not checked yet "
       "for generation 2"},
      {"missing config key",
       [](json& r, json&) { r["spec"]["requiredConfigKeys"] = {"A", "DB_PASSWORD", "MISSING_KEY"}; },
       PreflightVerdict::kWait, "MissingConfigKeys",
       "spec.requiredConfigKeys: MISSING_KEY is in neither ConfigMap jd-config and Secrets jd-db of environment "
       "production: add it to the ConfigMap (or to the Secret of the integration it belongs to)"},
      {"window closed", [](json&, json& e) {
         e["spec"]["deployWindows"] = json::parse(R"([{"days": ["Sat", "Sun"], "start": "00:00", "end": "00:00"}])");
       },
       PreflightVerdict::kWait, "DeployWindowClosed",
       "outside the deploy windows of environment production (spec.deployWindows, Europe/Amsterdam): waiting until "
       "2024-01-05T23:00:00Z; set spec.overrideDeployWindow: true to deploy now (recorded in the history)"},
  };
  for (const Case& c : cases) {
    json release = ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z");
    release["spec"]["requiredConfigKeys"] = {"A"};
    json env = EnvironmentObject();
    c.edit(release, env);
    const PreflightVerdict v = Check(release, env, monday_11);
    EXPECT_EQ(v.kind, c.kind) << c.name << ": " << v.message;
    EXPECT_EQ(v.reason, c.reason) << c.name;
    EXPECT_EQ(v.message, c.message) << c.name;
  }
}

// ---- controller wiring --------------------------------------------------------------------------

TEST(ReleaseControllerMapTest, EnvironmentEventsWakeItsUnfinishedReleases) {
  kube::StoreWriter releases;
  json done = ReleaseObject("production-2-13-0", "2.13.0", "2024-01-01T08:00:00Z");
  done["status"] = {{"phase", "Succeeded"}};
  json waiting = ReleaseObject("production-2-14-0", "2.14.0", "2024-01-01T09:00:00Z");
  waiting["status"] = {{"phase", "Waiting"}};
  json fresh = ReleaseObject("production-2-14-1", "2.14.1", "2024-01-01T09:01:00Z");
  json other = ReleaseObject("staging-2-14-1", "2.14.1", "2024-01-01T09:01:00Z");
  other["spec"]["environment"] = "staging";
  releases.Replace({done, waiting, fresh, other}, "1");
  const std::vector<Request> got = PendingReleasesOf(releases.View(), kNs, "production");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "production-2-14-0");
  EXPECT_EQ(got[1].name, "production-2-14-1");
}

TEST(ReleaseControllerMapTest, WorkloadEventsWakeTheActiveRelease) {
  kube::StoreWriter envs;
  json env = EnvironmentObject();
  env["status"]["activeRelease"] = "production-2-14-0";
  envs.Replace({env}, "1");
  const json deployment = {{"metadata",
                            {{"name", "production-web"},
                             {"namespace", kNs},
                             {"labels", {{"justdriving.io/environment", "production"}}}}}};
  const std::vector<Request> got = ActiveReleaseFor(envs.View(), deployment);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "production-2-14-0");
  EXPECT_TRUE(ActiveReleaseFor(envs.View(), {{"metadata", {{"name", "x"}, {"namespace", kNs}}}}).empty());
  env["status"]["activeRelease"] = "";
  envs.Replace({env}, "2");
  EXPECT_TRUE(ActiveReleaseFor(envs.View(), deployment).empty());
}

TEST(ReleaseControllerMapTest, RejectsAMalformedAppAddress) {
  FakeClock clock;
  kube::FakeClient client(clock);
  kube::FakeEventRecorder recorder;
  FakeHttpProber prober;
  ReleaseReconcilerOptions options;
  options.app_http_address = "localhost";
  auto bad = NewReleaseController(client, clock, {}, {recorder, prober, nullptr, nullptr, options});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "app address \"localhost\" is not host:port (for example 127.0.0.1:8080)");
  options.app_http_address = "127.0.0.1:8080";
  EXPECT_TRUE(NewReleaseController(client, clock, {}, {recorder, prober, nullptr, nullptr, options}).ok());
}

}  // namespace
}  // namespace jd::release

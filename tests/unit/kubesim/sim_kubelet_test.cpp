// Tests of kubelet.h: the pure decisions in tables, then the kubelet against an in-process
// ApiServer on a FakeClock (the Simulator's SyncOnce is the only thing that moves the world), and
// the API server's graceful pod deletion it relies on.
#include "kubelet.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api_server.h"
#include "clock.h"
#include "sim_client.h"
#include "sim_time.h"
#include "simulator.h"

namespace kubesim {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using State = ContainerRun::State;

const TimePoint kT0 = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01T00:00:00Z

TimePoint At(double secs) { return kT0 + milliseconds(std::llround(secs * 1000)); }

// ---- Pure decisions ---------------------------------------------------------------------------

TEST(KubeletDecisionTest, RestartBackoff) {
  struct Case {
    int restarts_before;
    milliseconds last_run;
    double scale;
    milliseconds want;
  };
  const std::vector<Case> cases = {
      {0, seconds(5), 1, seconds(10)},   {1, seconds(5), 1, seconds(20)},   {2, seconds(5), 1, seconds(40)},
      {4, seconds(5), 1, seconds(160)},  {5, seconds(5), 1, seconds(300)},  {30, seconds(5), 1, seconds(300)},
      {6, seconds(600), 1, seconds(10)},  // ran 10 minutes: the back-off starts over
      {6, seconds(599), 1, seconds(300)}, {0, seconds(5), 0.01, milliseconds(100)},
      {3, seconds(5), 0.01, milliseconds(800)}, {3, seconds(6), 0.01, milliseconds(100)},  // 6 s >= 600 s * 0.01
  };
  for (const auto& c : cases)
    EXPECT_EQ(RestartBackoff(c.restarts_before, c.last_run, c.scale), c.want)
        << c.restarts_before << " restarts, last run " << c.last_run.count() << " ms, scale " << c.scale;
}

TEST(KubeletDecisionTest, ScriptFor) {
  ScenarioRule r;
  r.pod.ready_after_seconds = 2;
  r.pod.crash_after_seconds = 30;
  r.job = {5, 3, "boom"};
  ContainerScript always = ScriptFor(r, "Always", 0.1);
  EXPECT_EQ(always.ready_after, milliseconds(200));
  EXPECT_EQ(always.exit_after, milliseconds(3000));
  EXPECT_EQ(always.exit_code, 1);
  EXPECT_EQ(always.message, "");
  ContainerScript never = ScriptFor(r, "Never", 1);
  EXPECT_EQ(never.exit_after, seconds(5));
  EXPECT_EQ(never.exit_code, 3);
  EXPECT_EQ(never.message, "boom");
  r.pod.never_ready = true;
  r.pod.crash_after_seconds.reset();
  ContainerScript idle = ScriptFor(r, "", 1);
  EXPECT_EQ(idle.restart_policy, "Always");
  EXPECT_FALSE(idle.ready_after.has_value());
  EXPECT_FALSE(idle.exit_after.has_value());
}

TEST(KubeletDecisionTest, AdvanceContainer) {
  ContainerScript crash{"Always", seconds(1), seconds(5), 1, "", 1.0};
  ContainerScript job_ok{"Never", seconds(0), seconds(3), 0, "done", 1.0};
  ContainerScript job_fail{"Never", seconds(0), seconds(3), 2, "", 1.0};
  ContainerScript on_failure{"OnFailure", seconds(0), seconds(3), 1, "", 1.0};
  ContainerScript forever{"Always", std::nullopt, std::nullopt, 0, "", 1.0};
  const TimePoint image_ready = At(1);
  struct Case {
    std::string name;
    ContainerScript script;
    double now;
    State want_state;
    int want_restarts;
    double want_started;  // for kRunning: the current run's start
  };
  const std::vector<Case> cases = {
      {"still pulling", forever, 0.5, State::kWaiting, 0, 0},
      {"starts when the image is ready", forever, 1, State::kRunning, 0, 1},
      {"runs forever", forever, 10000, State::kRunning, 0, 1},
      {"crash at start+5", crash, 6, State::kCrashLoopBackOff, 1, 0},
      {"running before the crash", crash, 5.9, State::kRunning, 0, 1},
      {"back-off 10s after the first crash", crash, 15.9, State::kCrashLoopBackOff, 1, 0},
      {"restarted after 10s", crash, 16, State::kRunning, 1, 16},
      {"second crash at 21, back-off 20s", crash, 40.9, State::kCrashLoopBackOff, 2, 0},
      {"restarted at 41", crash, 41, State::kRunning, 2, 41},
      {"job succeeds at 4", job_ok, 4, State::kTerminated, 0, 0},
      {"job fails and stays terminated (Never)", job_fail, 100, State::kTerminated, 0, 0},
      {"OnFailure restarts a failed container", on_failure, 4, State::kCrashLoopBackOff, 1, 0},
      {"OnFailure: running again after 10s", on_failure, 14, State::kRunning, 1, 14},
  };
  for (const auto& c : cases) {
    ContainerRun r = AdvanceContainer(ContainerRun{}, c.script, image_ready, At(c.now));
    EXPECT_EQ(r.state, c.want_state) << c.name;
    EXPECT_EQ(r.restart_count, c.want_restarts) << c.name;
    if (c.want_state == State::kRunning) {
      EXPECT_EQ(r.started_at, At(c.want_started)) << c.name;
    }
  }
  // Stepping tick by tick ends where one late step ends.
  ContainerRun stepped;
  for (int ms = 0; ms <= 60000; ms += 250) stepped = AdvanceContainer(stepped, crash, image_ready, kT0 + milliseconds(ms));
  EXPECT_EQ(stepped, AdvanceContainer(ContainerRun{}, crash, image_ready, At(60)));
  // The job's exit is recorded exactly.
  ContainerRun done = AdvanceContainer(ContainerRun{}, job_fail, image_ready, At(100));
  ASSERT_TRUE(done.ended.has_value());
  EXPECT_EQ(done.ended->started_at, At(1));
  EXPECT_EQ(done.ended->finished_at, At(4));
  EXPECT_EQ(done.ended->exit_code, 2);
}

TEST(KubeletDecisionTest, StatusRoundTripsThroughJson) {
  ContainerScript crash{"Always", seconds(1), seconds(5), 1, "", 0.5};
  json container = {{"name", "web"}, {"image", "nginx:1.27"}};
  for (double t : {0.5, 1.0, 3.0, 4.0, 6.0, 9.0, 12.0, 20.0, 100.0}) {
    ContainerRun r = AdvanceContainer(ContainerRun{}, crash, At(1), At(t));
    json cs = RenderContainerStatus(container, r, crash, false, "uid-1", "web_default(uid-1)");
    EXPECT_EQ(ParseContainerStatus(cs), r) << "t=" << t << " " << cs.dump();
  }
}

TEST(KubeletDecisionTest, PodPhaseFor) {
  ContainerRun waiting, running, failed, ok, backoff;
  running.state = State::kRunning;
  backoff.state = State::kCrashLoopBackOff;
  ok.state = failed.state = State::kTerminated;
  ok.ended = Termination{At(0), At(1), 0};
  failed.ended = Termination{At(0), At(1), 1};
  struct Case {
    std::vector<ContainerRun> runs;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{}, "Pending"},           {{waiting}, "Pending"},      {{running, waiting}, "Pending"},
      {{running}, "Running"},    {{backoff}, "Running"},      {{ok, running}, "Running"},
      {{ok}, "Succeeded"},       {{ok, ok}, "Succeeded"},     {{ok, failed}, "Failed"},
      {{failed}, "Failed"},
  };
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(PodPhaseFor(cases[i].runs), cases[i].want) << "case " << i;
}

TEST(KubeletDecisionTest, RemovalTime) {
  json pod = {{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:30Z"}, {"deletionGracePeriodSeconds", 30}}}};
  EXPECT_EQ(RemovalTime(pod, 1.0), At(30));
  EXPECT_EQ(RemovalTime(pod, 0.1), At(3));
  EXPECT_FALSE(RemovalTime(json{{"metadata", json::object()}}, 1.0).has_value());
  // The app exits after shutdownSeconds when that comes before the end of the grace period.
  EXPECT_EQ(RemovalTime(pod, 1.0, 5), At(5));
  EXPECT_EQ(RemovalTime(pod, 0.1, 5), At(0.5));
  EXPECT_EQ(RemovalTime(pod, 1.0, 60), At(30));
}

// ---- The kubelet against an in-process API server ---------------------------------------------

class KubeletTest : public ::testing::Test {
 protected:
  void SetUp() override { sim.Add(std::make_unique<Kubelet>()); }

  void Load(const std::string& yaml) { ASSERT_FALSE(scenarios.LoadYaml(yaml).has_value()); }

  json Pod(const std::string& name, const std::string& image = "nginx:1.27", const std::string& restart_policy = "Always") {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
                {"spec", {{"restartPolicy", restart_policy}, {"containers", json::array({{{"name", "main"}, {"image", image}}})}}}};
    auto created = client.Create(kPods, "default", pod);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? created.value() : json();
  }

  std::optional<json> Get(const std::string& name) {
    auto got = client.Get(kPods, "default", name);
    if (!got.ok()) return std::nullopt;
    return got.value();
  }

  // Moves the clock to t0 + `secs` and runs one round.
  void SyncAt(double secs) {
    auto target = At(secs);
    if (target > clock.Now()) clock.Advance(std::chrono::duration_cast<milliseconds>(target - clock.Now()));
    sim.SyncOnce();
  }

  static std::string Condition(const json& pod, const std::string& type, const char* field = "status") {
    for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == type) return c.value(field, "");
    return "";
  }

  std::vector<std::string> EventReasons(const std::string& name) {
    std::vector<std::string> out;
    auto events = client.List(kEvents, "default");
    if (!events.ok()) return out;
    for (const auto& e : events.value())
      if (e["involvedObject"].value("name", "") == name) out.push_back(e.value("reason", ""));
    return out;
  }

  FakeClock clock{kT0};
  ApiServer api{clock, ApiServerOptions{.token = "t0ken"}};
  Scenarios scenarios;
  Simulator sim{api, clock, scenarios, "t0ken"};
  SimClient client{api, "t0ken", "kubelet-test"};
};

TEST_F(KubeletTest, PodIsScheduledRunsAndBecomesReadyOnTime) {
  Load("scenarios: [{match: {image: 'nginx:*'}, pod: {readyAfterSeconds: 2}}]");
  Pod("web");
  SyncAt(0);
  json pod = *Get("web");
  EXPECT_EQ(pod["spec"]["nodeName"], kSimNodeName);
  EXPECT_EQ(pod["status"]["phase"], "Pending");
  EXPECT_EQ(Condition(pod, "PodScheduled"), "True");
  EXPECT_EQ(Condition(pod, "Ready"), "False");
  EXPECT_EQ(pod["status"]["startTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(pod["status"]["hostIP"], kSimHostIp);
  EXPECT_EQ(pod["status"]["podIP"].get<std::string>().rfind("10.244.", 0), 0u);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "ContainerCreating");

  SyncAt(1);  // the image pull (0.5 s) is done: running since 0.5 s, ready at 2.5 s
  pod = *Get("web");
  EXPECT_EQ(pod["status"]["phase"], "Running");
  const json& cs = pod["status"]["containerStatuses"][0];
  EXPECT_EQ(cs["state"]["running"]["startedAt"], "2026-01-01T00:00:00.500000Z");
  EXPECT_TRUE(cs["started"].get<bool>());
  EXPECT_FALSE(cs["ready"].get<bool>());
  EXPECT_EQ(cs["restartCount"], 0);
  EXPECT_EQ(cs["image"], "nginx:1.27");
  EXPECT_EQ(cs["imageID"].get<std::string>().rfind("docker.io/library/nginx@sha256:", 0), 0u);
  EXPECT_EQ(cs["containerID"].get<std::string>().rfind("containerd://", 0), 0u);
  EXPECT_EQ(Condition(pod, "Ready"), "False");
  EXPECT_EQ(Condition(pod, "Initialized"), "True");

  SyncAt(2.4);
  EXPECT_EQ(Condition(*Get("web"), "Ready"), "False");
  SyncAt(3);
  pod = *Get("web");
  EXPECT_EQ(Condition(pod, "Ready"), "True");
  EXPECT_EQ(Condition(pod, "ContainersReady"), "True");
  EXPECT_EQ(Condition(pod, "Ready", "lastTransitionTime"), "2026-01-01T00:00:02.500000Z");
  EXPECT_TRUE(pod["status"]["containerStatuses"][0]["ready"].get<bool>());

  // Nothing changes afterwards: no new writes.
  std::string rv = pod["metadata"]["resourceVersion"];
  SyncAt(100);
  EXPECT_EQ((*Get("web"))["metadata"]["resourceVersion"], rv);

  auto reasons = EventReasons("web");
  for (const char* r : {"Scheduled", "Pulling", "Pulled", "Created", "Started"})
    EXPECT_NE(std::find(reasons.begin(), reasons.end(), r), reasons.end()) << r;
}

TEST_F(KubeletTest, PodIpsAreUnique) {
  for (int i = 0; i < 5; ++i) Pod("p" + std::to_string(i));
  SyncAt(0);
  std::set<std::string> ips;
  for (int i = 0; i < 5; ++i) ips.insert((*Get("p" + std::to_string(i)))["status"]["podIP"].get<std::string>());
  EXPECT_EQ(ips.size(), 5u);
}

TEST_F(KubeletTest, NeverReadyPodRunsButIsNeverReady) {
  Load("scenarios: [{match: {labels: {app: stuck}}, pod: {neverReady: true}}]");
  Pod("stuck");
  for (double t : {0.0, 1.0, 60.0, 3600.0}) SyncAt(t);
  json pod = *Get("stuck");
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_EQ(Condition(pod, "Ready"), "False");
  EXPECT_EQ(Condition(pod, "Ready", "reason"), "ContainersNotReady");
  EXPECT_EQ(Condition(pod, "Ready", "message"), "containers with unready status: [main]");
}

TEST_F(KubeletTest, CrashingContainerGoesIntoCrashLoopBackOff) {
  Load("scenarios: [{match: {image: 'crash:*'}, pod: {readyAfterSeconds: 1, crashAfterSeconds: 5}}]");
  Pod("crash", "crash:1");
  SyncAt(0);
  SyncAt(2);  // running since 0.5, ready since 1.5
  EXPECT_EQ(Condition(*Get("crash"), "Ready"), "True");
  SyncAt(6);  // crashed at 5.5: back-off 10 s until 15.5
  json pod = *Get("crash");
  json cs = pod["status"]["containerStatuses"][0];
  EXPECT_EQ(cs["restartCount"], 1);
  EXPECT_EQ(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
  EXPECT_EQ(cs["state"]["waiting"]["message"].get<std::string>().rfind("back-off 10s restarting failed container=main pod=crash_default(", 0), 0u);
  EXPECT_EQ(cs["lastState"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(cs["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(cs["lastState"]["terminated"]["finishedAt"], "2026-01-01T00:00:05.500000Z");
  EXPECT_FALSE(cs["ready"].get<bool>());
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_EQ(Condition(pod, "Ready"), "False");
  auto reasons = EventReasons("crash");
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "BackOff"), reasons.end());

  SyncAt(15);
  EXPECT_EQ((*Get("crash"))["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
  SyncAt(16);  // restarted at 15.5
  cs = (*Get("crash"))["status"]["containerStatuses"][0];
  EXPECT_EQ(cs["state"]["running"]["startedAt"], "2026-01-01T00:00:15.500000Z");
  EXPECT_EQ(cs["restartCount"], 1);
  EXPECT_EQ(cs["lastState"]["terminated"]["exitCode"], 1);
  SyncAt(17);
  EXPECT_EQ(Condition(*Get("crash"), "Ready"), "True");
  SyncAt(21);  // second crash at 20.5: back-off 20 s
  cs = (*Get("crash"))["status"]["containerStatuses"][0];
  EXPECT_EQ(cs["restartCount"], 2);
  EXPECT_EQ(cs["state"]["waiting"]["message"].get<std::string>().rfind("back-off 20s", 0), 0u);
}

TEST_F(KubeletTest, AFreshKubeletContinuesFromThePodStatus) {
  Load("scenarios: [{match: {image: 'crash:*'}, pod: {crashAfterSeconds: 5}}]");
  Pod("crash", "crash:1");
  SyncAt(0);
  SyncAt(6);
  // A kube-sim restart: a new simulator and kubelet, nothing in memory.
  Simulator fresh(api, clock, scenarios, "t0ken");
  fresh.Add(std::make_unique<Kubelet>());
  clock.Advance(seconds(10));  // t = 16
  fresh.SyncOnce();
  json cs = (*Get("crash"))["status"]["containerStatuses"][0];
  EXPECT_EQ(cs["state"]["running"]["startedAt"], "2026-01-01T00:00:15.500000Z");
  EXPECT_EQ(cs["restartCount"], 1);
}

TEST_F(KubeletTest, RunToCompletionContainers) {
  Load(R"(
scenarios:
- {match: {image: 'ok:*'}, job: {durationSeconds: 3, log: "all done"}}
- {match: {image: 'bad:*'}, job: {durationSeconds: 2, exitCode: 3, log: "SQLSTATE[42S01]: table exists"}}
)");
  Pod("ok", "ok:1", "Never");
  Pod("bad", "bad:1", "Never");
  Pod("retry", "bad:1", "OnFailure");
  SyncAt(0);
  SyncAt(1);
  EXPECT_EQ((*Get("ok"))["status"]["phase"], "Running");
  SyncAt(4);
  json ok = *Get("ok");
  EXPECT_EQ(ok["status"]["phase"], "Succeeded");
  EXPECT_EQ(ok["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(ok["status"]["containerStatuses"][0]["state"]["terminated"]["message"], "all done");
  EXPECT_EQ(Condition(ok, "Ready"), "False");
  EXPECT_EQ(Condition(ok, "Ready", "reason"), "PodCompleted");
  json bad = *Get("bad");
  EXPECT_EQ(bad["status"]["phase"], "Failed");
  json term = bad["status"]["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(term["exitCode"], 3);
  EXPECT_EQ(term["reason"], "Error");
  EXPECT_EQ(term["message"], "SQLSTATE[42S01]: table exists");
  json retry = *Get("retry");
  EXPECT_EQ(retry["status"]["phase"], "Running");
  EXPECT_EQ(retry["status"]["containerStatuses"][0]["restartCount"], 1);
  EXPECT_EQ(retry["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
  // A finished pod is not touched again.
  std::string rv = ok["metadata"]["resourceVersion"];
  SyncAt(50);
  EXPECT_EQ((*Get("ok"))["metadata"]["resourceVersion"], rv);
}

TEST_F(KubeletTest, GracefulDeletionKeepsThePodForItsGracePeriod) {
  // An app slower to exit than its grace period: the pod goes when the grace period ends.
  Load("defaults: {pod: {shutdownSeconds: 3600}}");
  Pod("web");
  SyncAt(0);
  SyncAt(2);
  ASSERT_EQ(Condition(*Get("web"), "Ready"), "True");
  auto deleted = client.Delete(kPods, "default", "web");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted.value()["metadata"]["deletionTimestamp"], "2026-01-01T00:00:32Z");  // now + 30 s
  EXPECT_EQ(deleted.value()["metadata"]["deletionGracePeriodSeconds"], 30);
  SyncAt(2);
  json pod = *Get("web");
  EXPECT_EQ(Condition(pod, "Ready"), "False");
  EXPECT_FALSE(pod["status"]["containerStatuses"][0]["ready"].get<bool>());
  // A second delete does not restart or lengthen the grace period.
  ASSERT_TRUE(client.Delete(kPods, "default", "web").ok());
  EXPECT_EQ((*Get("web"))["metadata"]["deletionTimestamp"], "2026-01-01T00:00:32Z");
  SyncAt(31.9);
  EXPECT_TRUE(Get("web").has_value());
  SyncAt(32);
  EXPECT_FALSE(Get("web").has_value());
}

TEST_F(KubeletTest, ThePodGoesWhenItsAppExitsBeforeTheGracePeriodEnds) {
  Load("defaults: {pod: {shutdownSeconds: 5}}");
  Pod("web");
  SyncAt(0);
  SyncAt(2);
  ASSERT_TRUE(client.Delete(kPods, "default", "web").ok());  // grace 30 s, app exits after 5 s
  SyncAt(6.9);
  EXPECT_TRUE(Get("web").has_value());
  SyncAt(7);
  EXPECT_FALSE(Get("web").has_value());
}

TEST_F(KubeletTest, GracePeriodIsScaled) {
  Load("timeScale: 0.1\ndefaults: {pod: {shutdownSeconds: 3600}}");
  Pod("web");
  SyncAt(0);
  SyncAt(1);
  ASSERT_TRUE(client.Delete(kPods, "default", "web").ok());  // grace 30 s -> 3 s scaled
  SyncAt(3.9);
  EXPECT_TRUE(Get("web").has_value());
  SyncAt(4);
  EXPECT_FALSE(Get("web").has_value());
}

// ---- The API server's pod deletion rules ------------------------------------------------------

class PodDeletionTest : public KubeletTest {
 protected:
  ApiResponse Delete(const std::string& name, const std::string& query, const std::string& body = "") {
    HttpRequest req;
    req.method = "DELETE";
    req.path = "/api/v1/namespaces/default/pods/" + name;
    if (!query.empty()) req.query.emplace("gracePeriodSeconds", query);
    req.headers["authorization"] = "Bearer t0ken";
    if (!body.empty()) req.headers["content-type"] = "application/json";
    req.body = body;
    return api.Handle(req);
  }
};

TEST_F(PodDeletionTest, UnboundPodsGoAtOnce) {
  Pod("unbound");
  ASSERT_EQ(Delete("unbound", "").response.status, 200);
  EXPECT_FALSE(Get("unbound").has_value());
}

TEST_F(PodDeletionTest, GraceFromQueryBodyOrSpec) {
  json p = Pod("a");
  p = Pod("b");
  p = Pod("c");
  p = Pod("d");
  SyncAt(0);  // bound
  ASSERT_EQ(Delete("a", "5").response.status, 200);
  EXPECT_EQ((*Get("a"))["metadata"]["deletionTimestamp"], "2026-01-01T00:00:05Z");
  ASSERT_EQ(Delete("b", "", R"({"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":7})").response.status, 200);
  EXPECT_EQ((*Get("b"))["metadata"]["deletionGracePeriodSeconds"], 7);
  ASSERT_EQ(Delete("c", "0").response.status, 200);  // kubectl delete --force --grace-period=0
  EXPECT_FALSE(Get("c").has_value());
  EXPECT_EQ(Delete("d", "soon").response.status, 400);
  // A shorter grace period moves the deadline earlier; 0 on a terminating pod removes it.
  ASSERT_EQ(Delete("a", "2").response.status, 200);
  EXPECT_EQ((*Get("a"))["metadata"]["deletionTimestamp"], "2026-01-01T00:00:02Z");
  ASSERT_EQ(Delete("a", "0").response.status, 200);
  EXPECT_FALSE(Get("a").has_value());
  // Status updates during the grace period keep the pod.
  json b = *Get("b");
  b["status"]["message"] = "shutting down";
  ASSERT_TRUE(client.UpdateStatus(kPods, b).ok());
  EXPECT_TRUE(Get("b").has_value());
}

TEST_F(PodDeletionTest, TerminalPodsAndOtherKindsGoAtOnce) {
  Load("scenarios: [{match: {image: 'ok:*'}, job: {durationSeconds: 1}}]");
  Pod("done", "ok:1", "Never");
  SyncAt(0);
  SyncAt(3);
  ASSERT_EQ((*Get("done"))["status"]["phase"], "Succeeded");
  ASSERT_EQ(Delete("done", "").response.status, 200);
  EXPECT_FALSE(Get("done").has_value());
  json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "cm"}}}};
  ASSERT_TRUE(client.Create({"", "v1", "configmaps"}, "default", cm).ok());
  ASSERT_TRUE(client.Delete({"", "v1", "configmaps"}, "default", "cm").ok());
  EXPECT_FALSE(client.Get({"", "v1", "configmaps"}, "default", "cm").ok());
}

TEST_F(PodDeletionTest, FinalizersStillHoldAPodAfterItsGracePeriod) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "held"}, {"finalizers", {"example.com/hold"}}}},
              {"spec", {{"containers", json::array({{{"name", "main"}, {"image", "nginx"}}})}}}};
  ASSERT_TRUE(client.Create(kPods, "default", pod).ok());
  SyncAt(0);
  ASSERT_EQ(Delete("held", "").response.status, 200);
  SyncAt(30);  // the kubelet's final delete: the finalizer keeps it
  json held = *Get("held");
  EXPECT_EQ(held["metadata"]["deletionGracePeriodSeconds"], 0);
  held["metadata"].erase("finalizers");
  ASSERT_TRUE(client.Update(kPods, held).ok());
  EXPECT_FALSE(Get("held").has_value());
}

}  // namespace
}  // namespace kubesim

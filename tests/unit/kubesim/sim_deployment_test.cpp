// In-process tests of the Deployment and ReplicaSet controllers (deployment_controller.h,
// replicaset_controller.h): an ApiServer on a FakeClock, a Simulator running both controllers,
// and a tiny stand-in kubelet that makes pods Running and Ready (or, for images starting with
// "bad", Running and never Ready). Each round is SyncOnce, the kubelet, and one simulated second.
//
// The garbage collector runs on the API server's own thread, so the deletion test polls with a
// bounded wait.
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api_server.h"
#include "deployment_controller.h"
#include "replicaset_controller.h"
#include "rollout_math.h"
#include "scenario.h"
#include "sim_client.h"
#include "simulator.h"
#include "text_util.h"

namespace kubesim {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kToken = "s3cret";
const TimePoint kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1};

json Deployment(const std::string& name, int replicas, const std::string& image) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", json::array({{{"name", "app"}, {"image", image}}})}}}}}}}};
}

std::string Image(const json& pod) { return pod.value("/spec/containers/0/image"_json_pointer, std::string()); }

bool Ready(const json& pod) {
  for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

// A copy of the condition, or null.
json Condition(const json& d, const std::string& type) {
  const json status = d.value("status", json::object());
  const json* c = rollout::GetCondition(status, type);
  return c ? *c : json();
}

class DeploymentSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.Add(std::make_unique<DeploymentController>());
    sim_.Add(std::make_unique<ReplicaSetController>());
  }

  // The stand-in kubelet: every pod without a Ready condition gets one — True, or False for
  // images starting with "bad".
  void Kubelet() {
    auto pods = client_.List(kPods, "default");
    ASSERT_TRUE(pods.ok());
    for (json pod : pods.value()) {
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      bool has_ready = false;
      for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
        has_ready = has_ready || c.value("type", "") == "Ready";
      if (has_ready) continue;
      std::string now = Rfc3339(clock_.Now());
      std::string ready = Image(pod).rfind("bad", 0) == 0 ? "False" : "True";
      pod["status"] = {{"phase", "Running"},
                       {"conditions",
                        json::array({{{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}},
                                     {{"type", "ContainersReady"}, {"status", ready}, {"lastTransitionTime", now}},
                                     {{"type", "Ready"}, {"status", ready}, {"lastTransitionTime", now}}})}};
      ASSERT_TRUE(client_.UpdateStatus(kPods, pod).ok());
    }
  }

  void Round() {
    sim_.SyncOnce();
    Kubelet();
    clock_.Advance(seconds(1));
  }

  // Rounds until `done` (checked after each round); false after `max_rounds`. `each` runs
  // after every round, for invariants.
  bool RunUntil(const std::function<bool()>& done, int max_rounds = 40, const std::function<void()>& each = {}) {
    for (int i = 0; i < max_rounds; ++i) {
      Round();
      if (each) each();
      if (done()) return true;
    }
    return false;
  }

  json Get(const std::string& name) {
    auto d = client_.Get(kDeployments, "default", name);
    EXPECT_TRUE(d.ok()) << name;
    return d.ok() ? d.value() : json::object();
  }

  // What `kubectl rollout status` calls success.
  bool RolloutComplete(const std::string& name) {
    json d = Get(name);
    const json s = d.value("status", json::object());
    int replicas = d.value("/spec/replicas"_json_pointer, 1);
    return s.value("observedGeneration", 0) >= d.value("/metadata/generation"_json_pointer, 0) &&
           s.value("updatedReplicas", 0) == replicas && s.value("replicas", 0) == replicas &&
           s.value("availableReplicas", 0) == replicas;
  }

  std::vector<json> Pods() {
    auto pods = client_.List(kPods, "default");
    EXPECT_TRUE(pods.ok());
    std::vector<json> out;
    for (auto& p : pods.value())
      if (!p["metadata"].contains("deletionTimestamp")) out.push_back(p);
    return out;
  }

  std::vector<json> ReplicaSets() {
    auto rss = client_.List(kReplicaSets, "default");
    EXPECT_TRUE(rss.ok());
    return rss.ok() ? rss.value() : std::vector<json>{};
  }

  json ReplicaSetWithImage(const std::string& image) {
    for (const auto& rs : ReplicaSets())
      if (rs.value("/spec/template/spec/containers/0/image"_json_pointer, std::string()) == image) return rs;
    ADD_FAILURE() << "no ReplicaSet with image " << image;
    return json::object();
  }

  void SetImage(const std::string& name, const std::string& image) {
    json patch = {{"spec", {{"template", {{"spec", {{"containers", json::array({{{"name", "app"}, {"image", image}}})}}}}}}}};
    ASSERT_TRUE(client_.MergePatch(kDeployments, "default", name, patch).ok());
  }

  std::vector<std::string> EventMessages(const std::string& reason) {
    auto events = client_.List(kEvents, "default");
    EXPECT_TRUE(events.ok());
    std::vector<std::string> out;
    for (const auto& e : events.value())
      if (e.value("reason", "") == reason) out.push_back(e.value("message", ""));
    return out;
  }

  bool HasEvent(const std::string& reason, const std::string& message) {
    auto msgs = EventMessages(reason);
    return std::find(msgs.begin(), msgs.end(), message) != msgs.end();
  }

  FakeClock clock_{kStart};
  ApiServer api_{clock_, {.token = kToken}};
  Scenarios scenarios_;
  Simulator sim_{api_, clock_, scenarios_, kToken};
  SimClient client_{api_, kToken, "sim-deployment-test"};
};

TEST_F(DeploymentSimTest, ThreeReplicasConverge) {
  ASSERT_TRUE(client_.Create(kDeployments, "default", Deployment("web", 3, "nginx:1.27")).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  Round();  // one more: the status settles on NewReplicaSetAvailable

  json d = Get("web");
  const json& s = d["status"];
  EXPECT_EQ(s["replicas"], 3);
  EXPECT_EQ(s["updatedReplicas"], 3);
  EXPECT_EQ(s["readyReplicas"], 3);
  EXPECT_EQ(s["availableReplicas"], 3);
  EXPECT_FALSE(s.contains("unavailableReplicas"));
  EXPECT_FALSE(s.contains("collisionCount"));
  EXPECT_EQ(s["observedGeneration"], d["metadata"]["generation"]);
  ASSERT_FALSE(Condition(d, "Available").is_null());
  EXPECT_EQ(Condition(d, "Available")["status"], "True");
  EXPECT_EQ(Condition(d, "Available")["reason"], "MinimumReplicasAvailable");
  ASSERT_FALSE(Condition(d, "Progressing").is_null());
  EXPECT_EQ(Condition(d, "Progressing")["status"], "True");
  EXPECT_EQ(Condition(d, "Progressing")["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");

  auto rss = ReplicaSets();
  ASSERT_EQ(rss.size(), 1u);
  const json& rs = rss[0];
  const std::string hash = rs["metadata"]["labels"]["pod-template-hash"];
  const std::string rs_name = "web-" + hash;
  EXPECT_EQ(rs["metadata"]["name"], rs_name);
  EXPECT_EQ(hash, rollout::PodTemplateHash(d["spec"]["template"], std::nullopt));
  EXPECT_EQ(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"], "3");
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"], "4");
  const json& ref = rs["metadata"]["ownerReferences"][0];
  EXPECT_EQ(ref["kind"], "Deployment");
  EXPECT_EQ(ref["uid"], d["metadata"]["uid"]);
  EXPECT_EQ(ref["controller"], true);
  EXPECT_EQ(ref["blockOwnerDeletion"], true);
  EXPECT_EQ(rs["status"]["replicas"], 3);
  EXPECT_EQ(rs["status"]["fullyLabeledReplicas"], 3);
  EXPECT_EQ(rs["status"]["availableReplicas"], 3);
  EXPECT_EQ(rs["status"]["observedGeneration"], rs["metadata"]["generation"]);

  auto pods = Pods();
  ASSERT_EQ(pods.size(), 3u);
  for (const auto& pod : pods) {
    EXPECT_EQ(pod["metadata"]["generateName"], rs_name + "-");
    EXPECT_EQ(pod["metadata"]["labels"]["pod-template-hash"], hash);
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], rs["metadata"]["uid"]);
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["controller"], true);
    EXPECT_TRUE(HasEvent("SuccessfulCreate", "Created pod: " + pod["metadata"]["name"].get<std::string>()));
  }
  EXPECT_EQ(EventMessages("ScalingReplicaSet"), std::vector<std::string>{"Scaled up replica set " + rs_name + " from 0 to 3"});

  // Converged means quiet: another round writes nothing.
  uint64_t rv = api_.CurrentResourceVersion();
  Round();
  EXPECT_EQ(api_.CurrentResourceVersion(), rv);
}

TEST_F(DeploymentSimTest, RollingUpdateRespectsSurgeAndUnavailable) {
  // 4 replicas at 25%/25%: at most 5 pods, at least 3 ready, at every round.
  ASSERT_TRUE(client_.Create(kDeployments, "default", Deployment("web", 4, "nginx:1.27")).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  SetImage("web", "nginx:1.28");

  int rounds = 0;
  auto invariants = [&] {
    ++rounds;
    auto pods = Pods();
    int ready = static_cast<int>(std::count_if(pods.begin(), pods.end(), Ready));
    EXPECT_LE(pods.size(), 5u) << "round " << rounds;
    EXPECT_GE(ready, 3) << "round " << rounds;
    int spec_total = 0;
    for (const auto& rs : ReplicaSets()) spec_total += rs.value("/spec/replicas"_json_pointer, 0);
    EXPECT_LE(spec_total, 5) << "round " << rounds;
  };
  ASSERT_TRUE(RunUntil(
      [&] {
        auto pods = Pods();
        return RolloutComplete("web") && pods.size() == 4 &&
               std::all_of(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "nginx:1.28"; });
      },
      60, invariants));
  Round();

  json d = Get("web");
  json new_rs = ReplicaSetWithImage("nginx:1.28");
  json old_rs = ReplicaSetWithImage("nginx:1.27");
  EXPECT_EQ(old_rs["spec"]["replicas"], 0);
  EXPECT_EQ(new_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  EXPECT_EQ(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  EXPECT_EQ(Condition(d, "Progressing")["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ(Condition(d, "Progressing")["message"],
            "ReplicaSet \"" + new_rs["metadata"]["name"].get<std::string>() + "\" has successfully progressed.");
  const std::string new_name = new_rs["metadata"]["name"];
  const std::string old_name = old_rs["metadata"]["name"];
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled up replica set " + new_name + " from 0 to 1"));
  // One pod at a time: the ReplicaSets report new pods available one round late, so the
  // controller never counts on more availability than it has seen.
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled down replica set " + old_name + " from 1 to 0"));
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled up replica set " + new_name + " from 3 to 4"));
}

TEST_F(DeploymentSimTest, NeverReadyImageExceedsProgressDeadline) {
  json dep = Deployment("web", 3, "nginx:1.27");
  dep["spec"]["progressDeadlineSeconds"] = 30;
  ASSERT_TRUE(client_.Create(kDeployments, "default", dep).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  SetImage("web", "bad/app:2");

  // The new ReplicaSet gets its surge pod, which never becomes ready.
  ASSERT_TRUE(RunUntil([&] {
    return Condition(Get("web"), "Progressing").value("reason", "") == "ReplicaSetUpdated";
  }));
  for (int i = 0; i < 3; ++i) Round();
  json d = Get("web");
  const json progressing = Condition(d, "Progressing");
  EXPECT_EQ(progressing["status"], "True");
  auto last_update = ParseRfc3339(progressing["lastUpdateTime"].get<std::string>());
  ASSERT_TRUE(last_update);

  // Old pods keep serving: all three still there and ready, the Deployment still available.
  auto pods = Pods();
  EXPECT_EQ(std::count_if(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "nginx:1.27" && Ready(p); }), 3);
  EXPECT_EQ(std::count_if(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "bad/app:2"; }), 1);
  EXPECT_EQ(Condition(d, "Available")["status"], "True");

  // Just before the deadline (measured from lastUpdateTime): still progressing.
  while (clock_.Now() <= *last_update + seconds(30)) Round();
  EXPECT_EQ(Condition(Get("web"), "Progressing")["reason"], "ReplicaSetUpdated");
  // Past it: ProgressDeadlineExceeded.
  Round();
  d = Get("web");
  const std::string new_name = ReplicaSetWithImage("bad/app:2")["metadata"]["name"];
  EXPECT_EQ(Condition(d, "Progressing")["status"], "False");
  EXPECT_EQ(Condition(d, "Progressing")["reason"], "ProgressDeadlineExceeded");
  EXPECT_EQ(Condition(d, "Progressing")["message"], "ReplicaSet \"" + new_name + "\" has timed out progressing.");
  EXPECT_EQ(d["status"]["updatedReplicas"], 1);
  EXPECT_EQ(d["status"]["replicas"], 4);
  EXPECT_EQ(d["status"]["availableReplicas"], 3);
  EXPECT_EQ(d["status"]["unavailableReplicas"], 1);
  EXPECT_FALSE(RolloutComplete("web"));
}

TEST_F(DeploymentSimTest, RollbackReusesOldReplicaSetWithNewRevision) {
  ASSERT_TRUE(client_.Create(kDeployments, "default", Deployment("web", 2, "nginx:1.27")).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  const std::string first = ReplicaSetWithImage("nginx:1.27")["metadata"]["name"];
  SetImage("web", "nginx:1.28");
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web") && Pods().size() == 2 && Image(Pods()[0]) == "nginx:1.28"; }));

  SetImage("web", "nginx:1.27");  // what `kubectl rollout undo` does
  ASSERT_TRUE(RunUntil([&] {
    auto pods = Pods();
    return RolloutComplete("web") && pods.size() == 2 &&
           std::all_of(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "nginx:1.27"; });
  }));
  EXPECT_EQ(ReplicaSets().size(), 2u);
  json back = ReplicaSetWithImage("nginx:1.27");
  EXPECT_EQ(back["metadata"]["name"], first);
  EXPECT_EQ(back["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
  EXPECT_EQ(back["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"], "1");
  EXPECT_EQ(ReplicaSetWithImage("nginx:1.28")["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
  EXPECT_EQ(Get("web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
}

TEST_F(DeploymentSimTest, RecreateNeverOverlapsOldAndNewPods) {
  json dep = Deployment("web", 3, "nginx:1.27");
  dep["spec"]["strategy"] = {{"type", "Recreate"}};
  ASSERT_TRUE(client_.Create(kDeployments, "default", dep).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  const std::string old_name = ReplicaSetWithImage("nginx:1.27")["metadata"]["name"];
  SetImage("web", "nginx:1.28");

  bool saw_empty = false;
  auto no_overlap = [&] {
    auto pods = Pods();
    auto old_pods = std::count_if(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "nginx:1.27"; });
    auto new_pods = std::count_if(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "nginx:1.28"; });
    EXPECT_FALSE(old_pods > 0 && new_pods > 0) << old_pods << " old and " << new_pods << " new pods";
    saw_empty = saw_empty || pods.empty();
  };
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web") && Pods().size() == 3; }, 40, no_overlap));
  EXPECT_TRUE(saw_empty);
  const std::string new_name = ReplicaSetWithImage("nginx:1.28")["metadata"]["name"];
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled down replica set " + old_name + " from 3 to 0"));
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled up replica set " + new_name + " from 0 to 3"));
  Round();
  EXPECT_EQ(Condition(Get("web"), "Progressing")["reason"], "NewReplicaSetAvailable");
}

TEST_F(DeploymentSimTest, ScaleUpAndDown) {
  ASSERT_TRUE(client_.Create(kDeployments, "default", Deployment("web", 3, "nginx:1.27")).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  const std::string rs_name = ReplicaSets()[0]["metadata"]["name"];

  ASSERT_TRUE(client_.MergePatch(kDeployments, "default", "web", {{"spec", {{"replicas", 5}}}}).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web") && Pods().size() == 5; }));
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled up replica set " + rs_name + " from 3 to 5"));

  ASSERT_TRUE(client_.MergePatch(kDeployments, "default", "web", {{"spec", {{"replicas", 1}}}}).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web") && Pods().size() == 1; }));
  EXPECT_TRUE(HasEvent("ScalingReplicaSet", "Scaled down replica set " + rs_name + " from 5 to 1"));
  EXPECT_EQ(EventMessages("SuccessfulDelete").size(), 4u);
  json rs = ReplicaSets()[0];
  EXPECT_EQ(ReplicaSets().size(), 1u);
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"], "1");
  EXPECT_EQ(rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"], "2");
  EXPECT_EQ(Get("web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
}

TEST_F(DeploymentSimTest, PausedDeploymentDoesNotRollOut) {
  ASSERT_TRUE(client_.Create(kDeployments, "default", Deployment("web", 2, "nginx:1.27")).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  ASSERT_TRUE(client_.MergePatch(kDeployments, "default", "web", {{"spec", {{"paused", true}}}}).ok());
  SetImage("web", "nginx:1.28");
  for (int i = 0; i < 5; ++i) Round();
  EXPECT_EQ(ReplicaSets().size(), 1u);
  json d = Get("web");
  EXPECT_EQ(Condition(d, "Progressing")["status"], "Unknown");
  EXPECT_EQ(Condition(d, "Progressing")["reason"], "DeploymentPaused");
  EXPECT_EQ(d["status"]["observedGeneration"], d["metadata"]["generation"]);

  ASSERT_TRUE(client_.MergePatch(kDeployments, "default", "web", {{"spec", {{"paused", false}}}}).ok());
  ASSERT_TRUE(RunUntil([&] {
    auto pods = Pods();
    return RolloutComplete("web") && pods.size() == 2 &&
           std::all_of(pods.begin(), pods.end(), [](const json& p) { return Image(p) == "nginx:1.28"; });
  }));
}

TEST_F(DeploymentSimTest, RevisionHistoryLimitDeletesOldestReplicaSets) {
  json dep = Deployment("web", 1, "nginx:1.25");
  dep["spec"]["revisionHistoryLimit"] = 1;
  ASSERT_TRUE(client_.Create(kDeployments, "default", dep).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  for (const char* image : {"nginx:1.26", "nginx:1.27"}) {
    SetImage("web", image);
    ASSERT_TRUE(RunUntil([&] {
      auto pods = Pods();
      return RolloutComplete("web") && pods.size() == 1 && Image(pods[0]) == image;
    }));
  }
  ASSERT_TRUE(RunUntil([&] { return ReplicaSets().size() == 2; }));
  std::set<std::string> images;
  for (const auto& rs : ReplicaSets()) images.insert(rs.value("/spec/template/spec/containers/0/image"_json_pointer, ""));
  EXPECT_EQ(images, (std::set<std::string>{"nginx:1.26", "nginx:1.27"}));
}

TEST_F(DeploymentSimTest, DeletingTheDeploymentCollectsReplicaSetsAndPods) {
  ASSERT_TRUE(client_.Create(kDeployments, "default", Deployment("web", 2, "nginx:1.27")).ok());
  ASSERT_TRUE(RunUntil([&] { return RolloutComplete("web"); }));
  ASSERT_TRUE(client_.Delete(kDeployments, "default", "web").ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && (!ReplicaSets().empty() || !Pods().empty())) {
    Round();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ReplicaSets().empty());
  EXPECT_TRUE(Pods().empty());
}

TEST(ReplicaSetControllerTest, DeletionOrderPrefersUnreadyAndNewestReady) {
  auto pod = [](const std::string& name, const std::string& phase, bool ready, int ready_secs_ago, int created_secs_ago,
                const std::string& node = "kubesim-node") {
    TimePoint now = kStart;
    json p = {{"metadata", {{"name", name}, {"creationTimestamp", Rfc3339(now - seconds(created_secs_ago))}}},
              {"spec", json::object()},
              {"status", {{"phase", phase}}}};
    if (!node.empty()) p["spec"]["nodeName"] = node;
    if (ready || phase == "Running")
      p["status"]["conditions"] = json::array(
          {{{"type", "Ready"}, {"status", ready ? "True" : "False"}, {"lastTransitionTime", Rfc3339(now - seconds(ready_secs_ago))}}});
    return p;
  };
  std::vector<json> pods = {pod("old-ready", "Running", true, 100, 200), pod("young-ready", "Running", true, 10, 20),
                            pod("unready", "Running", false, 0, 300), pod("pending", "Pending", false, 0, 400),
                            pod("unscheduled", "Pending", false, 0, 500, "")};
  std::vector<std::string> order;
  for (const auto& p : PodDeletionOrder(pods)) order.push_back(p["metadata"]["name"]);
  EXPECT_EQ(order, (std::vector<std::string>{"unscheduled", "pending", "unready", "young-ready", "old-ready"}));
}

TEST(ReplicaSetControllerTest, AvailabilityHonoursMinReadySeconds) {
  json p = {{"status", {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", Rfc3339(kStart)}}})}}}};
  EXPECT_TRUE(IsPodAvailable(p, 0, kStart));
  EXPECT_FALSE(IsPodAvailable(p, 10, kStart + seconds(10)));
  EXPECT_TRUE(IsPodAvailable(p, 10, kStart + seconds(11)));
  EXPECT_FALSE(IsPodActive({{"metadata", {{"deletionTimestamp", Rfc3339(kStart)}}}}));
  EXPECT_FALSE(IsPodActive({{"status", {{"phase", "Succeeded"}}}}));
  EXPECT_TRUE(IsPodActive({{"status", {{"phase", "Running"}}}}));
}

}  // namespace
}  // namespace kubesim

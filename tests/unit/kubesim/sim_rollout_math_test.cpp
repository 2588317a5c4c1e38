// Tests of rollout_math.h: fencepost resolution and rounding, the step sequences of RollingUpdate
// and Recreate rollouts, proportional scaling, the pod-template-hash, and the condition rules.
// Pure functions: no API server, no clock.
#include "rollout_math.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "text_util.h"

namespace kubesim::rollout {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const TimePoint kT0 = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};

TEST(RolloutMathTest, ScaledValue) {
  struct Case {
    json value;
    int total;
    bool round_up;
    std::optional<int> want;
  };
  const std::vector<Case> cases = {
      {json(2), 10, true, 2},       {json("25%"), 3, true, 1},   {json("25%"), 3, false, 0},
      {json("33%"), 10, true, 4},   {json("33%"), 10, false, 3}, {json("100%"), 7, false, 7},
      {json("0%"), 7, true, 0},     {json("5"), 10, true, std::nullopt},
      {json(-1), 10, true, std::nullopt}, {json("x%"), 10, true, std::nullopt},
      {json(nullptr), 10, true, std::nullopt},
  };
  for (const auto& c : cases)
    EXPECT_EQ(ScaledValue(c.value, c.total, c.round_up), c.want) << c.value.dump() << " of " << c.total;
}

TEST(RolloutMathTest, ResolveFenceposts) {
  struct Case {
    json surge, unavailable;
    int desired;
    int want_surge, want_unavailable;
  };
  const std::vector<Case> cases = {
      {"25%", "25%", 3, 1, 0},   // surge rounds up, unavailable down
      {"25%", "25%", 4, 1, 1},
      {"25%", "25%", 10, 3, 2},
      {"50%", "50%", 5, 3, 2},
      {0, "25%", 3, 0, 1},       // both 0 after rounding: unavailable becomes 1
      {"0%", "0%", 10, 0, 1},
      {1, 0, 3, 1, 0},
      {2, "10%", 30, 2, 3},
      {"100%", 0, 3, 3, 0},
      {"bad", "25%", 8, 0, 2},   // unparsable counts as 0
  };
  for (const auto& c : cases) {
    Fenceposts f = ResolveFenceposts(c.surge, c.unavailable, c.desired);
    EXPECT_EQ(f.max_surge, c.want_surge) << c.surge.dump() << "/" << c.unavailable.dump() << " of " << c.desired;
    EXPECT_EQ(f.max_unavailable, c.want_unavailable) << c.surge.dump() << "/" << c.unavailable.dump() << " of " << c.desired;
  }
}

TEST(RolloutMathTest, MaxSurgeAndUnavailableOfDeployment) {
  json d = {{"spec", {{"replicas", 3}, {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 5}, {"maxUnavailable", 5}}}}}}}};
  EXPECT_EQ(MaxSurge(d), 5);
  EXPECT_EQ(MaxUnavailable(d), 3);  // never more than replicas
  d["spec"]["replicas"] = 0;
  EXPECT_EQ(MaxUnavailable(d), 0);
  json recreate = {{"spec", {{"replicas", 3}, {"strategy", {{"type", "Recreate"}}}}}};
  EXPECT_EQ(MaxSurge(recreate), 0);
  EXPECT_EQ(MaxUnavailable(recreate), 0);
}

// Drives PlanRolling to the end. Pods of a ReplicaSet become available one step after it was
// scaled (`new_ready` false: the new ones never do); old ones disappear immediately.
std::vector<std::pair<int, int>> RunRolling(int desired, Fenceposts f, int old_replicas, bool new_ready = true) {
  RsState new_rs{"new", kT0 + seconds(10)};
  RsState old_rs{"old", kT0, old_replicas, old_replicas, old_replicas, old_replicas};
  std::vector<std::pair<int, int>> seq;
  for (int i = 0; i < 20; ++i) {
    RolloutStep step = PlanRolling(desired, f, new_rs, {old_rs});
    if (!step.scaled) break;
    new_rs.replicas = step.new_replicas;
    old_rs.replicas = step.old_replicas[0];
    seq.emplace_back(new_rs.replicas, old_rs.replicas);
    // Invariants of every step: the total stays within desired + maxSurge and the available
    // count (as the ReplicaSets reported it) within desired - maxUnavailable.
    EXPECT_LE(new_rs.replicas + old_rs.replicas, desired + f.max_surge) << "step " << i;
    EXPECT_GE(std::min(new_rs.available, new_rs.replicas) + std::min(old_rs.available, old_rs.replicas),
              desired - f.max_unavailable)
        << "step " << i;
    if (new_ready) new_rs.available = new_rs.status_replicas = new_rs.replicas;
    else new_rs.status_replicas = new_rs.replicas;
    old_rs.available = old_rs.status_replicas = old_rs.replicas;
  }
  return seq;
}

TEST(RolloutMathTest, RollingStepSequences) {
  struct Case {
    std::string name;
    int desired;
    json surge, unavailable;
    std::vector<std::pair<int, int>> want;  // (new, old) after each step
  };
  const std::vector<Case> cases = {
      // 3 replicas, 25%/25%: surge 1, unavailable 0 — one up, one down.
      {"3x25%/25%", 3, "25%", "25%", {{1, 3}, {1, 2}, {2, 2}, {2, 1}, {3, 1}, {3, 0}}},
      // maxUnavailable 0 explicitly: the same dance.
      {"3x1/0", 3, 1, 0, {{1, 3}, {1, 2}, {2, 2}, {2, 1}, {3, 1}, {3, 0}}},
      // maxSurge 0: old goes down first, never more than 3 pods.
      {"3x0/1", 3, 0, 1, {{0, 2}, {1, 2}, {1, 1}, {2, 1}, {2, 0}, {3, 0}}},
      // 4 replicas, 25%/25%: surge 1, unavailable 1 — two at a time.
      {"4x25%/25%", 4, "25%", "25%", {{1, 4}, {1, 2}, {3, 2}, {3, 0}, {4, 0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(RunRolling(c.desired, ResolveFenceposts(c.surge, c.unavailable, c.desired), c.desired), c.want);
  }
}

TEST(RolloutMathTest, RollingStallsWhileNewPodsNeverBecomeAvailable) {
  // maxUnavailable 0: the surge pod never becomes available, so no old pod may go.
  EXPECT_EQ(RunRolling(3, ResolveFenceposts(1, 0, 3), 3, /*new_ready=*/false), (std::vector<std::pair<int, int>>{{1, 3}}));
}

TEST(RolloutMathTest, UnhealthyOldReplicasAreScaledDownFirst) {
  RsState new_rs{"new", kT0 + seconds(10)};
  RsState old_a{"a", kT0, 3, 3, 1, 1};  // 2 of 3 unavailable
  // desired 3, maxUnavailable 1: only one may go, and it is an unavailable one.
  EXPECT_EQ(ScaleDownOldRolling(3, 1, new_rs, {old_a}), (std::vector<int>{2}));
  // The oldest ReplicaSet is scaled down first.
  RsState old_b{"b", kT0 + seconds(5), 2, 2, 2, 2};
  RsState old_c{"c", kT0 + seconds(1), 2, 2, 2, 2};
  EXPECT_EQ(ScaleDownOldRolling(3, 1, new_rs, {old_b, old_c}), (std::vector<int>{2, 0}));
}

TEST(RolloutMathTest, NewReplicaSetScaledDownToDesired) {
  RsState new_rs{"new", kT0, 5, 5, 5, 5};
  RolloutStep step = PlanRolling(3, {1, 0}, new_rs, {});
  EXPECT_TRUE(step.scaled);
  EXPECT_EQ(step.new_replicas, 3);
}

TEST(RolloutMathTest, RecreateStepSequence) {
  RsState new_rs{"new", kT0 + seconds(10)};
  RsState old_rs{"old", kT0, 3, 3, 3, 3};
  std::vector<std::pair<int, int>> seq;
  for (int i = 0; i < 10; ++i) {
    bool old_pods_running = old_rs.status_replicas > 0;
    RolloutStep step = PlanRecreate(3, new_rs, {old_rs}, old_pods_running);
    // Never old and new pods at once.
    EXPECT_FALSE(step.new_replicas > 0 && old_pods_running) << "step " << i;
    // The ReplicaSet controller reports the pods' disappearance one step later.
    old_rs.status_replicas = old_rs.replicas;
    if (!step.scaled) {
      if (!old_pods_running && new_rs.replicas == 3) break;
      continue;
    }
    new_rs.replicas = step.new_replicas;
    old_rs.replicas = step.old_replicas[0];
    seq.emplace_back(new_rs.replicas, old_rs.replicas);
  }
  EXPECT_EQ(seq, (std::vector<std::pair<int, int>>{{0, 0}, {3, 0}}));
}

TEST(RolloutMathTest, ProportionalScaling) {
  // Mid-rollout of 10 replicas (max 13) the Deployment goes to 20 (max 25): 12 more replicas,
  // shared 8:5 in proportion to the sizes, largest first.
  RsState old_rs{"old", kT0, 8, 8, 8, 8, 13};
  RsState new_rs{"new", kT0 + seconds(10), 5, 5, 0, 0, 13};
  EXPECT_EQ(ProportionalScale(20, 5, 13, {old_rs, new_rs}), (std::vector<int>{15, 10}));
  // Down to 5 (max 7 with a 25% surge): 6 fewer.
  EXPECT_EQ(ProportionalScale(5, 2, 13, {old_rs, new_rs}), (std::vector<int>{4, 3}));
  // To zero: everything goes.
  EXPECT_EQ(ProportionalScale(0, 0, 13, {old_rs, new_rs}), (std::vector<int>{0, 0}));
}

TEST(RolloutMathTest, PodTemplateHashIsStable) {
  json a = json::parse(R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}})");
  json b = json::parse(R"({"spec":{"containers":[{"image":"nginx:1.27","name":"web"}]},"metadata":{"labels":{"app":"web"}}})");
  const std::string h = PodTemplateHash(a, std::nullopt);
  EXPECT_EQ(h, PodTemplateHash(b, std::nullopt));  // key order does not matter
  EXPECT_EQ(h, "6c8d7489d5");                       // and it does not change between builds
  EXPECT_EQ(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);

  json with_hash = a;
  with_hash["metadata"]["labels"]["pod-template-hash"] = h;
  EXPECT_EQ(PodTemplateHash(with_hash, std::nullopt), h);  // its own label is ignored
  EXPECT_TRUE(EqualIgnoreHash(a, with_hash));

  json other = a;
  other["spec"]["containers"][0]["image"] = "nginx:1.28";
  EXPECT_NE(PodTemplateHash(other, std::nullopt), h);
  EXPECT_FALSE(EqualIgnoreHash(a, other));
  EXPECT_NE(PodTemplateHash(a, 1), h);  // a collision count changes the name
  EXPECT_NE(PodTemplateHash(a, 1), PodTemplateHash(a, 2));
}

TEST(RolloutMathTest, TemplatesCompareSemantically) {
  // kubectl rollout undo sends the ReplicaSet's template back with a zero creationTimestamp
  // (null) and possibly empty lists: the same template for the real controller, so the same
  // ReplicaSet must be found again.
  json a = json::parse(R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{}}]}})");
  json b = json::parse(R"({"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{},"env":[]}],"volumes":null}})");
  EXPECT_TRUE(EqualIgnoreHash(a, b));
  EXPECT_EQ(PodTemplateHash(a, std::nullopt), PodTemplateHash(b, std::nullopt));
  // A literal empty object stays significant (emptyDir: {} is a volume source).
  json c = a;
  c["spec"]["volumes"] = json::parse(R"([{"name":"tmp","emptyDir":{}}])");
  json d = a;
  d["spec"]["volumes"] = json::parse(R"([{"name":"tmp"}])");
  EXPECT_FALSE(EqualIgnoreHash(c, d));
}

TEST(RolloutMathTest, SafeEncodeString) { EXPECT_EQ(SafeEncodeString("0123456789"), "456789bcdf"); }

TEST(RolloutMathTest, SetConditionTimestamps) {
  json status = json::object();
  SetCondition(status, NewCondition("Progressing", "True", kNewReplicaSetCreated, "Created", kT0));
  // Same status and reason: nothing changes, not even lastUpdateTime.
  SetCondition(status, NewCondition("Progressing", "True", kNewReplicaSetCreated, "Created again", kT0 + seconds(5)));
  EXPECT_EQ((*GetCondition(status, "Progressing"))["message"], "Created");
  EXPECT_EQ((*GetCondition(status, "Progressing"))["lastUpdateTime"], Rfc3339(kT0));
  // New reason, same status: lastTransitionTime stays.
  SetCondition(status, NewCondition("Progressing", "True", kReplicaSetUpdated, "Updated", kT0 + seconds(10)));
  EXPECT_EQ((*GetCondition(status, "Progressing"))["lastUpdateTime"], Rfc3339(kT0 + seconds(10)));
  EXPECT_EQ((*GetCondition(status, "Progressing"))["lastTransitionTime"], Rfc3339(kT0));
  // Status flips: both move.
  SetCondition(status, NewCondition("Progressing", "False", kProgressDeadlineExceeded, "Timed out", kT0 + seconds(20)));
  EXPECT_EQ((*GetCondition(status, "Progressing"))["lastTransitionTime"], Rfc3339(kT0 + seconds(20)));
  EXPECT_EQ(status["conditions"].size(), 1u);
}

json RollingDeployment(int replicas, json status) {
  return {{"metadata", {{"name", "web"}, {"generation", 2}}},
          {"spec",
           {{"replicas", replicas},
            {"progressDeadlineSeconds", 600},
            {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}}}}},
          {"status", std::move(status)}};
}

TEST(RolloutMathTest, RolloutStatusProgressAndDeadline) {
  json updating = NewCondition("Progressing", "True", kReplicaSetUpdated, "ReplicaSet \"web-new\" is progressing.", kT0);
  json old_status = {{"observedGeneration", 2}, {"replicas", 4}, {"updatedReplicas", 1}, {"readyReplicas", 3},
                     {"availableReplicas", 3},  {"unavailableReplicas", 1}, {"conditions", json::array({updating})}};
  json d = RollingDeployment(3, old_status);
  RsState new_rs{"web-new", kT0, 1, 1, 0, 0};
  RsState old_rs{"web-old", kT0, 3, 3, 3, 3};
  std::vector<RsState> all = {old_rs, new_rs};

  // No progress, deadline not reached: Progressing untouched.
  json s = RolloutStatus(d, all, &all[1], kT0 + seconds(599));
  EXPECT_EQ(*GetCondition(s, "Progressing"), updating);
  EXPECT_EQ((*GetCondition(s, "Available"))["reason"], kMinimumReplicasAvailable);
  EXPECT_EQ(s["unavailableReplicas"], 1);
  EXPECT_EQ(s["readyReplicas"], 3);

  // Past progressDeadlineSeconds since lastUpdateTime: ProgressDeadlineExceeded.
  s = RolloutStatus(d, all, &all[1], kT0 + seconds(601));
  EXPECT_EQ((*GetCondition(s, "Progressing"))["status"], "False");
  EXPECT_EQ((*GetCondition(s, "Progressing"))["reason"], kProgressDeadlineExceeded);
  EXPECT_EQ((*GetCondition(s, "Progressing"))["message"], "ReplicaSet \"web-new\" has timed out progressing.");

  // Progress (the new pod became ready) refreshes lastUpdateTime, not lastTransitionTime.
  all[1].ready = all[1].available = 1;
  s = RolloutStatus(d, all, &all[1], kT0 + seconds(601));
  EXPECT_EQ((*GetCondition(s, "Progressing"))["reason"], kReplicaSetUpdated);
  EXPECT_EQ((*GetCondition(s, "Progressing"))["lastUpdateTime"], Rfc3339(kT0 + seconds(601)));
  EXPECT_EQ((*GetCondition(s, "Progressing"))["lastTransitionTime"], Rfc3339(kT0));

  // Complete: NewReplicaSetAvailable, and no counters for what is zero.
  std::vector<RsState> done = {{"web-old", kT0, 0, 0, 0, 0}, {"web-new", kT0, 3, 3, 3, 3}};
  s = RolloutStatus(d, done, &done[1], kT0 + seconds(700));
  EXPECT_EQ((*GetCondition(s, "Progressing"))["reason"], kNewReplicaSetAvailable);
  EXPECT_EQ((*GetCondition(s, "Progressing"))["message"], "ReplicaSet \"web-new\" has successfully progressed.");
  EXPECT_FALSE(s.contains("unavailableReplicas"));
  EXPECT_FALSE(s.contains("collisionCount"));
  EXPECT_EQ(s["observedGeneration"], 2);
}

TEST(RolloutMathTest, AvailableCondition) {
  json d = RollingDeployment(4, json::object());  // maxUnavailable 1
  std::vector<RsState> three = {{"web", kT0, 4, 4, 3, 3}};
  EXPECT_EQ((*GetCondition(CalculateStatus(d, three, &three[0], kT0), "Available"))["status"], "True");
  std::vector<RsState> two = {{"web", kT0, 4, 4, 2, 2}};
  json s = CalculateStatus(d, two, &two[0], kT0);
  EXPECT_EQ((*GetCondition(s, "Available"))["status"], "False");
  EXPECT_EQ((*GetCondition(s, "Available"))["reason"], kMinimumReplicasUnavailable);
}

TEST(RolloutMathTest, RevisionHistory) {
  EXPECT_EQ(AppendRevisionHistory("", "1"), "1");
  EXPECT_EQ(AppendRevisionHistory("1,3", "4"), "1,3,4");
  std::string long_history(kMaxRevisionHistoryChars - 2, '9');
  EXPECT_EQ(AppendRevisionHistory("1," + long_history, "5"), long_history + ",5");  // oldest dropped
  json rs = {{"metadata", {{"annotations", {{"deployment.kubernetes.io/revision", "12"}}}}}};
  EXPECT_EQ(Revision(rs), 12);
  EXPECT_EQ(Revision(json::object()), 0);
}

}  // namespace
}  // namespace kubesim::rollout

// Leader election: the pure decision, MicroTime and Lease mapping, two electors on a FakeLeaseLock
// driven by a FakeClock, and two electors on a real Lease in an in-process kube-sim.
#include "kube/leader_election.h"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kubesim_harness.h"

#include "api_server.h"
#include "certs.h"
#include "clock.h"
#include "common/fake_clock.h"
#include "common/system_clock.h"
#include "https_server.h"
#include "kube/http_transport.h"

namespace jd::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// --- Decide -----------------------------------------------------------------------------------

LeaderElectionRecord Held(const std::string& holder, int duration_s = 15) {
  LeaderElectionRecord r;
  r.holder_identity = holder;
  r.lease_duration_seconds = duration_s;
  return r;
}

TEST(LeaderDecideTest, Table) {
  const MonoTime t0{seconds(1000)};
  struct Case {
    const char* name;
    std::optional<LeaderElectionRecord> observed;
    Duration since_observed;
    LeaderAction want;
  };
  const std::vector<Case> cases = {
      {"no lease: create", std::nullopt, seconds(0), LeaderAction::kAcquire},
      {"ours: renew", Held("me"), seconds(1), LeaderAction::kRenew},
      {"ours, looks expired: still renew", Held("me"), seconds(100), LeaderAction::kRenew},
      {"no holder (released): acquire", Held(""), seconds(0), LeaderAction::kAcquire},
      {"other, fresh: wait", Held("other"), seconds(0), LeaderAction::kWait},
      {"other, just before expiry: wait", Held("other"), seconds(15) - milliseconds(1), LeaderAction::kWait},
      {"other, exactly at expiry: acquire", Held("other"), seconds(15), LeaderAction::kAcquire},
      {"other, expired: acquire", Held("other"), seconds(16), LeaderAction::kAcquire},
      {"other, uses the record's duration", Held("other", 1), seconds(2), LeaderAction::kAcquire},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Decide(c.observed, t0, t0 + c.since_observed, "me"), c.want)
        << c.name << ": got " << ToString(Decide(c.observed, t0, t0 + c.since_observed, "me"));
  }
}

TEST(LeaderDecideTest, IgnoresRemoteRenewTime) {
  // A renewTime far in the past (a skewed remote clock) does not make a fresh observation expire.
  const MonoTime t0{seconds(1000)};
  LeaderElectionRecord r = Held("other");
  r.renew_time = WallTime{} + seconds(1);
  EXPECT_EQ(Decide(r, t0, t0 + seconds(1), "me"), LeaderAction::kWait);
}

TEST(LeaderMicroTimeTest, FormatAndParse) {
  WallTime t = WallTime{} + seconds(1704067200) + std::chrono::microseconds(123456);  // 2024-01-01
  EXPECT_EQ(FormatMicroTime(t), "2024-01-01T00:00:00.123456Z");
  EXPECT_EQ(ParseMicroTime("2024-01-01T00:00:00.123456Z"), t);
  EXPECT_EQ(ParseMicroTime("2024-01-01T00:00:00Z"), WallTime{} + seconds(1704067200));
  EXPECT_EQ(ParseMicroTime("2024-01-01T02:00:00.123456+02:00"), t);
  EXPECT_FALSE(ParseMicroTime("2024-01-01 00:00:00Z"));
  EXPECT_FALSE(ParseMicroTime("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseMicroTime("2024-01-01T00:00:00"));
}

TEST(LeaderLeaseSpecTest, RoundTrip) {
  LeaderElectionRecord r = Held("a", 15);
  r.acquire_time = WallTime{} + seconds(1704067200);
  r.renew_time = *r.acquire_time + std::chrono::microseconds(5);
  r.lease_transitions = 3;
  nlohmann::json spec = RecordToLeaseSpec(r);
  EXPECT_EQ(spec["renewTime"], "2024-01-01T00:00:00.000005Z");
  EXPECT_EQ(spec["leaseTransitions"], 3);
  EXPECT_EQ(LeaseSpecToRecord(spec), r);
  EXPECT_EQ(LeaseSpecToRecord(nlohmann::json::object()), LeaderElectionRecord{});
}

TEST(LeaderConfigTest, Validate) {
  EXPECT_EQ(ValidateLeaderElectionConfig({.identity = "a"}), "");
  EXPECT_NE(ValidateLeaderElectionConfig({}), "");
  EXPECT_NE(ValidateLeaderElectionConfig({.identity = "a", .lease_duration = seconds(5)}), "");
}

// --- Electors on a FakeLeaseLock with a FakeClock ---------------------------------------------

struct Events {
  int started = 0, stopped = 0;
  std::vector<std::string> leaders;
  LeaderCallbacks Callbacks() {
    return {.on_started_leading = [this] { ++started; },
            .on_stopped_leading = [this] { ++stopped; },
            .on_new_leader = [this](const std::string& id) { leaders.push_back(id); }};
  }
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaderElector> Make(const std::string& id, Events& ev) {
    return std::make_unique<LeaderElector>(lock_, clock_, LeaderElectionConfig{.identity = id}, ev.Callbacks());
  }
  // Advances the clock by the retry period (2 s) and steps the electors, in order, until `d` passed.
  void StepFor(Duration d, std::initializer_list<LeaderElector*> electors) {
    MonoTime end = clock_.Now() + d;
    while (clock_.Now() < end) {
      clock_.Advance(seconds(2));
      for (LeaderElector* e : electors) e->Step(clock_.Now());
    }
  }

  FakeClock clock_;
  FakeLeaseLock lock_;
  Events ea_, eb_;
};

TEST_F(LeaderElectorTest, FirstCreatesTheLeaseAndExactlyOneLeads) {
  auto a = Make("a", ea_), b = Make("b", eb_);
  a->Step(clock_.Now());
  b->Step(clock_.Now());
  EXPECT_TRUE(a->IsLeader());
  EXPECT_FALSE(b->IsLeader());
  ASSERT_TRUE(lock_.Record());
  EXPECT_EQ(lock_.Record()->holder_identity, "a");
  EXPECT_EQ(lock_.Record()->lease_duration_seconds, 15);
  EXPECT_EQ(lock_.Record()->lease_transitions, 0);
  EXPECT_EQ(lock_.Record()->renew_time, clock_.WallNow());

  WallTime acquired = *lock_.Record()->acquire_time;
  StepFor(seconds(60), {a.get(), b.get()});
  EXPECT_TRUE(a->IsLeader());
  EXPECT_FALSE(b->IsLeader());
  // Renewals keep acquireTime and transitions and move renewTime.
  EXPECT_EQ(lock_.Record()->acquire_time, acquired);
  EXPECT_EQ(lock_.Record()->renew_time, clock_.WallNow());
  EXPECT_EQ(lock_.Record()->lease_transitions, 0);
  EXPECT_EQ(ea_.started, 1);
  EXPECT_EQ(eb_.started, 0);
  EXPECT_EQ(ea_.leaders, std::vector<std::string>{"a"});
  EXPECT_EQ(eb_.leaders, std::vector<std::string>{"a"});
}

TEST_F(LeaderElectorTest, TimersDriveTheElectionThroughStart) {
  auto a = Make("a", ea_), b = Make("b", eb_);
  a->Start();
  b->Start();
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(seconds(1));
    EXPECT_EQ(int(a->IsLeader()) + int(b->IsLeader()), 1) << "at tick " << i;
  }
  // ~10 renewals by the leader in 20 s at a 2 s retry period (plus the create).
  EXPECT_GE(lock_.Writes(), 10);
  EXPECT_LE(lock_.Writes(), 12);
  (void)a->Stop(LeaderElector::StopMode::kNoRelease);
  (void)b->Stop(LeaderElector::StopMode::kNoRelease);
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST_F(LeaderElectorTest, CrashedLeaderIsReplacedAfterLeaseDuration) {
  auto a = Make("a", ea_), b = Make("b", eb_);
  a->Step(clock_.Now());
  b->Step(clock_.Now());
  StepFor(seconds(10), {a.get(), b.get()});
  ASSERT_TRUE(a->IsLeader());
  // a crashes: it is no longer stepped. Its last renewal is now; b saw it now.
  MonoTime crash = clock_.Now();
  while (!b->IsLeader()) {
    clock_.Advance(seconds(2));
    b->Step(clock_.Now());
    ASSERT_LE(clock_.Now() - crash, seconds(15) + seconds(2)) << "b never took over";
  }
  EXPECT_GE(clock_.Now() - crash, seconds(15));  // not before the lease expired on b's clock
  EXPECT_EQ(lock_.Record()->holder_identity, "b");
  EXPECT_EQ(lock_.Record()->lease_transitions, 1);
  EXPECT_EQ(lock_.Record()->acquire_time, clock_.WallNow());
  EXPECT_EQ(eb_.started, 1);
  EXPECT_EQ(eb_.leaders, (std::vector<std::string>{"a", "b"}));
}

TEST_F(LeaderElectorTest, WallClockStepsDoNotAffectExpiry) {
  auto a = Make("a", ea_), b = Make("b", eb_);
  a->Step(clock_.Now());
  b->Step(clock_.Now());
  // b's wall clock jumps a day ahead: a's renewTime looks ancient, yet b waits on its own clock.
  clock_.SetWallTime(clock_.WallNow() + std::chrono::hours(24));
  StepFor(seconds(10), {b.get()});
  EXPECT_FALSE(b->IsLeader());
}

TEST_F(LeaderElectorTest, RenewFailingPastRenewDeadlineStopsLeading) {
  auto a = Make("a", ea_);
  a->Step(clock_.Now());
  ASSERT_TRUE(a->IsLeader());
  MonoTime last_renew = clock_.Now();
  lock_.SetFailing(true);
  StepFor(seconds(8), {a.get()});
  EXPECT_TRUE(a->IsLeader()) << "still within renew_deadline";
  EXPECT_EQ(ea_.stopped, 0);
  StepFor(seconds(2), {a.get()});
  EXPECT_EQ(clock_.Now() - last_renew, seconds(10));
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(ea_.stopped, 1);
  // One-shot: it does not campaign again once the API is back.
  lock_.SetFailing(false);
  StepFor(seconds(30), {a.get()});
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(ea_.started, 1);
}

TEST_F(LeaderElectorTest, TransientRenewFailureKeepsLeadership) {
  auto a = Make("a", ea_);
  a->Step(clock_.Now());
  lock_.SetFailing(true);
  StepFor(seconds(6), {a.get()});
  lock_.SetFailing(false);
  StepFor(seconds(20), {a.get()});
  EXPECT_TRUE(a->IsLeader());
  EXPECT_EQ(ea_.stopped, 0);
}

TEST_F(LeaderElectorTest, ReleaseOnShutdownHandsOverAtTheNextRetry) {
  auto a = Make("a", ea_), b = Make("b", eb_);
  a->Step(clock_.Now());
  b->Step(clock_.Now());
  StepFor(seconds(4), {a.get(), b.get()});
  ASSERT_TRUE(a->IsLeader());
  ASSERT_TRUE(a->Stop(LeaderElector::StopMode::kRelease).ok());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(ea_.stopped, 1);
  EXPECT_EQ(lock_.Record()->holder_identity, "");
  EXPECT_EQ(lock_.Record()->lease_duration_seconds, 1);

  clock_.Advance(seconds(2));
  b->Step(clock_.Now());
  EXPECT_TRUE(b->IsLeader());
  EXPECT_EQ(lock_.Record()->holder_identity, "b");
  EXPECT_EQ(lock_.Record()->lease_duration_seconds, 15);
  EXPECT_EQ(lock_.Record()->lease_transitions, 1);
  // Stopping again is a no-op.
  EXPECT_TRUE(a->Stop(LeaderElector::StopMode::kRelease).ok());
  EXPECT_EQ(ea_.stopped, 1);
}

TEST_F(LeaderElectorTest, StopWithoutReleaseLeavesTheLease) {
  auto a = Make("a", ea_);
  a->Step(clock_.Now());
  ASSERT_TRUE(a->Stop(LeaderElector::StopMode::kNoRelease).ok());
  EXPECT_EQ(ea_.stopped, 1);
  EXPECT_EQ(lock_.Record()->holder_identity, "a");
}

TEST_F(LeaderElectorTest, ConflictOnUpdateGivesNoDoubleLeadership) {
  // "old" holds a lease that both a and b see expire at the same time.
  LeaderElectionRecord old = Held("old");
  ASSERT_TRUE(lock_.Create(old).ok());
  auto a = Make("a", ea_), b = Make("b", eb_);
  a->Step(clock_.Now());
  b->Step(clock_.Now());
  clock_.Advance(seconds(16));
  // b's whole attempt lands between a's Get and a's Update: a's write is stale.
  lock_.SetBeforeUpdate([&] { b->Step(clock_.Now()); });
  a->Step(clock_.Now());
  EXPECT_TRUE(b->IsLeader());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(lock_.Record()->holder_identity, "b");
  EXPECT_EQ(lock_.Record()->lease_transitions, 1);
  // a then sees b's fresh record and waits.
  StepFor(seconds(30), {a.get(), b.get()});
  EXPECT_TRUE(b->IsLeader());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(ea_.started, 0);
}

TEST_F(LeaderElectorTest, LeaderThatSeesAnotherHolderStopsAtOnce) {
  auto a = Make("a", ea_);
  a->Step(clock_.Now());
  ASSERT_TRUE(a->IsLeader());
  // Someone overwrote the lease (e.g. after a long pause of a).
  auto got = lock_.Get();
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(lock_.Update(Held("intruder"), got.value().resource_version).ok());
  clock_.Advance(seconds(2));
  a->Step(clock_.Now());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(ea_.stopped, 1);
}

// --- Two electors on a real Lease in an in-process kube-sim -------------------------------------

class LeaderElectionKubesimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kube_.Start(kubesim::ApiServerOptions{.token = "t0ken"}), "");
    api_ = &kube_.api();
    client_ = &kube_.client();
  }
  void TearDown() override { kube_.Stop(); }


  // Polls (real time) until `pred` holds or `limit` passes.
  template <typename Pred>
  bool WaitFor(Pred pred, Duration limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return pred();
  }

  jd::testing::KubesimHarness kube_;
  kubesim::ApiServer* api_ = nullptr;
  jd::kube::RestClient* client_ = nullptr;
  jd::SystemClock clock_;
};

TEST_F(LeaderElectionKubesimTest, KubeLeaseLockMapsTheLeaseApi) {
  KubeLeaseLock lock(*client_, "default", "lock-api");
  EXPECT_EQ(lock.Describe(), "default/lock-api");
  EXPECT_TRUE(IsNotFound(lock.Get()));
  LeaderElectionRecord r = Held("a", 15);
  r.acquire_time = WallTime{} + seconds(1704067200) + std::chrono::microseconds(42);
  r.renew_time = r.acquire_time;
  auto created = lock.Create(r);
  ASSERT_TRUE(created.ok()) << Describe(created.error());
  EXPECT_EQ(created.value().record, r);
  EXPECT_FALSE(created.value().resource_version.empty());
  EXPECT_TRUE(IsAlreadyExists(lock.Create(r)));

  auto got = lock.Get();
  ASSERT_TRUE(got.ok()) << Describe(got.error());
  EXPECT_EQ(got.value().record, r);
  LeaderElectionRecord renewed = r;
  renewed.renew_time = *r.renew_time + seconds(2);
  auto updated = lock.Update(renewed, got.value().resource_version);
  ASSERT_TRUE(updated.ok()) << Describe(updated.error());
  EXPECT_EQ(updated.value().record, renewed);
  // A write from the stale resourceVersion is a conflict.
  EXPECT_TRUE(IsConflict(lock.Update(Held("b"), got.value().resource_version)));
}

TEST_F(LeaderElectionKubesimTest, OneHoldsTheLeaseAndTheOtherTakesOverAfterACrash) {
  KubeLeaseLock lock_a(*client_, "default", "jd-leader"), lock_b(*client_, "default", "jd-leader");
  auto config = [](const std::string& id) {
    return LeaderElectionConfig{.identity = id,
                                .lease_duration = seconds(1),
                                .renew_deadline = milliseconds(700),
                                .retry_period = milliseconds(200)};
  };
  ASSERT_EQ(ValidateLeaderElectionConfig(config("a")), "");
  LeaderElector a(lock_a, clock_, config("a"), {}), b(lock_b, clock_, config("b"), {});
  a.Start();
  b.Start();
  ASSERT_TRUE(WaitFor([&] { return a.IsLeader() || b.IsLeader(); }, seconds(5)));
  std::this_thread::sleep_for(milliseconds(600));  // a few renewals
  ASSERT_NE(a.IsLeader(), b.IsLeader()) << "exactly one leads";
  LeaderElector& leader = a.IsLeader() ? a : b;
  LeaderElector& other = a.IsLeader() ? b : a;
  const std::string leader_id = a.IsLeader() ? "a" : "b", other_id = a.IsLeader() ? "b" : "a";

  auto lease = client_->Get(kLeases, "default", "jd-leader");
  ASSERT_TRUE(lease.ok()) << Describe(lease.error());
  const nlohmann::json& spec = lease.value()["spec"];
  EXPECT_EQ(spec["holderIdentity"], leader_id);
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  ASSERT_TRUE(spec["renewTime"].is_string());
  EXPECT_EQ(spec["renewTime"].get<std::string>().size(), std::string("2024-01-01T00:00:00.000000Z").size());
  EXPECT_TRUE(ParseMicroTime(spec["renewTime"].get<std::string>()));

  // Kill the leader: no release, the lease must expire.
  auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(leader.Stop(LeaderElector::StopMode::kNoRelease).ok());
  ASSERT_TRUE(WaitFor([&] { return other.IsLeader(); }, seconds(5))) << "no takeover";
  auto took = std::chrono::steady_clock::now() - killed;
  // lease duration + one retry, plus slack for a loaded machine.
  EXPECT_LE(took, seconds(1) + milliseconds(200) + milliseconds(800));
  EXPECT_GE(took, milliseconds(500));  // it did wait for the lease to expire

  auto after = client_->Get(kLeases, "default", "jd-leader");
  ASSERT_TRUE(after.ok()) << Describe(after.error());
  EXPECT_EQ(after.value()["spec"]["holderIdentity"], other_id);
  EXPECT_EQ(after.value()["spec"]["leaseTransitions"], 1);

  // Graceful shutdown of the new leader releases the lease.
  ASSERT_TRUE(other.Stop(LeaderElector::StopMode::kRelease).ok());
  auto released = client_->Get(kLeases, "default", "jd-leader");
  ASSERT_TRUE(released.ok()) << Describe(released.error());
  EXPECT_EQ(released.value()["spec"]["holderIdentity"], "");
  EXPECT_EQ(released.value()["spec"]["leaseDurationSeconds"], 1);
}

}  // namespace
}  // namespace jd::kube

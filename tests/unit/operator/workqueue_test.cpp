#include <atomic>
#include <barrier>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "kube/rate_limiter.h"
#include "kube/workqueue.h"

namespace jd::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::_;
using ::testing::InSequence;
using ::testing::Return;

// Only a guard against a hung test; no assertion depends on how long anything takes.
constexpr auto kHangGuard = seconds(10);

std::unique_ptr<RateLimiter> NoDelay() {
  return std::make_unique<ItemExponentialFailureRateLimiter>(Duration::zero(), Duration::zero());
}

class WorkQueueTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  WorkQueue queue_{clock_, DefaultControllerRateLimiter(clock_)};
};

// --- pending set, exclusivity -------------------------------------------------------------------

TEST_F(WorkQueueTest, AddDeduplicatesPendingKeys) {
  queue_.Add("ns/a");
  queue_.Add("ns/b");
  queue_.Add("ns/a");
  EXPECT_EQ(queue_.Len(), 2u);
  EXPECT_EQ(queue_.Get(), "ns/a");
  EXPECT_EQ(queue_.Get(), "ns/b");
  EXPECT_EQ(queue_.Len(), 0u);
}

TEST_F(WorkQueueTest, KeyAddedWhileProcessingIsRequeuedOnDone) {
  queue_.Add("ns/a");
  ASSERT_EQ(queue_.Get(), "ns/a");
  queue_.Add("ns/a");
  queue_.Add("ns/a");            // still one dirty mark
  EXPECT_EQ(queue_.Len(), 0u);   // not handed out while in process
  queue_.Add("ns/b");
  EXPECT_EQ(queue_.Get(), "ns/b");  // a second worker gets another key, not ns/a
  queue_.Done("ns/a");
  EXPECT_EQ(queue_.Len(), 1u);
  EXPECT_EQ(queue_.Get(), "ns/a");
  queue_.Done("ns/a");
  queue_.Done("ns/b");
  EXPECT_EQ(queue_.Len(), 0u);
}

TEST_F(WorkQueueTest, DoneWithoutDirtyDoesNotRequeue) {
  queue_.Add("ns/a");
  ASSERT_EQ(queue_.Get(), "ns/a");
  queue_.Done("ns/a");
  EXPECT_EQ(queue_.Len(), 0u);
  queue_.Done("ns/never-handed-out");  // ignored
  EXPECT_EQ(queue_.Len(), 0u);
}

TEST_F(WorkQueueTest, BlockedGetIsWokenByAdd) {
  auto got = std::async(std::launch::async, [&] { return queue_.Get(); });
  queue_.Add("ns/a");
  ASSERT_EQ(got.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
}

TEST(WorkQueueConcurrencyTest, NeverTwoWorkersOnOneKey) {
  FakeClock clock;
  WorkQueue queue(clock, NoDelay());
  constexpr int kWorkers = 4;
  constexpr int kKeys = 3;
  constexpr int kRounds = 300;
  std::map<std::string, std::atomic<int>> in_flight;
  for (int k = 0; k < kKeys; ++k) in_flight["ns/k" + std::to_string(k)] = 0;
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};
  std::barrier start(kWorkers + 1);

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      start.arrive_and_wait();
      while (auto key = queue.Get()) {
        if (in_flight.at(*key).fetch_add(1) != 0) ++overlaps;
        std::this_thread::yield();  // widen the window in which a second worker could collide
        in_flight.at(*key).fetch_sub(1);
        ++processed;
        queue.Done(*key);
      }
    });
  }
  start.arrive_and_wait();
  for (int r = 0; r < kRounds; ++r) {
    for (int k = 0; k < kKeys; ++k) queue.Add("ns/k" + std::to_string(k));
  }
  // Every key ends up processed after its last Add; then shut down and join.
  auto drained = std::async(std::launch::async, [&] {
    while (queue.Len() != 0) std::this_thread::yield();
    queue.ShutDownWithDrain();
  });
  ASSERT_EQ(drained.wait_for(kHangGuard), std::future_status::ready);
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(processed.load(), kKeys);
}

// --- delayed adds -------------------------------------------------------------------------------

TEST_F(WorkQueueTest, AddAfterBecomesPendingWhenTheClockReachesTheDeadline) {
  queue_.AddAfter("ns/a", seconds(10));
  EXPECT_EQ(queue_.Len(), 0u);
  EXPECT_EQ(queue_.NumWaiting(), 1u);
  clock_.Advance(milliseconds(9999));
  EXPECT_EQ(queue_.Len(), 0u);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(queue_.Len(), 1u);
  EXPECT_EQ(queue_.NumWaiting(), 0u);
  EXPECT_EQ(queue_.Get(), "ns/a");
}

TEST_F(WorkQueueTest, AddAfterNonPositiveDelayIsAdd) {
  queue_.AddAfter("ns/a", Duration::zero());
  queue_.AddAfter("ns/b", -seconds(1));
  EXPECT_EQ(queue_.Len(), 2u);
  EXPECT_EQ(queue_.NumWaiting(), 0u);
}

TEST_F(WorkQueueTest, EarlierAddAfterWins) {
  struct Case {
    std::string name;
    Duration first;
    Duration second;
  };
  const std::vector<Case> cases = {
      {"later call earlier", seconds(10), seconds(5)},
      {"earlier call earlier", seconds(5), seconds(10)},
  };
  for (const auto& c : cases) {
    FakeClock clock;
    WorkQueue queue(clock, NoDelay());
    queue.AddAfter("ns/a", c.first);
    queue.AddAfter("ns/a", c.second);
    EXPECT_EQ(queue.NumWaiting(), 1u) << c.name;
    clock.Advance(milliseconds(4999));
    EXPECT_EQ(queue.Len(), 0u) << c.name;
    clock.Advance(milliseconds(1));
    EXPECT_EQ(queue.Len(), 1u) << c.name;
    EXPECT_EQ(queue.NumWaiting(), 0u) << c.name;
    ASSERT_EQ(queue.Get(), "ns/a");
    queue.Done("ns/a");
    clock.Advance(seconds(10));
    EXPECT_EQ(queue.Len(), 0u) << c.name << ": the later deadline must not fire too";
  }
}

TEST_F(WorkQueueTest, DelayedKeysBecomePendingInDeadlineOrder) {
  queue_.AddAfter("ns/c", seconds(3));
  queue_.AddAfter("ns/a", seconds(1));
  queue_.AddAfter("ns/b", seconds(2));
  clock_.Advance(seconds(3));
  EXPECT_EQ(queue_.Get(), "ns/a");
  EXPECT_EQ(queue_.Get(), "ns/b");
  EXPECT_EQ(queue_.Get(), "ns/c");
}

TEST_F(WorkQueueTest, TimerIsReArmedForTheNextDeadline) {
  queue_.AddAfter("ns/late", seconds(10));
  queue_.AddAfter("ns/early", seconds(5));
  clock_.Advance(seconds(5));
  EXPECT_EQ(queue_.Get(), "ns/early");
  EXPECT_EQ(queue_.Len(), 0u);
  clock_.Advance(seconds(5));
  EXPECT_EQ(queue_.Get(), "ns/late");
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST_F(WorkQueueTest, DelayedKeyInProcessIsMarkedDirty) {
  queue_.Add("ns/a");
  ASSERT_EQ(queue_.Get(), "ns/a");
  queue_.AddAfter("ns/a", seconds(1));
  clock_.Advance(seconds(1));
  EXPECT_EQ(queue_.Len(), 0u);
  queue_.Done("ns/a");
  EXPECT_EQ(queue_.Get(), "ns/a");
}

TEST_F(WorkQueueTest, BlockedGetIsWokenByClockAdvance) {
  auto got = std::async(std::launch::async, [&] { return queue_.Get(); });
  queue_.AddAfter("ns/a", seconds(1));
  clock_.Advance(seconds(1));
  ASSERT_EQ(got.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(got.get(), "ns/a");
}

TEST_F(WorkQueueTest, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  queue_.AddRateLimited("ns/a");  // 5 ms
  EXPECT_EQ(queue_.NumRequeues("ns/a"), 1);
  clock_.Advance(milliseconds(4));
  EXPECT_EQ(queue_.Len(), 0u);
  clock_.Advance(milliseconds(1));
  ASSERT_EQ(queue_.Get(), "ns/a");
  queue_.Done("ns/a");

  queue_.AddRateLimited("ns/a");  // 10 ms
  EXPECT_EQ(queue_.NumRequeues("ns/a"), 2);
  clock_.Advance(milliseconds(9));
  EXPECT_EQ(queue_.Len(), 0u);
  clock_.Advance(milliseconds(1));
  ASSERT_EQ(queue_.Get(), "ns/a");
  queue_.Done("ns/a");

  queue_.Forget("ns/a");
  EXPECT_EQ(queue_.NumRequeues("ns/a"), 0);
  queue_.AddRateLimited("ns/a");  // 5 ms again
  clock_.Advance(milliseconds(5));
  EXPECT_EQ(queue_.Len(), 1u);
}

// --- shutdown -----------------------------------------------------------------------------------

TEST_F(WorkQueueTest, ShutDownWakesBlockedGetAndStopsHandingOut) {
  auto blocked = std::async(std::launch::async, [&] { return queue_.Get(); });
  queue_.ShutDown();
  ASSERT_EQ(blocked.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(blocked.get(), std::nullopt);
  EXPECT_TRUE(queue_.ShuttingDown());
  queue_.Add("ns/a");
  queue_.AddAfter("ns/b", seconds(1));
  EXPECT_EQ(queue_.Len(), 0u);
  EXPECT_EQ(queue_.NumWaiting(), 0u);
  EXPECT_EQ(queue_.Get(), std::nullopt);
}

TEST_F(WorkQueueTest, ShutDownDropsDelayedKeysAndTheirTimer) {
  queue_.AddAfter("ns/a", seconds(1));
  queue_.ShutDown();
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  clock_.Advance(seconds(1));
  EXPECT_EQ(queue_.Len(), 0u);
}

TEST_F(WorkQueueTest, ShutDownWithDrainWaitsForInFlightKeys) {
  queue_.Add("ns/a");
  queue_.Add("ns/b");
  ASSERT_EQ(queue_.Get(), "ns/a");
  std::atomic<bool> done_called{false};
  auto drain = std::async(std::launch::async, [&] {
    queue_.ShutDownWithDrain();
    return done_called.load();
  });
  // Once shutting down, ns/b (pending, not started) is not handed out.
  while (!queue_.ShuttingDown()) std::this_thread::yield();
  EXPECT_EQ(queue_.Get(), std::nullopt);
  done_called = true;
  queue_.Done("ns/a");
  ASSERT_EQ(drain.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_TRUE(drain.get()) << "ShutDownWithDrain returned before Done";
}

TEST(WorkQueueLifetimeTest, DestructionCancelsTheDelayTimer) {
  FakeClock clock;
  {
    WorkQueue queue(clock, NoDelay());
    queue.AddAfter("ns/a", seconds(1));
    EXPECT_EQ(clock.PendingTimers(), 1u);
  }
  EXPECT_EQ(clock.PendingTimers(), 0u);
  clock.Advance(seconds(1));  // nothing dangling fires
}

// --- rate limiters ------------------------------------------------------------------------------

TEST(ItemExponentialFailureRateLimiterTest, DoublesFromBaseUpToMax) {
  ItemExponentialFailureRateLimiter limiter(milliseconds(5), seconds(1000));
  struct Step {
    int failure;
    Duration want;
  };
  const std::vector<Step> steps = {
      {1, milliseconds(5)},     {2, milliseconds(10)},     {3, milliseconds(20)},
      {4, milliseconds(40)},    {5, milliseconds(80)},     {10, milliseconds(2560)},
      {17, milliseconds(327680)}, {18, milliseconds(655360)}, {19, seconds(1000)},
      {20, seconds(1000)},      {200, seconds(1000)},      {2000, seconds(1000)},
  };
  int failures = 0;
  for (const auto& step : steps) {
    Duration got{};
    while (failures < step.failure) {
      got = limiter.When("ns/a");
      ++failures;
    }
    EXPECT_EQ(got, step.want) << "failure #" << step.failure;
    EXPECT_EQ(limiter.NumRequeues("ns/a"), step.failure);
  }
  EXPECT_EQ(limiter.When("ns/other"), milliseconds(5)) << "keys are independent";
  limiter.Forget("ns/a");
  EXPECT_EQ(limiter.NumRequeues("ns/a"), 0);
  EXPECT_EQ(limiter.When("ns/a"), milliseconds(5));
}

TEST(BucketRateLimiterTest, BurstThenQpsWithFakeTime) {
  FakeClock clock;
  BucketRateLimiter limiter(clock, /*qps=*/10, /*burst=*/100);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.When("k" + std::to_string(i)), Duration::zero()) << i;
  EXPECT_EQ(limiter.When("x"), milliseconds(100));
  EXPECT_EQ(limiter.When("y"), milliseconds(200));
  clock.Advance(seconds(1));  // +10 tokens: 8 available
  for (int i = 0; i < 8; ++i) ASSERT_EQ(limiter.When("z"), Duration::zero()) << i;
  EXPECT_EQ(limiter.When("z"), milliseconds(100));
  clock.Advance(seconds(1000));  // refills to burst, not beyond
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.When("w"), Duration::zero()) << i;
  EXPECT_EQ(limiter.When("w"), milliseconds(100));
  EXPECT_EQ(limiter.NumRequeues("w"), 0);
}

class MockRateLimiter : public RateLimiter {
 public:
  MOCK_METHOD(Duration, When, (const std::string&), (override));
  MOCK_METHOD(void, Forget, (const std::string&), (override));
  MOCK_METHOD(int, NumRequeues, (const std::string&), (const, override));
};

TEST(MaxOfRateLimiterTest, TakesTheLargestAndForgetsEverywhere) {
  auto a = std::make_unique<MockRateLimiter>();
  auto b = std::make_unique<MockRateLimiter>();
  EXPECT_CALL(*a, When("ns/x")).WillOnce(Return(milliseconds(5))).WillOnce(Return(milliseconds(70)));
  EXPECT_CALL(*b, When("ns/x")).WillOnce(Return(milliseconds(30))).WillOnce(Return(milliseconds(0)));
  EXPECT_CALL(*a, NumRequeues("ns/x")).WillOnce(Return(2));
  EXPECT_CALL(*b, NumRequeues("ns/x")).WillOnce(Return(0));
  EXPECT_CALL(*a, Forget("ns/x"));
  EXPECT_CALL(*b, Forget("ns/x"));
  std::vector<std::unique_ptr<RateLimiter>> children;
  children.push_back(std::move(a));
  children.push_back(std::move(b));
  MaxOfRateLimiter limiter(std::move(children));
  EXPECT_EQ(limiter.When("ns/x"), milliseconds(30));
  EXPECT_EQ(limiter.When("ns/x"), milliseconds(70));
  EXPECT_EQ(limiter.NumRequeues("ns/x"), 2);
  limiter.Forget("ns/x");
}

TEST(DefaultControllerRateLimiterTest, BucketDominatesOnlyAfterTheBurst) {
  FakeClock clock;
  auto limiter = DefaultControllerRateLimiter(clock);
  EXPECT_EQ(limiter->When("ns/a"), milliseconds(5));
  EXPECT_EQ(limiter->When("ns/a"), milliseconds(10));
  for (int i = 0; i < 98; ++i) limiter->When("ns/k" + std::to_string(i));  // burst used up
  EXPECT_EQ(limiter->When("ns/fresh"), milliseconds(100));  // bucket > 5 ms
}

// --- metrics ------------------------------------------------------------------------------------

class MockWorkQueueMetrics : public WorkQueueMetrics {
 public:
  MOCK_METHOD(void, Added, (), (override));
  MOCK_METHOD(void, DepthChanged, (std::size_t), (override));
  MOCK_METHOD(void, Retried, (), (override));
  MOCK_METHOD(void, QueueLatency, (Duration), (override));
  MOCK_METHOD(void, WorkDuration, (Duration), (override));
};

TEST(WorkQueueMetricsTest, HooksReportAddsDepthLatencyDurationAndRetries) {
  FakeClock clock;
  auto metrics = std::make_unique<MockWorkQueueMetrics>();
  MockWorkQueueMetrics& m = *metrics;
  WorkQueue queue(clock, NoDelay(), std::move(metrics));
  {
    InSequence in_order;
    EXPECT_CALL(m, Added());
    EXPECT_CALL(m, DepthChanged(1u));
    // The second Add of ns/a is deduplicated: no hooks.
    EXPECT_CALL(m, DepthChanged(0u));
    EXPECT_CALL(m, QueueLatency(Duration(seconds(2))));
    EXPECT_CALL(m, WorkDuration(Duration(seconds(3))));
    EXPECT_CALL(m, Retried());
    EXPECT_CALL(m, Added());
    EXPECT_CALL(m, DepthChanged(1u));
  }
  queue.Add("ns/a");
  queue.Add("ns/a");
  clock.Advance(seconds(2));
  ASSERT_EQ(queue.Get(), "ns/a");
  clock.Advance(seconds(3));
  queue.Done("ns/a");
  queue.AddRateLimited("ns/a");  // zero delay: retried, then added at once
}

TEST(WorkQueueMetricsTest, NullMetricsMeansNoop) {
  FakeClock clock;
  WorkQueue queue(clock, NoDelay(), nullptr);
  queue.Add("ns/a");
  EXPECT_EQ(queue.Get(), "ns/a");
  queue.Done("ns/a");
}

}  // namespace
}  // namespace jd::kube

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "common/system_clock.h"

namespace jd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(FakeClockTest, AdvanceMovesBothReadings) {
  FakeClock clock;
  const MonoTime mono = clock.Now();
  const WallTime wall = clock.WallNow();
  clock.Advance(seconds(3));
  EXPECT_EQ(clock.Now() - mono, seconds(3));
  EXPECT_EQ(clock.WallNow() - wall, seconds(3));
}

TEST(FakeClockTest, NegativeAdvanceIsIgnored) {
  FakeClock clock;
  const MonoTime mono = clock.Now();
  clock.Advance(-seconds(3));
  EXPECT_EQ(clock.Now(), mono);
}

TEST(FakeClockTest, SetWallTimeStepsOnlyTheWallClock) {
  FakeClock clock(WallTime(seconds(1000)));
  EXPECT_EQ(clock.WallNow(), WallTime(seconds(1000)));
  const MonoTime mono = clock.Now();
  clock.SetWallTime(WallTime(seconds(10)));
  EXPECT_EQ(clock.WallNow(), WallTime(seconds(10)));
  EXPECT_EQ(clock.Now(), mono);
}

TEST(FakeClockTest, AdvanceToMovesForwardOnly) {
  FakeClock clock;
  const MonoTime start = clock.Now();
  clock.AdvanceTo(start + seconds(5));
  EXPECT_EQ(clock.Now(), start + seconds(5));
  clock.AdvanceTo(start);
  EXPECT_EQ(clock.Now(), start + seconds(5));
}

TEST(FakeClockTest, TimersFireOnAdvanceInDeadlineOrder) {
  FakeClock clock;
  std::vector<int> fired;
  auto t3 = clock.AfterFunc(seconds(3), [&] { fired.push_back(3); });
  auto t1 = clock.AfterFunc(seconds(1), [&] { fired.push_back(1); });
  auto t2a = clock.AfterFunc(seconds(2), [&] { fired.push_back(20); });
  auto t2b = clock.AfterFunc(seconds(2), [&] { fired.push_back(21); });  // tie: schedule order
  clock.Advance(milliseconds(999));
  EXPECT_TRUE(fired.empty());
  clock.Advance(milliseconds(1));
  EXPECT_EQ(fired, (std::vector<int>{1}));
  clock.Advance(seconds(5));
  EXPECT_EQ(fired, (std::vector<int>{1, 20, 21, 3}));
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(FakeClockTest, CallbackSeesTimeAtEndOfAdvance) {
  FakeClock clock;
  const MonoTime start = clock.Now();
  MonoTime seen{};
  auto timer = clock.AfterFunc(seconds(1), [&] { seen = clock.Now(); });
  clock.Advance(seconds(10));
  EXPECT_EQ(seen, start + seconds(10));
}

TEST(FakeClockTest, TimerScheduledByCallbackFiresInSameAdvanceWhenDue) {
  FakeClock clock;
  int fired = 0;
  std::unique_ptr<Timer> second;
  auto first = clock.AfterFunc(seconds(1), [&] {
    ++fired;
    second = clock.AfterFunc(seconds(1), [&] { ++fired; });
  });
  clock.Advance(seconds(1));
  EXPECT_EQ(fired, 1);  // the second is due at +2s
  clock.Advance(seconds(1));
  EXPECT_EQ(fired, 2);
}

TEST(FakeClockTest, CancelAndHandleDestructionPreventTheCallback) {
  FakeClock clock;
  int fired = 0;
  auto cancelled = clock.AfterFunc(seconds(1), [&] { ++fired; });
  EXPECT_TRUE(cancelled->Cancel());
  EXPECT_FALSE(cancelled->Cancel());  // idempotent
  clock.AfterFunc(seconds(1), [&] { ++fired; });  // handle dropped at once: cancelled
  EXPECT_EQ(clock.PendingTimers(), 0u);
  clock.Advance(seconds(2));
  EXPECT_EQ(fired, 0);
}

TEST(FakeClockTest, CancelFromInsideItsOwnCallbackReturns) {
  FakeClock clock;
  std::unique_ptr<Timer> timer;
  bool ran = false;
  timer = clock.AfterFunc(seconds(1), [&] {
    EXPECT_FALSE(timer->Cancel());  // must not wait for itself
    ran = true;
  });
  clock.Advance(seconds(1));
  EXPECT_TRUE(ran);
}

TEST(FakeClockTest, CancelWaitsForACallbackRunningOnAnotherThread) {
  FakeClock clock;
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> finished{false};
  auto timer = clock.AfterFunc(seconds(1), [&] {
    started.set_value();
    released.wait();
    finished = true;
  });
  std::thread advancer([&] { clock.Advance(seconds(1)); });
  started.get_future().wait();
  std::thread releaser([&] { release.set_value(); });
  timer->Cancel();
  EXPECT_TRUE(finished);  // Cancel returned only after the callback did
  releaser.join();
  advancer.join();
}

// The one test that touches real time: a zero delay fires promptly on SystemClock's thread.
TEST(SystemClockTest, ZeroDelayTimerFiresOnTheTimerThread) {
  SystemClock clock;
  std::promise<std::thread::id> fired_on;
  auto timer = clock.AfterFunc(Duration::zero(), [&] { fired_on.set_value(std::this_thread::get_id()); });
  auto future = fired_on.get_future();
  ASSERT_EQ(future.wait_for(seconds(10)), std::future_status::ready);  // hang guard only
  EXPECT_NE(future.get(), std::this_thread::get_id());
  const MonoTime first = clock.Now();
  EXPECT_LE(first, clock.Now());
}

TEST(SystemClockTest, CancelledTimerNeverFires) {
  SystemClock clock;
  bool fired = false;
  auto timer = clock.AfterFunc(std::chrono::hours(1), [&] { fired = true; });
  EXPECT_TRUE(timer->Cancel());
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace jd

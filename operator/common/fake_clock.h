// FakeClock: a jd::Clock that only moves when a test says so.
//
// Time starts at a fixed, arbitrary point (monotonic) and at 2024-01-01T00:00:00Z (wall), or at
// the wall time given to the constructor. Advance(d) moves both readings forward by d and then
// runs every AfterFunc callback that has come due, on the calling thread, in deadline order, before
// returning — so after `clock.Advance(...)` the effects of the timers are visible without sleeping
// or polling. Callbacks observe Now() at the end of the advance (as with a real clock that woke
// late), not at their own deadline. SetWallTime() steps only the wall clock (an NTP step); the
// monotonic clock never goes backwards.
//
// Thread-safe: workers may read Now() and schedule timers while the test advances time.
// Concurrent Advance calls are serialised.
//
// Usage:
//   jd::FakeClock clock;
//   bool fired = false;
//   auto timer = clock.AfterFunc(std::chrono::seconds(5), [&] { fired = true; });
//   clock.Advance(std::chrono::seconds(4));   // fired == false
//   clock.Advance(std::chrono::seconds(1));   // fired == true
#pragma once

#include <atomic>
#include <mutex>

#include "common/clock.h"
#include "common/timer_queue.h"

namespace jd {

class FakeClock : public Clock {
 public:
  FakeClock();
  explicit FakeClock(WallTime wall_start);
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  MonoTime Now() const override;
  WallTime WallNow() const override;
  std::unique_ptr<Timer> AfterFunc(Duration delay, std::function<void()> fn) override;

  // Moves time forward by `d` (negative values are treated as 0) and runs the timers that are due.
  void Advance(Duration d);

  // Moves monotonic time forward to `t` (no-op if `t` is not later) and runs due timers.
  void AdvanceTo(MonoTime t);

  // Steps the wall clock to `t`; Now() and timers are unaffected.
  void SetWallTime(WallTime t);

  // Number of AfterFunc callbacks that have not run yet (for assertions).
  std::size_t PendingTimers() const { return timers_.Pending(); }

 private:
  mutable std::mutex mu_;
  std::mutex advance_mu_;  // serialises Advance; taken before mu_
  MonoTime now_;
  WallTime wall_;
  TimerQueue timers_;
};

}  // namespace jd

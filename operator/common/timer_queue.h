// TimerQueue: the bookkeeping shared by SystemClock and FakeClock — pending one-shot callbacks
// ordered by deadline, and the cancel-waits-for-a-running-callback rule of jd::Timer.
//
// It does not know what time it is: the owner passes `now` to RunDue (FakeClock, from Advance) or
// runs RunLoop on a thread that waits on the steady clock (SystemClock). Not meant to be used
// outside common/; code that needs timers takes a jd::Clock.
//
// Usage (inside a Clock implementation):
//   TimerQueue timers_;
//   std::unique_ptr<Timer> AfterFunc(Duration d, std::function<void()> fn) override {
//     return timers_.Schedule(Now() + d, std::move(fn));
//   }
//   void Advance(Duration d) { now_ += d; timers_.RunDue(now_); }
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "common/clock.h"

namespace jd {

class TimerQueue {
 public:
  TimerQueue() = default;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Adds a callback due at `deadline`; the returned handle cancels it. The handle must not
  // outlive this queue.
  std::unique_ptr<Timer> Schedule(MonoTime deadline, std::function<void()> fn);

  // Runs, on the calling thread and one at a time, every callback due at or before `now`,
  // including ones scheduled by those callbacks. Returns how many ran.
  int RunDue(MonoTime now);

  // Runs callbacks as their deadlines pass on std::chrono::steady_clock until Stop(). Meant for
  // one dedicated thread (SystemClock's).
  void RunLoop();

  // Makes RunLoop return; pending callbacks are dropped.
  void Stop();

  // The earliest pending deadline, if any.
  std::optional<MonoTime> NextDeadline() const;

  // Number of callbacks that have not started.
  std::size_t Pending() const;

 private:
  using Id = std::uint64_t;
  class Handle;
  struct Entry {
    Id id;
    std::function<void()> fn;
  };

  bool Cancel(Id id);
  // Pops the earliest entry due at `now` and runs it with mu_ released. Requires `lock` held.
  bool RunOneLocked(std::unique_lock<std::mutex>& lock, MonoTime now);

  mutable std::mutex mu_;
  std::condition_variable changed_;  // pending set changed, a callback finished, or Stop()
  // Keyed by (deadline, id): deadline order, ties in scheduling order.
  std::map<std::pair<MonoTime, Id>, Entry> pending_;
  std::map<Id, MonoTime> deadline_of_;
  Id next_id_ = 1;
  std::optional<Id> running_;
  std::thread::id running_thread_;
  bool stopped_ = false;
};

}  // namespace jd

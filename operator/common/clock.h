// Clock: the injected source of time and timers. Nothing in the operator reads the real clock
// directly; it takes a `Clock&` and tests pass a FakeClock (common/fake_clock.h).
//
// Two readings, for two purposes:
//   Now()     monotonic (steady) time: measure durations, compute deadlines, order timers.
//             Never jumps backwards; meaningless across processes.
//   WallNow() calendar (system) time: stamp things a human or the API server reads
//             (lastTransitionTime, event timestamps, lease renewTime). May jump.
//
// Timers: AfterFunc(delay, fn) runs `fn` once, on a thread the clock owns, no earlier than
// Now() + delay. It returns a Timer handle; destroying the handle (or calling Cancel) cancels a
// callback that has not started and waits for one that is running on another thread. This one
// primitive is what lets code that waits for a time (the work queue's delayed adds, lease
// renewals) be driven deterministically by a FakeClock: FakeClock runs due callbacks inside
// Advance(), on the test's thread, so when Advance returns every effect is already visible.
//
// Locking rule for users: a callback may take the user's own mutex, so never Cancel or destroy a
// Timer while holding a mutex its callback takes (that would wait for the callback, which waits
// for the mutex). Move the handle out under the lock and destroy it after unlocking. Calling
// AfterFunc while holding such a mutex is fine.
//
// Usage:
//   class Renewer {
//    public:
//     explicit Renewer(jd::Clock& clock) : clock_(clock) {}
//     void Start() { timer_ = clock_.AfterFunc(std::chrono::seconds(10), [this] { Renew(); }); }
//    private:
//     jd::Clock& clock_;
//     std::unique_ptr<jd::Timer> timer_;   // declared last: destroyed (cancelled) first
//   };
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace jd {

using Duration = std::chrono::nanoseconds;
using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// A pending one-shot callback. Destroying the handle cancels it (see Cancel).
// A Timer must not outlive the Clock that created it.
class Timer {
 public:
  virtual ~Timer() = default;

  // Prevents the callback from starting. If it is already running on another thread, blocks until
  // it has returned; called from inside the callback itself, returns at once. Returns true if this
  // call stopped a callback that had not started. Idempotent.
  virtual bool Cancel() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;

  // Monotonic time, for durations and deadlines.
  virtual MonoTime Now() const = 0;

  // Calendar time, for timestamps.
  virtual WallTime WallNow() const = 0;

  // Runs `fn` once, no earlier than Now() + delay (a delay <= 0 means "as soon as possible"; for
  // FakeClock, at the next Advance). Callbacks run one at a time, in deadline order (ties in
  // scheduling order), never while the clock's internal lock is held, so they may call back into
  // the clock (Now, AfterFunc, Cancel).
  virtual std::unique_ptr<Timer> AfterFunc(Duration delay, std::function<void()> fn) = 0;
};

}  // namespace jd

// SystemClock: the real jd::Clock — std::chrono::steady_clock for Now(), system_clock for
// WallNow(), and one lazily started thread that runs AfterFunc callbacks.
//
// The binary creates exactly one in main() and passes it down by reference; it must outlive every
// component and Timer that uses it. Tests use FakeClock instead and never construct this.
//
// Usage:
//   int main() {
//     jd::SystemClock clock;
//     jd::kube::WorkQueue queue(clock, jd::kube::DefaultControllerRateLimiter(clock));
//     ...
//   }
#pragma once

#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/timer_queue.h"

namespace jd {

class SystemClock : public Clock {
 public:
  SystemClock() = default;
  // Stops the timer thread; callbacks that have not started never run.
  ~SystemClock() override;
  SystemClock(const SystemClock&) = delete;
  SystemClock& operator=(const SystemClock&) = delete;

  MonoTime Now() const override;
  WallTime WallNow() const override;
  std::unique_ptr<Timer> AfterFunc(Duration delay, std::function<void()> fn) override;

 private:
  TimerQueue timers_;
  std::once_flag started_;
  std::thread thread_;
};

}  // namespace jd

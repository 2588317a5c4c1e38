#include "common/system_clock.h"

#include <utility>

namespace jd {

SystemClock::~SystemClock() {
  timers_.Stop();
  if (thread_.joinable()) thread_.join();
}

MonoTime SystemClock::Now() const { return std::chrono::steady_clock::now(); }

WallTime SystemClock::WallNow() const { return std::chrono::system_clock::now(); }

std::unique_ptr<Timer> SystemClock::AfterFunc(Duration delay, std::function<void()> fn) {
  std::call_once(started_, [this] { thread_ = std::thread([this] { timers_.RunLoop(); }); });
  return timers_.Schedule(Now() + delay, std::move(fn));
}

}  // namespace jd

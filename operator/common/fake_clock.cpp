#include "common/fake_clock.h"

#include <utility>

namespace jd {

namespace {
// 2024-01-01T00:00:00Z.
constexpr std::chrono::seconds kDefaultWallStart{1704067200};
// An arbitrary monotonic origin far from zero, so code that subtracts durations stays positive.
constexpr std::chrono::hours kMonoStart{1000};
}  // namespace

FakeClock::FakeClock() : FakeClock(WallTime(kDefaultWallStart)) {}

FakeClock::FakeClock(WallTime wall_start) : now_(MonoTime(kMonoStart)), wall_(wall_start) {}

MonoTime FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

WallTime FakeClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_;
}

std::unique_ptr<Timer> FakeClock::AfterFunc(Duration delay, std::function<void()> fn) {
  return timers_.Schedule(Now() + delay, std::move(fn));
}

void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> advancing(advance_mu_);
  MonoTime now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (d > Duration::zero()) {
      now_ += d;
      wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    }
    now = now_;
  }
  timers_.RunDue(now);
}

void FakeClock::AdvanceTo(MonoTime t) {
  std::lock_guard<std::mutex> advancing(advance_mu_);
  MonoTime now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (t > now_) {
      wall_ += std::chrono::duration_cast<WallTime::duration>(t - now_);
      now_ = t;
    }
    now = now_;
  }
  timers_.RunDue(now);
}

void FakeClock::SetWallTime(WallTime t) {
  std::lock_guard<std::mutex> lock(mu_);
  wall_ = t;
}

}  // namespace jd

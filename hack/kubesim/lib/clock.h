// clock.h — time for kube-sim, injected so tests can drive it.
//
// Usage:
//   SystemClock clock;                 // production
//   FakeClock fake(start); fake.Advance(std::chrono::seconds(5));   // tests
//   std::string ts = Rfc3339(clock.Now());
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

namespace kubesim {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

}  // namespace kubesim

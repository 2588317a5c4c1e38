// RateLimiter: how long a work-queue key waits before it is retried (client-go's
// workqueue.TypedRateLimiter).
//
// When(key) records one more failure of `key` and returns the delay before its next attempt;
// Forget(key) says the key succeeded (its history is reset); NumRequeues(key) is the number of
// failures recorded since the last Forget. All implementations are thread-safe.
//
//   ItemExponentialFailureRateLimiter  per key: base * 2^failures, capped at max
//   BucketRateLimiter                  all keys: token bucket, `qps` refill, `burst` capacity
//   MaxOfRateLimiter                   the largest delay of its children
//   DefaultControllerRateLimiter       max(exponential 5 ms .. 1000 s, bucket 10 qps / 100 burst),
//                                      controller-runtime's default
//
// Usage:
//   jd::FakeClock clock;
//   auto limiter = jd::kube::DefaultControllerRateLimiter(clock);
//   limiter->When("ns/a");   // 5 ms
//   limiter->When("ns/a");   // 10 ms
//   limiter->Forget("ns/a");
//   limiter->When("ns/a");   // 5 ms again
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"

namespace jd::kube {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Records a failure of `key` and returns how long to wait before retrying it.
  virtual Duration When(const std::string& key) = 0;
  // Clears the failure history of `key`.
  virtual void Forget(const std::string& key) = 0;
  // Failures of `key` since its last Forget.
  virtual int NumRequeues(const std::string& key) const = 0;
};

// base * 2^(failures so far), never more than `max`. The first When returns `base`.
class ItemExponentialFailureRateLimiter : public RateLimiter {
 public:
  ItemExponentialFailureRateLimiter(Duration base, Duration max);

  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) const override;

 private:
  const Duration base_;
  const Duration max_;
  mutable std::mutex mu_;
  std::map<std::string, int> failures_;
};

// A token bucket shared by all keys (golang.org/x/time/rate's Reserve): it holds up to `burst`
// tokens, refilled at `qps` per second of Clock::Now(). Each When takes one token; when none is
// left the token is borrowed from the future and the delay until it exists is returned. Does not
// track keys: Forget is a no-op and NumRequeues is 0.
class BucketRateLimiter : public RateLimiter {
 public:
  // Precondition: qps > 0, burst >= 1. Starts full.
  BucketRateLimiter(const Clock& clock, double qps, int burst);

  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) const override;

 private:
  const Clock& clock_;
  const double qps_;
  const double burst_;
  mutable std::mutex mu_;
  double tokens_;
  MonoTime last_;
};

// Asks every child; returns the longest delay and the largest NumRequeues; Forget forgets in all.
class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);

  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) const override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

// max(ItemExponentialFailureRateLimiter(5 ms, 1000 s), BucketRateLimiter(10 qps, burst 100)).
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock);

}  // namespace jd::kube

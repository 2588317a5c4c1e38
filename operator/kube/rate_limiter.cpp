#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace jd::kube {

ItemExponentialFailureRateLimiter::ItemExponentialFailureRateLimiter(Duration base, Duration max)
    : base_(base), max_(max) {}

Duration ItemExponentialFailureRateLimiter::When(const std::string& key) {
  int exponent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    exponent = failures_[key]++;
  }
  // In floating point so that large exponents saturate instead of overflowing.
  const double backoff = static_cast<double>(base_.count()) * std::pow(2.0, exponent);
  if (!(backoff < static_cast<double>(max_.count()))) return max_;
  return Duration(static_cast<Duration::rep>(backoff));
}

void ItemExponentialFailureRateLimiter::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_.erase(key);
}

int ItemExponentialFailureRateLimiter::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(const Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(burst), tokens_(burst), last_(clock.Now()) {}

Duration BucketRateLimiter::When(const std::string& /*key*/) {
  const MonoTime now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0.0) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

void BucketRateLimiter::Forget(const std::string& /*key*/) {}

int BucketRateLimiter::NumRequeues(const std::string& /*key*/) const { return 0; }

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

Duration MaxOfRateLimiter::When(const std::string& key) {
  Duration longest = Duration::zero();
  // Every child is asked (each records the failure), not just until the first long delay.
  for (auto& limiter : limiters_) longest = std::max(longest, limiter->When(key));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  for (auto& limiter : limiters_) limiter->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) const {
  int most = 0;
  for (const auto& limiter : limiters_) most = std::max(most, limiter->NumRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialFailureRateLimiter>(
      std::chrono::milliseconds(5), std::chrono::seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(clock, 10.0, 100));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace jd::kube

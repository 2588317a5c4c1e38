#include "kube/workqueue.h"

#include <utility>

namespace jd::kube {

WorkQueue::WorkQueue(Clock& clock, std::unique_ptr<RateLimiter> limiter,
                     std::unique_ptr<WorkQueueMetrics> metrics)
    : clock_(clock),
      limiter_(std::move(limiter)),
      metrics_(metrics ? std::move(metrics) : std::make_unique<NoopWorkQueueMetrics>()) {}

WorkQueue::~WorkQueue() {
  std::unique_ptr<Timer> replaced;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ShutDownLocked(replaced);
  }
  // Outside mu_: cancelling waits for a running OnTimer, which takes mu_.
  replaced.reset();
}

void WorkQueue::AddLocked(const std::string& key, MonoTime now) {
  if (shutting_down_) return;
  if (!dirty_.emplace(key, now).second) return;  // already pending
  metrics_->Added();
  if (processing_.count(key) != 0) return;  // Done will queue it
  queue_.push_back(key);
  metrics_->DepthChanged(queue_.size());
  ready_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key, clock_.Now());
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  std::unique_ptr<Timer> replaced;
  {
    std::lock_guard<std::mutex> lock(mu_);
    AddAfterLocked(key, delay, replaced);
  }
}

void WorkQueue::AddRateLimited(const std::string& key) {
  const Duration delay = limiter_->When(key);
  AddAfter(key, delay);
}

void WorkQueue::AddAfterLocked(const std::string& key, Duration delay,
                               std::unique_ptr<Timer>& replaced) {
  if (shutting_down_) return;
  metrics_->Retried();
  const MonoTime now = clock_.Now();
  if (delay <= Duration::zero()) {
    AddLocked(key, now);
    return;
  }
  const MonoTime deadline = now + delay;
  if (auto it = waiting_index_.find(key); it != waiting_index_.end()) {
    if (it->second.first <= deadline) return;  // the earlier deadline wins
    waiting_.erase(WaitingEntry{it->second.first, it->second.second, key});
    waiting_index_.erase(it);
  }
  const std::uint64_t seq = next_seq_++;
  waiting_.emplace(deadline, seq, key);
  waiting_index_.emplace(key, std::make_pair(deadline, seq));
  ArmLocked(deadline, now, replaced);
}

void WorkQueue::ArmLocked(MonoTime deadline, MonoTime now, std::unique_ptr<Timer>& replaced) {
  if (armed_for_ && *armed_for_ <= deadline) return;
  const std::uint64_t generation = ++timer_generation_;
  armed_for_ = deadline;
  replaced = std::move(timer_);
  timer_ = clock_.AfterFunc(deadline - now, [this, generation] { OnTimer(generation); });
}

void WorkQueue::OnTimer(std::uint64_t generation) {
  std::unique_ptr<Timer> replaced;  // declared before `lock`: destroyed after mu_ is released
  std::lock_guard<std::mutex> lock(mu_);
  if (generation == timer_generation_) {
    // This is the armed timer firing: it is spent. Its own handle is destroyed below, from this
    // callback, which Timer allows.
    armed_for_.reset();
    replaced = std::move(timer_);
  }
  if (shutting_down_) return;
  const MonoTime now = clock_.Now();
  while (!waiting_.empty() && std::get<0>(*waiting_.begin()) <= now) {
    auto node = waiting_.extract(waiting_.begin());
    const std::string& key = std::get<2>(node.value());
    waiting_index_.erase(key);
    AddLocked(key, now);
  }
  if (!waiting_.empty()) {
    std::unique_ptr<Timer> also_replaced;
    ArmLocked(std::get<0>(*waiting_.begin()), now, also_replaced);
    if (also_replaced) replaced = std::move(also_replaced);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  ready_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  if (shutting_down_) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  metrics_->DepthChanged(queue_.size());
  const MonoTime now = clock_.Now();
  if (auto it = dirty_.find(key); it != dirty_.end()) {
    metrics_->QueueLatency(now - it->second);
    dirty_.erase(it);
  }
  processing_.emplace(key, now);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = processing_.find(key);
  if (it == processing_.end()) return;  // not handed out: a caller bug, ignored as in client-go
  metrics_->WorkDuration(clock_.Now() - it->second);
  processing_.erase(it);
  if (!shutting_down_ && dirty_.count(key) != 0) {
    queue_.push_back(key);
    metrics_->DepthChanged(queue_.size());
    ready_.notify_one();
  }
  if (processing_.empty()) drained_.notify_all();
}

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) const { return limiter_->NumRequeues(key); }

std::size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

std::size_t WorkQueue::NumWaiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

void WorkQueue::ShutDownLocked(std::unique_ptr<Timer>& replaced) {
  shutting_down_ = true;
  waiting_.clear();
  waiting_index_.clear();
  armed_for_.reset();
  replaced = std::move(timer_);
  ready_.notify_all();
}

void WorkQueue::ShutDown() {
  std::unique_ptr<Timer> replaced;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ShutDownLocked(replaced);
  }
}

void WorkQueue::ShutDownWithDrain() {
  ShutDown();
  std::unique_lock<std::mutex> lock(mu_);
  drained_.wait(lock, [this] { return processing_.empty(); });
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

}  // namespace jd::kube

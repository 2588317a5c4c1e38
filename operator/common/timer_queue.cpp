#include "common/timer_queue.h"

namespace jd {

class TimerQueue::Handle : public Timer {
 public:
  Handle(TimerQueue& queue, Id id) : queue_(queue), id_(id) {}
  ~Handle() override { Cancel(); }
  bool Cancel() override { return queue_.Cancel(id_); }

 private:
  TimerQueue& queue_;
  const Id id_;
};

std::unique_ptr<Timer> TimerQueue::Schedule(MonoTime deadline, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  const Id id = next_id_++;
  pending_.emplace(std::make_pair(deadline, id), Entry{id, std::move(fn)});
  deadline_of_.emplace(id, deadline);
  changed_.notify_all();
  return std::make_unique<Handle>(*this, id);
}

bool TimerQueue::Cancel(Id id) {
  std::unique_lock<std::mutex> lock(mu_);
  if (auto it = deadline_of_.find(id); it != deadline_of_.end()) {
    pending_.erase(std::make_pair(it->second, id));
    deadline_of_.erase(it);
    changed_.notify_all();
    return true;
  }
  if (running_ == id && running_thread_ != std::this_thread::get_id()) {
    changed_.wait(lock, [&] { return running_ != id; });
  }
  return false;
}

bool TimerQueue::RunOneLocked(std::unique_lock<std::mutex>& lock, MonoTime now) {
  if (pending_.empty() || pending_.begin()->first.first > now) return false;
  auto node = pending_.extract(pending_.begin());
  Entry entry = std::move(node.mapped());
  deadline_of_.erase(entry.id);
  running_ = entry.id;
  running_thread_ = std::this_thread::get_id();
  lock.unlock();
  entry.fn();
  entry.fn = nullptr;  // destroy captures before reporting completion
  lock.lock();
  running_.reset();
  changed_.notify_all();
  return true;
}

int TimerQueue::RunDue(MonoTime now) {
  std::unique_lock<std::mutex> lock(mu_);
  int ran = 0;
  while (RunOneLocked(lock, now)) ++ran;
  return ran;
}

void TimerQueue::RunLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    if (RunOneLocked(lock, std::chrono::steady_clock::now())) continue;
    if (pending_.empty()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, pending_.begin()->first.first);
    }
  }
}

void TimerQueue::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  pending_.clear();
  deadline_of_.clear();
  changed_.notify_all();
}

std::optional<MonoTime> TimerQueue::NextDeadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.empty()) return std::nullopt;
  return pending_.begin()->first.first;
}

std::size_t TimerQueue::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace jd

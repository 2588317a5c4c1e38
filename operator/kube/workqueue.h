// WorkQueue: the rate-limited, delaying work queue between event sources and reconcile workers
// (client-go's workqueue.TypedRateLimitingInterface over keys "namespace/name").
//
// Guarantees:
//   * Deduplication: a key added while it is already pending is not queued twice.
//   * Exclusivity: a key handed out by Get is not handed to another worker until Done(key). If it
//     is added meanwhile it is marked dirty and queued again by Done, so the change is not lost.
//   * FIFO among pending keys.
//   * AddAfter(key, d) makes the key pending at Clock::Now() + d, via a Clock timer (so a FakeClock
//     drives it deterministically: once Advance returns, due keys are pending). If the key is
//     already waiting, the earlier deadline wins. d <= 0 is Add. A plain Add does not cancel a
//     waiting AddAfter of the same key (as in client-go); the later promotion is then an ordinary
//     Add — deduplicated if the key is still pending.
//   * AddRateLimited(key) is AddAfter(key, limiter.When(key)); Forget(key) resets the key's
//     backoff and NumRequeues(key) reports it.
//
// Shutdown:
//   * ShutDown(): Add/AddAfter become no-ops, waiting (delayed) keys are dropped, and every Get —
//     blocked or future — returns nullopt, even if keys are still pending. Workers finish the item
//     they hold and call Done as usual.
//   * ShutDownWithDrain(): ShutDown(), then blocks until every handed-out key is Done.
//
// Thread-safe. The Clock must outlive the queue. Metrics hooks run under the queue's mutex.
//
// Usage (a controller's worker):
//   jd::kube::WorkQueue queue(clock, jd::kube::DefaultControllerRateLimiter(clock));
//   while (auto key = queue.Get()) {
//     auto outcome = reconciler.Reconcile(*jd::Request::FromKey(*key));
//     ... Forget / AddAfter / AddRateLimited per jd::ActionFor(outcome) ...
//     queue.Done(*key);
//   }
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "common/clock.h"
#include "kube/rate_limiter.h"
#include "kube/workqueue_metrics.h"

namespace jd::kube {

class WorkQueue {
 public:
  // `metrics` may be null (no metrics).
  WorkQueue(Clock& clock, std::unique_ptr<RateLimiter> limiter,
            std::unique_ptr<WorkQueueMetrics> metrics = nullptr);
  // Shuts down and cancels the delay timer. Callers must have stopped their workers.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Makes `key` pending (see deduplication and exclusivity above).
  void Add(const std::string& key);
  // Makes `key` pending after `delay`; an earlier deadline for the same key wins.
  void AddAfter(const std::string& key, Duration delay);
  // Makes `key` pending after the rate limiter's delay for it (records a failure).
  void AddRateLimited(const std::string& key);

  // Blocks until a key is pending (and returns it, marking it in process) or the queue is shut
  // down (returns nullopt).
  std::optional<std::string> Get();
  // Marks the processing of `key` finished; requeues it if it was added meanwhile. Every key
  // returned by Get must be passed to Done exactly once, whatever the reconcile outcome.
  void Done(const std::string& key);

  // Clears the rate limiter's history for `key` (call on success).
  void Forget(const std::string& key);
  // Failures recorded for `key` since its last Forget.
  int NumRequeues(const std::string& key) const;

  // Keys pending (ready for Get); excludes keys in process and keys waiting for a delay.
  std::size_t Len() const;
  // Keys waiting for an AddAfter / AddRateLimited delay.
  std::size_t NumWaiting() const;

  void ShutDown();
  void ShutDownWithDrain();
  bool ShuttingDown() const;

 private:
  using WaitingEntry = std::tuple<MonoTime, std::uint64_t, std::string>;  // deadline, seq, key

  void AddLocked(const std::string& key, MonoTime now);
  void AddAfterLocked(const std::string& key, Duration delay, std::unique_ptr<Timer>& replaced);
  // Arms the timer for `deadline` unless it is already armed for an earlier one; the timer it
  // replaces is moved into `replaced`, to be destroyed after mu_ is released.
  void ArmLocked(MonoTime deadline, MonoTime now, std::unique_ptr<Timer>& replaced);
  void OnTimer(std::uint64_t generation);
  void ShutDownLocked(std::unique_ptr<Timer>& replaced);

  Clock& clock_;
  const std::unique_ptr<RateLimiter> limiter_;
  const std::unique_ptr<WorkQueueMetrics> metrics_;

  mutable std::mutex mu_;
  std::condition_variable ready_;    // queue_ non-empty or shutting down
  std::condition_variable drained_;  // processing_ became empty
  std::deque<std::string> queue_;
  // Pending keys (queued, or added while in process), with the time they became pending.
  std::unordered_map<std::string, MonoTime> dirty_;
  // Keys handed out by Get and not yet Done, with the time they were handed out.
  std::unordered_map<std::string, MonoTime> processing_;
  // Keys waiting for a delay, ordered by deadline then insertion; and the index by key.
  std::set<WaitingEntry> waiting_;
  std::unordered_map<std::string, std::pair<MonoTime, std::uint64_t>> waiting_index_;
  std::uint64_t next_seq_ = 0;
  // Invariant: if waiting_ is non-empty, timer_ is armed for armed_for_ <= the earliest deadline.
  std::unique_ptr<Timer> timer_;
  std::optional<MonoTime> armed_for_;
  std::uint64_t timer_generation_ = 0;
  bool shutting_down_ = false;
};

}  // namespace jd::kube

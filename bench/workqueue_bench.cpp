// workqueue_bench.cpp — operations per second of jd::kube::WorkQueue, the queue between the
// watchers and the reconcile workers.
//
// What each benchmark measures, and why:
//   BM_WorkQueue_AddGetDoneForget     one key's whole life (Add, Get, Done, Forget) single-threaded,
//                                     1024 distinct keys per batch: the fixed cost the queue adds
//                                     to every reconcile.
//   BM_WorkQueue_AddDuplicate         Add of a key that is already pending: the deduplication path
//                                     a burst of events for one object takes (one lock + one hash
//                                     lookup, nothing queued).
//   BM_WorkQueue_ProducerConsumer     1 producer, N = 1, 2, 4 workers, with a reconcile that does
//                                     nothing (work_us = 0: pure queue and lock contention) or
//                                     sleeps ~50 us (work_us = 50: a reconcile waiting on the API
//                                     server, where workers should overlap). Items per second.
//   BM_WorkQueue_AddRateLimitedForget AddRateLimited (the default controller limiter, then a
//                                     delayed add) and Forget, 1024 distinct keys per fresh queue:
//                                     the path of a storm of failing reconciles.
//   BM_WorkQueue_AddAfter             AddAfter(key, 1 s) on a SystemClock, 1024 distinct keys per
//                                     fresh queue; deadlines ascending (the timer is armed once) or
//                                     descending (every add re-arms the clock's timer).
//   BM_WorkQueue_AddAfterRoundTrip    AddAfter(key, 1 us) then Get: the latency of a delayed key
//                                     through the SystemClock's timer thread back to a worker.
//
// The queue runs on a real jd::SystemClock, as in production (its Now() is called on every Add
// and Get). Multi-threaded benchmarks use wall time (UseRealTime): the benchmark thread mostly
// waits, so its CPU time would mean nothing.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/system_clock.h"
#include "kube/rate_limiter.h"
#include "kube/workqueue.h"

namespace {

using jd::kube::DefaultControllerRateLimiter;
using jd::kube::WorkQueue;

constexpr int kBatch = 1024;

// "ns-3/name-00042": keys shaped like the controller's "namespace/name".
std::vector<std::string> MakeKeys(int n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (int i = 0; i < n; ++i) keys.push_back("ns-" + std::to_string(i % 8) + "/release-" + std::to_string(100000 + i));
  return keys;
}

void BM_WorkQueue_AddGetDoneForget(benchmark::State& state) {
  jd::SystemClock clock;
  WorkQueue queue(clock, DefaultControllerRateLimiter(clock));
  const std::vector<std::string> keys = MakeKeys(kBatch);
  for (auto _ : state) {
    for (const auto& k : keys) queue.Add(k);
    for (int i = 0; i < kBatch; ++i) {
      std::optional<std::string> key = queue.Get();
      queue.Done(*key);
      queue.Forget(*key);
      benchmark::DoNotOptimize(key);
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_WorkQueue_AddGetDoneForget);

void BM_WorkQueue_AddDuplicate(benchmark::State& state) {
  jd::SystemClock clock;
  WorkQueue queue(clock, DefaultControllerRateLimiter(clock));
  const std::string key = "default/web";
  queue.Add(key);  // pending from now on: every Add below is deduplicated
  for (auto _ : state) queue.Add(key);
  state.SetItemsProcessed(state.iterations());
  if (queue.Len() != 1) state.SkipWithError("deduplication failed: more than one key pending");
}
BENCHMARK(BM_WorkQueue_AddDuplicate);

// Args: {workers, work_us}. Each iteration the benchmark thread (the producer) adds `kItems`
// distinct keys and waits until the workers have processed all of them.
void BM_WorkQueue_ProducerConsumer(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  const auto work = std::chrono::microseconds(state.range(1));
  // Fewer items when each one sleeps, to keep an iteration short.
  const int items = work.count() == 0 ? 8192 : 512;
  jd::SystemClock clock;
  WorkQueue queue(clock, DefaultControllerRateLimiter(clock));
  const std::vector<std::string> keys = MakeKeys(items);

  std::atomic<int64_t> processed{0};
  std::atomic<int64_t> target{0};  // processed count that ends the current iteration
  std::mutex mu;                   // only for all_done: workers lock it once per iteration
  std::condition_variable all_done;

  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      while (std::optional<std::string> key = queue.Get()) {
        if (work.count() > 0) std::this_thread::sleep_for(work);  // the "reconcile"
        queue.Forget(*key);
        queue.Done(*key);
        if (processed.fetch_add(1, std::memory_order_acq_rel) + 1 == target.load(std::memory_order_acquire)) {
          std::lock_guard lock(mu);
          all_done.notify_all();
        }
      }
    });
  }

  for (auto _ : state) {
    target.fetch_add(items, std::memory_order_acq_rel);
    for (const auto& k : keys) queue.Add(k);
    std::unique_lock lock(mu);
    all_done.wait(lock, [&] { return processed.load(std::memory_order_acquire) >= target.load(std::memory_order_acquire); });
  }
  queue.ShutDownWithDrain();
  for (auto& t : threads) t.join();
  state.SetItemsProcessed(state.iterations() * items);
}
BENCHMARK(BM_WorkQueue_ProducerConsumer)
    ->ArgNames({"workers", "work_us"})
    ->ArgsProduct({{1, 2, 4}, {0, 50}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_WorkQueue_AddRateLimitedForget(benchmark::State& state) {
  jd::SystemClock clock;
  const std::vector<std::string> keys = MakeKeys(kBatch);
  for (auto _ : state) {
    state.PauseTiming();
    auto queue = std::make_unique<WorkQueue>(clock, DefaultControllerRateLimiter(clock));
    state.ResumeTiming();
    for (const auto& k : keys) queue->AddRateLimited(k);
    for (const auto& k : keys) queue->Forget(k);
    state.PauseTiming();
    // Keys whose delay already passed were promoted by the clock's timer thread: pending.
    if (queue->NumWaiting() + queue->Len() != static_cast<std::size_t>(kBatch)) {
      state.SkipWithError("keys were lost");
      break;  // timing is paused: leave the loop without resuming it
    }
    queue.reset();  // drops the waiting keys and cancels the timer, untimed
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_WorkQueue_AddRateLimitedForget);

// Arg: 0 = ascending deadlines (the timer is armed once per queue), 1 = descending (each add has
// the earliest deadline so far and re-arms the clock's timer, cancelling the previous one).
void BM_WorkQueue_AddAfter(benchmark::State& state) {
  const bool descending = state.range(0) == 1;
  jd::SystemClock clock;
  const std::vector<std::string> keys = MakeKeys(kBatch);
  for (auto _ : state) {
    state.PauseTiming();
    auto queue = std::make_unique<WorkQueue>(clock, DefaultControllerRateLimiter(clock));
    state.ResumeTiming();
    for (int i = 0; i < kBatch; ++i) {
      const auto delay = std::chrono::seconds(1) + std::chrono::microseconds(descending ? kBatch - i : i);
      queue->AddAfter(keys[i], delay);
    }
    state.PauseTiming();
    // Keys whose delay already passed were promoted by the clock's timer thread: pending.
    if (queue->NumWaiting() + queue->Len() != static_cast<std::size_t>(kBatch)) {
      state.SkipWithError("keys were lost");
      break;  // timing is paused: leave the loop without resuming it
    }
    queue.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_WorkQueue_AddAfter)->ArgName("descending")->Arg(0)->Arg(1);

void BM_WorkQueue_AddAfterRoundTrip(benchmark::State& state) {
  jd::SystemClock clock;
  WorkQueue queue(clock, DefaultControllerRateLimiter(clock));
  const std::string key = "default/web";
  for (auto _ : state) {
    queue.AddAfter(key, std::chrono::microseconds(1));
    std::optional<std::string> got = queue.Get();  // blocks until the timer thread promotes it
    queue.Done(*got);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorkQueue_AddAfterRoundTrip)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

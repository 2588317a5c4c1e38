// WorkQueueMetrics: hooks a WorkQueue calls so its behaviour can be exported (client-go's
// workqueue MetricsProvider: depth, adds_total, retries_total, queue_duration_seconds,
// work_duration_seconds). One instance per queue; the queue owns it.
//
// The queue calls the hooks with its own mutex held: implementations must be fast, must not
// block, and must not call back into the queue. The Prometheus implementation lives elsewhere;
// NoopWorkQueueMetrics is the default.
//
// Usage:
//   class PrometheusWorkQueueMetrics : public jd::kube::WorkQueueMetrics { ... };
//   jd::kube::WorkQueue queue(clock, jd::kube::DefaultControllerRateLimiter(clock),
//                             std::make_unique<PrometheusWorkQueueMetrics>(registry, "release"));
#pragma once

#include <cstddef>

#include "common/clock.h"

namespace jd::kube {

class WorkQueueMetrics {
 public:
  virtual ~WorkQueueMetrics() = default;

  // A key became pending (an Add that was not deduplicated). Counter: adds_total.
  virtual void Added() = 0;
  // The number of keys waiting to be handed to a worker changed. Gauge: depth.
  virtual void DepthChanged(std::size_t depth) = 0;
  // A key was scheduled for later: AddAfter or AddRateLimited (as client-go counts them).
  // Counter: retries_total.
  virtual void Retried() = 0;
  // A key was handed out by Get after waiting this long since it became pending.
  // Histogram: queue_duration_seconds.
  virtual void QueueLatency(Duration waited) = 0;
  // Done was called this long after the key was handed out. Histogram: work_duration_seconds.
  virtual void WorkDuration(Duration worked) = 0;
};

class NoopWorkQueueMetrics : public WorkQueueMetrics {
 public:
  void Added() override {}
  void DepthChanged(std::size_t) override {}
  void Retried() override {}
  void QueueLatency(Duration) override {}
  void WorkDuration(Duration) override {}
};

}  // namespace jd::kube

// Metrics hooks of the runtime: what a Controller, its WorkQueue, the API client and leader
// election report, as interfaces, so the runtime does not depend on a metrics library.
// runtime/prometheus_metrics.h implements them with prometheus-cpp; NoopMetricsProvider is the
// default (tests that do not care).
//
// Names follow controller-runtime and client-go, so existing dashboards work:
//   controller_runtime_reconcile_total{controller,result}    result: success|error|requeue|requeue_after
//   controller_runtime_reconcile_errors_total{controller}
//   controller_runtime_reconcile_time_seconds{controller}    histogram
//   workqueue_{depth,adds_total,retries_total,queue_duration_seconds,work_duration_seconds}{name}
//   rest_client_requests_total{method,code}                  code "<error>" when no answer came
//   leader_election_master_status{name}                      1 while leading
//
// Usage:
//   jd::PrometheusMetrics metrics;                       // or NoopMetricsProvider
//   jd::Controller ctl("release", reconciler, clock, {.metrics = &metrics});
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "kube/workqueue_metrics.h"

namespace jd {

// How one reconcile ended, as the `result` label.
enum class ReconcileResultLabel { kSuccess, kError, kRequeue, kRequeueAfter };
const char* ToString(ReconcileResultLabel r);

// Per controller. Called from worker threads: implementations are thread-safe and fast.
class ControllerMetrics {
 public:
  virtual ~ControllerMetrics() = default;
  virtual void ReconcileFinished(ReconcileResultLabel result, Duration took) = 0;
};

class MetricsProvider {
 public:
  virtual ~MetricsProvider() = default;
  virtual std::unique_ptr<ControllerMetrics> ForController(const std::string& controller) = 0;
  virtual std::unique_ptr<kube::WorkQueueMetrics> ForWorkQueue(const std::string& name) = 0;
  // One API request answered with HTTP `code` (0: no answer, a transport error).
  virtual void ApiRequest(const std::string& method, int code) = 0;
  virtual void SetLeader(const std::string& lease_name, bool leading) = 0;
};

class NoopControllerMetrics final : public ControllerMetrics {
 public:
  void ReconcileFinished(ReconcileResultLabel, Duration) override {}
};

class NoopMetricsProvider final : public MetricsProvider {
 public:
  std::unique_ptr<ControllerMetrics> ForController(const std::string&) override {
    return std::make_unique<NoopControllerMetrics>();
  }
  std::unique_ptr<kube::WorkQueueMetrics> ForWorkQueue(const std::string&) override {
    return std::make_unique<kube::NoopWorkQueueMetrics>();
  }
  void ApiRequest(const std::string&, int) override {}
  void SetLeader(const std::string&, bool) override {}
};

}  // namespace jd

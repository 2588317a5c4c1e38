// PrometheusMetrics: the MetricsProvider (runtime/metrics.h) on a prometheus-cpp Registry, and
// the text exposition of that registry for GET /metrics.
//
// One instance per process (owned by main, injected everywhere; no global registry). Families
// are registered once in the constructor; each controller / queue / lease adds its labelled
// children. Histogram buckets: reconcile time and queue/work durations use controller-runtime's
// buckets (0.005 s to 60 s).
//
// Usage:
//   jd::PrometheusMetrics metrics;
//   jd::Controller ctl("release", reconciler, clock, {.metrics = &metrics});
//   std::string text = metrics.Expose();   // Prometheus text format 0.0.4
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "runtime/metrics.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace jd {

class PrometheusMetrics final : public MetricsProvider {
 public:
  PrometheusMetrics();
  ~PrometheusMetrics() override;
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  std::unique_ptr<ControllerMetrics> ForController(const std::string& controller) override;
  std::unique_ptr<kube::WorkQueueMetrics> ForWorkQueue(const std::string& name) override;
  void ApiRequest(const std::string& method, int code) override;
  void SetLeader(const std::string& lease_name, bool leading) override;

  // The registry, for reconcilers' own families (release outcomes, step durations).
  prometheus::Registry& registry();

  // Every family in the Prometheus text exposition format (version 0.0.4).
  std::string Expose() const;

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> families_;
  std::mutex mu_;  // Family::Add is thread-safe; this guards our own lookups
};

}  // namespace jd

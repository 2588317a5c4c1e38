// ReleaseMetrics: the release controller's own Prometheus families, registered on the process's
// registry (runtime/prometheus_metrics.h PrometheusMetrics::registry(); no global registry).
//
//   justdriving_releases_total{outcome}                     counter: releases that ended, by final
//                                                           phase (Succeeded, Failed, RolledBack,
//                                                           Blocked, Superseded)
//   justdriving_release_step_duration_seconds{step}         histogram: how long each step took
//                                                           (preflight, backup, migrate,
//                                                           rollout/web, verify, revert/web, ...)
//   justdriving_rollbacks_total                             counter: automatic reverts started
//   justdriving_release_time_to_detect_failure_seconds      histogram: from the start of
//                                                           verification to the failure verdict
// Counts are per process: after a restart of the operator they start from zero (Prometheus'
// rate() handles that); a step re-run after a crash may be observed twice.
//
// Usage:
//   jd::release::ReleaseMetrics metrics(prometheus_metrics.registry());
//   metrics.Outcome("Succeeded");
//   metrics.StepDuration("migrate", 42.0);
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace prometheus {
class Registry;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace jd::release {

class ReleaseMetrics {
 public:
  // Registers the families on `registry`, which must outlive this object.
  explicit ReleaseMetrics(prometheus::Registry& registry);
  ReleaseMetrics(const ReleaseMetrics&) = delete;
  ReleaseMetrics& operator=(const ReleaseMetrics&) = delete;

  void Outcome(const std::string& outcome);
  void StepDuration(const std::string& step, double seconds);
  void RollbackStarted();
  void TimeToDetectFailure(double seconds);

 private:
  prometheus::Family<prometheus::Counter>& releases_;
  prometheus::Family<prometheus::Histogram>& step_duration_;
  prometheus::Family<prometheus::Counter>& rollbacks_family_;
  prometheus::Family<prometheus::Histogram>& detect_family_;
  prometheus::Counter& rollbacks_;
  prometheus::Histogram& detect_;
  std::mutex mu_;  // Family::Add is thread-safe; guards nothing else but keeps Add calls serial
};

}  // namespace jd::release

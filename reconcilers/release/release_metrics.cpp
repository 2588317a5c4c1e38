#include "reconcilers/release/release_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace jd::release {

namespace {

// Steps take from under a second (preflight) to the migration timeout (30 min by default).
prometheus::Histogram::BucketBoundaries StepBuckets() {
  return {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600};
}

// A failure is found from the first round (seconds) to failureThreshold * intervalSeconds later.
prometheus::Histogram::BucketBoundaries DetectBuckets() { return {1, 5, 10, 20, 30, 60, 120, 300, 600}; }

}  // namespace

ReleaseMetrics::ReleaseMetrics(prometheus::Registry& registry)
    : releases_(prometheus::BuildCounter()
                    .Name("justdriving_releases_total")
                    .Help("JustDrivingReleases that ended, by final phase.")
                    .Register(registry)),
      step_duration_(prometheus::BuildHistogram()
                         .Name("justdriving_release_step_duration_seconds")
                         .Help("Duration of each step of a JustDrivingRelease.")
                         .Register(registry)),
      rollbacks_family_(prometheus::BuildCounter()
                            .Name("justdriving_rollbacks_total")
                            .Help("Automatic reverts to the last good release started.")
                            .Register(registry)),
      detect_family_(prometheus::BuildHistogram()
                         .Name("justdriving_release_time_to_detect_failure_seconds")
                         .Help("Time from the start of a release's verification to its failure verdict.")
                         .Register(registry)),
      rollbacks_(rollbacks_family_.Add({})),
      detect_(detect_family_.Add({}, DetectBuckets())) {}

void ReleaseMetrics::Outcome(const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  releases_.Add({{"outcome", outcome}}).Increment();
}

void ReleaseMetrics::StepDuration(const std::string& step, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  step_duration_.Add({{"step", step}}, StepBuckets()).Observe(seconds);
}

void ReleaseMetrics::RollbackStarted() { rollbacks_.Increment(); }

void ReleaseMetrics::TimeToDetectFailure(double seconds) { detect_.Observe(seconds); }

}  // namespace jd::release

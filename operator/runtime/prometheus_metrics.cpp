#include "runtime/prometheus_metrics.h"

#include <chrono>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace jd {
namespace {

// controller-runtime's reconcile_time_seconds buckets.
prometheus::Histogram::BucketBoundaries DurationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7,
          0.8,   0.9,  1.0,   1.25, 1.5, 1.75, 2.0, 2.5,  3.0, 3.5,  4.0, 4.5,  5,   6,   7,
          8,     9,    10,    15,   20,  25,   30,  40,   50,  60};
}

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

const char* ToString(ReconcileResultLabel r) {
  switch (r) {
    case ReconcileResultLabel::kSuccess: return "success";
    case ReconcileResultLabel::kError: return "error";
    case ReconcileResultLabel::kRequeue: return "requeue";
    case ReconcileResultLabel::kRequeueAfter: return "requeue_after";
  }
  return "unknown";
}

struct PrometheusMetrics::Families {
  prometheus::Family<prometheus::Counter>& reconcile_total;
  prometheus::Family<prometheus::Counter>& reconcile_errors;
  prometheus::Family<prometheus::Histogram>& reconcile_time;
  prometheus::Family<prometheus::Gauge>& wq_depth;
  prometheus::Family<prometheus::Counter>& wq_adds;
  prometheus::Family<prometheus::Counter>& wq_retries;
  prometheus::Family<prometheus::Histogram>& wq_queue_duration;
  prometheus::Family<prometheus::Histogram>& wq_work_duration;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Gauge>& leader;
};

namespace {

class PromControllerMetrics final : public ControllerMetrics {
 public:
  PromControllerMetrics(prometheus::Counter* by_result[4], prometheus::Counter& errors, prometheus::Histogram& time)
      : errors_(errors), time_(time) {
    for (int i = 0; i < 4; ++i) by_result_[i] = by_result[i];
  }
  void ReconcileFinished(ReconcileResultLabel result, Duration took) override {
    by_result_[static_cast<int>(result)]->Increment();
    if (result == ReconcileResultLabel::kError) errors_.Increment();
    time_.Observe(Seconds(took));
  }

 private:
  prometheus::Counter* by_result_[4];
  prometheus::Counter& errors_;
  prometheus::Histogram& time_;
};

class PromWorkQueueMetrics final : public kube::WorkQueueMetrics {
 public:
  PromWorkQueueMetrics(prometheus::Gauge& depth, prometheus::Counter& adds, prometheus::Counter& retries,
                       prometheus::Histogram& queue_duration, prometheus::Histogram& work_duration)
      : depth_(depth), adds_(adds), retries_(retries), queue_duration_(queue_duration), work_duration_(work_duration) {}
  void Added() override { adds_.Increment(); }
  void DepthChanged(std::size_t depth) override { depth_.Set(static_cast<double>(depth)); }
  void Retried() override { retries_.Increment(); }
  void QueueLatency(Duration waited) override { queue_duration_.Observe(Seconds(waited)); }
  void WorkDuration(Duration worked) override { work_duration_.Observe(Seconds(worked)); }

 private:
  prometheus::Gauge& depth_;
  prometheus::Counter& adds_;
  prometheus::Counter& retries_;
  prometheus::Histogram& queue_duration_;
  prometheus::Histogram& work_duration_;
};

}  // namespace

PrometheusMetrics::PrometheusMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  families_.reset(new Families{
      prometheus::BuildCounter()
          .Name("controller_runtime_reconcile_total")
          .Help("Total number of reconciliations per controller, by result")
          .Register(r),
      prometheus::BuildCounter()
          .Name("controller_runtime_reconcile_errors_total")
          .Help("Total number of reconciliation errors per controller")
          .Register(r),
      prometheus::BuildHistogram()
          .Name("controller_runtime_reconcile_time_seconds")
          .Help("Length of time per reconciliation per controller")
          .Register(r),
      prometheus::BuildGauge().Name("workqueue_depth").Help("Current depth of workqueue").Register(r),
      prometheus::BuildCounter().Name("workqueue_adds_total").Help("Total number of adds handled by workqueue").Register(r),
      prometheus::BuildCounter()
          .Name("workqueue_retries_total")
          .Help("Total number of retries handled by workqueue")
          .Register(r),
      prometheus::BuildHistogram()
          .Name("workqueue_queue_duration_seconds")
          .Help("How long in seconds an item stays in workqueue before being requested")
          .Register(r),
      prometheus::BuildHistogram()
          .Name("workqueue_work_duration_seconds")
          .Help("How long in seconds processing an item from workqueue takes")
          .Register(r),
      prometheus::BuildCounter()
          .Name("rest_client_requests_total")
          .Help("Number of HTTP requests to the Kubernetes API, partitioned by method and status code")
          .Register(r),
      prometheus::BuildGauge()
          .Name("leader_election_master_status")
          .Help("1 while this process holds the leader election lease, else 0")
          .Register(r),
  });
}

PrometheusMetrics::~PrometheusMetrics() = default;

std::unique_ptr<ControllerMetrics> PrometheusMetrics::ForController(const std::string& controller) {
  std::lock_guard lock(mu_);
  prometheus::Counter* by_result[4];
  for (int i = 0; i < 4; ++i) {
    by_result[i] = &families_->reconcile_total.Add(
        {{"controller", controller}, {"result", ToString(static_cast<ReconcileResultLabel>(i))}});
  }
  return std::make_unique<PromControllerMetrics>(by_result, families_->reconcile_errors.Add({{"controller", controller}}),
                                                 families_->reconcile_time.Add({{"controller", controller}}, DurationBuckets()));
}

std::unique_ptr<kube::WorkQueueMetrics> PrometheusMetrics::ForWorkQueue(const std::string& name) {
  std::lock_guard lock(mu_);
  const prometheus::Labels l{{"name", name}};
  return std::make_unique<PromWorkQueueMetrics>(families_->wq_depth.Add(l), families_->wq_adds.Add(l),
                                                families_->wq_retries.Add(l),
                                                families_->wq_queue_duration.Add(l, DurationBuckets()),
                                                families_->wq_work_duration.Add(l, DurationBuckets()));
}

void PrometheusMetrics::ApiRequest(const std::string& method, int code) {
  // Family::Add returns the existing child for known labels; it is thread-safe.
  families_->requests.Add({{"method", method}, {"code", code == 0 ? "<error>" : std::to_string(code)}}).Increment();
}

void PrometheusMetrics::SetLeader(const std::string& lease_name, bool leading) {
  families_->leader.Add({{"name", lease_name}}).Set(leading ? 1 : 0);
}

prometheus::Registry& PrometheusMetrics::registry() { return *registry_; }

std::string PrometheusMetrics::Expose() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace jd

#include "runtime/manager.h"

#include <future>
#include <thread>
#include <utility>

#include "common/logging.h"

namespace jd {

const char* ToString(ExitCode c) {
  switch (c) {
    case ExitCode::kOk: return "ok";
    case ExitCode::kLeadershipLost: return "leadership-lost";
    case ExitCode::kStartupFailed: return "startup-failed";
    case ExitCode::kShutdownTimedOut: return "shutdown-timed-out";
  }
  return "unknown";
}

StatusOr<bool> ValidateManagerOptions(const ManagerOptions& o) {
  if (!o.leader_elect) return true;
  if (o.leader_election_namespace.empty()) {
    return Error{"--leader-election-namespace: required with --leader-elect when not running in a cluster"};
  }
  if (o.leader_election_id.empty()) return Error{"--leader-election-id: must not be empty"};
  if (o.identity.empty()) return Error{"leader election identity is empty: set POD_NAME or the host name"};
  kube::LeaderElectionConfig c{o.identity, o.lease_duration, o.renew_deadline, o.retry_period};
  if (std::string err = kube::ValidateLeaderElectionConfig(c); !err.empty()) return Error{"leader election: " + err};
  return true;
}

Manager::Manager(kube::Client& client, Clock& clock, PrometheusMetrics& metrics, std::shared_ptr<spdlog::logger> log,
                 ManagerOptions opts)
    : client_(client), clock_(clock), metrics_(metrics), log_(std::move(log)), opts_(std::move(opts)) {}

Manager::~Manager() = default;

void Manager::Add(Controller& controller) {
  if (ran_) throw std::logic_error("Manager::Add after Run");
  controllers_.push_back(&controller);
}

bool Manager::Ready() const {
  for (const Controller* c : controllers_) {
    if (!c->Ready()) return false;
  }
  return true;
}

HttpEndpoint::Response Manager::Readyz() const {
  std::string waiting;
  for (const Controller* c : controllers_) {
    if (!c->Ready()) waiting += (waiting.empty() ? "" : ", ") + c->name();
  }
  if (waiting.empty()) return {200, "text/plain; charset=utf-8", "ok\n"};
  return {503, "text/plain; charset=utf-8", "caches not synced yet: " + waiting + "\n"};
}

uint16_t Manager::metrics_port() const { return metrics_ep_ ? metrics_ep_->port() : 0; }
uint16_t Manager::health_port() const { return health_ep_ ? health_ep_->port() : 0; }
bool Manager::IsLeader() const { return elector_ ? elector_->IsLeader() : workers_started_.load(); }

void Manager::StartWorkers() {
  if (workers_started_.exchange(true)) return;
  for (Controller* c : controllers_) c->StartWorkers();
}

ExitCode Manager::Run(StopSignal& stop) {
  if (ran_.exchange(true)) throw std::logic_error("Manager::Run called twice");
  if (auto v = ValidateManagerOptions(opts_); !v.ok()) {
    log_->error("invalid manager options error={}", LogQuote(v.error().message));
    return ExitCode::kStartupFailed;
  }
  // 1. Endpoints.
  if (opts_.metrics_bind_address != "0") {
    auto ep = HttpEndpoint::Listen(opts_.metrics_bind_address,
                                   {{"/metrics", [this] {
                                       return HttpEndpoint::Response{200, "text/plain; version=0.0.4; charset=utf-8",
                                                                     metrics_.Expose()};
                                     }}});
    if (!ep.ok()) {
      log_->error("metrics endpoint failed error={}", LogQuote(ep.error().message));
      return ExitCode::kStartupFailed;
    }
    metrics_ep_ = std::move(ep).value();
    log_->info("serving metrics address={} port={}", opts_.metrics_bind_address, metrics_ep_->port());
  }
  if (opts_.health_probe_bind_address != "0") {
    auto ep = HttpEndpoint::Listen(opts_.health_probe_bind_address,
                                   {{"/healthz", [] { return HttpEndpoint::Response{200, "text/plain; charset=utf-8", "ok\n"}; }},
                                    {"/readyz", [this] { return Readyz(); }}});
    if (!ep.ok()) {
      log_->error("health probe endpoint failed error={}", LogQuote(ep.error().message));
      return ExitCode::kStartupFailed;
    }
    health_ep_ = std::move(ep).value();
    log_->info("serving health probes address={} port={}", opts_.health_probe_bind_address, health_ep_->port());
  }
  // 2. Caches everywhere.
  for (Controller* c : controllers_) c->StartCaches();
  // 3. Workers: now, or once leading.
  if (!opts_.leader_elect) {
    StartWorkers();
  } else {
    lock_ = std::make_unique<kube::KubeLeaseLock>(client_, opts_.leader_election_namespace, opts_.leader_election_id);
    metrics_.SetLeader(opts_.leader_election_id, false);
    kube::LeaderCallbacks cb;
    cb.on_started_leading = [this] {
      log_->info("became leader lease={} identity={}", lock_->Describe(), opts_.identity);
      metrics_.SetLeader(opts_.leader_election_id, true);
      StartWorkers();
    };
    cb.on_stopped_leading = [this, &stop] {
      metrics_.SetLeader(opts_.leader_election_id, false);
      if (stop.Stopped()) return;  // our own shutdown released it
      lost_leadership_ = true;
      log_->error("leader election lost lease={} identity={}: stopping", lock_->Describe(), opts_.identity);
      stop.Notify("leader election lost");
    };
    cb.on_new_leader = [this](const std::string& identity) {
      if (identity != opts_.identity) log_->info("new leader observed lease={} leader={}", lock_->Describe(), LogQuote(identity));
    };
    elector_ = std::make_unique<kube::LeaderElector>(
        *lock_, clock_,
        kube::LeaderElectionConfig{opts_.identity, opts_.lease_duration, opts_.renew_deadline, opts_.retry_period},
        std::move(cb));
    log_->info("campaigning for leadership lease={} identity={}", lock_->Describe(), opts_.identity);
    elector_->Start();
  }

  // 4. Wait.
  stop.Wait();
  log_->info("shutting down reason={}", LogQuote(stop.Reason()));

  // 5. Controllers first (drain), bounded by the grace period.
  auto stopped = std::async(std::launch::async, [this] {
    for (Controller* c : controllers_) c->Stop();
  });
  const bool drained = stopped.wait_for(opts_.graceful_shutdown_timeout) == std::future_status::ready;
  ExitCode code = lost_leadership_ ? ExitCode::kLeadershipLost : ExitCode::kOk;
  if (!drained) {
    log_->error("controllers did not stop within graceful_shutdown_timeout_ms={}; not releasing the lease",
                opts_.graceful_shutdown_timeout.count());
    if (elector_) (void)elector_->Stop(kube::LeaderElector::StopMode::kNoRelease);
    code = ExitCode::kShutdownTimedOut;
    // The future's destructor would wait for the stuck reconcile: leave it to the process exit.
    new std::future<void>(std::move(stopped));  // NOLINT: intentionally leaked on a failed shutdown
  } else if (elector_) {
    const bool was_leader = elector_->IsLeader();
    kube::ApiStatus released = elector_->Stop(lost_leadership_ ? kube::LeaderElector::StopMode::kNoRelease
                                                                : kube::LeaderElector::StopMode::kRelease);
    if (!released.ok()) {
      log_->warn("releasing the lease failed (it will expire) error={}", LogQuote(released.error().message));
    } else if (was_leader && !lost_leadership_) {
      log_->info("released the lease lease={}", lock_->Describe());
    }
  }
  if (metrics_ep_) metrics_ep_->Stop();
  if (health_ep_) health_ep_->Stop();
  log_->info("stopped outcome={} exit_code={}", ToString(code), ProcessExitCode(code));
  return code;
}

}  // namespace jd

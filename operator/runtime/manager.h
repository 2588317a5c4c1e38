// Manager: runs a process's controllers, its HTTP endpoints and leader election, and shuts it all
// down in order (controller-runtime's manager).
//
// Run(stop):
//   1. listens: metrics address -> GET /metrics (Prometheus text); health address -> GET /healthz
//      (200 while the process runs) and GET /readyz (200 once every controller's caches synced,
//      else 503 naming the controllers still syncing). "0" disables an endpoint. A bind failure
//      returns kStartupFailed at once.
//   2. starts every controller's caches, in every replica (a standby is ready and takes over with
//      warm caches);
//   3. without leader election starts the workers at once; with it, campaigns for the Lease
//      <leader_election_namespace>/<leader_election_id> and starts the workers only once it leads.
//   4. waits for `stop` (SIGTERM/SIGINT in main) — or for leadership to be lost.
//   5. shutdown: stops every controller (no new events; in-flight reconciles finish; pending keys
//      dropped — the next leader relists them), THEN releases the Lease (so the next leader never
//      overlaps a running reconcile), then closes the endpoints. If the controllers have not
//      stopped within graceful_shutdown_timeout, it returns kShutdownTimedOut WITHOUT releasing
//      the Lease (it then expires), so a reconcile still running can never overlap the next
//      leader's.
// Exit codes (what main returns): kOk 0 (asked to stop), kLeadershipLost 1 (controller-runtime
// exits with an error too: the process must restart rather than act without the lease),
// kStartupFailed 1, kShutdownTimedOut 1.
//
// Usage:
//   jd::Manager mgr(client, clock, metrics, log, {.leader_elect = true, .leader_election_namespace = "jd-system",
//                                                 .identity = pod_name});
//   mgr.Add(release_controller);
//   jd::StopSignal stop; jd::ScopedSignalHandler signals(stop);
//   return jd::ProcessExitCode(mgr.Run(stop));
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "common/clock.h"
#include "kube/client.h"
#include "kube/leader_election.h"
#include "runtime/controller.h"
#include "runtime/http_endpoint.h"
#include "runtime/prometheus_metrics.h"
#include "runtime/stop_signal.h"

namespace jd {

struct ManagerOptions {
  bool leader_elect = false;
  std::string leader_election_namespace;  // required when leader_elect
  std::string leader_election_id = "justdriving-operator";
  std::string identity;  // this replica's name in the Lease; required when leader_elect
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
  std::string metrics_bind_address = "0";
  std::string health_probe_bind_address = "0";
  std::chrono::milliseconds graceful_shutdown_timeout{30000};
};

enum class ExitCode { kOk, kLeadershipLost, kStartupFailed, kShutdownTimedOut };
const char* ToString(ExitCode c);
// The process exit status: 0 for kOk, 1 otherwise.
inline int ProcessExitCode(ExitCode c) { return c == ExitCode::kOk ? 0 : 1; }

class Manager {
 public:
  // All references must outlive the manager.
  Manager(kube::Client& client, Clock& clock, PrometheusMetrics& metrics, std::shared_ptr<spdlog::logger> log,
          ManagerOptions opts);
  ~Manager();

  // Before Run. The manager does not own the controller.
  void Add(Controller& controller);

  // See the file comment. Once only.
  ExitCode Run(StopSignal& stop);

  // Every controller's caches synced.
  bool Ready() const;
  // Ports actually bound (0 when disabled or not listening): for tests that bind port 0.
  uint16_t metrics_port() const;
  uint16_t health_port() const;
  bool IsLeader() const;

 private:
  HttpEndpoint::Response Readyz() const;
  void StartWorkers();

  kube::Client& client_;
  Clock& clock_;
  PrometheusMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  const ManagerOptions opts_;
  std::vector<Controller*> controllers_;
  std::unique_ptr<HttpEndpoint> metrics_ep_, health_ep_;
  std::unique_ptr<kube::KubeLeaseLock> lock_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::atomic<bool> lost_leadership_{false};
  std::atomic<bool> workers_started_{false};
  std::atomic<bool> ran_{false};
};

// The leader election settings checked before Run: identity and namespace set, and
// retry_period < renew_deadline < lease_duration. Errors name the flag.
StatusOr<bool> ValidateManagerOptions(const ManagerOptions& o);

}  // namespace jd

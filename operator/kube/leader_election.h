// leader_election.h — leader election on a coordination.k8s.io/v1 Lease, with client-go's
// semantics (k8s.io/client-go/tools/leaderelection):
//
//   - a candidate tries to acquire the lease every retry_period;
//   - it acquires when there is no lease, when the lease has no holder, or when the lease has
//     expired: the record has not changed for leaseDurationSeconds, measured on the candidate's
//     OWN monotonic clock from the moment it last saw the record change (remote renewTime values
//     are written for humans and never compared with the local clock);
//   - the leader renews every retry_period; if renewing keeps failing for renew_deadline it stops
//     leading at once (on_stopped_leading). It also stops at once if it sees another holder;
//   - a holder change increments leaseTransitions (a renewal keeps it and acquireTime);
//   - on Stop(kRelease) the leader writes holderIdentity "" and leaseDurationSeconds 1, so another
//     candidate takes over at its next retry instead of waiting for the lease to expire;
//   - writes are conditional on the observed resourceVersion: of two candidates racing for an
//     expired lease one gets kConflict and keeps waiting.
//
// As in client-go an elector is one-shot: once it has stopped leading it never campaigns again
// (the process is expected to exit, or to build a new elector).
//
// The pieces, each testable alone:
//   Decide(...)     the pure decision: acquire, renew or wait
//   LeaseLock       where the record lives: KubeLeaseLock (a Lease through a Client) and
//                   FakeLeaseLock (in memory, with fault injection, for tests)
//   LeaderElector   Step(now) does one attempt (tests call it with a FakeClock's time);
//                   Start() runs Step every retry_period on the Clock's timers.
//
// Usage:
//   KubeLeaseLock lock(client, "jd-system", "jd-operator-leader");
//   LeaderElector elector(lock, clock, {.identity = pod_name},
//                         {.on_started_leading = [&] { manager.Start(); },
//                          .on_stopped_leading = [&] { manager.Stop(); exit_requested = true; }});
//   elector.Start();
//   ...
//   elector.Stop(LeaderElector::StopMode::kRelease);
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "kube/api_error.h"
#include "kube/client.h"

namespace jd::kube {

// The spec of a Lease, as client-go's LeaderElectionRecord.
struct LeaderElectionRecord {
  std::string holder_identity;  // "" = nobody holds it
  int lease_duration_seconds = 0;
  std::optional<WallTime> acquire_time;
  std::optional<WallTime> renew_time;
  int lease_transitions = 0;

  bool operator==(const LeaderElectionRecord&) const = default;
};

// A record as read or written, with the resourceVersion that makes the next write conditional.
struct ObservedLease {
  LeaderElectionRecord record;
  std::string resource_version;
};

// MicroTime: RFC 3339 in UTC with exactly 6 fractional digits, "2024-01-01T00:00:00.000000Z".
std::string FormatMicroTime(WallTime t);
// Accepts 0 to 9 fractional digits and "Z" or a "+hh:mm"/"-hh:mm" offset; nullopt otherwise.
std::optional<WallTime> ParseMicroTime(const std::string& s);

// Lease <-> record. LeaseToRecord ignores missing fields (zero values); unparsable times are
// treated as absent.
LeaderElectionRecord LeaseSpecToRecord(const nlohmann::json& spec);
nlohmann::json RecordToLeaseSpec(const LeaderElectionRecord& r);

// Where the record lives. Implementations are thread-safe.
class LeaseLock {
 public:
  virtual ~LeaseLock() = default;
  // kNotFound when the lease does not exist.
  virtual ApiResult<ObservedLease> Get() = 0;
  // kAlreadyExists when another candidate created it first.
  virtual ApiResult<ObservedLease> Create(const LeaderElectionRecord& r) = 0;
  // Replaces the record if the lease is still at `resource_version`; kConflict otherwise.
  virtual ApiResult<ObservedLease> Update(const LeaderElectionRecord& r, const std::string& resource_version) = 0;
  // "namespace/name", for logs.
  virtual std::string Describe() const = 0;
};

// A coordination.k8s.io/v1 Lease through a Client. Update PUTs metadata {name, namespace,
// resourceVersion} and the spec: labels and annotations set by others on the Lease are not kept.
class KubeLeaseLock final : public LeaseLock {
 public:
  // `client` must outlive the lock.
  KubeLeaseLock(Client& client, std::string ns, std::string name);

  ApiResult<ObservedLease> Get() override;
  ApiResult<ObservedLease> Create(const LeaderElectionRecord& r) override;
  ApiResult<ObservedLease> Update(const LeaderElectionRecord& r, const std::string& resource_version) override;
  std::string Describe() const override;

 private:
  nlohmann::json Lease(const LeaderElectionRecord& r, const std::string& resource_version) const;

  Client& client_;
  std::string ns_, name_;
};

// In memory, for tests. Models: NotFound before the first Create, AlreadyExists, a resourceVersion
// bumped on every write and kConflict on a stale one. Fault injection: SetFailing makes every call
// fail with a 500; SetBeforeUpdate runs a hook inside the next Update, before its check (to make a
// competing write land between a candidate's Get and its Update). Does not model latency or
// lost answers.
class FakeLeaseLock final : public LeaseLock {
 public:
  ApiResult<ObservedLease> Get() override;
  ApiResult<ObservedLease> Create(const LeaderElectionRecord& r) override;
  ApiResult<ObservedLease> Update(const LeaderElectionRecord& r, const std::string& resource_version) override;
  std::string Describe() const override { return "fake/lease"; }

  void SetFailing(bool failing);
  // Runs once, on the thread of the next Update, without the fake's lock held.
  void SetBeforeUpdate(std::function<void()> hook);
  // The stored record, if any.
  std::optional<LeaderElectionRecord> Record() const;
  int Writes() const;

 private:
  mutable std::mutex mu_;
  std::optional<ObservedLease> lease_;
  int rv_ = 0;
  int writes_ = 0;
  bool failing_ = false;
  std::function<void()> before_update_;
};

enum class LeaderAction { kAcquire, kRenew, kWait };
const char* ToString(LeaderAction a);

// The decision of one attempt (client-go's tryAcquireOrRenew), pure:
//   no record                                            -> kAcquire (create it)
//   record held by `identity`                            -> kRenew
//   no holder                                            -> kAcquire
//   observed_at + record.leaseDurationSeconds > now      -> kWait (held and not expired)
//   otherwise (expired)                                  -> kAcquire
// `observed_at` is the local monotonic time at which this candidate first saw `observed` as it is.
LeaderAction Decide(const std::optional<LeaderElectionRecord>& observed, MonoTime observed_at, MonoTime now,
                    const std::string& identity);

struct LeaderElectionConfig {
  std::string identity;  // unique per replica (the pod name); must not be empty
  Duration lease_duration = std::chrono::seconds(15);  // written rounded up to whole seconds
  Duration renew_deadline = std::chrono::seconds(10);  // must be < lease_duration
  Duration retry_period = std::chrono::seconds(2);     // must be < renew_deadline
};

// Called on the thread that runs Step (the clock's timer thread under Start). They must not call
// Step or Stop of the same elector; IsLeader is fine.
struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // the observed holder changed
};

class LeaderElector {
 public:
  enum class StopMode { kRelease, kNoRelease };

  // `lock` and `clock` must outlive the elector. The config is assumed valid (see
  // ValidateLeaderElectionConfig).
  LeaderElector(LeaseLock& lock, Clock& clock, LeaderElectionConfig config, LeaderCallbacks callbacks);
  ~LeaderElector();  // Stop(kNoRelease)
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // One attempt to acquire or renew at monotonic time `now`, then the leadership bookkeeping
  // (callbacks). A no-op once stopped or once leadership was lost.
  void Step(MonoTime now);

  // Runs Step now and then every retry_period on the clock's timers. Non-blocking.
  void Start();

  // Stops the timers (waits for a running Step). If leading: with kRelease, gives the lease up
  // (holderIdentity "", leaseDurationSeconds 1); then calls on_stopped_leading. Idempotent.
  // Returns the error of a failed release (the lease then simply expires), else ok.
  ApiStatus Stop(StopMode mode);

  bool IsLeader() const { return leading_.load(); }
  // The holder last observed ("" if none or not yet read).
  std::string ObservedLeader() const;

 private:
  bool TryAcquireOrRenew(MonoTime now);
  void Observe(const ObservedLease& lease, MonoTime now);
  void Tick();

  LeaseLock& lock_;
  Clock& clock_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;

  // Guards the election state below; held for a whole Step (lock I/O and callbacks included).
  mutable std::mutex step_mu_;
  std::optional<LeaderElectionRecord> observed_;
  std::string observed_rv_;
  MonoTime observed_at_{};
  MonoTime last_success_{};
  std::string reported_leader_;
  bool done_ = false;  // lost leadership or stopped: never campaign again
  std::atomic<bool> leading_{false};

  // Guards the timer handle; never held while a Timer is destroyed.
  std::mutex timer_mu_;
  bool stopped_ = false;
  std::unique_ptr<Timer> timer_;  // declared last: cancelled first
};

// Empty on success, else what is wrong (identity empty, durations not ordered
// retry_period < renew_deadline < lease_duration, or not positive).
std::string ValidateLeaderElectionConfig(const LeaderElectionConfig& c);

}  // namespace jd::kube

#include "kube/leader_election.h"

#include <cctype>
#include <cstdio>
#include <utility>

namespace jd::kube {
namespace {

using nlohmann::json;

int CeilSeconds(Duration d) {
  auto s = std::chrono::ceil<std::chrono::seconds>(d).count();
  return s < 1 ? 1 : static_cast<int>(s);
}

ApiError FakeError(int code, ErrorKind kind, const std::string& reason, const std::string& msg) {
  ApiError e;
  e.kind = kind;
  e.code = code;
  e.reason = reason;
  e.message = msg;
  return e;
}

ApiResult<ObservedLease> FromLease(const ApiResult<json>& r) {
  if (!r.ok()) return r.error();
  const json& obj = r.value();
  ObservedLease out;
  out.record = LeaseSpecToRecord(obj.value("spec", json::object()));
  if (auto m = obj.find("metadata"); m != obj.end() && m->is_object())
    out.resource_version = m->value("resourceVersion", "");
  return out;
}

// Reads exactly `n` digits at s[*pos]; advances *pos.
bool Digits(const std::string& s, size_t* pos, int n, int* out) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (*pos >= s.size() || !std::isdigit(static_cast<unsigned char>(s[*pos]))) return false;
    v = v * 10 + (s[(*pos)++] - '0');
  }
  *out = v;
  return true;
}

bool Expect(const std::string& s, size_t* pos, char c) {
  if (*pos >= s.size() || std::toupper(static_cast<unsigned char>(s[*pos])) != c) return false;
  ++*pos;
  return true;
}

}  // namespace

std::string FormatMicroTime(WallTime t) {
  using namespace std::chrono;
  auto us = floor<microseconds>(t);
  auto midnight = floor<days>(us);
  year_month_day ymd{midnight};
  hh_mm_ss<microseconds> hms{us - midnight};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<long long>(hms.subseconds().count()));
  return buf;
}

std::optional<WallTime> ParseMicroTime(const std::string& s) {
  using namespace std::chrono;
  size_t p = 0;
  int y, mo, d, h, mi, sec;
  if (!Digits(s, &p, 4, &y) || !Expect(s, &p, '-') || !Digits(s, &p, 2, &mo) || !Expect(s, &p, '-') ||
      !Digits(s, &p, 2, &d) || !Expect(s, &p, 'T') || !Digits(s, &p, 2, &h) || !Expect(s, &p, ':') ||
      !Digits(s, &p, 2, &mi) || !Expect(s, &p, ':') || !Digits(s, &p, 2, &sec))
    return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  long long frac_ns = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int n = 0;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
      if (n < 9) frac_ns = frac_ns * 10 + (s[p] - '0');
      ++n;
      ++p;
    }
    if (n == 0 || n > 9) return std::nullopt;
    for (int i = n; i < 9; ++i) frac_ns *= 10;
  }
  minutes offset{0};
  if (p < s.size() && std::toupper(static_cast<unsigned char>(s[p])) == 'Z') {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p++] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(s, &p, 2, &oh) || !Expect(s, &p, ':') || !Digits(s, &p, 2, &om)) return std::nullopt;
    offset = minutes{sign * (oh * 60 + om)};
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - offset;
  return time_point_cast<WallTime::duration>(t + nanoseconds{frac_ns});
}

LeaderElectionRecord LeaseSpecToRecord(const json& spec) {
  LeaderElectionRecord r;
  if (!spec.is_object()) return r;
  auto str = [&](const char* k) {
    auto it = spec.find(k);
    return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [&](const char* k) {
    auto it = spec.find(k);
    return it != spec.end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  r.holder_identity = str("holderIdentity");
  r.lease_duration_seconds = num("leaseDurationSeconds");
  r.lease_transitions = num("leaseTransitions");
  if (auto t = str("acquireTime"); !t.empty()) r.acquire_time = ParseMicroTime(t);
  if (auto t = str("renewTime"); !t.empty()) r.renew_time = ParseMicroTime(t);
  return r;
}

json RecordToLeaseSpec(const LeaderElectionRecord& r) {
  json spec = {{"holderIdentity", r.holder_identity},
               {"leaseDurationSeconds", r.lease_duration_seconds},
               {"leaseTransitions", r.lease_transitions}};
  if (r.acquire_time) spec["acquireTime"] = FormatMicroTime(*r.acquire_time);
  if (r.renew_time) spec["renewTime"] = FormatMicroTime(*r.renew_time);
  return spec;
}

// --- KubeLeaseLock ----------------------------------------------------------------------------

KubeLeaseLock::KubeLeaseLock(Client& client, std::string ns, std::string name)
    : client_(client), ns_(std::move(ns)), name_(std::move(name)) {}

json KubeLeaseLock::Lease(const LeaderElectionRecord& r, const std::string& resource_version) const {
  json obj = {{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", {{"name", name_}, {"namespace", ns_}}},
              {"spec", RecordToLeaseSpec(r)}};
  if (!resource_version.empty()) obj["metadata"]["resourceVersion"] = resource_version;
  return obj;
}

ApiResult<ObservedLease> KubeLeaseLock::Get() { return FromLease(client_.Get(kLeases, ns_, name_)); }

ApiResult<ObservedLease> KubeLeaseLock::Create(const LeaderElectionRecord& r) {
  return FromLease(client_.Create(kLeases, Lease(r, "")));
}

ApiResult<ObservedLease> KubeLeaseLock::Update(const LeaderElectionRecord& r, const std::string& resource_version) {
  return FromLease(client_.Update(kLeases, Lease(r, resource_version)));
}

std::string KubeLeaseLock::Describe() const { return ns_ + "/" + name_; }

// --- FakeLeaseLock ----------------------------------------------------------------------------

ApiResult<ObservedLease> FakeLeaseLock::Get() {
  std::lock_guard<std::mutex> l(mu_);
  if (failing_) return FakeError(500, ErrorKind::kServerError, "InternalError", "injected failure");
  if (!lease_) return FakeError(404, ErrorKind::kNotFound, "NotFound", "leases \"lease\" not found");
  return *lease_;
}

ApiResult<ObservedLease> FakeLeaseLock::Create(const LeaderElectionRecord& r) {
  std::lock_guard<std::mutex> l(mu_);
  if (failing_) return FakeError(500, ErrorKind::kServerError, "InternalError", "injected failure");
  if (lease_) return FakeError(409, ErrorKind::kAlreadyExists, "AlreadyExists", "leases \"lease\" already exists");
  lease_ = ObservedLease{r, std::to_string(++rv_)};
  ++writes_;
  return *lease_;
}

ApiResult<ObservedLease> FakeLeaseLock::Update(const LeaderElectionRecord& r, const std::string& resource_version) {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> l(mu_);
    hook = std::exchange(before_update_, nullptr);
  }
  if (hook) hook();
  std::lock_guard<std::mutex> l(mu_);
  if (failing_) return FakeError(500, ErrorKind::kServerError, "InternalError", "injected failure");
  if (!lease_) return FakeError(404, ErrorKind::kNotFound, "NotFound", "leases \"lease\" not found");
  if (lease_->resource_version != resource_version)
    return FakeError(409, ErrorKind::kConflict, "Conflict", "the object has been modified");
  lease_ = ObservedLease{r, std::to_string(++rv_)};
  ++writes_;
  return *lease_;
}

void FakeLeaseLock::SetFailing(bool failing) {
  std::lock_guard<std::mutex> l(mu_);
  failing_ = failing;
}

void FakeLeaseLock::SetBeforeUpdate(std::function<void()> hook) {
  std::lock_guard<std::mutex> l(mu_);
  before_update_ = std::move(hook);
}

std::optional<LeaderElectionRecord> FakeLeaseLock::Record() const {
  std::lock_guard<std::mutex> l(mu_);
  if (!lease_) return std::nullopt;
  return lease_->record;
}

int FakeLeaseLock::Writes() const {
  std::lock_guard<std::mutex> l(mu_);
  return writes_;
}

// --- Decide -----------------------------------------------------------------------------------

const char* ToString(LeaderAction a) {
  switch (a) {
    case LeaderAction::kAcquire: return "acquire";
    case LeaderAction::kRenew: return "renew";
    case LeaderAction::kWait: return "wait";
  }
  return "?";
}

LeaderAction Decide(const std::optional<LeaderElectionRecord>& observed, MonoTime observed_at, MonoTime now,
                    const std::string& identity) {
  // Nobody ever created the lease: create it.
  if (!observed) return LeaderAction::kAcquire;
  // We hold it: renew (even if it looks expired; the write is conditional anyway).
  if (observed->holder_identity == identity) return LeaderAction::kRenew;
  // Released or never held: take it.
  if (observed->holder_identity.empty()) return LeaderAction::kAcquire;
  // Held by another and changed less than its lease duration ago on our clock: wait.
  if (observed_at + std::chrono::seconds(observed->lease_duration_seconds) > now) return LeaderAction::kWait;
  // Expired.
  return LeaderAction::kAcquire;
}

std::string ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.identity.empty()) return "leader election: identity is empty; set it to the pod name";
  if (c.retry_period <= Duration::zero()) return "leader election: retry_period must be positive";
  if (c.renew_deadline <= c.retry_period) return "leader election: renew_deadline must be greater than retry_period";
  if (c.lease_duration <= c.renew_deadline)
    return "leader election: lease_duration must be greater than renew_deadline";
  return "";
}

// --- LeaderElector ----------------------------------------------------------------------------

LeaderElector::LeaderElector(LeaseLock& lock, Clock& clock, LeaderElectionConfig config, LeaderCallbacks callbacks)
    : lock_(lock), clock_(clock), config_(std::move(config)), callbacks_(std::move(callbacks)) {}

LeaderElector::~LeaderElector() { (void)Stop(StopMode::kNoRelease); }

std::string LeaderElector::ObservedLeader() const {
  std::lock_guard<std::mutex> l(step_mu_);
  return observed_ ? observed_->holder_identity : std::string();
}

void LeaderElector::Observe(const ObservedLease& lease, MonoTime now) {
  // The expiry clock restarts only when the record changes (client-go compares the raw record).
  if (!observed_ || *observed_ != lease.record) {
    observed_ = lease.record;
    observed_at_ = now;
  }
  observed_rv_ = lease.resource_version;
}

bool LeaderElector::TryAcquireOrRenew(MonoTime now) {
  WallTime wall = clock_.WallNow();
  LeaderElectionRecord mine;
  mine.holder_identity = config_.identity;
  mine.lease_duration_seconds = CeilSeconds(config_.lease_duration);
  mine.acquire_time = wall;
  mine.renew_time = wall;

  auto got = lock_.Get();
  if (IsNotFound(got)) {
    auto created = lock_.Create(mine);
    if (!created.ok()) return false;  // AlreadyExists: another candidate won; observe it next time
    Observe(created.value(), now);
    return true;
  }
  if (!got.ok()) return false;
  Observe(got.value(), now);

  LeaderAction action = Decide(observed_, observed_at_, now, config_.identity);
  if (action == LeaderAction::kWait) return false;
  if (action == LeaderAction::kRenew) {
    mine.acquire_time = observed_->acquire_time;
    mine.lease_transitions = observed_->lease_transitions;
  } else {
    mine.lease_transitions = observed_->lease_transitions + 1;
  }
  auto updated = lock_.Update(mine, observed_rv_);
  if (!updated.ok()) return false;  // kConflict: someone wrote first; re-read at the next retry
  Observe(updated.value(), now);
  return true;
}

void LeaderElector::Step(MonoTime now) {
  std::lock_guard<std::mutex> l(step_mu_);
  if (done_) return;
  bool ok = TryAcquireOrRenew(now);

  std::string holder = observed_ ? observed_->holder_identity : std::string();
  if (holder != reported_leader_) {
    reported_leader_ = holder;
    if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
  }

  if (ok) {
    last_success_ = now;
    if (!leading_.exchange(true) && callbacks_.on_started_leading) callbacks_.on_started_leading();
    return;
  }
  if (!leading_.load()) return;
  // Leading, this attempt failed: stop at once if another holder is recorded, else after
  // renew_deadline without a successful renewal.
  bool taken = observed_ && observed_->holder_identity != config_.identity;
  if (taken || now - last_success_ >= config_.renew_deadline) {
    leading_.store(false);
    done_ = true;
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  }
}

void LeaderElector::Tick() {
  Step(clock_.Now());
  {
    std::lock_guard<std::mutex> l(step_mu_);
    if (done_) return;  // leadership lost: nothing more to do
  }
  std::lock_guard<std::mutex> l(timer_mu_);
  if (stopped_) return;
  // Replacing the handle of the running timer from inside its callback returns at once.
  timer_ = clock_.AfterFunc(config_.retry_period, [this] { Tick(); });
}

void LeaderElector::Start() {
  std::lock_guard<std::mutex> l(timer_mu_);
  if (stopped_ || timer_) return;
  timer_ = clock_.AfterFunc(Duration::zero(), [this] { Tick(); });
}

ApiStatus LeaderElector::Stop(StopMode mode) {
  std::unique_ptr<Timer> timer;
  {
    std::lock_guard<std::mutex> l(timer_mu_);
    stopped_ = true;
    timer = std::move(timer_);
  }
  timer.reset();  // cancels, or waits for a running Tick (which then sees stopped_)

  std::lock_guard<std::mutex> l(step_mu_);
  done_ = true;
  if (!leading_.exchange(false)) return Done{};
  ApiStatus status = Done{};
  if (mode == StopMode::kRelease) {
    // client-go's release: only if the lease is still ours, conditional on what we read.
    auto got = lock_.Get();
    if (!got.ok()) {
      status = got.error();
    } else if (got.value().record.holder_identity == config_.identity) {
      LeaderElectionRecord released;
      released.lease_duration_seconds = 1;
      released.acquire_time = clock_.WallNow();
      released.renew_time = released.acquire_time;
      released.lease_transitions = got.value().record.lease_transitions;
      auto updated = lock_.Update(released, got.value().resource_version);
      if (!updated.ok()) status = updated.error();
    }
  }
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  return status;
}

}  // namespace jd::kube

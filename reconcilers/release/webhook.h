// Webhook notifications: the signed JSON a release's outcome is announced with, and a Notifier
// that delivers it with retries without ever blocking the reconciler.
//
// Payload (BuildPayload): compact JSON, keys always in this order, e.g.
//   {"namespace":"school-amsterdam","environment":"production","release":"production-2-14-0",
//    "version":"2.14.0","outcome":"Failed","reason":"HealthCheckFailed",
//    "failedChecks":["login"],"at":"2026-03-29T01:00:00Z"}
// Signature (Sign): header `X-JustDriving-Signature: sha256=<lowercase hex HMAC-SHA256(key, body)>`
// over the exact bytes sent; the key is the `secret` key of the webhook's Secret. The key is used
// once, at Enqueue, and never stored, logged or reported.
//
// Delivery (Notifier): Enqueue returns at once. Attempts run later: the first as soon as possible,
// then after 1 s, 2 s, 4 s, ... (doubling, at most 5 min) until one succeeds or max_attempts were
// made. A 2xx answer is delivered; 408, 429, 5xx and transport errors are retried; any other status
// (a 3xx, a 4xx: the receiver rejects this request) fails at once. Waiting uses the injected
// jd::Clock's timers. Where the (blocking) WebhookSender::Post runs:
//   own_thread = true  (default, the binary): on one worker thread the Notifier owns, so a slow
//                      receiver never delays the clock's other timers (work-queue requeues).
//   own_thread = false (tests with FakeClock): inside the timer callback, so with FakeClock every
//                      attempt has happened when Advance returns.
// Deliveries live in memory only: those still pending when the Notifier is destroyed (or the
// operator restarts) are dropped.
//
// Usage:
//   jd::release::Notifier notifier(clock, sender);   // sender: the HTTP WebhookSender
//   std::string body = jd::release::BuildPayload(event);
//   notifier.Enqueue(hook.url, key_from_secret, body);
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status_or.h"

namespace jd::release {

inline constexpr std::string_view kSignatureHeader = "X-JustDriving-Signature";

// What happened to a release, as announced.
struct WebhookEvent {
  std::string ns;           // the environment's (and release's) namespace
  std::string environment;  // JustDrivingEnvironment name
  std::string release;      // JustDrivingRelease name
  std::string version;      // spec.version
  std::string outcome;      // the release's final phase: Succeeded, Failed, RolledBack, ...
  std::string reason;       // CamelCase reason (status.failureReason), "" when none
  std::vector<std::string> failed_checks;  // names of failed health checks / smoke tests
  WallTime at;              // when it happened (RFC 3339, whole seconds)
};

// The compact JSON body, keys in the order: namespace, environment, release, version, outcome,
// reason, failedChecks, at.
std::string BuildPayload(const WebhookEvent& event);

// "sha256=" + lowercase hex of HMAC-SHA256(key, body).
std::string Sign(std::string_view key, std::string_view body);

struct HttpHeader {
  std::string name;
  std::string value;

  friend bool operator==(const HttpHeader&, const HttpHeader&) = default;
};

// Sends one HTTP POST. Blocks for at most `timeout`. Returns the HTTP status code, or an Error for
// transport failures (DNS, connect, TLS, timeout). Implementations must be safe to call from any
// one thread at a time.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual StatusOr<int> Post(const std::string& url, const std::vector<HttpHeader>& headers,
                             const std::string& body, Duration timeout) = 0;
};

// How a delivery ended. Carries no key and no signature.
struct DeliveryReport {
  std::uint64_t id = 0;
  std::string url;
  int attempts = 0;
  bool delivered = false;
  std::string last_error;  // "" when delivered; "HTTP 503" or the sender's error otherwise
};

struct NotifierOptions {
  int max_attempts = 8;
  Duration initial_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(5);
  Duration timeout = std::chrono::seconds(10);  // per attempt, passed to Post
  bool own_thread = true;                       // see the header comment
  // Called once per delivery when it is delivered or given up, on the thread that made the last
  // attempt. Must not call back into the Notifier's destructor.
  std::function<void(const DeliveryReport&)> on_finished;
};

class Notifier {
 public:
  Notifier(Clock& clock, WebhookSender& sender, NotifierOptions options = {});
  // Drops pending deliveries; waits for an attempt in progress to finish.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Signs `body` with `key` and queues it for `url`; returns the delivery's id at once.
  std::uint64_t Enqueue(const std::string& url, std::string_view key, std::string body);

  // Deliveries neither delivered nor given up yet.
  std::size_t Pending() const;

  // The wait before attempt `attempt + 1` after `attempt` (>= 1) failed attempts.
  static Duration Backoff(const NotifierOptions& options, int attempt);

 private:
  struct Delivery {
    std::string url;
    std::vector<HttpHeader> headers;
    std::string body;
    int attempts = 0;
    std::unique_ptr<Timer> timer;
  };

  void OnDue(std::uint64_t id);  // timer callback
  void Attempt(std::uint64_t id);
  void WorkerLoop();

  Clock& clock_;
  WebhookSender& sender_;
  const NotifierOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;             // wakes the worker (own_thread)
  std::uint64_t next_id_ = 1;              // guarded by mu_
  std::map<std::uint64_t, Delivery> deliveries_;  // guarded by mu_
  std::deque<std::uint64_t> ready_;        // guarded by mu_; due, waiting for the worker
  bool stopping_ = false;                  // guarded by mu_
  std::thread worker_;                     // declared last: started after everything above
};

}  // namespace jd::release

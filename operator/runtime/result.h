// The reconcile contract: Request in, ReconcileOutcome out, and what the controller does with it.
//
// A Reconciler is handed the namespace/name of one object (never the event that triggered it)
// and drives the cluster toward that object's desired state. It must be idempotent: it may be
// called any number of times for the same Request, including after it succeeded, and never
// concurrently for the same Request (the work queue guarantees that).
//
// Errors are values, not exceptions. Reconcile returns either a Result or a ReconcileError, and
// the controller maps the outcome onto the work queue with exactly one rule (ActionFor):
//
//   outcome                              queue action                        QueueAction
//   ReconcileError (transient)           AddRateLimited (per-item backoff)   kRetryWithBackoff
//   ReconcileError (TerminalError(...))  Forget; no retry                    kForget
//   Result with requeue_after > 0        Forget, then AddAfter(delay)        kForgetAndRequeueAfter
//   Result with requeue (no delay)       AddRateLimited                      kRetryWithBackoff
//   Result::Done()                       Forget (resets backoff)             kForget
//
// An error carries no Result: a reconcile that failed cannot also ask for a fixed delay (as in
// controller-runtime, where the Result is ignored when err != nil). requeue_after wins over
// requeue. A terminal error is for inputs that retrying cannot fix (an invalid spec); report it in
// the object's status — a new generation of the object triggers a fresh reconcile anyway. The
// controller calls Done on the queue after every Reconcile, whatever the outcome.
//
// Reconcile should not throw. A controller that catches an exception anyway treats it as a
// transient ReconcileError carrying what().
//
// Usage:
//   class ReleaseReconciler : public jd::Reconciler {
//    public:
//     jd::ReconcileOutcome Reconcile(const jd::Request& req) override {
//       auto release = reader_.Get(req.ns, req.name);
//       if (!release.ok()) return jd::ReconcileError(release.error().message);   // backoff
//       if (!Valid(release.value())) return jd::TerminalError("spec.image: empty");
//       if (!RolloutFinished()) return jd::Result::RequeueAfter(std::chrono::seconds(5));
//       return jd::Result::Done();
//     }
//   };
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace jd {

// The object to reconcile. `ns` is empty for cluster-scoped objects.
struct Request {
  std::string ns;
  std::string name;

  // The work-queue key: "ns/name", or "name" when cluster-scoped (client-go's
  // MetaNamespaceKeyFunc).
  std::string Key() const;

  // Inverse of Key(). nullopt for "", "/x", "x/", or more than one '/'.
  static std::optional<Request> FromKey(std::string_view key);

  // Set by the controller for each reconcile (16 hex digits, unique within the process); it is
  // in every log line of that reconcile, so a reconciler logs it too. Not part of the identity:
  // two requests for the same object are equal whatever their ids.
  std::string reconcile_id = {};

  friend bool operator==(const Request& a, const Request& b) { return a.ns == b.ns && a.name == b.name; }
};

// A successful reconcile, possibly asking to be called again.
struct Result {
  // Reconcile again after this delay (and reset the backoff). Values <= 0 are ignored.
  std::optional<std::chrono::milliseconds> requeue_after;
  // Reconcile again after the item's rate-limited backoff.
  bool requeue = false;

  // Nothing more to do until the object (or something it watches) changes.
  static Result Done() { return Result{}; }
  // Poll: come back after `delay` (e.g. waiting for a rollout).
  static Result RequeueAfter(std::chrono::milliseconds delay) { return Result{delay, false}; }
  // Come back soon, with backoff (e.g. a dependency is not ready yet).
  static Result Requeue() { return Result{std::nullopt, true}; }

  friend bool operator==(const Result&, const Result&) = default;
};

// A failed reconcile. Transient (retried with per-item exponential backoff) unless made with
// TerminalError().
class ReconcileError {
 public:
  explicit ReconcileError(std::string message, bool terminal = false)
      : message_(std::move(message)), terminal_(terminal) {}

  const std::string& message() const { return message_; }
  bool terminal() const { return terminal_; }

 private:
  std::string message_;
  bool terminal_;
};

// A failure that retrying will not fix: the request is forgotten, not requeued.
inline ReconcileError TerminalError(std::string message) {
  return ReconcileError(std::move(message), /*terminal=*/true);
}

using ReconcileOutcome = std::variant<Result, ReconcileError>;

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual ReconcileOutcome Reconcile(const Request& request) = 0;
};

// What the controller does with the queue after a reconcile (the table above).
enum class QueueAction {
  kForget,                  // Forget(key)
  kForgetAndRequeueAfter,   // Forget(key); AddAfter(key, delay)
  kRetryWithBackoff,        // AddRateLimited(key)
};

struct QueueDisposition {
  QueueAction action;
  std::chrono::milliseconds delay{0};  // only for kForgetAndRequeueAfter

  friend bool operator==(const QueueDisposition&, const QueueDisposition&) = default;
};

// The single place the contract is interpreted; the controller's worker loop switches on this.
QueueDisposition ActionFor(const ReconcileOutcome& outcome);

}  // namespace jd

#include "runtime/result.h"

namespace jd {

std::string Request::Key() const { return ns.empty() ? name : ns + "/" + name; }

std::optional<Request> Request::FromKey(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) {
    if (key.empty()) return std::nullopt;
    return Request{"", std::string(key)};
  }
  const std::string_view ns = key.substr(0, slash);
  const std::string_view name = key.substr(slash + 1);
  if (ns.empty() || name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return Request{std::string(ns), std::string(name)};
}

QueueDisposition ActionFor(const ReconcileOutcome& outcome) {
  if (const auto* error = std::get_if<ReconcileError>(&outcome)) {
    // A terminal error: retrying cannot help; forget so a later event starts without backoff.
    if (error->terminal()) return {QueueAction::kForget};
    // A transient error: retry with the item's growing backoff.
    return {QueueAction::kRetryWithBackoff};
  }
  const Result& result = std::get<Result>(outcome);
  // A fixed delay asked for: the item is healthy, so reset its backoff first.
  if (result.requeue_after && *result.requeue_after > std::chrono::milliseconds::zero()) {
    return {QueueAction::kForgetAndRequeueAfter, *result.requeue_after};
  }
  // An immediate requeue asked for: rate-limited so a reconciler cannot spin.
  if (result.requeue) return {QueueAction::kRetryWithBackoff};
  // Success.
  return {QueueAction::kForget};
}

}  // namespace jd

// Conditions: set, find and compare the `status.conditions` of our objects the Kubernetes way.
//
// Each condition is {type, status, reason, message, lastTransitionTime, observedGeneration}
// (metav1.Condition). The rules, after cert-manager's pkg/api/util/conditions.go:
//   - lastTransitionTime moves only when `status` changes (True <-> False <-> Unknown); a new
//     condition gets `now`. Changing only reason or message does not move it.
//   - reason, message and observedGeneration are always updated to what the caller says.
//   - order is stable: an existing condition keeps its position, a new one is appended, so
//     rewriting the same conditions produces the same JSON (see StatusChanged).
// Time is passed in (no clock is read here).
//
// Readiness (kstatus, sigs.k8s.io/cli-utils/pkg/kstatus): Ready plus the two "abnormal-true"
// conditions Reconciling and Stalled, set together by SetReadiness so they never contradict:
//   kReady        Ready=True;                    Reconciling and Stalled removed
//   kReconciling  Ready=False, Reconciling=True; Stalled removed
//   kStalled      Ready=False, Stalled=True;     Reconciling removed
// An abnormal-true condition that does not apply is REMOVED, never written as False (kstatus
// prefers absence, and a reader then never has to tell "False" from "absent"). The same reason and
// message go on Ready and on the abnormal-true condition, so `kubectl get` shows why.
//
// Usage:
//   nlohmann::json& conds = status["conditions"];
//   jd::rec::SetCondition(conds, {"ConfigValid", jd::rec::kFalse, "UnknownCurrency",
//                                 "spec.locale.currency: \"EURO\" is not ISO 4217; use e.g. EUR"},
//                         generation, clock.WallNow());
//   jd::rec::SetReadiness(conds, {jd::rec::Readiness::kStalled, "InvalidSpec", message},
//                         generation, clock.WallNow());
//   if (jd::rec::StatusChanged(old_status, status)) client.UpdateStatus(...);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace jd::rec {

// Values of a condition's `status`.
inline constexpr std::string_view kTrue = "True";
inline constexpr std::string_view kFalse = "False";
inline constexpr std::string_view kUnknown = "Unknown";

// Condition types shared by both kinds (kstatus).
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kReconciling = "Reconciling";
inline constexpr std::string_view kStalled = "Stalled";

// What a reconciler wants a condition to say; the timestamps and generation are stamped by
// SetCondition.
struct Condition {
  std::string type;     // CamelCase, e.g. "ConfigValid"
  std::string status;   // kTrue, kFalse or kUnknown
  std::string reason;   // CamelCase, machine-readable, e.g. "UnknownCurrency"
  std::string message;  // for a person: names the field and says how to fix it
};

// Sets condition `c.type` in `conditions` (a JSON array; null is treated as empty and becomes an
// array). See the rules above. Any malformed entry of the same type (not an object) is replaced.
void SetCondition(nlohmann::json& conditions, const Condition& c, int64_t generation, WallTime now);

// The condition of `type`, or nullptr when absent (or `conditions` is not an array). The pointer is
// into `conditions` and valid until it is modified.
const nlohmann::json* FindCondition(const nlohmann::json& conditions, std::string_view type);

// True when the condition of `type` exists and its status is "True".
bool IsTrue(const nlohmann::json& conditions, std::string_view type);

// Removes the condition of `type`; returns whether one was there.
bool RemoveCondition(nlohmann::json& conditions, std::string_view type);

// The kstatus summary of an object; see the table at the top.
struct Readiness {
  enum State { kReady, kReconciling, kStalled };
  State state = kReconciling;
  std::string reason;
  std::string message;
};

// Sets Ready, Reconciling and Stalled consistently (the table at the top).
void SetReadiness(nlohmann::json& conditions, const Readiness& r, int64_t generation, WallTime now);

// Whether writing `new_status` would change what the API server holds for `old_status`. Nothing
// is ignored (timestamps and observedGeneration count); the comparison is semantic: object key
// order does not matter, numbers compare by value (1 == 1.0), a member set to null equals a
// missing member, and a null status equals an empty object. Array order matters (conditions keep
// a stable order, so it only differs when something really changed).
bool StatusChanged(const nlohmann::json& old_status, const nlohmann::json& new_status);

}  // namespace jd::rec

// Status of a JustDrivingEnvironment: its phase, its kstatus readiness, the Events of condition
// transitions, and the write that happens only when something changed (CloudNativePG's
// cluster_status).
//
// ComputePhase (pure) — the first row that matches wins:
//   a release holds the deploy slot (activeRelease)  -> Deploying
//   OpenToUsers True, all checks/smoke/workloads ok  -> Ready
//   OpenToUsers True, anything failing               -> Degraded
//   a validation condition False                     -> Invalid
//   otherwise                                        -> Onboarding (smoke tests / opening pending)
// ComputeReadiness (pure): Ready/Reconciling/Stalled from the phase and conditions: a check that is
// False stalls (a person must fix it), one Unknown (running) reconciles, Deploying and unavailable
// Deployments reconcile, Ready is Ready; everything passed but not open (spec.openToUsers false)
// stalls with the OpenToUsers reason (a person decides to open).
// TransitionEvents (pure): one Event per condition whose status flipped — checks (ConfigValid,
// SecretsIsolated, PaymentModeValid, TLSValid, SmokeTestsPassed) Warning when False and Normal
// when True; OpenToUsers Normal when it opens and Warning when it closes; the reason and message
// are the condition's.
// WriteStatusIfChanged (shell): a merge patch of the fields this reconciler owns (phase unless
// observedGeneration, conditions, resolvedTemplate, smokeTests) on the /status
// subresource, only when rec::StatusChanged says the result differs from what is stored. Fields
// of the release controller (activeRelease, currentRelease, lastGoodRelease, history) are never
// written.
//
// Usage:
//   std::string phase = ComputePhase({.current = old_phase, .open = open, ...});
//   auto events = TransitionEvents(old_conditions, new_status["conditions"]);
//   auto wrote = WriteStatusIfChanged(client, env, new_status);
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "reconcilers/common/conditions.h"

namespace jd::env {

// The validation conditions, in the order the readiness summary consults them.
inline const std::vector<std::string> kCheckConditions = {"ConfigValid", "SecretsIsolated", "PaymentModeValid",
                                                          "TLSValid", "SmokeTestsPassed"};

struct PhaseInputs {
  std::string current;             // "Deploying" while status.activeRelease is set, else ""
  bool open = false;               // OpenToUsers True after this reconcile
  bool validation_failed = false;  // ConfigValid/SecretsIsolated/PaymentModeValid/TLSValid False
  bool smoke_passed = false;       // SmokeTestsPassed True
  bool workloads_available = true; // every wanted Deployment available (true when none)
};

std::string ComputePhase(const PhaseInputs& in);

// `unavailable`: names of unavailable Deployments (for the message).
rec::Readiness ComputeReadiness(const std::string& phase, const nlohmann::json& conditions,
                                const std::vector<std::string>& unavailable);

struct EventSpec {
  kube::EventType type;
  std::string reason;
  std::string message;
  friend bool operator==(const EventSpec&, const EventSpec&) = default;
};

std::vector<EventSpec> TransitionEvents(const nlohmann::json& old_conditions, const nlohmann::json& new_conditions);

// The patch body {"status": {...}} for `desired` over `stored` (both whole status objects): the
// owned fields, with null for an owned field that `desired` drops.
nlohmann::json StatusPatch(const nlohmann::json& stored, const nlohmann::json& desired);

// Writes when changed. Returns whether it wrote; an API failure is an error.
kube::ApiResult<bool> WriteStatusIfChanged(kube::Client& client, const nlohmann::json& environment,
                                           const nlohmann::json& desired_status);

}  // namespace jd::env

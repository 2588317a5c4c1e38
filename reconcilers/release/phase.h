// Phase: where a JustDrivingRelease is in its life, and the pure decisions that depend only on it.
//
//   Pending -> Waiting (deploy window closed) -> Preflight -> BackingUp -> Migrating -> RollingOut
//           -> Verifying -> Succeeded
//   any active phase -> Failed, or -> RollingBack -> RolledBack (rollback.automatic)
//   Pending/Waiting -> Superseded (a newer release of the same environment arrived)
//   Preflight -> Blocked (a rule refuses it: destructive migration not approved, promotion unmet)
//
// Terminal: Succeeded, Failed, RolledBack, Superseded, Blocked. Active (holds the environment's one
// deploy slot): Preflight, BackingUp, Migrating, RollingOut, Verifying, RollingBack. Pending and
// Waiting are neither: they queue for the slot.
//
// Quarantine (api.md): a terminal release other than Succeeded is not run again unless its spec
// changed (metadata.generation != status.observedGeneration) or it carries the annotation
// `justdriving.io/retry`. The caller MUST consume the annotation when it restarts a release
// (remove it, or record its value in status and pass has_retry_annotation only while the
// annotation's value differs from the recorded one); otherwise a release that fails again is
// restarted forever.
//
// Usage:
//   auto phase = jd::release::ParsePhase(status.value("phase", "")).value_or(Phase::kPending);
//   auto d = jd::release::ShouldRestart(phase, observed_gen, gen, annotations.contains(kRetry));
//   if (d.restart) { /* phase = Pending, Event reason "Restarted", message d.reason */ }
//   auto pick = jd::release::PickActive(summaries_of_the_environment);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace jd::release {

inline constexpr std::string_view kRetryAnnotation = "justdriving.io/retry";

enum class Phase {
  kPending,
  kWaiting,
  kPreflight,
  kBackingUp,
  kMigrating,
  kRollingOut,
  kVerifying,
  kSucceeded,
  kFailed,
  kRollingBack,
  kRolledBack,
  kSuperseded,
  kBlocked,
};

// "Pending", "Waiting", ... exactly as in status.phase.
std::string_view ToString(Phase p);

// The phase named `s` (case-sensitive, as ToString writes it); nullopt for anything else,
// including "" (a release without status: the caller treats it as Pending).
std::optional<Phase> ParsePhase(std::string_view s);

// Succeeded, Failed, RolledBack, Superseded, Blocked.
bool IsTerminal(Phase p);

// Holds the environment's deploy slot: Preflight..Verifying and RollingBack.
bool IsActive(Phase p);

struct RestartDecision {
  bool restart = false;
  std::string reason;  // why (for an Event); also set when not restarting

  friend bool operator==(const RestartDecision&, const RestartDecision&) = default;
};

// Whether a release in `phase` starts over (back to Pending). In order, first match wins:
//   not terminal                       -> no  ("NotTerminal": it is still running or queued)
//   Succeeded                          -> no  ("Succeeded": a deployed release is never re-run;
//                                              create a new release to redeploy)
//   generation != observed_generation  -> yes ("SpecChanged")
//   has_retry_annotation               -> yes ("RetryRequested")
//   otherwise                          -> no  ("Quarantined")
// Superseded counts like Failed: an explicit retry or a spec change brings it back.
RestartDecision ShouldRestart(Phase phase, int64_t observed_generation, int64_t generation,
                              bool has_retry_annotation);

// What PickActive needs of one release.
struct ReleaseSummary {
  std::string name;
  WallTime created;  // metadata.creationTimestamp
  Phase phase = Phase::kPending;
};

struct SlotDecision {
  std::optional<std::string> proceed;   // may hold or take the deploy slot now
  std::vector<std::string> superseded;  // older queued releases: set them to Superseded
  std::vector<std::string> queued;      // must wait: the newest queued one while another is active
  std::vector<std::string> conflicting; // other releases that are also active (should not happen;
                                        // left alone, never superseded mid-flight; report them)

  friend bool operator==(const SlotDecision&, const SlotDecision&) = default;
};

// One release at a time per environment. `releases` are those of one environment (any phases;
// terminal ones are ignored). Ordering is by creation time, ties broken by name (later name =
// newer):
//   - an active release keeps the slot (the oldest, if somehow several are active);
//   - otherwise the newest queued (Pending/Waiting) release proceeds;
//   - every queued release older than the newest queued one is superseded, and so is every queued
//     release older than the active one (a newer release already took the slot);
//   - the newest queued release, if newer than the active one, waits in `queued`.
// Names in each list are oldest first.
SlotDecision PickActive(const std::vector<ReleaseSummary>& releases);

}  // namespace jd::release
